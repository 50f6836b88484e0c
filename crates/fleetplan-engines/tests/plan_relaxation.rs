//! The relaxation path (docs/planner.md, "Large models: the relaxation path") on a mid-size
//! generated scenario: LP relaxation, rounded binaries, LP re-solve, whole-unit rounding and the
//! evaluator's repair loop give a plan whose evaluator check has no budget, power or supply
//! violation, whose objective is no better than the LP bound, and which is the same on every run.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, validate};
use fleetplan_engines::eval::ViolationKind;
use fleetplan_engines::plan::generate::{GenSpec, generate};
use fleetplan_engines::plan::{Plan, PlanOptions, PlanPath, plan};

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

fn scenario(spec: &GenSpec, catalog: &Catalog) -> Scenario {
    let text = generate(spec, catalog).expect("generated scenario");
    validate("gen.toml", &text, catalog).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn run(s: &Scenario, catalog: &Catalog, path: PlanPath) -> Plan {
    let options = PlanOptions { explain: false, path, ..PlanOptions::default() };
    plan(s, catalog, &options).expect("a plan")
}

/// A scenario with training runs (binaries to round) and buildable sites.
const SPEC: GenSpec = GenSpec { sites: 8, chips: 8, quarters: 8, workloads: 8, seed: 3 };

#[test]
fn relaxation_path_plan_is_feasible_and_bounded_by_its_lp() {
    let catalog = catalog();
    let s = scenario(&SPEC, &catalog);
    let p = run(&s, &catalog, PlanPath::Relaxation);
    assert!(p.feasible, "the generated scenario is feasible");
    assert_eq!(p.solver.path, "relaxation");
    let report = p.solver.relaxation.as_ref().expect("a relaxation report");
    assert!(report.binaries > 0, "the scenario has binaries to round: {report:?}");
    assert_eq!(p.solver.integers, 0, "every binary is fixed on this path");
    // min-tco: the LP relaxation bounds the plan's objective from below.
    assert!(
        report.plan_objective >= report.lp_bound * (1.0 - 1e-9) - 1e-6,
        "plan objective {} below the LP bound {}",
        report.plan_objective,
        report.lp_bound
    );
    assert!(report.gap.is_finite() && report.gap >= 0.0);
    assert_eq!(p.solver.gap_bound, Some(report.gap));
    let evaluation = p.evaluation.as_ref().expect("the plan was evaluated");
    let hard: Vec<_> = evaluation
        .violations
        .iter()
        .filter(|v| {
            matches!(
                v.kind,
                ViolationKind::Budget | ViolationKind::Power | ViolationKind::Supply | ViolationKind::BudgetShare
            )
        })
        .collect();
    assert!(hard.is_empty(), "budget/power/supply violations: {hard:#?}");
    assert!(!p.purchases.is_empty(), "the plan buys or leases something");
}

#[test]
fn relaxation_path_is_deterministic_and_exact_path_stays_exact() {
    let catalog = catalog();
    let s = scenario(&SPEC, &catalog);
    let a = run(&s, &catalog, PlanPath::Relaxation);
    let b = run(&s, &catalog, PlanPath::Relaxation);
    assert_eq!(a.purchases, b.purchases);
    assert_eq!(a.training, b.training);
    let exact = run(&s, &catalog, PlanPath::Exact);
    assert_eq!(exact.solver.path, "exact");
    assert!(exact.solver.relaxation.is_none());
}
