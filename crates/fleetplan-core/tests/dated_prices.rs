//! Integrity of the dated price tables (`[[lease]]`, `[[purchase_price]]`): the built-in points
//! are sourced, finite, positive, ordered bands, for catalog chips, systems and regions, one per
//! series and quarter; overrides that break one of these rules are rejected with a message.

use fleetplan_core::catalog::{Catalog, Confidence, LeaseBasis, PLANNING_LEASE_BASIS, PriceMarket, PricedItem};
use fleetplan_core::scenario::Quarter;
use std::collections::BTreeSet;

fn builtin() -> Catalog {
    Catalog::builtin().expect("built-in catalog parses")
}

fn q(s: &str) -> Quarter {
    s.parse().unwrap()
}

#[test]
fn builtin_points_are_sourced_finite_ordered_and_refer_to_catalog_entries() {
    let c = builtin();
    assert!(c.costs.leases.len() >= 20 && c.costs.purchases.len() >= 5, "the dated tables are loaded");
    let mut lease_series = BTreeSet::new();
    for l in &c.costs.leases {
        assert!(l.provenance.source.trim().len() >= 8, "lease `{}` has no real source", l.id);
        let band = [l.usd_per_accel_hour_low, l.usd_per_accel_hour, l.usd_per_accel_hour_high];
        let given: Vec<f64> = band.iter().flatten().copied().collect();
        assert!(!given.is_empty() && given.iter().all(|x| x.is_finite() && *x > 0.0), "lease `{}`: {band:?}", l.id);
        assert!(given.windows(2).all(|w| w[0] <= w[1]), "lease `{}`: low ≤ value ≤ high, got {band:?}", l.id);
        let price = l.usd_per_accel_hour();
        assert!(price.is_finite() && price > 0.0, "lease `{}` stands for {price}", l.id);
        assert!(c.accelerator(&l.accelerator).is_ok() && c.region(&l.region).is_ok(), "lease `{}`", l.id);
        assert!(lease_series.insert((&l.accelerator, &l.region, l.basis, l.from)), "lease `{}` repeats a point", l.id);
    }
    let mut purchase_series = BTreeSet::new();
    for p in &c.costs.purchases {
        assert!(p.provenance.source.trim().len() >= 8, "purchase price `{}` has no real source", p.id);
        let band = [p.usd_low, p.usd, p.usd_high];
        let given: Vec<f64> = band.iter().flatten().copied().collect();
        assert!(!given.is_empty() && given.iter().all(|x| x.is_finite() && *x > 0.0), "`{}`: {band:?}", p.id);
        assert!(given.windows(2).all(|w| w[0] <= w[1]), "purchase price `{}`: {band:?}", p.id);
        assert!(p.usd().is_finite() && p.usd() > 0.0);
        let known = match (&p.accelerator, &p.system) {
            (Some(a), None) => c.accelerator(a).is_ok(),
            (None, Some(s)) => c.system(s).is_ok(),
            _ => false,
        };
        assert!(known, "purchase price `{}` names one catalog chip or system", p.id);
        let key = (p.accelerator.clone(), p.system.clone(), p.basis, p.from);
        assert!(purchase_series.insert(key), "purchase price `{}` repeats a point", p.id);
        if p.provenance.confidence == Confidence::Estimate {
            assert!(p.provenance.notes.is_some(), "estimate `{}` explains itself", p.id);
        }
    }
    // The integrity check of the catalog agrees.
    let problems = c.integrity_problems();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_leasable_chip_has_a_planning_price_in_every_quarter_of_2025_to_2027() {
    let c = builtin();
    let chips: BTreeSet<&str> = c.costs.leases.iter().map(|l| l.accelerator.as_str()).collect();
    for chip in chips {
        for quarter in (0..12).map(|i| q("2025Q1").offset(i)) {
            let quote = c.costs.lease_quote(chip, "us", quarter).expect("a US price");
            assert!(quote.usd_per_accel_hour.is_finite() && quote.usd_per_accel_hour > 0.0);
            assert!(quote.point.from <= quarter || quarter < q("2026Q1"), "`{chip}` {quarter}: a point in force");
        }
    }
    // The H100 one-year series the addendum reports (cycle low Oct 2025, then up through 2026).
    let h100 = |at: &str| c.costs.lease_quote("h100-sxm", "us", q(at)).unwrap();
    assert_eq!(h100("2026Q2").point.basis, PLANNING_LEASE_BASIS);
    assert!(h100("2025Q4").usd_per_accel_hour < h100("2025Q1").usd_per_accel_hour);
    assert!(h100("2026Q1").usd_per_accel_hour > h100("2025Q4").usd_per_accel_hour);
    assert!(h100("2026Q2").usd_per_accel_hour > h100("2026Q1").usd_per_accel_hour);
    // Johor has its own contract price; Thailand borrows the US price with the markup.
    assert_eq!(c.costs.lease_quote("h100-sxm", "my-johor", q("2026Q2")).unwrap().point.basis, LeaseBasis::Contract);
    let th = c.costs.lease_quote("h100-sxm", "th", q("2026Q2")).unwrap();
    assert!(th.marked_up && th.point.region == "us");
    let markup = c.costs.lease_regional_markup();
    assert!(markup > 0.0 && markup < 1.0);
    assert!((th.usd_per_accel_hour - h100("2026Q2").usd_per_accel_hour * (1.0 + markup)).abs() < 1e-12);
    // The addendum's China H200 price applies in China from 2026Q1 only.
    let h200 = PricedItem::Chip("h200");
    assert!(c.costs.purchase_point(h200, q("2026Q1"), PriceMarket::China).is_some());
    assert!(c.costs.purchase_point(h200, q("2025Q4"), PriceMarket::China).is_none());
    assert!(c.costs.purchase_point(h200, q("2026Q1"), PriceMarket::Global).is_none());
}

/// Apply `text` as a user catalog file and return every message it triggers.
fn override_errors(text: &str) -> Vec<String> {
    let mut c = builtin();
    match c.apply_override("bad.toml", text) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.into_iter().map(|d| d.message).collect(),
    }
}

fn assert_caught(text: &str, needle: &str) {
    let errors = override_errors(text);
    assert!(errors.iter().any(|m| m.contains(needle)), "expected an error containing {needle:?}, got {errors:?}");
}

const LEASE: &str = r#"[[lease]]
id = "h100-test"
accelerator = "h100-sxm"
region = "us"
from = "2027Q1"
basis = "term-1y"
usd_per_accel_hour = 2.0
source = "test"
confidence = "estimate"
"#;

const PURCHASE: &str = r#"[[purchase_price]]
id = "h100-test"
accelerator = "h100-sxm"
from = "2027Q1"
basis = "street"
usd = 20000.0
source = "test"
confidence = "estimate"
"#;

#[test]
fn valid_dated_overrides_are_accepted() {
    assert_eq!(override_errors(LEASE), Vec::<String>::new());
    assert_eq!(override_errors(PURCHASE), Vec::<String>::new());
    let mut c = builtin();
    c.apply_override("mine.toml", LEASE).unwrap();
    assert_eq!(c.costs.lease_quote("h100-sxm", "us", q("2027Q2")).unwrap().usd_per_accel_hour, 2.0);
}

#[test]
fn broken_lease_points_are_rejected() {
    let with = |from: &str, to: &str| LEASE.replace(from, to);
    assert_caught(&with("usd_per_accel_hour = 2.0", "usd_per_accel_hour = -2.0"), "must be a positive number");
    assert_caught(&with("usd_per_accel_hour = 2.0", "usd_per_accel_hour = nan"), "must be a positive number");
    assert_caught(
        &with("usd_per_accel_hour = 2.0", "usd_per_accel_hour = 1e308"),
        "`usd_per_accel_hour` = 1e308 is above the plausible maximum 1,000",
    );
    assert_caught(
        &with("usd_per_accel_hour = 2.0", "usd_per_accel_hour_low = 3.0\nusd_per_accel_hour_high = 2.0"),
        "`usd_per_accel_hour_low` ≤ `usd_per_accel_hour` ≤ `usd_per_accel_hour_high`",
    );
    assert_caught(
        &with("usd_per_accel_hour = 2.0", "usd_per_accel_hour_low = 3.0"),
        "give `usd_per_accel_hour` or both",
    );
    assert_caught(&with("\"us\"", "\"moon\""), "unknown region id `moon`");
    assert_caught(&with("\"h100-sxm\"", "\"h100_sxm\""), "did you mean `h100-sxm`");
    assert_caught(&with("2027Q1", "2027Q5"), "invalid quarter `2027Q5`");
    assert_caught(&with("term-1y", "yearly"), "unknown variant `yearly`");
    // The same (chip, region, basis, from) as a built-in point under another id.
    assert_caught(&with("2027Q1", "2026Q2"), "a second term-1y point for `h100-sxm` in `us` from 2026Q2");
    assert_caught(&with("source = \"test\"", "source = \"\""), "empty `source`");
}

#[test]
fn broken_purchase_points_are_rejected() {
    let with = |from: &str, to: &str| PURCHASE.replace(from, to);
    assert_caught(&with("usd = 20000.0", "usd = 0.0"), "must be a positive number");
    assert_caught(&with("usd = 20000.0", "usd = 1e15"), "`usd` = 1e15 is above the plausible maximum 10,000,000,000");
    assert_caught(&with("usd = 20000.0", "usd = 20000.0\nusd_high = 10000.0"), "`usd_low` ≤ `usd` ≤ `usd_high`");
    assert_caught(&with("usd = 20000.0", "usd_high = 10000.0"), "give `usd` or both");
    assert_caught(&with("accelerator = \"h100-sxm\"", "system = \"gb200-nvl73\""), "did you mean `gb200-nvl72`");
    assert_caught(&with("accelerator = \"h100-sxm\"", ""), "exactly one of `accelerator` and `system`");
    assert_caught(
        &with("accelerator = \"h100-sxm\"", "accelerator = \"h100-sxm\"\nsystem = \"hgx-h100-8\""),
        "exactly one of `accelerator` and `system`",
    );
    assert_caught(&with("\"street\"", "\"china_street\""), "unknown variant `china_street`");
    assert_caught(&with("2027Q1", "2027"), "invalid quarter `2027`");
    // The same (item, basis, from) as a built-in point under another id.
    let twin = r#"[[purchase_price]]
id = "h200-twin"
accelerator = "h200"
from = "2026Q1"
basis = "china-street"
usd = 1.0
source = "test"
confidence = "estimate"
"#;
    assert_caught(twin, "a second china-street point for accelerator `h200` from 2026Q1");
}
