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
//! 4. spend per quarter and site against the budget and its group shares; power per site against
//!    what is built or can be built in time. Every violated constraint becomes a [`Violation`]
//!    with a suggested fix.

mod allocate;
mod rates;
mod types;

use allocate::{Allocation, allocate, usable};

pub use types::*;
// Reused by the planner (crate::plan): one home for rates and training placement.
pub(crate) use rates::{plan_training, rate_table};

use fleetplan_core::catalog::{Catalog, FabricTechnology, Ownership};
use fleetplan_core::policy::{PolicyQuery, VerdictKind, judge as policy_evaluate};
use fleetplan_core::scenario::{Mode, Quarter, SECONDS_PER_DAY, Scenario, WorkloadSpec};
use fleetplan_models::cost::{
    CostError, Fx, HoldingInput, SiteEnergy, build_capex_usd, choose_fabric, default_system, default_technology,
    holding_cost,
};
use fleetplan_models::demand::{self, Profile};
use std::collections::BTreeMap;

/// Why an evaluation could not be made (problems of the fleet itself become [`Violation`]s).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A catalog entry the scenario names is missing (validation should have caught it).
    #[error(transparent)]
    Unknown(#[from] fleetplan_core::catalog::UnknownId),
    /// The scenario has no fixed fleet to evaluate.
    #[error("the scenario has no [[fleet]] holdings to evaluate; add [[fleet]] entries (or use the planner)")]
    NoFleet,
    /// A cost could not be computed.
    #[error("{0}")]
    Cost(String),
    /// The serving-allocation LP failed (a bug: it always has the zero solution).
    #[error("{0}")]
    Solver(String),
}

impl From<CostError> for EvalError {
    fn from(e: CostError) -> Self {
        EvalError::Cost(e.to_string())
    }
}

/// Evaluate the scenario's fixed fleet against its workloads, budget and policy.
pub fn evaluate(scenario: &Scenario, catalog: &Catalog) -> Result<Evaluation, EvalError> {
    if scenario.fleet.is_empty() {
        return Err(EvalError::NoFleet);
    }
    let fx = Fx::new(&scenario.currency, scenario.currency_per_usd);
    let horizon = scenario.horizon();
    let mut violations = Vec::new();

    // 1. Holdings: cost and compliance.
    let mut holdings = Vec::with_capacity(scenario.fleet.len());
    for (i, h) in scenario.fleet.iter().enumerate() {
        let site = scenario.site(&h.site).ok_or_else(|| EvalError::Cost(format!("unknown site `{}`", h.site)))?;
        let region = catalog.region(&site.region)?;
        let chip = catalog.accelerator(&h.hardware.chip)?;
        let system = match &h.hardware.system {
            Some(id) => Some(catalog.system(id)?),
            None => default_system(catalog, chip),
        };
        let technology = default_technology(chip);
        let fabric = choose_fabric(&catalog.costs, technology, chip.scaleout_nic_gbps)
            .or_else(|| choose_fabric(&catalog.costs, FabricTechnology::Ethernet, chip.scaleout_nic_gbps))
            .ok_or_else(|| EvalError::Cost("the catalog has no network fabric".into()))?;
        let lease =
            h.lease_usd_per_hour.or_else(|| catalog.costs.lease(&chip.id, &region.id).map(|l| l.usd_per_accel_hour));
        let lease = match (h.mode, lease) {
            (Mode::Lease, None) => {
                let fallback =
                    catalog.costs.leases.iter().find(|l| l.accelerator == chip.id).map(|l| l.usd_per_accel_hour);
                violations.push(Violation {
                    kind: ViolationKind::MissingPrice,
                    subject: holding_label(h, i),
                    quarter: None,
                    message: format!("no lease price for `{}` in `{}`", chip.id, region.id),
                    fix: match fallback {
                        Some(p) => format!("give lease_usd_per_hour in the [[fleet]] entry (priced at {p} USD/h, the catalog's price elsewhere, meanwhile)"),
                        None => "give lease_usd_per_hour in the [[fleet]] entry (priced at 0 meanwhile)".into(),
                    },
                });
                Some(fallback.unwrap_or(0.0))
            }
            (_, l) => l,
        };
        let input = HoldingInput {
            chip,
            system,
            accelerators: h.accelerators,
            mode: h.mode,
            price_usd_per_unit: h.price_usd,
            purchase_year: h.from.year,
            lease_usd_per_hour: lease,
            fabric,
            energy: SiteEnergy::new(region, chip, site.pue, site.power_usd_per_kwh),
            build_musd_per_mw: region.build_musd_per_mw,
        };
        let cost = holding_cost(&input, &catalog.costs)?;
        // Compliance in every quarter of the horizon the holding is in service. Export controls
        // bite when hardware is exported (acquired): an owned holding is judged once, on its
        // acquisition date (the first day of its `from` quarter), and keeps that verdict while it
        // is used (BIS: operators need not stop using items they already hold; data pack §2.2);
        // a lease is a service bought anew each quarter, so it is judged every quarter.
        let mut status = Vec::new();
        for (k, q) in horizon.iter().filter(|q| h.from <= **q && **q <= h.until).enumerate() {
            let judged_on = match h.mode {
                Mode::Buy => h.from,
                Mode::Lease => *q,
            };
            let date = scenario.policy.date.unwrap_or_else(|| judged_on.first_day());
            let ownership = match h.mode {
                Mode::Buy => Ownership::Own,
                Mode::Lease => Ownership::Lease,
            };
            let query = PolicyQuery { chip, site: region, buyer_hq: &scenario.buyer.headquarters, date, ownership };
            let v = policy_evaluate(catalog, &query, &scenario.policy.options);
            // An owned holding's single verdict is reported once, in its first quarter in service.
            let report = h.mode == Mode::Lease || k == 0;
            if v.kind != VerdictKind::Allowed && report {
                let alternatives: Vec<&str> = catalog
                    .accelerators
                    .iter()
                    .filter(|c| c.sold && c.id != chip.id)
                    .filter(|c| {
                        let q2 = PolicyQuery { chip: c, ..query };
                        policy_evaluate(catalog, &q2, &scenario.policy.options).kind == VerdictKind::Allowed
                    })
                    .map(|c| c.id.as_str())
                    .take(4)
                    .collect();
                violations.push(Violation {
                    kind: ViolationKind::ExportControl,
                    subject: holding_label(h, i),
                    quarter: Some(*q),
                    message: format!(
                        "{} {} of `{}` at `{}` ({}) by a {}-headquartered buyer on {date}: {} under rule `{}`{}",
                        h.accelerators,
                        if h.mode == Mode::Buy { "owned" } else { "leased" },
                        chip.id,
                        site.id,
                        region.id,
                        scenario.buyer.headquarters,
                        v.kind,
                        v.rule_id.as_deref().unwrap_or("-"),
                        v.citation.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
                    ),
                    fix: if alternatives.is_empty() {
                        "obtain a licence (or set [policy] assume_licences_granted = true to model one), or move the holding to another site".into()
                    } else {
                        format!(
                            "obtain a licence (or set [policy] assume_licences_granted = true), or hold an allowed chip there instead: {}",
                            alternatives.join(", ")
                        )
                    },
                });
            }
            status.push(QuarterVerdict {
                quarter: *q,
                verdict: v.kind,
                rule: v.rule_id,
                citation: v.citation,
                reason: v.reason,
            });
        }
        holdings.push(HoldingEval {
            index: i,
            label: holding_label(h, i),
            chip: chip.id.clone(),
            system: system.map(|s| s.id.clone()),
            site: site.id.clone(),
            region: region.id.clone(),
            accelerators: h.accelerators,
            mode: h.mode,
            from: h.from,
            until: h.until,
            fabric: cost.network.fabric.clone(),
            usd_per_accelerator_hour: cost.usd_per_accelerator_hour(),
            cost,
            compliance: status,
        });
    }

    // Pools: (site, chip) → accelerators in service per quarter.
    let pools = pools_of(scenario, &holdings, &horizon);

    // 2. Demand and rates.
    let demand = demand::serving_demand(&scenario.workloads, catalog, scenario.start, scenario.quarters)?;
    let rate_table = rates::rate_table(scenario, catalog, &pools);
    for r in rate_table.values() {
        if let Some(note) = &r.problem {
            violations.push(Violation {
                kind: ViolationKind::Latency,
                subject: format!("{} on {}", r.workload, r.chip),
                quarter: None,
                message: note.clone(),
                fix: "serve this workload on another chip, relax its latency target, or pick a smaller model".into(),
            });
        }
    }

    // 3. Per quarter: training, then serving.
    let training = rates::plan_training(scenario, catalog, &pools, &horizon, &mut violations);
    let mut quarters = Vec::with_capacity(horizon.len());
    let mut workload_quarters = Vec::new();
    for (qi, q) in horizon.iter().enumerate() {
        let mut free: BTreeMap<(String, String), f64> =
            pools.iter().map(|p| ((p.site.clone(), p.chip.clone()), p.accelerators[qi] as f64)).collect();
        for t in &training {
            if let Some(chips) = t.chips_by_quarter.get(qi)
                && let Some(f) = free.get_mut(&(t.site.clone(), t.chip.clone()))
            {
                *f = (*f - *chips as f64).max(0.0);
            }
        }
        let qd: Vec<_> = demand.iter().filter(|d| d.quarter == *q).collect();
        let alloc = allocate(scenario, catalog, &qd, &free, &rate_table).map_err(EvalError::Solver)?;
        let pool_cost = |site: &str, chip: &str| -> f64 {
            let hs: Vec<_> =
                holdings.iter().filter(|h| h.site == site && h.chip == chip && h.from <= *q && *q <= h.until).collect();
            let n: f64 = hs.iter().map(|h| h.accelerators as f64).sum();
            if n > 0.0 {
                hs.iter().map(|h| h.usd_per_accelerator_hour * h.accelerators as f64).sum::<f64>() / n
            } else {
                0.0
            }
        };
        for w in &scenario.workloads {
            if matches!(w.spec, WorkloadSpec::Training(_)) {
                continue;
            }
            let wq = workload_quarter(scenario, catalog, w, *q, &qd, &alloc, &free, &rate_table, &pool_cost, &fx);
            for r in &wq.regions {
                if r.coverage_peak < 0.999 {
                    violations.push(Violation {
                        kind: ViolationKind::Demand,
                        subject: format!("{} ({})", w.id, r.region),
                        quarter: Some(*q),
                        message: format!(
                            "serves {:.1} % of peak demand from {} users ({:.1} % of the day's demand)",
                            r.coverage_peak * 100.0,
                            r.region,
                            r.coverage_daily * 100.0
                        ),
                        fix: format!(
                            "add about {:.0} accelerators that may serve {} users (e.g. {}), or allow cross_border serving",
                            wq.extra_chips_needed.ceil(),
                            r.region,
                            wq.best_chip.as_deref().unwrap_or("a faster chip")
                        ),
                    });
                }
            }
            workload_quarters.push(wq);
        }
        quarters.push(QuarterSummary {
            quarter: *q,
            accelerators: pools.iter().map(|p| p.accelerators[qi]).sum(),
            idle_accelerators: alloc.idle.values().sum(),
            it_mw: 0.0,
            available_mw: 0.0,
            spend: 0.0,
        });
    }

    // 4. Supply, power, spend, budget.
    supply_caps(scenario, &horizon, &mut violations);
    let sites = site_quarters(scenario, catalog, &holdings, &horizon, &fx, &mut violations)?;
    let spend = spend(scenario, &holdings, &sites, &horizon, &fx, &mut violations);
    for (qs, q) in quarters.iter_mut().zip(&horizon) {
        let in_q = sites.iter().filter(|s| s.quarter == *q);
        qs.it_mw = in_q.clone().map(|s| s.it_mw).sum();
        qs.available_mw = in_q.map(|s| s.available_mw).sum();
        qs.spend = spend.by_quarter.iter().find(|s| s.quarter == *q).map(|s| s.total()).unwrap_or(0.0);
    }
    let yearly = yearly_tco(&holdings, &sites, &horizon, &fx);
    let unit_costs = rates::unit_costs(&rate_table, &holdings, &fx);
    violations.sort_by(|a, b| (a.quarter, a.kind, &a.subject).cmp(&(b.quarter, b.kind, &b.subject)));
    Ok(Evaluation {
        scenario: scenario.name.clone(),
        currency: fx.currency.clone(),
        currency_per_usd: fx.per_usd,
        quarters,
        holdings,
        sites,
        workloads: workload_quarters,
        training,
        rates: rate_table.into_values().collect(),
        unit_costs,
        spend,
        yearly,
        violations,
    })
}

fn holding_label(h: &fleetplan_core::scenario::Holding, i: usize) -> String {
    format!("fleet[{i}] {} × {} at {} ({})", h.units, h.hardware.id(), h.site, h.mode.as_str())
}

/// Accelerators of one chip at one site, per quarter of the horizon.
#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub site: String,
    pub region: String,
    pub chip: String,
    pub accelerators: Vec<u64>,
}

fn pools_of(scenario: &Scenario, holdings: &[HoldingEval], horizon: &[Quarter]) -> Vec<Pool> {
    let mut map: BTreeMap<(String, String), Pool> = BTreeMap::new();
    for h in holdings {
        let p = map.entry((h.site.clone(), h.chip.clone())).or_insert_with(|| Pool {
            site: h.site.clone(),
            region: scenario.site(&h.site).map(|s| s.region.to_string()).unwrap_or_default(),
            chip: h.chip.clone(),
            accelerators: vec![0; horizon.len()],
        });
        for (i, q) in horizon.iter().enumerate() {
            if h.from <= *q && *q <= h.until {
                p.accelerators[i] += h.accelerators;
            }
        }
    }
    map.into_values().collect()
}

#[allow(clippy::too_many_arguments)]
fn workload_quarter(
    scenario: &Scenario,
    catalog: &Catalog,
    w: &fleetplan_core::scenario::Workload,
    q: Quarter,
    demand: &[&demand::RegionDemand],
    alloc: &Allocation,
    free: &BTreeMap<(String, String), f64>,
    rates: &BTreeMap<(String, String), rates::Rate>,
    pool_cost: &dyn Fn(&str, &str) -> f64,
    fx: &Fx,
) -> WorkloadQuarter {
    let serving = match &w.spec {
        WorkloadSpec::Chat(c) => Some(&c.serving),
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => Some(&g.serving),
        WorkloadSpec::Training(_) => None,
    };
    let profile = serving.map(|s| demand::profile_of(s, catalog)).unwrap_or_else(Profile::flat);
    let mut regions = Vec::new();
    let (mut served_mean_sum, mut demand_mean_sum, mut demand_peak_sum, mut capacity_sum) = (0.0, 0.0, 0.0, 0.0);
    let mut cost_usd_per_s = 0.0;
    let mut input_cost_usd_per_s = 0.0;
    let mut chips_total = 0.0;
    let mut allocation = Vec::new();
    for d in demand.iter().filter(|d| d.workload == w.id) {
        let mut capacity = 0.0;
        for ((wid, region, site, chip), n) in &alloc.chips {
            if *wid == w.id && *region == d.region {
                let r = &rates[&(w.id.clone(), chip.clone())];
                allocation.push(PoolAllocation {
                    user_region: region.clone(),
                    site: site.clone(),
                    chip: chip.clone(),
                    accelerators: *n,
                });
                capacity += n * r.per_chip_per_s;
                let c = n * pool_cost(site, chip) / 3600.0;
                cost_usd_per_s += c;
                input_cost_usd_per_s += c * r.input_cost_share;
                chips_total += n;
            }
        }
        let served_peak = capacity.min(d.peak_per_s);
        let coverage_daily = if d.mean_per_s > 0.0 { profile.served_share(capacity / d.mean_per_s) } else { 1.0 };
        served_mean_sum += coverage_daily * d.mean_per_s;
        demand_mean_sum += d.mean_per_s;
        demand_peak_sum += d.peak_per_s;
        capacity_sum += capacity;
        regions.push(RegionCoverage {
            region: d.region.clone(),
            demand_peak_per_s: d.peak_per_s,
            demand_mean_per_s: d.mean_per_s,
            capacity_per_s: capacity,
            coverage_peak: if d.peak_per_s > 0.0 { served_peak / d.peak_per_s } else { 1.0 },
            coverage_daily,
        });
    }
    // Idle chips this workload could use (if it alone got them): headroom.
    let mut idle_capacity = 0.0;
    let mut best: Option<(String, f64)> = None;
    for ((site, chip), idle) in &alloc.idle {
        let Some(r) = rates.get(&(w.id.clone(), chip.clone())) else { continue };
        if !usable(r) || free.get(&(site.clone(), chip.clone())).is_none() {
            continue;
        }
        idle_capacity += *idle as f64 * r.per_chip_per_s;
    }
    for ((wid, chip), r) in rates {
        if *wid == w.id && usable(r) && best.as_ref().is_none_or(|b| r.per_chip_per_s > b.1) {
            best = Some((chip.clone(), r.per_chip_per_s));
        }
    }
    let shortfall = (demand_peak_sum - capacity_sum).max(0.0);
    let extra = best.as_ref().map_or(0.0, |b| shortfall / b.1);
    let served_per_day = served_mean_sum * SECONDS_PER_DAY;
    let cost_per_day = cost_usd_per_s * SECONDS_PER_DAY;
    let (unit, cost_per_million_output, cost_per_million_input, cost_per_item, cost_per_video_second) = match &w.spec {
        WorkloadSpec::Chat(c) => {
            let input_per_day = served_per_day * c.input_tokens_per_request / c.output_tokens_per_request;
            let input_cost = input_cost_usd_per_s * SECONDS_PER_DAY;
            (
                "output tokens/s",
                per(fx.from_usd(cost_per_day - input_cost), served_per_day / 1e6),
                per(fx.from_usd(input_cost), input_per_day / 1e6),
                None,
                None,
            )
        }
        WorkloadSpec::Image(_) => ("images/s", None, None, per(fx.from_usd(cost_per_day), served_per_day), None),
        WorkloadSpec::Video(g) => {
            let clip = catalog.diffusion(&g.model).ok().and_then(|m| m.clip_seconds).unwrap_or(1.0);
            (
                "clips/s",
                None,
                None,
                per(fx.from_usd(cost_per_day), served_per_day),
                per(fx.from_usd(cost_per_day), served_per_day * clip),
            )
        }
        WorkloadSpec::Training(_) => ("", None, None, None, None),
    };
    let _ = scenario;
    WorkloadQuarter {
        workload: w.id.clone(),
        kind: w.spec.kind().as_str().to_string(),
        quarter: q,
        unit: unit.to_string(),
        demand_peak_per_s: demand_peak_sum,
        demand_mean_per_s: demand_mean_sum,
        capacity_per_s: capacity_sum,
        served_mean_per_s: served_mean_sum,
        served_per_day,
        coverage_peak: if demand_peak_sum > 0.0 { capacity_sum.min(demand_peak_sum) / demand_peak_sum } else { 1.0 },
        coverage_daily: if demand_mean_sum > 0.0 { served_mean_sum / demand_mean_sum } else { 1.0 },
        headroom: if demand_peak_sum > 0.0 { (capacity_sum + idle_capacity) / demand_peak_sum - 1.0 } else { 0.0 },
        accelerators: chips_total,
        extra_chips_needed: extra,
        best_chip: best.map(|b| b.0),
        cost_per_million_output_tokens: cost_per_million_output,
        cost_per_million_input_tokens: cost_per_million_input,
        cost_per_item,
        cost_per_video_second,
        regions,
        allocation,
    }
}

/// `amount / quantity`, or `None` when nothing was served (no NaN or infinity in output).
fn per(amount: f64, quantity: f64) -> Option<f64> {
    (quantity > 0.0 && amount.is_finite()).then(|| amount / quantity)
}

/// Flag quarters in which the fixed fleet adds more units of some hardware and mode than the
/// procurement options offering it allow (`max_per_quarter`, summed over the matching options).
/// Holdings no option offers (existing capacity, or hardware bought outside the scenario's
/// options) are not capped.
fn supply_caps(scenario: &Scenario, horizon: &[Quarter], violations: &mut Vec<Violation>) {
    // (hardware id, mode, quarter) → units added.
    let mut added: BTreeMap<(String, Mode, Quarter), u64> = BTreeMap::new();
    for h in scenario.fleet.iter().filter(|h| horizon.contains(&h.from)) {
        *added.entry((h.hardware.id().to_string(), h.mode, h.from)).or_default() += h.units;
    }
    for ((hardware, mode, quarter), units) in added {
        let offering: Vec<_> = scenario
            .options
            .iter()
            .filter(|o| o.hardware.id() == hardware && o.mode == mode && o.available_from <= quarter)
            .filter(|o| {
                scenario
                    .fleet
                    .iter()
                    .any(|h| h.hardware.id() == hardware && h.from == quarter && o.sites.contains(&h.site))
            })
            .collect();
        if offering.is_empty() || offering.iter().any(|o| o.max_per_quarter.is_none()) {
            continue;
        }
        let cap: u64 = offering.iter().filter_map(|o| o.max_per_quarter).sum();
        if units > cap {
            let names: Vec<&str> = offering.iter().map(|o| o.name.as_str()).collect();
            violations.push(Violation {
                kind: ViolationKind::Supply,
                subject: hardware.clone(),
                quarter: Some(quarter),
                message: format!(
                    "the fleet adds {units} units of `{hardware}` ({}) in {quarter}, but the options offering it ({}) supply at most {cap} per quarter",
                    mode.as_str(),
                    names.join(", ")
                ),
                fix: format!(
                    "spread the {} extra units over other quarters, or raise max_per_quarter if the supplier can deliver more",
                    units - cap
                ),
            });
        }
    }
}

fn site_quarters(
    scenario: &Scenario,
    catalog: &Catalog,
    holdings: &[HoldingEval],
    horizon: &[Quarter],
    fx: &Fx,
    violations: &mut Vec<Violation>,
) -> Result<Vec<SiteQuarter>, EvalError> {
    let mut out = Vec::new();
    for site in &scenario.sites {
        let region = catalog.region(&site.region)?;
        let mut built_mw = 0.0_f64;
        for (qi, q) in horizon.iter().enumerate() {
            let in_service: Vec<&HoldingEval> =
                holdings.iter().filter(|h| h.site == site.id && h.from <= *q && *q <= h.until).collect();
            let it_mw: f64 = in_service.iter().map(|h| h.cost.it_mw()).sum();
            let mut by_chip: BTreeMap<String, u64> = BTreeMap::new();
            for h in &in_service {
                *by_chip.entry(h.chip.clone()).or_default() += h.accelerators;
            }
            let need = (it_mw - site.available_mw - built_mw).max(0.0);
            let mut new_build_mw = 0.0;
            if need > 1e-9 {
                let room = (site.buildable_mw - built_mw).max(0.0);
                new_build_mw = need.min(room);
                let months_from_start = 3.0 * qi as f64;
                if months_from_start < region.lead_time_months {
                    violations.push(Violation {
                        kind: ViolationKind::Power,
                        subject: site.id.clone(),
                        quarter: Some(*q),
                        message: format!(
                            "draws {it_mw:.1} MW of IT load but {:.1} MW is built; {need:.1} MW more cannot be built in time ({} lead time {:.0} months, {:.0} months after the horizon starts)",
                            site.available_mw + built_mw,
                            region.id,
                            region.lead_time_months,
                            months_from_start
                        ),
                        fix: format!(
                            "start building {need:.1} MW before the horizon, lease capacity elsewhere, or move about {:.0} % of this site's accelerators to a site with spare power",
                            100.0 * need / it_mw.max(1e-9)
                        ),
                    });
                }
                if need > room + 1e-9 {
                    violations.push(Violation {
                        kind: ViolationKind::Power,
                        subject: site.id.clone(),
                        quarter: Some(*q),
                        message: format!(
                            "draws {it_mw:.1} MW of IT load; available {:.1} MW + buildable {:.1} MW falls {:.1} MW short",
                            site.available_mw, site.buildable_mw, need - room
                        ),
                        fix: format!("raise buildable_mw at {} by {:.1} MW or move holdings to another site", site.id, need - room),
                    });
                }
                built_mw += new_build_mw;
            }
            out.push(SiteQuarter {
                site: site.id.clone(),
                region: region.id.clone(),
                quarter: *q,
                accelerators: by_chip.values().sum(),
                accelerators_by_chip: by_chip,
                it_mw,
                available_mw: site.available_mw + built_mw,
                built_mw: new_build_mw,
                build_capex: fx.from_usd(build_capex_usd(new_build_mw, region)),
            });
        }
    }
    Ok(out)
}

fn spend(
    scenario: &Scenario,
    holdings: &[HoldingEval],
    sites: &[SiteQuarter],
    horizon: &[Quarter],
    fx: &Fx,
    violations: &mut Vec<Violation>,
) -> SpendReport {
    let mut by_quarter = Vec::new();
    let mut by_site: BTreeMap<String, f64> = BTreeMap::new();
    for q in horizon {
        let mut s = SpendLine::new(*q);
        for h in holdings {
            let site_spend = by_site.entry(h.site.clone()).or_default();
            let mut add = 0.0;
            if h.from == *q && h.mode == Mode::Buy {
                let c = &h.cost.capex_usd;
                s.accelerators += fx.from_usd(c.accelerators);
                s.servers += fx.from_usd(c.servers);
                s.network += fx.from_usd(c.network);
                s.storage += fx.from_usd(c.storage);
                add += fx.from_usd(c.total());
            }
            if h.from <= *q && *q <= h.until {
                let e = fx.from_usd(h.cost.electricity_usd_per_year / 4.0);
                let m = fx.from_usd(h.cost.maintenance_usd_per_year / 4.0);
                let l = fx.from_usd(h.cost.lease_usd_per_year / 4.0);
                s.electricity += e;
                s.maintenance += m;
                s.leases += l;
                add += e + m + l;
            }
            *site_spend += add;
        }
        for sq in sites.iter().filter(|x| x.quarter == *q) {
            s.buildings += sq.build_capex;
            *by_site.entry(sq.site.clone()).or_default() += sq.build_capex;
        }
        by_quarter.push(s);
    }
    let total: f64 = by_quarter.iter().map(|s| s.total()).sum();
    if total > scenario.budget.total * (1.0 + 1e-9) {
        violations.push(Violation {
            kind: ViolationKind::Budget,
            subject: "budget.total".into(),
            quarter: None,
            message: format!(
                "spends {:.3e} {} against a budget of {:.3e} ({:.1} %)",
                total,
                fx.currency,
                scenario.budget.total,
                100.0 * total / scenario.budget.total
            ),
            fix: format!(
                "cut {:.3e} {} of holdings or leases, or raise budget.total",
                total - scenario.budget.total,
                fx.currency
            ),
        });
    }
    if let Some(caps) = &scenario.budget.per_quarter {
        for (s, cap) in by_quarter.iter().zip(caps) {
            if s.total() > cap * (1.0 + 1e-9) {
                violations.push(Violation {
                    kind: ViolationKind::Budget,
                    subject: "budget.per_quarter".into(),
                    quarter: Some(s.quarter),
                    message: format!("spends {:.3e} {} against a cap of {:.3e}", s.total(), fx.currency, cap),
                    fix: "move purchases to a later quarter or raise the quarter's cap".into(),
                });
            }
        }
    }
    let mut groups = Vec::new();
    for g in &scenario.budget.shares {
        let amount: f64 = g.sites.iter().filter_map(|s| by_site.get(s.as_str())).sum();
        let share = if total > 0.0 { amount / total } else { 0.0 };
        let ok = share >= g.min - 1e-9 && share <= g.max + 1e-9;
        if !ok {
            violations.push(Violation {
                kind: ViolationKind::BudgetShare,
                subject: format!("budget.share `{}`", g.group),
                quarter: None,
                message: format!(
                    "group `{}` takes {:.1} % of spend, outside {:.0}–{:.0} %",
                    g.group,
                    share * 100.0,
                    g.min * 100.0,
                    g.max * 100.0
                ),
                fix: if share < g.min {
                    format!(
                        "shift about {:.3e} {} of spend to sites {}",
                        (g.min * total - amount).max(0.0),
                        fx.currency,
                        g.sites.join(", ")
                    )
                } else {
                    format!(
                        "shift about {:.3e} {} of spend away from sites {}",
                        (amount - g.max * total).max(0.0),
                        fx.currency,
                        g.sites.join(", ")
                    )
                },
            });
        }
        groups.push(GroupSpend { group: g.group.clone(), amount, share, min: g.min, max: g.max, ok });
    }
    SpendReport {
        total,
        budget: scenario.budget.total,
        by_quarter,
        by_site: by_site.into_iter().map(|(site, amount)| SiteSpend { site, amount }).collect(),
        groups,
    }
}

fn yearly_tco(holdings: &[HoldingEval], sites: &[SiteQuarter], horizon: &[Quarter], fx: &Fx) -> Vec<YearTco> {
    let mut years: BTreeMap<i32, YearTco> = BTreeMap::new();
    for q in horizon {
        let y = years.entry(q.year).or_insert_with(|| YearTco { year: q.year, ..YearTco::default() });
        for h in holdings.iter().filter(|h| h.from <= *q && *q <= h.until) {
            y.depreciation += fx.from_usd(h.cost.depreciation_usd_per_year.total() / 4.0);
            y.electricity += fx.from_usd(h.cost.electricity_usd_per_year / 4.0);
            y.maintenance += fx.from_usd(h.cost.maintenance_usd_per_year / 4.0);
            y.leases += fx.from_usd(h.cost.lease_usd_per_year / 4.0);
            y.energy_mwh += h.cost.energy_mwh_per_year / 4.0;
            y.tco2 += h.cost.tco2_per_year / 4.0;
        }
        y.build_capex += sites.iter().filter(|s| s.quarter == *q).map(|s| s.build_capex).sum::<f64>();
        y.quarters += 1;
    }
    years.into_values().collect()
}
