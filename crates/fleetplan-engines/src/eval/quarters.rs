//! Step 3 of an evaluation, per quarter: reserve the chips of training runs, split the
//! remaining chips of every (site, chip) pool among the serving demand (`allocate`), and report
//! coverage per workload, with a violation for every user region not fully served.

use super::EvalError;
use super::allocate::{FreeChips, ServingSplit, allocate};
use super::idle;
use super::types::{HoldingEval, PoolIdle, QuarterSummary, TrainingEval, Violation, ViolationKind, WorkloadQuarter};
use super::workload::workload_quarter;
use crate::rating::{ChipPool, RateTable};
use fleetplan_core::catalog::{Catalog, ChipId};
use fleetplan_core::scenario::limits::MAX_ACCELERATORS;
use fleetplan_core::scenario::{Quarter, Scenario, SiteId, WorkloadSpec};
use fleetplan_models::cost::Fx;
use fleetplan_models::demand::RegionDemand;
use std::collections::BTreeMap;

/// Coverage below which a user region counts as not served.
const FULL_COVERAGE: f64 = 0.999;

/// The pools of the fleet: accelerators of each (site, chip) in service per quarter, sorted by
/// site then chip.
pub(super) fn chip_pools(scenario: &Scenario, holdings: &[HoldingEval], horizon: &[Quarter]) -> Vec<ChipPool> {
    let mut pools: BTreeMap<(SiteId, ChipId), ChipPool> = BTreeMap::new();
    for holding in holdings {
        let held = &scenario.fleet[holding.index];
        let pool = pools.entry((held.site.clone(), held.hardware.chip.clone())).or_insert_with(|| ChipPool {
            site: held.site.clone(),
            region: scenario[&held.site].region.clone(),
            chip: held.hardware.chip.clone(),
            accelerators: vec![0; horizon.len()],
        });
        for (quarter_index, quarter) in horizon.iter().enumerate() {
            if holding.from <= *quarter && *quarter <= holding.until {
                pool.accelerators[quarter_index] += holding.accelerators;
            }
        }
    }
    pools.into_values().collect()
}

/// What the fleet is and serves, priced and rated: the inputs of every quarter's serving split.
pub(super) struct Fleet<'a> {
    /// The scenario evaluated.
    pub scenario: &'a Scenario,
    /// The catalog.
    pub catalog: &'a Catalog,
    /// Every holding, priced.
    pub holdings: &'a [HoldingEval],
    /// The (site, chip) pools of the holdings.
    pub pools: &'a [ChipPool],
    /// Rates of the (workload, chip) pairs the pools may serve.
    pub rates: &'a RateTable,
    /// Training runs and the chips they reserve.
    pub training: &'a [TrainingEval],
    /// Serving demand per workload, user region and quarter.
    pub demand: &'a [RegionDemand],
    /// Currency conversion.
    pub fx: &'a Fx,
}

/// Fleet figures and serving workloads of every quarter.
pub(super) struct ServedQuarters {
    /// Fleet-wide figures per quarter (power and spend filled in later).
    pub quarters: Vec<QuarterSummary>,
    /// Every serving workload in every quarter.
    pub workloads: Vec<WorkloadQuarter>,
    /// Idle accelerators per pool and quarter.
    pub idle: Vec<PoolIdle>,
}

/// One quarter's view of the fleet, for the coverage and cost of each workload.
pub(super) struct QuarterView<'a> {
    /// The fleet.
    pub fleet: &'a Fleet<'a>,
    /// The quarter.
    pub quarter: Quarter,
    /// The quarter's demand.
    pub demand: Vec<&'a RegionDemand>,
    /// Chips of each pool left after training.
    pub free: FreeChips,
    /// The serving split of those chips.
    pub split: ServingSplit,
}

impl QuarterView<'_> {
    /// Mean TCO per accelerator-hour (USD) of the holdings of `chip` at `site` in service this
    /// quarter, weighted by accelerators; 0 when there are none.
    pub fn usd_per_accelerator_hour(&self, site: &str, chip: &str) -> f64 {
        crate::fleet::pool_usd_per_accelerator_hour(self.fleet.holdings, site, chip, self.quarter)
    }
}

/// Serve every quarter of the horizon: training first, then the serving split.
pub(super) fn serve_quarters(
    fleet: &Fleet<'_>,
    horizon: &[Quarter],
    violations: &mut Vec<Violation>,
) -> Result<ServedQuarters, EvalError> {
    let mut served =
        ServedQuarters { quarters: Vec::with_capacity(horizon.len()), workloads: Vec::new(), idle: Vec::new() };
    for (quarter_index, quarter) in horizon.iter().enumerate() {
        let free = free_after_training(fleet, quarter_index);
        let demand: Vec<&RegionDemand> = fleet.demand.iter().filter(|d| d.quarter == *quarter).collect();
        let split = allocate(fleet.scenario, fleet.catalog, &demand, &free, fleet.rates)?;
        let view = QuarterView { fleet, quarter: *quarter, demand, free, split };
        for workload in &fleet.scenario.workloads {
            if matches!(workload.spec, WorkloadSpec::Training(_)) {
                continue;
            }
            let workload_quarter = workload_quarter(&view, workload);
            flag_unserved_regions(&workload_quarter, violations);
            served.workloads.push(workload_quarter);
        }
        let pools = idle::pool_idle(&view, quarter_index);
        let accelerators: u64 = fleet.pools.iter().map(|p| p.accelerators[quarter_index]).sum();
        let idle_accelerators: u64 = pools.iter().map(|p| p.idle_accelerators).sum();
        served.quarters.push(QuarterSummary {
            quarter: *quarter,
            accelerators,
            idle_accelerators,
            idle_share: if accelerators > 0 { idle_accelerators as f64 / accelerators as f64 } else { 0.0 },
            idle_cost: pools.iter().map(|p| p.idle_cost).sum(),
            it_mw: 0.0,
            available_mw: 0.0,
            spend: 0.0,
        });
        served.idle.extend(pools);
    }
    Ok(served)
}

/// Chips of each pool in quarter `quarter_index` that training runs leave for serving.
fn free_after_training(fleet: &Fleet<'_>, quarter_index: usize) -> FreeChips {
    let mut free: FreeChips =
        fleet.pools.iter().map(|p| ((p.site.clone(), p.chip.clone()), p.accelerators[quarter_index] as f64)).collect();
    for run in fleet.training {
        if let Some(chips) = run.chips_by_quarter.get(quarter_index)
            && let Some((_, free_chips)) =
                free.iter_mut().find(|((site, chip), _)| *site == run.site && *chip == run.chip)
        {
            *free_chips = (*free_chips - *chips as f64).max(0.0);
        }
    }
    free
}

/// A demand violation for every user region of the workload not fully served at the peak.
fn flag_unserved_regions(served: &WorkloadQuarter, violations: &mut Vec<Violation>) {
    for region in served.regions.iter().filter(|r| r.coverage_peak < FULL_COVERAGE) {
        violations.push(Violation {
            kind: ViolationKind::Demand,
            subject: format!("{} ({})", served.workload, region.region),
            quarter: Some(served.quarter),
            message: format!(
                "serves {:.1} % of peak demand from {} users ({:.1} % of the day's demand)",
                region.coverage_peak * 100.0,
                region.region,
                region.coverage_daily * 100.0
            ),
            fix: unserved_fix(served, &region.region),
        });
    }
}

/// What would serve a region's missing demand: about N more of the fastest usable chip (a
/// count only when it is a real, finite number), else why no count can be given.
fn unserved_fix(served: &WorkloadQuarter, region: &str) -> String {
    let extra = served.extra_chips_needed;
    match served.best_chip.as_deref() {
        None => format!(
            "no accelerator in the fleet serves this workload within its latency targets, so no count of them would \
             help: add an option with a faster chip for {region} users, or relax the workload's latency targets"
        ),
        Some(chip) if extra.is_finite() && extra >= 0.5 => format!(
            "add about {} accelerators that may serve {region} users (e.g. {chip}), or allow cross_border serving",
            fleetplan_core::format::grouped(extra.ceil().min(MAX_ACCELERATORS as f64), 0)
        ),
        Some(chip) => format!(
            "the fleet has the capacity but not where {region} users may be served: add accelerators that may serve \
             them (e.g. {chip}), or allow cross_border serving"
        ),
    }
}
