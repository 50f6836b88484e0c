//! Dated prices in the evaluator and the planner: a catalog-priced lease pays the series' rate
//! in force in its first quarter; the planner leases each quarter at that quarter's rate and
//! splits its lease holdings where the rate changes, so the evaluator agrees with it.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Mode, Quarter, Scenario, validate};
use fleetplan_engines::eval::{ViolationKind, evaluate};
use fleetplan_engines::plan::{PlanOptions, plan};
use fleetplan_models::cost::HOURS_PER_YEAR;

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

fn scenario(text: &str) -> Scenario {
    validate("t.toml", text, &catalog()).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn q(s: &str) -> Quarter {
    s.parse().unwrap()
}

/// A US buyer with a chat app in the US from `{START}` for `{Q}` quarters; `{REST}` adds sites,
/// options and fleet.
const BASE: &str = r#"
[scenario]
name = "dated"
currency = "USD"
start = "{START}"
quarters = {Q}
[buyer]
name = "b"
headquarters = "US"
[budget]
total = 1e10
[[site]]
id = "a"
region = "us"
available_mw = 50
[[site]]
id = "t"
region = "th"
available_mw = 50
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
precision = "fp8"
daily_users = 5e7
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 100
growth_per_quarter = 0.0
user_regions = { us = 1.0 }
{REST}
"#;

fn text(start: &str, quarters: u32, rest: &str) -> String {
    BASE.replace("{START}", start).replace("{Q}", &quarters.to_string()).replace("{REST}", rest)
}

#[test]
fn the_evaluator_prices_each_lease_at_the_rate_in_force_when_it_starts() {
    let fleet = r#"
[[fleet]]
chip = "h100-sxm"
site = "a"
count = 64
mode = "lease"
from = "2025Q1"
until = "2025Q4"
[[fleet]]
chip = "h100-sxm"
site = "a"
count = 64
mode = "lease"
from = "2026Q2"
until = "2026Q4"
[[fleet]]
chip = "h100-sxm"
site = "t"
count = 8
mode = "lease"
from = "2026Q2"
"#;
    let cat = catalog();
    let s = scenario(&text("2025Q1", 8, fleet));
    let e = evaluate(&s, &cat).unwrap();
    let us: Vec<_> = e.holdings.iter().filter(|h| h.site == "a").collect();
    let rate = |at: &str| cat.costs.lease_quote("h100-sxm", "us", q(at)).unwrap().usd_per_accel_hour;
    for (holding, at) in us.iter().zip(["2025Q1", "2026Q2"]) {
        let expected = 64.0 * rate(at) * HOURS_PER_YEAR;
        assert!((holding.cost.lease_usd_per_year - expected).abs() < 1e-6 * expected, "{at}: {holding:#?}");
    }
    assert!(us[1].usd_per_accelerator_hour > us[0].usd_per_accelerator_hour, "2026Q2 costs more than 2025Q1");
    // Thailand has no lease price: priced at the US rate plus the markup, and flagged.
    let th = e.holdings.iter().find(|h| h.site == "t").unwrap();
    let marked_up = rate("2026Q2") * (1.0 + cat.costs.lease_regional_markup());
    assert!((th.cost.lease_usd_per_year - 8.0 * marked_up * HOURS_PER_YEAR).abs() < 1e-3);
    let flag = e.violations.iter().find(|v| v.kind == ViolationKind::MissingPrice).expect("a missing-price flag");
    assert!(flag.message.contains("`th`") && flag.fix.contains("regional markup"), "{flag:#?}");
}

#[test]
fn the_planner_leases_at_each_quarters_rate_and_the_evaluator_agrees() {
    // 2025Q3..2026Q2 spans three changes of the H100 US one-year rate (2025Q4, 2026Q1, 2026Q2).
    let option = "[[option]]\nchip = \"h100-sxm\"\nsites = [\"a\"]\nmode = \"lease\"\n";
    let s = scenario(&text("2025Q3", 4, option));
    let cat = catalog();
    let p = plan(&s, &cat, &PlanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let leases: Vec<_> = p.holdings.iter().filter(|h| h.mode == Mode::Lease).collect();
    assert!(!leases.is_empty());
    for h in &leases {
        let rate = cat.costs.lease_quote("h100-sxm", "us", h.from).unwrap().usd_per_accel_hour;
        assert_eq!(h.lease_usd_per_hour, Some(rate), "{h:#?}");
        // No holding runs across a change of rate.
        let mut quarter = h.from;
        while quarter <= h.until {
            let then = cat.costs.lease_quote("h100-sxm", "us", quarter).unwrap().usd_per_accel_hour;
            assert_eq!(then, rate, "{h:#?} spans a rate change at {quarter}");
            quarter = quarter.offset(1);
        }
    }
    let starts: std::collections::BTreeSet<Quarter> = leases.iter().map(|h| h.from).collect();
    assert!(starts.len() >= 4, "one lease per rate: {starts:?}");
    let e = evaluate(&p.scenario_with_fleet(&s), &cat).unwrap();
    let rel = (e.spend.total - p.spend_total).abs() / p.spend_total;
    assert!(rel < 0.05, "planner {} vs evaluator {}", p.spend_total, e.spend.total);
    // The quarter at the cycle low costs the least.
    let by_quarter: Vec<f64> = p.spend_by_quarter.iter().map(|(_, x)| *x).collect();
    let low = by_quarter.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(p.spend_by_quarter.iter().find(|(_, x)| *x == low).unwrap().0, q("2025Q4"), "{by_quarter:?}");
}
