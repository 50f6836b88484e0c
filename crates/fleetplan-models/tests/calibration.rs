//! Calibration regression test: the global perf-family parameters must predict the public
//! calibration cases (a copy of shared/validation/calibration.toml in tests/data) with median
//! |error| ≤ 10 % and no case worse than 30 %, every case modelled.

use fleetplan_core::catalog::Catalog;
use fleetplan_models::validation::{check_ids, parse_cases, predict_all, summarize};

const CALIBRATION: &str = include_str!("data/calibration.toml");

#[test]
fn calibration_cases_within_targets() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let cases = parse_cases("calibration.toml", CALIBRATION).expect("calibration file parses");
    assert_eq!(cases.len(), 10, "the public calibration file has 10 cases");
    let unknown = check_ids("calibration.toml", &cases, &catalog);
    assert!(unknown.is_empty(), "unknown ids: {unknown:?}");
    let results = predict_all(&cases, &catalog);
    let mut report = String::new();
    for r in &results {
        report.push_str(&format!(
            "{:<50} measured {:>12.2} predicted {:>12.2} error {:>+7.1}%  {}\n",
            r.id,
            r.measured,
            r.predicted.unwrap_or(f64::NAN),
            r.error.unwrap_or(f64::NAN) * 100.0,
            r.detail
        ));
    }
    println!("{report}");
    let s = summarize(&results);
    println!("summary: {s:?}");
    assert_eq!(s.count, cases.len(), "every case must be modelled:\n{report}");
    assert!(s.median_abs_error <= 0.10, "median |error| {:.3} > 0.10\n{report}", s.median_abs_error);
    assert!(s.max_abs_error <= 0.30, "max |error| {:.3} > 0.30\n{report}", s.max_abs_error);
}
