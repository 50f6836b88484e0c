//! Export-control fees as cost adders: an H200 bought in China in 2026 carries the 25 %
//! Section 232 duty on its accelerator line, in the evaluator and in the planner, and nothing
//! else of the holding changes; a purchase before the duty and a lease carry none.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Mode, Scenario, validate};
use fleetplan_engines::eval::{HoldingEval, evaluate};
use fleetplan_engines::plan::{PlanOptions, plan};

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

fn scenario(text: &str) -> Scenario {
    validate("t.toml", text, &catalog()).unwrap_or_else(|d| panic!("{d:#?}"))
}

/// A China-HQ buyer China approved for H200 imports, licences assumed granted; `{POLICY}` adds
/// rule switches and `{FLEET}` the holdings.
const BASE: &str = r#"
[scenario]
name = "fees"
currency = "USD"
start = "2025Q4"
quarters = 4
[buyer]
name = "b"
headquarters = "CN"
attributes = ["cn-h200-approved"]
[budget]
total = 1e10
[[site]]
id = "cn-1"
region = "cn"
available_mw = 50
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
daily_users = 3e8
requests_per_user_per_day = 5
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 100
user_regions = { cn = 1.0 }
[policy]
assume_licences_granted = true
{POLICY}
{FLEET}
"#;

const FLEET: &str = r#"
[[fleet]]
chip = "h200"
site = "cn-1"
count = 800
mode = "buy"
from = "2025Q4"
[[fleet]]
chip = "h200"
site = "cn-1"
count = 800
mode = "buy"
from = "2026Q2"
[[fleet]]
chip = "h200"
site = "cn-1"
count = 800
mode = "lease"
from = "2026Q2"
lease_usd_per_hour = 3.0
"#;

const NO_DUTY: &str = "disabled_rules = [\"jan2026-tariff-h200\"]";

fn holdings(policy: &str) -> Vec<HoldingEval> {
    let s = scenario(&BASE.replace("{POLICY}", policy).replace("{FLEET}", FLEET));
    evaluate(&s, &catalog()).unwrap().holdings
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn an_h200_bought_in_china_in_2026_costs_25_percent_more_on_the_accelerator_line() {
    let with = holdings("");
    let without = holdings(NO_DUTY);
    // Bought in 2026Q2 (judged on 2026-04-01, after the duty took effect on 15 Jan 2026).
    let (duty, base) = (&with[1].cost, &without[1].cost);
    assert!(base.capex_usd.accelerators > 0.0);
    assert_eq!(base.fees_usd, 0.0);
    assert!(close(duty.capex_usd.accelerators, 1.25 * base.capex_usd.accelerators), "{duty:#?}\n{base:#?}");
    assert!(close(duty.fees_usd, 0.25 * base.capex_usd.accelerators));
    // The duty is capitalised and depreciated with the chips; nothing else changes.
    assert!(close(duty.depreciation_usd_per_year.accelerators, 1.25 * base.depreciation_usd_per_year.accelerators));
    for (a, b) in [
        (duty.capex_usd.servers, base.capex_usd.servers),
        (duty.capex_usd.network, base.capex_usd.network),
        (duty.capex_usd.storage, base.capex_usd.storage),
        (duty.maintenance_usd_per_year, base.maintenance_usd_per_year),
        (duty.electricity_usd_per_year, base.electricity_usd_per_year),
    ] {
        assert!(close(a, b), "{a} != {b}");
    }
    assert!(with[1].usd_per_accelerator_hour > without[1].usd_per_accelerator_hour);
    // Bought in 2025Q4, before the duty: no adder either way.
    assert_eq!(with[0].cost.fees_usd, 0.0);
    assert!(close(with[0].cost.capex_usd.accelerators, without[0].cost.capex_usd.accelerators));
    // A lease is all-in: no adder.
    assert_eq!(with[2].mode, Mode::Lease);
    assert_eq!(with[2].cost.fees_usd, 0.0);
    assert!(close(with[2].cost.lease_usd_per_year, without[2].cost.lease_usd_per_year));
}

#[test]
fn the_planner_prices_the_duty_into_a_2026_purchase() {
    let option = "[[option]]\nchip = \"h200\"\nsites = [\"cn-1\"]\nmode = \"buy\"\n";
    let spend = |policy: &str| {
        let text = BASE.replace("{POLICY}", policy).replace("{FLEET}", option).replace("2025Q4", "2026Q2");
        let p = plan(&scenario(&text), &catalog(), &PlanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.feasible);
        let bought: u64 = p.purchases.iter().map(|h| h.accelerators).sum();
        let fees: f64 = p.evaluation.as_ref().unwrap().holdings.iter().map(|h| h.cost.fees_usd).sum();
        (bought, p.spend_total, fees)
    };
    let (bought, with, fees) = spend("");
    let (bought_without, without, no_fees) = spend(NO_DUTY);
    assert!(bought > 0);
    assert_eq!(bought, bought_without, "the duty changes the price, not the need");
    assert_eq!(no_fees, 0.0);
    assert!(fees > 0.0);
    // The planner's spend rises by the duty the evaluator charges on the rounded purchase (the
    // planner's spend is on fractional accelerators, priced on a reference cluster: allow 1 %).
    assert!(((with - without) - fees).abs() <= 0.01 * fees, "spend {with} vs {without}, fees {fees}");
}
