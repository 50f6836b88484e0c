//! Hostile numbers end to end (issue 15, "numbers and inputs"): hangs and memory blow-ups
//! inside the accepted ranges, physical ranges of scenario fields, and degenerate results. Each
//! case asserts its exit code (2: a user error with a message saying what is valid) and a
//! bound on the time it takes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

/// Run with `args`, assert it finishes within `limit` and exits with `code`; returns stderr.
fn run(args: &[&str], code: i32, limit: Duration) -> String {
    let started = Instant::now();
    let o: Output = bin().args(args).output().expect("runs");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(elapsed < limit, "{args:?} took {elapsed:?}");
    assert_eq!(
        o.status.code(),
        Some(code),
        "{args:?}\nstdout: {}\nstderr: {stderr}",
        String::from_utf8_lossy(&o.stdout)
    );
    stderr
}

/// A copy of the quickstart example with `from` replaced by `to`, written to a temp file.
fn quickstart_with(name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(example("quickstart.toml")).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let path = std::env::temp_dir().join(format!("fleetplan-inputs-{}-{name}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

const QUICK: Duration = Duration::from_secs(20);

#[test]
fn endless_devices_are_refused_at_the_size_cap() {
    let err = run(&["check", "/dev/zero"], 2, QUICK);
    assert!(err.contains("larger than 16 MiB"), "{err}");
    let err = run(&["check", "/dev/urandom"], 2, QUICK);
    assert!(err.contains("larger than 16 MiB"), "{err}");
}

#[test]
fn a_fleet_of_1e15_chips_is_refused_by_check_and_evaluate_does_not_hang() {
    let path = quickstart_with("count", &[("count = 512 ", "count = 1000000000000000 ")]);
    let p = path.to_str().unwrap();
    let err = run(&["check", p], 2, QUICK);
    assert!(err.contains("at most 100000000 accelerators"), "{err}");
    run(&["evaluate", p], 2, QUICK);
}

#[test]
fn scenario_numbers_beyond_any_real_value_are_located_errors() {
    let path = quickstart_with(
        "huge",
        &[
            ("daily_users = 1e6 ", "daily_users = 1e308 "),
            ("total = 50e6 ", "total = 1e308 "),
            ("available_mw = 5 ", "available_mw = 1e308 "),
        ],
    );
    let err = run(&["check", path.to_str().unwrap()], 2, QUICK);
    for (field, max) in [
        ("workload[0].daily_users", "at most 1e10"),
        ("budget.total", "at most 1e15"),
        ("site[0].available_mw", "at most 100000"),
    ] {
        assert!(err.contains(field) && err.contains(max), "{field}: {err}");
    }
    assert!(err.contains("huge.toml:17:9 at `budget.total`"), "located: {err}");
}

#[test]
fn simulator_memory_failures_and_lengths_are_bounded_with_a_reason() {
    let base = ["simulate", "--chip", "h100-sxm", "--model", "llama-3.1-8b", "--requests", "1000"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { [&base[..], extra].concat() };
    let err = run(&with(&["--chips", "10000000"]), 2, QUICK);
    assert!(err.contains("GiB") && err.contains("limit"), "{err}");
    let err = run(&with(&["--mtbf-hours", "0.0001"]), 2, QUICK);
    assert!(err.contains("at least 60 s"), "{err}");
    let err = run(&with(&["--input", "10000000"]), 2, QUICK);
    assert!(err.contains("context of 131072 tokens"), "{err}");
    let err = run(&with(&["--output-sigma", "5"]), 2, QUICK);
    assert!(err.contains("sigma of at most"), "{err}");
    let err = run(&["perf", "infer", "--chip", "h100-sxm", "--model", "llama-3.1-8b", "--input", "10000000"], 2, QUICK);
    assert!(err.contains("--input") && err.contains("context"), "{err}");
}

#[test]
fn a_trace_arrival_of_1e15_s_is_a_located_error() {
    let path = std::env::temp_dir().join(format!("fleetplan-inputs-{}-trace.csv", std::process::id()));
    std::fs::write(&path, "arrival_s,input_tokens,output_tokens\n0,100,10\n1e15,100,10\n").unwrap();
    let err = run(
        &["simulate", "--chip", "h100-sxm", "--model", "llama-3.1-8b", "--trace", path.to_str().unwrap()],
        2,
        QUICK,
    );
    assert!(err.contains(":3:1") && err.contains("1e15"), "{err}");
}

#[test]
fn degenerate_requests_are_errors_not_summaries_of_nothing() {
    let empty = std::env::temp_dir().join(format!("fleetplan-inputs-{}-empty.toml", std::process::id()));
    std::fs::write(&empty, "").unwrap();
    let err = run(&["validate", empty.to_str().unwrap()], 2, QUICK);
    assert!(err.contains("no validation cases"), "{err}");
    let quickstart = example("quickstart.toml");
    let q = quickstart.to_str().unwrap();
    run(&["compare", q], 2, QUICK);
    let err = run(&["optimize", q, "--objective", "max-training"], 2, QUICK);
    assert!(err.contains("no training workload"), "{err}");
}

/// `--time-limit 1e308` panicked converting to a `Duration`; limits beyond a week are refused.
#[test]
fn an_absurd_solver_time_limit_is_refused_not_a_panic() {
    let quickstart = example("quickstart.toml");
    let file = quickstart.to_str().unwrap();
    for limit in ["1e308", "1e9", "0", "-5", "NaN"] {
        let arg = format!("--time-limit={limit}");
        let stderr = run(&["optimize", file, &arg], 2, Duration::from_secs(30));
        assert!(stderr.contains("--time-limit") && !stderr.contains("panicked"), "{limit}: {stderr}");
    }
}

/// `simulate FILE --hours 1e308` ran a few seconds of nonsense; the scenario form simulates at
/// most one quarter.
#[test]
fn simulated_hours_beyond_a_quarter_are_refused() {
    let quickstart = example("quickstart.toml");
    let file = quickstart.to_str().unwrap();
    let stderr = run(&["simulate", file, "--hours", "1e308"], 2, Duration::from_secs(30));
    assert!(stderr.contains("at most 2208"), "{stderr}");
}

/// `perf train --tokens 1e308` printed a 300-digit number of days; the flag takes the scenario's
/// range for training tokens (1e16), and `--seq-len` the request-length range (1e8).
#[test]
fn training_flags_take_the_scenario_ranges() {
    let base = ["perf", "train", "--chip", "h100-sxm", "--chips", "8", "--model", "llama-3.1-8b"];
    for (flag, value) in
        [("--tokens", "1e308"), ("--tokens", "2e16"), ("--seq-len", "1e9"), ("--global-batch-tokens", "1e20")]
    {
        let args: Vec<&str> = base.iter().copied().chain([flag, value]).collect();
        let stderr = run(&args, 2, Duration::from_secs(30));
        assert!(stderr.contains("beyond any real value"), "{flag} {value}: {stderr}");
    }
    let args: Vec<&str> = base.iter().copied().chain(["--tokens", "1e12"]).collect();
    run(&args, 0, Duration::from_secs(60));
}
