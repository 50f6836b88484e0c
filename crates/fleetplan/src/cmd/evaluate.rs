//! `fleetplan evaluate FILE [--format table|json|csv] [--out DIR]`: evaluate a scenario's fixed
//! fleet (cost, capacity, coverage, compliance, budget) and print a one-screen summary, JSON or
//! CSV; `--out DIR` also writes report.html, evaluation.json and CSV tables.
//!
//! No progress bar: evaluating the ByteDance example takes tens of milliseconds (well under the
//! one second after which one would be shown).

use super::args::user_error;
use super::summary::{self, SCREEN_COLUMNS, SCREEN_LINES};
use super::{Failure, load_scenario, out, to_json};
use crate::report;
use crate::ui;
use clap::{Args, ValueEnum};
use fleetplan_core::catalog::Catalog;
use fleetplan_engines::eval::{Evaluation, HoldingEval, WorkloadQuarter, evaluate};
use fleetplan_io::LoadedScenario;
use std::path::{Path, PathBuf};

/// Workloads the summary lists (the last quarter's, in scenario order).
const WORKLOAD_ROWS: usize = 12;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One-screen summary tables.
    Table,
    /// The whole evaluation as JSON.
    Json,
    /// The per-quarter workload table as CSV.
    Csv,
}

/// Arguments of `fleetplan evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Scenario file with a `[[fleet]]` (see docs/scenario.md).
    pub file: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Directory to write report.html, evaluation.json and CSV tables into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Validate and evaluate one scenario file (diagnostics printed on failure).
pub fn load_and_evaluate(catalog: &Catalog, file: &Path) -> Result<Evaluation, Failure> {
    evaluate_scenario(catalog, &load_scenario(catalog, file)?)
}

/// Evaluate a loaded scenario's fleet; an evaluation error is reported as `error: FILE: ...`.
pub fn evaluate_scenario(catalog: &Catalog, loaded: &LoadedScenario) -> Result<Evaluation, Failure> {
    evaluate(&loaded.scenario, catalog).map_err(|e| user_error(format!("{}: {e}", loaded.input.name)))
}

/// Run `fleetplan evaluate`.
pub fn run(catalog: &Catalog, args: &EvaluateArgs) -> Result<(), Failure> {
    let e = load_and_evaluate(catalog, &args.file)?;
    // The files are written (or the command fails) before anything is printed.
    if let Some(dir) = &args.out {
        write_reports(&e, catalog, dir)?;
    }
    match args.format {
        Format::Table => out(&summary(&e)),
        Format::Json => out(&to_json(&e)?),
        Format::Csv => {
            let tables = report::csv_tables(&e);
            out(tables[0].1.trim_end());
        }
    }
    if let Some(dir) = &args.out {
        ui::status(format!("wrote report.html, evaluation.json and CSV tables to {}", dir.display()));
    }
    Ok(())
}

/// report.html, evaluation.json and the CSV tables into `dir`, all or nothing.
fn write_reports(e: &Evaluation, catalog: &Catalog, dir: &Path) -> Result<(), Failure> {
    let html = report::html(e, catalog);
    let mut staged = super::outdir::StagedOut::new(dir)?;
    staged.write("report.html", html)?;
    staged.write("evaluation.json", to_json(e)? + "\n")?;
    for (name, text) in report::csv_tables(e) {
        staged.write(name, text)?;
    }
    staged.commit()?;
    Ok(())
}

/// The one-screen summary (docs/evaluation.md, "Table output"): a headline, one row per
/// quarter, the last quarter's workloads with their largest serving pool, the pools with the
/// most idle cost, training, budget groups, violations grouped by kind in the lines left of
/// [`SCREEN_LINES`], and the idle advisories.
pub fn summary(e: &Evaluation) -> String {
    let mut s = format!(
        "{}: spend {} {cur} of {} budget ({:.1} %), {} violation(s), {} advisory(ies)\n",
        e.scenario,
        fleetplan_core::format::num(e.spend.total),
        fleetplan_core::format::num(e.spend.budget),
        100.0 * e.spend.total / e.spend.budget.max(1e-12),
        e.violations.len(),
        e.advisories.len(),
        cur = e.currency,
    );
    if e.capacity == fleetplan_core::scenario::CapacityBasis::Low {
        s.push_str("capacity: serving rates at the low end of their 80 % prediction intervals ([performance] capacity = \"low\")\n");
    }
    s.push_str(&quarter_table(e));
    s.push('\n');
    s.push_str(&workload_table(e));
    s.push_str(&summary::idle_pools(e));
    push_training_and_budget(&mut s, e);
    let advisories = summary::idle_advisories(e);
    let used = s.lines().count() + advisories.lines().count();
    s.push_str(&summary::findings("violations", &e.violations, SCREEN_LINES.saturating_sub(used)));
    s.push_str(&advisories);
    // A table wider than the screen loses its last characters rather than wrapping.
    let lines: Vec<String> = s.trim_end().lines().map(|l| summary::truncate(l, SCREEN_COLUMNS)).collect();
    lines.join("\n")
}

/// One row per quarter: accelerators in service, idle at the peak hour (count, share, cost),
/// IT load against power built, spend, and the workload with the lowest peak coverage.
fn quarter_table(e: &Evaluation) -> String {
    let cur = &e.currency;
    let mut t = summary::table();
    t.set_header(vec![
        "quarter".to_string(),
        "accelerators".to_string(),
        "idle at peak (share)".to_string(),
        format!("idle {cur}"),
        "IT / built MW".to_string(),
        format!("spend {cur}"),
        "lowest coverage at peak".to_string(),
    ]);
    for q in &e.quarters {
        let lowest = e
            .workloads
            .iter()
            .filter(|w| w.quarter == q.quarter)
            .min_by(|a, b| a.coverage_peak.total_cmp(&b.coverage_peak));
        let lowest = match lowest {
            Some(w) if w.coverage_peak < 0.9995 => {
                summary::truncate(&format!("{:.1} % {}", 100.0 * w.coverage_peak, w.workload), 36)
            }
            Some(_) => "100 % (all)".to_string(),
            None => "-".to_string(),
        };
        t.add_row(vec![
            q.quarter.to_string(),
            fleetplan_core::format::human(q.accelerators as f64),
            format!("{} ({:.1} %)", fleetplan_core::format::human(q.idle_accelerators as f64), 100.0 * q.idle_share),
            fleetplan_core::format::num(q.idle_cost),
            format!("{} / {}", fleetplan_core::format::mw(q.it_mw), fleetplan_core::format::mw(q.available_mw)),
            fleetplan_core::format::num(q.spend),
            lowest,
        ]);
    }
    summary::render(&t)
}

/// The last quarter's workloads (at most [`WORKLOAD_ROWS`]): peak demand, coverage at the peak,
/// cost per unit served beside the workload's price, the margin (share of revenue) and the pool
/// serving most of it with its configuration.
fn workload_table(e: &Evaluation) -> String {
    let Some(last) = e.quarters.last() else { return String::new() };
    let rows: Vec<_> = e.workloads.iter().filter(|w| w.quarter == last.quarter).collect();
    if rows.is_empty() {
        return String::new();
    }
    let num = fleetplan_core::format::num;
    let mut t = summary::table();
    t.set_header(vec![
        format!("workload ({})", last.quarter),
        "peak demand".to_string(),
        "coverage".to_string(),
        format!("cost / price {}", e.currency),
        "margin".to_string(),
        "largest pool: chip × accelerators, serving configuration".to_string(),
    ]);
    for w in rows.iter().take(WORKLOAD_ROWS) {
        let margin = match (w.margin_per_day, w.revenue_per_day) {
            (Some(margin), Some(revenue)) if revenue > 0.0 => format!("{:.0} %", 100.0 * margin / revenue),
            _ => "-".to_string(),
        };
        t.add_row(vec![
            summary::truncate(&w.workload, 26),
            format!("{} {}", num(w.demand_peak_per_s), w.unit.replace("output tokens", "out tok")),
            format!("{:.1} %", 100.0 * w.coverage_peak),
            cost_and_price(w),
            margin,
            summary::truncate(&summary::largest_pool(e, &w.workload).unwrap_or_else(|| "-".into()), 60),
        ]);
    }
    if rows.len() > WORKLOAD_ROWS {
        t.add_row(vec![format!("… {} more", rows.len() - WORKLOAD_ROWS), summary::ALL_ROWS.to_string()]);
    }
    summary::render(&t)
}

/// "cost / price" per unit served: per million output and input tokens (chat) or per item, the
/// price "-" where the workload states none.
fn cost_and_price(w: &WorkloadQuarter) -> String {
    let value = |x: Option<f64>| x.map_or("-".to_string(), fleetplan_core::format::num);
    let pair = |cost: Option<f64>, price: Option<f64>| format!("{} / {}", value(cost), value(price));
    match (w.cost_per_million_output_tokens, w.cost_per_item) {
        (Some(_), _) => format!(
            "{} out, {} in",
            pair(w.cost_per_million_output_tokens, w.price_per_million_output_tokens),
            pair(w.cost_per_million_input_tokens, w.price_per_million_input_tokens)
        ),
        (None, Some(_)) => format!("{} per item", pair(w.cost_per_item, w.price_per_item)),
        (None, None) => "-".to_string(),
    }
}

/// Training runs, budget groups and the export-control fees paid, one line each.
fn push_training_and_budget(s: &mut String, e: &Evaluation) {
    let cur = &e.currency;
    // Up to three runs one line each; more: one line for those that meet their deadlines and a
    // line for each that does not.
    let listed: Vec<_> = if e.training.len() <= 3 {
        e.training.iter().collect()
    } else {
        let on_time: Vec<&str> = e.training.iter().filter(|t| t.meets_deadline).map(|t| t.workload.as_str()).collect();
        if !on_time.is_empty() {
            s.push_str(&format!(
                "training: {} of {} runs finish by their deadlines ({}); --format json for chips and dates\n",
                on_time.len(),
                e.training.len(),
                on_time.join(", ")
            ));
        }
        e.training.iter().filter(|t| !t.meets_deadline).collect()
    };
    for t in listed {
        s.push_str(&format!(
            "training {}: {} × {} at {} ({} needed), completes {} (deadline {})\n",
            t.workload,
            t.chips_by_quarter.iter().max().unwrap_or(&0),
            t.chip,
            t.site,
            t.chips_needed,
            t.completion.map_or("after the horizon".into(), |d| d.to_string()),
            t.deadline
        ));
    }
    if e.spend_by_year.len() > 1 {
        let years: Vec<String> =
            e.spend_by_year.iter().map(|(y, x)| format!("{y} {}", fleetplan_core::format::money(*x, cur))).collect();
        s.push_str(&format!("spend by year: {}\n", years.join(", ")));
    }
    for g in &e.spend.groups {
        let target = g.target.map(|t| format!(", target {:.0} %", 100.0 * t)).unwrap_or_default();
        s.push_str(&format!(
            "budget group {}: {:.1} % of spend (bounds {:.0}–{:.0} %{target}) {}\n",
            g.group,
            100.0 * g.share,
            100.0 * g.min,
            100.0 * g.max,
            if g.ok { "ok" } else { "VIOLATED" }
        ));
    }
    let charged: Vec<&HoldingEval> = e.holdings.iter().filter(|h| h.cost.fees_usd > 0.0).collect();
    if !charged.is_empty() {
        let fees: f64 = charged.iter().map(|h| h.cost.fees_usd).sum::<f64>() * e.currency_per_usd;
        s.push_str(&format!(
            "export-control fees and duties in purchase prices: {} {cur} on {} holding(s) (see `fees_usd` in --json)\n",
            fleetplan_core::format::num(fees),
            charged.len()
        ));
    }
}
