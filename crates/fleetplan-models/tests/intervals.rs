//! The committed interval table (`crates/fleetplan-core/catalog/intervals.toml`, embedded in the
//! catalog) must equal a re-fit on the public calibration files with the current model: a model
//! or catalog change without `fleetplan validate --fit-intervals` fails here. Also checks the
//! Must-show targets of issue 9 for the intervals on both public files.

use fleetplan_core::catalog::Catalog;
use fleetplan_models::interval::{fit, for_results, residuals, summarize_intervals};
use fleetplan_models::validation::{CaseResult, parse_cases, predict_all, split_known};

const FILES: [(&str, &str); 2] = [
    ("calibration.toml", include_str!("data/calibration.toml")),
    ("calibration-extended.toml", include_str!("data/calibration-extended.toml")),
];

fn results(catalog: &Catalog, name: &str, text: &str) -> Vec<CaseResult> {
    let cases = parse_cases(name, text).expect("calibration file parses");
    let (known, _) = split_known(name, cases, catalog);
    predict_all(&known, catalog)
}

#[test]
fn interval_table_is_fresh() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let all: Vec<CaseResult> = FILES.iter().flat_map(|(name, text)| results(&catalog, name, text)).collect();
    let refit = fit(&residuals(&all), "test");
    let strip = |entries: &[fleetplan_core::catalog::IntervalEntry]| -> Vec<String> {
        entries
            .iter()
            .map(|e| format!("{} n={} c={:.4} w={:.4}", e.id, e.cases, e.centre_ln, e.half_width_ln))
            .collect()
    };
    let committed = strip(&catalog.intervals);
    let fresh = strip(&refit);
    assert!(
        committed == fresh,
        "crates/fleetplan-core/catalog/intervals.toml is stale; regenerate it with\n  fleetplan validate --fit-intervals \
         crates/fleetplan-models/tests/data/calibration.toml crates/fleetplan-models/tests/data/calibration-extended.toml \
         > crates/fleetplan-core/catalog/intervals.toml\ncommitted:\n{}\nre-fit:\n{}",
        committed.join("\n"),
        fresh.join("\n")
    );
}

#[test]
fn intervals_cover_the_public_files() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    for (name, text) in FILES {
        let results = results(&catalog, name, text);
        let intervals = for_results(&catalog, &results);
        let s = summarize_intervals(&results, &intervals);
        println!("{name}: {s:?}");
        assert!(s.count > 0, "{name}: no intervals");
        assert!(s.coverage >= 0.75, "{name}: coverage {:.2} < 0.75", s.coverage);
    }
}
