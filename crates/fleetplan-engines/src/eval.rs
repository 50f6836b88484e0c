//! Evaluation of a fixed fleet: per quarter and site, what it costs, what it can serve, whether
//! it meets demand and latency targets, whether it is allowed, and what a token costs.
//!
//! [`evaluate`] runs in four steps (docs/evaluation.md):
//! 1. price every holding with [`fleetplan_models::cost`] and judge it with the export-control
//!    engine in every quarter it is in service;
//! 2. rate every (workload, chip) pair that residency allows with the performance engine at the
//!    workload's SLO (one search per pair, in parallel);
//! 3. per quarter: reserve chips for training runs (on the holdings the fleet marks with
//!    `training`, else on the pool with the most compute), then split the remaining chips of each
//!    (site, chip) pool among the demand that may be served there with a small LP that maximises
//!    served demand (each workload weighted equally as a share of its peak; `allocate`); pairs
//!    that miss the workload's SLO give it no capacity. Coverage, headroom and cost per token
//!    follow;
//! 4. spend per quarter, calendar year and site against the budget, its per-quarter and
//!    per-year caps and its group shares (a build's capex paid during its construction, as the
//!    planner pays it); power per site against
//!    what is built or can be built in time. Every violated constraint becomes a [`Violation`]
//!    with a suggested fix.
//!
//! Idle capacity (`idle`): accelerators of each (site, chip) pool neither reserved for training
//! nor allocated by the serving split at the quarter's peak hour, with their cost; a pool more
//! than [`IDLE_ADVISORY_SHARE`] idle in a quarter gets an advisory (kind `idle`) in
//! [`Evaluation::advisories`], apart from the violated constraints.

mod allocate;
mod budget;
mod holdings;
mod idle;
mod power;
mod quarters;
mod supply;
mod types;
mod workload;

pub use allocate::AllocationError;
pub use idle::IDLE_ADVISORY_SHARE;
pub use types::*;

use crate::rating::{
    PricedChips, RateCandidate, RateTable, TrainingPlan, TrainingProblem, plan_training, rate_table, unit_costs,
};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::Scenario;
use fleetplan_models::cost::{CostError, Fx};
use fleetplan_models::demand;
use quarters::{Fleet, ServedQuarters};

/// Why an evaluation could not be made (problems of the fleet itself become [`Violation`]s).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The scenario has no fixed fleet to evaluate.
    #[error("the scenario has no [[fleet]] holdings to evaluate; add [[fleet]] entries (or use the planner)")]
    NoFleet,
    /// The catalog lists no scale-out network fabric to price a holding's network with.
    #[error("the catalog has no network fabric")]
    NoFabric,
    /// A cost could not be computed.
    #[error(transparent)]
    Cost(#[from] CostError),
    /// The serving-allocation LP failed (a bug: it always has the zero solution).
    #[error(transparent)]
    Solver(#[from] AllocationError),
}

/// Evaluate the scenario's fixed fleet against its workloads, budget and policy.
pub fn evaluate(scenario: &Scenario, catalog: &Catalog) -> Result<Evaluation, EvalError> {
    if scenario.fleet.is_empty() {
        return Err(EvalError::NoFleet);
    }
    evaluate_with_searches(scenario, catalog, fleet_rates(scenario, catalog), None)
}

/// The rates [`evaluate`] searches for the fleet: every (workload, chip) pair that the fleet's
/// (site, chip) pools may serve, at the workload's SLO. This is the expensive part of an
/// evaluation; it depends on the workloads' models, precisions, request shapes, SLOs and
/// engines, on the sites' regions, the fleet's chips and the catalog's performance data, and on
/// nothing priced, demanded or judged (a sweep computes it once and reuses it, `crate::sweep`).
pub fn fleet_rates(scenario: &Scenario, catalog: &Catalog) -> RateTable {
    let mut pools: Vec<(&fleetplan_core::catalog::RegionId, &fleetplan_core::catalog::ChipId)> = Vec::new();
    for held in &scenario.fleet {
        let pool = (&scenario[&held.site].region, &held.hardware.chip);
        if !pools.contains(&pool) {
            pools.push(pool);
        }
    }
    let candidates: Vec<RateCandidate<'_>> =
        pools.into_iter().map(|(site_region, chip)| RateCandidate { site_region, chip }).collect();
    rate_table(scenario, catalog, &candidates)
}

/// The training plan [`evaluate`] searches for the fleet: where each training run goes and when
/// it finishes (the training-layout searches). It depends on the training workloads, the
/// fleet's pools and the catalog's performance data, not on prices, serving demand or policy.
pub fn fleet_training(scenario: &Scenario, catalog: &Catalog) -> Result<TrainingPlan, EvalError> {
    let horizon = scenario.horizon();
    let holdings = holdings::price_and_judge(scenario, catalog, &horizon, &mut Vec::new())?;
    let pools = quarters::chip_pools(scenario, &holdings, &horizon);
    Ok(plan_training(scenario, catalog, &pools, &horizon))
}

/// [`evaluate`] with the expensive searches given instead of made: `rates` must hold the pairs
/// [`fleet_rates`] finds for this scenario's fleet, and `training` (when given) be
/// [`fleet_training`]'s plan for it (a sweep passes the nominal scenario's, the rates scaled by
/// each sample's throughput factors); `None` searches the training plan here.
pub fn evaluate_with_searches(
    scenario: &Scenario,
    catalog: &Catalog,
    rates: RateTable,
    training: Option<TrainingPlan>,
) -> Result<Evaluation, EvalError> {
    if scenario.fleet.is_empty() {
        return Err(EvalError::NoFleet);
    }
    let fx = Fx::new(&scenario.currency, scenario.currency_per_usd);
    let horizon = scenario.horizon();
    let mut violations = Vec::new();

    // 1. Holdings: cost and compliance; the (site, chip) pools they form.
    let holdings = holdings::price_and_judge(scenario, catalog, &horizon, &mut violations)?;
    let pools = quarters::chip_pools(scenario, &holdings, &horizon);

    // 2. Demand and rates.
    let demand = demand::serving_demand(&scenario.workloads, catalog, scenario.start, scenario.quarters);
    flag_latency_misses(&rates, &mut violations);

    // 3. Per quarter: training, then serving.
    let training = training.unwrap_or_else(|| plan_training(scenario, catalog, &pools, &horizon));
    violations.extend(training.problems.iter().map(training_violation));
    let fleet = Fleet {
        scenario,
        catalog,
        holdings: &holdings,
        pools: &pools,
        rates: &rates,
        training: &training.runs,
        demand: &demand,
        fx: &fx,
    };
    let ServedQuarters { mut quarters, workloads, idle } = quarters::serve_quarters(&fleet, &horizon, &mut violations)?;
    let advisories = idle::advisories(&idle, &fx.currency);

    // 4. Supply, power, spend, budget.
    supply::supply_caps(scenario, &horizon, &mut violations);
    let sites = power::site_quarters(scenario, catalog, &holdings, &horizon, &fx, &mut violations)?;
    let spend = budget::spend(scenario, &holdings, &sites, &horizon, &fx, &mut violations);
    add_power_and_spend(&mut quarters, &sites, &spend);
    let yearly = budget::yearly_tco(&holdings, &sites, &horizon, &fx);
    let unit_costs = unit_costs(&rates, holdings.iter().map(HoldingEval::priced_chips), &fx);
    violations.sort_by(|a, b| (a.quarter, a.kind, &a.subject).cmp(&(b.quarter, b.kind, &b.subject)));
    Ok(Evaluation {
        scenario: scenario.name.clone(),
        currency: fx.currency.clone(),
        currency_per_usd: fx.per_usd,
        capacity: scenario.capacity,
        quarters,
        holdings,
        sites,
        workloads,
        training: training.runs,
        rates: rates.into_values().collect(),
        unit_costs,
        spend_by_year: budget::by_year(&spend.by_quarter),
        spend,
        yearly,
        violations,
        idle,
        advisories,
    })
}

/// Fill in each quarter's IT load, built power and spend.
fn add_power_and_spend(quarters: &mut [QuarterSummary], sites: &[SiteQuarter], spend: &SpendReport) {
    for summary in quarters {
        let in_quarter = sites.iter().filter(|s| s.quarter == summary.quarter);
        summary.it_mw = in_quarter.clone().map(|s| s.it_mw).sum();
        summary.available_mw = in_quarter.map(|s| s.available_mw).sum();
        summary.spend =
            spend.by_quarter.iter().find(|s| s.quarter == summary.quarter).map(|s| s.total()).unwrap_or(0.0);
    }
}

impl HoldingEval {
    /// The holding's chips, site and TCO, for unit costs.
    fn priced_chips(&self) -> PricedChips<'_> {
        PricedChips {
            chip: &self.chip,
            site: &self.site,
            accelerators: self.accelerators,
            usd_per_accelerator_hour: self.usd_per_accelerator_hour,
        }
    }
}

/// A latency violation for every rated pair with a problem (it gives its workload no capacity).
fn flag_latency_misses(rates: &RateTable, violations: &mut Vec<Violation>) {
    for rate in rates.values() {
        if let Some(problem) = &rate.problem {
            violations.push(Violation {
                kind: ViolationKind::Latency,
                subject: format!("{} on {}", rate.workload, rate.chip),
                quarter: None,
                message: problem.to_string(),
                fix: "serve this workload on another chip, relax its latency target, or pick a smaller model".into(),
            });
        }
    }
}

/// The violation of a training run that cannot be placed or misses its deadline.
fn training_violation(problem: &TrainingProblem) -> Violation {
    Violation {
        kind: ViolationKind::Training,
        subject: problem.workload().to_string(),
        quarter: None,
        message: problem.message(),
        fix: problem.fix(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_messages() {
        assert_eq!(EvalError::NoFabric.to_string(), "the catalog has no network fabric");
        let solver = EvalError::from(AllocationError::from(good_lp::ResolutionError::Infeasible));
        assert_eq!(solver.to_string(), format!("serving allocation LP: {}", good_lp::ResolutionError::Infeasible));
    }

    #[test]
    fn training_problems_become_training_violations() {
        let problem = TrainingProblem::DoesNotFit {
            workload: "pretrain".into(),
            model: "llama".into(),
            pool_accelerators: 8,
            chip: "h100-sxm".into(),
            site: "s1".into(),
        };
        let violation = training_violation(&problem);
        assert_eq!(violation.kind, ViolationKind::Training);
        assert_eq!(violation.subject, "pretrain");
        assert_eq!(violation.message, "`llama` does not fit on the 8 `h100-sxm` at `s1`");
        assert_eq!(violation.fix, "hold more chips with more memory at one site");
    }
}
