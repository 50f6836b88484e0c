//! Reading an input's nominal value and writing a sampled value into copies of the scenario and
//! catalog. How each path is written (set, or scaled with its related values) is documented in
//! docs/uncertainty.md ("Paths"); [`super::target`] resolves the paths.

use super::target::{Kind, Target, WField, workloads_of};
use crate::catalog::{Catalog, ChipId, LEASE_REFERENCE_REGION};
use crate::scenario::{Mode, Scenario, Serving, Workload, WorkloadSpec};
use std::collections::BTreeMap;

/// A mutable numeric slot of a workload.
enum Slot<'a> {
    Num(&'a mut f64),
    Opt(&'a mut Option<f64>),
    Schedule(&'a mut Vec<f64>),
}

fn serving_mut(spec: &mut WorkloadSpec) -> Option<&mut Serving> {
    match spec {
        WorkloadSpec::Chat(c) => Some(&mut c.serving),
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => Some(&mut g.serving),
        WorkloadSpec::Training(_) => None,
    }
}

fn slot(w: &mut Workload, field: WField) -> Option<Slot<'_>> {
    let spec = &mut w.spec;
    Some(match (field, spec) {
        (WField::DailyUsers, WorkloadSpec::Chat(c)) => Slot::Num(&mut c.daily_users),
        (WField::RequestsPerUser, WorkloadSpec::Chat(c)) => Slot::Num(&mut c.requests_per_user_per_day),
        (WField::InputTokens, WorkloadSpec::Chat(c)) => Slot::Num(&mut c.input_tokens_per_request),
        (WField::OutputTokens, WorkloadSpec::Chat(c)) => Slot::Num(&mut c.output_tokens_per_request),
        (WField::CachedInput, WorkloadSpec::Chat(c)) => Slot::Num(&mut c.cached_input_fraction),
        (WField::TtftMs, WorkloadSpec::Chat(c)) => Slot::Num(&mut c.ttft_p99_ms),
        (WField::TpotMs, WorkloadSpec::Chat(c)) => Slot::Num(&mut c.tpot_p99_ms),
        (WField::ItemsPerDay, WorkloadSpec::Image(g) | WorkloadSpec::Video(g)) => Slot::Num(&mut g.items_per_day),
        (WField::LatencyS, WorkloadSpec::Image(g) | WorkloadSpec::Video(g)) => Slot::Opt(&mut g.latency_p99_s),
        (WField::Tokens, WorkloadSpec::Training(t)) => Slot::Num(&mut t.tokens),
        (field, spec) => {
            let serving = serving_mut(spec)?;
            match field {
                WField::Growth | WField::GrowthMultiplier => Slot::Schedule(&mut serving.growth_per_quarter),
                WField::PriceInput => Slot::Opt(&mut serving.price_per_m_input_tokens),
                WField::PriceOutput => Slot::Opt(&mut serving.price_per_m_output_tokens),
                WField::PriceItem => Slot::Opt(&mut serving.price_per_item),
                WField::UnservedPenalty => Slot::Opt(&mut serving.unserved_penalty),
                WField::Weight => Slot::Num(&mut serving.weight),
                _ => return None,
            }
        }
    })
}

fn read(slot: Slot<'_>) -> Option<f64> {
    match slot {
        Slot::Num(x) => Some(*x),
        Slot::Opt(x) => *x,
        Slot::Schedule(s) => s.first().copied(),
    }
}

/// Whether a workload field is summed over a mix's expanded workloads (demand split by share)
/// rather than read from the first of them.
fn extensive(field: WField) -> bool {
    matches!(field, WField::DailyUsers | WField::ItemsPerDay)
}

/// The value the unsampled scenario or catalog uses for `target`; `None` when it has none of
/// its own (a price the scenario leaves to the catalog's dated series): the caller then uses
/// the distribution's median.
pub(crate) fn nominal(target: &Target, scenario: &Scenario, catalog: &Catalog) -> Option<f64> {
    match &target.kind {
        Kind::Workload { id, field } => {
            if *field == WField::GrowthMultiplier {
                return Some(1.0);
            }
            let mut values = workloads_of(scenario, id).filter_map(|w| read(slot(&mut w.clone(), *field)?));
            if extensive(*field) { Some(values.sum()) } else { values.next() }
        }
        Kind::Site { index, field } => {
            let site = scenario.sites.get(*index)?;
            let region = &catalog[&site.region];
            match *field {
                "power_usd_per_kwh" => Some(site.power_usd_per_kwh.unwrap_or(region.power_usd_per_kwh)),
                "pue" => Some(site.pue.unwrap_or(region.pue)),
                "available_mw" => Some(site.available_mw),
                _ => Some(site.buildable_mw),
            }
        }
        Kind::Option { index, lease } => {
            let option = scenario.options.get(*index)?;
            if *lease { option.lease_usd_per_hour } else { option.price_usd }
        }
        Kind::BudgetTotal => Some(scenario.budget.total),
        Kind::DiscountRate => Some(scenario.discount_rate_per_year),
        Kind::Licences => Some(f64::from(u8::from(scenario.policy.options.assume_licences_granted))),
        Kind::Granted(rule) => Some(f64::from(u8::from(scenario.policy.options.granted_rules.contains(rule)))),
        Kind::Disabled(rule) => Some(f64::from(u8::from(scenario.policy.options.disabled_rules.contains(rule)))),
        Kind::ChipPrice(chip) => catalog.accelerator(chip).ok()?.price_usd_mid(),
        Kind::Lease(chip) => lease_nominal(chip, scenario, catalog),
        Kind::RegionPower(region) => catalog.region(region).ok().map(|r| r.power_usd_per_kwh),
        Kind::Efficiency(_) => Some(1.0),
    }
}

/// The lease price of `chip` at the scenario's start, USD per accelerator-hour, in the region
/// of the first site where the scenario leases it (else the reference region).
fn lease_nominal(chip: &str, scenario: &Scenario, catalog: &Catalog) -> Option<f64> {
    let from_options = scenario
        .options
        .iter()
        .filter(|o| o.mode == Mode::Lease && o.hardware.chip.as_str() == chip)
        .filter_map(|o| o.sites.first());
    let from_fleet =
        scenario.fleet.iter().filter(|h| h.mode == Mode::Lease && h.hardware.chip.as_str() == chip).map(|h| &h.site);
    let region = from_options
        .chain(from_fleet)
        .next()
        .map_or(LEASE_REFERENCE_REGION.to_string(), |site| scenario[site].region.as_str().to_string());
    catalog.costs.lease_quote(chip, &region, scenario.start).map(|q| q.usd_per_accel_hour)
}

/// Whether [`write`] scales related values by value / nominal (so needs the true nominal).
pub(crate) fn scales(target: &Target) -> bool {
    match &target.kind {
        Kind::Workload { field, .. } => extensive(*field) || *field == WField::OutputTokens,
        Kind::ChipPrice(_) | Kind::Lease(_) | Kind::RegionPower(_) => true,
        _ => false,
    }
}

/// Write `value` (already inside the field's range) for `target` into the copies.
pub(crate) fn write(
    target: &Target,
    value: f64,
    nominal: f64,
    scenario: &mut Scenario,
    catalog: &mut Catalog,
    factors: &mut BTreeMap<ChipId, f64>,
) {
    let ratio = if nominal.abs() > 0.0 { value / nominal } else { 1.0 };
    let on = value >= 0.5;
    match &target.kind {
        Kind::Workload { id, field } => write_workload(scenario, id, *field, value, ratio),
        Kind::Site { index, field } => {
            if let Some(site) = scenario.sites.get_mut(*index) {
                match *field {
                    "power_usd_per_kwh" => site.power_usd_per_kwh = Some(value),
                    "pue" => site.pue = Some(value),
                    "available_mw" => site.available_mw = value,
                    _ => site.buildable_mw = value,
                }
            }
        }
        Kind::Option { index, lease } => {
            if let Some(option) = scenario.options.get_mut(*index) {
                if *lease {
                    option.lease_usd_per_hour = Some(value);
                } else {
                    option.price_usd = Some(value);
                }
            }
        }
        Kind::BudgetTotal => scenario.budget.total = value,
        Kind::DiscountRate => scenario.discount_rate_per_year = value,
        Kind::Licences => scenario.policy.options.assume_licences_granted = on,
        Kind::Granted(rule) => switch(&mut scenario.policy.options.granted_rules, rule, on),
        Kind::Disabled(rule) => switch(&mut scenario.policy.options.disabled_rules, rule, on),
        Kind::ChipPrice(chip) => scale_chip_prices(catalog, chip, ratio),
        Kind::Lease(chip) => {
            for point in catalog.costs.leases.iter_mut().filter(|l| &l.accelerator == chip) {
                scale(&mut point.usd_per_accel_hour, ratio);
                scale(&mut point.usd_per_accel_hour_low, ratio);
                scale(&mut point.usd_per_accel_hour_high, ratio);
            }
        }
        Kind::RegionPower(id) => {
            if let Some(region) = catalog.regions.iter_mut().find(|r| &r.id == id) {
                region.power_usd_per_kwh = value;
                scale(&mut region.domestic_chip_power_usd_per_kwh, ratio);
            }
        }
        Kind::Efficiency(chips) => {
            for chip in chips {
                if let Ok(id) = catalog.resolve_chip(chip) {
                    factors.insert(id, value);
                }
            }
        }
    }
}

fn scale(x: &mut Option<f64>, ratio: f64) {
    if let Some(v) = x {
        *v *= ratio;
    }
}

fn switch(list: &mut Vec<String>, rule: &str, on: bool) {
    let present = list.iter().any(|r| r == rule);
    if on && !present {
        list.push(rule.to_string());
    } else if !on && present {
        list.retain(|r| r != rule);
    }
}

/// A chip's base price range and every dated purchase point of the chip, or of a system built
/// on it, scaled by `ratio` (a system's price is mostly its accelerators').
fn scale_chip_prices(catalog: &mut Catalog, chip: &str, ratio: f64) {
    let systems: Vec<String> = catalog.systems.iter().filter(|s| s.accelerator == chip).map(|s| s.id.clone()).collect();
    if let Some(a) = catalog.accelerators.iter_mut().find(|a| a.id == chip) {
        scale(&mut a.price_usd_low, ratio);
        scale(&mut a.price_usd_high, ratio);
    }
    let priced = |p: &crate::catalog::PurchasePrice| {
        p.accelerator.as_deref() == Some(chip) || p.system.as_ref().is_some_and(|s| systems.contains(s))
    };
    for point in catalog.costs.purchases.iter_mut().filter(|p| priced(p)) {
        scale(&mut point.usd, ratio);
        scale(&mut point.usd_low, ratio);
        scale(&mut point.usd_high, ratio);
    }
}

fn write_workload(scenario: &mut Scenario, id: &str, field: WField, value: f64, ratio: f64) {
    let members = scenario.workloads.iter_mut().filter(|w| w.id == id || w.mix.as_ref().is_some_and(|m| m.of == id));
    for w in members {
        match slot(w, field) {
            Some(Slot::Num(x)) if extensive(field) || field == WField::OutputTokens => *x *= ratio,
            Some(Slot::Num(x)) => *x = value,
            Some(Slot::Opt(x)) => *x = Some(value),
            Some(Slot::Schedule(s)) if field == WField::GrowthMultiplier => {
                for g in s.iter_mut() {
                    *g = (*g * value).max(-0.999);
                }
            }
            Some(Slot::Schedule(s)) => *s = vec![value],
            None => {}
        }
    }
}

/// Reset in `out` every catalog value [`write`] may change to its value in `base` (accelerator
/// price ranges, purchase and lease points, region power prices): a few hundred numbers instead
/// of a whole catalog clone. `false` (nothing done) when `out` is not a copy of `base` with other
/// values (entries differ in number or id).
pub(crate) fn reset_catalog(out: &mut Catalog, base: &Catalog) -> bool {
    let same_ids = out.accelerators.len() == base.accelerators.len()
        && out.regions.len() == base.regions.len()
        && out.costs.purchases.len() == base.costs.purchases.len()
        && out.costs.leases.len() == base.costs.leases.len()
        && out.accelerators.iter().zip(&base.accelerators).all(|(a, b)| a.id == b.id)
        && out.regions.iter().zip(&base.regions).all(|(a, b)| a.id == b.id)
        && out.costs.purchases.iter().zip(&base.costs.purchases).all(|(a, b)| a.id == b.id)
        && out.costs.leases.iter().zip(&base.costs.leases).all(|(a, b)| a.id == b.id);
    if !same_ids {
        return false;
    }
    for (a, b) in out.accelerators.iter_mut().zip(&base.accelerators) {
        (a.price_usd_low, a.price_usd_high) = (b.price_usd_low, b.price_usd_high);
    }
    for (a, b) in out.regions.iter_mut().zip(&base.regions) {
        (a.power_usd_per_kwh, a.domestic_chip_power_usd_per_kwh) =
            (b.power_usd_per_kwh, b.domestic_chip_power_usd_per_kwh);
    }
    for (a, b) in out.costs.purchases.iter_mut().zip(&base.costs.purchases) {
        (a.usd, a.usd_low, a.usd_high) = (b.usd, b.usd_low, b.usd_high);
    }
    for (a, b) in out.costs.leases.iter_mut().zip(&base.costs.leases) {
        (a.usd_per_accel_hour, a.usd_per_accel_hour_low, a.usd_per_accel_hour_high) =
            (b.usd_per_accel_hour, b.usd_per_accel_hour_low, b.usd_per_accel_hour_high);
    }
    true
}
