//! Fleet-level validation end to end: `fleetplan validate` on fleet cases and `fleetplan
//! optimize` on the DeepSeek 2025-02 example (issue 10: fleet answers that hold up), with the
//! diurnal valley model of docs/planner.md.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fleetplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan")).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

const DEEPSEEK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/deepseek-2025-02.toml");
const FLEET_CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fleet-cases.toml");

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetplan-fleet-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn within(value: f64, target: f64, tolerance: f64) -> bool {
    ((value - target) / target).abs() <= tolerance
}

/// Accelerators the plan leases (the plan holds the peak).
fn leased(plan: &serde_json::Value) -> f64 {
    plan["purchases"].as_array().unwrap().iter().map(|p| p["accelerators"].as_f64().unwrap()).sum()
}

#[test]
fn deepseek_fleet_matches_its_published_peak_average_and_cost() {
    let out = fleetplan(&["optimize", DEEPSEEK, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan = json_of(&out);
    // Day 6: peak 278 nodes × 8 H800 = 2,224; average 226.75 nodes = 1,814; USD 87,072/day.
    let (leased, average) = (leased(&plan), plan["accelerators_average"].as_f64().unwrap());
    assert!(within(leased, 2224.0, 0.15), "leases {leased} H800, published peak 2,224");
    assert!(within(average, 1814.0, 0.15), "averages {average} serving H800, published 1,814");
    let cost = plan["inference_cost_per_day"].as_f64().unwrap();
    assert!(within(cost, 87072.0, 0.15), "inference cost USD {cost}/day, published USD 87,072");
}

#[test]
fn the_plan_holds_the_peak_and_charges_inference_the_average() {
    // The example with budget and power large enough to serve everything whatever the
    // per-chip rate.
    let text = std::fs::read_to_string(DEEPSEEK).unwrap();
    assert!(
        text.contains("total = 20e6") && text.contains("available_mw = 10 "),
        "the example's budget and power lines"
    );
    let rich = text.replace("total = 20e6", "total = 1e12").replace("available_mw = 10 ", "available_mw = 1000 ");
    let path = temp_dir().join("deepseek-rich.toml");
    std::fs::write(&path, rich).unwrap();
    let out = fleetplan(&["optimize", path.to_str().unwrap(), "--format", "json", "--no-explain"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan = json_of(&out);
    let peak = plan["accelerators_peak"].as_f64().unwrap();
    let average = plan["accelerators_average"].as_f64().unwrap();
    let cost = plan["inference_cost_per_day"].as_f64().unwrap();
    // The example's diurnal profile: busiest hour ÷ mean = 1.184 / (23.174 / 24).
    let peak_factor = 1.184 / (23.174 / 24.0);
    assert!((peak / average - peak_factor).abs() < 1e-3, "peak {peak} ÷ average {average} ≠ {peak_factor}");
    assert!(
        leased(&plan) >= peak - 1e-6 && leased(&plan) <= peak * 1.01 + 8.0,
        "leases {} for a peak of {peak}",
        leased(&plan)
    );
    // Leased H800 at USD 2/accelerator-hour, all-in: cost = average × 2 × 24.
    assert!((cost - average * 48.0).abs() <= 1e-6 * cost, "cost {cost} ≠ {average} × 48");
    let quarter = &plan["valley_by_quarter"][0];
    let lent = quarter["lent_accelerator_hours_per_day"].as_f64().unwrap();
    let held = quarter["accelerators_held"].as_f64().unwrap();
    assert!((lent - 24.0 * (held - average)).abs() <= 1e-6 * held * 24.0, "{quarter}");
    let table = fleetplan(&["optimize", path.to_str().unwrap(), "--no-explain"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("Diurnal valley") && text.contains("inference cost per day USD"), "{text}");
}

#[test]
fn validate_reports_fleet_cases_like_per_chip_cases() {
    let out = fleetplan(&["validate", FLEET_CASES, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json_of(&out);
    let cases = v["fleet_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5, "{cases:?}");
    for c in cases {
        for key in ["id", "metric", "predicted", "published", "error", "tolerance", "within_tolerance", "detail"] {
            assert!(c.get(key).is_some(), "fleet case lacks `{key}`: {c}");
        }
        let (p, published) = (c["predicted"].as_f64().unwrap(), c["published"].as_f64().unwrap());
        let error = c["error"].as_f64().unwrap();
        // JSON numbers carry 6 significant digits (core::output): compare at that precision.
        assert!(((p - published) / published - error).abs() < 1e-5, "{c}");
        assert_eq!(c["within_tolerance"].as_bool().unwrap(), error.abs() <= c["tolerance"].as_f64().unwrap(), "{c}");
    }
    let table = fleetplan(&["validate", FLEET_CASES]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("deepseek-2025-02-cost-per-day") && text.contains("fleet cases within tolerance"), "{text}");
}

#[test]
fn a_bad_fleet_case_is_located_and_the_others_still_run() {
    let dir = temp_dir();
    let case = |id: &str, scenario: &str, metric: &str| {
        format!(
            "[[fleet_case]]\nid = \"{id}\"\nscenario = \"{scenario}\"\nmetric = \"{metric}\"\nvalue = 2224\n\
             tolerance = 0.15\nsource = \"test\"\ncertainty = \"high\"\n\n"
        )
    };
    let text = case("good", DEEPSEEK, "accelerators_peak")
        + &case("typo", DEEPSEEK, "acelerators_peak")
        + &case("missing", "no-such-scenario.toml", "cost_per_day");
    let path = dir.join("bad-fleet-cases.toml");
    std::fs::write(&path, text).unwrap();
    let out = fleetplan(&["validate", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json_of(&out);
    let ids: Vec<&str> = v["fleet_cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["good"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown metric `acelerators_peak`") && err.contains("did you mean `accelerators_peak`"),
        "{err}"
    );
    assert!(err.contains("bad-fleet-cases.toml:13:10"), "located: {err}");
    assert!(err.contains("no-such-scenario.toml"), "{err}");
}
