//! Robust plans (docs/planner.md, "Robust plans"): one set of purchases, leases and builds that
//! serves demand in at least a chosen share (the quantile) of K sampled futures.
//!
//! Sample-average approximation with scenario addition:
//! 1. the nominal plan ([`super::plan`] on the unsampled scenario: the median future) fixes the
//!    training placement and gives the cost the robust plan is compared with;
//! 2. the model ([`super::model::solve_futures`]) shares the first-stage decisions (counts
//!    bought and leased per line and quarter, builds) across the futures in its set, priced at
//!    their expected prices over all K futures, and gives every future in the set its own
//!    serving allocation with its own demand and rates (throughput factor per chip); every
//!    future in the set is served in full, and may not hold what its export controls forbid;
//! 3. the set starts with the nominal future only; each round the plan (rounded to whole units)
//!    is evaluated in every future by the evaluator, and while fewer than ⌈q·K⌉ futures are
//!    served, the failing futures closest to being served (least total shortfall; futures the
//!    plan is unlawful in last) are added, as many as are missing; after a batch leaves no
//!    feasible model (or microlp fails on it) futures are added one at a time, and a single
//!    future that does so is left out; an in-set future the evaluator finds short (whole-unit
//!    rounding, linearised network cost) has its short demand inflated, as the planner's repair
//!    does, at most [`super::MAX_REPAIRS`] times; the loop stops early once ⌈q·K⌉ is out of
//!    reach (more futures left out than the quantile allows);
//! 4. the served share is the evaluator's, never the model's.
//!
//! The hardest futures are thus the ones never added.

mod check;
mod data;

pub use check::SERVED_MIN;

use super::data::{self as plan_data, Data};
use super::model::{Knobs, SolverSettings, solve_futures};
use super::{Plan, PlanError, PlanOptions, SolverError, assemble, plan};
use crate::eval::EvalError;
use check::Checked;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::Scenario;
use fleetplan_core::uncertainty::{Sampled, UncertaintyError, UncertaintyModel};
use serde::Serialize;
use std::collections::BTreeMap;

/// Most futures `--robust` takes: the model grows by one serving block per future in the set,
/// and every round evaluates the plan in every future.
pub const MAX_FUTURES: usize = 500;

/// Default share of futures a robust plan serves.
pub const DEFAULT_QUANTILE: f64 = 0.9;

/// Settings of a robust plan.
#[derive(Debug, Clone, Copy)]
pub struct RobustOptions {
    /// Share of the futures the plan must serve, in (0, 1].
    pub quantile: f64,
    /// The seed the futures were drawn with (reported).
    pub seed: u64,
    /// Planner settings for every solve.
    pub plan: PlanOptions,
}

/// Why no robust plan could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RobustError {
    /// Zero futures.
    #[error("--robust 0: a robust plan needs at least 1 sampled future (e.g. --robust 20)")]
    NoFutures,
    /// More futures than [`MAX_FUTURES`].
    #[error(
        "--robust {given}: at most {MAX_FUTURES} futures (each adds a serving block to the model and an evaluation per round)"
    )]
    TooManyFutures {
        /// Futures asked for.
        given: usize,
    },
    /// A quantile outside (0, 1].
    #[error("--quantile {given}: must be a share in (0, 1], e.g. 0.9 to serve 90 % of the futures")]
    Quantile {
        /// The value given (as written).
        given: String,
    },
    /// The nominal scenario has no feasible plan, so no future can anchor the robust one.
    #[error(
        "the scenario is infeasible as written (no plan serves even its nominal future); run `fleetplan optimize` without --robust to see the smallest relaxation"
    )]
    NominalInfeasible,
    /// The nominal future cannot be served in full.
    #[error(
        "the nominal future cannot be served in full within the budget, power and supply limits: a robust plan serves every workload's demand (an unserved price does not let it leave demand out); `fleetplan optimize` without --robust shows what a single plan leaves out"
    )]
    NominalUnserved,
    /// A future's data differs in structure from the nominal one (a sampled value removed a
    /// line, pool, zone or training candidate).
    #[error("future {future}: its {what} differ from the nominal scenario's, which a shared plan needs")]
    Mismatch {
        /// Sampled number (from 1).
        future: usize,
        /// What differs.
        what: &'static str,
    },
    /// The uncertainty model of the scenario cannot be built or applied.
    #[error(transparent)]
    Uncertainty(#[from] UncertaintyError),
    /// The planner failed.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl From<EvalError> for RobustError {
    fn from(e: EvalError) -> Self {
        RobustError::Plan(PlanError::Eval(e))
    }
}

/// K futures of `scenario`: its uncertainty model (the `[uncertainty]` section and the
/// catalog's default distributions) drawn with `seed` and applied (docs/uncertainty.md).
pub fn draw_futures(
    scenario: &Scenario,
    catalog: &Catalog,
    seed: u64,
    futures: usize,
) -> Result<Vec<Sampled>, RobustError> {
    check_settings(futures, DEFAULT_QUANTILE)?;
    let model = UncertaintyModel::from_scenario(scenario, catalog)?;
    model.draw(seed, futures).iter().map(|row| Ok(model.apply(row, scenario, catalog)?)).collect()
}

/// Check the number of futures and the quantile.
pub fn check_settings(futures: usize, quantile: f64) -> Result<(), RobustError> {
    if futures == 0 {
        return Err(RobustError::NoFutures);
    }
    if futures > MAX_FUTURES {
        return Err(RobustError::TooManyFutures { given: futures });
    }
    if !(quantile.is_finite() && quantile > 0.0 && quantile <= 1.0) {
        return Err(RobustError::Quantile { given: fleetplan_core::format::given(quantile) });
    }
    Ok(())
}

/// How a robust plan does in one future, by the evaluator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FutureOutcome {
    /// Sampled number, from 1 (the order drawn).
    pub future: usize,
    /// Whether every serving workload gets at least [`SERVED_MIN`] of its peak in every quarter
    /// and the future's export controls allow every holding of the plan.
    pub served: bool,
    /// Lowest served share of peak demand over workloads and quarters (0–1).
    pub lowest_served: f64,
    /// Why the future is not served: where the lowest share is ("workload in quarter"), else
    /// its export-control violations.
    pub lowest_at: Option<String>,
    /// Export-control violations of the plan's holdings in this future (a licence sampled as
    /// not granted); a future with any is not served.
    pub forbidden: usize,
    /// Sum over workload-quarters of the share of peak demand not served.
    pub shortfall: f64,
    /// Whether the model served this future explicitly (it was in the set).
    pub in_model: bool,
    /// Why this future was left out of the model, when it was: `infeasible` (adding it left no
    /// feasible model) or `solver failure` (microlp failed numerically on the model with it).
    pub left_out: Option<&'static str>,
    /// The evaluator's cash spend of the plan in this future (its prices), scenario currency.
    pub spend: f64,
    /// Violations the evaluator finds in this future.
    pub violations: usize,
}

/// A robust plan and how it does.
#[derive(Debug, Clone, Serialize)]
pub struct RobustPlan {
    /// The plan: first-stage decisions, spend and economic cost at the expected prices, served
    /// shares, allocation and evaluator check for the nominal future.
    #[serde(flatten)]
    pub plan: Plan,
    /// The robustness report.
    pub robust: RobustReport,
}

/// What robustness serves and costs.
#[derive(Debug, Clone, Serialize)]
pub struct RobustReport {
    /// Futures sampled (K).
    pub futures: usize,
    /// Share of futures asked for.
    pub quantile: f64,
    /// Futures the plan must serve, ⌈q·K⌉.
    pub required: usize,
    /// Seed of the draw.
    pub seed: u64,
    /// Futures the robust plan serves (evaluator).
    pub served: usize,
    /// Share of futures served, 0–1.
    pub served_share: f64,
    /// Futures the nominal plan serves (evaluator).
    pub nominal_served: usize,
    /// Economic cost of the robust plan at nominal prices, scenario currency.
    pub robust_cost: f64,
    /// Economic cost of the robust plan at the expected prices over the futures.
    pub expected_cost: f64,
    /// Economic cost of the nominal plan (the plan for the median future).
    pub nominal_cost: f64,
    /// Robust cost − nominal cost, scenario currency (both at nominal prices).
    pub cost_of_robustness: f64,
    /// Cost of robustness as a percentage of the nominal cost.
    pub cost_of_robustness_pct: f64,
    /// Rounds of the scenario-addition loop (solves of the sample-average model).
    pub rounds: usize,
    /// Futures in the final model besides the nominal one.
    pub futures_in_model: usize,
    /// Demand-inflation repairs made.
    pub repairs: usize,
    /// Seconds for everything.
    pub total_s: f64,
    /// Each future's outcome.
    pub outcomes: Vec<FutureOutcome>,
}

/// Plan `nominal` robustly over `futures` (docs/planner.md, "Robust plans").
pub fn plan_robust(
    nominal: &Scenario,
    catalog: &Catalog,
    futures: &[Sampled],
    options: &RobustOptions,
) -> Result<RobustPlan, RobustError> {
    check_settings(futures.len(), options.quantile)?;
    let started = std::time::Instant::now();
    let objective = options.plan.objective.unwrap_or(nominal.objective);
    let nominal_plan = plan(nominal, catalog, &PlanOptions { explain: false, ..options.plan })?;
    if !nominal_plan.feasible {
        return Err(RobustError::NominalInfeasible);
    }
    let nominal_data = plan_data::build(nominal, catalog)?;
    let data = data::future_data(&nominal_data, futures)?;
    let first = data::expected_prices(&nominal_data, &data);
    let mut knobs = Knobs::of(nominal, &nominal_data, objective);
    knobs.fixed_train = Some(training_of(nominal, &nominal_data, &nominal_plan));
    let settings = SolverSettings {
        backend: options.plan.backend,
        mip_gap: options.plan.mip_gap,
        time_limit_s: options.plan.time_limit_s,
        node_limit: options.plan.node_limit,
    };
    let nominal_future =
        Sampled { scenario: nominal.clone(), catalog: catalog.clone(), throughput_factor: BTreeMap::new() };
    let mut search = Search {
        nominal,
        first: &first,
        nominal_data: &nominal_data,
        serving_nominal: nominal_data.clone(),
        data,
        knobs,
        settings,
        futures,
        nominal_future: &nominal_future,
        required: ((options.quantile * futures.len() as f64) - 1e-9).ceil().max(1.0) as usize,
        rates: check::rate_cache(futures.len()),
        nominal_rates: std::sync::Mutex::new(None),
    };
    let found = search.run()?;
    let nominal_served =
        check::outcomes(futures, &nominal_plan.holdings, &search.rates)?.iter().filter(|c| c.outcome.served).count();
    let run = assemble::Run { objective, settings, started, solves: found.rounds, feasible: true };
    let mut p = assemble::assemble(nominal, &first, &found.solved.solved, &run);
    p.solver.path = "robust";
    super::attach_evaluation(&mut p, found.nominal_evaluation);
    let served = found.outcomes.iter().filter(|o| o.served).count();
    let robust_cost = found.solved.cost_at_other_prices;
    let nominal_cost = nominal_plan.economic_cost;
    let robust = RobustReport {
        futures: futures.len(),
        quantile: options.quantile,
        required: search.required,
        seed: options.seed,
        served,
        served_share: served as f64 / futures.len() as f64,
        nominal_served,
        robust_cost,
        expected_cost: found.solved.solved.cost_total,
        nominal_cost,
        cost_of_robustness: robust_cost - nominal_cost,
        cost_of_robustness_pct: if nominal_cost.abs() > 0.0 {
            100.0 * (robust_cost - nominal_cost) / nominal_cost
        } else {
            0.0
        },
        rounds: found.rounds,
        futures_in_model: found.outcomes.iter().filter(|o| o.in_model).count(),
        repairs: found.repairs,
        total_s: started.elapsed().as_secs_f64(),
        outcomes: found.outcomes,
    };
    p.solver.total_s = robust.total_s;
    Ok(RobustPlan { plan: p, robust })
}

/// The nominal plan's training placement as fixed values of the training binaries.
fn training_of(scenario: &Scenario, data: &Data, nominal: &Plan) -> Vec<f64> {
    data.train
        .iter()
        .map(|candidate| {
            let workload = scenario.workload_id(candidate.workload);
            let site = scenario.site_id(candidate.pool.site);
            let placed = nominal.training.iter().any(|t| {
                t.workload == workload.as_str() && t.site == site.as_str() && t.chip == candidate.pool.chip.as_str()
            });
            if placed { 1.0 } else { 0.0 }
        })
        .collect()
}

/// The scenario-addition loop's state (module docs, step 3).
struct Search<'a> {
    /// The nominal scenario.
    nominal: &'a Scenario,
    /// First-stage data (expected prices).
    first: &'a Data,
    /// Nominal data (nominal prices).
    nominal_data: &'a Data,
    /// The nominal future's serving data (its demand inflated by repairs).
    serving_nominal: Data,
    /// Each future's data (demand inflated by repairs).
    data: Vec<Data>,
    /// Knobs of every solve (training fixed).
    knobs: Knobs,
    /// Solver settings.
    settings: SolverSettings,
    /// The futures.
    futures: &'a [Sampled],
    /// The nominal scenario as a future.
    nominal_future: &'a Sampled,
    /// Futures the plan must serve.
    required: usize,
    /// Each future's rate table for the last fleet evaluated.
    rates: check::RateCache,
    /// The nominal future's.
    nominal_rates: check::CachedRates,
}

/// One solve of the loop and the evaluator's verdicts on its plan.
struct Round {
    /// The solve.
    solved: super::model::FuturesSolved,
    /// Each future's check.
    checks: Vec<Checked>,
    /// The nominal future's check.
    nominal_check: Checked,
    /// The nominal future's evaluation.
    nominal_evaluation: crate::eval::Evaluation,
}

/// What the loop ends with.
struct Found {
    /// The last solve.
    solved: super::model::FuturesSolved,
    /// Each future's outcome under it.
    outcomes: Vec<FutureOutcome>,
    /// The evaluator's check of the plan in the nominal future.
    nominal_evaluation: crate::eval::Evaluation,
    /// Solves made.
    rounds: usize,
    /// Repairs made.
    repairs: usize,
}

impl Search<'_> {
    /// Run the loop until ⌈q·K⌉ futures are served or nothing more can be added or repaired.
    fn run(&mut self) -> Result<Found, RobustError> {
        let k = self.futures.len();
        let mut in_model = vec![false; k];
        let mut left_out: Vec<Option<&'static str>> = vec![None; k];
        let (mut solves, mut repairs, mut one_at_a_time) = (1, 0, false);
        let first = self.solve(&in_model).map_err(|e| match e {
            PlanError::Infeasible => RobustError::NominalUnserved,
            other => other.into(),
        })?;
        let mut round = self.check(first)?;
        while solves <= k + 2 * super::MAX_REPAIRS + 2 {
            let repaired = repairs < super::MAX_REPAIRS && self.repair(&round, &in_model);
            repairs += usize::from(repaired);
            let served = round.checks.iter().filter(|c| c.outcome.served).count();
            // Out of reach: even if every future not left out were served, too few would be.
            let lost =
                round.checks.iter().filter(|c| !c.outcome.served && left_out[c.outcome.future - 1].is_some()).count();
            if k - lost < self.required {
                break;
            }
            let mut added: Vec<usize> = Vec::new();
            if served < self.required {
                let want = if one_at_a_time { 1 } else { self.required - served };
                let mut addable: Vec<&Checked> = round
                    .checks
                    .iter()
                    .filter(|c| {
                        !c.outcome.served && !in_model[c.outcome.future - 1] && left_out[c.outcome.future - 1].is_none()
                    })
                    .collect();
                // Closest to served first; a future the plan's holdings are unlawful in needs
                // another plan, not more of this one: those last.
                addable.sort_by(|a, b| {
                    (a.outcome.forbidden > 0, a.outcome.shortfall)
                        .partial_cmp(&(b.outcome.forbidden > 0, b.outcome.shortfall))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                added = addable.iter().take(want).map(|c| c.outcome.future - 1).collect();
            }
            if !repaired && added.is_empty() {
                break;
            }
            for &future in &added {
                in_model[future] = true;
            }
            solves += 1;
            match self.solve(&in_model) {
                Ok(solved) => round = self.check(solved)?,
                // A single future that leaves no feasible model is left out; a batch is taken
                // back and its futures are then added one at a time. The last round stands.
                // A numerical failure of the backend (microlp's "Singular matrix") is answered
                // the same way: the futures that led to it are taken back or left out.
                Err(e @ (PlanError::Infeasible | PlanError::Solver(SolverError::Backend(_)))) => {
                    for &future in &added {
                        in_model[future] = false;
                    }
                    let why = if e == PlanError::Infeasible { "infeasible" } else { "solver failure" };
                    match added[..] {
                        [single] => left_out[single] = Some(why),
                        [] => repairs = super::MAX_REPAIRS,
                        _ => one_at_a_time = true,
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let Round { solved, mut checks, nominal_evaluation, .. } = round;
        for c in &mut checks {
            c.outcome.in_model = in_model[c.outcome.future - 1];
            c.outcome.left_out = left_out[c.outcome.future - 1];
        }
        let outcomes = checks.into_iter().map(|c| c.outcome).collect();
        Ok(Found { solved, outcomes, nominal_evaluation, rounds: solves, repairs })
    }

    /// The rounded plan of a solution evaluated in the nominal future and in every future.
    fn check(&self, solved: super::model::FuturesSolved) -> Result<Round, RobustError> {
        let fleet = assemble::scenario_with_holdings(self.nominal, self.first, &solved.solved).fleet;
        let nominal_evaluation = check::evaluate_in(self.nominal_future, &fleet, &self.nominal_rates)?;
        let nominal_check = check::checked(0, self.nominal, &nominal_evaluation);
        let checks = check::outcomes(self.futures, &fleet, &self.rates)?;
        Ok(Round { solved, checks, nominal_check, nominal_evaluation })
    }

    /// Solve the model over the nominal future and the futures in the set.
    fn solve(&self, in_model: &[bool]) -> Result<super::model::FuturesSolved, PlanError> {
        let serving: Vec<&Data> = std::iter::once(&self.serving_nominal)
            .chain(self.data.iter().zip(in_model).filter(|(_, m)| **m).map(|(d, _)| d))
            .collect();
        solve_futures(self.nominal, self.first, self.nominal_data, &serving, &self.knobs, self.settings)
    }

    /// Inflate the short demand of every future in the model (and the nominal one) that the
    /// evaluator finds short: each short workload-quarter's peak by 1 / served share (at least
    /// 1 %, at most 50 %). Whether anything was inflated.
    fn repair(&mut self, round: &Round, in_model: &[bool]) -> bool {
        let mut any = false;
        any |= inflate(self.nominal, &mut self.serving_nominal, &round.nominal_check.short);
        for (index, c) in round.checks.iter().enumerate() {
            if in_model[index] {
                any |= inflate(self.nominal, &mut self.data[index], &c.short);
            }
        }
        any
    }
}

/// Inflate the peaks of `short` workload-quarters in `data` (see [`Search::repair`]).
fn inflate(scenario: &Scenario, data: &mut Data, short: &[(String, usize, f64)]) -> bool {
    let mut any = false;
    for (workload, quarter, served) in short {
        let Some(index) = scenario.workloads.iter().position(|w| w.id == *workload) else { continue };
        let factor = (1.0 / served.max(1e-9)).clamp(1.01, 1.5);
        for zone in data.demands.iter_mut().filter(|z| z.workload == index) {
            if let Some(peak) = zone.peak.get_mut(*quarter) {
                *peak *= factor;
                any = true;
            }
        }
    }
    any
}
