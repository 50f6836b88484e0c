//! The default backend's numerics and limits (docs/planner.md, "Solver limits and numerics"):
//! the two scenarios on which microlp once failed ("Singular matrix", "exactly integral solution
//! failed feasibility validation") get a plan on both paths from the scaled model, and a solve
//! stopped by the deterministic node limit says so, with its gap, and gives the same plan on
//! every run.

mod fixtures;

use fixtures::{catalog, scenario_in};
use fleetplan_engines::plan::{PlanError, PlanOptions, PlanPath, SolveStatus, SolverError, plan};

/// Fuzz engine cases 238 ("Singular matrix") and 420 (integral validation), kept in the hostile
/// corpus.
const FUZZ_CASES: [(&str, &str); 2] = [
    ("fuzz-engine-238", include_str!("../../fleetplan/tests/hostile/files/fuzz-engine-238-singular-matrix.toml")),
    ("fuzz-engine-420", include_str!("../../fleetplan/tests/hostile/files/fuzz-engine-420-integral-validation.toml")),
];

#[test]
fn once_failing_scenarios_plan_on_both_paths() {
    let catalog = catalog();
    for (name, text) in FUZZ_CASES {
        let s = scenario_in(text, &catalog);
        for path in [PlanPath::Exact, PlanPath::Relaxation] {
            let options = PlanOptions { path, ..PlanOptions::default() };
            let p = plan(&s, &catalog, &options).unwrap_or_else(|e| panic!("{name} {path:?}: {e}"));
            assert_eq!(p.solver.model_form, Some("scaled"), "{name} {path:?}");
            // Both scenarios' budgets cannot pay for their demand: the answer is a relaxation.
            assert!(!p.feasible && !p.relaxation.is_empty(), "{name} {path:?}: {:?}", p.relaxation);
            assert!(p.spend_total.is_finite() && p.spend_total > 0.0, "{name} {path:?}");
        }
    }
}

const BYTEDANCE: &str = include_str!("../../fleetplan/tests/hostile/files/node-limit-bytedance.toml");

#[test]
fn node_limit_stops_the_same_way_every_time_and_says_so() {
    let catalog = catalog();
    let s = scenario_in(BYTEDANCE, &catalog);
    let options =
        PlanOptions { mip_gap: 0.0, node_limit: Some(20), explain: false, verify: false, ..PlanOptions::default() };
    let first = plan(&s, &catalog, &options).expect("a plan");
    assert_eq!(first.solver.status, SolveStatus::NodeLimit);
    assert_eq!(first.solver.status.as_str(), "stopped at the node limit");
    let gap = first.solver.gap_bound.expect("the gap to the solver's bound");
    assert!(gap > 0.0 && gap < 0.01, "gap {gap}");
    let second = plan(&s, &catalog, &options).expect("a plan");
    assert_eq!(first.purchases, second.purchases);
    assert_eq!(first.solver.gap_bound, second.solver.gap_bound);
    // Without the limit the same search proves optimality.
    let open = PlanOptions { node_limit: None, ..options };
    assert_eq!(plan(&s, &catalog, &open).expect("a plan").solver.status, SolveStatus::Optimal);
    // A limit reached before any feasible plan is a typed error naming the limit.
    let tiny = PlanOptions { node_limit: Some(0), ..options };
    match plan(&s, &catalog, &tiny) {
        Err(PlanError::Solver(SolverError::LimitWithoutPlan { limit })) => assert_eq!(limit, "node"),
        other => panic!("expected a node-limit error, got {:?}", other.map(|p| p.solver)),
    }
}
