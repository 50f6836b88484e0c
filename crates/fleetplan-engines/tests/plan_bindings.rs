//! The plan names what drove it: share targets it is held at, budget-share bounds it sits on
//! and yearly caps it reaches appear among its binding constraints.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::validate;
use fleetplan_engines::plan::{PlanOptions, plan};

/// Two US sites (hardware dearer at `b`) and one chat app; `{BUDGET}` is filled in by each test.
const TEXT: &str = r#"
[scenario]
name = "bindings"
currency = "USD"
start = "2025Q1"
quarters = 4
[buyer]
name = "b"
headquarters = "US"
{BUDGET}
[[site]]
id = "a"
region = "us"
available_mw = 50
[[site]]
id = "b"
region = "us"
available_mw = 50
[[option]]
chip = "h100-sxm"
sites = ["a"]
mode = "buy"
price_usd = 27500
[[option]]
chip = "h100-sxm"
sites = ["b"]
mode = "buy"
price_usd = 40000
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
growth_per_quarter = 0.0
user_regions = { us = 1.0 }
"#;

fn explanations(budget: &str) -> Vec<String> {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let scenario = validate("t.toml", &TEXT.replace("{BUDGET}", budget), &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    let p = plan(&scenario, &catalog, &PlanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.feasible);
    p.explanations.iter().map(ToString::to_string).collect()
}

#[test]
fn a_share_target_the_plan_is_held_at_is_named() {
    let notes = explanations(
        "[budget]\ntotal = 1e10\n[[budget.share]]\ngroup = \"second\"\nsites = [\"b\"]\ntarget = 0.3\npenalty_per_point = 1e9\n",
    );
    assert!(
        notes.iter().any(|n| n.contains("Group `second` is held at its target share of spend (30 %)")),
        "{notes:#?}"
    );
}

#[test]
fn a_share_floor_the_plan_sits_on_is_named() {
    let notes =
        explanations("[budget]\ntotal = 1e10\n[[budget.share]]\ngroup = \"second\"\nsites = [\"b\"]\nmin = 0.7\n");
    assert!(notes.iter().any(|n| n.contains("Group `second` is at its minimum share of spend (70 %)")), "{notes:#?}");
}

#[test]
fn a_yearly_cap_the_plan_spends_up_to_is_named() {
    let notes = explanations("[budget]\ntotal = 1e10\nper_year = { 2025 = 2e6 }\n[objective]\nkind = \"max-served\"\n");
    assert!(notes.iter().any(|n| n.starts_with("The 2025 budget cap of") && n.ends_with("is reached.")), "{notes:#?}");
}
