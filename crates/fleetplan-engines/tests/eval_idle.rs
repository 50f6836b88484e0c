//! Idle capacity in an evaluation: a fixed fleet sized for twice its peak is about half idle and
//! gets an `idle` advisory with the cost of the idle part; a fleet of exactly the accelerators its
//! peak needs gets none. Idle shares are fractions, one per quarter, consistent with the pools.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::validate;
use fleetplan_engines::eval::{Evaluation, IDLE_ADVISORY_SHARE, ViolationKind, evaluate};
use fleetplan_models::cost::HOURS_PER_YEAR;

/// One chat workload in the US served from one site with `count` H100s; 2 quarters, no growth.
fn evaluated(count: u64) -> Evaluation {
    let text = format!(
        r#"
[scenario]
name = "idle"
currency = "EUR"
start = "2025Q1"
quarters = 2
[buyer]
name = "b"
headquarters = "US"
[fx]
EUR = 0.9
[budget]
total = 1e10
[[site]]
id = "s1"
region = "us"
available_mw = 50
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
daily_users = 2e6
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 100
[[fleet]]
chip = "h100-sxm"
site = "s1"
count = {count}
mode = "buy"
from = "2025Q1"
"#
    );
    let catalog = Catalog::builtin().expect("catalog");
    let scenario = validate("t.toml", &text, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    evaluate(&scenario, &catalog).expect("evaluation")
}

/// Accelerators the workload's peak needs, as the serving split allocates them on a large fleet.
fn needed_at_peak() -> f64 {
    let e = evaluated(4096);
    let w = &e.workloads[0];
    assert!(w.coverage_peak > 0.999, "the large fleet serves the peak: {w:#?}");
    assert!(w.accelerators > 8.0, "enough demand for a meaningful test: {}", w.accelerators);
    w.accelerators
}

fn check_consistent(e: &Evaluation) {
    let shares = e.idle_share_by_quarter();
    assert_eq!(shares.len(), e.quarters.len());
    for (q, share) in e.quarters.iter().zip(&shares) {
        assert!((0.0..=1.0).contains(share), "{share}");
        let pools: Vec<_> = e.idle.iter().filter(|p| p.quarter == q.quarter).collect();
        assert_eq!(pools.iter().map(|p| p.idle_accelerators).sum::<u64>(), q.idle_accelerators);
        assert_eq!(pools.iter().map(|p| p.accelerators).sum::<u64>(), q.accelerators);
        assert!((q.idle_cost - pools.iter().map(|p| p.idle_cost).sum::<f64>()).abs() <= 1e-6 * q.idle_cost.max(1.0));
        for p in pools {
            let parts = p.training_accelerators as f64 + p.serving_accelerators + p.idle_accelerators as f64;
            assert!((parts - p.accelerators as f64).abs() < 1.0 + 1e-9, "{p:#?}");
        }
    }
}

#[test]
fn an_over_provisioned_fleet_gets_an_idle_advisory_with_its_cost() {
    let needed = needed_at_peak();
    let count = (2.0 * needed).ceil() as u64;
    let e = evaluated(count);
    check_consistent(&e);
    assert_eq!(e.advisories.len(), 2, "one per quarter: {:#?}", e.advisories);
    let pool = &e.idle[0];
    assert!(pool.idle_share > 0.45 && pool.idle_share < 0.55, "about half idle: {pool:#?}");
    // The idle part's cost: idle accelerators × TCO per accelerator-hour × a quarter, in EUR.
    let usd_per_hour = e.holdings[0].usd_per_accelerator_hour;
    let expected = pool.idle_accelerators as f64 * usd_per_hour * HOURS_PER_YEAR / 4.0 * 0.9;
    assert!((pool.idle_cost - expected).abs() < 1e-6 * expected, "{} vs {expected}", pool.idle_cost);
    let advisory = &e.advisories[0];
    assert_eq!((advisory.kind, advisory.subject.as_str()), (ViolationKind::Idle, "h100-sxm at s1"));
    assert_eq!(advisory.quarter, Some(pool.quarter));
    let cost = fleetplan_core::format::money(pool.idle_cost, "EUR");
    assert!(advisory.message.contains(&cost), "{} lacks {cost}", advisory.message);
    // Advisories are not violated constraints.
    assert!(e.violations.iter().all(|v| v.kind != ViolationKind::Idle));
}

#[test]
fn a_fleet_that_exactly_serves_its_peak_has_no_idle_advisory() {
    let count = needed_at_peak().ceil() as u64;
    let e = evaluated(count);
    check_consistent(&e);
    assert!(e.workloads.iter().all(|w| w.coverage_peak > 0.999), "{:#?}", e.workloads);
    assert!(e.advisories.is_empty(), "{:#?}", e.advisories);
    assert!(e.idle.iter().all(|p| p.idle_share <= IDLE_ADVISORY_SHARE && p.idle_accelerators <= 1), "{:#?}", e.idle);
}
