//! What chat, image and video workloads share: the diurnal profile, growth, weight, unserved
//! penalty, prices, and where the users are (`user_regions`, by default the buyer's country).

use crate::catalog::{Catalog, RegionId};
use crate::scenario::Serving;
use crate::scenario::check::{Checker, MAX_PRICE_PER_UNIT, SHARE_TOLERANCE, opt};
use crate::scenario::file::WorkloadEntry;
use crate::scenario::spanned::Spanned;
use std::collections::BTreeMap;

/// Check the serving fields of `entry`; `None` after reporting a problem.
pub(super) fn check(
    checker: &mut Checker,
    catalog: &Catalog,
    entry: &WorkloadEntry,
    path: &str,
    headquarters: &str,
) -> Option<Serving> {
    let mut ok = diurnal_profile(checker, entry, path);
    let growth = growth_schedule(checker, entry, path);
    ok &= growth.is_some();
    let weight = entry.weight.as_ref().map_or(1.0, |w| **w);
    if let Some(given) = &entry.weight {
        ok &= checker.non_negative(given, &format!("{path}.weight"), "a weight");
    }
    if let Some(penalty) = &entry.unserved_penalty {
        ok &=
            checker.non_negative_at_most(penalty, MAX_PRICE_PER_UNIT, &format!("{path}.unserved_penalty"), "a penalty");
    }
    for (field, price) in [
        ("price_per_m_input_tokens", &entry.price_per_m_input_tokens),
        ("price_per_m_output_tokens", &entry.price_per_m_output_tokens),
        ("price_per_item", &entry.price_per_item),
    ] {
        if let Some(price) = price {
            ok &= checker.non_negative_at_most(price, MAX_PRICE_PER_UNIT, &format!("{path}.{field}"), "a price");
        }
    }
    let user_regions = match &entry.user_regions {
        Some(_) => user_regions(checker, catalog, entry, path),
        None => default_user_regions(checker, catalog, entry, path, headquarters),
    };
    let user_regions = user_regions.filter(|_| ok)?;
    Some(Serving {
        diurnal: entry.diurnal.as_ref().map(|weights| weights.iter().map(|w| **w).collect()),
        growth_per_quarter: growth.unwrap_or_default(),
        user_regions,
        cross_border: entry.cross_border.unwrap_or(false),
        weight,
        unserved_penalty: opt(&entry.unserved_penalty),
        price_per_m_input_tokens: opt(&entry.price_per_m_input_tokens),
        price_per_m_output_tokens: opt(&entry.price_per_m_output_tokens),
        price_per_item: opt(&entry.price_per_item),
    })
}

/// The growth schedule: one `growth_per_quarter` or a `growth_by_quarter` list (not both), each
/// value above -1 and at most 10; `None` after reporting a problem.
fn growth_schedule(checker: &mut Checker, entry: &WorkloadEntry, path: &str) -> Option<Vec<f64>> {
    let mut values: Vec<(&Spanned<f64>, String)> = Vec::new();
    match (&entry.growth_per_quarter, &entry.growth_by_quarter) {
        (Some(_), Some(list)) => {
            checker.error(
                list.span(),
                &format!("{path}.growth_by_quarter"),
                "give either growth_per_quarter or growth_by_quarter, not both".into(),
                "second growth setting",
                "growth_per_quarter is one rate for every quarter; growth_by_quarter a schedule".into(),
            );
            return None;
        }
        (Some(one), None) => values.push((one, format!("{path}.growth_per_quarter"))),
        (None, Some(list)) => {
            if list.is_empty() {
                checker.error(
                    list.span(),
                    &format!("{path}.growth_by_quarter"),
                    "growth_by_quarter is empty".into(),
                    "no values",
                    "list one growth fraction per quarter from the second quarter on, e.g. [0.88, 0.5]".into(),
                );
                return None;
            }
            values.extend(list.iter().enumerate().map(|(i, g)| (g, format!("{path}.growth_by_quarter[{i}]"))));
        }
        (None, None) => return Some(vec![0.0]),
    }
    let mut ok = true;
    for (given, field) in &values {
        if !(given.is_finite() && ***given > -1.0 && ***given <= 10.0) {
            ok = false;
            let written = checker.written(&given.span());
            checker.error(
                given.span(),
                field,
                format!("growth per quarter must be above -1 and at most 10, got {written}"),
                "out of range",
                "write growth as a fraction: 0.15 means +15 % per quarter".into(),
            );
        }
    }
    ok.then(|| values.iter().map(|(g, _)| ***g).collect())
}

/// The diurnal profile: 24 non-negative hourly weights, not all zero.
fn diurnal_profile(checker: &mut Checker, entry: &WorkloadEntry, path: &str) -> bool {
    let Some(weights) = &entry.diurnal else { return true };
    let mut ok = true;
    if weights.len() != 24 {
        ok = false;
        checker.error(
            weights.span(),
            &format!("{path}.diurnal"),
            format!("diurnal profile has {} entries, not 24", weights.len()),
            "need 24 hourly weights",
            "give one non-negative weight per hour, 00:00–23:00 local time".into(),
        );
    }
    for (hour, weight) in weights.iter().enumerate() {
        ok &= checker.non_negative(weight, &format!("{path}.diurnal[{hour}]"), "an hourly weight");
    }
    if weights.iter().all(|w| **w == 0.0) && !weights.is_empty() {
        ok = false;
        checker.error(
            weights.span(),
            &format!("{path}.diurnal"),
            "diurnal profile is all zeros".into(),
            "no demand at any hour",
            "give at least one positive weight".into(),
        );
    }
    ok
}

/// `user_regions` as given: catalog regions with fractions that sum to 1.
fn user_regions(
    checker: &mut Checker,
    catalog: &Catalog,
    entry: &WorkloadEntry,
    path: &str,
) -> Option<BTreeMap<RegionId, f64>> {
    let shares = entry.user_regions.as_ref()?;
    let mut ok = true;
    let mut resolved = BTreeMap::new();
    let mut sum = 0.0;
    let key_span = |region: &str| entry.user_region_spans.get(region).cloned().unwrap_or(entry.entry_span.clone());
    for (region, share) in shares {
        match catalog.resolve_region(region) {
            Ok(id) => {
                resolved.insert(id, **share);
            }
            Err(err) => {
                ok = false;
                checker.unknown(key_span(region), &format!("{path}.user_regions.{region}"), &err);
            }
        }
        ok &= checker.fraction(share, &format!("{path}.user_regions.{region}"), "a user share");
        sum += **share;
    }
    if shares.is_empty() || (sum - 1.0).abs() > SHARE_TOLERANCE {
        ok = false;
        let first = shares.keys().map(|k| key_span(k)).min_by_key(|s| s.start);
        let last = shares.values().map(|v| v.span().end).max();
        let span = match (first, last) {
            (Some(a), Some(b)) => a.start.min(b)..b.max(a.start),
            _ => entry.entry_span.clone(),
        };
        checker.error(
            span,
            &format!("{path}.user_regions"),
            format!("user shares sum to {sum:.4} ({:.1} %), not 1", sum * 100.0),
            "shares must sum to 1",
            "make the shares of all regions add up to 1 (e.g. cn = 0.9, sg = 0.1)".into(),
        );
    }
    ok.then_some(resolved)
}

/// Without `user_regions`, all users are in the first catalog region of the buyer's country.
fn default_user_regions(
    checker: &mut Checker,
    catalog: &Catalog,
    entry: &WorkloadEntry,
    path: &str,
    headquarters: &str,
) -> Option<BTreeMap<RegionId, f64>> {
    if let Some(region) = catalog.regions.iter().find(|r| r.country == headquarters)
        && let Ok(id) = catalog.resolve_region(&region.id)
    {
        return Some(BTreeMap::from([(id, 1.0)]));
    }
    checker.error(
        entry.entry_span.clone(),
        &format!("{path}.user_regions"),
        format!(
            "workload `{}` has no user_regions and no catalog region is in the buyer's country {headquarters}",
            entry.id.get()
        ),
        "missing user_regions",
        "add `user_regions = { us = 1.0 }` (catalog region ids → shares)".into(),
    );
    None
}
