//! `[budget]`: the total, the per-quarter and per-year caps and the share bounds (hard) or
//! targets (soft, penalised per point) by group of sites.

use super::header::Header;
use super::sites::SiteTable;
use super::{Checker, MAX_QUARTERS, SHARE_TOLERANCE};
use crate::catalog::Catalog;
use crate::scenario::BudgetShare;
use crate::scenario::file::{BudgetSection, ShareEntry};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// The resolved parts of `[budget]` besides the total.
pub(super) struct CheckedBudget {
    /// Cap per quarter, scenario currency.
    pub per_quarter: Option<Vec<f64>>,
    /// Cap per calendar year, scenario currency.
    pub per_year: BTreeMap<i32, f64>,
    /// Share bounds by group.
    pub shares: Vec<BudgetShare>,
}

/// Check `[budget]`.
pub(super) fn check(
    checker: &mut Checker,
    section: &BudgetSection,
    header: &Header,
    site_table: &SiteTable,
    catalog: &Catalog,
) -> CheckedBudget {
    if !(section.total.is_finite() && *section.total > 0.0) {
        let written = checker.written(&section.total.span());
        checker.error(
            section.total.span(),
            "budget.total",
            format!("the budget must be positive, got {written}"),
            "not positive",
            format!("give the total spend over the horizon in {}, e.g. 150e9", header.currency),
        );
    } else {
        checker.within_limit(&section.total, "budget.total", "the budget");
    }
    let per_quarter = per_quarter(checker, section, header);
    let per_year = per_year(checker, section, header);
    let mut shares = Vec::new();
    let mut groups = BTreeSet::new();
    let mut min_sum = 0.0;
    let mut first_min_span: Option<Range<usize>> = None;
    for (index, entry) in section.share.iter().enumerate() {
        let path = format!("budget.share[{index}]");
        if !groups.insert(entry.group.get().clone()) {
            checker.error(
                entry.group.span(),
                &format!("{path}.group"),
                format!("duplicate budget group `{}`", *entry.group),
                "defined twice",
                "give every group a unique name".into(),
            );
        }
        if let Some(min) = &entry.min {
            first_min_span.get_or_insert(min.span());
        }
        let share = share(checker, entry, &path, site_table, catalog, *section.total);
        min_sum += share.min;
        shares.push(share);
    }
    if min_sum > 1.0 + SHARE_TOLERANCE
        && let Some(span) = first_min_span
    {
        checker.error(
            span,
            "budget.share",
            format!("the minimum budget shares add up to {:.0} %, over 100 %", min_sum * 100.0),
            "minimums over 100 %",
            "lower the `min` shares so they add up to at most 1".into(),
        );
    }
    CheckedBudget { per_quarter, per_year, shares }
}

/// `per_year`: calendar years of the horizon → non-negative caps.
fn per_year(checker: &mut Checker, section: &BudgetSection, header: &Header) -> BTreeMap<i32, f64> {
    let mut caps = BTreeMap::new();
    let Some(amounts) = &section.per_year else { return caps };
    let (first, last) = (header.horizon.start.year, header.horizon.end.year);
    for (year, amount) in amounts {
        let path = format!("budget.per_year.{year}");
        match year.trim().parse::<i32>() {
            Ok(y) if (first..=last).contains(&y) => {
                if checker.non_negative(amount, &path, "a yearly budget") {
                    caps.insert(y, **amount);
                }
            }
            _ => checker.error(
                amount.span(),
                &path,
                format!("budget.per_year key `{year}` is not a calendar year of the horizon {}", header.horizon.label),
                "not a year of the horizon",
                format!("use years {first}–{last} as keys, e.g. `per_year = {{ {first} = 150e9 }}`"),
            ),
        }
    }
    caps
}

fn per_quarter(checker: &mut Checker, section: &BudgetSection, header: &Header) -> Option<Vec<f64>> {
    let amounts = section.per_quarter.as_ref()?;
    let quarters = header.horizon.quarters;
    if amounts.len() != quarters as usize && (1..=MAX_QUARTERS).contains(&quarters) {
        checker.error(
            amounts.span(),
            "budget.per_quarter",
            format!("budget.per_quarter has {} entries but the horizon has {quarters} quarters", amounts.len()),
            "wrong length",
            format!("give one amount per quarter of {}", header.horizon.label),
        );
    }
    for (index, amount) in amounts.iter().enumerate() {
        checker.non_negative(amount, &format!("budget.per_quarter[{index}]"), "a quarterly budget");
    }
    Some(amounts.iter().map(|v| **v).collect())
}

/// Default penalty of a share target, per percentage point missed, as a fraction of the budget
/// total (0.1 %: missing a target by 10 points costs 1 % of the budget).
pub const DEFAULT_PENALTY_PER_POINT_OF_BUDGET: f64 = 0.001;

/// One `[[budget.share]]` group: bounds, target and members.
fn share(
    checker: &mut Checker,
    entry: &ShareEntry,
    path: &str,
    site_table: &SiteTable,
    catalog: &Catalog,
    budget_total: f64,
) -> BudgetShare {
    let min = entry
        .min
        .as_ref()
        .filter(|v| checker.fraction(v, &format!("{path}.min"), "a minimum share"))
        .map_or(0.0, |v| **v);
    let max = entry
        .max
        .as_ref()
        .filter(|v| checker.fraction(v, &format!("{path}.max"), "a maximum share"))
        .map_or(1.0, |v| **v);
    if min > max
        && let (Some(lo), Some(hi)) = (&entry.min, &entry.max)
    {
        checker.error(
            lo.span().start..hi.span().end,
            &format!("{path}.min"),
            format!(
                "budget group `{}`: min share {} exceeds max share {}",
                *entry.group,
                checker.written(&lo.span()),
                checker.written(&hi.span())
            ),
            "min > max",
            "the minimum share must not exceed the maximum".into(),
        );
    }
    let mut members = Vec::new();
    match (&entry.sites, &entry.regions) {
        (Some(_), Some(_)) | (None, None) => {
            checker.error(
                entry.group.span(),
                path,
                format!("budget group `{}` must list either `sites` or `regions`", *entry.group),
                "needs sites or regions",
                "add `sites = [\"site-id\", ...]` or `regions = [\"region-id\", ...]` (one of them)".into(),
            );
        }
        (Some(sites), None) => {
            for (index, id) in sites.iter().enumerate() {
                members.extend(site_table.reference(checker, id, &format!("{path}.sites[{index}]")));
            }
        }
        (None, Some(regions)) => {
            for (index, region) in regions.iter().enumerate() {
                if let Err(err) = catalog.region(region) {
                    checker.unknown(region.span(), &format!("{path}.regions[{index}]"), &err);
                }
                members.extend(site_table.in_region(region));
            }
            if members.is_empty() && min > 0.0 {
                checker.error(
                    entry.group.span(),
                    path,
                    format!("budget group `{}` has a minimum share but no site lies in its regions", *entry.group),
                    "empty group",
                    "add a site in one of the regions or drop the minimum".into(),
                );
            }
        }
    }
    members.sort();
    members.dedup();
    let target = entry.target.as_ref().filter(|v| checker.fraction(v, &format!("{path}.target"), "a target share"));
    let penalty_per_point = match &entry.penalty_per_point {
        Some(p) if entry.target.is_none() => {
            checker.error(
                p.span(),
                &format!("{path}.penalty_per_point"),
                format!("budget group `{}` has a penalty_per_point but no target", *entry.group),
                "needs a target",
                "add `target = 0.5` (the share to aim at) or drop penalty_per_point".into(),
            );
            0.0
        }
        Some(p) => {
            checker.non_negative(p, &format!("{path}.penalty_per_point"), "a penalty per point");
            **p
        }
        None => DEFAULT_PENALTY_PER_POINT_OF_BUDGET * budget_total,
    };
    BudgetShare {
        group: entry.group.get().clone(),
        sites: members,
        min,
        max,
        target: target.map(|t| **t),
        penalty_per_point,
    }
}
