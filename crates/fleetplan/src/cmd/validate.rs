//! `fleetplan validate FILE... [--json] [--fit-intervals]`: predict published measurements
//! (validation cases in the format of shared/validation/README.md) and report the error of each,
//! its 80 % prediction interval and a summary; or, with `--fit-intervals`, fit the interval table
//! from the cases' residuals and print it as catalog TOML.
//!
//! Fleet cases (`[[fleet_case]]`) in the same files are run through the whole chain: their
//! scenario is planned (or, without `[[option]]`s, its fleet evaluated) by
//! `fleetplan_engines::fleet::fleet_metrics`, and the figure compared with the published one and
//! the case's tolerance.

use super::{Failure, condensed_table, input_failure, out, to_json};
use crate::ui;
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_io::api::validate::{CaseFiles, ValidateError, ValidationReport, read_case_files, run_fleet_cases};
use fleetplan_models::interval::{
    self, Interval, IntervalSummary, fit, for_results, k_fold, leave_one_class_out, leave_one_family_out, residuals,
    summarize_intervals,
};
use fleetplan_models::validation::fleet::FleetCaseResult;
use fleetplan_models::validation::{CaseResult, ValidationSummary};
use std::path::PathBuf;

/// Arguments of `fleetplan validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Validation files: lists of `[[case]]` tables, e.g.
    /// crates/fleetplan-models/tests/data/calibration.toml (format: docs/performance-model.md,
    /// section 7); the cases of several files are reported together.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// `--format json` (or `--json`) prints: {"cases": [{"id", "predicted", "measured", "error", "low", "high"}...],
    /// "summary": {..., "interval_coverage", "median_interval_half_width"}, "fleet_cases":
    /// [{"id", "metric", "predicted", "published", "error", "tolerance", "within_tolerance",
    /// "detail"}...]}.
    #[command(flatten)]
    pub print: super::args::FormatArg,
    /// Fit the prediction-interval table from the residuals of every modelled case and print it
    /// as catalog TOML (to redirect into crates/fleetplan-core/catalog/intervals.toml); the
    /// in-sample and cross-validated coverage go to stderr.
    #[arg(long, conflicts_with_all = ["json", "format"])]
    pub fit_intervals: bool,
}

/// Run `fleetplan validate`.
pub fn run(catalog: &Catalog, args: &ValidateArgs) -> Result<(), Failure> {
    let set = read_case_files(&args.files, catalog, !args.fit_intervals).map_err(|e| match e {
        ValidateError::Load(load) => input_failure(load),
        no_cases @ ValidateError::NoCases(_) => super::args::user_error(no_cases),
    })?;
    let CaseFiles { results, fleet_cases, rejected } = set;
    if args.fit_intervals {
        return fit_cmd(&results, &args.files, &rejected);
    }
    let fleet_results =
        run_fleet_cases(&fleet_cases, catalog, &|name| ui::status(format!("fleet cases: running {name}")));
    let report = ValidationReport::new(catalog, results, fleet_results);
    if args.print.is_json() {
        out(&to_json(&report.document())?);
    } else {
        let mut text = String::new();
        if !report.results.is_empty() || report.fleet.is_empty() {
            text.push_str(&table(&report.results, &report.intervals, &report.summary, &report.coverage));
        }
        if !report.fleet.is_empty() {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&fleet_table(&report.fleet));
        }
        out(&text);
    }
    // Cases with unknown ids were not predicted: say why (after the others' results) and exit 2.
    for r in &rejected {
        ui::diagnostics(r);
        ui::status(r);
    }
    if rejected.is_empty() { Ok(()) } else { Err(Failure::User) }
}

/// `--fit-intervals`: the table on stdout, its honesty on stderr. Cases with unknown ids are
/// reported and left out of the fit (the command still succeeds: the table is complete for the
/// cases the catalog can predict).
fn fit_cmd(results: &[CaseResult], files: &[PathBuf], rejected: &[fleetplan_io::Diagnosed]) -> Result<(), Failure> {
    for r in rejected {
        ui::diagnostics(r);
    }
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned()))
        .collect();
    let residuals = residuals(results);
    let entries = fit(&residuals, &names.join(" + "));
    let text = interval::render_table(&entries).map_err(|e| Failure::Internal(format!("interval table: {e}")))?;
    out(text.trim_end());
    let fitted = Catalog { intervals: entries, ..Catalog::default() };
    let in_sample = summarize_intervals(results, &for_results(&fitted, results));
    let line = |what: &str, s: IntervalSummary| {
        ui::status(format!(
            "{what}: {:.0} % of {} measurements inside their 80 % interval, median half-width {:.1} %",
            s.coverage * 100.0,
            s.count,
            s.median_half_width * 100.0
        ))
    };
    ui::status(format!("{} interval entries from {} residuals", fitted.intervals.len(), residuals.len()));
    line("in sample", in_sample);
    line("5-fold cross-validated", k_fold(&residuals, 5));
    line("leave one class out", leave_one_class_out(&residuals));
    line("leave one chip family × kind out", leave_one_family_out(&residuals));
    Ok(())
}

fn fleet_table(results: &[FleetCaseResult]) -> String {
    let mut t = condensed_table();
    t.set_header(["fleet case", "metric", "predicted", "published", "error %", "tolerance %", "within", "how"]);
    for r in results {
        t.add_row([
            r.id.clone(),
            r.metric.as_str().to_string(),
            r.predicted.map_or("—".into(), fleet_value),
            fleet_value(r.published),
            r.error.map_or("—".into(), |e| format!("{:+.1}", e * 100.0)),
            format!("±{:.0}", r.tolerance * 100.0),
            if r.within_tolerance { "yes".into() } else { "no".into() },
            r.detail.clone(),
        ]);
    }
    let within = results.iter().filter(|r| r.within_tolerance).count();
    format!("{t}\n{within} of {} fleet cases within tolerance", results.len())
}

fn table(
    results: &[CaseResult],
    intervals: &[Option<Interval>],
    s: &ValidationSummary,
    coverage: &IntervalSummary,
) -> String {
    let mut t = condensed_table();
    t.set_header(["case", "predicted", "80 % interval", "measured", "error %", "model used"]);
    for (r, i) in results.iter().zip(intervals) {
        let interval = match i {
            Some(i) => {
                format!("{}–{}{}", fmt_value(i.low), fmt_value(i.high), if i.contains(r.measured) { "" } else { " ✗" })
            }
            None => "—".into(),
        };
        match (r.predicted, r.error) {
            (Some(p), Some(e)) => t.add_row([
                r.id.clone(),
                fmt_value(p),
                interval,
                fmt_value(r.measured),
                format!("{:+.1}", e * 100.0),
                r.detail.clone(),
            ]),
            _ => t.add_row([r.id.clone(), "—".into(), interval, fmt_value(r.measured), "—".into(), r.detail.clone()]),
        };
    }
    let skipped = results.len() - s.count;
    let mut text = t.to_string();
    text.push_str(&format!(
        "\n{} cases predicted{}; median |error| {:.1} %, p90 {:.1} %, max {:.1} %",
        s.count,
        if skipped > 0 { format!(", {skipped} not modelled (reasons above)") } else { String::new() },
        s.median_abs_error * 100.0,
        s.p90_abs_error * 100.0,
        s.max_abs_error * 100.0
    ));
    text.push_str(&format!(
        "\n80 % intervals: {:.0} % of {} measurements inside (✗ = outside), median half-width {:.1} %",
        coverage.coverage * 100.0,
        coverage.count,
        coverage.median_half_width * 100.0
    ));
    text
}

fn fmt_value(v: f64) -> String {
    if v.abs() >= 100.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

/// A fleet figure: tokens per day in thousands/millions/billions, others as per-chip values.
fn fleet_value(v: f64) -> String {
    if v.abs() >= 1e6 { fleetplan_core::format::human(v) } else { fmt_value(v) }
}
