//! `fleetplan validate FILE [--json]`: predict published measurements (validation cases in the
//! format of shared/validation/README.md) and report the error of each and a summary.

use super::{Failure, condensed_table, input_failure, out, to_json};
use crate::ui;
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_models::validation::{CaseResult, ValidationSummary, predict_all, summarize};
use std::path::PathBuf;

/// Arguments of `fleetplan validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Validation file: a list of `[[case]]` tables (see shared/validation/README.md).
    pub file: PathBuf,
    /// Print JSON: {"cases": [{"id", "predicted", "measured", "error"}...], "summary": {...}}.
    #[arg(long)]
    pub json: bool,
}

/// Run `fleetplan validate`.
pub fn run(catalog: &Catalog, args: &ValidateArgs) -> Result<(), Failure> {
    let set = fleetplan_io::cases::read_cases(&args.file, catalog).map_err(input_failure)?;
    let results = predict_all(&set.cases, catalog);
    let summary = summarize(&results);
    if args.json {
        out(&json(&results, &summary)?);
    } else {
        out(&table(&results, &summary));
    }
    // Cases with unknown ids were not predicted: say why (after the others' results) and exit 2.
    match set.rejected {
        Some(rejected) => {
            ui::diagnostics(&rejected);
            ui::status(&rejected);
            Err(Failure::User)
        }
        None => Ok(()),
    }
}

fn json(results: &[CaseResult], s: &ValidationSummary) -> Result<String, Failure> {
    let cases: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut v = serde_json::json!({
                "id": r.id,
                "predicted": r.predicted,
                "measured": r.measured,
                "error": r.error,
            });
            if r.predicted.is_none() {
                v["reason"] = serde_json::Value::String(r.detail.clone());
            }
            v
        })
        .collect();
    let doc = serde_json::json!({
        "cases": cases,
        "summary": {
            "count": s.count,
            "median_abs_error": s.median_abs_error,
            "p90_abs_error": s.p90_abs_error,
            "max_abs_error": s.max_abs_error,
        }
    });
    to_json(&doc)
}

fn table(results: &[CaseResult], s: &ValidationSummary) -> String {
    let mut t = condensed_table();
    t.set_header(["case", "predicted", "measured", "error %", "model used"]);
    for r in results {
        match (r.predicted, r.error) {
            (Some(p), Some(e)) => t.add_row([
                r.id.clone(),
                fmt_value(p),
                fmt_value(r.measured),
                format!("{:+.1}", e * 100.0),
                r.detail.clone(),
            ]),
            _ => t.add_row([r.id.clone(), "—".into(), fmt_value(r.measured), "—".into(), r.detail.clone()]),
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
    text
}

fn fmt_value(v: f64) -> String {
    if v.abs() >= 100.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}
