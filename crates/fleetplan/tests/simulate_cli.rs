//! `fleetplan simulate` end to end: the standalone MLPerf-server-like form, the scenario form,
//! determinism (same seed; thread count), errors, and the CSV/SVG outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valid/simulate-two-regions.toml")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fleetplan-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const MLPERF: [&str; 20] = [
    "simulate",
    "--chip",
    "h100-sxm",
    "--chips",
    "8",
    "--tp",
    "2",
    "--model",
    "llama-2-70b",
    "--precision",
    "fp8",
    "--qps",
    "75",
    "--input",
    "300",
    "--output",
    "290",
    "--requests",
    "20000",
    "--seed",
];

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn standalone_prints_labelled_percentiles_and_throughput() {
    let s = ok(&bin().args(MLPERF).arg("1").output().unwrap());
    for needle in ["p50", "p90", "p99", "p99.9", "TTFT (ms)", "TPOT (ms)", "E2E (s)", "throughput:", "4 replicas"] {
        assert!(s.contains(needle), "missing {needle}:\n{s}");
    }
    assert!(s.contains("20000 completed"), "{s}");
}

#[test]
fn same_seed_gives_byte_identical_stdout_and_another_seed_does_not() {
    let a = ok(&bin().args(MLPERF).arg("7").output().unwrap());
    let b = ok(&bin().args(MLPERF).arg("7").output().unwrap());
    let c = ok(&bin().args(MLPERF).arg("8").output().unwrap());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn bad_chip_id_exits_2_with_did_you_mean() {
    let mut args = MLPERF.to_vec();
    args[2] = "h100-sx";
    let o = bin().args(args).arg("1").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--chip") && e.contains("did you mean `h100-sxm`?"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn replications_do_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let mut args = MLPERF.to_vec();
        args[18] = "5000";
        ok(&bin()
            .env("RAYON_NUM_THREADS", threads)
            .args(args)
            .args(["1", "--replications", "4", "--json"])
            .output()
            .unwrap())
    };
    let one = run("1");
    assert_eq!(one, run("4"));
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["replications"], 4);
    assert_eq!(v["summary"]["requests_completed"], 20_000);
    // Replications differ from each other (per-run seeds).
    let p99 = v["p99_ttft_s_by_replication"].as_array().unwrap();
    assert!(p99.windows(2).any(|w| w[0] != w[1]), "{p99:?}");
}

#[test]
fn scenario_form_simulates_each_region_on_its_own_fleet() {
    let o = bin()
        .arg("simulate")
        .arg(fixture())
        .args(["--hours", "1", "--sample-fraction", "0.5", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["workload"], "chat");
    assert_eq!(v["quarter"], "2025Q2");
    let pools = v["pools"].as_array().unwrap();
    // Residency: Chinese users on the Chinese site's H20s, US users on the US site's H100s.
    let pool = |region: &str| pools.iter().find(|p| p["pool"]["region"] == region).unwrap();
    assert_eq!(pool("cn")["pool"]["chip"], "h20");
    assert_eq!(pool("cn")["pool"]["sites"][0], "cn-north");
    assert_eq!(pool("us")["pool"]["chip"], "h100-sxm");
    // Mean requests/s: 2e5 users × 5 / 86,400 s × 1.0 growth, split 60/40.
    let qps = |r: &str| pool(r)["pool"]["mean_requests_per_s"].as_f64().unwrap();
    // JSON numbers carry 6 significant digits (core::output).
    assert!((qps("cn") + qps("us") - 2e5 * 5.0 / 86_400.0).abs() < 2e-5 * 2e5 * 5.0 / 86_400.0);
    assert!((qps("cn") / qps("us") - 1.5).abs() < 2e-5);
    let s = &v["summary"];
    let arrived = s["requests_arrived"].as_u64().unwrap();
    assert!(arrived > 1000, "{s}");
    assert_eq!(s["requests_completed"].as_u64().unwrap() + s["requests_dropped"].as_u64().unwrap(), arrived);
    assert!(s["slo_attainment"].as_f64().unwrap() > 0.9, "{s}");
    assert!(v["fleet_throughput_rps_estimate"].as_f64().unwrap() > 0.0);
}

#[test]
fn scenario_form_text_names_what_was_simulated() {
    let o = bin()
        .arg("simulate")
        .arg(example("quickstart.toml"))
        .args(["--hours", "0.25", "--sample-fraction", "0.2", "--no-failures", "--seed", "3"])
        .output()
        .unwrap();
    let s = ok(&o);
    for needle in ["workload `assistant`", "h100-sxm", "sampled:", "replicas simulated", "TTFT (ms)", "SLO attainment"]
    {
        assert!(s.contains(needle), "missing {needle}:\n{s}");
    }
    assert!(s.contains("failures: none"), "{s}");
}

#[test]
fn unknown_workload_exits_2_with_did_you_mean() {
    let o = bin().arg("simulate").arg(fixture()).args(["--workload", "chatt"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("did you mean `chat`?"), "{e}");
}

#[test]
fn quarter_outside_the_horizon_is_a_user_error() {
    let o = bin().arg("simulate").arg(fixture()).args(["--quarter", "2026Q1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("outside the scenario's horizon"));
}

#[test]
fn out_dir_gets_time_series_and_charts_and_stdout_is_unchanged() {
    let dir = tmp("out");
    let args = ["--hours", "0.5", "--sample-fraction", "0.5", "--seed", "2"];
    let plain = ok(&bin().arg("simulate").arg(fixture()).args(args).output().unwrap());
    let with_out = ok(&bin().arg("simulate").arg(fixture()).args(args).arg("--out").arg(&dir).output().unwrap());
    assert_eq!(plain, with_out);
    let csv = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    assert!(csv.starts_with("pool,t_s,waiting,running,completed,utilization,kv_usage,replicas_up\n"));
    assert!(csv.lines().any(|l| l.starts_with("cn/h20,60.000,")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("us/h100-sxm,")));
    for chart in ["queue.svg", "utilization.svg"] {
        let svg = std::fs::read_to_string(dir.join(chart)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("cn/h20"), "{chart}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Accelerators per (user region, chip) that `evaluate` allocates to `chat` in `quarter`.
fn allocated(file: &Path, quarter: &str) -> std::collections::BTreeMap<(String, String), f64> {
    let o = bin().args(["evaluate", "--format", "json"]).arg(file).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    let wq = v["workloads"].as_array().unwrap().iter().find(|w| w["workload"] == "chat" && w["quarter"] == quarter);
    let mut out = std::collections::BTreeMap::new();
    for a in wq.unwrap()["allocation"].as_array().unwrap() {
        let key = (a["user_region"].as_str().unwrap().to_string(), a["chip"].as_str().unwrap().to_string());
        *out.entry(key).or_default() += a["accelerators"].as_f64().unwrap();
    }
    out
}

/// Simulated pools as (user region, chip) → accelerators.
fn simulated(file: &Path) -> std::collections::BTreeMap<(String, String), f64> {
    let o = bin().arg("simulate").arg(file).args(["--hours", "0.25", "--sample-fraction", "0.5", "--json"]).output();
    let v: serde_json::Value = serde_json::from_str(&ok(&o.unwrap())).unwrap();
    let pools = v["pools"].as_array().unwrap().iter().map(|p| &p["pool"]);
    pools
        .map(|p| {
            let key = (p["region"].as_str().unwrap().to_string(), p["chip"].as_str().unwrap().to_string());
            (key, p["accelerators"].as_f64().unwrap())
        })
        .collect()
}

#[test]
fn scenario_form_serves_each_region_with_the_evaluations_allocation() {
    // The China pool is exactly the H20s the evaluation allocated to Chinese users, and so on.
    let want = allocated(&fixture(), "2025Q2");
    assert!(want[&("cn".to_string(), "h20".to_string())] > 0.0, "{want:?}");
    assert_eq!(simulated(&fixture()), want);
    // With slower A100s next to the US H100s, the LP needs only the H100s; the A100s stay idle
    // and get no pool (a split over all eligible chips would simulate them too).
    let dir = tmp("alloc");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("with-a100.toml");
    let text = std::fs::read_to_string(fixture()).unwrap()
        + "\n[[fleet]]\nchip = \"a100-sxm-80g\"\nsite = \"us-east\"\ncount = 64\nmode = \"buy\"\nfrom = \"2024Q4\"\n";
    std::fs::write(&file, text).unwrap();
    let want = allocated(&file, "2025Q2");
    assert!(!want.keys().any(|k| k.1 == "a100-sxm-80g"), "{want:?}");
    assert_eq!(simulated(&file), want);
    let _ = std::fs::remove_dir_all(&dir);
}
