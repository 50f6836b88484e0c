//! The planning problem as plain numbers: procurement lines with unit costs, MW and policy
//! windows; existing capacity; demand per workload, residency zone and quarter; SLO-feasible
//! rates; training placements. Every number comes from the shared models (cost model,
//! demand model, the evaluator's rate table and training placement, the policy engine), so
//! the planner and the evaluator price and rate the same way.

use crate::rating::{ChipPool, RateCandidate, plan_training, rate_table};
use fleetplan_core::catalog::{
    Accelerator, Catalog, ChipId, FabricTechnology, Ownership, PriceMarket, Region, SystemId,
};
use fleetplan_core::policy::{PolicyQuery, VerdictKind, judge};
use fleetplan_core::scenario::{Holding, Mode, Quarter, SECONDS_PER_DAY, Scenario, WorkloadSpec};
use fleetplan_models::cost::{
    CostError, Fx, HoldingCost, HoldingInput, PriceOverride, SiteEnergy, choose_fabric, default_technology,
    holding_cost, system_of,
};
use fleetplan_models::demand::{self, may_serve};
use std::collections::BTreeMap;

use super::PlanError;

mod reference;
mod sites;
use reference::reference_sizes;
pub(crate) use sites::SiteFacts;
use sites::site_facts;

/// Largest reference cluster used to linearise per-accelerator cost and power (the fat-tree
/// network is the only non-linear part; the evaluator re-prices exact counts). A chip whose
/// serving demand needs fewer accelerators is priced at that size (at least
/// `reference::MIN_REFERENCE_ACCELERATORS`), so a small fleet's network is not priced as a large one's.
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
    /// Accelerator.
    pub chip: ChipId,
    /// Accelerators per unit (system size, or 1).
    pub per_unit: u32,
    /// Buy or lease.
    pub mode: Mode,
    /// Per quarter: whether accelerators may be added (bought, or leased) in that quarter.
    pub usable: Vec<bool>,
    /// Buy: capex per accelerator by purchase quarter, scenario currency (cash, paid then).
    pub capex: Vec<f64>,
    /// Buy: the capital charge per accelerator by purchase quarter, scenario currency: the part
    /// of `capex` recovered over the quarters it is in service inside the horizon
    /// (`ByAsset::charged_over`: capital-recovery factor over each class's catalog life at the
    /// scenario's discount rate). The objective counts this, the budget the cash.
    pub capex_charged: Vec<f64>,
    /// By quarter, scenario currency per accelerator: buy lines, the opex per quarter in service
    /// (electricity + maintenance) of one bought that quarter; lease lines, the lease that
    /// quarter (the catalog's price in force then, or the option's).
    pub opex_per_quarter: Vec<f64>,
    /// Nameplate IT power per accelerator, MW.
    pub mw: f64,
    /// Lease lines: the lease price by quarter, USD per accelerator-hour (empty for buys).
    pub lease_usd_per_hour: Vec<f64>,
    /// Why the line is unusable in some quarters (export controls), for explanations.
    pub blocked: Vec<(Quarter, VerdictKind, String)>,
}

/// A (site, chip) capacity pool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PoolKey {
    /// Site index.
    pub site: usize,
    /// Chip.
    pub chip: ChipId,
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
        .ok_or(PlanError::NoFabric)
}

/// What to price: `accelerators` of a chip (in a system) at a site, bought in a year or leased.
struct PriceQuery<'a> {
    /// Accelerator.
    chip_id: &'a ChipId,
    /// System (default: the chip's default system).
    system: Option<&'a SystemId>,
    /// Site index.
    site: usize,
    /// Buy or lease.
    mode: Mode,
    /// Accelerators.
    accelerators: u64,
    /// Purchase quarter.
    quarter: Quarter,
    /// Price override, USD per system when `system` is named, else per accelerator.
    price_usd: Option<f64>,
    /// Lease price, USD per accelerator-hour.
    lease_usd_per_hour: Option<f64>,
    /// Export-control fees on the purchase, fraction of the accelerator price (the verdict's).
    fee_fraction: f64,
}

/// Price a query with the shared cost model (same inputs as the evaluator uses for a holding).
fn price(catalog: &Catalog, scenario: &Scenario, query: &PriceQuery<'_>) -> Result<HoldingCost, PlanError> {
    let site = &scenario.sites[query.site];
    let region = &catalog[&site.region];
    let chip = &catalog[query.chip_id];
    let system = system_of(catalog, chip, query.system);
    let input = HoldingInput {
        chip,
        system,
        accelerators: query.accelerators,
        mode: query.mode,
        price_override: PriceOverride::of_entry(query.price_usd, query.system),
        purchase_quarter: query.quarter,
        market: PriceMarket::of_region(region),
        lease_usd_per_hour: query.lease_usd_per_hour,
        fabric: fabric_for(catalog, chip)?,
        energy: SiteEnergy::new(region, chip, site.pue, site.power_usd_per_kwh),
        build_musd_per_mw: region.build_musd_per_mw,
        policy_fee_fraction: query.fee_fraction,
    };
    Ok(holding_cost(&input, &catalog.costs)?)
}

/// Lease price of a chip in a region in a quarter, USD per accelerator-hour: the option's or
/// holding's, else the catalog's ([`CostParams::lease_quote`]: in force that quarter, from
/// another region with the markup when the region has none).
///
/// [`CostParams::lease_quote`]: fleetplan_core::catalog::CostParams::lease_quote
fn lease_usd_per_hour(
    catalog: &Catalog,
    chip: &str,
    region: &Region,
    given: Option<f64>,
    quarter: Quarter,
) -> Option<f64> {
    given.or_else(|| catalog.costs.lease_quote(chip, &region.id, quarter).map(|q| q.usd_per_accel_hour))
}

/// Build the problem data.
pub(crate) fn build(scenario: &Scenario, catalog: &Catalog) -> Result<Data, PlanError> {
    let fx = Fx::new(&scenario.currency, scenario.currency_per_usd);
    let horizon = scenario.horizon();
    let quarters = horizon.len();
    let sites = site_facts(scenario, catalog, &fx, &horizon)?;
    let (mut lines, mut caps) = procurement_lines(scenario, catalog, &fx, &horizon, &BTreeMap::new())?;
    let existing = existing_capacity(scenario, catalog, &fx, &horizon)?;
    let pools = pools_of(&existing.accelerators, &lines);
    let (rates, slo_misses) = slo_rates(scenario, catalog, &pools);
    let demands = zone_demands(scenario, catalog, quarters)?;
    let sizes = reference_sizes(&demands, &rates);
    if !sizes.is_empty() {
        (lines, caps) = procurement_lines(scenario, catalog, &fx, &horizon, &sizes)?;
    }
    let training = training_candidates(scenario, catalog, &pools, &horizon)?;
    Ok(Data {
        quarters,
        horizon,
        lines,
        pools,
        existing: existing.accelerators,
        existing_mw: existing.mw,
        existing_spend: existing.spend,
        existing_holdings: existing.holdings,
        demands,
        rates,
        slo_misses,
        train: training.candidates,
        runs: training.runs,
        runs_impossible: training.impossible,
        sites,
        caps,
    })
}

/// Procurement lines (every option at every one of its sites that can be priced, each chip at
/// its reference cluster size from `sizes`, else [`REFERENCE_ACCELERATORS`]) and the supply
/// cap of each option, accelerators per quarter.
fn procurement_lines(
    scenario: &Scenario,
    catalog: &Catalog,
    fx: &Fx,
    horizon: &[Quarter],
    sizes: &BTreeMap<String, u64>,
) -> Result<(Vec<Line>, Vec<Option<f64>>), PlanError> {
    let mut lines = Vec::new();
    let mut caps = Vec::new();
    for (option_index, option) in scenario.options.iter().enumerate() {
        caps.push(option.max_per_quarter.map(|c| c as f64 * f64::from(option.hardware.accelerators_per_unit)));
        let chip_id = &option.hardware.chip;
        let chip = &catalog[chip_id];
        for site_id in &option.sites {
            let reference = sizes.get(chip_id.as_str()).copied().unwrap_or(REFERENCE_ACCELERATORS);
            let at = LineSite { option: option_index, site: site_id.index(), chip_id, chip, reference };
            if let Some(line) = procurement_line(scenario, catalog, fx, horizon, &at)? {
                lines.push(line);
            }
        }
    }
    Ok((lines, caps))
}

/// Which option at which site, for [`procurement_line`].
struct LineSite<'a> {
    /// Option index.
    option: usize,
    /// Site index.
    site: usize,
    /// The option's chip.
    chip_id: &'a ChipId,
    /// The option's chip's catalog entry.
    chip: &'a Accelerator,
    /// Accelerators of the reference cluster the line is priced at.
    reference: u64,
}

/// One procurement line, or none when it cannot be priced (no lease price, or no price in any
/// year).
fn procurement_line(
    scenario: &Scenario,
    catalog: &Catalog,
    fx: &Fx,
    horizon: &[Quarter],
    at: &LineSite<'_>,
) -> Result<Option<Line>, PlanError> {
    let option = &scenario.options[at.option];
    let region = &catalog[&scenario.sites[at.site].region];
    let lease: Vec<f64> = match option.mode {
        Mode::Lease => {
            let by_quarter =
                horizon.iter().map(|q| lease_usd_per_hour(catalog, &at.chip.id, region, option.lease_usd_per_hour, *q));
            match by_quarter.collect::<Option<Vec<f64>>>() {
                Some(prices) => prices,
                None => return Ok(None),
            }
        }
        Mode::Buy => Vec::new(),
    };
    let window = policy_window(scenario, catalog, at.chip, region, option.mode, horizon);
    let (allowed, blocked) = (window.allowed, window.blocked);
    // Export controls bite at acquisition: a purchase must be allowed in the quarter it is
    // made (it may then be used while later rules forbid new purchases, as the evaluator
    // judges it); a lease is bought anew each quarter, so each quarter must allow it.
    // Nothing is bought or leased before the chip's catalog availability quarter (validation
    // already opens the option no earlier; this keeps the bound for options built in code).
    let usable: Vec<bool> = (0..horizon.len())
        .map(|i| horizon[i] >= option.available_from && at.chip.available_in(horizon[i]) && allowed[i])
        .collect();
    let costs = unit_costs(scenario, catalog, fx, horizon, at, &lease, &window.fee_fraction)?;
    if costs.mw == 0.0 {
        // No price in any year: unusable.
        return Ok(None);
    }
    let usable = usable.iter().zip(&costs.capex).map(|(u, c)| *u && c.is_finite()).collect();
    let finite = |v: &Vec<f64>| v.iter().map(|c| if c.is_finite() { *c } else { 0.0 }).collect::<Vec<f64>>();
    let (capex, capex_charged) = (finite(&costs.capex), finite(&costs.capex_charged));
    Ok(Some(Line {
        option: at.option,
        site: at.site,
        chip: at.chip_id.clone(),
        per_unit: option.hardware.accelerators_per_unit.max(1),
        mode: option.mode,
        usable,
        capex,
        capex_charged,
        opex_per_quarter: costs.opex_per_quarter,
        mw: costs.mw,
        lease_usd_per_hour: lease,
        blocked,
    }))
}

/// What the policy engine says about acquiring a line's chip at its site, per quarter.
struct PolicyWindow {
    /// Whether acquiring is allowed.
    allowed: Vec<bool>,
    /// The quarters it is not, with the verdict and rule.
    blocked: Vec<(Quarter, VerdictKind, String)>,
    /// Fees on a purchase, fraction of the accelerator price.
    fee_fraction: Vec<f64>,
}

/// Per quarter of the horizon, whether the policy engine allows acquiring the chip at the site
/// and the fees on it; and the quarters it does not, with the verdict and rule.
fn policy_window(
    scenario: &Scenario,
    catalog: &Catalog,
    chip: &Accelerator,
    region: &Region,
    mode: Mode,
    horizon: &[Quarter],
) -> PolicyWindow {
    let ownership = match mode {
        Mode::Buy => Ownership::Own,
        Mode::Lease => Ownership::Lease,
    };
    let mut window = PolicyWindow { allowed: Vec::new(), blocked: Vec::new(), fee_fraction: Vec::new() };
    for quarter in horizon {
        let date = scenario.policy.date.unwrap_or_else(|| quarter.first_day());
        let query = PolicyQuery {
            chip,
            site: region,
            buyer_hq: &scenario.buyer.headquarters,
            buyer_attributes: &scenario.buyer.attributes,
            date,
            ownership,
        };
        let verdict = judge(catalog, &query, &scenario.policy.options);
        let ok = verdict.kind == VerdictKind::Allowed;
        window.fee_fraction.push(verdict.fee_fraction);
        if !ok {
            window.blocked.push((*quarter, verdict.kind, verdict.rule_id.unwrap_or_else(|| "-".into())));
        }
        window.allowed.push(ok);
    }
    window
}

/// Linearised per-accelerator costs of a line.
struct UnitCosts {
    /// Capex per accelerator by purchase quarter (NaN: cannot be bought that quarter).
    capex: Vec<f64>,
    /// Capital charge per accelerator by purchase quarter (see [`Line::capex_charged`]).
    capex_charged: Vec<f64>,
    /// Opex per accelerator per quarter in service, by purchase quarter (buys) or by quarter
    /// (leases), scenario currency.
    opex_per_quarter: Vec<f64>,
    /// IT MW per accelerator (0: no price in the first quarter).
    mw: f64,
}

/// Price a line per accelerator on the reference cluster, once per quarter (purchase and lease
/// prices are dated by quarter, and so is the export-control fee `fee_fraction`).
fn unit_costs(
    scenario: &Scenario,
    catalog: &Catalog,
    fx: &Fx,
    horizon: &[Quarter],
    at: &LineSite<'_>,
    lease: &[f64],
    fee_fraction: &[f64],
) -> Result<UnitCosts, PlanError> {
    let option = &scenario.options[at.option];
    let n_quarters = horizon.len();
    let mut costs = UnitCosts {
        capex: vec![0.0; n_quarters],
        capex_charged: vec![0.0; n_quarters],
        opex_per_quarter: vec![0.0; n_quarters],
        mw: 0.0,
    };
    for (i, quarter) in horizon.iter().enumerate() {
        let query = PriceQuery {
            chip_id: at.chip_id,
            system: option.hardware.system.as_ref(),
            site: at.site,
            mode: option.mode,
            accelerators: at.reference,
            quarter: *quarter,
            price_usd: option.price_usd,
            lease_usd_per_hour: lease.get(i).copied(),
            fee_fraction: fee_fraction[i],
        };
        let priced = match price(catalog, scenario, &query) {
            Ok(priced) => priced,
            // A chip without a catalog price and no override cannot be bought.
            Err(PlanError::NoFabric | PlanError::Cost(_)) if option.mode == Mode::Buy => {
                costs.capex[i] = f64::NAN;
                costs.capex_charged[i] = f64::NAN;
                continue;
            }
            Err(e) => return Err(e),
        };
        let n = at.reference as f64;
        costs.capex[i] = fx.from_usd(priced.capex_usd.total()) / n;
        let in_service = (n_quarters - i) as f64;
        let charged = priced
            .capex_usd
            .charged_over(&catalog.costs, scenario.discount_rate_per_year, in_service)
            .map_err(CostError::from)?;
        costs.capex_charged[i] = fx.from_usd(charged) / n;
        costs.opex_per_quarter[i] = quarterly_opex(fx, &priced) / n;
        if i == 0 {
            costs.mw = priced.it_mw() / n;
        }
    }
    Ok(costs)
}

/// Opex of a priced holding per quarter (electricity, maintenance and lease), scenario currency.
fn quarterly_opex(fx: &Fx, priced: &HoldingCost) -> f64 {
    fx.from_usd(priced.electricity_usd_per_year + priced.maintenance_usd_per_year + priced.lease_usd_per_year) / 4.0
}

/// Existing capacity kept in the plan.
struct Existing {
    /// Accelerators per pool and quarter.
    accelerators: BTreeMap<PoolKey, Vec<f64>>,
    /// IT MW per site and quarter.
    mw: Vec<Vec<f64>>,
    /// Opex per site and quarter, scenario currency.
    spend: Vec<Vec<f64>>,
    /// The holdings.
    holdings: Vec<Holding>,
}

/// Existing holdings: in service before the horizon starts (later [[fleet]] entries are what
/// the planner decides, so they are replaced).
fn existing_capacity(
    scenario: &Scenario,
    catalog: &Catalog,
    fx: &Fx,
    horizon: &[Quarter],
) -> Result<Existing, PlanError> {
    let quarters = horizon.len();
    let site_count = scenario.sites.len();
    let mut existing = Existing {
        accelerators: BTreeMap::new(),
        mw: vec![vec![0.0; quarters]; site_count],
        spend: vec![vec![0.0; quarters]; site_count],
        holdings: Vec::new(),
    };
    for holding in scenario.fleet.iter().filter(|h| h.from < scenario.start) {
        let si = holding.site.index();
        let region = &catalog[&scenario[&holding.site].region];
        let lease = match holding.mode {
            Mode::Lease => Some(
                lease_usd_per_hour(
                    catalog,
                    holding.hardware.chip.as_str(),
                    region,
                    holding.lease_usd_per_hour,
                    holding.from,
                )
                .unwrap_or(0.0),
            ),
            Mode::Buy => None,
        };
        let query = PriceQuery {
            chip_id: &holding.hardware.chip,
            system: holding.hardware.system.as_ref(),
            site: si,
            mode: holding.mode,
            accelerators: holding.accelerators,
            quarter: holding.from,
            price_usd: holding.price_usd,
            lease_usd_per_hour: lease,
            // Only MW and opex are used here, which fees do not change.
            fee_fraction: 0.0,
        };
        let priced = price(catalog, scenario, &query)?;
        let key = PoolKey { site: si, chip: holding.hardware.chip.clone() };
        let pool = existing.accelerators.entry(key).or_insert_with(|| vec![0.0; quarters]);
        for (i, quarter) in horizon.iter().enumerate() {
            if holding.from <= *quarter && *quarter <= holding.until {
                pool[i] += holding.accelerators as f64;
                existing.mw[si][i] += priced.it_mw();
                existing.spend[si][i] += quarterly_opex(fx, &priced);
            }
        }
        existing.holdings.push(holding.clone());
    }
    Ok(existing)
}

/// Pools that existing holdings or lines create, sorted.
fn pools_of(existing: &BTreeMap<PoolKey, Vec<f64>>, lines: &[Line]) -> Vec<PoolKey> {
    let mut pools: Vec<PoolKey> = existing.keys().cloned().collect();
    for line in lines {
        let key = PoolKey { site: line.site, chip: line.chip.clone() };
        if !pools.contains(&key) {
            pools.push(key);
        }
    }
    pools.sort();
    pools
}

/// Per-chip rates at the SLO, keyed by (workload index, chip), and why the other pairs miss it.
type SloRates = (BTreeMap<(usize, String), f64>, BTreeMap<(usize, String), String>);

/// Rates: the evaluator's rate table over every pool that could exist.
fn slo_rates(scenario: &Scenario, catalog: &Catalog, pools: &[PoolKey]) -> SloRates {
    let candidates: Vec<RateCandidate> =
        pools.iter().map(|p| RateCandidate { site_region: &scenario.sites[p.site].region, chip: &p.chip }).collect();
    let table = rate_table(scenario, catalog, &candidates);
    let mut rates = BTreeMap::new();
    let mut slo_misses = BTreeMap::new();
    for ((workload_id, chip), rate) in &table {
        let Some(wi) = scenario.workloads.iter().position(|w| &w.id == workload_id) else { continue };
        // A pair that misses its latency target is not used.
        if rate.usable() {
            rates.insert((wi, chip.clone()), rate.per_chip_per_s);
        } else if let Some(problem) = &rate.problem {
            slo_misses.insert((wi, chip.clone()), problem.to_string());
        }
    }
    (rates, slo_misses)
}

/// Demand per serving workload and residency zone (user regions served from the same sites).
fn zone_demands(scenario: &Scenario, catalog: &Catalog, quarters: usize) -> Result<Vec<ZoneDemand>, PlanError> {
    let region_demand = demand::serving_demand(&scenario.workloads, catalog, scenario.start, scenario.quarters);
    let mut demands: Vec<ZoneDemand> = Vec::new();
    for (wi, workload) in scenario.workloads.iter().enumerate() {
        let cross_border = match &workload.spec {
            WorkloadSpec::Chat(c) => c.serving.cross_border,
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.cross_border,
            WorkloadSpec::Training(_) => continue,
        };
        let mut zones: BTreeMap<Vec<bool>, ZoneDemand> = BTreeMap::new();
        for region_quarter in region_demand.iter().filter(|d| d.workload == workload.id) {
            let user = &catalog[&region_quarter.region];
            let eligible: Vec<bool> =
                scenario.sites.iter().map(|site| may_serve(user, &catalog[&site.region], cross_border)).collect();
            let zone = zones.entry(eligible.clone()).or_insert_with(|| ZoneDemand {
                workload: wi,
                regions: Vec::new(),
                peak: vec![0.0; quarters],
                mean: vec![0.0; quarters],
                sites: eligible,
            });
            if !zone.regions.iter().any(|region| region_quarter.region == *region) {
                zone.regions.push(region_quarter.region.to_string());
            }
            let qi = region_quarter.quarter.since(scenario.start) as usize;
            if qi < quarters {
                zone.peak[qi] += region_quarter.peak_per_s;
                zone.mean[qi] += region_quarter.mean_per_s;
            }
        }
        demands.extend(zones.into_values());
    }
    Ok(demands)
}

/// Training runs and where they may go.
struct Training {
    /// Candidate placements.
    candidates: Vec<TrainCandidate>,
    /// Workload indices of the runs.
    runs: Vec<usize>,
    /// Runs no chip can run (workload index, reason).
    impossible: Vec<(usize, String)>,
}

/// Chips each run needs on each chip: the evaluator's placement on a single large pool per chip.
fn chips_needed(
    scenario: &Scenario,
    catalog: &Catalog,
    pools: &[PoolKey],
    horizon: &[Quarter],
) -> BTreeMap<(String, String), f64> {
    let mut need = BTreeMap::new();
    if !scenario.workloads.iter().any(|w| matches!(w.spec, WorkloadSpec::Training(_))) {
        return need;
    }
    let mut chips: Vec<ChipId> = pools.iter().map(|p| p.chip.clone()).collect();
    chips.sort();
    chips.dedup();
    for chip in &chips {
        let Some(p) = pools.iter().find(|p| &p.chip == chip) else { continue };
        let pool = ChipPool {
            site: scenario.site_id(p.site),
            region: scenario.sites[p.site].region.clone(),
            chip: chip.clone(),
            accelerators: vec![1_000_000_000; horizon.len()],
        };
        for placed in plan_training(scenario, catalog, &[pool], horizon).runs {
            need.insert((placed.workload.clone(), chip.to_string()), placed.chips_needed as f64);
        }
    }
    need
}

/// Training candidates: every run on every pool whose chip can run it by its deadline.
fn training_candidates(
    scenario: &Scenario,
    catalog: &Catalog,
    pools: &[PoolKey],
    horizon: &[Quarter],
) -> Result<Training, PlanError> {
    let need = chips_needed(scenario, catalog, pools, horizon);
    let mut training = Training { candidates: Vec::new(), runs: Vec::new(), impossible: Vec::new() };
    for (wi, workload) in scenario.workloads.iter().enumerate() {
        let WorkloadSpec::Training(run) = &workload.spec else { continue };
        training.runs.push(wi);
        let first = Quarter::of_date(run.start);
        let last = Quarter::of_date(run.deadline);
        let window: Vec<bool> = horizon.iter().map(|q| *q >= first && *q <= last).collect();
        let mut any = false;
        for pool in pools {
            let Some(chips) = need.get(&(workload.id.clone(), pool.chip.to_string())) else { continue };
            let Some(tflops) = catalog[&pool.chip].dense_tflops(run.precision) else { continue };
            if *chips <= 0.0 {
                continue;
            }
            any = true;
            training.candidates.push(TrainCandidate {
                workload: wi,
                pool: pool.clone(),
                chips: *chips,
                tflops,
                window: window.clone(),
            });
        }
        if !any {
            training.impossible.push((
                wi,
                format!(
                    "no procurable chip runs `{}` at {} (add an option with such a chip)",
                    run.model, run.precision
                ),
            ));
        }
    }
    Ok(training)
}
