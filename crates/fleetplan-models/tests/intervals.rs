//! The committed interval table (`crates/fleetplan-core/catalog/intervals.toml`, embedded in the
//! catalog) must equal a re-fit on the public calibration files with the current model: a model
//! or catalog change without `fleetplan validate --fit-intervals` fails here. Also checks the
//! Must-show targets of issue 9 for the intervals on both public files.

use fleetplan_core::catalog::Catalog;
use fleetplan_models::interval::{
    Residual, fit, for_results, k_fold, leave_one_class_out, leave_one_family_out, residuals, summarize_intervals,
};
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

/// What the intervals would look like once the model meets the error targets: the public
/// residuals' magnitudes mapped monotonically (|r| → a·|r|^b, signs and classes kept) so that
/// their median is 10 % and their p90 30 %. Run with `--ignored --nocapture`; prints, asserts
/// nothing.
#[test]
#[ignore]
fn intervals_at_the_target_error() {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let all: Vec<CaseResult> = FILES.iter().flat_map(|(name, text)| results(&catalog, name, text)).collect();
    let mut rs = residuals(&all);
    let mut mags: Vec<f64> = rs.iter().map(|r| r.residual_ln.abs().max(1e-6)).collect();
    mags.sort_by(f64::total_cmp);
    let (m, p90) = (mags[mags.len() / 2], mags[(mags.len() * 9).div_ceil(10) - 1]);
    let b = (0.3f64 / 0.1).ln() / (p90 / m).ln();
    let a = 0.1 / m.powf(b);
    for r in &mut rs {
        r.residual_ln = r.residual_ln.signum() * a * r.residual_ln.abs().max(1e-6).powf(b);
    }
    let table = Catalog { intervals: fit(&rs, "scaled"), ..Catalog::default() };
    let pairs: Vec<(bool, f64)> = rs
        .iter()
        .filter_map(|r: &Residual| {
            let i = fleetplan_models::interval::for_prediction(&table, &r.class, 1.0, true)?;
            Some((i.contains((-r.residual_ln).exp()), i.relative_half_width(1.0)))
        })
        .collect();
    let inside = pairs.iter().filter(|p| p.0).count() as f64 / pairs.len() as f64;
    let mut w: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    w.sort_by(f64::total_cmp);
    println!("scaled (b = {b:.2}): in-sample coverage {inside:.2}, median half-width {:.3}", w[w.len() / 2]);
    println!("5-fold {:?}", k_fold(&rs, 5));
    println!("leave one class out {:?}", leave_one_class_out(&rs));
    println!("leave one family x kind out {:?}", leave_one_family_out(&rs));
}
