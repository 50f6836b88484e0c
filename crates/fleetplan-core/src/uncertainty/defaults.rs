//! Catalog defaults: distributions for the catalog values a scenario uses (docs/uncertainty.md,
//! "Catalog defaults"). A scenario entry of the same path replaces the default.
//!
//! - **Accelerator prices** of chips the scenario buys (options and fleet entries without their
//!   own `price_usd`): triangular(low, mid, high) on the catalog's `price_usd_low/high`; a chip
//!   with one price gets ±[`confidence_band`] of its confidence, widened to its availability's
//!   price band (announced ±15 %, roadmap ±30 %: [`crate::catalog::Availability::uncertainty`]).
//! - **Lease prices** of chips the scenario leases without its own `lease_usd_per_hour`: the
//!   quoted band of the catalog point in force at the start (triangular low, price, high), else
//!   ±[`confidence_band`] of the point's confidence.
//! - **Power prices** of the regions of sites without their own `power_usd_per_kwh`:
//!   ±[`confidence_band`] of the region entry's confidence.
//! - **Efficiency** of each chip family the scenario holds or may procure: a log-normal factor on
//!   its rates from the performance model's 80 % prediction intervals (`catalog/intervals.toml`):
//!   median `exp(−centre_ln)` (the residual is ln(predicted / measured)), σ = `half_width_ln` / 1.2816;
//!   the widest inference interval of the family, else of the inference kinds. Announced and
//!   roadmap chips get a chip-level factor with their availability's performance band added in
//!   quadrature.

use super::Distribution;
use super::distribution::Z80;
use crate::catalog::{Catalog, Confidence, IntervalEntry, LeasePrice};
use crate::scenario::{Mode, Scenario};

/// Relative half-width of the default triangular band of a catalog value without a range, by
/// confidence: official ±5 % (an official figure is exact, but what a buyer pays moves with
/// negotiation and tariff revisions), press ±10 % (reported figures are rounded and undated
/// within a quarter), secondary ±15 %, estimate ±25 % (our arithmetic from other values; the
/// data pack's ranged estimates span about ±20–30 %).
pub const fn confidence_band(confidence: Confidence) -> f64 {
    match confidence {
        Confidence::Official => 0.05,
        Confidence::Press => 0.10,
        Confidence::Secondary => 0.15,
        Confidence::Estimate => 0.25,
    }
}

/// ±`band` around `value` as a triangular distribution.
fn around(value: f64, band: f64) -> Distribution {
    Distribution::Triangular { low: value * (1.0 - band), mode: value, high: value * (1.0 + band) }
}

/// Chip ids the scenario procures or holds in `mode`, where the scenario gives no price of its
/// own for that mode (first appearance order).
fn chips_priced_by_catalog(scenario: &Scenario, mode: Mode) -> Vec<String> {
    let mut chips: Vec<String> = Vec::new();
    let options = scenario.options.iter().filter(|o| o.mode == mode).map(|o| {
        let own = if mode == Mode::Buy { o.price_usd } else { o.lease_usd_per_hour };
        (o.hardware.chip.as_str(), own)
    });
    let fleet = scenario.fleet.iter().filter(|h| h.mode == mode).map(|h| {
        let own = if mode == Mode::Buy { h.price_usd } else { h.lease_usd_per_hour };
        (h.hardware.chip.as_str(), own)
    });
    for (chip, own) in options.chain(fleet) {
        if own.is_none() && !chips.iter().any(|c| c == chip) {
            chips.push(chip.to_string());
        }
    }
    chips
}

/// (path, distribution) of every catalog default that applies to `scenario`.
pub(crate) fn catalog_defaults(scenario: &Scenario, catalog: &Catalog) -> Vec<(String, Distribution)> {
    let mut out = Vec::new();
    for chip in chips_priced_by_catalog(scenario, Mode::Buy) {
        let Ok(a) = catalog.accelerator(&chip) else { continue };
        let Some(mid) = a.price_usd_mid() else { continue };
        let distribution = match (a.price_usd_low, a.price_usd_high) {
            (Some(low), Some(high)) if low < high => Distribution::Triangular { low, mode: mid, high },
            _ => around(mid, confidence_band(a.provenance.confidence).max(a.availability.uncertainty().price_fraction)),
        };
        out.push((format!("catalog.accelerator.{chip}.price_usd"), distribution));
    }
    for chip in chips_priced_by_catalog(scenario, Mode::Lease) {
        if let Some(distribution) = lease_default(&chip, scenario, catalog) {
            out.push((format!("catalog.lease.{chip}.usd_per_accel_hour"), distribution));
        }
    }
    let mut regions: Vec<&str> = Vec::new();
    for site in scenario.sites.iter().filter(|s| s.power_usd_per_kwh.is_none()) {
        if !regions.contains(&site.region.as_str()) {
            regions.push(site.region.as_str());
        }
    }
    for region in regions {
        let r = &catalog[&catalog.resolve_region(region).expect("validated region")];
        out.push((
            format!("catalog.region.{region}.power_usd_per_kwh"),
            around(r.power_usd_per_kwh, confidence_band(r.provenance.confidence)),
        ));
    }
    out.extend(efficiency_defaults(scenario, catalog));
    out
}

/// The lease default of `chip`: the band of the point in force at the start, in the region of
/// its first lease site, scaled to the quoted price (which may carry the regional markup).
fn lease_default(chip: &str, scenario: &Scenario, catalog: &Catalog) -> Option<Distribution> {
    let site = scenario
        .options
        .iter()
        .filter(|o| o.mode == Mode::Lease && o.hardware.chip.as_str() == chip)
        .filter_map(|o| o.sites.first())
        .chain(
            scenario
                .fleet
                .iter()
                .filter(|h| h.mode == Mode::Lease && h.hardware.chip.as_str() == chip)
                .map(|h| &h.site),
        )
        .next()?;
    let quote = catalog.costs.lease_quote(chip, scenario[site].region.as_str(), scenario.start)?;
    let price = quote.usd_per_accel_hour;
    let point: &LeasePrice = quote.point;
    let value = point.usd_per_accel_hour();
    match (point.usd_per_accel_hour_low, point.usd_per_accel_hour_high) {
        (Some(low), Some(high)) if low < high && value > 0.0 && low <= value && value <= high => {
            Some(Distribution::Triangular { low: price * low / value, mode: price, high: price * high / value })
        }
        _ => Some(around(price, confidence_band(point.provenance.confidence))),
    }
}

/// The widest interval entry among `ids`.
fn widest<'a>(catalog: &'a Catalog, ids: &[String]) -> Option<&'a IntervalEntry> {
    catalog.intervals.iter().filter(|e| ids.contains(&e.id)).max_by(|a, b| a.half_width_ln.total_cmp(&b.half_width_ln))
}

/// Efficiency factors per chip family the scenario uses, and per announced/roadmap chip.
fn efficiency_defaults(scenario: &Scenario, catalog: &Catalog) -> Vec<(String, Distribution)> {
    let mut chips: Vec<&str> = Vec::new();
    let used = scenario.options.iter().map(|o| &o.hardware).chain(scenario.fleet.iter().map(|h| &h.hardware));
    for hardware in used {
        if !chips.contains(&hardware.chip.as_str()) {
            chips.push(hardware.chip.as_str());
        }
    }
    let mut families: Vec<(String, f64, f64)> = Vec::new();
    let mut out = Vec::new();
    for chip in &chips {
        let Ok(a) = catalog.accelerator(chip) else { continue };
        let family = &a.perf_family;
        let entry = widest(catalog, &[format!("inference-dense.{family}"), format!("inference-moe.{family}")])
            .or_else(|| widest(catalog, &["inference-dense".into(), "inference-moe".into()]))
            .or_else(|| widest(catalog, &["all".into()]));
        let (median, sigma) = entry.map_or((1.0, 0.0), |e| ((-e.centre_ln).exp(), e.half_width_ln / Z80));
        if !families.iter().any(|(f, _, _)| f == family) && sigma > 0.0 {
            families.push((family.clone(), median, sigma));
            out.push((format!("efficiency.{family}"), Distribution::LogNormal { median, sigma }));
        }
        let band = a.availability.uncertainty().performance_fraction;
        if band > 0.0 {
            let sigma = (sigma.powi(2) + ((1.0 + band).ln() / Z80).powi(2)).sqrt();
            out.push((format!("efficiency.{chip}"), Distribution::LogNormal { median, sigma }));
        }
    }
    out
}
