//! `fleetplan optimize FILE [--objective ...] [--out DIR]`: plan what to buy or lease, where and
//! when (docs/planner.md), print the plan (what, where, when, cost, served demand), the solver's
//! figures, binding constraints and the evaluator's check; `--out DIR` writes DIR/plan.toml, the
//! input scenario with the planned `[[fleet]]`, which `fleetplan evaluate` accepts unchanged.
//! An infeasible scenario prints the smallest relaxation that makes it feasible and the plan under
//! that relaxation (written with `--out` too), and exits with code 2.

use super::args::user_error;
use super::{Failure, condensed_table as table, load_scenario, out, to_json};
use crate::ui;
use clap::{Args, ValueEnum};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{self, Holding, ObjectiveKind, ScenarioFile, Spanned};
use fleetplan_engines::eval::{Evaluation, PoolIdle, Violation};
use fleetplan_engines::fleet::{ValleySummary, valley_summary};
use fleetplan_engines::plan::{self, Backend, Plan, PlanOptions, plan_violations};
use serde::Serialize;
use std::path::{Path, PathBuf};

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
    /// Skip the marginal-value re-solves.
    #[arg(long)]
    pub no_explain: bool,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Run `fleetplan optimize`.
pub fn run(catalog: &Catalog, args: &OptimizeArgs) -> Result<(), Failure> {
    let backend = Backend::parse(&args.solver).map_err(|e| user_error(format!("--solver: {e}")))?;
    if !(args.gap.is_finite() && args.gap >= 0.0 && args.gap < 1.0) {
        return Err(user_error(format!("--gap {} is not a fraction in [0, 1), e.g. 0.005 for 0.5 %", args.gap)));
    }
    if !(args.time_limit_s.is_finite() && args.time_limit_s > 0.0) {
        return Err(user_error(format!("--time-limit {} must be a positive number of seconds", args.time_limit_s)));
    }
    let loaded = load_scenario(catalog, &args.file)?;
    let (s, name, text) = (loaded.scenario, loaded.input.name, loaded.input.text);
    let options = PlanOptions {
        objective: args.objective.map(Into::into),
        backend,
        mip_gap: args.gap,
        time_limit_s: args.time_limit_s,
        explain: !args.no_explain,
        verify: true,
    };
    let p = plan::plan(&s, catalog, &options).map_err(|e| user_error(format!("{name}: {e}")))?;
    match args.format {
        Format::Table => out(&summary(&s, &p, valley_of(&s, catalog, &p).as_ref())),
        Format::Json => out(&to_json(&PlanJson::new(&p, valley_of(&s, catalog, &p)))?),
    }
    if let Some(dir) = &args.out {
        let path = write_plan(&name, &text, &p, dir)?;
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

/// The plan as JSON: every field of [`Plan`], and from the evaluator's check of the plan the
/// fraction of accelerators idle at the peak hour per quarter (`idle_share_by_quarter`), idle
/// accelerators per site, chip and quarter (`idle`) and the `idle` advisories (`advisories`).
#[derive(Serialize)]
struct PlanJson<'a> {
    /// The plan.
    #[serde(flatten)]
    plan: &'a Plan,
    /// Fraction of accelerators idle at the peak hour, one per quarter of the horizon.
    idle_share_by_quarter: Vec<f64>,
    /// Idle accelerators per (site, chip) pool and quarter, with their cost.
    idle: &'a [PoolIdle],
    /// Pools more than 20 % idle in a quarter, with the cost of the idle part.
    advisories: &'a [Violation],
    /// The diurnal valley's fields (`inference_cost_per_day`, `accelerators_peak`,
    /// `accelerators_average`, `valley_by_quarter`) at the top level.
    #[serde(flatten)]
    valley: Option<ValleySummary>,
}

impl<'a> PlanJson<'a> {
    fn new(plan: &'a Plan, valley: Option<ValleySummary>) -> PlanJson<'a> {
        let e = plan.evaluation.as_ref();
        PlanJson {
            plan,
            idle_share_by_quarter: e.map(Evaluation::idle_share_by_quarter).unwrap_or_default(),
            idle: e.map_or(&[], |e| &e.idle),
            advisories: e.map_or(&[], |e| &e.advisories),
            valley,
        }
    }
}

/// The valley of the evaluator's check of the plan (docs/planner.md, "Diurnal valley filling").
fn valley_of(s: &scenario::Scenario, catalog: &Catalog, p: &Plan) -> Option<ValleySummary> {
    p.evaluation.as_ref().and_then(|e| valley_summary(&p.scenario_with_fleet(s), catalog, e))
}

/// The scenario file with the plan's fleet (and objective) in place, as TOML text.
pub fn plan_toml(source_name: &str, text: &str, p: &Plan) -> Result<String, Failure> {
    let mut file: ScenarioFile = scenario::parse_file(source_name, text).map_err(|diags| {
        ui::print_diagnostics(text, &diags);
        Failure::User
    })?;
    file.fleet = p.holdings.iter().map(fleet_entry).collect();
    file.objective.kind = Spanned::bare(p.objective);
    let body = toml::to_string(&file).map_err(|e| Failure::Internal(format!("cannot write the plan as TOML: {e}")))?;
    Ok(format!(
        "# Plan written by `fleetplan optimize {source_name}` (objective {}, solver {}).\n# The [[fleet]] below is the plan: holdings from before the horizon are existing capacity.\n\n{body}",
        p.objective.as_str(),
        p.solver.backend
    ))
}

fn write_plan(source_name: &str, text: &str, p: &Plan, dir: &Path) -> Result<PathBuf, Failure> {
    let body = plan_toml(source_name, text, p)?;
    std::fs::create_dir_all(dir).map_err(|e| user_error(format!("cannot create `{}`: {e}", dir.display())))?;
    let path = dir.join("plan.toml");
    std::fs::write(&path, body).map_err(|e| user_error(format!("cannot write `{}`: {e}", path.display())))?;
    Ok(path)
}

fn fleet_entry(h: &Holding) -> scenario::file::FleetEntry {
    scenario::file::FleetEntry {
        chip: h.hardware.system.is_none().then(|| Spanned::bare(h.hardware.chip.to_string())),
        system: h.hardware.system.as_ref().map(|id| Spanned::bare(id.to_string())),
        site: Spanned::bare(h.site.to_string()),
        count: Spanned::bare(h.units),
        mode: Spanned::bare(h.mode),
        from: Spanned::bare(h.from),
        until: Some(Spanned::bare(h.until)),
        price_usd: h.price_usd.map(Spanned::bare),
        lease_usd_per_hour: h.lease_usd_per_hour.map(Spanned::bare),
        training: h.training.as_ref().map(|id| Spanned::bare(id.to_string())),
        entry_span: 0..0,
    }
}

/// The planner's structured notes (relaxation, binding constraints and marginal values,
/// repairs) as a bullet list: the one place the table output renders them.
fn push_notes<T: std::fmt::Display>(o: &mut String, notes: &[T]) {
    for note in notes {
        o.push_str(&format!("  - {note}\n"));
    }
}

fn summary(s: &scenario::Scenario, p: &Plan, valley: Option<&ValleySummary>) -> String {
    let money = |x: f64| fleetplan_core::format::money(x, &p.currency);
    let mut o = String::new();
    let r = &p.solver;
    o.push_str(&format!(
        "Plan for {}: objective {}, solver {} ({}, gap {}, {:.2} s first solve, {:.2} s in all, {} solves; {} variables, {} constraints, {} binaries)\n",
        s.name,
        p.objective.as_str(),
        r.backend,
        r.status.as_str(),
        r.gap_bound.map_or("unknown (time limit)".to_string(), |g| format!("≤ {:.2} %", g * 100.0)),
        r.solve_s,
        r.total_s,
        r.solves,
        r.variables,
        r.constraints,
        r.integers
    ));
    if s.capacity == scenario::CapacityBasis::Low {
        o.push_str("Capacity: serving rates at the low end of their 80 % prediction intervals ([performance] capacity = \"low\").\n");
    }
    if !p.feasible {
        o.push_str("\nThe scenario is infeasible as written. The smallest relaxation that makes it feasible:\n");
        push_notes(&mut o, &p.relaxation);
        o.push_str("The plan below is for the scenario so relaxed.\n");
    }
    o.push_str("\nPurchases and leases\n");
    let mut t = table();
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
            money(h.cost),
        ]);
    }
    if p.purchases.is_empty() {
        o.push_str("(none: existing capacity suffices)\n");
    } else {
        o.push_str(&format!("{t}\n"));
    }
    for (site, q, mw) in &p.builds {
        o.push_str(&format!("Build {mw:.1} MW at {site}, online {q}\n"));
    }
    o.push_str(&format!("\nSpend {} of the {} budget:", money(p.spend_total), money(s.budget.total)));
    for (q, x) in &p.spend_by_quarter {
        o.push_str(&format!(" {q} {}", money(*x)));
    }
    o.push('\n');
    if p.spend_by_year.len() > 1 {
        let years: Vec<String> = p.spend_by_year.iter().map(|(y, x)| format!("{y} {}", money(*x))).collect();
        o.push_str(&format!("Spend by year: {}\n", years.join(", ")));
    }
    o.push_str(&format!(
        "Economic cost {} (capital charged over asset life while in the horizon, not cash capex)",
        money(p.economic_cost)
    ));
    if p.revenue > 0.0 {
        o.push_str(&format!(
            "; revenue at list prices {}, margin {}",
            money(p.revenue),
            money(p.revenue - p.economic_cost)
        ));
    }
    o.push('\n');
    if !p.training.is_empty() {
        for tp in &p.training {
            o.push_str(&format!("Training `{}`: {:.0} × {} at {}\n", tp.workload, tp.chips, tp.chip, tp.site));
        }
        if p.objective == ObjectiveKind::MaxTraining {
            o.push_str(&format!("Training compute reserved: {:.3} ZFLOP (peak dense)\n", p.training_flop / 1e21));
        }
    }
    if !p.served.is_empty() {
        o.push_str("\nServed share of peak demand (model / evaluator)\n");
        let quarters: Vec<_> = s.horizon();
        let mut t = table();
        let mut header = vec!["workload".to_string()];
        header.extend(quarters.iter().map(|q| q.to_string()));
        t.set_header(header);
        let mut ids: Vec<&str> = p.served.iter().map(|l| l.workload.as_str()).collect();
        ids.dedup();
        for id in ids {
            let mut row = vec![id.to_string()];
            for q in &quarters {
                let cell = p.served.iter().find(|l| l.workload == id && l.quarter == *q).map_or(String::new(), |l| {
                    format!(
                        "{:.1} % / {}",
                        l.served * 100.0,
                        l.evaluated.map_or("-".to_string(), |e| format!("{:.1} %", e * 100.0))
                    )
                });
                row.push(cell);
            }
            t.add_row(row);
        }
        o.push_str(&format!("{t}\n"));
    }
    if let Some(e) = &p.evaluation {
        let configurations = super::evaluate::serving_configurations(e);
        if !configurations.is_empty() {
            o.push_str(&format!(
                "\nServing configurations (cheapest per token at each workload's SLO)\n{configurations}"
            ));
        }
    }
    if let Some(v) = valley {
        o.push_str("\nDiurnal valley (serving accelerators hour by hour; the rest lent to batch and training)\n");
        for q in &v.valley_by_quarter {
            o.push_str(&format!(
                "  {}: {:.0} in the busiest hour, {:.0} on average of {} held; inference cost per day {}\n",
                q.quarter,
                q.accelerators_peak,
                q.accelerators_average,
                q.accelerators_held,
                money(q.inference_cost_per_day)
            ));
        }
    }
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
            "\nEvaluator check: spend {} ({:.1} % of budget), {} violation(s)",
            money(e.spend.total),
            100.0 * e.spend.total / s.budget.total,
            v.len()
        ));
        if v.is_empty() {
            o.push('\n');
        } else {
            o.push_str(":\n");
            for x in v.iter().take(12) {
                o.push_str(&format!(
                    "  - [{}] {}{}: {}\n",
                    x.kind.as_str(),
                    x.subject,
                    x.quarter.map(|q| format!(" {q}")).unwrap_or_default(),
                    x.message
                ));
            }
            if v.len() > 12 {
                o.push_str(&format!("  … and {} more (fleetplan evaluate shows all)\n", v.len() - 12));
            }
        }
        push_idle(&mut o, e);
    }
    o
}

/// The evaluator's idle accelerators: the fleet's share per quarter, the table per site and chip,
/// and the pools more than 20 % idle with what their idle part costs.
fn push_idle(o: &mut String, e: &Evaluation) {
    let shares: Vec<String> =
        e.quarters.iter().map(|q| format!("{} {:.1} %", q.quarter, 100.0 * q.idle_share)).collect();
    o.push_str(&format!("\nIdle at the peak hour (share of accelerators): {}\n", shares.join(", ")));
    o.push_str(&super::evaluate::idle_table(e, false));
    if !e.advisories.is_empty() {
        let limit = 100.0 * fleetplan_engines::eval::IDLE_ADVISORY_SHARE;
        o.push_str(&format!("{} pool-quarter(s) more than {limit:.0} % idle:\n", e.advisories.len()));
        for x in e.advisories.iter().take(12) {
            o.push_str(&format!(
                "  - [{}] {}{}: {}\n",
                x.kind.as_str(),
                x.subject,
                x.quarter.map(|q| format!(" {q}")).unwrap_or_default(),
                x.message
            ));
        }
        if e.advisories.len() > 12 {
            o.push_str(&format!("  … and {} more (--format json shows all)\n", e.advisories.len() - 12));
        }
    }
}
