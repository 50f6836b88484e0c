//! The planner: from a scenario without a fixed fleet, choose what to buy or lease, where and
//! when, under budget, power, supply and export-control constraints, serving each workload's
//! peak demand at its SLO and placing training runs; then check the plan with the independent
//! evaluator ([`crate::eval::evaluate`]) and explain it.
//!
//! Steps (the model is written out in docs/planner.md):
//! 1. [`data`](self): lines (option × site) priced with the cost model, rates from the
//!    evaluator's rate table, demand from the demand model, policy windows from the policy
//!    engine;
//! 2. a MILP (binaries only for training placement; counts continuous) built by `model`'s
//!    builder, one method per constraint family, and solved with good_lp — microlp by default,
//!    HiGHS with the `highs` feature — always with a gap and a time limit;
//! 3. repair: counts rounded up to whole units, the rounded plan evaluated, and the model
//!    re-solved with tightened budget, power or inflated demand where the evaluator finds a
//!    violation (at most [`MAX_REPAIRS`] rounds);
//! 4. explanations: binding constraints and their marginal values from LP re-solves with the
//!    training placement fixed; for an infeasible scenario, the smallest relaxation from an
//!    elastic model with penalised slacks. All of these are structured values ([`notes`]) that
//!    render (and serialise) as sentences.

// Model code indexes parallel tables by quarter; index loops read clearer than zips here.
mod assemble;
#[allow(clippy::needless_range_loop)]
mod data;
#[allow(clippy::needless_range_loop)]
mod explain;
pub mod generate;
#[allow(clippy::needless_range_loop)]
mod model;
pub mod notes;
mod relaxed;
pub mod robust;

use crate::eval::{EvalError, Evaluation, evaluate};
use fleetplan_core::catalog::{Catalog, ChipId};
use fleetplan_core::scenario::{Holding, Mode, ObjectiveKind, ObjectiveProblem, Quarter, Scenario};
use fleetplan_models::cost::CostError;
use model::{Knobs, Solved, SolverSettings};
use notes::{Explanation, Relaxation, Repair, RepairNote};
use serde::Serialize;
use std::collections::BTreeMap;

pub use relaxed::{PlanPath, RELAXATION_MIN_BINARIES, RelaxationReport};

/// Most repair rounds after the first solve.
pub const MAX_REPAIRS: usize = 3;

/// Default relative MIP gap.
pub const DEFAULT_MIP_GAP: f64 = 0.005;

/// Default time limit per solve, s: a backstop; the node limit stops a long search first.
pub const DEFAULT_TIME_LIMIT_S: f64 = 30.0;

/// Default branch-and-bound node limit per solve (microlp): a deterministic work limit, so a
/// search that stops early stops at the same plan on every machine (docs/planner.md, "Solver
/// limits"). HiGHS has its own node limit but solves every model here within the gap first.
pub const DEFAULT_NODE_LIMIT: u64 = 20_000;

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
    pub fn parse(name: &str) -> Result<Backend, BackendError> {
        match name {
            "microlp" => Ok(Backend::Microlp),
            #[cfg(feature = "highs")]
            "highs" => Ok(Backend::Highs),
            #[cfg(not(feature = "highs"))]
            "highs" => Err(BackendError::NotCompiled),
            other => Err(BackendError::Unknown { name: other.to_string() }),
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

/// A backend name that [`Backend::parse`] does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// `highs` in a build without the `highs` feature.
    #[error("this build has no HiGHS backend; rebuild with `--features highs` (needs cmake and libclang-dev)")]
    NotCompiled,
    /// A name that is no backend.
    #[error("unknown solver `{name}`; valid: {}", Backend::available().join(", "))]
    Unknown {
        /// The name given.
        name: String,
    },
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
    /// Stopped at the node limit with a feasible plan (deterministic).
    NodeLimit,
}

impl SolveStatus {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SolveStatus::Optimal => "optimal",
            SolveStatus::GapLimit => "within gap",
            SolveStatus::TimeLimit => "stopped at the time limit",
            SolveStatus::NodeLimit => "stopped at the node limit",
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
    /// Branch-and-bound node limit per solve (microlp; `None`: none).
    pub node_limit: Option<u64>,
    /// Compute marginal values of binding constraints (extra LP re-solves).
    pub explain: bool,
    /// Check the plan with the evaluator and repair violations.
    pub verify: bool,
    /// Exact MILP or the relaxation path (default: by model size).
    pub path: PlanPath,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            objective: None,
            backend: Backend::Microlp,
            mip_gap: DEFAULT_MIP_GAP,
            time_limit_s: DEFAULT_TIME_LIMIT_S,
            node_limit: Some(DEFAULT_NODE_LIMIT),
            explain: true,
            verify: true,
            path: PlanPath::Auto,
        }
    }
}

/// Why no plan could be made (an infeasible scenario is not an error: see
/// [`Plan::relaxation`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The catalog has no network fabric to price a cluster with.
    #[error("the catalog has no network fabric")]
    NoFabric,
    /// The cost model cannot price a line or holding.
    #[error(transparent)]
    Cost(#[from] CostError),
    /// The solver failed.
    #[error("solver: {0}")]
    Solver(#[from] SolverError),
    /// The model has no solution (handled internally by the elastic model).
    #[error("the model is infeasible")]
    Infeasible,
    /// The evaluator failed on the plan.
    #[error("evaluating the plan: {0}")]
    Eval(#[from] EvalError),
    /// The objective has nothing to optimise in this scenario (e.g. `max-training` without a
    /// training run), so any plan would be meaningless.
    #[error("{problem}: {}", problem.help())]
    Objective {
        /// What is missing.
        problem: ObjectiveProblem,
    },
}

/// How the LP/MILP solver failed (other than by infeasibility, which the planner handles).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolverError {
    /// The backend rejected the MIP gap.
    #[error(transparent)]
    MipGap(#[from] good_lp::solvers::MipGapError),
    /// The model is unbounded: a bug in the model.
    #[error("the model is unbounded (a bug)")]
    Unbounded,
    /// Any other failure HiGHS reports.
    #[error("{0} (a failure of the solver backend, not a property of the scenario: `--path relaxation` may solve it)")]
    Backend(good_lp::ResolutionError),
    /// microlp failed numerically on every attempt (`model/scaled.rs`: scaled, scaled with a
    /// looser feasibility guard, as written) and on the relaxation path it falls back to.
    #[error(
        "microlp failed numerically on the scaled model, with a looser feasibility guard and on the model as written ({}); not a property of the scenario: `--path relaxation`, or `--solver highs` in a build with `--features highs`, may solve it",
        messages.join("; ")
    )]
    Numerical {
        /// microlp's message of each attempt.
        messages: Vec<String>,
    },
    /// A limit stopped the solve before it found any feasible plan.
    #[error(
        "the {limit} limit stopped the solve before it found a feasible plan: raise `--time-limit` or `--node-limit`"
    )]
    LimitWithoutPlan {
        /// `time` or `node`.
        limit: &'static str,
    },
}

/// `SolverReport::model_form` of a plan the relaxation path made after microlp failed
/// numerically on every form of the exact model.
pub const NUMERICAL_FALLBACK: &str = "LP relaxation path, after numerical failures of the exact model";

/// Solver facts of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolverReport {
    /// Backend name.
    pub backend: String,
    /// How the last main solve finished.
    pub status: SolveStatus,
    /// Requested relative MIP gap.
    pub mip_gap: f64,
    /// Gap bound of the result: 0 when optimal or a pure LP, the requested gap within it, the
    /// solver's gap to its best bound when a limit stopped the search (None: no bound known).
    pub gap_bound: Option<f64>,
    /// Time limit per solve, s.
    pub time_limit_s: f64,
    /// Branch-and-bound node limit per solve (None: none).
    pub node_limit: Option<u64>,
    /// How the plan's model reached microlp: `scaled` (equilibrated, the default), `scaled,
    /// looser feasibility guard` or `as written` after numerical failures of the attempts before
    /// (`model/scaled.rs`); `None` with HiGHS.
    pub model_form: Option<&'static str>,
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
    /// Integer (binary) variables of the main model (0 on the relaxation path, where every
    /// binary is fixed).
    pub integers: usize,
    /// `exact` (the MILP) or `relaxation` (LP relaxation, rounded binaries, LP re-solve).
    pub path: &'static str,
    /// On the relaxation path: the LP bound and the plan's gap to it.
    pub relaxation: Option<RelaxationReport>,
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
    /// Mean input + output tokens per day demanded in the quarter (chat; 0 for image and video),
    /// from [`fleetplan_models::demand::mean_tokens_per_day`].
    pub demand_tokens_per_day: f64,
}

/// Accelerators of one pool serving one workload in one quarter, as the model assigns them
/// (named apart from the evaluator's `eval::Allocation`, which splits pools in proportion).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServedAllocation {
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
    /// Cash spend over the horizon as the model counts it (capex when paid, build capex
    /// during construction, opex, leases), scenario currency: what budgets count.
    pub spend_total: f64,
    /// Cash spend per quarter.
    pub spend_by_quarter: Vec<(Quarter, f64)>,
    /// Cash spend per calendar year (year → scenario currency).
    pub spend_by_year: std::collections::BTreeMap<String, f64>,
    /// Economic cost over the horizon, scenario currency: opex and leases, with the capital
    /// charge of purchases and builds (capital recovery over their life while in the horizon)
    /// in place of their cash capex. What `min-tco` and `max-margin` minimise.
    pub economic_cost: f64,
    /// Revenue of the served demand at the workloads' prices over the horizon, scenario
    /// currency (0 without prices); margin = revenue − economic cost.
    pub revenue: f64,
    /// MW coming online per site and quarter from builds the plan decides (site, online
    /// quarter, MW), non-zero only; each was decided a lead time earlier.
    pub builds: Vec<(String, Quarter, f64)>,
    /// Served share per workload and quarter.
    pub served: Vec<ServedLine>,
    /// Training placements.
    pub training: Vec<TrainingPlacement>,
    /// Accelerators serving each workload per pool and quarter, as the model assigns them.
    pub allocation: Vec<ServedAllocation>,
    /// Training compute reserved, peak dense FLOP (max-training).
    pub training_flop: f64,
    /// Weighted share of peak demand served, 0–1 (the max-served objective).
    pub coverage: f64,
    /// Binding constraints, then marginal values (each serialised as its sentence).
    pub explanations: Vec<Explanation>,
    /// For an infeasible scenario: the smallest relaxation that makes it feasible (each
    /// serialised as its sentence).
    pub relaxation: Vec<Relaxation>,
    /// Repairs made after evaluating the rounded plan (each serialised as its sentence).
    pub repairs: Vec<RepairNote>,
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
    plan_sampled(scenario, catalog, options, &BTreeMap::new())
}

/// [`plan`] in a sampled world (`fleetplan sweep --mode optimize`): every serving rate, in the
/// model and in the evaluator's check of the rounded plan, multiplied by its chip's throughput
/// factor (`rating::throughput_factor`; chips not in `factors` keep their rates).
pub fn plan_sampled(
    scenario: &Scenario,
    catalog: &Catalog,
    options: &PlanOptions,
    factors: &BTreeMap<ChipId, f64>,
) -> Result<Plan, PlanError> {
    let started = std::time::Instant::now();
    let objective = options.objective.unwrap_or(scenario.objective);
    if let Some(problem) = scenario.objective_problem(objective) {
        return Err(PlanError::Objective { problem });
    }
    let mut data = data::build(scenario, catalog)?;
    scale_data_rates(&mut data, factors);
    let settings = SolverSettings {
        backend: options.backend,
        mip_gap: options.mip_gap,
        time_limit_s: options.time_limit_s,
        node_limit: options.node_limit,
    };
    let mut knobs = Knobs::of(scenario, &data, objective);
    let relaxation = relaxed::takes_relaxation(options.path, options.backend, &data);
    let mut numerical_fallback = false;
    let first = if relaxation {
        solve_relaxed_or_relax(scenario, &data, &mut knobs, settings)?
    } else {
        match solve_or_relax(scenario, &data, &mut knobs, settings) {
            // microlp failed numerically on every form of the exact model (rare: 2 of 10^5 fuzz
            // scenarios): the relaxation path's smaller LPs are the fallback, and the plan says so.
            Err(PlanError::Solver(SolverError::Numerical { .. })) => {
                numerical_fallback = true;
                knobs = Knobs::of(scenario, &data, objective);
                solve_relaxed_or_relax(scenario, &data, &mut knobs, settings)?
            }
            other => other?,
        }
    };
    let checked = if options.verify {
        verify_and_repair((scenario, catalog, factors), &data, &first.solved, &mut knobs, settings)?
    } else {
        Checked { best: first.solved.clone(), repairs: Vec::new(), evaluation: None, solves: 0 }
    };
    let feasible = !knobs.elastic;
    let run = assemble::Run { objective, settings, started, solves: first.solves + checked.solves, feasible };
    let mut p = assemble::assemble(scenario, &data, &checked.best, &run);
    p.relaxation = first.relaxation;
    if let Some((report, bound)) = first.relaxed {
        let report = relaxed::report(report, &bound, &checked.best, scenario);
        p.solver.gap_bound = Some(report.gap);
        p.solver.path = "relaxation";
        p.solver.relaxation = Some(report);
    }
    if numerical_fallback {
        p.solver.model_form = Some(NUMERICAL_FALLBACK);
    }
    p.solver.solve_s = first.solved.solve_s;
    p.repairs = checked.repairs;
    if options.explain && feasible {
        let (marginals, solves) = explain::marginals(scenario, &data, &checked.best, &knobs, settings)?;
        p.explanations.extend(marginals.into_iter().map(Explanation::Marginal));
        p.solver.solves += solves;
    }
    if let Some(evaluation) = checked.evaluation {
        attach_evaluation(&mut p, evaluation);
    }
    p.solver.total_s = started.elapsed().as_secs_f64();
    Ok(p)
}

/// Attach the evaluator's check to a plan: each served line's evaluated share.
/// Multiply the planner's serving rates by each chip's throughput factor in a sampled world.
pub(crate) fn scale_data_rates(data: &mut data::Data, factors: &BTreeMap<ChipId, f64>) {
    if factors.is_empty() {
        return;
    }
    for ((_, chip), rate) in &mut data.rates {
        *rate *= crate::rating::throughput_factor(factors, chip);
    }
}

fn attach_evaluation(p: &mut Plan, evaluation: Evaluation) {
    for line in &mut p.served {
        line.evaluated = evaluation
            .workloads
            .iter()
            .find(|w| w.workload == line.workload && w.quarter == line.quarter)
            .map(|w| w.coverage_peak);
    }
    p.evaluation = Some(evaluation);
}

/// The first solve, and for an infeasible scenario the elastic re-solve and its relaxation.
struct FirstSolve {
    /// The solution planned from (of the elastic model when infeasible).
    solved: Solved,
    /// The smallest relaxation (empty when feasible).
    relaxation: Vec<Relaxation>,
    /// Solves made.
    solves: usize,
    /// On the relaxation path: its report and the LP relaxation's solution (the bound).
    relaxed: Option<(RelaxationReport, Solved)>,
}

/// The relaxation path's first solve ([`relaxed::solve`]); when even the LP relaxation is
/// infeasible, the elastic model under the same path and its relaxation.
fn solve_relaxed_or_relax(
    scenario: &Scenario,
    data: &data::Data,
    knobs: &mut Knobs,
    settings: SolverSettings,
) -> Result<FirstSolve, PlanError> {
    let (run, relaxation, extra) = match relaxed::solve(scenario, data, knobs, settings) {
        Ok(run) => (run, Vec::new(), 0),
        Err(PlanError::Infeasible) => {
            knobs.elastic = true;
            knobs.fixed_train = None;
            knobs.fixed_builds = None;
            let run = relaxed::solve(scenario, data, knobs, settings)?;
            let relaxation = explain::relaxation(scenario, data, &run.solved);
            (run, relaxation, 1)
        }
        Err(e) => return Err(e),
    };
    Ok(FirstSolve {
        solved: run.solved,
        relaxation,
        solves: run.solves + extra,
        relaxed: Some((run.report, run.bound)),
    })
}

/// Solve the model; when it is infeasible, never stop at a bare "infeasible": solve the
/// elastic model (setting `knobs.elastic`) and plan under the smallest relaxation it finds.
fn solve_or_relax(
    scenario: &Scenario,
    data: &data::Data,
    knobs: &mut Knobs,
    settings: SolverSettings,
) -> Result<FirstSolve, PlanError> {
    match model::solve(scenario, data, knobs, settings) {
        Ok(solved) => Ok(FirstSolve { solved, relaxation: Vec::new(), solves: 1, relaxed: None }),
        Err(PlanError::Infeasible) => {
            knobs.elastic = true;
            let relaxed = model::solve(scenario, data, knobs, settings)?;
            let relaxation = explain::relaxation(scenario, data, &relaxed);
            Ok(FirstSolve { solved: relaxed, relaxation, solves: 2, relaxed: None })
        }
        Err(e) => Err(e),
    }
}

/// The plan after the evaluator's check and the repairs it prompted.
struct Checked {
    /// The last solution kept.
    best: Solved,
    /// Repairs made.
    repairs: Vec<RepairNote>,
    /// The evaluator's verdict on the last rounded plan.
    evaluation: Option<Evaluation>,
    /// Re-solves made.
    solves: usize,
}

/// Evaluate the rounded plan and, while the evaluator finds violations, tighten the knobs and
/// re-solve (at most [`MAX_REPAIRS`] rounds). A relaxed (elastic) plan breaks the scenario by
/// design: it is evaluated, not repaired.
fn verify_and_repair(
    (scenario, catalog, factors): (&Scenario, &Catalog, &BTreeMap<ChipId, f64>),
    data: &data::Data,
    first: &Solved,
    knobs: &mut Knobs,
    settings: SolverSettings,
) -> Result<Checked, PlanError> {
    let mut checked = Checked { best: first.clone(), repairs: Vec::new(), evaluation: None, solves: 0 };
    let rounds = if knobs.elastic { 0 } else { MAX_REPAIRS };
    for round in 0..=rounds {
        let fleet = assemble::scenario_with_holdings(scenario, data, &checked.best);
        if fleet.fleet.is_empty() {
            // Nothing bought, leased or held (e.g. max-margin serving nothing): nothing to check.
            break;
        }
        let evaluation = if factors.is_empty() {
            evaluate(&fleet, catalog)?
        } else {
            let rates = crate::rating::scaled_rates(crate::eval::fleet_rates(&fleet, catalog), factors);
            crate::eval::evaluate_with_searches(&fleet, catalog, rates, None)?
        };
        let fixes = if round < rounds {
            explain::repair(scenario, data, &checked.best, &evaluation, knobs)
        } else {
            Vec::new()
        };
        checked.evaluation = Some(evaluation);
        if fixes.is_empty() {
            break;
        }
        checked.solves += 1;
        match model::solve(scenario, data, knobs, settings) {
            Ok(next) => {
                checked.repairs.extend(fixes.into_iter().map(|repair| RepairNote { round: round + 1, repair }));
                checked.best = next;
            }
            Err(PlanError::Infeasible) => {
                checked.repairs.push(RepairNote { round: round + 1, repair: Repair::NoFeasiblePlan });
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(checked)
}

/// The violations of a plan: the evaluator's list as it is, so that `optimize` and `evaluate`
/// on the written plan.toml report one and the same list (latency findings included).
pub fn plan_violations(e: &Evaluation) -> Vec<&crate::eval::Violation> {
    e.violations.iter().collect()
}
