//! Calibration regression test: the global perf-family parameters must predict the public
//! calibration cases (a copy of shared/validation/calibration.toml in tests/data) with median
//! |error| ≤ 10 % and no case worse than 30 %, every case modelled; and the extended public set
//! (calibration-extended.toml) with median ≤ 10 % and p90 ≤ 30 %.

use fleetplan_core::catalog::{Accelerator, Catalog};
use fleetplan_core::units::Precision;
use fleetplan_models::train::{Mechanisms, Recompute, TrainEngine, TrainJob, TrainLayout, TrainPoint, TrainRates};
use fleetplan_models::validation::{CaseResult, check_ids, parse_cases, predict_all, summarize};

/// One line per case: measured, predicted, error and what the prediction used.
fn report(results: &[CaseResult]) -> String {
    results
        .iter()
        .map(|r| {
            format!(
                "{:<62} measured {:>10.2} predicted {:>10.2} error {:>+7.1}%  {}\n",
                r.id,
                r.measured,
                r.predicted.unwrap_or(f64::NAN),
                r.error.unwrap_or(f64::NAN) * 100.0,
                r.detail
            )
        })
        .collect()
}

const CALIBRATION: &str = include_str!("data/calibration.toml");

#[test]
fn calibration_cases_within_targets() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let cases = parse_cases("calibration.toml", CALIBRATION).expect("calibration file parses");
    assert_eq!(cases.len(), 10, "the public calibration file has 10 cases");
    let unknown = check_ids("calibration.toml", &cases, &catalog);
    assert!(unknown.is_empty(), "unknown ids: {unknown:?}");
    let results = predict_all(&cases, &catalog);
    let report = report(&results);
    println!("{report}");
    let s = summarize(&results);
    println!("summary: {s:?}");
    assert_eq!(s.count, cases.len(), "every case must be modelled:\n{report}");
    assert!(s.median_abs_error <= 0.10, "median |error| {:.3} > 0.10\n{report}", s.median_abs_error);
    assert!(s.max_abs_error <= 0.30, "max |error| {:.3} > 0.30\n{report}", s.max_abs_error);
}

const EXTENDED: &str = include_str!("data/calibration-extended.toml");

/// The extended public set (a copy of shared/validation/calibration-extended.toml: MLPerf
/// Inference and Training of many submitters, TensorRT-LLM / NeMo / Megatron-Bridge / Intel
/// tables, engine comparisons, papers): every case known and predicted, median |error| ≤ 10 %
/// (issue 9's target, met), and p90 ≤ 30 % (issue 9's target, met on 2026-11-30 at 27.8 % after
/// the benchmark-client output-spread prior, the Hopper re-tune and the engines' KV-cache
/// default; docs/performance-model.md section 7).
#[test]
fn extended_cases_within_targets() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let cases = parse_cases("calibration-extended.toml", EXTENDED).expect("extended file parses");
    assert_eq!(cases.len(), 67, "the public extended file has 67 cases");
    let unknown = check_ids("calibration-extended.toml", &cases, &catalog);
    assert!(unknown.is_empty(), "unknown ids: {unknown:?}");
    let results = predict_all(&cases, &catalog);
    let report = report(&results);
    println!("{report}");
    let s = summarize(&results);
    println!("summary: {s:?}");
    assert_eq!(s.count, cases.len(), "every case must be predicted:\n{report}");
    assert!(s.median_abs_error <= 0.10, "median |error| {:.3} > 0.10\n{report}", s.median_abs_error);
    assert!(s.p90_abs_error <= 0.30, "p90 |error| {:.3} > 0.30\n{report}", s.p90_abs_error);
}

/// Out-of-range optional settings are file errors naming the field and the valid range, not
/// cases silently left unmodelled.
#[test]
fn out_of_range_optional_settings_are_diagnosed() {
    // The first table (the header comment also mentions `[[case]]`, so look at line starts).
    let start = CALIBRATION.find("\n[[case]]").expect("a case") + 1;
    let end = CALIBRATION[start + 8..].find("\n[[case]]").map_or(CALIBRATION.len(), |e| start + 9 + e);
    let case = CALIBRATION[start..end].replacen("[[case]]", "[[case]]\nbeams = 0\noutput_tokens_cv = 1e308\n", 1);
    let problems = parse_cases("bad.toml", &case).expect_err("out-of-range settings are errors");
    let messages: Vec<String> = problems.iter().map(|d| d.message.clone()).collect();
    assert_eq!(problems.len(), 2, "{messages:?}");
    assert!(messages[0].contains("beams = 0"), "{messages:?}");
    assert!(messages[1].contains("output_tokens_cv = 1e308"), "{messages:?}");
}

/// A case's own table from a case file, by id (from its `[[case]]` line to the next).
fn case_table(file: &str, id: &str) -> String {
    let at = file.find(&format!("id = \"{id}\"")).expect("case id in the file");
    let start = file[..at].rfind("[[case]]").expect("a table header");
    let end = file[at..].find("\n[[case]]").map_or(file.len(), |e| at + e);
    file[start..end].to_string()
}

/// Predicted value of the single case in `text`.
fn predicted(text: &str) -> f64 {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let cases = parse_cases("one.toml", text).expect("case parses");
    predict_all(&cases, &catalog)[0].predicted.expect("case predicted")
}

/// A burst case without an output spread takes the benchmark client's data-set prior (cv 1,
/// longest output 2,048): its drain tail makes it slower than the same burst declared as equal
/// lengths (`output_tokens_cv = 0`), and exactly as slow as the prior written out. A steady-state
/// case without a spread is predicted as equal lengths.
#[test]
fn unknown_output_spread_takes_the_benchmark_kind_prior() {
    let burst = case_table(EXTENDED, "inf-gpustack-h100x2-gpt_oss_120b-vllm-tp2-sharegpt");
    assert!(!burst.contains("output_tokens_cv"), "the public case gives no spread");
    let with = |extra: &str| burst.replacen("[[case]]", &format!("[[case]]\n{extra}"), 1);
    let unknown = predicted(&burst);
    let equal = predicted(&with("output_tokens_cv = 0.0"));
    let prior = predicted(&with("output_tokens_cv = 1.0\noutput_tokens_max = 2048.0"));
    assert!(unknown < 0.8 * equal, "prior {unknown} vs equal lengths {equal}");
    assert!((unknown - prior).abs() <= 1e-9 * prior, "prior {unknown} vs written out {prior}");
    let steady = case_table(EXTENDED, "inf-trtllm10-h200x1-llama31_8b-fp8-1k1k");
    let steady_equal = steady.replacen("[[case]]", "[[case]]\noutput_tokens_cv = 0.0", 1);
    assert_eq!(predicted(&steady), predicted(&steady_equal));
}

/// A case that names vLLM or SGLang and gives no `kv_precision` keeps the KV cache at the
/// activation precision (`--kv-cache-dtype auto`): an FP8 checkpoint holds twice the KV bytes of
/// an FP8 cache, so fewer requests fit and the prediction is lower than with `kv_precision =
/// "fp8"` written out, and equal to `kv_precision = "bf16"`. Without a named engine (the vendor's
/// tuned deployment) the KV cache of an 8-bit run is FP8.
#[test]
fn named_vllm_keeps_the_kv_cache_at_the_activation_precision() {
    let case = case_table(EXTENDED, "inf-mlperf51-redhat-h100x1-llama31_8b-vllm-offline");
    assert!(case.contains("engine = \"vllm\"") && !case.contains("kv_precision"), "{case}");
    let with = |extra: &str| case.replacen("[[case]]", &format!("[[case]]\n{extra}"), 1);
    let default = predicted(&case);
    let fp8 = predicted(&with("kv_precision = \"fp8\""));
    assert!(default < 0.95 * fp8, "auto KV {default} vs FP8 KV {fp8}");
    assert_eq!(default, predicted(&with("kv_precision = \"bf16\"")));
    let unnamed = case.replace("engine = \"vllm\"\n", "");
    assert!(!unnamed.contains("engine ="), "{unnamed}");
    // The vendor default (TensorRT-LLM on NVIDIA) stands for a tuned deployment: FP8 KV.
    assert_eq!(predicted(&unnamed), predicted(&format!("{}\nkv_precision = \"fp8\"", unnamed.trim_end())));
}

fn train_point(chip: &Accelerator, model: &str, mechanisms: Mechanisms, layout: TrainLayout) -> Option<TrainPoint> {
    let catalog = Catalog::builtin().unwrap();
    let family = catalog.perf_family(&chip.perf_family).unwrap();
    let rates = TrainRates::new(chip, family, catalog.training_family(&chip.perf_family), Precision::Bf16).unwrap();
    let job = TrainJob { seq_len: 4096.0, global_batch_tokens: Some(4096.0 * 512.0), tokens: 1e9 };
    let engine = TrainEngine::with_options(catalog.llm(model).unwrap(), rates, job, None, mechanisms).unwrap();
    engine.point(&layout)
}

fn train_layout(tp: u32, dp: u32) -> TrainLayout {
    TrainLayout {
        tp,
        cp: 1,
        pp: 1,
        dp,
        ep: 1,
        zero: 1,
        recompute: Recompute::Selective,
        micro_batch: 1,
        virtual_stages: 1,
    }
}

#[test]
fn a_power_limited_clock_slows_compute_bound_training_nearly_in_proportion() {
    let catalog = Catalog::builtin().unwrap();
    let mut chip = catalog.accelerator("h100-sxm").unwrap().clone();
    let full = train_point(&chip, "llama-3.1-8b", Mechanisms::default(), train_layout(1, 8)).unwrap();
    chip.sustained_clock_fraction = Some(0.5);
    let slow = train_point(&chip, "llama-3.1-8b", Mechanisms::default(), train_layout(1, 8)).unwrap();
    let ratio = slow.step_s / full.step_s;
    // Compute halves in speed; communication and the optimizer do not follow the clock.
    assert!(ratio > 1.7 && ratio <= 2.0 + 1e-9, "step ratio {ratio}");
    // MFU keeps the datasheet peak as its denominator, so it falls with the clock.
    assert!((slow.mfu * ratio - full.mfu).abs() < 1e-9 * full.mfu, "{} vs {}", slow.mfu, full.mfu);
}

#[test]
fn tensor_parallelism_stays_inside_one_ici_torus_dimension() {
    let catalog = Catalog::builtin().unwrap();
    let v5p = catalog.accelerator("tpu-v5p").unwrap();
    let torus = Mechanisms::with_ici_torus();
    // 512 chips = 8×8×8: tp 8 fills a dimension, tp 16 fits none; the generic model allows both.
    assert!(train_point(v5p, "gpt-3-175b", torus, train_layout(8, 64)).is_some());
    assert!(train_point(v5p, "gpt-3-175b", torus, train_layout(16, 32)).is_none());
    assert!(train_point(v5p, "gpt-3-175b", Mechanisms::default(), train_layout(16, 32)).is_some());
    // Switched fabrics have no torus: the mechanism changes nothing on a GPU.
    let h100 = catalog.accelerator("h100-sxm").unwrap();
    let (on, off) = (
        train_point(h100, "gpt-3-175b", torus, train_layout(8, 64)).unwrap(),
        train_point(h100, "gpt-3-175b", Mechanisms::default(), train_layout(8, 64)).unwrap(),
    );
    assert_eq!(on.step_s, off.step_s);
}
