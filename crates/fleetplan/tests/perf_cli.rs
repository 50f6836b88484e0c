//! `fleetplan perf ...` and `fleetplan validate` end to end: run the binary on real inputs.

use std::process::{Command, Output};

fn fleetplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan")).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

fn json_ok(args: &[&str]) -> serde_json::Value {
    let out = fleetplan(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

const CALIBRATION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fleetplan-models/tests/data/calibration.toml");

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetplan-perf-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn infer_with_latency_limits_answers_the_server_scenario_within_them() {
    let base = ["perf", "infer", "--chip", "h100-sxm", "--chips", "8", "--model", "llama-2-70b", "--precision", "fp8"];
    let lens = ["--input", "300", "--output", "290", "--json"];
    let limits = ["--ttft-p99-ms", "2000", "--tpot-p99-ms", "200"];
    let server = json_ok(&[&base[..], &lens[..], &limits[..]].concat());
    assert_eq!(server["scenario"], "server");
    let best = &server["result"]["best"];
    let out_per_chip = best["output_tokens_per_s_per_chip"].as_f64().unwrap();
    assert!(out_per_chip > 0.0);
    assert!(best["ttft_p99_ms"].as_f64().unwrap() <= 2000.0, "{best}");
    assert!(best["tpot_p99_ms"].as_f64().unwrap() <= 200.0, "{best}");
    let offline = json_ok(&[&base[..], &lens[..]].concat());
    assert_eq!(offline["scenario"], "offline");
    let offline_per_chip = offline["result"]["best"]["output_tokens_per_s_per_chip"].as_f64().unwrap();
    assert!(out_per_chip <= offline_per_chip * (1.0 + 1e-9), "server {out_per_chip} > offline {offline_per_chip}");
}

#[test]
fn train_and_gen_print_their_figures() {
    let out = fleetplan(&["perf", "train", "--chip", "h100-sxm", "--chips", "1024", "--model", "llama-3.1-70b"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("MFU") && text.contains("layouts searched"), "{text}");
    let out = fleetplan(&["perf", "gen", "--chip", "h100-sxm", "--model", "flux.1-dev"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn unknown_ids_exit_2_with_did_you_mean() {
    let out = fleetplan(&["perf", "infer", "--chip", "h100_sxm", "--model", "llama-2-70b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("h100-sxm"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = fleetplan(&["perf", "infer", "--chip", "h100-sxm", "--model", "llama-2-70"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_json_has_the_documented_shape_and_meets_the_calibration_targets() {
    let v = json_ok(&["validate", CALIBRATION, "--json"]);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for c in cases {
        for key in ["id", "predicted", "measured", "error"] {
            assert!(c.get(key).is_some(), "case lacks `{key}`: {c}");
        }
    }
    let s = &v["summary"];
    assert_eq!(s["count"], 10);
    assert!(s["median_abs_error"].as_f64().unwrap() <= 0.10, "{s}");
    assert!(s["max_abs_error"].as_f64().unwrap() <= 0.30, "{s}");
    assert!(s["p90_abs_error"].as_f64().is_some());
}

#[test]
fn validate_json_gives_every_case_an_interval_and_the_summary_its_coverage() {
    let v = json_ok(&["validate", CALIBRATION, "--json"]);
    for c in v["cases"].as_array().unwrap() {
        let (low, high) = (c["low"].as_f64().unwrap(), c["high"].as_f64().unwrap());
        assert!(0.0 < low && low < high, "{c}");
    }
    let s = &v["summary"];
    let coverage = s["interval_coverage"].as_f64().unwrap();
    assert!((0.75..=1.0).contains(&coverage), "{s}");
    assert!(s["median_interval_half_width"].as_f64().unwrap() > 0.0, "{s}");
    let out = fleetplan(&["validate", CALIBRATION]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("80 % interval") && text.contains("measurements inside"), "{text}");
}

#[test]
fn fit_intervals_prints_a_catalog_table_with_a_root_entry() {
    let out = fleetplan(&["validate", "--fit-intervals", CALIBRATION]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[[interval]]") && text.contains("id = \"all\""), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("leave one class out"), "{err}");
}

#[test]
fn validate_names_the_case_with_an_unknown_chip_and_lists_unmodellable_cases() {
    let case = |id: &str, chip: &str, precision: &str| {
        format!(
            "[[case]]\nid = \"{id}\"\nkind = \"inference\"\nchip = \"{chip}\"\nn_chips = 8\nmodel = \"llama-2-70b\"\n\
             precision = \"{precision}\"\nscenario = \"offline\"\nmetric = \"output_tokens_per_s_per_chip\"\nvalue = 3000.0\n\
             input_tokens = 300\noutput_tokens = 290\nsource = \"test\"\ncertainty = \"high\"\n\n"
        )
    };
    let bad = temp_file("bad.toml", &case("typo-case", "h100-sxn", "fp8"));
    let out = fleetplan(&["validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo-case") && err.contains("h100-sxm"), "{err}");

    // FP4 on H100 (no FP4 units) cannot be modelled: listed with its reason, not dropped.
    let mixed = temp_file("mixed.toml", &(case("ok-case", "h100-sxm", "fp8") + &case("fp4-case", "h100-sxm", "fp4")));
    let out = fleetplan(&["validate", mixed.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fp4-case") && text.contains("not modelled"), "{text}");
    assert!(text.contains("ok-case"), "{text}");
}

#[test]
fn infer_names_its_engine_and_rejects_unknown_ones() {
    let base = ["perf", "infer", "--chip", "h100-sxm", "--chips", "8", "--model", "llama-2-70b", "--precision", "fp8"];
    let out = fleetplan(&base);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("engine: TensorRT-LLM (default for nvidia)"), "{text}");

    let out = fleetplan(&[&base[..], &["--engine", "vllm", "--engine-version", "0.6.0"]].concat());
    assert!(String::from_utf8_lossy(&out.stdout).contains("engine: vLLM 0.6.0"));

    let out = fleetplan(&[&base[..], &["--engine", "vlm"]].concat());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown engine id `vlm` (did you mean `vllm`?)"), "{stderr}");

    let out = fleetplan(&["perf", "infer", "--chip", "mi300x", "--model", "llama-2-70b", "--engine", "trtllm"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not run on AMD chips"));
    let out = fleetplan(&[&base[..], &["--engine", "megatron"]].concat());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn infer_json_carries_the_engine_and_its_stack() {
    let v = json_ok(&[
        "perf",
        "infer",
        "--chip",
        "mi300x",
        "--chips",
        "8",
        "--model",
        "llama-2-70b",
        "--precision",
        "fp8",
        "--json",
    ]);
    assert_eq!(v["engine"], "vllm");
    assert_eq!(v["stack"]["max_running_requests"], 1024.0);
    assert_eq!(v["stack"]["kv_reservation"], "expected");
}

#[test]
fn validate_reports_an_unknown_case_engine_and_uses_known_ones() {
    let case = |id: &str, engine: &str| {
        format!(
            "[[case]]\nid = \"{id}\"\nkind = \"inference\"\nchip = \"a100-sxm-80g\"\nn_chips = 1\nmodel = \"llama-3.1-8b\"\n\
             precision = \"bf16\"\nscenario = \"offline\"\nmetric = \"output_tokens_per_s_per_chip\"\nvalue = 4000.0\n\
             input_tokens = 227\noutput_tokens = 194\n{engine}source = \"test\"\ncertainty = \"high\"\n\n"
        )
    };
    let text = case("typo-engine", "engine = \"vlm\"\n")
        + &case("old-vllm", "engine = \"vllm\"\nengine_version = \"0.6.0\"\n")
        + &case("capped", "engine = \"vllm\"\nmax_batch = 100\n");
    let file = temp_file("engines.toml", &text);
    let out = fleetplan(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo-engine") && err.contains("did you mean `vllm`?"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    // vLLM 0.6 on one A100: max_num_seqs 256 binds; a published max_batch of 100 replaces it.
    let line = |id: &str| text.lines().find(|l| l.contains(id)).unwrap_or_default().to_string();
    assert!(line("old-vllm").contains("batch 256") && line("old-vllm").contains("scheduler batch limit"), "{text}");
    assert!(line("capped").contains("batch 100"), "{text}");
}

/// `perf infer` on one H100 for llama-3.1-8b at FP8, one layout, with extra flags: the best point.
fn infer_one_gpu(extra: &[&str]) -> serde_json::Value {
    let base = ["perf", "infer", "--chip", "h100-sxm", "--chips", "1", "--model", "llama-3.1-8b", "--precision", "fp8"];
    let fixed = ["--tp", "1", "--input", "1000", "--output", "1000", "--json"];
    json_ok(&[&base[..], &fixed[..], extra].concat())
}

fn output_per_chip(v: &serde_json::Value) -> f64 {
    v["result"]["best"]["output_tokens_per_s_per_chip"].as_f64().unwrap()
}

#[test]
fn beams_lower_and_accepted_drafts_raise_tokens_per_chip() {
    let plain = output_per_chip(&infer_one_gpu(&[]));
    let beams = infer_one_gpu(&["--beams", "4"]);
    assert_eq!(beams["workload"]["decoding"]["beams"], 4);
    assert!(output_per_chip(&beams) < 0.8 * plain, "4 beams {} vs 1 beam {plain}", output_per_chip(&beams));
    // A latency limit keeps the batch small (memory-bound decode), where drafts pay off.
    let limit = ["--tpot-p99-ms", "15"];
    let plain_limited = output_per_chip(&infer_one_gpu(&limit));
    let mtp = output_per_chip(&infer_one_gpu(
        &[&limit[..], &["--mtp-draft-tokens", "2", "--mtp-acceptance", "0.8"]].concat(),
    ));
    assert!(mtp > 1.2 * plain_limited, "MTP {mtp} vs none {plain_limited}");
}

#[test]
fn a_finite_burst_with_spread_outputs_is_slower_than_the_steady_state() {
    let steady = output_per_chip(&infer_one_gpu(&["--output-cv", "1"]));
    let burst = infer_one_gpu(&["--output-cv", "1", "--requests", "1000"]);
    assert_eq!(burst["scenario"], "offline");
    assert!(output_per_chip(&burst) < 0.95 * steady, "burst {} vs steady {steady}", output_per_chip(&burst));
    let closed = output_per_chip(&infer_one_gpu(&["--concurrency", "4"]));
    assert!(closed < 0.5 * output_per_chip(&infer_one_gpu(&[])), "4 in flight {closed}");
}

#[test]
fn request_flags_out_of_range_exit_2_naming_the_flag_and_range() {
    let base = ["perf", "infer", "--chip", "h100-sxm", "--chips", "1", "--model", "llama-3.1-8b"];
    let cases: [(&[&str], &str); 6] = [
        (&["--beams", "17"], "--beams must be a whole number from 1 to 16, got 17"),
        (&["--output-cv", "12"], "--output-cv must be a number from 0 to 10, got 12"),
        (&["--output-max", "100"], "--output-max must be from the mean output (200)"),
        (&["--output-max", "200000"], "131072 − 1000 = 130072"),
        (&["--mtp-draft-tokens", "2"], "--mtp-draft-tokens needs --mtp-acceptance"),
        (&["--mtp-draft-tokens", "2", "--mtp-acceptance", "1.5"], "--mtp-acceptance must be a fraction from 0 to 1"),
    ];
    for (flags, message) in cases {
        let out = fleetplan(&[&base[..], flags].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
    }
    for flags in [
        &["--requests", "0"][..],
        &["--requests", "10", "--concurrency", "4"],
        &["--requests", "10", "--scenario", "server"],
    ] {
        let out = fleetplan(&[&base[..], flags].concat());
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn the_kv_cache_default_follows_the_named_engine() {
    let base = ["perf", "infer", "--chip", "h100-sxm", "--chips", "1", "--model", "llama-3.1-8b", "--precision", "fp8"];
    let kv = |extra: &[&str]| json_ok(&[&base[..], extra, &["--json"]].concat())["kv_precision"].clone();
    assert_eq!(kv(&[]), "fp8");
    assert_eq!(kv(&["--engine", "trtllm"]), "fp8");
    assert_eq!(kv(&["--engine", "vllm"]), "bf16");
    assert_eq!(kv(&["--engine", "vllm", "--kv-precision", "fp8"]), "fp8");
}
