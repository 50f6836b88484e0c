//! Cost model: capex, opex, depreciation, FX, TCO and carbon of accelerator holdings.
//!
//! - Capex: accelerators (the catalog's dated purchase price in force in the purchase quarter,
//!   else the chip's mid price declined per year after its price year, or an override; a dated
//!   system price prices a whole system), servers (the system's host cost, or the catalog server overhead ratio), the
//!   scale-out network sized as a fat tree from switch radix and NIC speed ([`fat_tree`],
//!   [`size_network`]), storage as a share of compute hardware, and data-center build per MW of
//!   IT load ([`build_capex_usd`]).
//! - Opex: electricity (IT power × utilisation × PUE × price), maintenance (share of hardware
//!   capex per year), leases (USD per accelerator-hour, all-in; the catalog's dated lease price
//!   is looked up by the callers with `CostParams::lease_quote`).
//! - Straight-line depreciation per asset class; carbon from energy × grid intensity.
//! - Capital recovery ([`capital_recovery_factor`], [`ByAsset::charged_over`]): the part of a
//!   purchase's capex a planning horizon is charged for the quarters the asset is in service
//!   inside it (an annuity over the catalog life at a discount rate), so that a purchase late in
//!   a horizon is not charged in full (docs/planner.md, "Capital cost over asset life").
//! - Scenario prices ([`PriceOverride::of_entry`]): `price_usd` is per accelerator on an entry
//!   that names a chip (even when the chip is priced in its catalog default system) and per
//!   system on an entry that names a system.
//! - Data-centre builds pay their capex evenly during construction ([`build_payments`], the
//!   lead time in whole quarters from [`build_lead_quarters`]); committed builds pay the part
//!   of it that falls inside the horizon ([`committed_build_spend`]).
//! - FX: every amount is computed in USD and converted once, by [`Fx::from_usd`].
//!
//! Formulas are written out in docs/evaluation.md.

use fleetplan_core::catalog::SystemId;
use fleetplan_core::catalog::{
    Accelerator, AssetClass, Catalog, CostParams, FabricTechnology, NetworkFabric, PriceMarket, PricedItem, Region,
    System, UnknownId,
};
use fleetplan_core::scenario::{CommittedBuild, Mode, Quarter};
use serde::Serialize;

/// Hours in a (non-leap) year, the unit of yearly opex.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// Errors of the cost model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CostError {
    /// A catalog entry the model needs is missing.
    #[error(transparent)]
    Unknown(#[from] UnknownId),
    /// A leased holding without a lease price.
    #[error("no lease price for `{chip}`: give lease_usd_per_hour")]
    NoLeasePrice {
        /// Catalog accelerator id.
        chip: String,
    },
    /// A bought holding of a chip without a catalog price and without an override.
    #[error("accelerator `{chip}` has no catalog price: give price_usd in the scenario")]
    NoCatalogPrice {
        /// Catalog accelerator id.
        chip: String,
    },
}

/// The scenario currency and its rate: the one place amounts leave USD.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fx {
    /// ISO 4217 code, e.g. "CNY".
    pub currency: String,
    /// Units of `currency` per USD.
    pub per_usd: f64,
}

impl Fx {
    /// A currency at `per_usd` units per US dollar.
    pub fn new(currency: &str, per_usd: f64) -> Fx {
        Fx { currency: currency.to_string(), per_usd }
    }

    /// Convert an amount in USD into the currency (the only conversion the models make).
    pub fn from_usd(&self, usd: f64) -> f64 {
        usd * self.per_usd
    }
}

/// Amounts per asset class (capex or depreciation), USD.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ByAsset {
    /// Accelerators.
    pub accelerators: f64,
    /// Servers around them (host, chassis, NICs).
    pub servers: f64,
    /// Scale-out network (switches, optics, cables).
    pub network: f64,
    /// Storage.
    pub storage: f64,
    /// Data-center buildings, power and cooling.
    pub buildings: f64,
}

impl ByAsset {
    /// Sum over classes.
    pub fn total(&self) -> f64 {
        self.accelerators + self.servers + self.network + self.storage + self.buildings
    }

    /// Amount of one class.
    pub fn get(&self, class: AssetClass) -> f64 {
        match class {
            AssetClass::Accelerators => self.accelerators,
            AssetClass::Servers => self.servers,
            AssetClass::Network => self.network,
            AssetClass::Storage => self.storage,
            AssetClass::Buildings => self.buildings,
        }
    }

    /// Hardware only (everything but buildings).
    pub fn hardware(&self) -> f64 {
        self.total() - self.buildings
    }

    /// Each class times `k`.
    pub fn scaled(&self, k: f64) -> ByAsset {
        ByAsset {
            accelerators: self.accelerators * k,
            servers: self.servers * k,
            network: self.network * k,
            storage: self.storage * k,
            buildings: self.buildings * k,
        }
    }

    /// Class-wise sum.
    pub fn plus(&self, o: &ByAsset) -> ByAsset {
        ByAsset {
            accelerators: self.accelerators + o.accelerators,
            servers: self.servers + o.servers,
            network: self.network + o.network,
            storage: self.storage + o.storage,
            buildings: self.buildings + o.buildings,
        }
    }

    /// Capex charged for `quarters_in_service` quarters of use: each class times
    /// [`recovered_fraction`] over its catalog depreciation life at `discount_rate_per_year`
    /// (same unit as `self`). The rest is the residual value the asset keeps.
    pub fn charged_over(
        &self,
        costs: &CostParams,
        discount_rate_per_year: f64,
        quarters_in_service: f64,
    ) -> Result<f64, UnknownId> {
        let mut charged = 0.0;
        for class in AssetClass::ALL {
            let amount = self.get(class);
            if amount != 0.0 {
                let life = costs.depreciation_years(class)?;
                charged += amount * recovered_fraction(discount_rate_per_year, life, quarters_in_service);
            }
        }
        Ok(charged)
    }

    /// Straight-line depreciation per year: each class divided by its catalog life in years.
    pub fn yearly_depreciation(&self, costs: &CostParams) -> Result<ByAsset, UnknownId> {
        let d = |c: AssetClass| -> Result<f64, UnknownId> { Ok(self.get(c) / costs.depreciation_years(c)?) };
        Ok(ByAsset {
            accelerators: d(AssetClass::Accelerators)?,
            servers: d(AssetClass::Servers)?,
            network: d(AssetClass::Network)?,
            storage: d(AssetClass::Storage)?,
            buildings: d(AssetClass::Buildings)?,
        })
    }
}

/// Switch and link counts of a non-blocking fat tree (folded Clos) of `radix`-port switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FatTree {
    /// Endpoint ports connected.
    pub endpoints: u64,
    /// Switch radix (ports per switch).
    pub radix: u32,
    /// Switch tiers (0 for no endpoints, 1 = one switch, 2 = leaf–spine, 3 = leaf–aggregation–core).
    pub tiers: u8,
    /// Independent 3-tier fabrics when the endpoints exceed one (k³/4 each).
    pub planes: u64,
    /// Leaf (top-of-rack) switches.
    pub leaf_switches: u64,
    /// Spine (2 tiers) or aggregation (3 tiers) switches.
    pub spine_switches: u64,
    /// Core switches (3 tiers only).
    pub core_switches: u64,
    /// Links: endpoint–leaf plus every switch uplink.
    pub links: u64,
}

impl FatTree {
    /// All switches.
    pub fn switches(&self) -> u64 {
        self.leaf_switches + self.spine_switches + self.core_switches
    }

    /// Optical transceivers: two per link (one at each end).
    pub fn optics(&self) -> u64 {
        2 * self.links
    }
}

/// Most endpoints a non-blocking fat tree of `radix`-port switches serves with `tiers` tiers:
/// k (1 tier), k²/2 (2 tiers), k³/4 (3 tiers).
pub fn max_endpoints(radix: u32, tiers: u8) -> u64 {
    let k = u64::from(radix);
    match tiers {
        0 => 0,
        1 => k,
        2 => k * k / 2,
        _ => k * k * k / 4,
    }
}

fn div_ceil(a: u64, b: u64) -> u64 {
    if b == 0 { 0 } else { a.div_ceil(b) }
}

/// Size a non-blocking fat tree for `endpoints` ports with `radix`-port switches. Each leaf
/// uses half its ports down and half up (k/2 each); spines/aggregation switches take k/2
/// downlinks per leaf-pair half; cores take all k ports down. Beyond k³/4 endpoints the fabric
/// is split into independent 3-tier planes.
pub fn fat_tree(endpoints: u64, radix: u32) -> FatTree {
    let ports = u64::from(radix.max(2));
    let half = ports / 2;
    let mut tree = FatTree { endpoints, radix, ..FatTree::default() };
    if endpoints == 0 {
        return tree;
    }
    if endpoints <= ports {
        tree.tiers = 1;
        tree.planes = 1;
        tree.leaf_switches = 1;
        tree.links = endpoints;
    } else if endpoints <= max_endpoints(radix.max(2), 2) {
        tree.tiers = 2;
        tree.planes = 1;
        tree.leaf_switches = div_ceil(endpoints, half);
        tree.spine_switches = div_ceil(tree.leaf_switches * half, ports);
        tree.links = endpoints + tree.leaf_switches * half;
    } else {
        tree.tiers = 3;
        let per_plane = max_endpoints(radix.max(2), 3);
        tree.planes = div_ceil(endpoints, per_plane);
        // Closed form: `full` identical full planes plus one partial plane (no loop over planes,
        // so the time does not grow with the count).
        let full = endpoints / per_plane;
        let rest = endpoints % per_plane;
        for (plane_endpoints, copies) in [(per_plane, full), (rest, u64::from(rest > 0))] {
            let leaves = div_ceil(plane_endpoints, half);
            let aggregations = leaves;
            let cores = div_ceil(aggregations * half, ports);
            tree.leaf_switches = tree.leaf_switches.saturating_add(leaves.saturating_mul(copies));
            tree.spine_switches = tree.spine_switches.saturating_add(aggregations.saturating_mul(copies));
            tree.core_switches = tree.core_switches.saturating_add(cores.saturating_mul(copies));
            let links = plane_endpoints + leaves * half + aggregations * half;
            tree.links = tree.links.saturating_add(links.saturating_mul(copies));
        }
    }
    tree
}

/// Scale-out network of one cluster: the fat tree and what it costs and draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkSizing {
    /// Catalog fabric id.
    pub fabric: String,
    /// Fabric ports per accelerator (⌈NIC Gb/s ÷ port Gb/s⌉).
    pub ports_per_accelerator: u32,
    /// The tree.
    pub tree: FatTree,
    /// Switches, USD.
    pub switches_usd: f64,
    /// Optical transceivers, USD.
    pub optics_usd: f64,
    /// Fibres and cables, USD.
    pub cables_usd: f64,
    /// Switches and optics at load, W.
    pub power_w: f64,
}

impl NetworkSizing {
    /// Network capex, USD (switches + optics + cables; NICs are part of the servers' host cost).
    pub fn capex_usd(&self) -> f64 {
        self.switches_usd + self.optics_usd + self.cables_usd
    }
}

/// Size the scale-out network of `accelerators` chips with `nic_gbps` of NIC bandwidth each on
/// `fabric`.
pub fn size_network(fabric: &NetworkFabric, accelerators: u64, nic_gbps: f64) -> NetworkSizing {
    let ports = (nic_gbps / fabric.port_gbps).ceil().max(1.0) as u32;
    let tree = fat_tree(accelerators.saturating_mul(u64::from(ports)), fabric.switch_radix);
    NetworkSizing {
        fabric: fabric.id.clone(),
        ports_per_accelerator: ports,
        tree,
        switches_usd: tree.switches() as f64 * fabric.switch_price_usd,
        optics_usd: tree.optics() as f64 * fabric.optic_price_usd,
        cables_usd: tree.links as f64 * fabric.cable_price_usd,
        power_w: tree.switches() as f64 * fabric.switch_power_w + tree.optics() as f64 * fabric.optic_power_w,
    }
}

/// The technology a chip's cluster uses by default: InfiniBand for NVIDIA chips, Ethernet
/// (RoCE) for everyone else.
pub fn default_technology(chip: &Accelerator) -> FabricTechnology {
    if chip.vendor.eq_ignore_ascii_case("NVIDIA") { FabricTechnology::Infiniband } else { FabricTechnology::Ethernet }
}

/// The catalog fabric of `technology` that suits a `nic_gbps` NIC: the slowest whose port is at
/// least the NIC speed, else the fastest (several ports per chip). `None` when the catalog has
/// no fabric of that technology.
pub fn choose_fabric(costs: &CostParams, technology: FabricTechnology, nic_gbps: f64) -> Option<&NetworkFabric> {
    let of_kind = || costs.fabrics.iter().filter(move |f| f.technology() == technology);
    of_kind()
        .filter(|f| f.port_gbps >= nic_gbps)
        .min_by(|a, b| a.port_gbps.total_cmp(&b.port_gbps))
        .or_else(|| of_kind().max_by(|a, b| a.port_gbps.total_cmp(&b.port_gbps)))
}

/// Catalog unit price of `chip` bought in `quarter` for delivery to `market`, USD: the dated
/// purchase point in force ([`CostParams::purchase_point`]), else the chip's base price (the mid
/// of its range) lowered by the catalog's yearly decline for each year after its price year.
/// `None` without either.
pub fn accelerator_price_usd(
    chip: &Accelerator,
    quarter: Quarter,
    market: PriceMarket,
    costs: &CostParams,
) -> Option<f64> {
    if let Some(point) = costs.purchase_point(PricedItem::Chip(&chip.id), quarter, market) {
        return Some(point.usd());
    }
    let mid = chip.price_usd_mid()?;
    let years = chip.price_year.map_or(0, |y| (quarter.year - y).max(0));
    Some(mid * (1.0 - costs.accelerator_price_decline_per_year()).powi(years))
}

/// Capital-recovery factor per quarter: the level payment per quarter, as a fraction of the
/// capex, that repays the capex over `life_years` at `discount_rate_per_year` (compounded
/// quarterly: r_q = (1 + r)^(1/4) − 1, n = 4 · life):
/// CRF = r_q / (1 − (1 + r_q)^−n), and 1/n when the rate is 0. Dimensionless.
pub fn capital_recovery_factor(discount_rate_per_year: f64, life_years: f64) -> f64 {
    let quarters = (4.0 * life_years).max(1.0);
    let rate = (1.0 + discount_rate_per_year.max(0.0)).powf(0.25) - 1.0;
    if rate < 1e-12 { 1.0 / quarters } else { rate / (1.0 - (1.0 + rate).powf(-quarters)) }
}

/// Fraction of a purchase's capex charged for `quarters_in_service` quarters of use:
/// min(quarters, 4 · life) × [`capital_recovery_factor`]. Over the whole life at a zero rate
/// this is all of it (above 1 at a positive rate: the payments include the return on capital);
/// what a shorter use leaves is the asset's residual value at the horizon's end.
pub fn recovered_fraction(discount_rate_per_year: f64, life_years: f64, quarters_in_service: f64) -> f64 {
    let quarters = quarters_in_service.clamp(0.0, (4.0 * life_years).max(1.0));
    quarters * capital_recovery_factor(discount_rate_per_year, life_years)
}

/// Data-center build capex for `mw` of IT load in `region`, USD.
pub fn build_capex_usd(mw: f64, region: &Region) -> f64 {
    mw * region.build_musd_per_mw * 1e6
}

/// Lead time of a data-centre build in whole quarters: ⌈lead_time_months / 3⌉ (0 for none).
pub fn build_lead_quarters(lead_time_months: f64) -> usize {
    (lead_time_months / 3.0).ceil().max(0.0) as usize
}

/// Cash payments of a data-centre build that comes online in `online` after a construction of
/// `lead_quarters` quarters: the capex paid evenly in the `lead_quarters` quarters before
/// `online` (online − L … online − 1), or all of it in `online` when the lead time is 0.
/// Returns (quarter paid, amount) in quarter order; the amount is in `capex`'s unit. The one
/// home of the rule for the planner's builds, committed builds and the evaluator's builds.
pub fn build_payments(capex: f64, online: Quarter, lead_quarters: usize) -> Vec<(Quarter, f64)> {
    if lead_quarters == 0 {
        return vec![(online, capex)];
    }
    let each = capex / lead_quarters as f64;
    (1..=lead_quarters as i64).rev().map(|k| (online.offset(-k), each)).collect()
}

/// Cash paid for committed builds (`[[site.build]]` with `capex`, scenario currency) in each
/// quarter of `horizon`, by [`build_payments`]; payments due before the horizon were made
/// before it and are not counted.
pub fn committed_build_spend(builds: &[CommittedBuild], lead_quarters: usize, horizon: &[Quarter]) -> Vec<f64> {
    let mut spend = vec![0.0; horizon.len()];
    let Some(start) = horizon.first() else { return spend };
    for build in builds {
        let Some(capex) = build.capex else { continue };
        for (paid_in, amount) in build_payments(capex, build.online, lead_quarters) {
            let index = paid_in.since(*start);
            if (0..horizon.len() as i64).contains(&index) {
                spend[index as usize] += amount;
            }
        }
    }
    spend
}

/// Energy prices and carbon at one site.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SiteEnergy {
    /// Power usage effectiveness.
    pub pue: f64,
    /// Electricity price, USD per kWh.
    pub power_usd_per_kwh: f64,
    /// Grid carbon intensity, g CO2e per kWh.
    pub grid_gco2_per_kwh: f64,
}

impl SiteEnergy {
    /// A site in `region` with optional PUE and price overrides; the region's subsidised price
    /// applies to domestic chips (chip origin = region country) where it has one.
    pub fn new(region: &Region, chip: &Accelerator, pue: Option<f64>, power_usd_per_kwh: Option<f64>) -> SiteEnergy {
        let domestic = chip.origin_country == region.country;
        SiteEnergy {
            pue: pue.unwrap_or(region.pue),
            power_usd_per_kwh: power_usd_per_kwh.unwrap_or_else(|| region.power_price_usd_per_kwh(domestic)),
            grid_gco2_per_kwh: region.grid_gco2_per_kwh,
        }
    }
}

/// A purchase price given in the scenario (`price_usd` of an option or a fleet entry), USD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum PriceOverride {
    /// USD per accelerator: the entry names a chip (`chip = "…"`), also when the chip is
    /// packaged in its catalog default system. The host cost comes on top.
    PerAccelerator(f64),
    /// USD per system, host included: the entry names a system (`system = "…"`).
    PerSystem(f64),
}

impl PriceOverride {
    /// The one reading of a scenario `price_usd` (docs/scenario.md): per system when the entry
    /// names a system (`named_system`), per accelerator when it names a chip.
    pub fn of_entry(price_usd: Option<f64>, named_system: Option<&SystemId>) -> Option<PriceOverride> {
        price_usd.map(|usd| match named_system {
            Some(_) => PriceOverride::PerSystem(usd),
            None => PriceOverride::PerAccelerator(usd),
        })
    }
}

/// The system a holding is priced in: the one the entry names, else the chip's catalog default
/// ([`default_system`]), else none (server overhead ratios).
pub fn system_of<'a>(catalog: &'a Catalog, chip: &Accelerator, named: Option<&SystemId>) -> Option<&'a System> {
    match named {
        Some(id) => Some(&catalog[id]),
        None => default_system(catalog, chip),
    }
}

/// One holding to price: chips (optionally in a catalog system) at one site, bought or leased.
#[derive(Debug, Clone, Copy)]
pub struct HoldingInput<'a> {
    /// The accelerator.
    pub chip: &'a Accelerator,
    /// The system it comes in, if named (else the catalog's first system for the chip, else the
    /// server overhead ratio).
    pub system: Option<&'a System>,
    /// Accelerators held.
    pub accelerators: u64,
    /// Bought or leased.
    pub mode: Mode,
    /// Purchase price given in the scenario (per accelerator or per system; see
    /// [`PriceOverride::of_entry`]), else the catalog's.
    pub price_override: Option<PriceOverride>,
    /// Quarter of purchase (picks the catalog's dated purchase price, or the base price's
    /// decline).
    pub purchase_quarter: Quarter,
    /// Purchase market of the site (China street prices apply to sites in China).
    pub market: PriceMarket,
    /// Lease price, USD per accelerator-hour (required for leases).
    pub lease_usd_per_hour: Option<f64>,
    /// Scale-out fabric.
    pub fabric: &'a NetworkFabric,
    /// Energy at the site.
    pub energy: SiteEnergy,
    /// Data-center build cost at the site, million USD per MW of IT load (for the facility
    /// charge in [`HoldingCost::usd_per_accelerator_hour`]).
    pub build_musd_per_mw: f64,
    /// Fees, revenue shares and duties export-control rules put on this purchase, as a fraction
    /// of the accelerator price (0.25 = 25 %; the policy verdict's `fee_fraction`). Added to the
    /// accelerator capex of a purchase; leases ignore it (a lease price is all-in).
    pub policy_fee_fraction: f64,
}

/// Costs of one holding. Capex and depreciation are zero for leases (the lease is all-in).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldingCost {
    /// Accelerators held.
    pub accelerators: u64,
    /// Bought or leased.
    pub mode: Mode,
    /// Purchase capex by asset class (buildings 0: see [`build_capex_usd`]), USD. The
    /// accelerators include `fees_usd`.
    pub capex_usd: ByAsset,
    /// Export-control fees and duties on the purchase (part of the accelerator capex), USD;
    /// 0 for leases.
    pub fees_usd: f64,
    /// Straight-line depreciation per year by asset class, USD (buildings: facility charge for
    /// the IT load, owned only).
    pub depreciation_usd_per_year: ByAsset,
    /// The scale-out network.
    pub network: NetworkSizing,
    /// Nameplate IT power (chips, hosts, network), W.
    pub it_power_w: f64,
    /// Energy at the meter (IT × utilisation × PUE), MWh per year.
    pub energy_mwh_per_year: f64,
    /// Electricity bill, USD per year (0 for leases: included in the lease).
    pub electricity_usd_per_year: f64,
    /// Maintenance and spares, USD per year (owned only).
    pub maintenance_usd_per_year: f64,
    /// Lease payments, USD per year.
    pub lease_usd_per_year: f64,
    /// Emissions, tonnes CO2e per year (owned and leased: the chips run either way).
    pub tco2_per_year: f64,
}

impl HoldingCost {
    /// Yearly total cost of ownership: depreciation + electricity + maintenance + leases, USD.
    pub fn tco_usd_per_year(&self) -> f64 {
        self.depreciation_usd_per_year.total()
            + self.electricity_usd_per_year
            + self.maintenance_usd_per_year
            + self.lease_usd_per_year
    }

    /// TCO per accelerator-hour, USD (the unit cost behind cost per token).
    pub fn usd_per_accelerator_hour(&self) -> f64 {
        if self.accelerators == 0 {
            return 0.0;
        }
        self.tco_usd_per_year() / (self.accelerators as f64 * HOURS_PER_YEAR)
    }

    /// Nameplate IT power, MW.
    pub fn it_mw(&self) -> f64 {
        self.it_power_w / 1e6
    }
}

/// The system a bare chip is packaged in: the catalog's first system holding it.
pub fn default_system<'a>(catalog: &'a Catalog, chip: &Accelerator) -> Option<&'a System> {
    catalog.systems.iter().find(|s| s.accelerator == chip.id)
}

/// Host cost (USD) and power (W) per accelerator: from the system, else the catalog's server
/// overhead and power ratios applied to the chip's price and TDP.
fn host_per_accelerator(holding: &HoldingInput<'_>, costs: &CostParams) -> Result<(f64, f64), CostError> {
    let chip = holding.chip;
    Ok(match holding.system {
        Some(system) => {
            let per_system = f64::from(system.accelerators_per_system.max(1));
            (system.host_cost_usd / per_system, system.host_power_w / per_system)
        }
        None => {
            let chip_price =
                accelerator_price_usd(chip, holding.purchase_quarter, holding.market, costs).unwrap_or(0.0);
            (chip_price * (costs.server_overhead_ratio()? - 1.0), chip.tdp_w * (costs.server_power_ratio()? - 1.0))
        }
    })
}

/// Purchase price per accelerator split into chip and server (host) parts, USD: a per-system
/// override, else (without a per-accelerator override) the system's dated catalog price in
/// force, is split at the system's host cost; a per-accelerator override or the chip's catalog
/// price goes to the chip, with `host_usd` for the server.
fn purchase_split(holding: &HoldingInput<'_>, costs: &CostParams, host_usd: f64) -> Result<(f64, f64), CostError> {
    let chip = holding.chip;
    let system_point = |system: &System| {
        costs.purchase_point(PricedItem::System(&system.id), holding.purchase_quarter, holding.market).map(|p| p.usd())
    };
    let per_system = match holding.price_override {
        Some(PriceOverride::PerAccelerator(price)) => return Ok((price, host_usd)),
        Some(PriceOverride::PerSystem(price)) => Some(price),
        None => holding.system.and_then(system_point),
    };
    Ok(match (per_system, holding.system) {
        (Some(price), Some(system)) => {
            let per_system = f64::from(system.accelerators_per_system.max(1));
            let host = system.host_cost_usd.min(price);
            ((price - host) / per_system, host / per_system)
        }
        // A per-system price without a system to divide it by: read per accelerator.
        (Some(price), None) => (price, host_usd),
        (None, _) => {
            let price = accelerator_price_usd(chip, holding.purchase_quarter, holding.market, costs)
                .ok_or_else(|| CostError::NoCatalogPrice { chip: chip.id.clone() })?;
            (price, host_usd)
        }
    })
}

/// Price one holding. Host cost and power per accelerator come from the system (named, or the
/// catalog default for the chip via [`default_system`] when the caller passes it), else from
/// the server overhead and power ratios.
pub fn holding_cost(holding: &HoldingInput<'_>, costs: &CostParams) -> Result<HoldingCost, CostError> {
    let count = holding.accelerators as f64;
    let chip = holding.chip;
    let (host_usd, host_w) = host_per_accelerator(holding, costs)?;
    let network = size_network(holding.fabric, holding.accelerators, chip.scaleout_nic_gbps);
    let it_power_w = count * (chip.tdp_w + host_w) + network.power_w;
    let energy_mwh_per_year = it_power_w / 1e6 * costs.it_power_utilisation() * holding.energy.pue * HOURS_PER_YEAR;
    let tco2_per_year = energy_mwh_per_year * 1e3 * holding.energy.grid_gco2_per_kwh / 1e6;

    let mut cost = HoldingCost {
        accelerators: holding.accelerators,
        mode: holding.mode,
        capex_usd: ByAsset::default(),
        depreciation_usd_per_year: ByAsset::default(),
        network,
        it_power_w,
        energy_mwh_per_year,
        fees_usd: 0.0,
        electricity_usd_per_year: 0.0,
        maintenance_usd_per_year: 0.0,
        lease_usd_per_year: 0.0,
        tco2_per_year,
    };
    match holding.mode {
        Mode::Lease => {
            let price = holding.lease_usd_per_hour.ok_or_else(|| CostError::NoLeasePrice { chip: chip.id.clone() })?;
            cost.lease_usd_per_year = count * price * HOURS_PER_YEAR;
        }
        Mode::Buy => {
            let (chip_usd, server_usd) = purchase_split(holding, costs, host_usd)?;
            let accelerators = count * chip_usd;
            let servers = count * server_usd;
            // The fee is capitalised with the chips (and depreciated with them); storage and
            // maintenance scale with the hardware's price before fees.
            let fees_usd = accelerators * holding.policy_fee_fraction.max(0.0);
            let capex = ByAsset {
                accelerators: accelerators + fees_usd,
                servers,
                network: cost.network.capex_usd(),
                storage: (accelerators + servers) * costs.storage_share()?,
                buildings: 0.0,
            };
            let facility = ByAsset { buildings: holding.build_musd_per_mw * it_power_w, ..ByAsset::default() };
            cost.depreciation_usd_per_year = capex.plus(&facility).yearly_depreciation(costs)?;
            cost.maintenance_usd_per_year = (capex.hardware() - fees_usd) * costs.maintenance_share_per_year()?;
            cost.fees_usd = fees_usd;
            cost.electricity_usd_per_year = energy_mwh_per_year * 1e3 * holding.energy.power_usd_per_kwh;
            cost.capex_usd = capex;
        }
    }
    Ok(cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_tier_two_tier_boundaries() {
        let t = fat_tree(64, 64);
        assert_eq!((t.tiers, t.switches(), t.links), (1, 1, 64));
        let t = fat_tree(65, 64);
        assert_eq!(t.tiers, 2);
        assert_eq!(t.leaf_switches, 3);
        assert_eq!(t.spine_switches, 2);
        assert_eq!(fat_tree(0, 64), FatTree { radix: 64, ..FatTree::default() });
    }

    #[test]
    fn capital_recovery_charges_a_late_purchase_a_fraction() {
        // Zero rate: straight line, 1/20 per quarter over 5 years.
        assert!((capital_recovery_factor(0.0, 5.0) - 0.05).abs() < 1e-12);
        assert!((recovered_fraction(0.0, 5.0, 20.0) - 1.0).abs() < 1e-12);
        // A positive rate charges more per quarter than straight line, the whole life at most 1.
        let crf = capital_recovery_factor(0.08, 5.0);
        assert!(crf > 0.05 && crf < 0.07, "{crf}");
        assert!(recovered_fraction(0.08, 5.0, 1.0) < recovered_fraction(0.08, 5.0, 12.0));
        let whole = recovered_fraction(0.08, 5.0, 40.0);
        assert!(whole > 1.0 && whole < 1.3 && whole == recovered_fraction(0.08, 5.0, 20.0), "{whole}");
    }

    #[test]
    fn fx_converts_once() {
        let fx = Fx::new("CNY", 7.2);
        assert_eq!(fx.from_usd(10.0), 72.0);
    }
}
