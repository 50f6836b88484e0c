//! `fleetplan evaluate FILE [--format table|json|csv] [--out DIR]`: evaluate a scenario's fixed
//! fleet (cost, capacity, coverage, compliance, budget) and print a one-screen summary, JSON or
//! CSV; `--out DIR` also writes report.html, evaluation.json and CSV tables.
//!
//! No progress bar: evaluating the ByteDance example takes tens of milliseconds (well under the
//! one second after which one would be shown).

use super::args::user_error;
use super::{Failure, condensed_table as table, load_scenario, out, to_json};
use crate::report;
use crate::ui;
use clap::{Args, ValueEnum};
use fleetplan_core::catalog::Catalog;
use fleetplan_engines::eval::{Evaluation, HoldingEval, IDLE_ADVISORY_SHARE, Violation, evaluate};
use fleetplan_io::LoadedScenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    match args.format {
        Format::Table => out(&summary(&e)),
        Format::Json => out(&to_json(&e)?),
        Format::Csv => {
            let tables = report::csv_tables(&e);
            out(tables[0].1.trim_end());
        }
    }
    if let Some(dir) = &args.out {
        write_reports(&e, dir)?;
        ui::status(format!("wrote report.html, evaluation.json and CSV tables to {}", dir.display()));
    }
    Ok(())
}

fn write_reports(e: &Evaluation, dir: &Path) -> Result<(), Failure> {
    let fail =
        |what: &str, x: &dyn std::fmt::Display| user_error(format!("cannot write {what} in `{}`: {x}", dir.display()));
    std::fs::create_dir_all(dir).map_err(|x| fail("the directory", &x))?;
    let html = report::html(e).map_err(|x| Failure::Internal(format!("report rendering failed: {x}")))?;
    std::fs::write(dir.join("report.html"), html).map_err(|x| fail("report.html", &x))?;
    let json = to_json(e)?;
    std::fs::write(dir.join("evaluation.json"), json + "\n").map_err(|x| fail("evaluation.json", &x))?;
    for (name, text) in report::csv_tables(e) {
        std::fs::write(dir.join(name), text).map_err(|x| fail(name, &x))?;
    }
    Ok(())
}

/// The one-screen summary.
pub fn summary(e: &Evaluation) -> String {
    let cur = &e.currency;
    let mut s = format!(
        "{}: spend {} {cur} of {} budget ({:.1} %), {} violation(s), {} advisory(ies)\n",
        e.scenario,
        fleetplan_core::format::num(e.spend.total),
        fleetplan_core::format::num(e.spend.budget),
        100.0 * e.spend.total / e.spend.budget.max(1e-12),
        e.violations.len(),
        e.advisories.len()
    );
    if e.capacity == fleetplan_core::scenario::CapacityBasis::Low {
        s.push_str("capacity: serving rates at the low end of their 80 % prediction intervals ([performance] capacity = \"low\")\n");
    }
    let mut t = table();
    t.set_header(vec![
        "quarter",
        "accelerators",
        "idle",
        "idle %",
        &format!("idle {cur}"),
        "IT MW",
        "built MW",
        &format!("spend {cur}"),
    ]);
    for q in &e.quarters {
        t.add_row(vec![
            q.quarter.to_string(),
            q.accelerators.to_string(),
            q.idle_accelerators.to_string(),
            format!("{:.1} %", 100.0 * q.idle_share),
            fleetplan_core::format::num(q.idle_cost),
            format!("{:.1}", q.it_mw),
            format!("{:.1}", q.available_mw),
            fleetplan_core::format::num(q.spend),
        ]);
    }
    s.push_str(&t.to_string());
    s.push('\n');
    s.push_str(&idle_table(e, true));
    if let Some(last) = e.quarters.last() {
        let mut t = table();
        t.set_header(vec![
            &format!("workload ({})", last.quarter),
            "unit",
            "peak demand",
            "capacity",
            "coverage",
            &format!("{cur}/M out"),
            &format!("{cur}/M in"),
            &format!("{cur}/item"),
        ]);
        for w in e.workloads.iter().filter(|w| w.quarter == last.quarter) {
            t.add_row(vec![
                w.workload.clone(),
                w.unit.clone(),
                fleetplan_core::format::num(w.demand_peak_per_s),
                fleetplan_core::format::num(w.capacity_per_s),
                format!("{:.1} %", 100.0 * w.coverage_peak),
                report::opt(w.cost_per_million_output_tokens),
                report::opt(w.cost_per_million_input_tokens),
                report::opt(w.cost_per_item),
            ]);
        }
        s.push_str(&t.to_string());
        s.push('\n');
    }
    s.push_str(&serving_configurations(e));
    for t in &e.training {
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
        s.push_str(&format!(
            "budget group {}: {:.1} % of spend (bounds {:.0}–{:.0} %) {}\n",
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
    push_findings(&mut s, "violations", &e.violations);
    if let Some(first) = e.advisories.first() {
        let cost: f64 = e.idle.iter().filter(|p| p.idle_share > IDLE_ADVISORY_SHARE).map(|p| p.idle_cost).sum();
        s.push_str(&format!(
            "advisories: idle {} (pool-quarters more than {:.0} % idle at the peak hour, {} of idle cost; --format json for all)\n      fix: {}\n",
            e.advisories.len(),
            100.0 * IDLE_ADVISORY_SHARE,
            fleetplan_core::format::money(cost, cur),
            first.fix
        ));
    }
    s.trim_end().to_string()
}

/// Accelerators idle at the peak hour per (site, chip) pool (rows) and quarter (columns), as
/// "idle / in service (share)", under a line saying what it shows; only the pools more than 20 %
/// idle in some quarter when `flagged_only`; empty without such pools.
pub fn idle_table(e: &Evaluation, flagged_only: bool) -> String {
    let flagged = |site: &str, chip: &str| {
        e.idle.iter().any(|p| p.site == site && p.chip == chip && p.idle_share > IDLE_ADVISORY_SHARE)
    };
    let mut pools: Vec<(&str, &str)> = e
        .idle
        .iter()
        .map(|p| (p.site.as_str(), p.chip.as_str()))
        .filter(|(site, chip)| !flagged_only || flagged(site, chip))
        .collect();
    pools.sort_unstable();
    pools.dedup();
    if pools.is_empty() {
        return String::new();
    }
    let mut t = table();
    let mut header = vec!["site".to_string(), "chip".to_string()];
    header.extend(e.quarters.iter().map(|q| q.quarter.to_string()));
    t.set_header(header);
    for (site, chip) in pools {
        let mut row = vec![site.to_string(), chip.to_string()];
        for q in &e.quarters {
            let cell = e.idle.iter().find(|p| p.site == site && p.chip == chip && p.quarter == q.quarter);
            row.push(cell.map_or(String::new(), |p| {
                let n = |x: u64| fleetplan_core::format::human(x as f64);
                format!("{} / {} ({:.0} %)", n(p.idle_accelerators), n(p.accelerators), 100.0 * p.idle_share)
            }));
        }
        t.add_row(row);
    }
    let which = if flagged_only {
        format!(", pools more than {:.0} % idle in a quarter", 100.0 * IDLE_ADVISORY_SHARE)
    } else {
        String::new()
    };
    format!("Idle accelerators at the peak hour (idle / in service{which})\n{t}\n")
}

/// A count of `findings` by kind under `title`, then the first six with their fixes.
fn push_findings(s: &mut String, title: &str, findings: &[Violation]) {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for v in findings {
        *kinds.entry(v.kind.as_str()).or_default() += 1;
    }
    if !kinds.is_empty() {
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        s.push_str(&format!("{title}: {}\n", list.join(", ")));
        for v in findings.iter().take(6) {
            let line = format!(
                "  [{}{}] {}: {}",
                v.kind.as_str(),
                v.quarter.map(|q| format!(" {q}")).unwrap_or_default(),
                v.subject,
                v.message
            );
            s.push_str(&truncate(&line, 160));
            s.push('\n');
            s.push_str(&truncate(&format!("      fix: {}", v.fix), 160));
            s.push('\n');
        }
        if findings.len() > 6 {
            s.push_str(&format!("  … {} more (--format json or --out DIR for all)\n", findings.len() - 6));
        }
    }
}

/// The serving configuration the rating chose for every (chat workload, chip) pair the last
/// quarter's allocation uses: a table (empty string when there is none).
pub fn serving_configurations(e: &Evaluation) -> String {
    let Some(last) = e.quarters.last() else { return String::new() };
    let mut t = table();
    t.set_header(vec![
        &format!("serving configuration ({})", last.quarter),
        "chip",
        "out tok/s per chip",
        "configuration",
    ]);
    for w in e.workloads.iter().filter(|w| w.quarter == last.quarter) {
        let mut chips: Vec<&str> =
            w.allocation.iter().filter(|a| a.accelerators > 0.0).map(|a| a.chip.as_str()).collect();
        chips.sort_unstable();
        chips.dedup();
        for chip in chips {
            let Some(rate) = e.rates.iter().find(|r| r.workload == w.workload && r.chip == chip) else { continue };
            let Some(config) = &rate.serving else { continue };
            t.add_row(vec![
                w.workload.clone(),
                chip.to_string(),
                format!("{:.0}", rate.per_chip_per_s),
                config.to_string(),
            ]);
        }
    }
    if t.row_iter().next().is_none() { String::new() } else { format!("{t}\n") }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() > n { format!("{}…", s.chars().take(n - 1).collect::<String>()) } else { s.to_string() }
}
