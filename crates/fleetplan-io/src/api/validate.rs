//! Validation runs as a front end asks for them (`fleetplan validate FILE...`, Python
//! `fleetplan.validate(paths)`): read the case files, predict every case, run the fleet cases,
//! summarise, and the JSON document of it all.

use crate::cases::{LoadedFleetCase, read_cases, read_fleet_cases};
use crate::source::{Diagnosed, LoadError};
use fleetplan_core::catalog::Catalog;
use fleetplan_engines::fleet::{FleetError, FleetMetrics, fleet_metrics};
use fleetplan_models::interval::{Interval, IntervalSummary, for_results, summarize_intervals};
use fleetplan_models::validation::fleet::FleetCaseResult;
use fleetplan_models::validation::{CaseResult, ValidationSummary, predict_all, summarize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Why a validation run could not start.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// A case file could not be read or does not parse.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The files hold no case at all (a summary of nothing would read as a perfect score).
    #[error(
        "no validation cases in {}: a validation file holds [[case]] tables (one measurement each) or \
         [[fleet_case]] tables (see ../shared/validation/README.md for the format)",
        .0.iter().map(|f| format!("`{}`", f.display())).collect::<Vec<_>>().join(", ")
    )]
    NoCases(Vec<PathBuf>),
}

/// The cases of several files, predicted.
#[derive(Debug, Default)]
pub struct CaseFiles {
    /// Every modelled-or-not measurement case, predicted, in file order.
    pub results: Vec<CaseResult>,
    /// Fleet cases ready to run (empty when not asked for).
    pub fleet_cases: Vec<LoadedFleetCase>,
    /// Problems of the cases that were rejected (unknown ids, bad fleet cases), with their texts.
    pub rejected: Vec<Diagnosed>,
}

/// Read every file's `[[case]]` tables (and, with `fleet`, its `[[fleet_case]]` tables with
/// their scenarios) and predict the measurement cases.
pub fn read_case_files(files: &[PathBuf], catalog: &Catalog, fleet: bool) -> Result<CaseFiles, ValidateError> {
    let mut set = CaseFiles::default();
    for file in files {
        let cases = read_cases(file, catalog)?;
        set.results.extend(predict_all(&cases.cases, catalog));
        set.rejected.extend(cases.rejected);
        if fleet {
            let fleet = read_fleet_cases(file, catalog)?;
            set.fleet_cases.extend(fleet.cases);
            set.rejected.extend(fleet.rejected);
        }
    }
    if set.results.is_empty() && set.fleet_cases.is_empty() && set.rejected.is_empty() {
        return Err(ValidateError::NoCases(files.to_vec()));
    }
    Ok(set)
}

/// Run every fleet case; a scenario shared by several cases is planned once. `on_start` is
/// told the name of each scenario as its run starts (a status line for people).
pub fn run_fleet_cases(cases: &[LoadedFleetCase], catalog: &Catalog, on_start: &dyn Fn(&str)) -> Vec<FleetCaseResult> {
    let mut metrics: BTreeMap<&str, Result<FleetMetrics, FleetError>> = BTreeMap::new();
    cases
        .iter()
        .map(|c| {
            let name = c.scenario.input.name.as_str();
            let m = metrics.entry(name).or_insert_with(|| {
                on_start(name);
                fleet_metrics(&c.scenario.scenario, catalog)
            });
            match m {
                Ok(m) => FleetCaseResult::new(
                    &c.case,
                    Some(m.get(c.case.metric)),
                    format!("{}, {}", m.basis.as_str(), m.valley.quarter),
                ),
                Err(e) => FleetCaseResult::new(&c.case, None, format!("{name}: {e}")),
            }
        })
        .collect()
}

/// A validation run's results: each case with its interval, the summaries and the fleet cases.
#[derive(Debug)]
pub struct ValidationReport {
    /// Measurement cases, predicted.
    pub results: Vec<CaseResult>,
    /// Each case's 80 % prediction interval, when its class has one.
    pub intervals: Vec<Option<Interval>>,
    /// Error summary of the modelled cases.
    pub summary: ValidationSummary,
    /// How many measurements fall inside their intervals.
    pub coverage: IntervalSummary,
    /// Fleet cases, run.
    pub fleet: Vec<FleetCaseResult>,
}

impl ValidationReport {
    /// Summarise predicted cases and run fleet cases.
    pub fn new(catalog: &Catalog, results: Vec<CaseResult>, fleet: Vec<FleetCaseResult>) -> Self {
        let summary = summarize(&results);
        let intervals = for_results(catalog, &results);
        let coverage = summarize_intervals(&results, &intervals);
        ValidationReport { results, intervals, summary, coverage, fleet }
    }

    /// The JSON document (`fleetplan validate --format json`): `cases` (id, predicted,
    /// measured, error, low, high, interval_level, reason), `summary` and `fleet_cases`.
    pub fn document(&self) -> serde_json::Value {
        let cases: Vec<serde_json::Value> = self
            .results
            .iter()
            .zip(&self.intervals)
            .map(|(r, i)| {
                let mut v = serde_json::json!({
                    "id": r.id,
                    "predicted": r.predicted,
                    "measured": r.measured,
                    "error": r.error,
                    "low": i.as_ref().map(|i| i.low),
                    "high": i.as_ref().map(|i| i.high),
                });
                if let Some(i) = i {
                    v["interval_level"] = serde_json::Value::String(i.level.clone());
                }
                if r.predicted.is_none() {
                    v["reason"] = serde_json::Value::String(r.detail.clone());
                }
                v
            })
            .collect();
        let (s, coverage) = (&self.summary, &self.coverage);
        serde_json::json!({
            "cases": cases,
            "summary": {
                "count": s.count,
                "median_abs_error": s.median_abs_error,
                "p90_abs_error": s.p90_abs_error,
                "max_abs_error": s.max_abs_error,
                "interval_coverage": coverage.coverage,
                "median_interval_half_width": coverage.median_half_width,
            },
            "fleet_cases": self.fleet,
        })
    }
}
