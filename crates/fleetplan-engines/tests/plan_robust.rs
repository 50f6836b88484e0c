//! Robust plans (docs/planner.md, "Robust plans"): the share of futures served is checked with
//! the evaluator, independently of the model; fixed inputs give the nominal plan; robustness
//! never costs less than the nominal plan (beyond the MIP gap); bad settings are refused.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, WorkloadSpec, validate};
use fleetplan_core::uncertainty::Sampled;
use fleetplan_engines::eval::{ViolationKind, evaluate_with_searches, fleet_rates};
use fleetplan_engines::plan::robust::{
    RobustError, RobustOptions, SERVED_MIN, check_settings, draw_futures, plan_robust,
};
use fleetplan_engines::plan::{PlanOptions, plan};
use std::collections::BTreeMap;

/// One site, one chat app that outgrows its existing H100s; buy or lease more.
const SCENARIO: &str = r#"
[scenario]
name = "robust"
currency = "USD"
start = "2025Q1"
quarters = 4

[buyer]
name = "b"
headquarters = "US"

[budget]
total = 400e6

[[site]]
id = "east"
region = "us"
available_mw = 20
buildable_mw = 20

[[option]]
chip = "h100-sxm"
sites = ["east"]
mode = "buy"
price_usd = 27500

[[option]]
chip = "h100-sxm"
sites = ["east"]
mode = "lease"
lease_usd_per_hour = 2.2

[[workload]]
id = "assistant"
kind = "chat"
model = "llama-3.1-70b"
precision = "fp8"
daily_users = 20e6
requests_per_user_per_day = 5
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 1000
tpot_p99_ms = 50
growth_per_quarter = 0.1
user_regions = { us = 1.0 }

[objective]
kind = "min-tco"

[[fleet]]
chip = "h100-sxm"
site = "east"
count = 256
mode = "buy"
from = "2024Q4"
"#;

fn setup() -> (Scenario, Catalog) {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let scenario = validate("robust.toml", SCENARIO, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    (scenario, catalog)
}

/// The scenario with its chat demand multiplied by `demand` and H100 throughput by `throughput`.
fn future(scenario: &Scenario, catalog: &Catalog, demand: f64, throughput: f64) -> Sampled {
    let mut s = scenario.clone();
    for w in &mut s.workloads {
        if let WorkloadSpec::Chat(c) = &mut w.spec {
            c.daily_users *= demand;
        }
    }
    let mut factor = BTreeMap::new();
    if throughput != 1.0 {
        factor.insert(catalog.resolve_chip("h100-sxm").expect("h100"), throughput);
    }
    Sampled { scenario: s, catalog: catalog.clone(), throughput_factor: factor }
}

fn options(quantile: f64) -> RobustOptions {
    RobustOptions { quantile, seed: 1, plan: PlanOptions { explain: false, ..PlanOptions::default() } }
}

/// Futures served by `fleet`, counted with the evaluator alone: every workload at its peak in
/// every quarter, every holding lawful.
fn served_by_evaluator(futures: &[Sampled], fleet: &Scenario) -> usize {
    futures
        .iter()
        .filter(|f| {
            let mut s = f.scenario.clone();
            s.fleet = fleet.fleet.clone();
            let mut rates = fleet_rates(&s, &f.catalog);
            for rate in rates.values_mut() {
                let factor = f.throughput_factor.iter().find(|(c, _)| c.as_str() == rate.chip).map_or(1.0, |x| *x.1);
                rate.per_chip_per_s *= factor;
                rate.input_per_chip_per_s *= factor;
            }
            let e = evaluate_with_searches(&s, &f.catalog, rates, None).expect("evaluates");
            e.workloads.iter().all(|w| w.coverage_peak >= SERVED_MIN)
                && !e.violations.iter().any(|v| v.kind == ViolationKind::ExportControl)
        })
        .count()
}

#[test]
fn quantile_share_of_futures_is_served_by_the_evaluator() {
    let (scenario, catalog) = setup();
    // Ten futures: demand from 0.8× to 1.7× nominal, throughput from 1.1× to 0.75×.
    let futures: Vec<Sampled> =
        (0..10).map(|i| future(&scenario, &catalog, 0.8 + 0.1 * i as f64, 1.1 - 0.035 * i as f64)).collect();
    let robust = plan_robust(&scenario, &catalog, &futures, &options(0.9)).expect("robust plan");
    let fleet = robust.plan.scenario_with_fleet(&scenario);
    let served = served_by_evaluator(&futures, &fleet);
    assert!(served >= 9, "the robust plan serves {served} of 10 futures by the evaluator");
    assert_eq!(served, robust.robust.served, "the report counts what the evaluator finds");
    // The nominal plan alone serves fewer: the hard futures need more capacity.
    let nominal = plan(&scenario, &catalog, &options(0.9).plan).expect("nominal plan");
    let nominal_served = served_by_evaluator(&futures, &nominal.scenario_with_fleet(&scenario));
    assert!(nominal_served < served, "nominal serves {nominal_served}, robust {served}");
    assert_eq!(nominal_served, robust.robust.nominal_served);
    // Robustness costs: at nominal prices never less than the nominal plan (beyond the gap).
    let r = &robust.robust;
    assert!(r.robust_cost >= r.nominal_cost * (1.0 - 2.0 * PlanOptions::default().mip_gap), "{r:?}");
    assert!(r.cost_of_robustness > 0.0, "serving harder futures costs more: {r:?}");
}

#[test]
fn fixed_inputs_give_the_nominal_plan() {
    let (scenario, catalog) = setup();
    let futures: Vec<Sampled> = (0..4).map(|_| future(&scenario, &catalog, 1.0, 1.0)).collect();
    let robust = plan_robust(&scenario, &catalog, &futures, &options(1.0)).expect("robust plan");
    let nominal = plan(&scenario, &catalog, &options(1.0).plan).expect("nominal plan");
    let r = &robust.robust;
    assert_eq!(r.served, 4);
    let rel = (r.robust_cost - nominal.economic_cost).abs() / nominal.economic_cost;
    assert!(rel < 1e-6, "robust {} vs nominal {} ({rel:e})", r.robust_cost, nominal.economic_cost);
    assert!((r.expected_cost - r.robust_cost).abs() <= 1e-6 * r.robust_cost, "same prices in every future");
    let units = |p: &fleetplan_engines::plan::Plan| p.purchases.iter().map(|h| h.accelerators).sum::<u64>();
    assert_eq!(units(&robust.plan), units(&nominal));
}

#[test]
fn quantile_one_serves_every_future_that_can_be_served() {
    let (scenario, catalog) = setup();
    let futures: Vec<Sampled> = [1.0, 1.3, 0.9, 1.5].iter().map(|d| future(&scenario, &catalog, *d, 1.0)).collect();
    let robust = plan_robust(&scenario, &catalog, &futures, &options(1.0)).expect("robust plan");
    let fleet = robust.plan.scenario_with_fleet(&scenario);
    assert_eq!(served_by_evaluator(&futures, &fleet), 4);
}

#[test]
fn bad_settings_are_refused() {
    assert_eq!(check_settings(0, 0.9), Err(RobustError::NoFutures));
    assert!(matches!(check_settings(1_000_000, 0.9), Err(RobustError::TooManyFutures { given: 1_000_000 })));
    for q in [0.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
        assert!(matches!(check_settings(20, q), Err(RobustError::Quantile { .. })), "{q}");
    }
    assert!(check_settings(20, 1.0).is_ok() && check_settings(1, 0.01).is_ok());
    let (scenario, catalog) = setup();
    let err = plan_robust(&scenario, &catalog, &[], &options(0.9)).unwrap_err();
    assert_eq!(err, RobustError::NoFutures);
}

/// Timing on the ByteDance example with 20 hand-made futures (run with --ignored --nocapture).
#[test]
#[ignore]
fn bytedance_twenty_futures() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/bytedance-2025.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let scenario = validate("bytedance-2025.toml", &text, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    let futures = draw_futures(&scenario, &catalog, 0, 20).expect("futures");
    let started = std::time::Instant::now();
    let robust = plan_robust(&scenario, &catalog, &futures, &options(0.9)).expect("robust plan");
    let r = &robust.robust;
    println!(
        "{:.1} s: served {}/{} (nominal {}), rounds {}, in model {}, repairs {}, cost {:.4e} vs {:.4e} ({:+.2} %)",
        started.elapsed().as_secs_f64(),
        r.served,
        r.futures,
        r.nominal_served,
        r.rounds,
        r.futures_in_model,
        r.repairs,
        r.robust_cost,
        r.nominal_cost,
        r.cost_of_robustness_pct
    );
    for o in &r.outcomes {
        println!("{} {} {:?} {} {:?}", o.future, o.served, o.lowest_at, o.in_model, o.left_out);
    }
    let e = robust.plan.evaluation.as_ref().unwrap();
    for w in e.workloads.iter().filter(|w| w.coverage_peak < 0.9995) {
        println!("nominal short: {} {} {}", w.workload, w.quarter, w.coverage_peak);
    }
}

/// Futures drawn from an `[uncertainty]` section (demand level and growth): the quantile's
/// share is served by the evaluator, and the draw is deterministic in the seed.
#[test]
fn drawn_futures_are_served_at_the_quantile() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let text = format!(
        "{SCENARIO}\n[uncertainty]\n\"workload.assistant.daily_users\" = {{ lognormal = {{ median = 20e6, sigma = 0.25 }} }}\n\"workload.assistant.growth_per_quarter\" = {{ triangular = {{ low = 0.0, mode = 0.1, high = 0.3 }} }}\n"
    );
    let scenario = validate("robust.toml", &text, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    let futures = draw_futures(&scenario, &catalog, 7, 20).expect("futures");
    assert_eq!(futures.len(), 20);
    let robust = plan_robust(&scenario, &catalog, &futures, &options(0.9)).expect("robust plan");
    let served = served_by_evaluator(&futures, &robust.plan.scenario_with_fleet(&scenario));
    assert!(served >= 18, "serves {served} of 20 futures by the evaluator");
    assert!(robust.robust.cost_of_robustness >= 0.0);
    let again = plan_robust(&scenario, &catalog, &draw_futures(&scenario, &catalog, 7, 20).unwrap(), &options(0.9))
        .expect("robust plan");
    assert_eq!(again.robust.robust_cost, robust.robust.robust_cost, "same seed, same plan");
}
