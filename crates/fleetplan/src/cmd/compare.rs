//! `fleetplan compare FILE...`: evaluate scenarios and show them side by side in USD (spend,
//! accelerators, dense PFLOPS by precision, MW, chat tokens/day capacity, cost per million
//! output tokens).

use super::evaluate::load_and_evaluate;
use super::{Failure, condensed_table, out};
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
    let mut t = condensed_table();
    let mut header = vec!["".to_string()];
    header.extend(evals.iter().map(|e| e.scenario.clone()));
    t.set_header(header);
    let usd = |e: &Evaluation, x: f64| x / e.currency_per_usd;
    let row = |name: &str, f: &dyn Fn(&Evaluation) -> String| {
        let mut r = vec![name.to_string()];
        r.extend(evals.iter().map(f));
        r
    };
    t.add_row(row("spend, USD", &|e| fleetplan_core::format::num(usd(e, e.spend.total))));
    t.add_row(row("budget, USD", &|e| fleetplan_core::format::num(usd(e, e.spend.budget))));
    t.add_row(row("accelerators (last quarter)", &|e| e.quarters.last().map_or(0, |q| q.accelerators).to_string()));
    for p in [Precision::Bf16, Precision::Fp8, Precision::Fp4] {
        t.add_row(row(&format!("dense PFLOPS {p}"), &|e| format!("{:.0}", pflops(e, catalog, p))));
    }
    t.add_row(row("IT MW (last quarter)", &|e| format!("{:.1}", e.quarters.last().map_or(0.0, |q| q.it_mw))));
    t.add_row(row("chat capacity, output tokens/day", &|e| {
        fleetplan_core::format::num(e.chat_capacity_tokens_per_day())
    }));
    t.add_row(row("USD per M output tokens", &|e| {
        cost_per_million_output(e).map_or("-".into(), |c| format!("{:.3}", usd(e, c)))
    }));
    t.add_row(row("tCO2 per year", &|e| {
        fleetplan_core::format::num(
            e.yearly.iter().map(|y| y.tco2 * 4.0 / f64::from(y.quarters.max(1))).sum::<f64>()
                / e.yearly.len().max(1) as f64,
        )
    }));
    t.add_row(row("violations", &|e| e.violations.len().to_string()));
    out(&t.to_string());
    Ok(())
}
