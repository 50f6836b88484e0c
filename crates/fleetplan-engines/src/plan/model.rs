//! The optimisation model (docs/planner.md): variables, constraints and objectives over
//! [`Data`], built for one set of [`Knobs`] by [`builder::ModelBuilder`] (one method per
//! constraint family) and solved with good_lp (microlp by default, HiGHS behind the `highs`
//! feature, see [`backend`]). Re-solves for explanations and repairs change only the knobs.

mod backend;
mod builder;
mod extract;
mod futures;
mod scaled;

pub(crate) use futures::{FuturesSolved, solve_futures};

use super::data::Data;
use super::{Backend, PlanError, SolveStatus};
use builder::ModelBuilder;
use fleetplan_core::scenario::{ObjectiveKind, Scenario, Workload, WorkloadSpec};

/// Tie-breaker weight: a plan with fewer accelerator-quarters wins among equal-cost plans
/// (scenario currency per accelerator-quarter, relative to the money scale).
const TIE_ACCELERATORS: f64 = 1e-9;
/// Tie-breaker weight of cost under the maximising objectives (cost / budget).
const TIE_COST: f64 = 1e-5;
/// Elastic model: weight of leaving a unit share of demand (or a training run) out, against
/// 1 for raising a budget, power or supply limit by its own size. Demand is the point of the
/// plan, so it is relaxed last.
const UNSERVED_WEIGHT: f64 = 10.0;
/// Under `max-training`, a run may grow to this multiple of the chips it needs.
pub(crate) const MAX_TRAINING_GROWTH: f64 = 8.0;

/// What a solve may change relative to the scenario (relaxations, repairs, what-ifs).
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    /// Objective.
    pub objective: ObjectiveKind,
    /// Budget total, scenario currency.
    pub budget_total: f64,
    /// Budget per quarter, scenario currency.
    pub per_quarter: Option<Vec<f64>>,
    /// Budget per calendar year (year, cap), scenario currency.
    pub per_year: Vec<(i32, f64)>,
    /// MW added to each site's available power.
    pub extra_mw: Vec<f64>,
    /// Multiplier on each option's supply cap.
    pub cap_scale: Vec<f64>,
    /// Added to (subtracted from the min, added to the max of) each share group, fraction.
    pub share_relax: Vec<f64>,
    /// Multiplier on each zone demand per quarter (repair).
    pub demand_scale: Vec<Vec<f64>>,
    /// Training placement fixed to these values of the binaries (LP re-solves).
    pub fixed_train: Option<Vec<f64>>,
    /// Site build decisions fixed to these values of the binaries, one per site (ignored for
    /// sites that cannot build); the relaxation path's second solve.
    pub fixed_builds: Option<Vec<f64>>,
    /// The relaxation path's candidates (`None`: everything in the model).
    pub candidates: Option<std::sync::Arc<Candidates>>,
    /// LP relaxation: every binary that is not fixed becomes continuous in [0, 1] (the
    /// relaxation path's first solve, whose optimum bounds every plan from below).
    pub relax_binaries: bool,
    /// Elastic mode: every hard constraint gets a penalised slack (infeasibility analysis).
    pub elastic: bool,
}

impl Knobs {
    /// The scenario as written.
    pub fn of(scenario: &Scenario, data: &Data, objective: ObjectiveKind) -> Knobs {
        Knobs {
            objective,
            budget_total: scenario.budget.total,
            per_quarter: scenario.budget.per_quarter.clone(),
            per_year: scenario.budget.per_year.iter().map(|(y, c)| (*y, *c)).collect(),
            extra_mw: vec![0.0; scenario.sites.len()],
            cap_scale: vec![1.0; scenario.options.len()],
            share_relax: vec![0.0; scenario.budget.shares.len()],
            demand_scale: data.demands.iter().map(|_| vec![1.0; data.quarters]).collect(),
            fixed_train: None,
            fixed_builds: None,
            candidates: None,
            relax_binaries: false,
            elastic: false,
        }
    }
}

/// What a restricted model keeps (the relaxation path's candidate pools, `relaxed.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Candidates {
    /// Per zone demand and pool: whether the pool may serve the zone.
    pub serving: Vec<Vec<bool>>,
    /// Per line: whether it may buy or lease.
    pub lines: Vec<bool>,
    /// Per training candidate: whether the run may go there (else its binary is 0).
    pub train: Vec<bool>,
}

/// A slack that the elastic model had to use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slack {
    /// Budget total short by this much.
    Budget(f64),
    /// Budget of quarter index short.
    QuarterBudget(usize, f64),
    /// Budget of a calendar year short.
    YearBudget(i32, f64),
    /// Share group below its min (fraction of spend).
    ShareMin(usize, f64),
    /// Share group above its max.
    ShareMax(usize, f64),
    /// Site needs this many MW more.
    Power(usize, f64),
    /// Option needs this many accelerators per quarter more supply in quarter index.
    Supply(usize, usize, f64),
    /// Zone demand served short by this fraction in quarter index.
    Demand(usize, usize, f64),
    /// Training run (workload index) cannot be placed.
    Training(usize),
}

/// Values of one solve.
#[derive(Debug, Clone)]
pub(crate) struct Solved {
    /// How the solver finished.
    pub status: SolveStatus,
    /// Objective value (model units).
    pub objective: f64,
    /// Objective optimised (the knobs').
    pub objective_kind: ObjectiveKind,
    /// Objective value in scenario units: the model objective × the model's money unit, i.e.
    /// scenario currency for min-tco and max-margin (cost + unserved at its price + share
    /// penalties + a negligible tie-breaker).
    pub objective_value: f64,
    /// Total spend (cash), scenario currency.
    pub spend_total: f64,
    /// Economic cost (capital charge instead of cash capex), scenario currency.
    pub cost_total: f64,
    /// Revenue of served demand at the workloads' prices, scenario currency.
    pub revenue: f64,
    /// Spend per quarter.
    pub spend_by_quarter: Vec<f64>,
    /// Spend per share group.
    pub spend_by_group: Vec<f64>,
    /// Accelerators bought per line and quarter.
    pub buy: Vec<Vec<f64>>,
    /// Accelerators leased per line and quarter (in service).
    pub lease: Vec<Vec<f64>>,
    /// MW built per site and quarter.
    pub build: Vec<Vec<f64>>,
    /// IT MW drawn per site and quarter.
    pub it_mw: Vec<Vec<f64>>,
    /// IT MW available per site at the start as this solve counted it (the site's, with the
    /// knobs' repair or relaxation applied).
    pub available_mw: Vec<f64>,
    /// Served share of each zone demand per quarter (0–1).
    pub served: Vec<Vec<f64>>,
    /// Accelerators serving each (demand, pool, quarter).
    pub serving: Vec<(usize, usize, usize, f64)>,
    /// Training candidate chosen (value of the binary).
    pub train: Vec<f64>,
    /// Training chips per candidate and quarter.
    pub train_chips: Vec<Vec<f64>>,
    /// Weighted served share (0–1 per unit weight), for max-served.
    pub coverage: f64,
    /// Training compute, FLOP (peak dense), for max-training.
    pub training_flop: f64,
    /// Slacks used (elastic mode).
    pub slacks: Vec<Slack>,
    /// Variables in the model.
    pub variables: usize,
    /// Constraints in the model.
    pub constraints: usize,
    /// Integer variables.
    pub integers: usize,
    /// Wall time of the solver, s.
    pub solve_s: f64,
    /// Gap to the solver's best bound when a limit stopped the search (None otherwise).
    pub limit_gap: Option<f64>,
    /// How the model reached microlp (`scaled` or `as written`); None with HiGHS.
    pub model_form: Option<&'static str>,
}

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SolverSettings {
    /// Backend.
    pub backend: Backend,
    /// Relative MIP gap.
    pub mip_gap: f64,
    /// Time limit, s.
    pub time_limit_s: f64,
    /// Branch-and-bound node limit (microlp), deterministic; None: none.
    pub node_limit: Option<u64>,
}

/// Which constraint an elastic slack belongs to (indices into the scenario and data).
#[derive(Debug, Clone, Copy)]
enum SlackKind {
    /// Budget total.
    Budget,
    /// Budget cap of a quarter index.
    Quarter(usize),
    /// Budget cap of a year (index into `Knobs::per_year`).
    Year(usize),
    /// Minimum share of a group index.
    ShareMin(usize),
    /// Maximum share of a group index.
    ShareMax(usize),
    /// Power of a site index.
    Power(usize),
    /// Supply cap of an option index in a quarter index.
    Supply(usize, usize),
    /// Zone demand index in a quarter index.
    Demand(usize, usize),
    /// Training run of a workload index.
    Training(usize),
}

/// Build and solve the model for `knobs`. The families are added in a fixed order, so the
/// same knobs always give the same variables and constraints in the same order.
pub(crate) fn solve(
    scenario: &Scenario,
    data: &Data,
    knobs: &Knobs,
    settings: SolverSettings,
) -> Result<Solved, PlanError> {
    let mut model = ModelBuilder::new(scenario, data, knobs);
    model.add_procurement();
    model.add_lease_additions();
    model.add_builds();
    model.add_capacity_terms();
    model.add_spend_terms();
    model.add_budget_caps();
    model.add_group_shares();
    model.add_power_and_lead_times();
    model.add_supply_caps();
    model.add_training_placement();
    model.add_serving();
    model.add_pool_capacity();
    model.add_share_target_use();
    let objective = model.objective();
    let run = model.run(&objective, settings)?;
    Ok(model.extract(&run, &objective))
}

/// A solver value with noise (non-finite or below 1e-9 in magnitude) set to zero.
fn clean(value: f64) -> f64 {
    if value.is_finite() && value.abs() > 1e-9 { value } else { 0.0 }
}

/// Weight of a workload under max-served.
fn weight_of(scenario: &Scenario, workload_index: usize) -> f64 {
    match &scenario.workloads[workload_index].spec {
        WorkloadSpec::Chat(c) => c.serving.weight,
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.weight,
        WorkloadSpec::Training(_) => 0.0,
    }
}

/// Price of unserved demand of a workload under an objective (scenario currency per million
/// output tokens for chat, per item otherwise), `None` when it must be served: under
/// `max-margin` the lost revenue (price) plus any explicit penalty; otherwise the explicit
/// `unserved_penalty`, else the price ([`Workload::unserved_price`]).
fn unserved_price(workload: &Workload, objective: ObjectiveKind) -> Option<f64> {
    let penalty = match &workload.spec {
        WorkloadSpec::Chat(c) => c.serving.unserved_penalty,
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.unserved_penalty,
        WorkloadSpec::Training(_) => None,
    };
    match objective {
        ObjectiveKind::MaxMargin => match (workload.price_per_unit(), penalty) {
            (None, None) => None,
            (price, penalty) => Some(price.unwrap_or(0.0) + penalty.unwrap_or(0.0)),
        },
        _ => workload.unserved_price(),
    }
}
