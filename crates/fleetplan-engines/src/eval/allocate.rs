//! Serving allocation of one quarter: an LP that splits the free chips of every (site, chip)
//! pool among the demand that may be served there, maximising served demand.
//!
//! Variables: `u[d, p]`, the share of workload `w(d)`'s quarter peak that pool `p` serves for
//! the (workload, user region) demand `d` (accelerators = `u · peak_w / rate`). Constraints:
//! a pool gives at most its free accelerators; a demand is served at most up to its peak.
//! Objective: maximise `Σ v_w · u` — with `v_w` the value of serving workload `w`'s whole peak
//! where the scenario prices its unserved demand (`unserved_penalty`, else its price, × its mean
//! volume: the planner's unserved cost, so planner and evaluator rank workloads alike in a
//! shortage), scaled so the largest is 1; a workload without a price must be served and weighs
//! more than any priced one (2); without any prices every workload weighs the same, as a share
//! of its own peak — with a tie-breaker that prefers, among equally good splits, the one using the fewest accelerators
//! (relative to all free accelerators, weight [`TIE_ACCELERATORS`]), so unused chips stay idle as
//! headroom. Pairs that miss the workload's SLO (a [`Rate`](crate::rating::Rate) with a `problem`) get no variable:
//! they give that workload no capacity.

use crate::rating::RateTable;
use fleetplan_core::catalog::{Catalog, ChipId, RegionId};
use fleetplan_core::scenario::{Scenario, SiteId, WorkloadSpec};
use fleetplan_models::demand::{RegionDemand, may_serve};
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};
use std::collections::BTreeMap;

/// Weight of the accelerator-count tie-breaker against one workload's whole peak.
const TIE_ACCELERATORS: f64 = 1e-6;

/// Why the serving allocation could not be made (a bug: the LP always has the zero solution).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocationError {
    /// The LP solver failed.
    #[error("serving allocation LP: {0}")]
    Solver(#[from] good_lp::ResolutionError),
}

/// Serving split of one quarter: which pools serve which demand, and what stays idle.
#[derive(Debug, Default)]
pub(crate) struct ServingSplit {
    /// (workload, user region, site, chip) → accelerators allocated.
    pub chips: ChipsByDemandAndPool,
    /// (site, chip) → accelerators left idle.
    pub idle: BTreeMap<(SiteId, ChipId), u64>,
}

/// (site, chip) pool → accelerators.
pub(super) type ChipsByPool = BTreeMap<(SiteId, ChipId), f64>;

/// (site, chip) pool → accelerators free for serving (ordered by site id, then chip id).
pub(super) type FreeChips = BTreeMap<(SiteId, ChipId), f64>;

/// (workload id, user region, site, chip) → accelerators.
pub(super) type ChipsByDemandAndPool = BTreeMap<(String, RegionId, SiteId, ChipId), f64>;

/// One LP variable: the share of a workload's quarter peak that one pool serves for one demand.
struct ServingVariable<'a> {
    /// Index of the (workload, user region) demand served.
    demand_index: usize,
    /// (site, chip) pool serving it.
    pool: &'a (SiteId, ChipId),
    /// The LP variable.
    variable: Variable,
    /// Accelerators of the pool per unit of the variable (the workload's peak / per-chip rate).
    accelerators_per_share: f64,
}

/// Split the free chips among the quarter's demand optimally (see the module docs).
pub(crate) fn allocate(
    scenario: &Scenario,
    catalog: &Catalog,
    demand: &[&RegionDemand],
    free: &FreeChips,
    rates: &RateTable,
) -> Result<ServingSplit, AllocationError> {
    // Peak per workload in this quarter (the unit of the objective).
    let mut workload_peak: BTreeMap<&str, f64> = BTreeMap::new();
    for region_demand in demand {
        *workload_peak.entry(region_demand.workload.as_str()).or_default() += region_demand.peak_per_s.max(0.0);
    }
    let mut problem = ProblemVariables::new();
    let variables = serving_variables(scenario, catalog, demand, free, rates, &workload_peak, &mut problem);
    let value = workload_values(scenario, demand);
    let mut split = ServingSplit::default();
    if !variables.is_empty() {
        split.chips = solve(problem, &variables, demand, free, &workload_peak, &value)?;
    }
    let mut used: ChipsByPool = BTreeMap::new();
    for ((_, _, site, chip), accelerators) in &split.chips {
        *used.entry((site.clone(), chip.clone())).or_default() += accelerators;
    }
    for (pool, have) in free {
        let used_chips = used.get(pool).copied().unwrap_or(0.0).min(*have);
        split.idle.insert(pool.clone(), (have - used_chips).max(0.0).floor() as u64);
    }
    Ok(split)
}

/// Weight of one unit of served share (a workload's whole peak) per workload (see the module
/// docs): the planner's unserved cost of the workload's mean volume, scaled to at most 1; 2 for
/// a workload that must be served; all 1 when no workload has a price.
fn workload_values<'d>(scenario: &Scenario, demand: &[&'d RegionDemand]) -> BTreeMap<&'d str, f64> {
    let mut mean: BTreeMap<&str, f64> = BTreeMap::new();
    for region_demand in demand {
        *mean.entry(region_demand.workload.as_str()).or_default() += region_demand.mean_per_s.max(0.0);
    }
    let priced: BTreeMap<&str, Option<f64>> = mean
        .iter()
        .map(|(id, mean_per_s)| {
            let workload = scenario.workloads.iter().find(|w| w.id == *id);
            let per_unit = if workload.is_some_and(|w| matches!(w.spec, WorkloadSpec::Chat(_))) { 1e-6 } else { 1.0 };
            let value = workload.and_then(|w| w.unserved_price()).map(|price| price * mean_per_s * per_unit);
            (*id, value.filter(|v| v.is_finite() && *v > 0.0))
        })
        .collect();
    let largest = priced.values().flatten().fold(0.0_f64, |a, b| a.max(*b));
    priced
        .into_iter()
        .map(|(id, value)| {
            let weight = match value {
                _ if largest <= 0.0 => 1.0,
                Some(v) => v / largest,
                None => 2.0,
            };
            (id, weight)
        })
        .collect()
}

/// A variable for every (demand, pool) pair with free chips, a usable rate and residency
/// allowing it, in demand then pool order.
fn serving_variables<'a>(
    scenario: &Scenario,
    catalog: &Catalog,
    demand: &[&RegionDemand],
    free: &'a FreeChips,
    rates: &RateTable,
    workload_peak: &BTreeMap<&str, f64>,
    problem: &mut ProblemVariables,
) -> Vec<ServingVariable<'a>> {
    let mut variables = Vec::new();
    for (demand_index, region_demand) in demand.iter().enumerate() {
        if region_demand.peak_per_s <= 0.0 {
            continue;
        }
        let Some(workload) = scenario.workloads.iter().find(|w| w.id == region_demand.workload) else { continue };
        let cross_border = match &workload.spec {
            WorkloadSpec::Chat(c) => c.serving.cross_border,
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.cross_border,
            WorkloadSpec::Training(_) => continue,
        };
        let user_region = &catalog[&region_demand.region];
        let peak = workload_peak[region_demand.workload.as_str()];
        for (pool, free_chips) in free {
            if *free_chips <= 0.0 {
                continue;
            }
            let Some(rate) = rates.get(&(workload.id.clone(), pool.1.to_string())) else { continue };
            let site = &scenario[&pool.0];
            let site_region = &catalog[&site.region];
            if !rate.usable() || !may_serve(user_region, site_region, cross_border) {
                continue;
            }
            let variable = problem.add(variable().min(0.0));
            variables.push(ServingVariable {
                demand_index,
                pool,
                variable,
                accelerators_per_share: peak / rate.per_chip_per_s,
            });
        }
    }
    variables
}

/// Solve the LP: accelerators per (workload, user region, site, chip).
fn solve(
    problem: ProblemVariables,
    variables: &[ServingVariable<'_>],
    demand: &[&RegionDemand],
    free: &FreeChips,
    workload_peak: &BTreeMap<&str, f64>,
    value: &BTreeMap<&str, f64>,
) -> Result<ChipsByDemandAndPool, AllocationError> {
    let total_free: f64 = free.values().sum::<f64>().max(1.0);
    let smallest_value = value.values().copied().fold(1.0_f64, f64::min).max(1e-9);
    let mut objective = Expression::from(0.0);
    for served in variables {
        let weight = value.get(demand[served.demand_index].workload.as_str()).copied().unwrap_or(1.0);
        let tie = TIE_ACCELERATORS * smallest_value * served.accelerators_per_share / total_free;
        objective.add_mul(weight - tie, served.variable);
    }
    let mut model = problem.maximise(objective).using(good_lp::microlp);
    // A demand is served at most up to its peak.
    for (demand_index, region_demand) in demand.iter().enumerate() {
        let mut shares = Expression::from(0.0);
        let mut any = false;
        for served in variables.iter().filter(|v| v.demand_index == demand_index) {
            shares.add_mul(1.0, served.variable);
            any = true;
        }
        if any {
            model = model.with(shares.leq(region_demand.peak_per_s / workload_peak[region_demand.workload.as_str()]));
        }
    }
    // A pool gives at most its free accelerators.
    for (pool, free_chips) in free {
        let mut accelerators = Expression::from(0.0);
        let mut any = false;
        for served in variables.iter().filter(|v| v.pool == pool) {
            accelerators.add_mul(served.accelerators_per_share, served.variable);
            any = true;
        }
        if any {
            model = model.with(accelerators.leq(*free_chips));
        }
    }
    let solution = model.solve()?;
    let mut chips = BTreeMap::new();
    for served in variables {
        let accelerators = solution.value(served.variable) * served.accelerators_per_share;
        if accelerators.is_finite() && accelerators > 1e-9 {
            let region_demand = demand[served.demand_index];
            let (site, chip) = served.pool;
            let key = (region_demand.workload.clone(), region_demand.region.clone(), site.clone(), chip.clone());
            chips.insert(key, accelerators);
        }
    }
    Ok(chips)
}
