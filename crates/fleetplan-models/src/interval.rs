//! Prediction intervals: every performance prediction carries an 80 % interval derived from the
//! calibration residuals of its class (chip perf family × workload kind × engine × mode), pooled
//! hierarchically and widened where a class has few cases, so that a class with few or no
//! calibration cases is not over-confident.
//!
//! **Residual.** `r = ln(predicted / measured)` for rates (tokens/s, MFU, TFLOP/s) and
//! `ln(measured / predicted)` for times (chip-hours, minutes): positive means "too optimistic".
//!
//! **Levels.** A class (`inference-moe.nvidia-hopper.sglang.decode`) pools into its family ×
//! kind (`inference-moe.nvidia-hopper`), its kind (`inference-moe`) and the root (`all`). Each
//! level with `n ≥ 1` residuals gets an entry; a class without cases uses its nearest ancestor.
//!
//! **Width of a level** (fitted top-down, [`fit`]):
//! 1. Centre `c`: the median residual when `n ≥` [`CENTRE_MIN_CASES`] (a bias shown by many
//!    cases), else the parent's centre (0 at the root).
//! 2. Own width: the split-conformal quantile of `|r − c|` at rank `⌈(n + 1)·0.8⌉`; when that rank
//!    exceeds `n` (n < 4) the largest `|r − c|` stands in (the conformal quantile is infinite
//!    there; falling back to the parent alone would ignore a small class that is far off). The
//!    result is multiplied by `√((n + 1)/n)`: in-sample residuals understate leave-one-out ones
//!    (the model's parameters are global and fitted on all cases; a true leave-one-out refit of
//!    them is not cheap), and this is the inflation of a residual about an estimated centre.
//! 3. Below the root, the own width is blended with the parent's final width as if the parent
//!    contributed [`BLEND_CASES`] pseudo-cases, `w = (n·w_own + k·w_parent)/(n + k)`, and never
//!    falls below [`FLOOR_FACTOR`] × the parent's width.
//!
//! The interval of a prediction `p` is then `p·exp(−c ± w)` for a rate (`p·exp(c ± w)` for a
//! time). The fitted entries are catalog data (`catalog/intervals.toml`, rendered by
//! [`render_table`] and written by `fleetplan validate --fit-intervals`).

use crate::infer::ServeMode;
use crate::validation::{CaseResult, Metric};
use fleetplan_core::catalog::{
    Catalog, Confidence, IntervalEntry, IntervalKey, PredictionClass, PredictionMode, Provenance,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Nominal coverage of the intervals.
pub const COVERAGE: f64 = 0.8;
/// Pseudo-cases the parent level contributes when a level's width is blended with it: a class
/// with 4 cases is half its own spread, half its parent's.
pub const BLEND_CASES: f64 = 4.0;
/// A level's width is never below this fraction of its parent's (few cases agreeing by chance
/// must not make a class much more confident than the pool it belongs to).
pub const FLOOR_FACTOR: f64 = 0.8;
/// Cases a level needs before its own median residual is taken as its centre (bias).
pub const CENTRE_MIN_CASES: usize = 20;

impl From<ServeMode> for PredictionMode {
    fn from(mode: ServeMode) -> PredictionMode {
        match mode {
            ServeMode::Offline => PredictionMode::Offline,
            ServeMode::Server => PredictionMode::Server,
            ServeMode::Prefill => PredictionMode::Prefill,
            ServeMode::Decode => PredictionMode::Decode,
        }
    }
}

/// Whether a larger value of `metric` means a faster system (rates) rather than a slower one
/// (times); residuals and intervals are oriented so that a positive residual is optimistic.
pub fn is_rate(metric: Metric) -> bool {
    !matches!(metric, Metric::ChipHours | Metric::Minutes)
}

/// One calibration residual of a modelled case, with its class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Residual {
    /// Class of the prediction.
    pub class: PredictionClass,
    /// Rate-oriented `ln(predicted / measured)`.
    pub residual_ln: f64,
}

/// The residuals of every modelled case that has a class (finite, positive values only).
pub fn residuals(results: &[CaseResult]) -> Vec<Residual> {
    results
        .iter()
        .filter_map(|r| {
            let predicted = r.predicted.filter(|p| p.is_finite() && *p > 0.0)?;
            let ratio_ln = (predicted / r.measured).ln();
            let residual_ln = if is_rate(r.metric) { ratio_ln } else { -ratio_ln };
            let class = r.class.clone()?;
            residual_ln.is_finite().then_some(Residual { class, residual_ln })
        })
        .collect()
}

/// 80 % interval of one prediction, in the prediction's unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Low end.
    pub low: f64,
    /// High end.
    pub high: f64,
    /// Id of the table entry used (the class's own, or the pooled level it fell back to).
    pub level: String,
    /// Calibration cases behind that entry.
    pub cases: u32,
}

impl Interval {
    /// The interval `entry` gives a prediction of `predicted` (a rate when `rate`, else a time).
    pub fn around(entry: &IntervalEntry, predicted: f64, rate: bool) -> Interval {
        let (lo_ln, hi_ln) = if rate {
            (-entry.centre_ln - entry.half_width_ln, -entry.centre_ln + entry.half_width_ln)
        } else {
            (entry.centre_ln - entry.half_width_ln, entry.centre_ln + entry.half_width_ln)
        };
        Interval {
            low: predicted * lo_ln.exp(),
            high: predicted * hi_ln.exp(),
            level: entry.id.clone(),
            cases: entry.cases,
        }
    }

    /// Whether `value` lies inside (ends included).
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }

    /// Half the interval's length relative to `predicted` (0.2 = ±20 %).
    pub fn relative_half_width(&self, predicted: f64) -> f64 {
        if predicted > 0.0 { (self.high - self.low) / (2.0 * predicted) } else { 0.0 }
    }
}

/// The interval of a prediction of class `class` from the catalog's table (`None` only when the
/// table is empty or the prediction is not positive and finite).
pub fn for_prediction(catalog: &Catalog, class: &PredictionClass, predicted: f64, rate: bool) -> Option<Interval> {
    if !(predicted.is_finite() && predicted > 0.0) {
        return None;
    }
    catalog.interval_for(class).map(|entry| Interval::around(entry, predicted, rate))
}

/// The interval of each result (aligned with `results`; `None` when not modelled).
pub fn for_results(catalog: &Catalog, results: &[CaseResult]) -> Vec<Option<Interval>> {
    results.iter().map(|r| for_prediction(catalog, r.class.as_ref()?, r.predicted?, is_rate(r.metric))).collect()
}

/// How honest a set of intervals is on measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntervalSummary {
    /// Cases with an interval.
    pub count: usize,
    /// Share of measurements inside their interval (0–1).
    pub coverage: f64,
    /// Median relative half-width of the intervals (0.2 = ±20 %).
    pub median_half_width: f64,
}

/// Coverage and median half-width of `intervals` on the measurements of `results`.
pub fn summarize_intervals(results: &[CaseResult], intervals: &[Option<Interval>]) -> IntervalSummary {
    let pairs: Vec<(bool, f64)> = results
        .iter()
        .zip(intervals)
        .filter_map(|(r, i)| {
            let i = i.as_ref()?;
            Some((i.contains(r.measured), i.relative_half_width(r.predicted?)))
        })
        .collect();
    summary_of(&pairs)
}

fn summary_of(pairs: &[(bool, f64)]) -> IntervalSummary {
    if pairs.is_empty() {
        return IntervalSummary { count: 0, coverage: 0.0, median_half_width: 0.0 };
    }
    let inside = pairs.iter().filter(|(inside, _)| *inside).count();
    let widths: Vec<f64> = pairs.iter().map(|(_, w)| *w).collect();
    IntervalSummary {
        count: pairs.len(),
        coverage: inside as f64 / pairs.len() as f64,
        median_half_width: median(widths),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 { values[m] } else { (values[m - 1] + values[m]) / 2.0 }
}

/// Split-conformal width of `|r − centre|` over `n` residuals: the deviation at rank
/// `⌈(n + 1)·q⌉`, which covers a new residual with probability ≥ q. `None` when there are too few
/// residuals for that rank to exist (`n < q/(1 − q)`, 4 at 80 %): such a level cannot estimate its
/// own quantile and takes its parent's.
pub fn conformal_width(residuals_ln: &[f64], centre_ln: f64) -> Option<f64> {
    let n = residuals_ln.len();
    let rank = ((n as f64 + 1.0) * COVERAGE).ceil() as usize;
    if n == 0 || rank > n {
        return None;
    }
    let mut deviations: Vec<f64> = residuals_ln.iter().map(|r| (r - centre_ln).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    Some(deviations[rank.max(1) - 1])
}

/// Centre and width of one level from its residuals and its parent's `(centre, width)`: the
/// level's own conformal width blended with the parent's (`BLEND_CASES` pseudo-cases) and never
/// below `FLOOR_FACTOR` of it; the parent's width alone when the level has too few residuals for
/// its own; the largest deviation at the root when even it has too few.
fn level_fit(residuals_ln: &[f64], parent: Option<(f64, f64)>) -> (f64, f64) {
    let n = residuals_ln.len();
    let centre =
        if n >= CENTRE_MIN_CASES { median(residuals_ln.to_vec()) } else { parent.map_or(0.0, |(centre, _)| centre) };
    let own = conformal_width(residuals_ln, centre);
    let width = match (parent, own) {
        (None, Some(own)) => own,
        (None, None) => residuals_ln.iter().map(|r| (r - centre).abs()).fold(0.0, f64::max),
        (Some((_, parent_width)), None) => parent_width,
        (Some((_, parent_width)), Some(own)) => {
            let blended = (n as f64 * own + BLEND_CASES * parent_width) / (n as f64 + BLEND_CASES);
            blended.max(FLOOR_FACTOR * parent_width)
        }
    };
    (centre, width)
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Fit the interval table from `residuals`: one entry for the root and for every kind, family ×
/// kind and class with at least one residual, parents before children. `data` names the
/// residuals' source (it goes into each entry's `source`). Empty input gives an empty table.
pub fn fit(residuals: &[Residual], data: &str) -> Vec<IntervalEntry> {
    if residuals.is_empty() {
        return Vec::new();
    }
    let mut groups: BTreeMap<(usize, IntervalKey), Vec<f64>> = BTreeMap::new();
    for r in residuals {
        for (depth, key) in r.class.levels().into_iter().rev().enumerate() {
            groups.entry((depth, key)).or_default().push(r.residual_ln);
        }
    }
    let mut fitted: BTreeMap<IntervalKey, (f64, f64)> = BTreeMap::new();
    let mut entries = Vec::with_capacity(groups.len());
    for ((depth, key), values) in &groups {
        let parent = parent_key(key, *depth).and_then(|p| fitted.get(&p).copied());
        let (centre, width) = level_fit(values, parent);
        fitted.insert(key.clone(), (centre, width));
        entries.push(entry(key, values.len(), centre, width, parent, data));
    }
    entries
}

/// The parent of a key at `depth` (0 = root, 3 = class).
fn parent_key(key: &IntervalKey, depth: usize) -> Option<IntervalKey> {
    match depth {
        0 => None,
        1 => Some(IntervalKey::all()),
        2 => Some(IntervalKey { family: None, ..key.clone() }),
        _ => Some(IntervalKey { engine: None, mode: None, ..key.clone() }),
    }
}

fn entry(
    key: &IntervalKey,
    n: usize,
    centre: f64,
    width: f64,
    parent: Option<(f64, f64)>,
    data: &str,
) -> IntervalEntry {
    let notes = parent.map(|(_, parent_width)| {
        format!("blended with the parent's half-width {parent_width:.3} (k = {BLEND_CASES}, floor {FLOOR_FACTOR})")
    });
    IntervalEntry {
        id: key.id(),
        kind: key.kind,
        family: key.family.clone(),
        engine: key.engine.clone(),
        mode: key.mode,
        cases: u32::try_from(n).unwrap_or(u32::MAX),
        centre_ln: round4(centre),
        half_width_ln: round4(width),
        provenance: Provenance {
            source: format!("fitted by `fleetplan validate --fit-intervals` on {data}: {n} residuals"),
            confidence: Confidence::Estimate,
            notes,
        },
    }
}

/// The interval table as catalog TOML (`[[interval]]` entries under a header that says how to
/// regenerate it).
pub fn render_table(entries: &[IntervalEntry]) -> Result<String, toml::ser::Error> {
    #[derive(Serialize)]
    struct File<'a> {
        interval: &'a [IntervalEntry],
    }
    let body = toml::to_string(&File { interval: entries })?;
    Ok(format!("{TABLE_HEADER}\n{body}"))
}

/// Header of the generated table.
pub const TABLE_HEADER: &str = "\
# 80 % prediction intervals of the performance model, per class of prediction (kind.family.engine.mode)
# and pooled level (kind.family, kind, all). GENERATED, do not edit: after any change to the models or
# to the catalog's performance parameters, regenerate with
#   fleetplan validate --fit-intervals crates/fleetplan-models/tests/data/calibration.toml \\
#     crates/fleetplan-models/tests/data/calibration-extended.toml > crates/fleetplan-core/catalog/intervals.toml
# (the test `interval_table_is_fresh` fails when this file differs from a re-fit). Method: the doc comment
# of crates/fleetplan-models/src/interval.rs.
";

/// Out-of-sample estimate of the intervals' coverage and width: each held-out group's cases get
/// intervals from a table fitted without them.
fn held_out(residuals: &[Residual], group_of: impl Fn(usize, &Residual) -> String) -> IntervalSummary {
    let groups: BTreeSet<String> = residuals.iter().enumerate().map(|(i, r)| group_of(i, r)).collect();
    let mut pairs = Vec::with_capacity(residuals.len());
    for group in &groups {
        let (held, kept): (Vec<_>, Vec<_>) = residuals.iter().enumerate().partition(|(i, r)| &group_of(*i, r) == group);
        let kept: Vec<Residual> = kept.into_iter().map(|(_, r)| r.clone()).collect();
        let table = Catalog { intervals: fit(&kept, "held-out fit"), ..Catalog::default() };
        for (_, r) in held {
            if let Some(i) = for_prediction(&table, &r.class, 1.0, true) {
                // A rate prediction of 1 measured at exp(−r) has the residual r.
                pairs.push((i.contains((-r.residual_ln).exp()), i.relative_half_width(1.0)));
            }
        }
    }
    summary_of(&pairs)
}

/// k-fold cross-validated coverage and median half-width (case `i` in fold `i mod k`).
pub fn k_fold(residuals: &[Residual], k: usize) -> IntervalSummary {
    let k = k.max(2);
    held_out(residuals, |i, _| format!("{:06}", i % k))
}

/// Coverage and median half-width when each class in turn has no calibration case (its cases
/// get their interval from the pooled levels fitted on the other classes).
pub fn leave_one_class_out(residuals: &[Residual]) -> IntervalSummary {
    held_out(residuals, |_, r| r.class.levels()[0].id())
}

/// Coverage and median half-width when each chip family × kind in turn has no calibration case
/// (the harshest test: a new chip family).
pub fn leave_one_family_out(residuals: &[Residual]) -> IntervalSummary {
    held_out(residuals, |_, r| r.class.levels()[1].id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetplan_core::catalog::PredictionKind;

    fn class(family: &str, engine: &str) -> PredictionClass {
        PredictionClass {
            family: family.into(),
            kind: PredictionKind::InferenceDense,
            engine: engine.into(),
            mode: PredictionMode::Offline,
        }
    }

    fn residuals_of(class: &PredictionClass, values: &[f64]) -> Vec<Residual> {
        values.iter().map(|&residual_ln| Residual { class: class.clone(), residual_ln }).collect()
    }

    fn spread(n: usize, scale: f64) -> Vec<f64> {
        (0..n).map(|i| scale * ((i as f64 * 0.37).sin())).collect()
    }

    #[test]
    fn conformal_rank_and_too_few_residuals() {
        // n = 9: rank ⌈10·0.8⌉ = 8 → the 8th smallest |r|.
        let r: Vec<f64> = (1..=9).map(|i| f64::from(i) / 100.0).collect();
        assert!((conformal_width(&r, 0.0).unwrap() - 0.08).abs() < 1e-12);
        // n = 4: rank 4, the largest; n = 3: rank 4 > 3, no own width (the parent's is used).
        assert!((conformal_width(&[0.1, -0.3, 0.2, 0.05], 0.0).unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(conformal_width(&[0.1, -0.3, 0.2], 0.0), None);
        assert_eq!(conformal_width(&[], 0.0), None);
        // A level with too few residuals takes its parent's width, however small its own spread.
        assert_eq!(level_fit(&[0.01, 0.02], Some((0.0, 0.25))), (0.0, 0.25));
        // With enough, it blends: 4 own at 0.2 and 4 pseudo-cases at 0.25 → 0.225 ...
        let (_, blended) = level_fit(&[0.2, -0.2, 0.2, -0.2], Some((0.0, 0.25)));
        assert!((blended - 0.225).abs() < 1e-12, "{blended}");
        // ... but never below the floor, 0.8 × 0.25 (the blend of 0.05 would be 0.15).
        let (_, floored) = level_fit(&[0.05, -0.05, 0.05, -0.05], Some((0.0, 0.25)));
        assert!((floored - 0.2).abs() < 1e-12, "{floored}");
    }

    #[test]
    fn a_class_without_cases_gets_its_parents_interval() {
        let seen = class("nvidia-hopper", "vllm");
        let table = Catalog { intervals: fit(&residuals_of(&seen, &spread(30, 0.3)), "test"), ..Catalog::default() };
        let unseen = class("nvidia-hopper", "sglang");
        let parent = table.interval(&unseen.levels()[1]).unwrap();
        let got = for_prediction(&table, &unseen, 100.0, true).unwrap();
        assert_eq!(got.level, parent.id);
        assert_eq!(got, Interval::around(parent, 100.0, true));
        // A new family falls back to the kind level.
        let other = class("amd-cdna3", "default");
        assert_eq!(for_prediction(&table, &other, 100.0, true).unwrap().level, "inference-dense");
    }

    #[test]
    fn more_residual_spread_gives_wider_intervals() {
        let c = class("nvidia-hopper", "vllm");
        let narrow = fit(&residuals_of(&c, &spread(25, 0.1)), "t");
        let wide = fit(&residuals_of(&c, &spread(25, 0.4)), "t");
        for (n, w) in narrow.iter().zip(&wide) {
            assert!(w.half_width_ln > n.half_width_ln, "{} {} vs {}", n.id, n.half_width_ln, w.half_width_ln);
        }
    }

    #[test]
    fn small_classes_are_widened_towards_their_parent() {
        let big = class("nvidia-hopper", "vllm");
        let small = class("nvidia-hopper", "sglang");
        let mut all = residuals_of(&big, &spread(40, 0.4));
        all.extend(residuals_of(&small, &[0.01, -0.01]));
        let table = Catalog { intervals: fit(&all, "t"), ..Catalog::default() };
        let parent = table.interval(&small.levels()[1]).unwrap().half_width_ln;
        let own = table.interval(&small.levels()[0]).unwrap().half_width_ln;
        assert!(own >= FLOOR_FACTOR * parent - 1e-4, "small class {own} vs parent {parent}");
    }

    #[test]
    fn big_classes_cover_their_own_residuals_in_sample() {
        let c = class("nvidia-hopper", "vllm");
        for scale in [0.05, 0.2, 0.6] {
            let values: Vec<f64> = spread(50, scale).iter().map(|r| r + 0.1).collect();
            let table = Catalog { intervals: fit(&residuals_of(&c, &values), "t"), ..Catalog::default() };
            let entry = table.interval_for(&c).unwrap();
            let inside = values.iter().filter(|r| (*r - entry.centre_ln).abs() <= entry.half_width_ln + 1e-4).count();
            assert!(inside as f64 >= COVERAGE * values.len() as f64, "{inside} of {} at scale {scale}", values.len());
        }
    }

    #[test]
    fn times_flip_the_interval() {
        let entry = IntervalEntry {
            id: "all".into(),
            kind: None,
            family: None,
            engine: None,
            mode: None,
            cases: 10,
            centre_ln: 0.1,
            half_width_ln: 0.2,
            provenance: Provenance { source: "t".into(), confidence: Confidence::Estimate, notes: None },
        };
        // Optimistic by 0.1 in ln: a rate is likely lower than predicted, a time longer.
        let rate = Interval::around(&entry, 100.0, true);
        let time = Interval::around(&entry, 100.0, false);
        assert!((rate.low - 100.0 * (-0.3f64).exp()).abs() < 1e-9 && (rate.high - 100.0 * 0.1f64.exp()).abs() < 1e-9);
        assert!((time.low - 100.0 * (-0.1f64).exp()).abs() < 1e-9 && (time.high - 100.0 * 0.3f64.exp()).abs() < 1e-9);
    }

    #[test]
    fn rendered_table_parses_back_as_catalog_entries() {
        let c = class("nvidia-hopper", "vllm");
        let entries = fit(&residuals_of(&c, &spread(10, 0.2)), "t");
        let text = render_table(&entries).unwrap();
        let file = fleetplan_core::catalog::CatalogFile::parse("intervals.toml", &text).unwrap();
        assert_eq!(file.interval, entries);
    }
}
