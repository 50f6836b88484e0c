//! `fleetplan compare FILE...`: evaluate scenarios and show them side by side in USD (spend,
//! accelerators, dense PFLOPS by precision, MW, chat tokens/day capacity, cost per million
//! output tokens).

use super::args::FormatArg;
use super::evaluate::load_and_evaluate;
use super::{Failure, condensed_table, out, to_json};
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::units::Precision;
use fleetplan_engines::eval::Evaluation;
use std::path::PathBuf;

/// Arguments of `fleetplan compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more scenario files with fixed fleets (one file has nothing to compare with).
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Output format: `--format json` for one object per scenario (same figures, in USD).
    #[command(flatten)]
    pub print: FormatArg,
}

/// One scenario's column of the comparison, in USD (the JSON form of `compare`).
#[derive(Debug, serde::Serialize)]
struct Column {
    scenario: String,
    spend_usd: f64,
    budget_usd: f64,
    accelerators_last_quarter: u64,
    dense_pflops_bf16: f64,
    dense_pflops_fp8: f64,
    dense_pflops_fp4: f64,
    it_mw_last_quarter: f64,
    chat_capacity_output_tokens_per_day: f64,
    usd_per_million_output_tokens: Option<f64>,
    tco2_per_year: f64,
    violations: usize,
}

impl Column {
    fn new(e: &Evaluation, catalog: &Catalog) -> Self {
        let usd = |x: f64| x / e.currency_per_usd;
        Self {
            scenario: e.scenario.clone(),
            spend_usd: usd(e.spend.total),
            budget_usd: usd(e.spend.budget),
            accelerators_last_quarter: e.quarters.last().map_or(0, |q| q.accelerators),
            dense_pflops_bf16: pflops(e, catalog, Precision::Bf16),
            dense_pflops_fp8: pflops(e, catalog, Precision::Fp8),
            dense_pflops_fp4: pflops(e, catalog, Precision::Fp4),
            it_mw_last_quarter: e.quarters.last().map_or(0.0, |q| q.it_mw),
            chat_capacity_output_tokens_per_day: e.chat_capacity_tokens_per_day(),
            usd_per_million_output_tokens: cost_per_million_output(e).map(usd),
            tco2_per_year: e.yearly.iter().map(|y| y.tco2 * 4.0 / f64::from(y.quarters.max(1))).sum::<f64>()
                / e.yearly.len().max(1) as f64,
            violations: e.violations.len(),
        }
    }
}

/// Dense PFLOPS of the fleet in service in the last quarter at `precision` (chips lacking the
/// precision count zero).
pub fn pflops(e: &Evaluation, catalog: &Catalog, precision: Precision) -> f64 {
    let Some(last) = e.quarters.last() else { return 0.0 };
    e.sites
        .iter()
        .filter(|s| s.quarter == last.quarter)
        .flat_map(|s| s.accelerators_by_chip.iter())
        .map(|(chip, n)| {
            catalog.accelerator(chip).ok().and_then(|c| c.dense_tflops(precision)).unwrap_or(0.0) * *n as f64 / 1e3
        })
        .sum()
}

/// Served-weighted cost per million output tokens over chat workloads in the last quarter, in
/// the scenario currency.
pub fn cost_per_million_output(e: &Evaluation) -> Option<f64> {
    let last = e.quarters.last()?.quarter;
    let (mut cost, mut tokens) = (0.0, 0.0);
    for w in e.workloads.iter().filter(|w| w.kind == "chat" && w.quarter == last) {
        if let Some(c) = w.cost_per_million_output_tokens {
            cost += c * w.served_per_day;
            tokens += w.served_per_day;
        }
    }
    (tokens > 0.0).then(|| cost / tokens)
}

/// Run `fleetplan compare`.
pub fn run(catalog: &Catalog, args: &CompareArgs) -> Result<(), Failure> {
    let mut evals = Vec::new();
    for f in &args.files {
        evals.push(load_and_evaluate(catalog, f)?);
    }
    let columns: Vec<Column> = evals.iter().map(|e| Column::new(e, catalog)).collect();
    if args.print.is_json() {
        out(&to_json(&serde_json::json!({ "scenarios": columns }))?);
        return Ok(());
    }
    let num = fleetplan_core::format::num;
    let mut t = condensed_table();
    let mut header = vec!["".to_string()];
    header.extend(columns.iter().map(|c| c.scenario.clone()));
    t.set_header(header);
    let row = |name: &str, f: &dyn Fn(&Column) -> String| {
        let mut r = vec![name.to_string()];
        r.extend(columns.iter().map(f));
        r
    };
    t.add_row(row("spend, USD", &|c| num(c.spend_usd)));
    t.add_row(row("budget, USD", &|c| num(c.budget_usd)));
    t.add_row(row("accelerators (last quarter)", &|c| c.accelerators_last_quarter.to_string()));
    t.add_row(row("dense PFLOPS bf16", &|c| format!("{:.0}", c.dense_pflops_bf16)));
    t.add_row(row("dense PFLOPS fp8", &|c| format!("{:.0}", c.dense_pflops_fp8)));
    t.add_row(row("dense PFLOPS fp4", &|c| format!("{:.0}", c.dense_pflops_fp4)));
    t.add_row(row("IT MW (last quarter)", &|c| format!("{:.1}", c.it_mw_last_quarter)));
    t.add_row(row("chat capacity, output tokens/day", &|c| num(c.chat_capacity_output_tokens_per_day)));
    t.add_row(row("USD per M output tokens", &|c| {
        c.usd_per_million_output_tokens.map_or("-".into(), |v| format!("{v:.3}"))
    }));
    t.add_row(row("tCO2 per year", &|c| num(c.tco2_per_year)));
    t.add_row(row("violations", &|c| c.violations.to_string()));
    out(&t.to_string());
    Ok(())
}
