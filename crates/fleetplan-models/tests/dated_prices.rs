//! Dated prices through the cost model: a lease is priced at the catalog's series in force in
//! its quarter, and a purchase at the dated purchase point in force (the base price with its
//! decline before the first point).

use fleetplan_core::catalog::{
    Catalog, CostParams, LeaseBasis, PLANNING_LEASE_BASIS, PriceMarket, PricedItem, PurchaseBasis, PurchasePrice,
};
use fleetplan_core::scenario::{Mode, Quarter};
use fleetplan_models::cost::*;

fn q(s: &str) -> Quarter {
    s.parse().unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// The (chip, region, basis) point in force in `quarter`, found here from the raw catalog rows
/// (latest `from` at or before the quarter), independently of the lookup under test.
fn series_value(costs: &CostParams, chip: &str, region: &str, basis: LeaseBasis, quarter: Quarter) -> f64 {
    costs
        .leases
        .iter()
        .filter(|l| l.accelerator == chip && l.region == region && l.basis == basis && l.from <= quarter)
        .max_by_key(|l| l.from)
        .map(|l| l.usd_per_accel_hour.expect("a point value"))
        .expect("a point in force")
}

/// 8 chips of `chip` in the US, bought or leased in `quarter`, priced by the cost model with the
/// catalog's lease price in force that quarter.
fn priced(catalog: &Catalog, chip: &str, mode: Mode, quarter: Quarter, market: PriceMarket) -> HoldingCost {
    let chip = catalog.accelerator(chip).unwrap();
    let us = catalog.region("us").unwrap();
    let fabric = choose_fabric(&catalog.costs, default_technology(chip), chip.scaleout_nic_gbps).unwrap();
    let input = HoldingInput {
        chip,
        system: None,
        accelerators: 8,
        mode,
        price_override: None,
        purchase_quarter: quarter,
        market,
        lease_usd_per_hour: catalog.costs.lease_quote(&chip.id, &us.id, quarter).map(|l| l.usd_per_accel_hour),
        fabric,
        energy: SiteEnergy::new(us, chip, None, None),
        build_musd_per_mw: us.build_musd_per_mw,
        policy_fee_fraction: 0.0,
    };
    holding_cost(&input, &catalog.costs).unwrap()
}

#[test]
fn an_h100_one_year_lease_in_the_us_costs_more_in_2026q2_than_in_2025q1() {
    let catalog = Catalog::builtin().unwrap();
    let (early, late) = (q("2025Q1"), q("2026Q2"));
    let cost_2025 = priced(&catalog, "h100-sxm", Mode::Lease, early, PriceMarket::Global);
    let cost_2026 = priced(&catalog, "h100-sxm", Mode::Lease, late, PriceMarket::Global);
    // What the series says, read from the rows.
    let rate_2025 = series_value(&catalog.costs, "h100-sxm", "us", PLANNING_LEASE_BASIS, early);
    let rate_2026 = series_value(&catalog.costs, "h100-sxm", "us", PLANNING_LEASE_BASIS, late);
    assert!(rate_2026 > rate_2025, "the addendum's series rises: {rate_2025} → {rate_2026}");
    assert!(close(cost_2025.lease_usd_per_year, 8.0 * rate_2025 * HOURS_PER_YEAR), "{cost_2025:?}");
    assert!(close(cost_2026.lease_usd_per_year, 8.0 * rate_2026 * HOURS_PER_YEAR), "{cost_2026:?}");
    assert!(cost_2026.tco_usd_per_year() > cost_2025.tco_usd_per_year());
    assert!(cost_2026.usd_per_accelerator_hour() > cost_2025.usd_per_accelerator_hour());
    // Between the two, the Oct 2025 cycle low is cheaper than either.
    let low = priced(&catalog, "h100-sxm", Mode::Lease, q("2025Q4"), PriceMarket::Global);
    assert!(low.lease_usd_per_year < cost_2025.lease_usd_per_year);
}

#[test]
fn a_purchase_uses_the_dated_point_in_force_and_the_base_price_before_it() {
    let catalog = Catalog::builtin().unwrap();
    let mut costs = catalog.costs.clone();
    let chip = catalog.accelerator("h200").unwrap().clone();
    let base_year = chip.price_year.unwrap();
    let decline = costs.accelerator_price_decline_per_year();
    let template = costs.purchases[0].clone();
    // A synthetic series for the test (independent of the catalog's figures): street 50k from
    // the second quarter after the base year, then 40k a year later.
    costs.purchases.retain(|p| p.accelerator.as_deref() != Some("h200"));
    let first = Quarter::new(base_year + 1, 2).unwrap();
    let point = |id: &str, from: Quarter, usd: f64| PurchasePrice {
        id: id.into(),
        accelerator: Some("h200".into()),
        system: None,
        from,
        basis: PurchaseBasis::Street,
        usd: Some(usd),
        usd_low: None,
        usd_high: None,
        ..template.clone()
    };
    costs.purchases.push(point("h200-a", first, 50_000.0));
    costs.purchases.push(point("h200-b", first.offset(4), 40_000.0));
    let catalog = Catalog { costs, ..catalog };
    let capex = |quarter: Quarter| priced(&catalog, "h200", Mode::Buy, quarter, PriceMarket::Global).capex_usd;
    let base = chip.price_usd_mid().unwrap() * (1.0 - decline);
    // Before the first point: the base price with one year of decline.
    assert!(close(capex(first.offset(-1)).accelerators, 8.0 * base), "{:?}", capex(first.offset(-1)));
    assert!(close(capex(first).accelerators, 8.0 * 50_000.0));
    assert!(close(capex(first.offset(3)).accelerators, 8.0 * 50_000.0), "no decline on a dated point");
    assert!(close(capex(first.offset(4)).accelerators, 8.0 * 40_000.0));
    // The host (server overhead ratio on the chip price) follows the price in force.
    let ratio = catalog.costs.server_overhead_ratio().unwrap() - 1.0;
    assert!(close(capex(first).servers, 8.0 * 50_000.0 * ratio));
}

#[test]
fn china_street_prices_apply_to_sites_in_china_only() {
    let catalog = Catalog::builtin().unwrap();
    let chip = catalog.accelerator("h200").unwrap();
    let point = catalog
        .costs
        .purchases
        .iter()
        .find(|p| p.accelerator.as_deref() == Some("h200") && p.basis == PurchaseBasis::ChinaStreet)
        .expect("the addendum's China H200 price");
    let china = accelerator_price_usd(chip, point.from, PriceMarket::China, &catalog.costs).unwrap();
    let elsewhere = accelerator_price_usd(chip, point.from, PriceMarket::Global, &catalog.costs).unwrap();
    let before = accelerator_price_usd(chip, point.from.offset(-1), PriceMarket::China, &catalog.costs).unwrap();
    assert!(close(china, point.usd()));
    assert!(!close(elsewhere, point.usd()), "the China price does not apply elsewhere");
    assert!(close(
        before,
        accelerator_price_usd(chip, point.from.offset(-1), PriceMarket::Global, &catalog.costs).unwrap()
    ));
}

#[test]
fn a_dated_system_price_prices_the_whole_system() {
    let catalog = Catalog::builtin().unwrap();
    let point = catalog.costs.purchases.iter().find(|p| p.system.is_some()).expect("a dated rack price");
    let system = catalog.system(point.system.as_deref().unwrap()).unwrap();
    let chip = catalog.accelerator(&system.accelerator).unwrap();
    let us = catalog.region("us").unwrap();
    let fabric = choose_fabric(&catalog.costs, default_technology(chip), chip.scaleout_nic_gbps).unwrap();
    let n = u64::from(system.accelerators_per_system);
    let input = |quarter: Quarter| HoldingInput {
        chip,
        system: Some(system),
        accelerators: n,
        mode: Mode::Buy,
        price_override: None,
        purchase_quarter: quarter,
        market: PriceMarket::Global,
        lease_usd_per_hour: None,
        fabric,
        energy: SiteEnergy::new(us, chip, None, None),
        build_musd_per_mw: us.build_musd_per_mw,
        policy_fee_fraction: 0.0,
    };
    let at = holding_cost(&input(point.from), &catalog.costs).unwrap();
    // One system: chips + host = the rack price; the host keeps the system's host cost.
    assert!(close(at.capex_usd.accelerators + at.capex_usd.servers, point.usd()));
    assert!(close(at.capex_usd.servers, system.host_cost_usd));
    let before = holding_cost(&input(point.from.offset(-1)), &catalog.costs).unwrap();
    let chip_price = accelerator_price_usd(chip, point.from.offset(-1), PriceMarket::Global, &catalog.costs).unwrap();
    assert!(close(before.capex_usd.accelerators, n as f64 * chip_price), "before the point: the chip price");
    assert!(
        catalog
            .costs
            .purchase_point(PricedItem::System(&system.id), point.from.offset(-1), PriceMarket::Global)
            .is_none()
    );
}
