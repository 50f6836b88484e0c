//! One serving workload in one quarter: the capacity the serving split gives each user region,
//! coverage over the peak hour and the day, headroom on idle chips, and cost per token or item
//! served.

use super::quarters::QuarterView;
use super::types::{PoolAllocation, RegionCoverage, WorkloadQuarter};
use fleetplan_core::scenario::{SECONDS_PER_DAY, Workload, WorkloadSpec};
use fleetplan_models::demand::{self, Profile};

/// What the serving split gives one workload, summed over its user regions.
#[derive(Default)]
struct Allocated {
    /// Coverage per user region, in demand order.
    regions: Vec<RegionCoverage>,
    /// Accelerators per (user region, site, chip).
    allocation: Vec<PoolAllocation>,
    /// Demand in the busiest hour, per second.
    demand_peak_per_s: f64,
    /// Mean demand, per second.
    demand_mean_per_s: f64,
    /// Allocated capacity, per second.
    capacity_per_s: f64,
    /// Mean served rate over the day, per second.
    served_mean_per_s: f64,
    /// Cost of the allocated chips, USD per second.
    cost_usd_per_s: f64,
    /// The part of it spent on prompts (chat), USD per second.
    input_cost_usd_per_s: f64,
    /// Accelerators allocated.
    accelerators: f64,
}

/// Cost per unit served, in the scenario currency.
struct ServedCosts {
    unit: &'static str,
    per_million_output_tokens: Option<f64>,
    per_million_input_tokens: Option<f64>,
    per_item: Option<f64>,
    per_video_second: Option<f64>,
}

/// Demand, capacity, coverage, headroom and cost of `workload` in the view's quarter.
pub(super) fn workload_quarter(view: &QuarterView<'_>, workload: &Workload) -> WorkloadQuarter {
    let allocated = allocated(view, workload);
    let idle_capacity = idle_capacity_per_s(view, workload);
    let best = fastest_chip(view, workload);
    let shortfall = (allocated.demand_peak_per_s - allocated.capacity_per_s).max(0.0);
    let extra_chips_needed = best.as_ref().map_or(0.0, |(_, per_chip_per_s)| shortfall / per_chip_per_s);
    let served_per_day = allocated.served_mean_per_s * SECONDS_PER_DAY;
    let costs = served_costs(view, workload, &allocated, served_per_day);
    let cost_per_day = view.fleet.fx.from_usd(allocated.cost_usd_per_s * SECONDS_PER_DAY);
    let prices = Prices::of(workload);
    // The price per unit served (per million output tokens with the input at its share, or per
    // item) is the scenario's one definition; served per day is in the same unit.
    let per_unit_served = if matches!(workload.spec, WorkloadSpec::Chat(_)) { 1e-6 } else { 1.0 };
    let revenue_per_day = workload.price_per_unit().map(|price| price * served_per_day * per_unit_served);
    let Allocated { demand_peak_per_s, demand_mean_per_s, capacity_per_s, served_mean_per_s, .. } = allocated;
    WorkloadQuarter {
        workload: workload.id.clone(),
        kind: workload.spec.kind().as_str().to_string(),
        quarter: view.quarter,
        unit: costs.unit.to_string(),
        demand_peak_per_s,
        demand_mean_per_s,
        capacity_per_s,
        served_mean_per_s,
        served_per_day,
        coverage_peak: if demand_peak_per_s > 0.0 {
            capacity_per_s.min(demand_peak_per_s) / demand_peak_per_s
        } else {
            1.0
        },
        coverage_daily: if demand_mean_per_s > 0.0 { served_mean_per_s / demand_mean_per_s } else { 1.0 },
        headroom: if demand_peak_per_s > 0.0 {
            (capacity_per_s + idle_capacity) / demand_peak_per_s - 1.0
        } else {
            0.0
        },
        accelerators: allocated.accelerators,
        extra_chips_needed,
        best_chip: best.map(|(chip, _)| chip),
        cost_per_million_output_tokens: costs.per_million_output_tokens,
        cost_per_million_input_tokens: costs.per_million_input_tokens,
        cost_per_item: costs.per_item,
        cost_per_video_second: costs.per_video_second,
        cost_per_day,
        price_per_million_output_tokens: prices.per_million_output_tokens,
        price_per_million_input_tokens: prices.per_million_input_tokens,
        price_per_item: prices.per_item,
        revenue_per_day,
        margin_per_day: revenue_per_day.map(|revenue| revenue - cost_per_day),
        regions: allocated.regions,
        allocation: allocated.allocation,
    }
}

/// The prices a workload states (scenario currency).
struct Prices {
    per_million_output_tokens: Option<f64>,
    per_million_input_tokens: Option<f64>,
    per_item: Option<f64>,
}

impl Prices {
    fn of(workload: &Workload) -> Prices {
        match &workload.spec {
            WorkloadSpec::Chat(chat) => Prices {
                per_million_output_tokens: chat.serving.price_per_m_output_tokens,
                per_million_input_tokens: chat.serving.price_per_m_input_tokens,
                per_item: None,
            },
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => Prices {
                per_million_output_tokens: None,
                per_million_input_tokens: None,
                per_item: g.serving.price_per_item,
            },
            WorkloadSpec::Training(_) => {
                Prices { per_million_output_tokens: None, per_million_input_tokens: None, per_item: None }
            }
        }
    }
}

/// Capacity, coverage and cost of the chips the serving split gives `workload`, per user region.
fn allocated(view: &QuarterView<'_>, workload: &Workload) -> Allocated {
    let serving = match &workload.spec {
        WorkloadSpec::Chat(c) => Some(&c.serving),
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => Some(&g.serving),
        WorkloadSpec::Training(_) => None,
    };
    let profile = serving.map(|s| demand::profile_of(s, view.fleet.catalog)).unwrap_or_else(Profile::flat);
    let mut total = Allocated::default();
    for region_demand in view.demand.iter().filter(|d| d.workload == workload.id) {
        let mut capacity = 0.0;
        for ((workload_id, user_region, site, chip), accelerators) in &view.split.chips {
            if *workload_id != workload.id || region_demand.region != *user_region {
                continue;
            }
            let rate = &view.fleet.rates[&(workload.id.clone(), chip.to_string())];
            total.allocation.push(PoolAllocation {
                user_region: user_region.clone(),
                site: site.clone(),
                chip: chip.clone(),
                accelerators: *accelerators,
            });
            capacity += accelerators * rate.per_chip_per_s;
            let cost_usd_per_s = accelerators * view.usd_per_accelerator_hour(site.as_str(), chip.as_str()) / 3600.0;
            total.cost_usd_per_s += cost_usd_per_s;
            total.input_cost_usd_per_s += cost_usd_per_s * rate.input_cost_share;
            total.accelerators += accelerators;
        }
        let served_peak = capacity.min(region_demand.peak_per_s);
        let coverage_daily = if region_demand.mean_per_s > 0.0 {
            profile.served_share(capacity / region_demand.mean_per_s)
        } else {
            1.0
        };
        total.served_mean_per_s += coverage_daily * region_demand.mean_per_s;
        total.demand_mean_per_s += region_demand.mean_per_s;
        total.demand_peak_per_s += region_demand.peak_per_s;
        total.capacity_per_s += capacity;
        total.regions.push(RegionCoverage {
            region: region_demand.region.to_string(),
            demand_peak_per_s: region_demand.peak_per_s,
            demand_mean_per_s: region_demand.mean_per_s,
            capacity_per_s: capacity,
            coverage_peak: if region_demand.peak_per_s > 0.0 { served_peak / region_demand.peak_per_s } else { 1.0 },
            coverage_daily,
        });
    }
    total
}

/// Capacity of the idle chips `workload` could use if it alone got them, per second (headroom).
fn idle_capacity_per_s(view: &QuarterView<'_>, workload: &Workload) -> f64 {
    let mut idle_capacity = 0.0;
    for ((site, chip), idle) in &view.split.idle {
        let Some(rate) = view.fleet.rates.get(&(workload.id.clone(), chip.to_string())) else { continue };
        if !rate.usable() || !view.free.keys().any(|(free_site, free_chip)| *free_site == *site && *free_chip == *chip)
        {
            continue;
        }
        idle_capacity += *idle as f64 * rate.per_chip_per_s;
    }
    idle_capacity
}

/// The chip with the highest usable per-chip rate for `workload` (first in chip order on ties),
/// with that rate.
fn fastest_chip(view: &QuarterView<'_>, workload: &Workload) -> Option<(String, f64)> {
    let mut best: Option<(String, f64)> = None;
    for ((workload_id, chip), rate) in view.fleet.rates {
        if *workload_id == workload.id
            && rate.usable()
            && best.as_ref().is_none_or(|(_, best_rate)| rate.per_chip_per_s > *best_rate)
        {
            best = Some((chip.clone(), rate.per_chip_per_s));
        }
    }
    best
}

/// Cost per unit served over the day (scenario currency) and the unit of the workload's rates.
fn served_costs(
    view: &QuarterView<'_>,
    workload: &Workload,
    allocated: &Allocated,
    served_per_day: f64,
) -> ServedCosts {
    let fx = view.fleet.fx;
    let cost_per_day = allocated.cost_usd_per_s * SECONDS_PER_DAY;
    let none = ServedCosts {
        unit: "",
        per_million_output_tokens: None,
        per_million_input_tokens: None,
        per_item: None,
        per_video_second: None,
    };
    match &workload.spec {
        WorkloadSpec::Chat(chat) => {
            let input_per_day = served_per_day * chat.input_tokens_per_request / chat.output_tokens_per_request;
            let input_cost = allocated.input_cost_usd_per_s * SECONDS_PER_DAY;
            ServedCosts {
                unit: "output tokens/s",
                per_million_output_tokens: per(fx.from_usd(cost_per_day - input_cost), served_per_day / 1e6),
                per_million_input_tokens: per(fx.from_usd(input_cost), input_per_day / 1e6),
                ..none
            }
        }
        WorkloadSpec::Image(_) => {
            ServedCosts { unit: "images/s", per_item: per(fx.from_usd(cost_per_day), served_per_day), ..none }
        }
        WorkloadSpec::Video(generation) => {
            let clip_seconds = view.fleet.catalog[&generation.model].clip_seconds.unwrap_or(1.0);
            ServedCosts {
                unit: "clips/s",
                per_item: per(fx.from_usd(cost_per_day), served_per_day),
                per_video_second: per(fx.from_usd(cost_per_day), served_per_day * clip_seconds),
                ..none
            }
        }
        WorkloadSpec::Training(_) => none,
    }
}

/// `amount / quantity`, or `None` when nothing was served (no NaN or infinity in output).
fn per(amount: f64, quantity: f64) -> Option<f64> {
    (quantity > 0.0 && amount.is_finite()).then(|| amount / quantity)
}
