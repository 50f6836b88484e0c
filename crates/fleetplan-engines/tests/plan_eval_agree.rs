//! Planner → plan fleet → evaluator: for every example and for hand-checked scenarios, the
//! independent evaluator of the planned fleet agrees with the planner on cost (within the
//! linearisation of network cost and rounding to whole units), never reports less served
//! demand than the planner promised, and finds no supply cap exceeded once counts are rounded
//! to whole units.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, validate};
use fleetplan_engines::eval::{ViolationKind, evaluate};
use fleetplan_engines::plan::{PlanOptions, plan};
use std::path::Path;

/// Relative cost tolerance: the planner prices per accelerator at a 4,096-chip reference cluster
/// and rounds counts up to whole units; the evaluator prices the exact fleet.
const COST_TOLERANCE: f64 = 0.05;
/// Absolute tolerance on served share of peak (0–1).
const SERVED_TOLERANCE: f64 = 1e-3;

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

fn check(name: &str, s: &Scenario) {
    let cat = catalog();
    let p = plan(s, &cat, &PlanOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    // The fleet as plan.toml carries it (with `training` marks), evaluated from scratch.
    let fleet = p.scenario_with_fleet(s);
    let e = evaluate(&fleet, &cat).unwrap_or_else(|e| panic!("{name}: {e}"));
    for t in &p.training {
        let te = e.training.iter().find(|x| x.workload == t.workload).unwrap();
        assert_eq!((&te.site, &te.chip), (&t.site, &t.chip), "{name}: training placed elsewhere");
    }
    // Rounding every line of a capped option up (the example's CloudMatrix at two sites, 34
    // systems against a cap of 33) must not add more than the cap in any quarter.
    let over: Vec<_> = e.violations.iter().filter(|v| v.kind == ViolationKind::Supply).collect();
    assert!(over.is_empty(), "{name}: the rounded plan exceeds supply caps: {over:#?}");
    let rel = (e.spend.total - p.spend_total).abs() / p.spend_total.max(1.0);
    assert!(
        rel <= COST_TOLERANCE,
        "{name}: planner spend {:.4e} vs evaluator {:.4e} ({:.2} %)",
        p.spend_total,
        e.spend.total,
        rel * 100.0
    );
    for line in &p.served {
        let w = e.workloads.iter().find(|w| w.workload == line.workload && w.quarter == line.quarter).unwrap();
        assert!(
            w.coverage_peak >= line.served - SERVED_TOLERANCE,
            "{name}: {} {}: planner serves {:.4} of peak, evaluator {:.4}",
            line.workload,
            line.quarter,
            line.served,
            w.coverage_peak
        );
    }
}

#[test]
fn every_example_agrees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    let cat = catalog();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let name = f.display().to_string();
        let s = validate(&name, &text, &cat).unwrap_or_else(|d| panic!("{name}: {d:#?}"));
        check(&name, &s);
    }
}

/// Two chat apps in China whose chips suit them differently, a training run, and a max-served
/// objective under a tight budget: the case where a proportional split served less.
#[test]
fn hand_checked_scenarios_agree() {
    let base = r#"
[scenario]
name = "hand"
currency = "USD"
start = "2025Q1"
quarters = 2
[buyer]
name = "b"
headquarters = "US"
[budget]
total = {BUDGET}
[[site]]
id = "a"
region = "us"
available_mw = 50
[[option]]
chip = "h100-sxm"
sites = ["a"]
mode = "buy"
price_usd = 27500
[[option]]
chip = "h100-sxm"
sites = ["a"]
mode = "lease"
lease_usd_per_hour = 2.2
[[option]]
chip = "l40s"
sites = ["a"]
mode = "buy"
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
precision = "fp8"
daily_users = 2e7
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 100
user_regions = { us = 1.0 }
[[workload]]
id = "img"
kind = "image"
model = "flux.1-dev"
items_per_day = 2e6
latency_p99_s = 30
user_regions = { us = 1.0 }
[objective]
kind = "{OBJECTIVE}"
"#;
    let cat = catalog();
    for (budget, objective) in [("1e10", "min-tco"), ("2e7", "max-served")] {
        let text = base.replace("{BUDGET}", budget).replace("{OBJECTIVE}", objective);
        let s = validate("hand.toml", &text, &cat).unwrap_or_else(|d| panic!("{d:#?}"));
        check(&format!("hand {objective}"), &s);
    }
}
