//! The evaluation publishes its serving allocation, and it agrees with the capacity it reports;
//! the simulator's scenario form serves each user region with exactly those chips.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, validate};
use fleetplan_engines::eval::{Evaluation, evaluate};
use fleetplan_engines::sim::Routing;
use fleetplan_engines::sim::scenario::{ScenarioSimOptions, build as build_scenario};
use std::collections::BTreeMap;

fn load(text: &str) -> (Scenario, Catalog) {
    let catalog = Catalog::builtin().expect("catalog");
    let s = validate("t.toml", text, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    (s, catalog)
}

const TWO_REGIONS: &str = include_str!("../../fleetplan/tests/valid/simulate-two-regions.toml");

/// The two-region fixture with slower A100s next to the US site's H100s: residency lets both
/// serve US users, but the LP (fewest chips on ties) needs only the H100s.
fn with_a100s() -> String {
    format!(
        "{TWO_REGIONS}\n[[fleet]]\nchip = \"a100-sxm-80g\"\nsite = \"us-east\"\ncount = 64\nmode = \"buy\"\nfrom = \"2024Q4\"\n"
    )
}

/// Per (workload, quarter, user region): allocated accelerators × per-chip rate = capacity
/// (1e-6 relative); the accelerators sum to the workload's; no pool gives more than it holds.
fn check_allocation_matches_capacity(e: &Evaluation) {
    let rate = |w: &str, chip: &str| {
        e.rates.iter().find(|r| r.workload == w && r.chip == chip).map(|r| r.per_chip_per_s).expect("rate")
    };
    let mut checked = 0;
    let mut used: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for wq in &e.workloads {
        for r in &wq.regions {
            let cap: f64 = wq
                .allocation
                .iter()
                .filter(|a| a.user_region == r.region)
                .map(|a| a.accelerators * rate(&wq.workload, a.chip.as_str()))
                .sum();
            assert!(
                (cap - r.capacity_per_s).abs() <= 1e-6 * r.capacity_per_s.abs().max(1e-12),
                "{} {} {}: allocation gives {cap}, evaluation reports {}",
                wq.workload,
                wq.quarter,
                r.region,
                r.capacity_per_s
            );
            checked += 1;
        }
        for a in &wq.allocation {
            assert!(a.accelerators > 0.0 && a.accelerators.is_finite(), "{a:?}");
            assert!(wq.regions.iter().any(|r| a.user_region == r.region), "{a:?}");
            *used.entry((wq.quarter.to_string(), a.site.to_string(), a.chip.to_string())).or_default() +=
                a.accelerators;
        }
        let total: f64 = wq.allocation.iter().map(|a| a.accelerators).sum();
        assert!((total - wq.accelerators).abs() <= 1e-9 * wq.accelerators.max(1.0), "{total} vs {}", wq.accelerators);
    }
    assert!(checked > 0);
    for ((q, site, chip), n) in used {
        let held = e
            .sites
            .iter()
            .find(|s| s.quarter.to_string() == q && s.site == site)
            .and_then(|s| s.accelerators_by_chip.get(&chip))
            .copied()
            .unwrap_or(0);
        assert!(n <= held as f64 * (1.0 + 1e-9), "{q} {site} {chip}: {n} allocated of {held}");
    }
}

#[test]
fn allocation_sums_match_reported_capacity() {
    for text in [
        TWO_REGIONS.to_string(),
        with_a100s(),
        include_str!("../../../examples/quickstart.toml").to_string(),
        include_str!("../../../examples/bytedance-2025.toml").to_string(),
    ] {
        let (s, c) = load(&text);
        let e = evaluate(&s, &c).expect("evaluates");
        check_allocation_matches_capacity(&e);
    }
}

#[test]
fn allocation_is_deterministic_and_respects_residency() {
    let (s, c) = load(TWO_REGIONS);
    let e = evaluate(&s, &c).expect("evaluates");
    assert_eq!(e, evaluate(&s, &c).expect("evaluates"));
    for wq in &e.workloads {
        for a in &wq.allocation {
            let expect = if a.user_region == "cn" { ("cn-north", "h20") } else { ("us-east", "h100-sxm") };
            assert_eq!((a.site.as_str(), a.chip.as_str()), expect, "{a:?}");
        }
        assert_eq!(wq.allocation.len(), 2, "{:?}", wq.allocation);
    }
}

fn options() -> ScenarioSimOptions {
    ScenarioSimOptions {
        workload: None,
        quarter: None,
        hours: 1.0,
        sample_fraction: Some(0.5),
        request_budget: 1_000_000,
        routing: Routing::RoundRobin,
        failures: None,
        length_sigma: (None, None),
        sample_interval_s: None,
    }
}

#[test]
fn simulator_pools_are_the_allocated_chips() {
    for text in [TWO_REGIONS.to_string(), with_a100s()] {
        let (s, c) = load(&text);
        let e = evaluate(&s, &c).expect("evaluates");
        let sim = build_scenario(&s, &c, &e, &options()).expect("builds");
        let wq = e.workloads.iter().find(|w| w.quarter == sim.quarter).expect("quarter");
        // Every pool is exactly the allocated accelerators of its (region, chip), and every
        // allocated (region, chip) has a pool.
        let mut alloc: BTreeMap<(String, String), (f64, Vec<String>)> = BTreeMap::new();
        for a in &wq.allocation {
            let x = alloc.entry((a.user_region.to_string(), a.chip.to_string())).or_default();
            x.0 += a.accelerators;
            x.1.push(a.site.to_string());
        }
        assert_eq!(sim.pools.len(), alloc.len());
        for p in &sim.pools {
            let (n, sites) = &alloc[&(p.region.clone(), p.chip.clone())];
            assert_eq!(p.accelerators, *n, "{} {}", p.region, p.chip);
            assert_eq!(&p.sites, sites);
            let per = f64::from(p.layout.tp * p.layout.pp);
            assert!(f64::from(p.replicas) * per >= p.accelerators - 1e-9, "{p:?}");
        }
    }
    // The A100s that the LP leaves idle get no pool (a proportional split over eligible chips
    // would have given them one).
    let (s, c) = load(&with_a100s());
    let e = evaluate(&s, &c).expect("evaluates");
    let sim = build_scenario(&s, &c, &e, &options()).expect("builds");
    let chips: Vec<(&str, &str)> = sim.pools.iter().map(|p| (p.region.as_str(), p.chip.as_str())).collect();
    assert_eq!(chips, [("cn", "h20"), ("us", "h100-sxm")]);
}
