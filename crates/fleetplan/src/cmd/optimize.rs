//! `fleetplan optimize FILE [--objective ...] [--out DIR]`: plan what to buy or lease, where and
//! when (docs/planner.md), print the plan (what, where, when, cost, served demand), the solver's
//! figures, binding constraints and the evaluator's check; `--out DIR` writes DIR/plan.toml, the
//! input scenario with the planned `[[fleet]]`, which `fleetplan evaluate` accepts unchanged.
//! An infeasible scenario prints the smallest relaxation that makes it feasible and the plan under
//! that relaxation (written with `--out` too), and exits with code 2.

mod robust;

use super::args::user_error;
use super::summary;
use super::{Failure, load_scenario, out, to_json};
use crate::ui;
use clap::{Args, ValueEnum};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{self, ObjectiveKind};
use fleetplan_engines::fleet::ValleySummary;
use fleetplan_engines::plan::{self, Backend, Plan, plan_violations};
use fleetplan_io::api::plan::{PlanDocument, PlanSettingError, PlanTomlError, plan_options, valley_of};
use std::path::{Path, PathBuf};

/// Purchase lines listed one by one; more are summarised per quarter.
const PURCHASE_ROWS: usize = 12;
/// Lines of the evaluator check's violations.
const CHECK_LINES: usize = 16;

/// Objective on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Objective {
    /// Least economic cost over the horizon that serves all demand (or prices what it leaves
    /// unserved) and places every training run.
    MinTco,
    /// Most weighted peak demand served within the budget.
    MaxServed,
    /// Most training compute within the budget.
    MaxTraining,
    /// Most margin: revenue of served demand at the workloads' prices − cost.
    MaxMargin,
}

impl From<Objective> for ObjectiveKind {
    fn from(o: Objective) -> Self {
        match o {
            Objective::MinTco => ObjectiveKind::MinTco,
            Objective::MaxServed => ObjectiveKind::MaxServed,
            Objective::MaxTraining => ObjectiveKind::MaxTraining,
            Objective::MaxMargin => ObjectiveKind::MaxMargin,
        }
    }
}

/// Solve path (`plan::PlanPath`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PathArg {
    /// Exact MILP for small models, the relaxation path above the documented threshold.
    Auto,
    /// Always the exact MILP.
    Exact,
    /// Always the LP relaxation with rounded binaries and an LP re-solve.
    Relaxation,
}

impl From<PathArg> for plan::PlanPath {
    fn from(p: PathArg) -> Self {
        match p {
            PathArg::Auto => plan::PlanPath::Auto,
            PathArg::Exact => plan::PlanPath::Exact,
            PathArg::Relaxation => plan::PlanPath::Relaxation,
        }
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables and sentences.
    Table,
    /// The plan as JSON.
    Json,
}

/// Arguments of `fleetplan optimize`.
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Scenario file (its `[[fleet]]` entries from before the horizon are kept as existing
    /// capacity; later ones are replaced by the plan).
    pub file: PathBuf,
    /// Objective (default: the scenario's `[objective] kind`).
    #[arg(long, value_enum)]
    pub objective: Option<Objective>,
    /// Directory to write plan.toml into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Solver backend: microlp (default) or highs (builds with `--features highs`).
    #[arg(long, default_value = "microlp")]
    pub solver: String,
    /// Relative MIP gap, fraction.
    #[arg(long, default_value_t = plan::DEFAULT_MIP_GAP)]
    pub gap: f64,
    /// Time limit per solve, seconds.
    #[arg(long = "time-limit", default_value_t = plan::DEFAULT_TIME_LIMIT_S)]
    pub time_limit_s: f64,
    /// Branch-and-bound nodes per solve (microlp): a deterministic work limit, so a long search
    /// stops at the same plan on every machine; the time limit is the backstop.
    #[arg(long = "node-limit", default_value_t = plan::DEFAULT_NODE_LIMIT)]
    pub node_limit: u64,
    /// Skip the marginal-value re-solves.
    #[arg(long)]
    pub no_explain: bool,
    /// Solve path: auto (exact MILP up to 700 binaries with microlp, else LP relaxation with
    /// rounded binaries), exact, or relaxation (docs/planner.md).
    #[arg(long, value_enum, default_value = "auto")]
    pub path: PathArg,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Robust plan over K sampled futures (the scenario's `[uncertainty]` section and the
    /// catalog's default distributions): one set of purchases, leases and builds that serves
    /// demand in at least the `--quantile` share of them (docs/planner.md, "Robust plans").
    #[arg(long, value_name = "K")]
    pub robust: Option<usize>,
    /// Share of the futures a robust plan serves, in (0, 1] (default 0.9; needs --robust).
    #[arg(long)]
    pub quantile: Option<f64>,
    /// Seed of the futures' draw (default 0; needs --robust).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Run `fleetplan optimize`.
pub fn run(catalog: &Catalog, args: &OptimizeArgs) -> Result<(), Failure> {
    let backend = Backend::parse(&args.solver).map_err(|e| user_error(format!("--solver: {e}")))?;
    let mut options = plan_options(
        args.objective.map(Into::into),
        backend,
        args.gap,
        args.time_limit_s,
        !args.no_explain,
        args.path.into(),
    )
    .map_err(|e| match e {
        PlanSettingError::Gap(_) => user_error(format!("--gap {e}")),
        _ => user_error(format!("--time-limit {e}")),
    })?;
    options.node_limit = Some(args.node_limit);
    robust::check_flags(args)?;
    let loaded = load_scenario(catalog, &args.file)?;
    let (s, name, text) = (loaded.scenario, loaded.input.name, loaded.input.text);
    if let Some(futures) = args.robust {
        return robust::run(catalog, args, &s, (&name, &text), futures, options);
    }
    let p = plan::plan(&s, catalog, &options).map_err(|e| user_error(format!("{name}: {e}")))?;
    // plan.toml is written (or the command fails) before anything is printed.
    let written = args.out.as_ref().map(|dir| write_plan(&name, &text, &p, dir)).transpose()?;
    match args.format {
        Format::Table => out(&summary(&s, &p, valley_of(&s, catalog, &p).as_ref())),
        Format::Json => out(&to_json(&PlanDocument::new(&s, catalog, &p))?),
    }
    if let Some(path) = written {
        ui::status(format!(
            "wrote {}{}",
            path.display(),
            if p.feasible { "" } else { " (the plan under the relaxation)" }
        ));
    }
    if !p.feasible {
        return Err(user_error(format!("{name} is infeasible as written; the smallest relaxation is printed above")));
    }
    Ok(())
}

/// The scenario file with the plan's fleet (and objective) in place, as TOML text
/// (`fleetplan_io::api::plan::plan_toml`; the diagnostics of a text that no longer parses are
/// printed).
pub fn plan_toml(source_name: &str, text: &str, p: &Plan) -> Result<String, Failure> {
    fleetplan_io::api::plan::plan_toml(source_name, text, p).map_err(|e| match e {
        PlanTomlError::Parse(diags) => {
            ui::print_diagnostics(text, &diags);
            Failure::User
        }
        other => Failure::Internal(other.to_string()),
    })
}

fn write_plan(source_name: &str, text: &str, p: &Plan, dir: &Path) -> Result<PathBuf, Failure> {
    let body = plan_toml(source_name, text, p)?;
    let mut staged = super::outdir::StagedOut::new(dir)?;
    staged.write("plan.toml", body)?;
    Ok(staged.commit()?.join("plan.toml"))
}

/// The planner's structured notes (relaxation, binding constraints and marginal values,
/// repairs) as a bullet list: the one place the table output renders them.
fn push_notes<T: std::fmt::Display>(o: &mut String, notes: &[T]) {
    for note in notes {
        o.push_str(&format!("  - {note}\n"));
    }
}

/// The plan as tables and sentences (docs/evaluation.md, "Table output"): the solve, the
/// purchases (summarised per quarter past [`PURCHASE_ROWS`] lines), spend, one row per quarter,
/// one row per workload, the planner's notes and the evaluator's check of the plan.
fn summary(s: &scenario::Scenario, p: &Plan, valley: Option<&ValleySummary>) -> String {
    let mut o = String::new();
    let r = &p.solver;
    o.push_str(&format!(
        "Plan for {}: objective {}, solver {} ({}, gap {})\nSolve: {:.2} s first, {:.2} s in all, {} solves; {} variables, {} constraints, {} binaries\n",
        s.name,
        p.objective.as_str(),
        r.backend,
        if r.relaxation.is_some() { "LP relaxation path" } else { r.status.as_str() },
        r.gap_bound.map_or("unknown".to_string(), |g| format!("≤ {:.2} %", g * 100.0)),
        r.solve_s,
        r.total_s,
        r.solves,
        r.variables,
        r.constraints,
        r.integers
    ));
    if let Some(form) = r.model_form.filter(|f| *f != "scaled") {
        o.push_str(&format!(
            "Numerics: microlp failed numerically on the scaled model; the plan comes from a later attempt (model: {form}; docs/planner.md, Solver limits and numerics)\n"
        ));
    }
    if let Some(x) = &r.relaxation {
        o.push_str(&format!(
            "Path: LP relaxation ({} binaries, auto above {}{}), binaries rounded ({} runs placed, {} sites building{}), LP re-solved; LP bound {:.6e} {}, plan {:.6e}, gap {:.2} % (LP {:.2} s)\n",
            x.binaries,
            x.threshold,
            if x.candidate_pools {
                format!("; serving from candidate pools, {:.0} % of pairs", x.serving_pairs_kept * 100.0)
            } else {
                String::new()
            },
            x.runs_placed,
            x.sites_building,
            if x.builds_dropped { ", builds dropped for feasibility" } else { "" },
            x.lp_bound,
            x.objective_unit,
            x.plan_objective,
            x.gap * 100.0,
            x.lp_solve_s
        ));
    }
    if s.capacity == scenario::CapacityBasis::Low {
        o.push_str("Capacity: serving rates at the low end of their 80 % prediction intervals ([performance] capacity = \"low\").\n");
    }
    if !p.feasible {
        o.push_str("\nThe scenario is infeasible as written. The smallest relaxation that makes it feasible:\n");
        push_notes(&mut o, &p.relaxation);
        o.push_str("The plan below is for the scenario so relaxed.\n");
    }
    push_purchases(&mut o, p);
    push_money(&mut o, s, p);
    o.push_str(&quarter_table(s, p, valley));
    o.push_str(&served_table(p));
    if !p.explanations.is_empty() {
        o.push_str("\nBinding constraints and marginal values\n");
        push_notes(&mut o, &p.explanations);
    }
    if !p.repairs.is_empty() {
        o.push_str("\nRepairs after rounding\n");
        push_notes(&mut o, &p.repairs);
    }
    if let Some(e) = &p.evaluation {
        let v = plan_violations(e);
        o.push_str(&format!(
            "\nEvaluator check: spend {} ({:.1} % of budget){}\n",
            money(p, e.spend.total),
            100.0 * e.spend.total / s.budget.total,
            if v.is_empty() { ", 0 violation(s)" } else { "" }
        ));
        o.push_str(&summary::findings("violations", &v, CHECK_LINES));
        let idle = summary::idle_pools(e);
        if !idle.is_empty() {
            o.push_str(&format!("\n{idle}"));
        }
        o.push_str(&summary::idle_advisories(e));
    }
    o
}

fn money(p: &Plan, x: f64) -> String {
    fleetplan_core::format::money(x, &p.currency)
}

/// Purchases and leases: every line up to [`PURCHASE_ROWS`] of them, else one row per quarter
/// (lines, accelerators, hardware with the most accelerators first, cost); then the builds, one
/// line per site.
fn push_purchases(o: &mut String, p: &Plan) {
    let accelerators: u64 = p.purchases.iter().map(|h| h.accelerators).sum();
    let cost: f64 = p.purchases.iter().map(|h| h.cost).sum();
    if p.purchases.is_empty() {
        o.push_str("\nPurchases and leases\n(none: existing capacity suffices)\n");
    } else if p.purchases.len() <= PURCHASE_ROWS {
        o.push_str("\nPurchases and leases\n");
        let mut t = summary::table();
        t.set_header(vec!["from", "until", "site", "hardware", "mode", "units", "accelerators", "cost (horizon)"]);
        for h in &p.purchases {
            t.add_row(vec![
                h.from.to_string(),
                h.until.to_string(),
                h.site.clone(),
                h.hardware.clone(),
                h.mode.as_str().to_string(),
                h.units.to_string(),
                h.accelerators.to_string(),
                money(p, h.cost),
            ]);
        }
        o.push_str(&summary::render(&t));
    } else {
        o.push_str(&format!(
            "\nPurchases and leases: {} lines, {} accelerators, {} over the horizon, by first quarter (every line: --format json, or plan.toml with --out DIR)\n",
            p.purchases.len(),
            fleetplan_core::format::human(accelerators as f64),
            money(p, cost)
        ));
        let mut t = summary::table();
        t.set_header(vec!["from", "lines", "accelerators", "hardware, most accelerators first", "cost (horizon)"]);
        let mut quarters: Vec<_> = p.purchases.iter().map(|h| h.from).collect();
        quarters.dedup();
        for q in quarters {
            let lines: Vec<_> = p.purchases.iter().filter(|h| h.from == q).collect();
            let mut hardware: Vec<(String, u64, usize)> = Vec::new();
            for h in &lines {
                let name = format!("{}{}", h.hardware, if h.mode == scenario::Mode::Lease { " lease" } else { "" });
                match hardware.iter_mut().find(|(n, _, _)| *n == name) {
                    Some((_, n, sites)) => (*n, *sites) = (*n + h.accelerators, *sites + 1),
                    None => hardware.push((name, h.accelerators, 1)),
                }
            }
            hardware.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let list: Vec<String> = hardware
                .iter()
                .map(|(name, n, lines)| {
                    let at = if *lines > 1 { format!(" ({lines} lines)") } else { String::new() };
                    format!("{name} {}{at}", fleetplan_core::format::human(*n as f64))
                })
                .collect();
            t.add_row(vec![
                q.to_string(),
                lines.len().to_string(),
                fleetplan_core::format::human(lines.iter().map(|h| h.accelerators).sum::<u64>() as f64),
                summary::truncate(&list.join(", "), 80),
                money(p, lines.iter().map(|h| h.cost).sum()),
            ]);
        }
        o.push_str(&summary::render(&t));
    }
    let mut sites: Vec<&str> = p.builds.iter().map(|(site, _, _)| site.as_str()).collect();
    sites.sort_unstable();
    sites.dedup();
    for site in sites {
        let builds: Vec<String> =
            p.builds.iter().filter(|(s, _, _)| s == site).map(|(_, q, mw)| format!("{mw:.1} MW online {q}")).collect();
        o.push_str(&summary::truncate(&format!("Build at {site}: {}", builds.join(", ")), summary::SCREEN_COLUMNS));
        o.push('\n');
    }
}

/// Spend (total and per year), economic cost, revenue and margin, training placements.
fn push_money(o: &mut String, s: &scenario::Scenario, p: &Plan) {
    o.push_str(&format!("\nSpend {} of the {} budget", money(p, p.spend_total), money(p, s.budget.total)));
    if p.spend_by_year.len() > 1 {
        let years: Vec<String> = p.spend_by_year.iter().map(|(y, x)| format!("{y} {}", money(p, *x))).collect();
        o.push_str(&format!("; by year: {}", years.join(", ")));
    }
    o.push('\n');
    o.push_str(&format!(
        "Economic cost {} (capital charged over asset life while in the horizon, not cash capex)",
        money(p, p.economic_cost)
    ));
    if p.revenue > 0.0 {
        o.push_str(&format!(
            "; revenue at list prices {}, margin {}",
            money(p, p.revenue),
            money(p, p.revenue - p.economic_cost)
        ));
    }
    o.push('\n');
    for tp in &p.training {
        o.push_str(&format!("Training `{}`: {:.0} × {} at {}\n", tp.workload, tp.chips, tp.chip, tp.site));
    }
    if !p.training.is_empty() && p.objective == ObjectiveKind::MaxTraining {
        o.push_str(&format!("Training compute reserved: {:.3} ZFLOP (peak dense)\n", p.training_flop / 1e21));
    }
}

/// One row per quarter of the horizon: accelerators the plan adds, spend, the evaluator's idle
/// accelerators at the peak hour, the diurnal valley (serving accelerators in the busiest hour
/// and on average of those held, inference cost per day) and the lowest served share.
fn quarter_table(s: &scenario::Scenario, p: &Plan, valley: Option<&ValleySummary>) -> String {
    let cur = &p.currency;
    let e = p.evaluation.as_ref();
    let mut t = summary::table();
    let mut header = vec!["quarter".to_string(), "added".to_string(), format!("spend {cur}")];
    if e.is_some() {
        header.push("idle at peak (share)".to_string());
    }
    if valley.is_some() {
        header.push("busiest hour / average of held".to_string());
        header.push(format!("inference cost per day {cur}"));
    }
    header.push("lowest served (model / evaluator)".to_string());
    t.set_header(header);
    let human = |x: f64| fleetplan_core::format::human(x);
    for q in s.horizon() {
        let added: u64 = p.purchases.iter().filter(|h| h.from == q).map(|h| h.accelerators).sum();
        let spend = p.spend_by_quarter.iter().find(|(x, _)| *x == q).map_or(0.0, |(_, x)| *x);
        let mut row = vec![q.to_string(), human(added as f64), fleetplan_core::format::num(spend)];
        if let Some(e) = e {
            row.push(e.quarters.iter().find(|x| x.quarter == q).map_or("-".to_string(), |x| {
                format!("{} ({:.1} %)", human(x.idle_accelerators as f64), 100.0 * x.idle_share)
            }));
        }
        if let Some(v) = valley {
            let vq = v.valley_by_quarter.iter().find(|x| x.quarter == q);
            row.push(vq.map_or("-".to_string(), |x| {
                format!(
                    "{} / {} of {}",
                    human(x.accelerators_peak.round()),
                    human(x.accelerators_average.round()),
                    human(x.accelerators_held as f64)
                )
            }));
            row.push(vq.map_or("-".to_string(), |x| fleetplan_core::format::num(x.inference_cost_per_day)));
        }
        let lowest = p.served.iter().filter(|l| l.quarter == q).min_by(|a, b| lower(a).total_cmp(&lower(b)));
        row.push(match lowest {
            Some(l) if !full(l) => summary::truncate(&format!("{} {}", served_cell(l), l.workload), 44),
            Some(_) => "100 % (all)".to_string(),
            None => "-".to_string(),
        });
        t.add_row(row);
    }
    format!(
        "\nPer quarter. Idle: at the peak hour. Diurnal valley: accelerators serving in the busiest hour / on average (the rest lent to batch and training)\n{}",
        summary::render(&t)
    )
}

/// "68.7 % / 68.7 %": served share of peak demand as the model counts it / as the evaluator
/// finds it ("-" without an evaluation).
fn served_cell(l: &plan::ServedLine) -> String {
    format!("{:.1} % / {}", l.served * 100.0, l.evaluated.map_or("-".to_string(), |e| format!("{:.1} %", e * 100.0)))
}

/// The lower of a line's served shares: the model's and the evaluator's.
fn lower(l: &plan::ServedLine) -> f64 {
    l.evaluated.unwrap_or(l.served).min(l.served)
}

/// Whether a served line serves all of its peak demand, in the model and in the evaluator's check
/// (to display precision).
fn full(l: &plan::ServedLine) -> bool {
    lower(l) >= plan::robust::SERVED_MIN
}

/// One row per workload: its lowest served share over the horizon (with the quarter), the last
/// quarter's, and the pool serving most of it in the last quarter.
fn served_table(p: &Plan) -> String {
    let Some(last) = p.served.iter().map(|l| l.quarter).max() else { return String::new() };
    let mut t = summary::table();
    t.set_header(vec![
        "workload".to_string(),
        "lowest served (model / evaluator)".to_string(),
        format!("served in {last}"),
        format!("largest pool in {last}: chip × accelerators, serving configuration"),
    ]);
    let mut ids: Vec<&str> = p.served.iter().map(|l| l.workload.as_str()).collect();
    ids.dedup();
    for id in ids {
        let lines: Vec<_> = p.served.iter().filter(|l| l.workload == id).collect();
        let low = lines.iter().min_by(|a, b| lower(a).total_cmp(&lower(b)));
        let at_last = lines.iter().find(|l| l.quarter == last);
        let pool = p.evaluation.as_ref().and_then(|e| summary::largest_pool(e, id)).unwrap_or_else(|| "-".into());
        t.add_row(vec![
            summary::truncate(id, 28),
            low.map_or("-".to_string(), |l| {
                if full(l) {
                    "100 % in every quarter".to_string()
                } else {
                    format!("{} in {}", served_cell(l), l.quarter)
                }
            }),
            at_last.map_or("-".to_string(), |l| served_cell(l)),
            summary::truncate(&pool, 70),
        ]);
    }
    format!("\nServed share of peak demand per workload\n{}", summary::render(&t))
}
