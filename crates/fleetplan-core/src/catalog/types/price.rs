//! Dated prices: lease prices (`[[lease]]`, USD per accelerator-hour) and purchase prices
//! (`[[purchase_price]]`, USD per accelerator or per system) as time series of points, each in
//! force from a quarter until the next point of the same series.
//!
//! This is the one home of "what does a chip cost to lease or buy in a quarter":
//! [`CostParams::lease_quote`] and [`CostParams::purchase_point`]. The evaluator and the planner
//! both read these (through `fleetplan_models::cost` for purchases).
//!
//! **Leases.** A series is (chip, region, basis). Its price in a quarter is the latest point at
//! or before the quarter; before its first point, the first point (the catalog has no earlier
//! figure, and a price of the right order beats none). The planning basis is
//! [`PLANNING_LEASE_BASIS`] (one-year term: what a capex plan compares a purchase with); when a
//! region has no series of that basis, the region's other bases are tried in
//! [`LEASE_BASIS_ORDER`]; when the region has none at all, the same search runs over the
//! reference region [`LEASE_REFERENCE_REGION`] and then the other regions (id order), and the
//! price found is raised by the `lease-regional-markup` cost factor.
//!
//! **Purchases.** A series is (chip or system, basis). The point used for a purchase in a
//! quarter is the latest point at or before it among the bases that apply to the market
//! ([`PriceMarket`]): in China a `china-street` point in force wins; otherwise (and elsewhere)
//! the latest `street`, `list` or `bom-estimate` point (same quarter: that order). Without a
//! point in force the cost model falls back to the chip's base price (chips.toml) with the
//! yearly decline.

use super::common::{Provenance, check_positive_opt};
use super::cost::{CostParams, factor_ids};
use super::region::Region;
use crate::catalog::Catalog;
use crate::scenario::Quarter;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What kind of price a lease point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LeaseBasis {
    /// Spot / interruptible market price (daily fixings).
    Spot,
    /// On-demand list price (no commitment).
    OnDemand,
    /// Reserved for one year.
    #[serde(rename = "term-1y")]
    Term1y,
    /// Reserved for three years.
    #[serde(rename = "term-3y")]
    Term3y,
    /// A published rental price index (e.g. Silicon Data SDH100RT).
    Index,
    /// A negotiated multi-year contract with an operator (capacity built for one tenant).
    Contract,
}

impl LeaseBasis {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseBasis::Spot => "spot",
            LeaseBasis::OnDemand => "on-demand",
            LeaseBasis::Term1y => "term-1y",
            LeaseBasis::Term3y => "term-3y",
            LeaseBasis::Index => "index",
            LeaseBasis::Contract => "contract",
        }
    }
}

/// The basis plans lease at: a one-year term (a capex plan compares owning with committed
/// capacity, not with spot or on-demand rates).
pub const PLANNING_LEASE_BASIS: LeaseBasis = LeaseBasis::Term1y;

/// Bases tried in a region, in order: the planning basis, then the committed ones, then market
/// indices, then on-demand and spot (further from what a plan commits to).
pub const LEASE_BASIS_ORDER: [LeaseBasis; 6] = [
    LeaseBasis::Term1y,
    LeaseBasis::Contract,
    LeaseBasis::Term3y,
    LeaseBasis::Index,
    LeaseBasis::OnDemand,
    LeaseBasis::Spot,
];

/// The region searched first when a region has no lease price of its own (the deepest market).
pub const LEASE_REFERENCE_REGION: &str = "us";

/// One dated lease price: renting one accelerator for one hour in a region, from a quarter on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeasePrice {
    /// Catalog id, e.g. `h100-sxm-us-2026q2`.
    pub id: String,
    /// Accelerator id.
    pub accelerator: String,
    /// Region id.
    pub region: String,
    /// First quarter the price is in force (until the next point of the same series).
    pub from: Quarter,
    /// What kind of price (spot, on-demand, term-1y, ...).
    pub basis: LeaseBasis,
    /// Price, USD per accelerator-hour (all-in: host, network, power, facility). When omitted,
    /// the middle of the band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_accel_hour: Option<f64>,
    /// Low end of the quoted band, USD per accelerator-hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_accel_hour_low: Option<f64>,
    /// High end of the quoted band, USD per accelerator-hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_accel_hour_high: Option<f64>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl LeasePrice {
    /// The price the point stands for, USD per accelerator-hour: the value, else the middle of
    /// the band (NaN when the entry has neither: an integrity problem).
    pub fn usd_per_accel_hour(&self) -> f64 {
        mid_or_value(self.usd_per_accel_hour, self.usd_per_accel_hour_low, self.usd_per_accel_hour_high)
    }
}

/// The lease price a holding pays, with the point it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeaseQuote<'a> {
    /// The price, USD per accelerator-hour (with the regional markup when `marked_up`).
    pub usd_per_accel_hour: f64,
    /// The catalog point.
    pub point: &'a LeasePrice,
    /// Whether the point is from another region, raised by the regional markup.
    pub marked_up: bool,
}

/// Which purchase prices apply: China street prices differ from the rest of the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PriceMarket {
    /// Everywhere but mainland China.
    Global,
    /// Deliveries to sites in mainland China.
    China,
}

impl PriceMarket {
    /// The market of a site in `region` (China for mainland-China regions).
    pub fn of_region(region: &Region) -> PriceMarket {
        if region.china_mainland { PriceMarket::China } else { PriceMarket::Global }
    }
}

/// What kind of purchase price a point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PurchaseBasis {
    /// Vendor list price.
    List,
    /// Street price paid by large buyers (press, analysts).
    Street,
    /// Street price paid by buyers in China (applies to sites in China only).
    ChinaStreet,
    /// Analyst bill-of-materials estimate.
    BomEstimate,
}

impl PurchaseBasis {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseBasis::List => "list",
            PurchaseBasis::Street => "street",
            PurchaseBasis::ChinaStreet => "china-street",
            PurchaseBasis::BomEstimate => "bom-estimate",
        }
    }

    /// Preference among points of the same quarter (lower first).
    fn rank(self) -> u8 {
        match self {
            PurchaseBasis::ChinaStreet => 0,
            PurchaseBasis::Street => 1,
            PurchaseBasis::List => 2,
            PurchaseBasis::BomEstimate => 3,
        }
    }
}

/// What a purchase price is for: one accelerator or one system (server, rack, pod).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PricedItem<'a> {
    /// An accelerator id (price per accelerator).
    Chip(&'a str),
    /// A system id (price per system, accelerators and host).
    System(&'a str),
}

/// One dated purchase price of an accelerator or a system, from a quarter on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchasePrice {
    /// Catalog id, e.g. `h200-china-2026q1`.
    pub id: String,
    /// Accelerator id (price per accelerator); exactly one of `accelerator` and `system`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
    /// System id (price per system, host included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// First quarter the price is in force.
    pub from: Quarter,
    /// List, street, China street or BOM estimate.
    pub basis: PurchaseBasis,
    /// Price, USD per unit. When omitted, the middle of the band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
    /// Low end of the quoted band, USD per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_low: Option<f64>,
    /// High end of the quoted band, USD per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_high: Option<f64>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl PurchasePrice {
    /// The price the point stands for, USD per unit: the value, else the middle of the band.
    pub fn usd(&self) -> f64 {
        mid_or_value(self.usd, self.usd_low, self.usd_high)
    }

    /// Whether the point prices `item`.
    fn prices(&self, item: PricedItem<'_>) -> bool {
        match item {
            PricedItem::Chip(id) => self.accelerator.as_deref() == Some(id),
            PricedItem::System(id) => self.system.as_deref() == Some(id),
        }
    }

    /// "accelerator `x`" or "system `y`", for messages.
    pub fn item_label(&self) -> String {
        match (&self.accelerator, &self.system) {
            (Some(a), _) => format!("accelerator `{a}`"),
            (None, Some(s)) => format!("system `{s}`"),
            (None, None) => "nothing".into(),
        }
    }
}

/// `value`, else the middle of `low..high` (NaN without either).
fn mid_or_value(value: Option<f64>, low: Option<f64>, high: Option<f64>) -> f64 {
    match (value, low, high) {
        (Some(v), _, _) => v,
        (None, Some(l), Some(h)) => (l + h) / 2.0,
        _ => f64::NAN,
    }
}

impl CostParams {
    /// The point of the lease series (chip, region, basis) in force in `quarter`: the latest at
    /// or before it, else the series' first point; `None` when the series is empty.
    pub fn lease_in_force(&self, chip: &str, region: &str, basis: LeaseBasis, quarter: Quarter) -> Option<&LeasePrice> {
        let series = || self.leases.iter().filter(|l| l.accelerator == chip && l.region == region && l.basis == basis);
        series().filter(|l| l.from <= quarter).max_by_key(|l| l.from).or_else(|| series().min_by_key(|l| l.from))
    }

    /// The lease price of `chip` in `region` in `quarter` for planning (see the module docs for
    /// the basis and fallback order); `None` when the catalog has no lease price for the chip.
    pub fn lease_quote(&self, chip: &str, region: &str, quarter: Quarter) -> Option<LeaseQuote<'_>> {
        let in_region = |r: &str| LEASE_BASIS_ORDER.iter().find_map(|b| self.lease_in_force(chip, r, *b, quarter));
        if let Some(point) = in_region(region) {
            return Some(LeaseQuote { usd_per_accel_hour: point.usd_per_accel_hour(), point, marked_up: false });
        }
        let others: BTreeSet<&str> = self
            .leases
            .iter()
            .filter(|l| l.accelerator == chip && l.region != region)
            .map(|l| l.region.as_str())
            .collect();
        let reference = others.contains(LEASE_REFERENCE_REGION).then_some(LEASE_REFERENCE_REGION);
        let point = reference.into_iter().chain(others.iter().copied()).find_map(in_region)?;
        let markup = 1.0 + self.lease_regional_markup();
        Some(LeaseQuote { usd_per_accel_hour: point.usd_per_accel_hour() * markup, point, marked_up: true })
    }

    /// Markup on a lease price taken from another region, fraction (0 without the factor).
    pub fn lease_regional_markup(&self) -> f64 {
        self.factor(factor_ids::LEASE_REGIONAL_MARKUP).unwrap_or(0.0)
    }

    /// The purchase point of `item` in force in `quarter` for `market` (see the module docs);
    /// `None` when no point applies yet.
    pub fn purchase_point(
        &self,
        item: PricedItem<'_>,
        quarter: Quarter,
        market: PriceMarket,
    ) -> Option<&PurchasePrice> {
        let in_force = |china: bool| {
            self.purchases
                .iter()
                .filter(|p| p.prices(item) && p.from <= quarter && (p.basis == PurchaseBasis::ChinaStreet) == china)
                .max_by(|a, b| a.from.cmp(&b.from).then(b.basis.rank().cmp(&a.basis.rank())))
        };
        let china = if market == PriceMarket::China { in_force(true) } else { None };
        china.or_else(|| in_force(false))
    }

    /// Lease and purchase points: a catalog chip, region and system; finite positive prices
    /// with low ≤ value ≤ high; a value or a band; one point per series and quarter.
    pub(crate) fn price_problems(&self, catalog: &Catalog, problems: &mut Vec<String>) {
        let mut series = BTreeSet::new();
        for l in &self.leases {
            let id = l.id.as_str();
            band_problems(
                problems,
                ("lease", id, "usd_per_accel_hour"),
                MAX_LEASE_USD_PER_ACCEL_HOUR,
                l.usd_per_accel_hour,
                l.usd_per_accel_hour_low,
                l.usd_per_accel_hour_high,
            );
            if let Err(e) = catalog.accelerator(&l.accelerator) {
                problems.push(format!("lease `{id}`: {e}"));
            }
            if let Err(e) = catalog.region(&l.region) {
                problems.push(format!("lease `{id}`: {e}"));
            }
            if !series.insert((l.accelerator.as_str(), l.region.as_str(), l.basis.as_str(), l.from)) {
                problems.push(format!(
                    "lease `{id}`: a second {} point for `{}` in `{}` from {}",
                    l.basis.as_str(),
                    l.accelerator,
                    l.region,
                    l.from
                ));
            }
        }
        let mut series = BTreeSet::new();
        for p in &self.purchases {
            let id = p.id.as_str();
            band_problems(problems, ("purchase price", id, "usd"), MAX_PURCHASE_USD, p.usd, p.usd_low, p.usd_high);
            let item = match (&p.accelerator, &p.system) {
                (Some(a), None) => catalog.accelerator(a).err().map(|e| e.to_string()),
                (None, Some(s)) => catalog.system(s).err().map(|e| e.to_string()),
                _ => Some("give exactly one of `accelerator` and `system`".into()),
            };
            if let Some(problem) = item {
                problems.push(format!("purchase price `{id}`: {problem}"));
            }
            if !series.insert((p.item_label(), p.basis.as_str(), p.from)) {
                problems.push(format!(
                    "purchase price `{id}`: a second {} point for {} from {}",
                    p.basis.as_str(),
                    p.item_label(),
                    p.from
                ));
            }
        }
    }
}

/// Largest lease price a catalog point may give, USD per accelerator-hour: ~100× the dearest
/// on-demand list price of 2026 (B200/GB200 at 8.6–10.5 USD/h), so a typo or an absurd override
/// is an integrity error instead of an infinite bill.
pub const MAX_LEASE_USD_PER_ACCEL_HOUR: f64 = 1e3;

/// Largest purchase price a catalog point may give, USD per accelerator or per system: ~1,000×
/// a 2026 NVL72 rack (3–8 M USD), room for SuperPoD-size systems.
pub const MAX_PURCHASE_USD: f64 = 1e10;

/// A value or a full band; every given number finite, positive and at most `max`; low ≤ value ≤
/// high. `field` names the value; the band is `{field}_low` and `{field}_high`.
fn band_problems(
    problems: &mut Vec<String>,
    entry: (&str, &str, &str),
    max: f64,
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
) {
    let (kind, id, field) = entry;
    check_positive_opt(problems, kind, id, field, value);
    check_positive_opt(problems, kind, id, &format!("{field}_low"), low);
    check_positive_opt(problems, kind, id, &format!("{field}_high"), high);
    for (name, v) in [(field.to_string(), value), (format!("{field}_low"), low), (format!("{field}_high"), high)] {
        if let Some(v) = v.filter(|v| v.is_finite() && *v > max) {
            problems.push(format!(
                "{kind} `{id}`: `{name}` = {} is above the plausible maximum {}",
                crate::format::given(v),
                crate::format::grouped(max, 0)
            ));
        }
    }
    if value.is_none() && (low.is_none() || high.is_none()) {
        problems.push(format!("{kind} `{id}`: give `{field}` or both `{field}_low` and `{field}_high`"));
    }
    let ordered = |a: Option<f64>, b: Option<f64>| a.zip(b).is_none_or(|(a, b)| a <= b);
    if !(ordered(low, value) && ordered(value, high) && ordered(low, high)) {
        problems.push(format!("{kind} `{id}`: prices must satisfy `{field}_low` ≤ `{field}` ≤ `{field}_high`"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Confidence;

    fn q(s: &str) -> Quarter {
        s.parse().unwrap()
    }

    fn provenance() -> Provenance {
        Provenance { source: "test".into(), confidence: Confidence::Estimate, notes: None }
    }

    fn lease(region: &str, from: &str, basis: LeaseBasis, usd: f64) -> LeasePrice {
        LeasePrice {
            id: format!("x-{region}-{}-{from}", basis.as_str()).to_lowercase(),
            accelerator: "x".into(),
            region: region.into(),
            from: q(from),
            basis,
            usd_per_accel_hour: Some(usd),
            usd_per_accel_hour_low: None,
            usd_per_accel_hour_high: None,
            provenance: provenance(),
        }
    }

    fn purchase(item: PricedItem<'_>, from: &str, basis: PurchaseBasis, usd: f64) -> PurchasePrice {
        let (accelerator, system) = match item {
            PricedItem::Chip(c) => (Some(c.to_string()), None),
            PricedItem::System(s) => (None, Some(s.to_string())),
        };
        PurchasePrice {
            id: format!("p-{from}-{}", basis.as_str()).to_lowercase(),
            accelerator,
            system,
            from: q(from),
            basis,
            usd: Some(usd),
            usd_low: None,
            usd_high: None,
            provenance: provenance(),
        }
    }

    #[test]
    fn lease_series_latest_point_at_or_before_else_first() {
        let costs = CostParams {
            leases: vec![
                lease("us", "2026Q2", LeaseBasis::Term1y, 3.0),
                lease("us", "2025Q1", LeaseBasis::Term1y, 2.0),
                lease("us", "2025Q3", LeaseBasis::Spot, 9.0),
            ],
            ..CostParams::default()
        };
        let price = |at: &str| costs.lease_quote("x", "us", q(at)).unwrap().usd_per_accel_hour;
        assert_eq!(price("2024Q4"), 2.0, "before the first point: the first point");
        assert_eq!(price("2025Q1"), 2.0);
        assert_eq!(price("2026Q1"), 2.0, "the spot point is not the planning basis");
        assert_eq!(price("2026Q2"), 3.0);
        assert_eq!(price("2027Q4"), 3.0);
        assert!(costs.lease_quote("y", "us", q("2026Q1")).is_none());
    }

    #[test]
    fn lease_falls_back_to_other_bases_then_other_regions_with_the_markup() {
        let mut costs = CostParams {
            leases: vec![
                lease("my-johor", "2025Q1", LeaseBasis::OnDemand, 4.0),
                lease("my-johor", "2025Q1", LeaseBasis::Contract, 2.5),
                lease("us", "2025Q1", LeaseBasis::Term1y, 2.0),
                lease("ae", "2025Q1", LeaseBasis::Term1y, 5.0),
            ],
            ..CostParams::default()
        };
        let johor = costs.lease_quote("x", "my-johor", q("2025Q2")).unwrap();
        assert_eq!((johor.usd_per_accel_hour, johor.point.basis, johor.marked_up), (2.5, LeaseBasis::Contract, false));
        // No price in `th`: the reference region first (not `ae`, which sorts before `us`), plus
        // the markup (0 without the factor).
        let th = costs.lease_quote("x", "th", q("2025Q2")).unwrap();
        assert_eq!((th.point.region.as_str(), th.usd_per_accel_hour, th.marked_up), ("us", 2.0, true));
        costs.factors.push(super::super::cost::CostFactor {
            id: factor_ids::LEASE_REGIONAL_MARKUP.into(),
            value: 0.25,
            unit: "fraction".into(),
            provenance: provenance(),
        });
        assert_eq!(costs.lease_quote("x", "th", q("2025Q2")).unwrap().usd_per_accel_hour, 2.5);
        // Without the reference region: the other regions in id order.
        costs.leases.retain(|l| l.region != "us");
        assert_eq!(costs.lease_quote("x", "th", q("2025Q2")).unwrap().point.region, "ae");
    }

    #[test]
    fn a_band_stands_for_its_middle() {
        let mut point = lease("us", "2026Q2", LeaseBasis::OnDemand, 1.0);
        point.usd_per_accel_hour = None;
        point.usd_per_accel_hour_low = Some(2.0);
        point.usd_per_accel_hour_high = Some(5.0);
        assert_eq!(point.usd_per_accel_hour(), 3.5);
        point.usd_per_accel_hour = Some(4.0);
        assert_eq!(point.usd_per_accel_hour(), 4.0, "an explicit value wins over the band");
    }

    #[test]
    fn purchase_point_in_force_by_market() {
        let chip = PricedItem::Chip("x");
        let costs = CostParams {
            purchases: vec![
                purchase(chip, "2025Q3", PurchaseBasis::List, 30.0),
                purchase(chip, "2025Q3", PurchaseBasis::Street, 28.0),
                purchase(chip, "2026Q1", PurchaseBasis::ChinaStreet, 40.0),
                purchase(chip, "2026Q2", PurchaseBasis::BomEstimate, 20.0),
                purchase(PricedItem::System("x"), "2025Q1", PurchaseBasis::Street, 99.0),
            ],
            ..CostParams::default()
        };
        let usd = |at: &str, market| costs.purchase_point(chip, q(at), market).map(|p| p.usd());
        assert_eq!(usd("2025Q2", PriceMarket::Global), None, "before the first point");
        assert_eq!(usd("2025Q3", PriceMarket::Global), Some(28.0), "same quarter: street before list");
        assert_eq!(usd("2026Q1", PriceMarket::Global), Some(28.0), "China street is for China only");
        assert_eq!(usd("2026Q1", PriceMarket::China), Some(40.0));
        assert_eq!(usd("2025Q4", PriceMarket::China), Some(28.0), "before the China point: the global one");
        assert_eq!(usd("2026Q3", PriceMarket::Global), Some(20.0), "the latest point");
        assert_eq!(usd("2026Q3", PriceMarket::China), Some(40.0), "a China point in force wins in China");
    }
}
