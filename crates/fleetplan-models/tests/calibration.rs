//! Calibration regression test: the global perf-family parameters must predict the public
//! calibration cases (a copy of shared/validation/calibration.toml in tests/data) with median
//! |error| ≤ 10 % and no case worse than 30 %, every case modelled; and the extended public set
//! (calibration-extended.toml) with median ≤ 10 % and p90 ≤ 30 %.

use fleetplan_core::catalog::Catalog;
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
/// (issue 9's target, met). Issue 9's p90 target of 30 % is NOT met yet (p90 114 % on
/// 2026-11-30: finite-burst engine comparisons, DeepSeek-R1 reasoning outputs, MoE training;
/// docs/performance-model.md section 7), so p90 is guarded against regression at 120 % until
/// those classes are modelled; lower the bound as they are.
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
    assert!(s.p90_abs_error <= 1.20, "p90 |error| {:.3} > 1.20 (regression guard)\n{report}", s.p90_abs_error);
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
