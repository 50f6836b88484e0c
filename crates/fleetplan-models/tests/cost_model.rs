//! Cost model against hand calculations: a small fleet's capex, opex, depreciation and carbon,
//! fat-tree switch counts, fabric choice and FX.

use fleetplan_core::catalog::{Catalog, CostParams, FabricTechnology, NetworkFabric, PriceMarket, System};
use fleetplan_core::scenario::{Mode, Quarter};
use fleetplan_models::cost::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert!(close($a, $b), "{} = {} but the hand calculation gives {}", stringify!($a), $a, $b)
    };
}

/// Cost parameters with the values the hand calculation uses (independent of catalog edits).
fn params() -> CostParams {
    let mut c = Catalog::builtin().expect("catalog").costs;
    for f in &mut c.factors {
        f.value = match f.id.as_str() {
            "server-overhead-ratio" => 1.64,
            "server-power-ratio" => 1.82,
            "maintenance-share-per-year" => 0.03,
            "storage-share" => 0.05,
            "accelerator-price-decline-per-year" => 0.1,
            "it-power-utilisation" => 0.8,
            _ => f.value,
        };
    }
    for d in &mut c.depreciation {
        d.years = match d.asset.as_str() {
            "network" => 6.0,
            "buildings" => 20.0,
            _ => 5.0,
        };
    }
    c
}

fn fabric() -> NetworkFabric {
    let catalog = Catalog::builtin().unwrap();
    let mut f = catalog.costs.fabric("ib-ndr-400").unwrap().clone();
    f.switch_radix = 64;
    f.switch_price_usd = 36_000.0;
    f.switch_power_w = 750.0;
    f.optic_price_usd = 750.0;
    f.optic_power_w = 8.0;
    f.cable_price_usd = 100.0;
    f.port_gbps = 400.0;
    f
}

fn hgx() -> System {
    let catalog = Catalog::builtin().unwrap();
    let mut s = catalog.system("hgx-h100-8").unwrap().clone();
    s.accelerators_per_system = 8;
    s.host_cost_usd = 50_000.0;
    s.host_power_w = 4_592.0;
    s
}

#[test]
fn small_owned_fleet_matches_hand_calculation() {
    let catalog = Catalog::builtin().unwrap();
    let mut chip = catalog.accelerator("h100-sxm").unwrap().clone();
    chip.tdp_w = 700.0;
    chip.scaleout_nic_gbps = 400.0;
    // Price 25,000 per GPU in the catalog's price year (no decline).
    chip.price_usd_low = Some(25_000.0);
    chip.price_usd_high = Some(25_000.0);
    chip.price_year = Some(2024);
    let (costs, fabric, system) = (params(), fabric(), hgx());
    let energy = SiteEnergy { pue: 1.25, power_usd_per_kwh: 0.08, grid_gco2_per_kwh: 400.0 };
    let h = HoldingInput {
        chip: &chip,
        system: Some(&system),
        accelerators: 16,
        mode: Mode::Buy,
        price_override: None,
        purchase_quarter: Quarter::new(2024, 1).unwrap(),
        market: PriceMarket::Global,
        lease_usd_per_hour: None,
        fabric: &fabric,
        energy,
        build_musd_per_mw: 10.0,
        policy_fee_fraction: 0.0,
    };
    let c = holding_cost(&h, &costs).unwrap();

    // Network: 16 endpoints ≤ 64 ports → 1 switch, 16 links, 32 optics.
    assert_eq!((c.network.tree.tiers, c.network.tree.switches(), c.network.tree.links), (1, 1, 16));
    let network = 36_000.0 + 32.0 * 750.0 + 16.0 * 100.0; // 61,600
    // Accelerators 16 × 25,000; servers 16 × 50,000/8; storage 5 % of both.
    let (accel, servers) = (400_000.0, 100_000.0);
    let storage = 0.05 * (accel + servers); // 25,000
    assert_close!(c.capex_usd.accelerators, accel);
    assert_close!(c.capex_usd.servers, servers);
    assert_close!(c.capex_usd.network, network);
    assert_close!(c.capex_usd.storage, storage);
    assert_close!(c.capex_usd.total(), 586_600.0);
    // IT power: 16 × (700 W chip + 4,592/8 W host) + 750 W switch + 32 × 8 W optics = 21,390 W.
    assert_close!(c.it_power_w, 21_390.0);
    // Energy: 0.02139 MW × 0.8 utilisation × 1.25 PUE × 8,760 h = 187.3764 MWh.
    assert_close!(c.energy_mwh_per_year, 187.3764);
    assert_close!(c.electricity_usd_per_year, 187_376.4 * 0.08);
    assert_close!(c.tco2_per_year, 187.3764 * 400.0 / 1000.0);
    assert_close!(c.maintenance_usd_per_year, 0.03 * 586_600.0);
    // Depreciation: 5 years for chips, servers, storage; 6 for network; facility 10 USD/W × 21,390 W over 20 years.
    let d = &c.depreciation_usd_per_year;
    assert_close!(d.accelerators, 80_000.0);
    assert_close!(d.servers, 20_000.0);
    assert_close!(d.network, 61_600.0 / 6.0);
    assert_close!(d.storage, 5_000.0);
    assert_close!(d.buildings, 213_900.0 / 20.0);
    let tco = 80_000.0 + 20_000.0 + 61_600.0 / 6.0 + 5_000.0 + 10_695.0 + 14_990.112 + 17_598.0;
    assert_close!(c.tco_usd_per_year(), tco);
    assert_close!(c.usd_per_accelerator_hour(), tco / (16.0 * 8760.0));
    assert_eq!(c.lease_usd_per_year, 0.0);
}

#[test]
fn leased_fleet_pays_only_the_lease_and_a_system_price_override_splits_host_and_chips() {
    let catalog = Catalog::builtin().unwrap();
    let chip = catalog.accelerator("h100-sxm").unwrap().clone();
    let (costs, fabric, system) = (params(), fabric(), hgx());
    let energy = SiteEnergy { pue: 1.3, power_usd_per_kwh: 0.1, grid_gco2_per_kwh: 500.0 };
    let base = HoldingInput {
        chip: &chip,
        system: Some(&system),
        accelerators: 8,
        mode: Mode::Lease,
        price_override: None,
        purchase_quarter: Quarter::new(2025, 1).unwrap(),
        market: PriceMarket::Global,
        lease_usd_per_hour: Some(2.5),
        fabric: &fabric,
        energy,
        build_musd_per_mw: 10.0,
        policy_fee_fraction: 0.0,
    };
    let c = holding_cost(&base, &costs).unwrap();
    assert_close!(c.lease_usd_per_year, 8.0 * 2.5 * 8760.0);
    assert_eq!(c.capex_usd.total(), 0.0);
    assert_eq!(c.electricity_usd_per_year, 0.0);
    assert!(c.tco2_per_year > 0.0, "leased chips still emit");
    assert_close!(c.usd_per_accelerator_hour(), 2.5);
    // No lease price → a clear error.
    let err = holding_cost(&HoldingInput { lease_usd_per_hour: None, ..base }, &costs).unwrap_err();
    assert!(err.to_string().contains("lease_usd_per_hour"), "{err}");
    // A system bought at 270,000: 50,000 host, 220,000 / 8 per GPU.
    let bought = HoldingInput { mode: Mode::Buy, price_override: Some(PriceOverride::PerSystem(270_000.0)), ..base };
    let c = holding_cost(&bought, &costs).unwrap();
    assert_close!(c.capex_usd.accelerators, 220_000.0);
    assert_close!(c.capex_usd.servers, 50_000.0);
}

#[test]
fn a_chip_price_is_per_accelerator_even_in_the_chips_default_system() {
    let catalog = Catalog::builtin().unwrap();
    let chip = catalog.accelerator("h100-sxm").unwrap().clone();
    let (costs, fabric, system) = (params(), fabric(), hgx());
    let energy = SiteEnergy { pue: 1.3, power_usd_per_kwh: 0.1, grid_gco2_per_kwh: 500.0 };
    // `chip = "h100-sxm"`, `price_usd = 25_000` on 16 chips packaged in an 8-GPU system.
    let price = PriceOverride::of_entry(Some(25_000.0), None);
    assert_eq!(price, Some(PriceOverride::PerAccelerator(25_000.0)));
    let input = HoldingInput {
        chip: &chip,
        system: Some(&system),
        accelerators: 16,
        mode: Mode::Buy,
        price_override: price,
        purchase_quarter: Quarter::new(2025, 1).unwrap(),
        market: PriceMarket::Global,
        lease_usd_per_hour: None,
        fabric: &fabric,
        energy,
        build_musd_per_mw: 10.0,
        policy_fee_fraction: 0.0,
    };
    let c = holding_cost(&input, &costs).unwrap();
    assert_close!(c.capex_usd.accelerators, 16.0 * 25_000.0);
    // The system's host cost comes on top, per accelerator.
    assert_close!(c.capex_usd.servers, 16.0 * system.host_cost_usd / 8.0);
    // The same number on a system entry is per system.
    let system_id = catalog.resolve_system("hgx-h100-8").unwrap();
    assert_eq!(PriceOverride::of_entry(Some(25_000.0), Some(&system_id)), Some(PriceOverride::PerSystem(25_000.0)));
    assert_eq!(PriceOverride::of_entry(None, Some(&system_id)), None);
}

#[test]
fn a_build_pays_its_capex_evenly_during_construction() {
    let online = Quarter::new(2026, 3).unwrap();
    let paid = build_payments(90.0, online, 3);
    let quarters: Vec<String> = paid.iter().map(|(q, _)| q.to_string()).collect();
    assert_eq!(quarters, ["2025Q4", "2026Q1", "2026Q2"]);
    assert!(paid.iter().all(|(_, x)| close(*x, 30.0)));
    assert_eq!(build_payments(90.0, online, 0), vec![(online, 90.0)]);
    assert_eq!((build_lead_quarters(0.0), build_lead_quarters(18.0), build_lead_quarters(19.0)), (0, 6, 7));
}

#[test]
fn catalog_price_declines_per_year_after_its_price_year() {
    let catalog = Catalog::builtin().unwrap();
    let chip = catalog.accelerator("h100-sxm").unwrap();
    // Without dated purchase points the base price declines (the dated points are tested in
    // dated_prices.rs).
    let mut costs = params();
    costs.purchases.clear();
    let mid = chip.price_usd_mid().unwrap();
    let y = chip.price_year.unwrap();
    let price = |year: i32, q: u8| {
        accelerator_price_usd(chip, Quarter::new(year, q).unwrap(), PriceMarket::Global, &costs).unwrap()
    };
    assert_close!(price(y, 1), mid);
    assert_close!(price(y, 4), mid);
    assert_close!(price(y - 1, 2), mid);
    assert_close!(price(y + 2, 3), mid * 0.9 * 0.9);
}

#[test]
fn fat_tree_matches_textbook_counts() {
    for k in [4u32, 8, 16, 40, 64, 144] {
        let k64 = u64::from(k);
        assert_eq!(max_endpoints(k, 1), k64);
        assert_eq!(max_endpoints(k, 2), k64 * k64 / 2);
        assert_eq!(max_endpoints(k, 3), k64 * k64 * k64 / 4);
        // Two tiers serve k²/2 endpoints with k leaves and k/2 spines.
        let two = fat_tree(k64 * k64 / 2, k);
        assert_eq!(two.tiers, 2, "k = {k}");
        assert_eq!((two.leaf_switches, two.spine_switches), (k64, k64 / 2));
        assert_eq!(two.switches(), 3 * k64 / 2);
        assert_eq!(two.links, 2 * k64 * k64 / 2);
        assert_eq!(fat_tree(k64 * k64 / 2 + 1, k).tiers, 3, "one more endpoint needs a third tier");
        // Three tiers serve k³/4 endpoints with 5k²/4 switches (k²/2 edge, k²/2 aggregation, k²/4 core).
        let three = fat_tree(k64 * k64 * k64 / 4, k);
        assert_eq!((three.tiers, three.planes), (3, 1));
        assert_eq!(three.leaf_switches, k64 * k64 / 2);
        assert_eq!(three.spine_switches, k64 * k64 / 2);
        assert_eq!(three.core_switches, k64 * k64 / 4);
        assert_eq!(three.switches(), 5 * k64 * k64 / 4);
        assert_eq!(three.links, 3 * k64 * k64 * k64 / 4);
        assert_eq!(three.optics(), 6 * k64 * k64 * k64 / 4);
        assert_eq!(fat_tree(k64 * k64 * k64 / 4 + 1, k).planes, 2);
    }
}

#[test]
fn fabric_choice_follows_vendor_and_nic_speed() {
    let catalog = Catalog::builtin().unwrap();
    let costs = &catalog.costs;
    let h100 = catalog.accelerator("h100-sxm").unwrap();
    let ascend = catalog.accelerator("ascend-910c").unwrap();
    assert_eq!(default_technology(h100), FabricTechnology::Infiniband);
    assert_eq!(default_technology(ascend), FabricTechnology::Ethernet);
    let ib = choose_fabric(costs, FabricTechnology::Infiniband, 400.0).unwrap();
    assert_eq!(ib.port_gbps, 400.0);
    assert_eq!(ib.technology(), FabricTechnology::Infiniband);
    let eth = choose_fabric(costs, FabricTechnology::Ethernet, 400.0).unwrap();
    assert_eq!(eth.technology(), FabricTechnology::Ethernet);
    // Same cluster, IB vs Ethernet: the catalog prices Ethernet below InfiniBand.
    let a = size_network(ib, 4096, 400.0);
    let b = size_network(eth, 4096, 400.0);
    assert_eq!(a.tree, b.tree, "same radix, same tree");
    assert!(b.capex_usd() < a.capex_usd());
    // An 800G NIC on a 400G fabric takes two ports.
    assert_eq!(size_network(ib, 10, 800.0).ports_per_accelerator, 2);
}

/// The fat tree as it was sized before the closed form: one loop pass per plane.
fn fat_tree_by_planes(endpoints: u64, radix: u32) -> fleetplan_models::cost::FatTree {
    use fleetplan_models::cost::{fat_tree, max_endpoints};
    let mut tree = fat_tree(endpoints, radix);
    if tree.tiers < 3 {
        return tree;
    }
    let ports = u64::from(radix.max(2));
    let half = ports / 2;
    let per_plane = max_endpoints(radix.max(2), 3);
    (tree.leaf_switches, tree.spine_switches, tree.core_switches, tree.links) = (0, 0, 0, 0);
    let mut left = endpoints;
    while left > 0 {
        let plane = left.min(per_plane);
        left -= plane;
        let leaves = plane.div_ceil(half);
        tree.leaf_switches += leaves;
        tree.spine_switches += leaves;
        tree.core_switches += (leaves * half).div_ceil(ports);
        tree.links += plane + 2 * leaves * half;
    }
    tree
}

#[test]
fn fat_tree_closed_form_matches_the_plane_by_plane_sizing() {
    for radix in [4, 8, 32, 64] {
        let per_plane = fleetplan_models::cost::max_endpoints(radix, 3);
        for endpoints in [1, 5, 100, 2_000, per_plane - 1, per_plane, per_plane + 1, 3 * per_plane + 7, 1_000_000] {
            assert_eq!(
                fleetplan_models::cost::fat_tree(endpoints, radix),
                fat_tree_by_planes(endpoints, radix),
                "{endpoints} at radix {radix}"
            );
        }
    }
}

#[test]
fn fat_tree_of_a_huge_count_is_immediate_and_saturates() {
    let start = std::time::Instant::now();
    let tree = fleetplan_models::cost::fat_tree(1_000_000_000_000_000, 4);
    assert_eq!(tree.planes, 1_000_000_000_000_000u64.div_ceil(16));
    let max = fleetplan_models::cost::fat_tree(u64::MAX, 4);
    assert_eq!(max.links, u64::MAX, "links saturate instead of overflowing");
    assert!(start.elapsed().as_secs_f64() < 1.0);
}
