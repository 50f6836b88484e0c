use super::sample::{SplitMix64, cholesky, spearman};
use super::*;
use crate::scenario::{WorkloadSpec, validate};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn normal_quantile_matches_known_values() {
    // Φ⁻¹ at standard points (tables, 1e-12 relative).
    for (p, z) in [
        (0.5, 0.0),
        (0.975, 1.959_963_984_540_054),
        (0.9, Z80),
        (0.841_344_746_068_542_9, 1.0),
        (1e-10, -6.361_340_902_404_056),
        (0.001, -3.090_232_306_167_813_5),
    ] {
        assert!(close(normal_quantile(p), z, 1e-12), "p = {p}: {} vs {z}", normal_quantile(p));
        assert!(close(normal_quantile(1.0 - p), -z, 1e-6), "symmetry at {p}");
    }
}

fn all_kinds() -> Vec<Distribution> {
    vec![
        Distribution::Normal { mean: 10.0, sd: 2.0 },
        Distribution::LogNormal { median: 0.3, sigma: 0.2 },
        Distribution::Triangular { low: 1.0, mode: 2.0, high: 5.0 },
        Distribution::Uniform { low: -1.0, high: 3.0 },
        Distribution::Bernoulli { p: 0.3 },
    ]
}

#[test]
fn quantiles_are_monotone_finite_and_meet_the_median() {
    for d in all_kinds() {
        let mut last = f64::NEG_INFINITY;
        for i in 0..=1000 {
            let x = d.quantile(i as f64 / 1000.0);
            assert!(x.is_finite() && x >= last, "{d:?} at {i}: {x} after {last}");
            last = x;
        }
        if !matches!(d, Distribution::Bernoulli { .. }) {
            assert!(close(d.quantile(0.5), d.median(), 1e-12), "{d:?}");
        }
    }
}

#[test]
fn distributions_give_their_known_values() {
    let tri = Distribution::Triangular { low: 0.0, mode: 0.0, high: 1.0 };
    // CDF of this right triangle: 1 − (1 − x)²; its median is 1 − √0.5.
    assert!(close(tri.median(), 1.0 - 0.5f64.sqrt(), 1e-12));
    let sym = Distribution::Triangular { low: 2.0, mode: 5.0, high: 8.0 };
    assert!(close(sym.median(), 5.0, 1e-12));
    assert!(close(Distribution::Uniform { low: 2.0, high: 6.0 }.quantile(0.25), 3.0, 1e-12));
    let ln = Distribution::LogNormal { median: 2.0, sigma: 0.5 };
    assert!(close(ln.quantile(0.9), 2.0 * (0.5 * Z80).exp(), 1e-12));
    assert!(close(
        Distribution::Normal { mean: 1.0, sd: 2.0 }.quantile(0.975),
        1.0 + 2.0 * 1.959_963_984_540_054,
        1e-12
    ));
    let b = Distribution::Bernoulli { p: 0.3 };
    assert_eq!((b.quantile(0.69), b.quantile(0.71), b.median()), (0.0, 1.0, 0.0));
}

#[test]
fn widening_scales_the_spread_around_the_median() {
    for d in all_kinds().into_iter().filter(|d| !matches!(d, Distribution::Bernoulli { .. })) {
        let w = d.widened(2.0);
        assert!(close(w.median(), d.median(), 1e-12), "{d:?}");
        let spread = |x: &Distribution| x.quantile(0.9) - x.quantile(0.1);
        assert!(spread(&w) > 1.5 * spread(&d), "{d:?}: {} vs {}", spread(&w), spread(&d));
        assert!(close(spread(&d.widened(0.0)), 0.0, 1e-12), "{d:?}");
    }
    assert_eq!(Distribution::Bernoulli { p: 0.2 }.widened(2.0), Distribution::Bernoulli { p: 0.4 });
}

#[test]
fn parameter_problems_are_named() {
    assert!(Distribution::Normal { mean: 1.0, sd: -1.0 }.parameter_problem().unwrap().contains("sd"));
    assert!(Distribution::LogNormal { median: 0.0, sigma: 0.1 }.parameter_problem().is_some());
    assert!(Distribution::Triangular { low: 3.0, mode: 2.0, high: 5.0 }.parameter_problem().is_some());
    assert!(Distribution::Bernoulli { p: 1.5 }.parameter_problem().is_some());
    assert!(Distribution::Uniform { low: 0.0, high: f64::NAN }.parameter_problem().is_some());
    assert!(all_kinds().iter().all(|d| d.parameter_problem().is_none()));
}

fn input(path: &str, distribution: Distribution) -> UncertainInput {
    let nominal = distribution.median();
    UncertainInput { path: path.into(), distribution, affects: Affects::Other, origin: InputOrigin::Scenario, nominal }
}

fn correlated(rho: f64) -> UncertaintyModel {
    let mut model = UncertaintyModel::with_inputs(vec![
        input("a", Distribution::LogNormal { median: 1.0, sigma: 0.5 }),
        input("b", Distribution::Triangular { low: 0.0, mode: 1.0, high: 4.0 }),
        input("c", Distribution::Uniform { low: 0.0, high: 1.0 }),
    ]);
    model.correlations.push(RankCorrelation { a: 0, b: 1, rho });
    model
}

#[test]
fn rank_correlations_are_met_by_2000_draws() {
    for rho in [0.8, -0.5, 0.3] {
        let rows = correlated(rho).draw(7, 2000);
        let col = |j: usize| rows.iter().map(|r| r[j]).collect::<Vec<f64>>();
        let got = spearman(&col(0), &col(1));
        assert!((got - rho).abs() <= 0.05, "rho {rho}: sample Spearman {got}");
        assert!(spearman(&col(0), &col(2)).abs() < 0.1, "an uncorrelated input stays independent");
    }
}

#[test]
fn draws_are_deterministic_stratified_and_thread_independent() {
    let model = correlated(0.6);
    let rows = model.draw(42, 500);
    assert_eq!(rows, model.draw(42, 500));
    assert_ne!(rows, model.draw(43, 500));
    let from_threads: Vec<Vec<Vec<f64>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| model.draw(42, 500))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(from_threads.iter().all(|r| *r == rows));
    // Latin hypercube: each of the 500 strata of the uniform input holds exactly one draw.
    let mut strata: Vec<usize> = rows.iter().map(|r| (r[2] * 500.0) as usize).collect();
    strata.sort_unstable();
    assert_eq!(strata, (0..500).collect::<Vec<_>>());
    // Adding an input leaves the others' draws alone.
    let mut more = model.clone();
    more.inputs.push(input("d", Distribution::Normal { mean: 0.0, sd: 1.0 }));
    assert!(more.draw(42, 500).iter().zip(&rows).all(|(m, r)| m[..3] == r[..]));
}

#[test]
fn cholesky_accepts_perfect_and_rejects_inconsistent_correlations() {
    assert!(cholesky(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_some());
    let bad = [vec![1.0, 0.9, -0.9], vec![0.9, 1.0, 0.9], vec![-0.9, 0.9, 1.0]];
    assert!(cholesky(&bad).is_none());
    let mut rng = SplitMix64::new(1, 2);
    assert!((0..1000).map(|_| rng.next_f64()).all(|u| (0.0..1.0).contains(&u)));
}

const SCENARIO: &str = include_str!("../../../../examples/bytedance-2025.toml");

fn bytedance() -> (Scenario, Catalog) {
    let catalog = Catalog::builtin().expect("catalog");
    let scenario = validate("bytedance-2025.toml", SCENARIO, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    (scenario, catalog)
}

#[test]
fn applying_the_nominal_values_gives_back_the_scenario_and_catalog() {
    let (scenario, catalog) = bytedance();
    let model = UncertaintyModel::from_scenario(&scenario, &catalog).expect("model");
    assert!(!model.inputs.is_empty());
    let sampled = model.apply(&model.nominal_values(), &scenario, &catalog).expect("apply");
    assert_eq!(sampled.scenario, scenario);
    assert_eq!(sampled.catalog.accelerators, catalog.accelerators);
    assert_eq!(sampled.catalog.regions, catalog.regions);
    assert_eq!(sampled.catalog.costs.leases, catalog.costs.leases);
    assert_eq!(sampled.catalog.costs.purchases, catalog.costs.purchases);
    assert!(sampled.throughput_factor.values().all(|f| *f == 1.0));
    // A sampled row changes something, and every value stays finite.
    let row = &model.draw(3, 1)[0];
    let moved = model.apply(row, &scenario, &catalog).expect("apply");
    let catalog_moved = moved.catalog.accelerators != catalog.accelerators
        && moved.catalog.regions != catalog.regions
        && moved.catalog.costs.leases != catalog.costs.leases;
    assert!(catalog_moved && moved.throughput_factor.values().any(|f| *f != 1.0), "catalog defaults are sampled");
    assert!(row.iter().all(|v| v.is_finite()));
}

#[test]
fn apply_writes_values_clamps_them_and_switches_policy() {
    let (scenario, catalog) = bytedance();
    let model = UncertaintyModel::with_inputs(vec![
        input("workload.doubao.daily_users", Distribution::Uniform { low: 1e7, high: 1e8 }),
        input("workload.cici.growth_per_quarter", Distribution::Uniform { low: 0.0, high: 0.3 }),
        input(
            "option.Leased H20 from China GPU clouds.lease_usd_per_hour",
            Distribution::Uniform { low: 0.5, high: 1.0 },
        ),
        input("policy.assume_licences_granted", Distribution::Bernoulli { p: 0.5 }),
        input("efficiency.nvidia-hopper", Distribution::Uniform { low: 0.5, high: 1.5 }),
        input("efficiency.h20", Distribution::Uniform { low: 0.5, high: 1.5 }),
    ]);
    let sampled = model.apply(&[2e7, -5.0, 0.7, 1.0, 0.9, 0.8], &scenario, &catalog).expect("apply");
    let users: f64 = sampled
        .scenario
        .workloads
        .iter()
        .filter(|w| w.mix.as_ref().is_some_and(|m| m.of == "doubao"))
        .map(|w| match &w.spec {
            WorkloadSpec::Chat(c) => c.daily_users,
            _ => 0.0,
        })
        .sum();
    assert!(close(users, 2e7, 1e-9), "{users}");
    let cici = sampled.scenario.workloads.iter().find(|w| w.id == "cici").unwrap();
    let WorkloadSpec::Chat(chat) = &cici.spec else { panic!("chat") };
    // −5 growth is impossible (demand would go negative): clamped just above −1.
    assert!(chat.serving.growth_per_quarter.len() == 1 && chat.serving.growth_per_quarter[0] > -1.0);
    assert!(chat.serving.growth_per_quarter[0] < -0.99);
    assert!(sampled.scenario.options.iter().any(|o| o.lease_usd_per_hour == Some(0.7)));
    assert!(sampled.scenario.policy.options.assume_licences_granted);
    let factor = |id: &str| sampled.throughput_factor[&catalog.resolve_chip(id).unwrap()];
    assert_eq!((factor("h100-sxm"), factor("h20")), (0.9, 0.8), "the chip's own factor wins over its family's");
    assert!(model.apply(&[1.0], &scenario, &catalog).is_err());
}

#[test]
fn apply_into_reuses_a_sampled_world_and_equals_apply() {
    let (scenario, catalog) = bytedance();
    let model = UncertaintyModel::from_scenario(&scenario, &catalog).expect("model");
    let rows = model.draw(11, 3);
    let mut out = model.apply(&rows[0], &scenario, &catalog).expect("apply");
    for row in &rows[1..] {
        model.apply_into(row, &scenario, &catalog, &mut out).expect("apply_into");
        let fresh = model.apply(row, &scenario, &catalog).expect("apply");
        assert_eq!(out.scenario, fresh.scenario);
        assert_eq!(out.throughput_factor, fresh.throughput_factor);
        assert_eq!(out.catalog.accelerators, fresh.catalog.accelerators);
        assert_eq!(out.catalog.regions, fresh.catalog.regions);
        assert_eq!(out.catalog.costs.leases, fresh.catalog.costs.leases);
        assert_eq!(out.catalog.costs.purchases, fresh.catalog.costs.purchases);
    }
    // Back to the nominal row: the reused world is the unsampled one again.
    model.apply_into(&model.nominal_values(), &scenario, &catalog, &mut out).expect("apply_into");
    assert_eq!(out.scenario, scenario);
    assert_eq!(out.catalog.costs.purchases, catalog.costs.purchases);
    assert!(out.throughput_factor.is_empty());
}

#[test]
fn the_example_section_overrides_catalog_defaults_and_keeps_its_correlations() {
    let (scenario, catalog) = bytedance();
    let model = UncertaintyModel::from_scenario(&scenario, &catalog).expect("model");
    let find = |path: &str| model.inputs.iter().position(|i| i.path == path).unwrap_or_else(|| panic!("{path}"));
    let h200 = &model.inputs[find("catalog.accelerator.h200.price_usd")];
    assert_eq!(h200.origin, InputOrigin::Scenario, "the scenario's range replaces the catalog default");
    assert_eq!(model.inputs.iter().filter(|i| i.path == "catalog.accelerator.h200.price_usd").count(), 1);
    assert_eq!(model.inputs[find("catalog.region.my-johor.power_usd_per_kwh")].origin, InputOrigin::CatalogDefault);
    let licence = find("policy.granted_rules.jan2026-case-by-case");
    assert_eq!((model.inputs[licence].nominal, model.inputs[licence].affects), (1.0, Affects::Policy));
    let growth = find("workload.doubao.growth_multiplier");
    let lease = find("option.Leased H20 from China GPU clouds.lease_usd_per_hour");
    assert!(model.correlations.iter().any(|c| (c.a, c.b) == (growth, lease) && c.rho == 0.5));
    let rows = model.draw(7, 2000);
    let granted = rows.iter().filter(|r| r[licence] == 1.0).count() as f64 / 2000.0;
    assert!((granted - 0.6).abs() < 0.01, "Latin hypercube gives p = 0.6 almost exactly: {granted}");
    let col = |j: usize| rows.iter().map(|r| r[j]).collect::<Vec<f64>>();
    assert!((spearman(&col(growth), &col(lease)) - 0.5).abs() < 0.05);
    // A sampled licence switch reaches the policy options.
    let mut off = model.nominal_values();
    off[licence] = 0.0;
    let sampled = model.apply(&off, &scenario, &catalog).expect("apply");
    assert_eq!(sampled.scenario.policy.options.granted_rules, vec!["oct2023-hq".to_string()]);
}

#[test]
fn a_model_without_the_section_has_catalog_defaults_only() {
    let (mut scenario, catalog) = bytedance();
    scenario.uncertainty = None;
    let model = UncertaintyModel::from_scenario(&scenario, &catalog).expect("model");
    assert!(!model.inputs.is_empty() && model.correlations.is_empty());
    assert!(model.inputs.iter().all(|i| i.origin == InputOrigin::CatalogDefault));
    assert!(model.inputs.iter().any(|i| i.path.starts_with("efficiency.") && i.affects == Affects::Throughput));
    // Every default is valid and every draw stays finite.
    assert!(model.inputs.iter().all(|i| i.distribution.parameter_problem().is_none()));
    assert!(model.draw(1, 50).iter().flatten().all(|v| v.is_finite()));
}
