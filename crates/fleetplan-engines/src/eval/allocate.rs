//! Serving allocation of one quarter: an LP that splits the free chips of every (site, chip)
//! pool among the demand that may be served there, maximising served demand.
//!
//! Variables: `u[d, p]`, the share of workload `w(d)`'s quarter peak that pool `p` serves for
//! the (workload, user region) demand `d` (accelerators = `u · peak_w / rate`). Constraints:
//! a pool gives at most its free accelerators; a demand is served at most up to its peak.
//! Objective: maximise `Σ u` — every workload weighs the same, as a share of its own peak — with
//! a tie-breaker that prefers, among equally good splits, the one using the fewest accelerators
//! (relative to all free accelerators, weight [`TIE_ACCELERATORS`]), so unused chips stay idle as
//! headroom. Pairs that miss the workload's SLO (a [`Rate`](crate::rating::Rate) with a `problem`) get no variable:
//! they give that workload no capacity.

use crate::rating::RateTable;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, WorkloadSpec};
use fleetplan_models::demand::{RegionDemand, may_serve};
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, variable};
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
    pub chips: BTreeMap<(String, String, String, String), f64>,
    /// (site, chip) → accelerators left idle.
    pub idle: BTreeMap<(String, String), u64>,
}

/// Split the free chips among the quarter's demand optimally (see the module docs).
pub(crate) fn allocate(
    scenario: &Scenario,
    catalog: &Catalog,
    demand: &[&RegionDemand],
    free: &BTreeMap<(String, String), f64>,
    rates: &RateTable,
) -> Result<ServingSplit, AllocationError> {
    // Peak per workload in this quarter (the unit of the objective).
    let mut workload_peak: BTreeMap<&str, f64> = BTreeMap::new();
    for d in demand {
        *workload_peak.entry(d.workload.as_str()).or_default() += d.peak_per_s.max(0.0);
    }
    let total_free: f64 = free.values().sum::<f64>().max(1.0);
    let mut pv = ProblemVariables::new();
    // (demand index, pool key, variable, accelerators per unit of u)
    let mut vars = Vec::new();
    for (di, d) in demand.iter().enumerate() {
        if d.peak_per_s <= 0.0 {
            continue;
        }
        let Some(w) = scenario.workloads.iter().find(|w| w.id == d.workload) else { continue };
        let cross_border = match &w.spec {
            WorkloadSpec::Chat(c) => c.serving.cross_border,
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.cross_border,
            WorkloadSpec::Training(_) => continue,
        };
        let Ok(user_region) = catalog.region(&d.region) else { continue };
        let peak_w = workload_peak[d.workload.as_str()];
        for (key, n) in free {
            if *n <= 0.0 {
                continue;
            }
            let Some(r) = rates.get(&(w.id.clone(), key.1.clone())) else { continue };
            let Some(site) = scenario.site(&key.0) else { continue };
            let Ok(site_region) = catalog.region(&site.region) else { continue };
            if !r.usable() || !may_serve(user_region, site_region, cross_border) {
                continue;
            }
            let v = pv.add(variable().min(0.0));
            vars.push((di, key, v, peak_w / r.per_chip_per_s));
        }
    }
    let mut alloc = ServingSplit::default();
    if !vars.is_empty() {
        let mut objective = Expression::from(0.0);
        for (_, _, v, per) in &vars {
            objective.add_mul(1.0 - TIE_ACCELERATORS * per / total_free, *v);
        }
        let mut model = pv.maximise(objective).using(good_lp::microlp);
        for (di, d) in demand.iter().enumerate() {
            let mut e = Expression::from(0.0);
            let mut any = false;
            for (_, _, v, _) in vars.iter().filter(|x| x.0 == di) {
                e.add_mul(1.0, *v);
                any = true;
            }
            if any {
                model = model.with(e.leq(d.peak_per_s / workload_peak[d.workload.as_str()]));
            }
        }
        for (key, n) in free {
            let mut e = Expression::from(0.0);
            let mut any = false;
            for (_, _, v, per) in vars.iter().filter(|x| x.1 == key) {
                e.add_mul(*per, *v);
                any = true;
            }
            if any {
                model = model.with(e.leq(*n));
            }
        }
        let sol = model.solve()?;
        for (di, key, v, per) in &vars {
            let x = sol.value(*v) * per;
            if x.is_finite() && x > 1e-9 {
                let d = demand[*di];
                alloc.chips.insert((d.workload.clone(), d.region.clone(), key.0.clone(), key.1.clone()), x);
            }
        }
    }
    let mut used: BTreeMap<(String, String), f64> = BTreeMap::new();
    for ((_, _, site, chip), n) in &alloc.chips {
        *used.entry((site.clone(), chip.clone())).or_default() += n;
    }
    for (pool, have) in free {
        let u = used.get(pool).copied().unwrap_or(0.0).min(*have);
        alloc.idle.insert(pool.clone(), (have - u).max(0.0).floor() as u64);
    }
    Ok(alloc)
}
