//! `fleetplan compare FILE...`: evaluate scenarios and show them side by side in USD (spend,
//! accelerators, dense PFLOPS by precision, MW, chat tokens/day capacity, cost per million
//! output tokens). The figures and the JSON document come from `fleetplan_io::api::compare`.

use super::args::FormatArg;
use super::evaluate::load_and_evaluate;
use super::{Failure, condensed_table, out, to_json};
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_io::api::compare::{self, Column};
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

/// Run `fleetplan compare`.
pub fn run(catalog: &Catalog, args: &CompareArgs) -> Result<(), Failure> {
    let mut evals = Vec::new();
    for f in &args.files {
        evals.push(load_and_evaluate(catalog, f)?);
    }
    if args.print.is_json() {
        out(&to_json(&compare::compare_document(&evals, catalog))?);
        return Ok(());
    }
    let columns = compare::columns(&evals, catalog);
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
