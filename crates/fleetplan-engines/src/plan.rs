//! The planner: from a scenario without a fixed fleet, choose what to buy or lease, where and
//! when, under budget, power, supply and export-control constraints, serving each workload's
//! peak demand at its SLO and placing training runs; then check the plan with the independent
//! evaluator ([`crate::eval::evaluate`]) and explain it.
//!
//! Steps (the model is written out in docs/planner.md):
//! 1. [`data`](self): lines (option × site) priced with the cost model, rates from the
//!    evaluator's rate table, demand from the demand model, policy windows from the policy
//!    engine;
//! 2. a MILP (binaries only for training placement; counts continuous) solved with good_lp —
//!    microlp by default, HiGHS with the `highs` feature — always with a gap and a time limit;
//! 3. repair: counts rounded up to whole units, the rounded plan evaluated, and the model
//!    re-solved with tightened budget, power or inflated demand where the evaluator finds a
//!    violation (at most [`MAX_REPAIRS`] rounds);
//! 4. explanations: binding constraints and their marginal values from LP re-solves with the
//!    training placement fixed; for an infeasible scenario, the smallest relaxation from an
//!    elastic model with penalised slacks.

// Model code indexes parallel tables by quarter; index loops read clearer than zips here.
#[allow(clippy::needless_range_loop)]
mod data;
#[allow(clippy::needless_range_loop)]
mod explain;
pub mod generate;
#[allow(clippy::needless_range_loop)]
mod model;

use crate::eval::{EvalError, Evaluation, ViolationKind, evaluate};
use fleetplan_core::catalog::{Catalog, UnknownId};
use fleetplan_core::scenario::{Hardware, Holding, Mode, ObjectiveKind, Quarter, Scenario};
use model::{Knobs, Solved, SolverSettings};
use serde::Serialize;

/// Most repair rounds after the first solve.
pub const MAX_REPAIRS: usize = 3;

/// Default relative MIP gap.
pub const DEFAULT_MIP_GAP: f64 = 0.005;

/// Default time limit per solve, s.
pub const DEFAULT_TIME_LIMIT_S: f64 = 30.0;

/// The LP/MILP backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// microlp: pure Rust, the default.
    Microlp,
    /// HiGHS (cargo feature `highs`).
    #[cfg(feature = "highs")]
    Highs,
}

impl Backend {
    /// Name as given on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Microlp => "microlp",
            #[cfg(feature = "highs")]
            Backend::Highs => "highs",
        }
    }

    /// Parse a backend name; an error names the valid ones (HiGHS only when compiled in).
    pub fn parse(s: &str) -> Result<Backend, String> {
        match s {
            "microlp" => Ok(Backend::Microlp),
            #[cfg(feature = "highs")]
            "highs" => Ok(Backend::Highs),
            #[cfg(not(feature = "highs"))]
            "highs" => {
                Err("this build has no HiGHS backend; rebuild with `--features highs` (needs cmake and libclang-dev)"
                    .into())
            }
            other => Err(format!("unknown solver `{other}`; valid: {}", Backend::available().join(", "))),
        }
    }

    /// Backends compiled into this build.
    pub fn available() -> Vec<&'static str> {
        vec![
            "microlp",
            #[cfg(feature = "highs")]
            "highs",
        ]
    }
}

/// How a solve finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SolveStatus {
    /// Proven optimal (within numerical tolerance).
    Optimal,
    /// Stopped within the requested MIP gap.
    GapLimit,
    /// Stopped at the time limit with a feasible plan.
    TimeLimit,
}

impl SolveStatus {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SolveStatus::Optimal => "optimal",
            SolveStatus::GapLimit => "within gap",
            SolveStatus::TimeLimit => "time limit",
        }
    }
}

/// Planner settings.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Objective (default: the scenario's).
    pub objective: Option<ObjectiveKind>,
    /// Solver backend.
    pub backend: Backend,
    /// Relative MIP gap (fraction, e.g. 0.005).
    pub mip_gap: f64,
    /// Time limit per solve, s.
    pub time_limit_s: f64,
    /// Compute marginal values of binding constraints (extra LP re-solves).
    pub explain: bool,
    /// Check the plan with the evaluator and repair violations.
    pub verify: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            objective: None,
            backend: Backend::Microlp,
            mip_gap: DEFAULT_MIP_GAP,
            time_limit_s: DEFAULT_TIME_LIMIT_S,
            explain: true,
            verify: true,
        }
    }
}

/// Why no plan could be made (an infeasible scenario is not an error: see
/// [`Plan::relaxation`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A catalog id is missing (validation should have caught it).
    #[error(transparent)]
    Unknown(#[from] UnknownId),
    /// Input data the model needs is missing or inconsistent.
    #[error("{0}")]
    Data(String),
    /// The solver failed.
    #[error("solver: {0}")]
    Solver(String),
    /// The model has no solution (handled internally by the elastic model).
    #[error("the model is infeasible")]
    Infeasible,
    /// The evaluator failed on the plan.
    #[error("evaluating the plan: {0}")]
    Eval(#[from] EvalError),
}

/// Solver facts of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolverReport {
    /// Backend name.
    pub backend: String,
    /// How the last main solve finished.
    pub status: SolveStatus,
    /// Requested relative MIP gap.
    pub mip_gap: f64,
    /// Gap bound of the result: 0 when optimal or a pure LP, else the requested gap (or
    /// unknown at the time limit).
    pub gap_bound: Option<f64>,
    /// Time limit per solve, s.
    pub time_limit_s: f64,
    /// Seconds in the main solve (first one).
    pub solve_s: f64,
    /// Seconds for everything (data, every solve, evaluation).
    pub total_s: f64,
    /// Number of solves (main, repairs, explanations).
    pub solves: usize,
    /// Variables of the main model.
    pub variables: usize,
    /// Constraints of the main model.
    pub constraints: usize,
    /// Integer (binary) variables of the main model.
    pub integers: usize,
}

/// One purchase or lease the plan makes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedHolding {
    /// Option label.
    pub option: String,
    /// Chip or system id.
    pub hardware: String,
    /// Site id.
    pub site: String,
    /// Buy or lease.
    pub mode: Mode,
    /// Units (systems or accelerators as the option counts them).
    pub units: u64,
    /// Accelerators.
    pub accelerators: u64,
    /// First quarter in service.
    pub from: Quarter,
    /// Last quarter in service.
    pub until: Quarter,
    /// Cost over the horizon (capex at purchase + opex while held), scenario currency,
    /// linearised per accelerator (the evaluator prices exact counts).
    pub cost: f64,
}

/// Served share of one workload in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServedLine {
    /// Workload id.
    pub workload: String,
    /// Quarter.
    pub quarter: Quarter,
    /// Peak demand (workload unit per second).
    pub demand_peak_per_s: f64,
    /// Share of the peak the model serves (0–1).
    pub served: f64,
    /// Share of the peak the evaluator finds served (0–1), when verified.
    pub evaluated: Option<f64>,
}

/// Accelerators of one pool serving one workload in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allocation {
    /// Workload id.
    pub workload: String,
    /// Site id.
    pub site: String,
    /// Chip id.
    pub chip: String,
    /// Quarter.
    pub quarter: Quarter,
    /// Accelerators.
    pub accelerators: f64,
}

/// Where a training run goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingPlacement {
    /// Workload id.
    pub workload: String,
    /// Site id.
    pub site: String,
    /// Chip id.
    pub chip: String,
    /// Chips reserved (largest over the window).
    pub chips: f64,
}

/// A plan and how it came about.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Objective optimised.
    pub objective: ObjectiveKind,
    /// Scenario currency.
    pub currency: String,
    /// Whether the scenario is feasible as written (else the plan is for the relaxation).
    pub feasible: bool,
    /// Solver facts.
    pub solver: SolverReport,
    /// New purchases and leases.
    pub purchases: Vec<PlannedHolding>,
    /// The whole fleet for the scenario file: existing holdings then the plan's.
    #[serde(skip)]
    pub holdings: Vec<Holding>,
    /// Spend over the horizon as the model counts it.
    pub spend_total: f64,
    /// Spend per quarter.
    pub spend_by_quarter: Vec<(Quarter, f64)>,
    /// MW built per site and quarter (site, quarter, MW), non-zero only.
    pub builds: Vec<(String, Quarter, f64)>,
    /// Served share per workload and quarter.
    pub served: Vec<ServedLine>,
    /// Training placements.
    pub training: Vec<TrainingPlacement>,
    /// Accelerators serving each workload per pool and quarter, as the model assigns them.
    pub allocation: Vec<Allocation>,
    /// Training compute reserved, peak dense FLOP (max-training).
    pub training_flop: f64,
    /// Weighted share of peak demand served, 0–1 (the max-served objective).
    pub coverage: f64,
    /// Binding constraints and marginal values, in words.
    pub explanations: Vec<String>,
    /// For an infeasible scenario: the smallest relaxation that makes it feasible, in words.
    pub relaxation: Vec<String>,
    /// Repairs made after evaluating the rounded plan, in words.
    pub repairs: Vec<String>,
    /// The evaluator's verdict on the plan.
    #[serde(skip)]
    pub evaluation: Option<Evaluation>,
}

impl Plan {
    /// The scenario with the planned fleet in place of its own.
    pub fn scenario_with_fleet(&self, scenario: &Scenario) -> Scenario {
        let mut s = scenario.clone();
        s.fleet = self.holdings.clone();
        s.objective = self.objective;
        s
    }
}

/// Plan a scenario.
pub fn plan(scenario: &Scenario, catalog: &Catalog, options: &PlanOptions) -> Result<Plan, PlanError> {
    let started = std::time::Instant::now();
    let objective = options.objective.unwrap_or(scenario.objective);
    let data = data::build(scenario, catalog)?;
    let settings =
        SolverSettings { backend: options.backend, mip_gap: options.mip_gap, time_limit_s: options.time_limit_s };
    let mut knobs = Knobs::of(scenario, &data, objective);
    let mut solves = 1;
    let mut relaxation = Vec::new();
    let first = match model::solve(scenario, &data, &knobs, settings) {
        Ok(s) => s,
        Err(PlanError::Infeasible) => {
            // Never a bare "infeasible": solve the elastic model and plan under the smallest
            // relaxation it finds.
            knobs.elastic = true;
            solves += 1;
            let relaxed = model::solve(scenario, &data, &knobs, settings)?;
            relaxation = explain::relaxation(scenario, &data, &relaxed);
            relaxed
        }
        Err(e) => return Err(e),
    };
    let mut best = first.clone();
    let mut repairs = Vec::new();
    let mut evaluation = None;
    if options.verify {
        // A relaxed (elastic) plan breaks the scenario by design: evaluate it, do not repair it.
        let rounds = if knobs.elastic { 0 } else { MAX_REPAIRS };
        for round in 0..=rounds {
            let holdings = round_plan(scenario, &data, &best);
            let mut s = scenario.clone();
            s.fleet = holdings;
            let e = evaluate(&s, catalog)?;
            let fixes =
                if round < rounds { explain::repair(scenario, &data, &best, &e, &mut knobs) } else { Vec::new() };
            evaluation = Some(e);
            if fixes.is_empty() {
                break;
            }
            solves += 1;
            match model::solve(scenario, &data, &knobs, settings) {
                Ok(next) => {
                    repairs.extend(fixes.into_iter().map(|f| format!("round {}: {f}", round + 1)));
                    best = next;
                }
                Err(PlanError::Infeasible) => {
                    repairs.push(format!(
                        "round {}: tightening the model to fix the evaluator's findings left no feasible plan; the last plan is kept",
                        round + 1
                    ));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
    }
    let feasible = !knobs.elastic;
    let mut p = assemble(scenario, &data, &best, objective, settings, started, solves, feasible)?;
    p.relaxation = relaxation;
    p.solver.solve_s = first.solve_s;
    p.repairs = repairs;
    if options.explain && feasible {
        let (lines, n) = explain::marginals(scenario, &data, &best, &knobs, settings)?;
        p.explanations.extend(lines);
        p.solver.solves += n;
    }
    if let Some(e) = &evaluation {
        for line in &mut p.served {
            line.evaluated = e
                .workloads
                .iter()
                .find(|w| w.workload == line.workload && w.quarter == line.quarter)
                .map(|w| w.coverage_peak);
        }
    }
    p.evaluation = evaluation;
    p.solver.total_s = started.elapsed().as_secs_f64();
    Ok(p)
}

/// Round the model's counts up to whole units and turn them into holdings (existing holdings
/// first). Lease profiles become holdings with `from`/`until` (last in, first out).
fn round_plan(scenario: &Scenario, data: &data::Data, s: &Solved) -> Vec<Holding> {
    let mut out = data.existing_holdings.clone();
    out.extend(new_holdings(scenario, data, s).into_iter().map(|(_, h)| h));
    mark_training(scenario, data, s, &mut out);
    out
}

/// Write each chosen training placement into the fleet (`training` on one holding of the
/// chosen (site, chip) pool, the first not yet marked), so the evaluator runs the training
/// where the plan put it.
fn mark_training(scenario: &Scenario, data: &data::Data, s: &Solved, holdings: &mut [Holding]) {
    for h in holdings.iter_mut() {
        h.training = None;
    }
    for (ci, c) in data.train.iter().enumerate() {
        if s.train[ci] <= 0.5 {
            continue;
        }
        let site = &scenario.sites[c.pool.site].id;
        let run = scenario.workload_id(c.workload);
        if let Some(h) =
            holdings.iter_mut().find(|h| &h.site == site && h.hardware.chip == c.pool.chip && h.training.is_none())
        {
            h.training = Some(run.clone());
        }
    }
}

/// Whole units from a continuous count of accelerators.
fn units_of(accelerators: f64, per_unit: u32) -> u64 {
    if accelerators <= 1e-6 {
        return 0;
    }
    (accelerators / f64::from(per_unit) - 1e-6).ceil().max(1.0) as u64
}

fn new_holdings(scenario: &Scenario, data: &data::Data, s: &Solved) -> Vec<(usize, Holding)> {
    let horizon = &data.horizon;
    let end = scenario.end();
    let mut out = Vec::new();
    for (li, l) in data.lines.iter().enumerate() {
        let o = &scenario.options[l.option];
        let make = |units: u64, from: Quarter, until: Quarter| Holding {
            hardware: Hardware {
                chip: o.hardware.chip.clone(),
                system: o.hardware.system.clone(),
                accelerators_per_unit: l.per_unit,
            },
            site: scenario.site_id(l.site),
            units,
            accelerators: units * u64::from(l.per_unit),
            mode: l.mode,
            from,
            until,
            price_usd: o.price_usd,
            lease_usd_per_hour: if l.mode == Mode::Lease { l.lease_usd_per_hour } else { None },
            training: None,
        };
        match l.mode {
            Mode::Buy => {
                for (q, acc) in s.buy[li].iter().enumerate() {
                    let units = units_of(*acc, l.per_unit);
                    if units > 0 {
                        out.push((li, make(units, horizon[q], end)));
                    }
                }
            }
            Mode::Lease => {
                // Stack of (from quarter index, units) still held.
                let mut stack: Vec<(usize, u64)> = Vec::new();
                for q in 0..=horizon.len() {
                    let want = if q < horizon.len() { units_of(s.lease[li][q], l.per_unit) } else { 0 };
                    let mut have: u64 = stack.iter().map(|x| x.1).sum();
                    while have > want {
                        let Some((from, n)) = stack.pop() else { break };
                        let drop = (have - want).min(n);
                        let until = horizon[q - 1];
                        out.push((li, make(drop, horizon[from], until)));
                        if n > drop {
                            // The rest is held on past this quarter: split the entry.
                            stack.push((from, n - drop));
                        }
                        have -= drop;
                    }
                    if want > have {
                        stack.push((q, want - have));
                    }
                }
            }
        }
    }
    // Merge lease pieces that the LIFO split produced for the same line and dates.
    out.sort_by_key(|a| (a.0, a.1.from, a.1.until));
    let mut merged: Vec<(usize, Holding)> = Vec::new();
    for (li, h) in out {
        if let Some(last) = merged.last_mut()
            && last.0 == li
            && last.1.from == h.from
            && last.1.until == h.until
        {
            last.1.units += h.units;
            last.1.accelerators += h.accelerators;
            continue;
        }
        merged.push((li, h));
    }
    merged
}

#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
fn assemble(
    scenario: &Scenario,
    data: &data::Data,
    s: &Solved,
    objective: ObjectiveKind,
    settings: SolverSettings,
    started: std::time::Instant,
    solves: usize,
    feasible: bool,
) -> Result<Plan, PlanError> {
    let horizon = &data.horizon;
    let t = horizon.len();
    let mut purchases = Vec::new();
    for (li, h) in new_holdings(scenario, data, s) {
        let l = &data.lines[li];
        let from = h.from.since(scenario.start).max(0) as usize;
        let until = (h.until.since(scenario.start).max(0) as usize).min(t - 1);
        let held = (until + 1).saturating_sub(from) as f64;
        let n = h.accelerators as f64;
        let cost = match l.mode {
            Mode::Buy => n * (l.capex[from] + l.opex_per_quarter * held),
            Mode::Lease => n * l.opex_per_quarter * held,
        };
        purchases.push(PlannedHolding {
            option: scenario.options[l.option].name.clone(),
            hardware: h.hardware.id().to_string(),
            site: h.site.to_string(),
            mode: h.mode,
            units: h.units,
            accelerators: h.accelerators,
            from: h.from,
            until: h.until,
            cost,
        });
    }
    purchases.sort_by(|a, b| (a.from, &a.site, &a.hardware, a.mode).cmp(&(b.from, &b.site, &b.hardware, b.mode)));
    let mut served = Vec::new();
    for (wi, w) in scenario.workloads.iter().enumerate() {
        for q in 0..t {
            let zones: Vec<usize> = (0..data.demands.len()).filter(|d| data.demands[*d].workload == wi).collect();
            if zones.is_empty() {
                continue;
            }
            let peak: f64 = zones.iter().map(|d| data.demands[*d].peak[q]).sum();
            let done: f64 = zones.iter().map(|d| data.demands[*d].peak[q] * s.served[*d][q]).sum();
            served.push(ServedLine {
                workload: w.id.clone(),
                quarter: horizon[q],
                demand_peak_per_s: peak,
                served: if peak > 0.0 { (done / peak).min(1.0) } else { 1.0 },
                evaluated: None,
            });
        }
    }
    let training = data
        .train
        .iter()
        .enumerate()
        .filter(|(ci, _)| s.train[*ci] > 0.5)
        .map(|(ci, c)| TrainingPlacement {
            workload: scenario.workloads[c.workload].id.clone(),
            site: scenario.sites[c.pool.site].id.clone(),
            chip: c.pool.chip.clone(),
            chips: s.train_chips[ci].iter().copied().fold(0.0, f64::max),
        })
        .collect();
    let mut allocation: Vec<Allocation> = Vec::new();
    for (d, p, q, x) in &s.serving {
        if *x <= 1e-6 {
            continue;
        }
        let w = &scenario.workloads[data.demands[*d].workload].id;
        let pool = &data.pools[*p];
        let site = &scenario.sites[pool.site].id;
        if let Some(a) = allocation
            .iter_mut()
            .find(|a| &a.workload == w && &a.site == site && a.chip == pool.chip && a.quarter == horizon[*q])
        {
            a.accelerators += x;
        } else {
            allocation.push(Allocation {
                workload: w.clone(),
                site: site.clone(),
                chip: pool.chip.clone(),
                quarter: horizon[*q],
                accelerators: *x,
            });
        }
    }
    let mut builds = Vec::new();
    for (si, row) in s.build.iter().enumerate() {
        for (q, mw) in row.iter().enumerate() {
            if *mw > 1e-6 {
                builds.push((scenario.sites[si].id.clone(), horizon[q], *mw));
            }
        }
    }
    let holdings = round_plan(scenario, data, s);
    let gap_bound = match s.status {
        SolveStatus::Optimal => Some(0.0),
        SolveStatus::GapLimit => Some(settings.mip_gap),
        SolveStatus::TimeLimit => None,
    };
    Ok(Plan {
        objective,
        currency: scenario.currency.clone(),
        feasible,
        solver: SolverReport {
            backend: settings.backend.as_str().to_string(),
            status: s.status,
            mip_gap: settings.mip_gap,
            gap_bound: if s.integers == 0 && s.status == SolveStatus::Optimal { Some(0.0) } else { gap_bound },
            time_limit_s: settings.time_limit_s,
            solve_s: s.solve_s,
            total_s: started.elapsed().as_secs_f64(),
            solves,
            variables: s.variables,
            constraints: s.constraints,
            integers: s.integers,
        },
        purchases,
        holdings,
        spend_total: s.spend_total,
        spend_by_quarter: horizon.iter().copied().zip(s.spend_by_quarter.iter().copied()).collect(),
        builds,
        served,
        training,
        allocation,
        training_flop: s.training_flop,
        coverage: s.coverage,
        explanations: explain::binding(scenario, data, s),
        relaxation: Vec::new(),
        repairs: Vec::new(),
        evaluation: None,
    })
}

/// Violations the evaluator reports that matter for a plan (latency notes about chips not
/// used for a workload are informational).
pub fn plan_violations(e: &Evaluation) -> Vec<&crate::eval::Violation> {
    e.violations.iter().filter(|v| v.kind != ViolationKind::Latency).collect()
}
