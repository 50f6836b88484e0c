//! The plan names what drove it: share targets it is held at, budget-share bounds it sits on
//! and yearly caps it reaches appear among its binding constraints.

mod fixtures;

use fixtures::{buy, chat_app, header, site};
use fleetplan_engines::plan::{PlanOptions, plan};

/// Two US sites (hardware dearer at `b`) and one chat app under `budget` (the whole section and
/// anything after it, filled in by each test).
fn text(budget: &str) -> String {
    [
        header("bindings", "2025Q1", 4, "US"),
        budget.to_string(),
        site("a", "us", "50"),
        site("b", "us", "50"),
        buy("h100-sxm", "a", "27500"),
        buy("h100-sxm", "b", "40000"),
        chat_app("us"),
    ]
    .concat()
}

fn explanations(budget: &str) -> Vec<String> {
    let catalog = fixtures::catalog();
    let scenario = fixtures::scenario_in(&text(budget), &catalog);
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
