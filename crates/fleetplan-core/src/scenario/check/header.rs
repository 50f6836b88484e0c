//! `[scenario]` (the horizon), `[fx]` with the scenario currency, and `[buyer]`.

use super::{Checker, MAX_QUARTERS};
use crate::catalog::Catalog;
use crate::policy::check_buyer_attribute;
use crate::scenario::Quarter;
use crate::scenario::file::ScenarioFile;

/// The planning horizon as the other sections check dates and quarters against it.
pub(super) struct Horizon {
    /// First quarter.
    pub start: Quarter,
    /// Length as written, quarters (may be out of range; then a diagnostic was reported).
    pub quarters: u32,
    /// Last quarter checked against: with an invalid length, the end of the longest horizon
    /// accepted, so the one mistake is not reported again at every date.
    pub end: Quarter,
    /// `start–end`, for messages.
    pub label: String,
}

/// The resolved `[scenario]`, `[fx]` and `[buyer]` values.
pub(super) struct Header {
    /// The horizon.
    pub horizon: Horizon,
    /// ISO 4217 code of the scenario currency.
    pub currency: String,
    /// Units of the scenario currency per US dollar (1 when unknown or invalid).
    pub currency_per_usd: f64,
    /// ISO 3166 alpha-2 code of the buyer's headquarters.
    pub headquarters: String,
    /// The buyer's attributes, each known to some catalog rule.
    pub buyer_attributes: Vec<String>,
}

/// Check the header sections of `file`.
pub(super) fn check(checker: &mut Checker, file: &ScenarioFile, catalog: &Catalog) -> Header {
    let horizon = horizon(checker, file);
    let (currency, currency_per_usd) = currency(checker, file, catalog, horizon.start.year);
    let headquarters = file.buyer.headquarters.get().clone();
    if let Err(err) = crate::policy::check_headquarters(&headquarters) {
        checker.error(
            file.buyer.headquarters.span(),
            "buyer.headquarters",
            err.to_string(),
            "bad country code",
            err.help(),
        );
    }
    let buyer_attributes = buyer_attributes(checker, file, catalog);
    Header { horizon, currency, currency_per_usd, headquarters, buyer_attributes }
}

/// `[buyer] attributes`: each must be named by some catalog rule (else a located unknown-id
/// error with a suggestion); duplicates are reported.
fn buyer_attributes(checker: &mut Checker, file: &ScenarioFile, catalog: &Catalog) -> Vec<String> {
    let written = &file.buyer.attributes;
    for (index, attribute) in written.iter().enumerate() {
        let path = format!("buyer.attributes[{index}]");
        if let Err(err) = check_buyer_attribute(catalog, attribute.get()) {
            checker.unknown(attribute.span(), &path, &err);
        } else if written[..index].iter().any(|a| a.get() == attribute.get()) {
            checker.error(
                attribute.span(),
                &path,
                format!("buyer attribute `{}` is listed twice", attribute.get()),
                "duplicate",
                "list each attribute once".into(),
            );
        }
    }
    written.iter().map(|a| a.get().clone()).collect()
}

fn horizon(checker: &mut Checker, file: &ScenarioFile) -> Horizon {
    let section = &file.scenario;
    let quarters = *section.quarters;
    if quarters == 0 || quarters > MAX_QUARTERS {
        let written = checker.written(&section.quarters.span());
        checker.error(
            section.quarters.span(),
            "scenario.quarters",
            format!("the horizon must be 1 to {MAX_QUARTERS} quarters, got {written}"),
            "out of range",
            format!("give 1–{MAX_QUARTERS} quarters (4 = one year)"),
        );
    }
    let start = *section.start;
    let checked_quarters = if quarters == 0 { MAX_QUARTERS } else { quarters.min(MAX_QUARTERS) };
    let end = start.offset(i64::from(checked_quarters) - 1);
    Horizon { start, quarters, end, label: format!("{start}–{end}") }
}

/// Check `[fx]` and the scenario currency; returns the currency and its rate per USD.
fn currency(checker: &mut Checker, file: &ScenarioFile, catalog: &Catalog, year: i32) -> (String, f64) {
    for (code, rate) in &file.fx {
        if !is_currency_code(code) {
            checker.error(
                rate.span(),
                &format!("fx.{code}"),
                format!("`{code}` is not an ISO 4217 currency code"),
                "bad currency code",
                "use three capital letters, e.g. CNY = 7.20".into(),
            );
        }
        checker.positive(rate, &format!("fx.{code}"), &format!("FX rate for {code}"));
    }
    let written = &file.scenario.currency;
    let currency = written.get().clone();
    let mut currency_per_usd = 1.0;
    if !is_currency_code(&currency) {
        checker.error(
            written.span(),
            "scenario.currency",
            format!("`{currency}` is not an ISO 4217 currency code"),
            "bad currency code",
            "use three capital letters, e.g. \"CNY\" or \"USD\"".into(),
        );
    } else if currency != "USD" {
        if let Some(rate) = file.fx.get(&currency) {
            currency_per_usd = **rate;
        } else if let Some(rate) = catalog_fx(catalog, &currency, year) {
            currency_per_usd = rate;
        } else {
            let mut known: Vec<&str> = catalog.costs.fx.iter().map(|r| r.currency.as_str()).collect();
            known.push("USD");
            known.sort();
            known.dedup();
            checker.error(
                written.span(),
                "scenario.currency",
                format!("no exchange rate for currency `{currency}`"),
                "unknown currency",
                format!(
                    "add `[fx] {currency} = <units per USD>` or use a currency the catalog knows: {}",
                    known.join(", ")
                ),
            );
        }
    }
    if !(currency_per_usd.is_finite() && currency_per_usd > 0.0) {
        currency_per_usd = 1.0;
    }
    (currency, currency_per_usd)
}

fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.chars().all(|ch| ch.is_ascii_uppercase())
}

/// The catalog rate for `currency` in `year` (the catalog's own choice of rate for a year), else
/// in the closest year the catalog has.
fn catalog_fx(catalog: &Catalog, currency: &str, year: i32) -> Option<f64> {
    let closest = catalog
        .costs
        .fx
        .iter()
        .filter(|r| r.currency == currency)
        .map(|r| r.year)
        .min_by_key(|y| ((y - year).abs(), -y))?;
    catalog.costs.fx_per_usd(currency, year).or_else(|| catalog.costs.fx_per_usd(currency, closest))
}
