//! Monte Carlo sweeps over a scenario's uncertain inputs (docs/uncertainty.md, "Sweeps and
//! sensitivity").
//!
//! [`sweep`] draws `samples` rows of input values from an [`UncertaintyModel`] (deterministic in
//! the seed), writes each row into a copy of the scenario and catalog
//! ([`UncertaintyModel::apply`]) and, in [`SweepMode::Evaluate`], evaluates the scenario's
//! `[[fleet]]`; in [`SweepMode::Optimize`] it plans each sampled world as `fleetplan optimize`
//! does. Every run is summarised by named [`Output`]s (spend, TCO, cost per token, coverage,
//! misses, violations; or a plan's choices).
//!
//! **Rates are searched once.** The performance searches are the expensive part of an
//! evaluation and depend only on the workloads' serving settings, the fleet's chips and
//! regions and the catalog's performance data ([`crate::eval::fleet_rates`]). When no input of
//! the model changes the searches, the nominal scenario's rate table is reused for every
//! sample, each rate multiplied by the sample's [`Sampled::throughput_factor`] for its chip;
//! prices, demand and policy switches do not enter it. A model with an input that changes the
//! search itself ([`needs_rate_search`]: `Other`, or a workload's request shape or latency
//! target) has its rates searched again for every run. The training plan (placement and
//! completion of training runs, [`crate::eval::fleet_training`]) is searched once in the same
//! way unless an input changes a training workload ([`needs_training_search`]). The planner
//! searches its own rates (`optimize` mode), so throughput factors do not reach it.
//!
//! **Sensitivity.** One-at-a-time swings: every input at its 5th and 95th percentile, the others
//! at their nominal values ([`Sweep::tornado`]); and Spearman rank correlations of each input
//! with each output over the samples ([`Sweep::correlations`]).
//!
//! **Determinism.** Runs execute in parallel (rayon) and are collected in index order; column
//! order is the order of first appearance (nominal run, then samples, then swings); statistics
//! sort their values. The result does not depend on the thread count.

pub mod chunk;
mod outputs;
mod sensitivity;
mod stats;

pub use outputs::{Absent, Output, VIOLATION_KINDS, of_evaluation, of_plan};
pub use sensitivity::{Choice, TornadoBar};
pub use stats::{Spread, pearson, quantile_sorted, ranks, spearman};

use crate::eval::{EvalError, evaluate_with_searches, fleet_rates};
use crate::plan::{self, PlanError, PlanOptions};
use crate::rating::{RateTable, TrainingPlan};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, WorkloadSpec};
use fleetplan_core::uncertainty::{Affects, InputOrigin, Sampled, UncertainInput, UncertaintyError, UncertaintyModel};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

/// Percentile at which an input sits for the low end of its swing.
pub const SWING_LOW_QUANTILE: f64 = 0.05;
/// Percentile at which an input sits for the high end of its swing.
pub const SWING_HIGH_QUANTILE: f64 = 0.95;

/// What each sampled world is put through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SweepMode {
    /// Evaluate the scenario's fixed `[[fleet]]`.
    Evaluate,
    /// Make a plan (the planner, as `fleetplan optimize`).
    Optimize,
}

impl SweepMode {
    /// Lowercase name as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SweepMode::Evaluate => "evaluate",
            SweepMode::Optimize => "optimize",
        }
    }
}

/// Settings of one sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepSettings {
    /// Monte Carlo samples (at least 1).
    pub samples: usize,
    /// Seed of the draw (the same seed and sample count give the same rows).
    pub seed: u64,
    /// Evaluate the fleet or plan.
    pub mode: SweepMode,
    /// Planner settings for [`SweepMode::Optimize`].
    pub plan: PlanOptions,
}

/// Which run of a sweep failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// Every input at its nominal value.
    Nominal,
    /// Monte Carlo sample (0-based).
    Sample(usize),
    /// Input (index) at its 5th percentile, the others nominal.
    Low(usize),
    /// Input (index) at its 95th percentile, the others nominal.
    High(usize),
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Run::Nominal => write!(f, "the nominal run"),
            Run::Sample(i) => write!(f, "sample {i}"),
            Run::Low(i) => write!(f, "the low swing of input {i}"),
            Run::High(i) => write!(f, "the high swing of input {i}"),
        }
    }
}

/// Why a sweep could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// Zero samples were asked for.
    #[error("a sweep needs at least one sample")]
    NoSamples,
    /// A row of values could not be written into the scenario.
    #[error("{run}: {source}")]
    Uncertainty {
        /// The run.
        run: Run,
        /// Why.
        source: UncertaintyError,
    },
    /// The evaluator failed on a sampled world.
    #[error("{run}: {source}")]
    Eval {
        /// The run.
        run: Run,
        /// Why.
        source: EvalError,
    },
    /// The planner failed on a sampled world.
    #[error("{run}: {source}")]
    Plan {
        /// The run.
        run: Run,
        /// Why.
        source: PlanError,
    },
    /// The caller's stop flag was raised ([`sweep_until`]); the runs not yet started were
    /// skipped.
    #[error("the sweep was stopped before it finished")]
    Stopped,
}

/// One varied input of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputColumn {
    /// Dotted path (the model's).
    pub path: String,
    /// What it changes.
    pub affects: Affects,
    /// Scenario or catalog default.
    pub origin: InputOrigin,
    /// Value the unsampled scenario uses.
    pub nominal: f64,
    /// 5th percentile of its distribution (low end of its swing).
    pub low: f64,
    /// 95th percentile (high end of its swing).
    pub high: f64,
}

/// One output of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputColumn {
    /// Name.
    pub name: String,
    /// Whether a run without it counts 0 (plan choices) rather than undefined.
    #[serde(skip)]
    pub absent: Absent,
}

/// Every run of a sweep and its statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Mode.
    pub mode: SweepMode,
    /// Seed.
    pub seed: u64,
    /// Whether the nominal rate table was reused for every run ([`needs_rate_search`]).
    pub rates_reused: bool,
    /// Whether the nominal training plan was reused for every run ([`needs_training_search`]).
    pub training_reused: bool,
    /// The varied inputs (columns of `input_values`).
    pub inputs: Vec<InputColumn>,
    /// The outputs (columns of `output_values`).
    pub outputs: Vec<OutputColumn>,
    /// Input values, one row per sample.
    pub input_values: Vec<Vec<f64>>,
    /// Output values, one row per sample (`None`: undefined in that sample).
    pub output_values: Vec<Vec<Option<f64>>>,
    /// Outputs of the nominal run.
    pub nominal: Vec<Option<f64>>,
    /// Outputs with each input at its low end (row per input).
    pub low: Vec<Vec<Option<f64>>>,
    /// Outputs with each input at its high end (row per input).
    pub high: Vec<Vec<Option<f64>>>,
    /// p5/p50/p95/mean per output over the samples (`None`: undefined in every sample).
    pub spreads: Vec<Option<Spread>>,
    /// Spearman rank correlation per output (row) and input (column); `None` where a column is
    /// constant.
    pub correlations: Vec<Vec<Option<f64>>>,
}

/// Runs a sweep makes: the nominal run, the samples and two swings per input (for progress).
pub fn runs(model: &UncertaintyModel, samples: usize) -> usize {
    1 + samples + 2 * model.inputs.len()
}

/// Run a sweep; `progress` is called once after each finished run (from any thread).
pub fn sweep(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    progress: &(dyn Fn() + Sync),
) -> Result<Sweep, SweepError> {
    sweep_stoppable(scenario, catalog, model, settings, progress, None)
}

/// [`sweep`] that a caller can stop (a server's cancelled or timed-out job): each run checks
/// `stop` before it starts and, once it is raised, runs no more and the sweep ends with
/// [`SweepError::Stopped`]. Runs already under way finish first (one evaluation or plan each).
pub fn sweep_until(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    progress: &(dyn Fn() + Sync),
    stop: &AtomicBool,
) -> Result<Sweep, SweepError> {
    sweep_stoppable(scenario, catalog, model, settings, progress, Some(stop))
}

fn sweep_stoppable(
    scenario: &Scenario,
    catalog: &Catalog,
    model: &UncertaintyModel,
    settings: &SweepSettings,
    progress: &(dyn Fn() + Sync),
    stop: Option<&AtomicBool>,
) -> Result<Sweep, SweepError> {
    if settings.samples == 0 {
        return Err(SweepError::NoSamples);
    }
    // One code path with the chunked sweep (Python, Ray): the samples as one piece.
    match chunk::one_piece(scenario, catalog, model, settings, progress, stop) {
        Ok(sweep) => Ok(sweep),
        Err(chunk::ChunkError::Sweep(e)) => Err(e),
        Err(other) => unreachable!("the piece 0..samples covers a draw of samples > 0: {other}"),
    }
}

/// Results in index order, or the first error in index order.
fn collect(
    runs: impl IndexedParallelIterator<Item = Result<Vec<Output>, SweepError>>,
) -> Result<Vec<Vec<Output>>, SweepError> {
    runs.collect::<Vec<_>>().into_iter().collect()
}

/// The defined values of output `j`, in sample order.
fn present(rows: &[Vec<Option<f64>>], j: usize) -> Vec<f64> {
    rows.iter().filter_map(|row| row[j]).collect()
}

/// What every run needs.
struct Runner<'a> {
    scenario: &'a Scenario,
    catalog: &'a Catalog,
    model: &'a UncertaintyModel,
    settings: &'a SweepSettings,
    /// The nominal rate table, when it is reused.
    rates: Option<RateTable>,
    /// The nominal training plan, when it is reused.
    training: Option<TrainingPlan>,
    progress: &'a (dyn Fn() + Sync),
    /// Raised by the caller to stop before the next run.
    stop: Option<&'a AtomicBool>,
}

impl Runner<'_> {
    /// Apply one row of values and evaluate or plan the sampled world. `slot` holds the
    /// worker's sampled world from its previous run (rewritten in place: the result is the same
    /// as a fresh [`UncertaintyModel::apply`], without cloning the whole catalog).
    fn run(&self, run: Run, values: &[f64], slot: &mut Option<Sampled>) -> Result<Vec<Output>, SweepError> {
        if self.stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
            return Err(SweepError::Stopped);
        }
        let failed = |source| SweepError::Uncertainty { run, source };
        let sampled = match slot {
            Some(sampled) => {
                self.model.apply_into(values, self.scenario, self.catalog, sampled).map_err(failed)?;
                sampled
            }
            None => slot.insert(self.model.apply(values, self.scenario, self.catalog).map_err(failed)?),
        };
        let outputs = match self.settings.mode {
            SweepMode::Evaluate => {
                let rates = match &self.rates {
                    Some(table) => scaled(table, sampled),
                    None => scaled(&fleet_rates(&sampled.scenario, &sampled.catalog), sampled),
                };
                let evaluation =
                    evaluate_with_searches(&sampled.scenario, &sampled.catalog, rates, self.training.clone())
                        .map_err(|source| SweepError::Eval { run, source })?;
                of_evaluation(&evaluation)
            }
            SweepMode::Optimize => {
                let plan = plan::plan_sampled(
                    &sampled.scenario,
                    &sampled.catalog,
                    &self.settings.plan,
                    &sampled.throughput_factor,
                )
                .map_err(|source| SweepError::Plan { run, source })?;
                of_plan(&plan)
            }
        };
        (self.progress)();
        Ok(outputs)
    }
}

/// Whether sampling `input` changes what the performance searches see, so that rates must be
/// searched again for every run: an `Other` input, or a `Throughput` input other than an
/// `efficiency.*` factor (a workload's request shape or latency target changes the search
/// itself, not a factor on its result).
pub fn needs_rate_search(input: &UncertainInput) -> bool {
    match input.affects {
        Affects::Other => true,
        Affects::Throughput => !input.path.starts_with("efficiency."),
        Affects::Cost | Affects::Demand | Affects::Policy => false,
    }
}

/// Whether sampling `input` changes the training plan, so that it must be searched again for
/// every run: an `Other` input, or a field of a training workload (`workload.<run>.tokens`).
/// Efficiency factors scale serving rates only (the training search reads the catalog's
/// performance data, which sampling leaves alone).
pub fn needs_training_search(input: &UncertainInput, scenario: &Scenario) -> bool {
    input.affects == Affects::Other
        || scenario.workloads.iter().any(|w| {
            matches!(w.spec, WorkloadSpec::Training(_))
                && input
                    .path
                    .strip_prefix("workload.")
                    .and_then(|p| p.strip_prefix(w.id.as_str()))
                    .is_some_and(|p| p.starts_with('.'))
        })
}

/// A rate table with each rate's throughputs multiplied by its chip's factor in `sampled`.
pub fn scaled(table: &RateTable, sampled: &Sampled) -> RateTable {
    crate::rating::scaled_rates(table.clone(), &sampled.throughput_factor)
}

/// The output columns of a sweep: names in order of first appearance.
struct Columns {
    names: Vec<OutputColumn>,
    index: HashMap<String, usize>,
}

impl Columns {
    fn of<'a>(runs: impl Iterator<Item = &'a Vec<Output>>) -> Columns {
        let mut columns = Columns { names: Vec::new(), index: HashMap::new() };
        for run in runs {
            for output in run {
                if !columns.index.contains_key(&output.name) {
                    columns.index.insert(output.name.clone(), columns.names.len());
                    columns.names.push(OutputColumn { name: output.name.clone(), absent: output.absent });
                }
            }
        }
        columns
    }

    /// One run's values in column order (absent: 0 or undefined, as the column says).
    fn row(&self, run: &[Output]) -> Vec<Option<f64>> {
        let mut row: Vec<Option<f64>> = self.names.iter().map(|c| (c.absent == Absent::Zero).then_some(0.0)).collect();
        for output in run {
            row[self.index[&output.name]] = Some(output.value);
        }
        row
    }
}

impl Sweep {
    /// Index of the output named `name`.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|c| c.name == name)
    }

    /// Share of the samples in which a 0/1 output (e.g. `miss_demand.W`) is 1.
    pub fn probability(&self, name: &str) -> Option<f64> {
        let j = self.output_index(name)?;
        let values = present(&self.output_values, j);
        (!values.is_empty()).then(|| values.iter().filter(|v| **v > 0.5).count() as f64 / values.len() as f64)
    }
}

#[cfg(test)]
mod tests;
