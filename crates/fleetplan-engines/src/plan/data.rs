//! The planning problem as plain numbers: procurement lines with unit costs, MW and policy
//! windows; existing capacity; demand per workload, residency zone and quarter; SLO-feasible
//! rates; training placements. Every number comes from the shared models (cost model,
//! demand model, the evaluator's rate table and training placement, the policy engine), so
//! the planner and the evaluator price and rate the same way.

use crate::eval::{Pool, plan_training, rate_table};
use fleetplan_core::catalog::{Catalog, FabricTechnology, Ownership, Region};
use fleetplan_core::policy::{PolicyQuery, VerdictKind, judge as policy_evaluate};
use fleetplan_core::scenario::{Holding, Mode, Quarter, SECONDS_PER_DAY, Scenario, WorkloadSpec};
use fleetplan_models::cost::{
    Fx, HoldingCost, HoldingInput, SiteEnergy, choose_fabric, default_system, default_technology, holding_cost,
};
use fleetplan_models::demand::{self, may_serve};
use std::collections::BTreeMap;

use super::PlanError;

/// Accelerators of the reference cluster used to linearise per-accelerator cost and power
/// (the fat-tree network is the only non-linear part; the evaluator re-prices exact counts).
pub(crate) const REFERENCE_ACCELERATORS: u64 = 4096;

/// Seconds in an average quarter (365.25 / 4 days).
pub(crate) const SECONDS_PER_QUARTER: f64 = SECONDS_PER_DAY * 365.25 / 4.0;

/// One procurement line: an option at one of its sites.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Index of the option in the scenario.
    pub option: usize,
    /// Index of the site in the scenario.
    pub site: usize,
    /// Accelerator id.
    pub chip: String,
    /// Accelerators per unit (system size, or 1).
    pub per_unit: u32,
    /// Buy or lease.
    pub mode: Mode,
    /// Per quarter: whether accelerators may be added (bought, or leased) in that quarter.
    pub usable: Vec<bool>,
    /// Buy: capex per accelerator by purchase quarter, scenario currency.
    pub capex: Vec<f64>,
    /// Opex per accelerator per quarter in service (electricity + maintenance, or the lease),
    /// scenario currency.
    pub opex_per_quarter: f64,
    /// Nameplate IT power per accelerator, MW.
    pub mw: f64,
    /// Lease price used, USD per accelerator-hour (lease lines).
    pub lease_usd_per_hour: Option<f64>,
    /// Why the line is unusable in some quarters (export controls), for explanations.
    pub blocked: Vec<(Quarter, VerdictKind, String)>,
}

/// A (site, chip) capacity pool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PoolKey {
    /// Site index.
    pub site: usize,
    /// Chip id.
    pub chip: String,
}

/// Demand of one workload from one residency zone (user regions that may be served from the
/// same sites).
#[derive(Debug, Clone)]
pub(crate) struct ZoneDemand {
    /// Workload index.
    pub workload: usize,
    /// User regions in the zone.
    pub regions: Vec<String>,
    /// Peak demand per quarter, workload unit per second.
    pub peak: Vec<f64>,
    /// Mean demand per quarter.
    pub mean: Vec<f64>,
    /// Sites that may serve these users.
    pub sites: Vec<bool>,
}

/// A candidate placement of a training run on one (site, chip) pool.
#[derive(Debug, Clone)]
pub(crate) struct TrainCandidate {
    /// Workload index of the run.
    pub workload: usize,
    /// The pool.
    pub pool: PoolKey,
    /// Chips the run needs to finish by its deadline.
    pub chips: f64,
    /// Dense TFLOPS per chip at the run's precision.
    pub tflops: f64,
    /// Quarters the chips are reserved.
    pub window: Vec<bool>,
}

/// Power facts of a site.
#[derive(Debug, Clone)]
pub(crate) struct SiteFacts {
    /// IT MW at the start.
    pub available_mw: f64,
    /// IT MW that may be added.
    pub buildable_mw: f64,
    /// Build capex per MW, scenario currency.
    pub build_cost_per_mw: f64,
    /// First quarter index in which new MW can come online (lead time).
    pub first_build_quarter: usize,
}

/// The whole problem.
#[derive(Debug, Clone)]
pub(crate) struct Data {
    /// Quarters in the horizon.
    pub quarters: usize,
    /// Horizon.
    pub horizon: Vec<Quarter>,
    /// Lines.
    pub lines: Vec<Line>,
    /// Pools that lines or existing holdings create, in order.
    pub pools: Vec<PoolKey>,
    /// Existing accelerators per pool and quarter.
    pub existing: BTreeMap<PoolKey, Vec<f64>>,
    /// Existing IT MW per site and quarter.
    pub existing_mw: Vec<Vec<f64>>,
    /// Existing opex per site and quarter, scenario currency.
    pub existing_spend: Vec<Vec<f64>>,
    /// Existing holdings kept in the plan (in service before the horizon).
    pub existing_holdings: Vec<Holding>,
    /// Serving demand.
    pub demands: Vec<ZoneDemand>,
    /// Per-chip rate at the SLO, keyed by (workload index, chip).
    pub rates: BTreeMap<(usize, String), f64>,
    /// Why a (workload index, chip) pair has no rate at the SLO (the performance engine's words).
    pub slo_misses: BTreeMap<(usize, String), String>,
    /// Training placements.
    pub train: Vec<TrainCandidate>,
    /// Workload indices of training runs.
    pub runs: Vec<usize>,
    /// Training runs no chip can run (workload index, reason).
    pub runs_impossible: Vec<(usize, String)>,
    /// Sites.
    pub sites: Vec<SiteFacts>,
    /// Supply cap per option, accelerators per quarter.
    pub caps: Vec<Option<f64>>,
}

fn fabric_for<'a>(
    catalog: &'a Catalog,
    chip: &fleetplan_core::catalog::Accelerator,
) -> Result<&'a fleetplan_core::catalog::NetworkFabric, PlanError> {
    choose_fabric(&catalog.costs, default_technology(chip), chip.scaleout_nic_gbps)
        .or_else(|| choose_fabric(&catalog.costs, FabricTechnology::Ethernet, chip.scaleout_nic_gbps))
        .ok_or_else(|| PlanError::Data("the catalog has no network fabric".into()))
}

/// Price `accelerators` of a chip at a site with the shared cost model (same inputs as the
/// evaluator uses for a holding).
#[allow(clippy::too_many_arguments)]
fn price(
    catalog: &Catalog,
    scenario: &Scenario,
    chip_id: &str,
    system: Option<&str>,
    site: usize,
    mode: Mode,
    accelerators: u64,
    year: i32,
    price_usd: Option<f64>,
    lease_usd_per_hour: Option<f64>,
) -> Result<HoldingCost, PlanError> {
    let s = &scenario.sites[site];
    let region = catalog.region(&s.region)?;
    let chip = catalog.accelerator(chip_id)?;
    let system = match system {
        Some(id) => Some(catalog.system(id)?),
        None => default_system(catalog, chip),
    };
    let input = HoldingInput {
        chip,
        system,
        accelerators,
        mode,
        price_usd_per_unit: price_usd,
        purchase_year: year,
        lease_usd_per_hour,
        fabric: fabric_for(catalog, chip)?,
        energy: SiteEnergy::new(region, chip, s.pue, s.power_usd_per_kwh),
        build_musd_per_mw: region.build_musd_per_mw,
    };
    holding_cost(&input, &catalog.costs).map_err(|e| PlanError::Data(e.to_string()))
}

/// Lease price of a chip in a region: the option's, the catalog's for the region, else the
/// catalog's price elsewhere.
pub(crate) fn lease_price(catalog: &Catalog, chip: &str, region: &Region, given: Option<f64>) -> Option<f64> {
    given
        .or_else(|| catalog.costs.lease(chip, &region.id).map(|l| l.usd_per_accel_hour))
        .or_else(|| catalog.costs.leases.iter().find(|l| l.accelerator == chip).map(|l| l.usd_per_accel_hour))
}

/// Build the problem data.
pub(crate) fn build(scenario: &Scenario, catalog: &Catalog) -> Result<Data, PlanError> {
    let fx = Fx::new(&scenario.currency, scenario.currency_per_usd);
    let horizon = scenario.horizon();
    let t = horizon.len();
    let n_sites = scenario.sites.len();

    // Sites.
    let mut sites = Vec::with_capacity(n_sites);
    for s in &scenario.sites {
        let region = catalog.region(&s.region)?;
        // New MW may come online in quarter i only when 3·i months ≥ the lead time (the
        // evaluator's rule: building starts at the start of the horizon at the earliest).
        let first = (region.lead_time_months / 3.0).ceil().max(0.0) as usize;
        sites.push(SiteFacts {
            available_mw: s.available_mw,
            buildable_mw: s.buildable_mw,
            build_cost_per_mw: fx.from_usd(fleetplan_models::cost::build_capex_usd(1.0, region)),
            first_build_quarter: first,
        });
    }
    let site_index = |id: &str| scenario.sites.iter().position(|s| s.id == id);

    // Lines.
    let mut lines = Vec::new();
    let mut caps = Vec::new();
    for (oi, o) in scenario.options.iter().enumerate() {
        caps.push(o.max_per_quarter.map(|c| c as f64 * f64::from(o.hardware.accelerators_per_unit)));
        let chip = catalog.accelerator(&o.hardware.chip)?;
        for sid in &o.sites {
            let Some(si) = site_index(sid) else { continue };
            let region = catalog.region(&scenario.sites[si].region)?;
            let lease = match o.mode {
                Mode::Lease => match lease_price(catalog, &chip.id, region, o.lease_usd_per_hour) {
                    Some(p) => Some(p),
                    None => continue,
                },
                Mode::Buy => None,
            };
            let ownership = match o.mode {
                Mode::Buy => Ownership::Own,
                Mode::Lease => Ownership::Lease,
            };
            let mut allowed = Vec::with_capacity(t);
            let mut blocked = Vec::new();
            for q in &horizon {
                let date = scenario.policy.date.unwrap_or_else(|| q.first_day());
                let query = PolicyQuery { chip, site: region, buyer_hq: &scenario.buyer.headquarters, date, ownership };
                let v = policy_evaluate(catalog, &query, &scenario.policy.options);
                let ok = v.kind == VerdictKind::Allowed;
                if !ok {
                    blocked.push((*q, v.kind, v.rule_id.unwrap_or_else(|| "-".into())));
                }
                allowed.push(ok);
            }
            // Export controls bite at acquisition: a purchase must be allowed in the quarter it is
            // made (it may then be used while later rules forbid new purchases, as the evaluator
            // judges it); a lease is bought anew each quarter, so each quarter must allow it.
            let usable: Vec<bool> = (0..t).map(|i| horizon[i] >= o.available_from && allowed[i]).collect();
            let mut capex = vec![0.0; t];
            let mut opex = 0.0;
            let mut mw = 0.0;
            for (i, q) in horizon.iter().enumerate() {
                if i > 0 && q.year == horizon[i - 1].year {
                    capex[i] = capex[i - 1];
                    continue;
                }
                let c = match price(
                    catalog,
                    scenario,
                    &chip.id,
                    o.hardware.system.as_deref(),
                    si,
                    o.mode,
                    REFERENCE_ACCELERATORS,
                    q.year,
                    o.price_usd,
                    lease,
                ) {
                    Ok(c) => c,
                    // A chip without a catalog price and no override cannot be bought.
                    Err(PlanError::Data(_)) if o.mode == Mode::Buy => {
                        capex[i] = f64::NAN;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let n = REFERENCE_ACCELERATORS as f64;
                capex[i] = fx.from_usd(c.capex_usd.total()) / n;
                if i == 0 {
                    opex = fx.from_usd(c.electricity_usd_per_year + c.maintenance_usd_per_year + c.lease_usd_per_year)
                        / 4.0
                        / n;
                    mw = c.it_mw() / n;
                }
            }
            if mw == 0.0 {
                // No price in any year: unusable.
                continue;
            }
            let usable = usable.iter().zip(&capex).map(|(u, c)| *u && c.is_finite()).collect();
            let capex = capex.iter().map(|c| if c.is_finite() { *c } else { 0.0 }).collect();
            lines.push(Line {
                option: oi,
                site: si,
                chip: chip.id.clone(),
                per_unit: o.hardware.accelerators_per_unit.max(1),
                mode: o.mode,
                usable,
                capex,
                opex_per_quarter: opex,
                mw,
                lease_usd_per_hour: lease,
                blocked,
            });
        }
    }

    // Existing holdings: in service before the horizon starts (later [[fleet]] entries are
    // what the planner decides, so they are replaced).
    let mut existing: BTreeMap<PoolKey, Vec<f64>> = BTreeMap::new();
    let mut existing_mw = vec![vec![0.0; t]; n_sites];
    let mut existing_spend = vec![vec![0.0; t]; n_sites];
    let mut existing_holdings = Vec::new();
    for h in scenario.fleet.iter().filter(|h| h.from < scenario.start) {
        let Some(si) = site_index(&h.site) else { continue };
        let region = catalog.region(&scenario.sites[si].region)?;
        let lease = match h.mode {
            Mode::Lease => Some(lease_price(catalog, &h.hardware.chip, region, h.lease_usd_per_hour).unwrap_or(0.0)),
            Mode::Buy => None,
        };
        let c = price(
            catalog,
            scenario,
            &h.hardware.chip,
            h.hardware.system.as_deref(),
            si,
            h.mode,
            h.accelerators,
            h.from.year,
            h.price_usd,
            lease,
        )?;
        let key = PoolKey { site: si, chip: h.hardware.chip.to_string() };
        let e = existing.entry(key).or_insert_with(|| vec![0.0; t]);
        for (i, q) in horizon.iter().enumerate() {
            if h.from <= *q && *q <= h.until {
                e[i] += h.accelerators as f64;
                existing_mw[si][i] += c.it_mw();
                existing_spend[si][i] +=
                    fx.from_usd(c.electricity_usd_per_year + c.maintenance_usd_per_year + c.lease_usd_per_year) / 4.0;
            }
        }
        existing_holdings.push(h.clone());
    }

    let mut pools: Vec<PoolKey> = existing.keys().cloned().collect();
    for l in &lines {
        let k = PoolKey { site: l.site, chip: l.chip.clone() };
        if !pools.contains(&k) {
            pools.push(k);
        }
    }
    pools.sort();

    // Rates: the evaluator's rate table over every pool that could exist.
    let eval_pools: Vec<Pool> = pools
        .iter()
        .map(|p| Pool {
            site: scenario.sites[p.site].id.clone(),
            region: scenario.sites[p.site].region.to_string(),
            chip: p.chip.clone(),
            accelerators: vec![1; t],
        })
        .collect();
    let table = rate_table(scenario, catalog, &eval_pools);
    let mut rates = BTreeMap::new();
    let mut slo_misses = BTreeMap::new();
    for ((wid, chip), r) in &table {
        let Some(wi) = scenario.workloads.iter().position(|w| &w.id == wid) else { continue };
        // A pair that misses its latency target is not used.
        if r.per_chip_per_s > 0.0 && r.per_chip_per_s.is_finite() && r.problem.is_none() {
            rates.insert((wi, chip.clone()), r.per_chip_per_s);
        } else if let Some(p) = &r.problem {
            slo_misses.insert((wi, chip.clone()), p.clone());
        }
    }

    // Demand per workload and residency zone.
    let region_demand = demand::serving_demand(&scenario.workloads, catalog, scenario.start, scenario.quarters)?;
    let mut demands: Vec<ZoneDemand> = Vec::new();
    for (wi, w) in scenario.workloads.iter().enumerate() {
        let cross_border = match &w.spec {
            WorkloadSpec::Chat(c) => c.serving.cross_border,
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.cross_border,
            WorkloadSpec::Training(_) => continue,
        };
        let mut zones: BTreeMap<Vec<bool>, ZoneDemand> = BTreeMap::new();
        for d in region_demand.iter().filter(|d| d.workload == w.id) {
            let user = catalog.region(&d.region)?;
            let mut eligible = Vec::with_capacity(n_sites);
            for s in &scenario.sites {
                eligible.push(may_serve(user, catalog.region(&s.region)?, cross_border));
            }
            let z = zones.entry(eligible.clone()).or_insert_with(|| ZoneDemand {
                workload: wi,
                regions: Vec::new(),
                peak: vec![0.0; t],
                mean: vec![0.0; t],
                sites: eligible,
            });
            if !z.regions.contains(&d.region) {
                z.regions.push(d.region.clone());
            }
            let qi = d.quarter.since(scenario.start) as usize;
            if qi < t {
                z.peak[qi] += d.peak_per_s;
                z.mean[qi] += d.mean_per_s;
            }
        }
        demands.extend(zones.into_values());
    }

    // Training: the evaluator's placement on a single large pool per chip gives the chips a
    // run needs on that chip.
    let mut runs = Vec::new();
    let mut runs_impossible = Vec::new();
    let mut train = Vec::new();
    let chips: Vec<String> = {
        let mut c: Vec<String> = pools.iter().map(|p| p.chip.clone()).collect();
        c.sort();
        c.dedup();
        c
    };
    let mut need: BTreeMap<(String, String), f64> = BTreeMap::new();
    if scenario.workloads.iter().any(|w| matches!(w.spec, WorkloadSpec::Training(_))) {
        for chip in &chips {
            let Some(p) = pools.iter().find(|p| &p.chip == chip) else { continue };
            let pool = Pool {
                site: scenario.sites[p.site].id.clone(),
                region: scenario.sites[p.site].region.to_string(),
                chip: chip.clone(),
                accelerators: vec![1_000_000_000; t],
            };
            let mut ignored = Vec::new();
            for te in plan_training(scenario, catalog, &[pool], &horizon, &mut ignored) {
                need.insert((te.workload.clone(), chip.clone()), te.chips_needed as f64);
            }
        }
    }
    for (wi, w) in scenario.workloads.iter().enumerate() {
        let WorkloadSpec::Training(run) = &w.spec else { continue };
        runs.push(wi);
        let first = Quarter::of_date(run.start);
        let last = Quarter::of_date(run.deadline);
        let window: Vec<bool> = horizon.iter().map(|q| *q >= first && *q <= last).collect();
        let mut any = false;
        for p in &pools {
            let Some(chips) = need.get(&(w.id.clone(), p.chip.clone())) else { continue };
            let Some(tflops) = catalog.accelerator(&p.chip)?.dense_tflops(run.precision) else { continue };
            if *chips <= 0.0 {
                continue;
            }
            any = true;
            train.push(TrainCandidate { workload: wi, pool: p.clone(), chips: *chips, tflops, window: window.clone() });
        }
        if !any {
            runs_impossible.push((
                wi,
                format!(
                    "no procurable chip runs `{}` at {} (add an option with such a chip)",
                    run.model, run.precision
                ),
            ));
        }
    }

    Ok(Data {
        quarters: t,
        horizon,
        lines,
        pools,
        existing,
        existing_mw,
        existing_spend,
        existing_holdings,
        demands,
        rates,
        slo_misses,
        train,
        runs,
        runs_impossible,
        sites,
        caps,
    })
}
