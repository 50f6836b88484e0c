//! `fleetplan optimize FILE --robust K [--quantile q] [--seed S]` (docs/planner.md, "Robust
//! plans"): the JSON report serves at least the quantile's share of its futures, the written
//! plan.toml is accepted by `evaluate`, the same seed gives the same plan, and bad flags are user
//! errors (exit 2) that say what is valid.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
}

/// One site, one chat app whose demand level and growth are uncertain.
const SCENARIO: &str = r#"
[scenario]
name = "robust"
currency = "USD"
start = "2025Q1"
quarters = 4

[buyer]
name = "b"
headquarters = "US"

[budget]
total = 400e6

[[site]]
id = "east"
region = "us"
available_mw = 20
buildable_mw = 20

[[option]]
chip = "h100-sxm"
sites = ["east"]
mode = "buy"
price_usd = 27500

[[workload]]
id = "assistant"
kind = "chat"
model = "llama-3.1-70b"
precision = "fp8"
daily_users = 20e6
requests_per_user_per_day = 5
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 1000
tpot_p99_ms = 50
growth_per_quarter = 0.1
user_regions = { us = 1.0 }

[objective]
kind = "min-tco"

[uncertainty]
"workload.assistant.daily_users" = { lognormal = { median = 20e6, sigma = 0.25 } }
"workload.assistant.growth_per_quarter" = { triangular = { low = 0.0, mode = 0.1, high = 0.3 } }
"#;

fn scenario_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetplan-robust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("robust.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    path
}

fn optimize(file: &PathBuf, flags: &[&str]) -> Output {
    bin().arg("optimize").arg(file).args(flags).output().unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn robust_plan_serves_its_quantile_and_round_trips() {
    let file = scenario_file("json");
    let out = file.parent().unwrap().join("out");
    let o = optimize(&file, &["--robust", "20", "--quantile", "0.9", "--seed", "3", "--format", "json", "--out"]);
    assert_eq!(o.status.code(), Some(2), "--out needs a value");
    let o = optimize(
        &file,
        &["--robust", "20", "--quantile", "0.9", "--seed", "3", "--format", "json", "--out", out.to_str().unwrap()],
    );
    let v = json(&o);
    let r = &v["robust"];
    assert_eq!(r["futures"], 20);
    assert_eq!(r["required"], 18);
    let served = r["served"].as_u64().unwrap();
    assert!(served >= 18, "{r}");
    let outcomes = r["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 20);
    assert_eq!(outcomes.iter().filter(|o| o["served"] == true).count() as u64, served);
    assert!(r["cost_of_robustness"].as_f64().unwrap() >= 0.0, "{r}");
    let (robust, nominal) = (r["robust_cost"].as_f64().unwrap(), r["nominal_cost"].as_f64().unwrap());
    let pct = r["cost_of_robustness_pct"].as_f64().unwrap();
    // JSON numbers carry 6 significant digits.
    assert!((pct - 100.0 * (robust - nominal) / nominal).abs() < 1e-2, "{r}");
    assert_eq!(v["solver"]["path"], "robust");
    assert!(!v["purchases"].as_array().unwrap().is_empty());
    // plan.toml is the nominal scenario with the robust fleet: `evaluate` accepts it, served.
    let e = bin().arg("evaluate").arg(out.join("plan.toml")).args(["--format", "json"]).output().unwrap();
    let ev: serde_json::Value = json(&e);
    for w in ev["workloads"].as_array().unwrap() {
        assert!(w["coverage_peak"].as_f64().unwrap() >= 0.9995, "{w}");
    }
    // The same seed gives the same plan; the table names the cost of robustness.
    let again = json(&optimize(&file, &["--robust", "20", "--seed", "3", "--format", "json"]));
    assert_eq!(again["robust"]["robust_cost"], r["robust_cost"]);
    assert_eq!(again["purchases"], v["purchases"]);
    let t = optimize(&file, &["--robust", "20", "--seed", "3"]);
    let text = String::from_utf8_lossy(&t.stdout);
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    assert!(text.contains("Robust plan over 20 sampled futures (seed 3, quantile 0.9)"), "{text}");
    assert!(text.contains("Cost of robustness: +USD"), "{text}");
    assert!(text.contains("Plan for robust"), "{text}");
}

#[test]
fn bad_robust_flags_are_user_errors() {
    let file = scenario_file("flags");
    let cases: [(&[&str], &str); 7] = [
        (&["--robust", "0"], "--robust 0: a robust plan needs at least 1 sampled future"),
        (&["--robust", "100000"], "--robust 100000: at most 500 futures"),
        (&["--robust", "99999999999999999999999"], "--robust"),
        (&["--robust", "10", "--quantile", "0"], "--quantile 0: must be a share in (0, 1]"),
        (&["--robust", "10", "--quantile", "1.5"], "--quantile 1.5: must be a share in (0, 1]"),
        (&["--robust", "10", "--quantile", "nan"], "must be a share in (0, 1]"),
        (&["--quantile", "0.5"], "--quantile and --seed apply to robust plans: add --robust K"),
    ];
    for (flags, message) in cases {
        let o = optimize(&file, flags);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
        assert!(o.stdout.is_empty(), "{flags:?}: nothing on stdout");
    }
}
