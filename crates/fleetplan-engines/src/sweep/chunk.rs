//! A sweep in pieces: the samples `[start, end)` of a `(seed, samples)` draw run on their own
//! ([`run_samples`], e.g. one Ray task each: `fleetplan.distributed.sweep`, docs/python.md),
//! and the pieces gathered into the [`Sweep`] ([`assemble`]) with its nominal run, swings and
//! statistics.
//!
//! **Same rows as [`super::sweep`].** A piece draws the whole `(seed, samples)` table
//! ([`UncertaintyModel::draw`] is deterministic in both, and a Latin hypercube depends on the
//! sample count) and keeps its rows; each row runs through the same [`Runner`] as the
//! in-process sweep, and [`assemble`] orders the columns by first appearance over the nominal
//! run, the samples in index order and the swings, as the in-process sweep does. Any split of
//! `0..samples` gives the [`Sweep`] of [`super::sweep`] (tests below compare them field by
//! field).

use super::{Columns, InputColumn, Output, Run, Runner, SWING_HIGH_QUANTILE, SWING_LOW_QUANTILE, Spread, Sweep};
use super::{
    SweepError, SweepMode, SweepSettings, collect, needs_rate_search, needs_training_search, present, sensitivity,
};
use crate::eval::{fleet_rates, fleet_training};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::Scenario;
use fleetplan_core::uncertainty::UncertaintyModel;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

/// The runs of samples `start..start + outputs.len()` of one draw.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRuns {
    /// Index of the first sample.
    pub start: usize,
    /// Input values, one row per sample.
    pub input_values: Vec<Vec<f64>>,
    /// Named outputs, one list per sample (names in the order the run gave them).
    pub outputs: Vec<Vec<Output>>,
}

/// Why pieces cannot be gathered into a sweep.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChunkError {
    /// A range outside `0..samples` or empty.
    #[error("samples {start}..{end} are not a non-empty part of 0..{samples}")]
    Range {
        /// First sample asked for.
        start: usize,
        /// One past the last.
        end: usize,
        /// Samples of the draw.
        samples: usize,
    },
    /// The pieces leave out or repeat samples.
    #[error(
        "the pieces do not cover samples 0..{samples} once each in order: expected sample {expected} next, got {got}"
    )]
    Cover {
        /// Samples of the draw.
        samples: usize,
        /// Sample the next piece should start at.
        expected: usize,
        /// Where it starts.
        got: usize,
    },
    /// A run failed.
    #[error(transparent)]
    Sweep(#[from] SweepError),
}

/// The runner of one sweep (rates and the training plan searched once when no input changes
/// them), with whether each was: the set-up of [`super::sweep`].
fn runner<'a>(
    scenario: &'a Scenario,
    catalog: &'a Catalog,
    model: &'a UncertaintyModel,
    settings: &'a SweepSettings,
    progress: &'a (dyn Fn() + Sync),
    stop: Option<&'a AtomicBool>,
) -> Result<(Runner<'a>, bool, bool), SweepError> {
    let evaluating = settings.mode == SweepMode::Evaluate && !scenario.fleet.is_empty();
    let rates_reused = evaluating && !model.inputs.iter().any(needs_rate_search);
    let training_reused = evaluating && !model.inputs.iter().any(|input| needs_training_search(input, scenario));
    let training = match training_reused {
        true => {
            Some(fleet_training(scenario, catalog).map_err(|source| SweepError::Eval { run: Run::Nominal, source })?)
        }
        false => None,
    };
    let rates = rates_reused.then(|| fleet_rates(scenario, catalog));
    Ok((Runner { scenario, catalog, model, settings, rates, training, progress, stop }, rates_reused, training_reused))
}

/// Run samples `range` of the `(settings.seed, settings.samples)` draw; `progress` is called
/// after each run.
pub fn run_samples(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    range: Range<usize>,
    progress: &(dyn Fn() + Sync),
) -> Result<SampleRuns, ChunkError> {
    samples_until(scenario, catalog, model, settings, range, progress, None)
}

fn samples_until(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    range: Range<usize>,
    progress: &(dyn Fn() + Sync),
    stop: Option<&AtomicBool>,
) -> Result<SampleRuns, ChunkError> {
    if settings.samples == 0 {
        return Err(SweepError::NoSamples.into());
    }
    if range.start >= range.end || range.end > settings.samples {
        return Err(ChunkError::Range { start: range.start, end: range.end, samples: settings.samples });
    }
    let (runner, _, _) = runner(scenario, catalog, model, settings, progress, stop)?;
    let mut input_values = model.draw(settings.seed, settings.samples);
    input_values.truncate(range.end);
    let input_values = input_values.split_off(range.start);
    let start = range.start;
    let outputs = collect(
        input_values
            .par_iter()
            .enumerate()
            .map_init(|| None, |slot, (i, row)| runner.run(Run::Sample(start + i), row, slot)),
    )?;
    Ok(SampleRuns { start, input_values, outputs })
}

/// Gather pieces covering `0..settings.samples` in order into the sweep: runs the nominal
/// scenario and the swings, then the spreads and correlations.
pub fn assemble(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    pieces: Vec<SampleRuns>,
    progress: &(dyn Fn() + Sync),
) -> Result<Sweep, ChunkError> {
    assemble_until(scenario, catalog, model, settings, pieces, progress, None)
}

fn assemble_until(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    pieces: Vec<SampleRuns>,
    progress: &(dyn Fn() + Sync),
    stop: Option<&AtomicBool>,
) -> Result<Sweep, ChunkError> {
    if settings.samples == 0 {
        return Err(SweepError::NoSamples.into());
    }
    let mut next = 0;
    for piece in &pieces {
        if piece.start != next || piece.outputs.len() != piece.input_values.len() {
            return Err(ChunkError::Cover { samples: settings.samples, expected: next, got: piece.start });
        }
        next += piece.outputs.len();
    }
    if next != settings.samples {
        return Err(ChunkError::Cover { samples: settings.samples, expected: next, got: settings.samples });
    }
    let (runner, rates_reused, training_reused) = runner(scenario, catalog, model, settings, progress, stop)?;
    let nominal_values = model.nominal_values();
    let nominal = runner.run(Run::Nominal, &nominal_values, &mut None)?;
    let swing_rows: Vec<(Run, Vec<f64>)> = (0..model.inputs.len())
        .flat_map(|i| {
            let distribution = &model.inputs[i].distribution;
            let mut low = nominal_values.clone();
            low[i] = distribution.quantile(SWING_LOW_QUANTILE);
            let mut high = nominal_values.clone();
            high[i] = distribution.quantile(SWING_HIGH_QUANTILE);
            [(Run::Low(i), low), (Run::High(i), high)]
        })
        .collect();
    let swings = collect(swing_rows.par_iter().map_init(|| None, |slot, (run, row)| runner.run(*run, row, slot)))?;
    let (mut input_values, mut samples) = (Vec::with_capacity(next), Vec::with_capacity(next));
    for piece in pieces {
        input_values.extend(piece.input_values);
        samples.extend(piece.outputs);
    }

    let columns = Columns::of(std::iter::once(&nominal).chain(&samples).chain(&swings));
    let output_values: Vec<Vec<Option<f64>>> = samples.iter().map(|run| columns.row(run)).collect();
    let (low, high): (Vec<_>, Vec<_>) =
        swings.chunks(2).map(|pair| (columns.row(&pair[0]), columns.row(&pair[1]))).unzip();
    let inputs = model
        .inputs
        .iter()
        .map(|input| InputColumn {
            path: input.path.clone(),
            affects: input.affects,
            origin: input.origin.clone(),
            nominal: input.nominal,
            low: input.distribution.quantile(SWING_LOW_QUANTILE),
            high: input.distribution.quantile(SWING_HIGH_QUANTILE),
        })
        .collect();
    let spreads: Vec<Option<Spread>> =
        (0..columns.names.len()).into_par_iter().map(|j| Spread::of(&present(&output_values, j))).collect();
    let correlations = sensitivity::correlations(&input_values, &output_values, model.inputs.len());
    let nominal = columns.row(&nominal);
    Ok(Sweep {
        mode: settings.mode,
        seed: settings.seed,
        rates_reused,
        training_reused,
        inputs,
        outputs: columns.names,
        nominal,
        input_values,
        output_values,
        low,
        high,
        spreads,
        correlations,
    })
}

/// The in-process sweep as one piece: `assemble(run_samples(0..samples))`.
pub fn sweep_in_one_piece(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    progress: &(dyn Fn() + Sync),
) -> Result<Sweep, ChunkError> {
    one_piece(scenario, catalog, model, settings, progress, None)
}

/// [`sweep_in_one_piece`], stopping before the next run once `stop` is raised
/// ([`super::sweep_until`]).
pub(super) fn one_piece(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    progress: &(dyn Fn() + Sync),
    stop: Option<&AtomicBool>,
) -> Result<Sweep, ChunkError> {
    let piece = samples_until(scenario, catalog, model, settings, 0..settings.samples, progress, stop)?;
    assemble_until(scenario, catalog, model, settings, vec![piece], progress, stop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanOptions;

    const BYTEDANCE: &str = include_str!("../../../../examples/bytedance-2025.toml");

    fn setup() -> (Scenario, Catalog, UncertaintyModel) {
        let catalog = Catalog::builtin().expect("built-in catalog");
        let scenario = fleetplan_core::scenario::validate("bytedance-2025.toml", BYTEDANCE, &catalog).expect("valid");
        let model = UncertaintyModel::from_scenario(&scenario, &catalog).expect("model");
        (scenario, catalog, model)
    }

    fn settings(samples: usize, seed: u64) -> SweepSettings {
        SweepSettings { samples, seed, mode: SweepMode::Evaluate, plan: PlanOptions::default() }
    }

    #[test]
    fn any_split_gives_the_in_process_sweep() {
        let (scenario, catalog, model) = setup();
        let settings = settings(23, 3);
        let whole = super::super::sweep(&scenario, &catalog, &model, &settings, &|| {}).expect("sweep");
        for cuts in [vec![0, 23], vec![0, 1, 23], vec![0, 7, 8, 16, 23]] {
            let pieces: Vec<SampleRuns> = cuts
                .windows(2)
                .map(|w| run_samples(&scenario, &catalog, &model, &settings, w[0]..w[1], &|| {}).expect("piece"))
                .collect();
            let gathered = assemble(&scenario, &catalog, &model, &settings, pieces, &|| {}).expect("assemble");
            assert_eq!(gathered, whole, "split at {cuts:?}");
        }
        let one = sweep_in_one_piece(&scenario, &catalog, &model, &settings, &|| {}).expect("one piece");
        assert_eq!(one, whole);
    }

    #[test]
    fn pieces_must_cover_the_samples_once_in_order() {
        let (scenario, catalog, model) = setup();
        let settings = settings(6, 1);
        let piece = |r: Range<usize>| run_samples(&scenario, &catalog, &model, &settings, r, &|| {}).expect("piece");
        let gap = assemble(&scenario, &catalog, &model, &settings, vec![piece(0..2), piece(3..6)], &|| {});
        assert!(matches!(gap, Err(ChunkError::Cover { expected: 2, got: 3, .. })), "{gap:?}");
        let short = assemble(&scenario, &catalog, &model, &settings, vec![piece(0..2)], &|| {});
        assert!(matches!(short, Err(ChunkError::Cover { expected: 2, .. })), "{short:?}");
        let swapped = assemble(&scenario, &catalog, &model, &settings, vec![piece(2..6), piece(0..2)], &|| {});
        assert!(matches!(swapped, Err(ChunkError::Cover { expected: 0, got: 2, .. })), "{swapped:?}");
        for bad in [3..3, 4..7] {
            let r = run_samples(&scenario, &catalog, &model, &settings, bad.clone(), &|| {});
            assert!(matches!(r, Err(ChunkError::Range { .. })), "{bad:?}: {r:?}");
        }
    }

    #[test]
    fn a_piece_holds_the_rows_of_the_whole_draw() {
        let (scenario, catalog, model) = setup();
        let settings = settings(10, 5);
        let piece = run_samples(&scenario, &catalog, &model, &settings, 4..9, &|| {}).expect("piece");
        assert_eq!(piece.input_values, model.draw(5, 10)[4..9].to_vec());
        assert_eq!(piece.outputs.len(), 5);
    }
}
