//! Degenerate evaluations say what is wrong instead of printing a meaningless count: no chip
//! meets the latency target ("add about 0 accelerators" before), and a training run no fleet
//! could finish ("needs 18446744073709551615 chips" before).

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::validate;
use fleetplan_engines::eval::{ViolationKind, evaluate};

const QUICKSTART: &str = include_str!("../../../examples/quickstart.toml");

fn evaluate_text(text: &str) -> fleetplan_engines::eval::Evaluation {
    let catalog = Catalog::builtin().expect("catalog");
    let scenario = validate("t.toml", text, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    evaluate(&scenario, &catalog).expect("evaluation")
}

#[test]
fn no_chip_meeting_the_latency_target_gives_a_reason_not_a_zero_count() {
    // 0.01 ms per output token: no chip decodes that fast.
    let text = QUICKSTART.replace("tpot_p99_ms = 50 ", "tpot_p99_ms = 0.01 ");
    assert_ne!(text, QUICKSTART);
    let e = evaluate_text(&text);
    let demand: Vec<_> = e.violations.iter().filter(|v| v.kind == ViolationKind::Demand).collect();
    assert!(!demand.is_empty(), "{:#?}", e.violations);
    for v in demand {
        assert!(!v.fix.contains("add about 0 "), "{}", v.fix);
        assert!(!v.fix.contains("inf"), "{}", v.fix);
        assert!(v.fix.contains("latency targets"), "{}", v.fix);
    }
}

#[test]
fn a_training_run_no_fleet_can_finish_says_so_instead_of_a_saturated_count() {
    let text = format!(
        "{QUICKSTART}\n[[workload]]\nid = \"huge\"\nkind = \"training\"\nmodel = \"llama-3.1-405b\"\ntokens = 1e16\n\
         deadline = \"2025-01-02\"\n"
    );
    let e = evaluate_text(&text);
    let texts: Vec<String> = e.violations.iter().map(|v| format!("{} / {}", v.message, v.fix)).collect();
    let all = texts.join("\n");
    assert!(!all.contains("18446744073709551615"), "{all}");
    assert!(all.contains("more than 100,000,000") || all.contains("no fleet could train"), "{all}");
}
