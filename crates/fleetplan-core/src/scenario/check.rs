//! Passes 2 and 3: semantic checks and catalog resolution, producing the resolved [`Scenario`].
//!
//! Every check pushes a diagnostic and carries on, so one run reports every problem.

use super::file::*;
use super::*;
use crate::catalog::{Catalog, Modality, UnknownId};
use crate::policy::PolicyOptions;
use crate::suggest::did_you_mean;
use std::collections::BTreeSet;
use std::ops::Range;

/// Largest horizon accepted, quarters (ten years).
pub const MAX_QUARTERS: u32 = 40;

/// Tolerance on sums of fractions that must equal 1.
const SHARE_TOLERANCE: f64 = 1e-6;

struct Ctx<'a> {
    source: &'a str,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// The text of `span` as written (for messages naming the offending value).
    fn written(&self, span: &Range<usize>) -> String {
        let s = self.text.get(span.clone()).unwrap_or("").trim();
        if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s.to_string() }
    }

    fn error(&mut self, span: Range<usize>, path: &str, message: String, label: &str, help: String) {
        self.diags.push(
            Diagnostic::error(self.source, message)
                .with_span(Some(span))
                .with_path(path)
                .with_label(label)
                .with_help(help),
        );
    }

    /// `value` must be finite and > 0.
    fn positive(&mut self, v: &Spanned<f64>, path: &str, what: &str) -> bool {
        if v.is_finite() && **v > 0.0 {
            return true;
        }
        let w = self.written(&v.span());
        self.error(
            v.span(),
            path,
            format!("{what} must be positive, got {w}"),
            "not positive",
            format!("give a number greater than 0 for `{path}`"),
        );
        false
    }

    /// `value` must be finite and ≥ 0.
    fn non_negative(&mut self, v: &Spanned<f64>, path: &str, what: &str) -> bool {
        if v.is_finite() && **v >= 0.0 {
            return true;
        }
        let w = self.written(&v.span());
        self.error(
            v.span(),
            path,
            format!("{what} must be zero or positive, got {w}"),
            "negative",
            format!("give a number ≥ 0 for `{path}`"),
        );
        false
    }

    /// `value` must be a fraction in [0, 1].
    fn fraction(&mut self, v: &Spanned<f64>, path: &str, what: &str) -> bool {
        if v.is_finite() && (0.0..=1.0).contains(&**v) {
            return true;
        }
        let w = self.written(&v.span());
        self.error(
            v.span(),
            path,
            format!("{what} must be a fraction between 0 and 1, got {w}"),
            "outside 0–1",
            "write shares as fractions: 0.45 means 45 %".to_string(),
        );
        false
    }

    fn unknown(&mut self, span: Range<usize>, path: &str, err: &UnknownId) {
        let table = match err.kind {
            "accelerator" => "chips",
            "system" => "systems",
            "region" => "regions",
            "rule" => "rules",
            _ => "models",
        };
        let help = match &err.suggestion {
            Some(s) => format!("did you mean `{s}`? `fleetplan catalog {table}` lists every {} id", err.kind),
            None if err.known.is_empty() => format!("the catalog has no {} entries", err.kind),
            None => format!("known {} ids: {}", err.kind, list(&err.known)),
        };
        self.error(
            span,
            path,
            format!("unknown {} `{}`", err.kind, err.id),
            &format!("not a catalog {}", err.kind),
            help,
        );
    }
}

/// Up to 12 ids, comma-separated.
fn list(ids: &[String]) -> String {
    if ids.len() > 12 {
        format!("{}, … ({} in all; see `fleetplan catalog`)", ids[..12].join(", "), ids.len())
    } else {
        ids.join(", ")
    }
}

fn opt(v: &Option<Spanned<f64>>) -> Option<f64> {
    v.as_ref().map(|s| **s)
}

/// Run passes 2 and 3 on a parsed file.
pub(super) fn check(
    source: &str,
    text: &str,
    f: &ScenarioFile,
    catalog: &Catalog,
) -> Result<Scenario, Vec<Diagnostic>> {
    let mut c = Ctx { source, text, diags: Vec::new() };

    // [scenario]
    let s = &f.scenario;
    let quarters = *s.quarters;
    if quarters == 0 || quarters > MAX_QUARTERS {
        let w = c.written(&s.quarters.span());
        c.error(
            s.quarters.span(),
            "scenario.quarters",
            format!("the horizon must be 1 to {MAX_QUARTERS} quarters, got {w}"),
            "out of range",
            format!("give 1–{MAX_QUARTERS} quarters (4 = one year)"),
        );
    }
    let start = *s.start;
    // With an invalid length, judge the other checks against the longest horizon accepted, so
    // the one mistake is not reported again at every date.
    let checked_quarters = if quarters == 0 { MAX_QUARTERS } else { quarters.min(MAX_QUARTERS) };
    let end = start.offset(i64::from(checked_quarters) - 1);
    let horizon = format!("{start}–{end}");

    // currency and FX
    for (code, rate) in &f.fx {
        if !is_currency_code(code) {
            c.error(
                rate.span(),
                &format!("fx.{code}"),
                format!("`{code}` is not an ISO 4217 currency code"),
                "bad currency code",
                "use three capital letters, e.g. CNY = 7.20".into(),
            );
        }
        c.positive(rate, &format!("fx.{code}"), &format!("FX rate for {code}"));
    }
    let currency = s.currency.get().clone();
    let mut currency_per_usd = 1.0;
    if !is_currency_code(&currency) {
        c.error(
            s.currency.span(),
            "scenario.currency",
            format!("`{currency}` is not an ISO 4217 currency code"),
            "bad currency code",
            "use three capital letters, e.g. \"CNY\" or \"USD\"".into(),
        );
    } else if currency != "USD" {
        if let Some(rate) = f.fx.get(&currency) {
            currency_per_usd = **rate;
        } else if let Some(rate) = catalog_fx(catalog, &currency, start.year) {
            currency_per_usd = rate;
        } else {
            let mut known: Vec<&str> = catalog.costs.fx.iter().map(|r| r.currency.as_str()).collect();
            known.push("USD");
            known.sort();
            known.dedup();
            c.error(
                s.currency.span(),
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

    // [buyer]
    let hq = f.buyer.headquarters.get().clone();
    if hq.len() != 2 || !hq.chars().all(|ch| ch.is_ascii_uppercase()) {
        c.error(
            f.buyer.headquarters.span(),
            "buyer.headquarters",
            format!("`{hq}` is not an ISO 3166 alpha-2 country code"),
            "bad country code",
            "use two capital letters, e.g. \"CN\" or \"US\"".into(),
        );
    }

    // [[site]]
    let mut site_ids = BTreeSet::new();
    let mut sites = Vec::new();
    if f.site.is_empty() {
        c.error(
            0..0,
            "site",
            "the scenario has no sites".into(),
            "add [[site]]",
            "add at least one `[[site]]` with id, region and available_mw".into(),
        );
    }
    for (i, e) in f.site.iter().enumerate() {
        let p = format!("site[{i}]");
        check_id(&mut c, &e.id, &format!("{p}.id"), "site");
        if !site_ids.insert(e.id.get().clone()) {
            c.error(
                e.id.span(),
                &format!("{p}.id"),
                format!("duplicate site id `{}`", *e.id),
                "defined twice",
                "give every site a unique id".into(),
            );
        }
        if let Err(err) = catalog.region(&e.region) {
            c.unknown(e.region.span(), &format!("{p}.region"), &err);
        }
        c.non_negative(&e.available_mw, &format!("{p}.available_mw"), "available power");
        if let Some(b) = &e.buildable_mw {
            c.non_negative(b, &format!("{p}.buildable_mw"), "buildable power");
        }
        if let Some(v) = &e.power_usd_per_kwh {
            c.positive(v, &format!("{p}.power_usd_per_kwh"), "electricity price");
        }
        if let Some(v) = &e.pue
            && !(v.is_finite() && (1.0..=3.0).contains(&**v))
        {
            let w = c.written(&v.span());
            c.error(
                v.span(),
                &format!("{p}.pue"),
                format!("PUE must be between 1.0 and 3.0, got {w}"),
                "out of range",
                "PUE is facility power / IT power, e.g. 1.3".into(),
            );
        }
        sites.push(Site {
            id: e.id.get().clone(),
            region: e.region.get().clone(),
            available_mw: *e.available_mw,
            buildable_mw: opt(&e.buildable_mw).unwrap_or(0.0),
            power_usd_per_kwh: opt(&e.power_usd_per_kwh),
            pue: opt(&e.pue),
        });
    }
    let site_list = site_ids.iter().cloned().collect::<Vec<_>>();
    let check_site_ref = |c: &mut Ctx, id: &Spanned<String>, path: &str| {
        if !site_ids.contains(id.get()) {
            let help = match did_you_mean(id, site_ids.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`? sites defined in this file: {}", site_list.join(", ")),
                None => format!("define it with [[site]] or use one of: {}", site_list.join(", ")),
            };
            c.error(
                id.span(),
                path,
                format!("site `{}` is not defined in this scenario", id.get()),
                "undefined site",
                help,
            );
        }
    };

    // [budget]
    let b = &f.budget;
    if !(b.total.is_finite() && *b.total > 0.0) {
        let w = c.written(&b.total.span());
        c.error(
            b.total.span(),
            "budget.total",
            format!("the budget must be positive, got {w}"),
            "not positive",
            format!("give the total spend over the horizon in {currency}, e.g. 150e9"),
        );
    }
    let mut per_quarter = None;
    if let Some(pq) = &b.per_quarter {
        if pq.len() != quarters as usize && (1..=MAX_QUARTERS).contains(&quarters) {
            c.error(
                pq.span(),
                "budget.per_quarter",
                format!("budget.per_quarter has {} entries but the horizon has {quarters} quarters", pq.len()),
                "wrong length",
                format!("give one amount per quarter of {horizon}"),
            );
        }
        for (i, v) in pq.iter().enumerate() {
            c.non_negative(v, &format!("budget.per_quarter[{i}]"), "a quarterly budget");
        }
        per_quarter = Some(pq.iter().map(|v| **v).collect());
    }
    let mut shares = Vec::new();
    let mut groups = BTreeSet::new();
    let mut min_sum = 0.0;
    let mut first_min_span = None;
    for (i, e) in b.share.iter().enumerate() {
        let p = format!("budget.share[{i}]");
        if !groups.insert(e.group.get().clone()) {
            c.error(
                e.group.span(),
                &format!("{p}.group"),
                format!("duplicate budget group `{}`", *e.group),
                "defined twice",
                "give every group a unique name".into(),
            );
        }
        let min = e.min.as_ref().filter(|v| c.fraction(v, &format!("{p}.min"), "a minimum share")).map_or(0.0, |v| **v);
        let max = e.max.as_ref().filter(|v| c.fraction(v, &format!("{p}.max"), "a maximum share")).map_or(1.0, |v| **v);
        if min > max
            && let (Some(lo), Some(hi)) = (&e.min, &e.max)
        {
            c.error(
                lo.span().start..hi.span().end,
                &format!("{p}.min"),
                format!(
                    "budget group `{}`: min share {} exceeds max share {}",
                    *e.group,
                    c.written(&lo.span()),
                    c.written(&hi.span())
                ),
                "min > max",
                "the minimum share must not exceed the maximum".into(),
            );
        }
        if let Some(m) = &e.min {
            first_min_span.get_or_insert(m.span());
        }
        min_sum += min;
        let mut members = Vec::new();
        match (&e.sites, &e.regions) {
            (Some(_), Some(_)) | (None, None) => {
                c.error(
                    e.group.span(),
                    &p,
                    format!("budget group `{}` must list either `sites` or `regions`", *e.group),
                    "needs sites or regions",
                    "add `sites = [\"site-id\", ...]` or `regions = [\"region-id\", ...]` (one of them)".into(),
                );
            }
            (Some(list), None) => {
                for (j, id) in list.iter().enumerate() {
                    check_site_ref(&mut c, id, &format!("{p}.sites[{j}]"));
                    members.push(id.get().clone());
                }
            }
            (None, Some(list)) => {
                for (j, r) in list.iter().enumerate() {
                    if let Err(err) = catalog.region(r) {
                        c.unknown(r.span(), &format!("{p}.regions[{j}]"), &err);
                    }
                    members.extend(f.site.iter().filter(|s| *s.region == **r).map(|s| s.id.get().clone()));
                }
                if members.is_empty() && min > 0.0 {
                    c.error(
                        e.group.span(),
                        &p,
                        format!("budget group `{}` has a minimum share but no site lies in its regions", *e.group),
                        "empty group",
                        "add a site in one of the regions or drop the minimum".into(),
                    );
                }
            }
        }
        members.sort();
        members.dedup();
        shares.push(BudgetShare { group: e.group.get().clone(), sites: members, min, max });
    }
    if min_sum > 1.0 + SHARE_TOLERANCE
        && let Some(span) = first_min_span
    {
        c.error(
            span,
            "budget.share",
            format!("the minimum budget shares add up to {:.0} %, over 100 %", min_sum * 100.0),
            "minimums over 100 %",
            "lower the `min` shares so they add up to at most 1".into(),
        );
    }

    // [[option]]
    let mut options = Vec::new();
    for (i, e) in f.option.iter().enumerate() {
        let p = format!("option[{i}]");
        let hw = hardware(&mut c, catalog, &e.chip, &e.system, e.entry_span.clone(), &p, *e.mode);
        if e.sites.is_empty() {
            c.error(
                e.sites.span(),
                &format!("{p}.sites"),
                "an option needs at least one site".into(),
                "empty",
                "list the site ids where this hardware may be placed".into(),
            );
        }
        for (j, id) in e.sites.iter().enumerate() {
            check_site_ref(&mut c, id, &format!("{p}.sites[{j}]"));
        }
        prices(&mut c, *e.mode, &e.price_usd, &e.lease_usd_per_hour, &p);
        if let Some(m) = &e.max_per_quarter
            && **m == 0
        {
            c.error(
                m.span(),
                &format!("{p}.max_per_quarter"),
                "a supply cap of 0 makes the option useless".into(),
                "zero",
                "give a positive cap or remove the option".into(),
            );
        }
        if let Some(q) = &e.available_from
            && **q > end
        {
            c.error(
                q.span(),
                &format!("{p}.available_from"),
                format!("quarter {} is after the horizon {horizon}", **q),
                "outside the horizon",
                format!("use a quarter in {horizon}"),
            );
        }
        if let Some(hw) = hw {
            let name = e.name.clone().unwrap_or_else(|| {
                let sites: Vec<&str> = e.sites.iter().map(|s| s.as_str()).collect();
                format!("{} {} @ {}", hw.id(), e.mode.as_str(), sites.join("+"))
            });
            options.push(ProcurementOption {
                name,
                hardware: hw,
                sites: e.sites.iter().map(|s| s.get().clone()).collect(),
                mode: *e.mode,
                price_usd: opt(&e.price_usd),
                lease_usd_per_hour: opt(&e.lease_usd_per_hour),
                max_per_quarter: e.max_per_quarter.as_ref().map(|m| **m),
                available_from: e.available_from.as_ref().map_or(start, |q| **q).max(start),
            });
        }
    }

    // [[workload]]
    let mut workloads = Vec::new();
    let mut workload_ids = BTreeSet::new();
    for (i, e) in f.workload.iter().enumerate() {
        let p = format!("workload[{i}]");
        check_id(&mut c, &e.id, &format!("{p}.id"), "workload");
        if !workload_ids.insert(e.id.get().clone()) {
            c.error(
                e.id.span(),
                &format!("{p}.id"),
                format!("duplicate workload id `{}`", *e.id),
                "defined twice",
                "give every workload a unique id".into(),
            );
        }
        if let Some(spec) = workload(&mut c, catalog, e, &p, &hq, start, end) {
            workloads.push(Workload {
                id: e.id.get().clone(),
                name: e.name.clone().unwrap_or_else(|| e.id.get().clone()),
                spec,
            });
        }
    }

    // [policy]
    let pol = &f.policy;
    if let Some(d) = &pol.date
        && (**d < start.first_day() || **d > end.last_day())
    {
        c.error(
            d.span(),
            "policy.date",
            format!("policy date {} is outside the horizon {horizon}", **d),
            "outside the horizon",
            format!(
                "use a date between {} and {}; to ask \"what if\" about rules, use enabled_rules / disabled_rules",
                start.first_day(),
                end.last_day()
            ),
        );
    }
    for (field, ids) in [("disabled_rules", &pol.disabled_rules), ("enabled_rules", &pol.enabled_rules)] {
        for (j, id) in ids.iter().enumerate() {
            if let Err(err) = catalog.rule(id) {
                c.unknown(id.span(), &format!("policy.{field}[{j}]"), &err);
            }
        }
    }
    for id in &pol.enabled_rules {
        if pol.disabled_rules.iter().any(|d| d == id) {
            c.error(
                id.span(),
                "policy.enabled_rules",
                format!("rule `{}` is both enabled and disabled", id.get()),
                "contradiction",
                "list the rule in one of enabled_rules / disabled_rules".into(),
            );
        }
    }
    let policy = ScenarioPolicy {
        date: pol.date.as_ref().map(|d| **d),
        options: PolicyOptions {
            disabled_rules: pol.disabled_rules.iter().map(|s| s.get().clone()).collect(),
            enabled_rules: pol.enabled_rules.iter().map(|s| s.get().clone()).collect(),
            assume_licences_granted: pol.assume_licences_granted,
        },
    };

    // [[fleet]]
    let mut fleet = Vec::new();
    for (i, e) in f.fleet.iter().enumerate() {
        let p = format!("fleet[{i}]");
        let hw = hardware(&mut c, catalog, &e.chip, &e.system, e.entry_span.clone(), &p, *e.mode);
        check_site_ref(&mut c, &e.site, &format!("{p}.site"));
        if *e.count == 0 {
            c.error(
                e.count.span(),
                &format!("{p}.count"),
                "a holding of 0 units".into(),
                "zero",
                "give a count of at least 1 or remove the entry".into(),
            );
        }
        prices(&mut c, *e.mode, &e.price_usd, &e.lease_usd_per_hour, &p);
        if *e.from > end {
            c.error(
                e.from.span(),
                &format!("{p}.from"),
                format!("quarter {} is after the horizon {horizon}", *e.from),
                "outside the horizon",
                format!("use a quarter up to {end} (earlier quarters mean existing capacity)"),
            );
        }
        let until = e.until.as_ref().map_or(end, |u| **u);
        if let Some(u) = &e.until {
            if **u < *e.from {
                c.error(
                    u.span(),
                    &format!("{p}.until"),
                    format!("holding ends in {} before it starts in {}", **u, *e.from),
                    "before `from`",
                    "`until` must be the same as or after `from`".into(),
                );
            } else if **u < start {
                c.error(
                    u.span(),
                    &format!("{p}.until"),
                    format!("holding ends in {} before the horizon {horizon}", **u),
                    "outside the horizon",
                    "drop holdings that end before the horizon starts".into(),
                );
            }
        }
        if let Some(t) = &e.training {
            let runs: Vec<&str> =
                f.workload.iter().filter(|w| *w.kind == WorkloadKind::Training).map(|w| w.id.get().as_str()).collect();
            if !runs.contains(&t.get().as_str()) {
                let is_serving = f.workload.iter().any(|w| w.id.get() == t.get());
                let help = match did_you_mean(t, runs.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? training workloads in this file: {}", runs.join(", ")),
                    None if runs.is_empty() => {
                        "add a [[workload]] with kind = \"training\" or remove `training`".into()
                    }
                    None => format!("use one of the training workloads: {}", runs.join(", ")),
                };
                c.error(
                    t.span(),
                    &format!("{p}.training"),
                    if is_serving {
                        format!("workload `{}` is not a training run", t.get())
                    } else {
                        format!("training workload `{}` is not defined in this scenario", t.get())
                    },
                    "unknown training run",
                    help,
                );
            }
        }
        if let Some(hw) = hw {
            let per = u64::from(hw.accelerators_per_unit);
            fleet.push(Holding {
                accelerators: e.count.saturating_mul(per),
                hardware: hw,
                site: e.site.get().clone(),
                units: *e.count,
                mode: *e.mode,
                from: *e.from,
                until,
                price_usd: opt(&e.price_usd),
                lease_usd_per_hour: opt(&e.lease_usd_per_hour),
                training: e.training.as_ref().map(|t| t.get().clone()),
            });
        }
    }

    // [objective]
    let objective = *f.objective.kind;
    let ospan = f.objective.kind.span();
    let has = |k: &[WorkloadKind]| f.workload.iter().any(|w| k.contains(&w.kind));
    match objective {
        ObjectiveKind::MaxTraining if !has(&[WorkloadKind::Training]) => c.error(
            ospan.clone(),
            "objective.kind",
            "objective `max-training` but the scenario has no training workload".into(),
            "no training run",
            "add a `[[workload]]` with kind = \"training\" or choose another objective".into(),
        ),
        ObjectiveKind::MaxServed if !has(&[WorkloadKind::Chat, WorkloadKind::Image, WorkloadKind::Video]) => c.error(
            ospan.clone(),
            "objective.kind",
            "objective `max-served` but the scenario has no chat, image or video workload".into(),
            "nothing to serve",
            "add a serving workload or choose another objective".into(),
        ),
        _ => {}
    }

    if !c.diags.is_empty() {
        sort_diagnostics(&mut c.diags);
        return Err(c.diags);
    }
    Ok(Scenario {
        name: s.name.clone(),
        description: s.description.clone(),
        currency,
        currency_per_usd,
        start,
        quarters,
        buyer: Buyer { name: f.buyer.name.clone(), headquarters: hq },
        budget: Budget { total: *b.total, per_quarter, shares },
        sites,
        options,
        workloads,
        policy,
        objective,
        fleet,
    })
}

fn is_currency_code(s: &str) -> bool {
    s.len() == 3 && s.chars().all(|ch| ch.is_ascii_uppercase())
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

fn check_id(c: &mut Ctx, id: &Spanned<String>, path: &str, what: &str) {
    if id.is_empty() || id.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        c.error(
            id.span(),
            path,
            format!("{what} id `{}` must be non-empty and contain no spaces", id.get()),
            "bad id",
            "use letters, digits, '-', '_' or '.', e.g. \"cn-north\"".into(),
        );
    }
}

/// Resolve `chip` xor `system` against the catalog.
fn hardware(
    c: &mut Ctx,
    catalog: &Catalog,
    chip: &Option<Spanned<String>>,
    system: &Option<Spanned<String>>,
    entry: Range<usize>,
    p: &str,
    mode: Mode,
) -> Option<Hardware> {
    let hw = match (chip, system) {
        (Some(_), Some(s)) => {
            c.error(
                s.span(),
                &format!("{p}.system"),
                "give `chip` or `system`, not both".into(),
                "both given",
                "remove `chip` (a system already names its accelerator) or `system`".into(),
            );
            None
        }
        (None, None) => {
            c.error(
                entry,
                p,
                "needs a `chip` or a `system`".into(),
                "no hardware",
                "add `chip = \"<accelerator id>\"` (e.g. h20) or `system = \"<system id>\"`".into(),
            );
            None
        }
        (Some(id), None) => match catalog.accelerator(id) {
            Ok(a) => Some((Hardware { chip: a.id.clone(), system: None, accelerators_per_unit: 1 }, id.span(), a.sold)),
            Err(e) => {
                c.unknown(id.span(), &format!("{p}.chip"), &e);
                None
            }
        },
        (None, Some(id)) => match catalog.system(id) {
            Ok(s) => {
                let sold = catalog.accelerator(&s.accelerator).map_or(true, |a| a.sold);
                Some((
                    Hardware {
                        chip: s.accelerator.clone(),
                        system: Some(s.id.clone()),
                        accelerators_per_unit: s.accelerators_per_system.max(1),
                    },
                    id.span(),
                    sold,
                ))
            }
            Err(e) => {
                c.unknown(id.span(), &format!("{p}.system"), &e);
                None
            }
        },
    };
    let (hw, span, sold) = hw?;
    if mode == Mode::Buy && !sold {
        c.error(
            span,
            p,
            format!("`{}` is not sold, only rented as cloud capacity", hw.id()),
            "cannot be bought",
            "use mode = \"lease\" for this hardware".into(),
        );
        return None;
    }
    Some(hw)
}

fn prices(c: &mut Ctx, mode: Mode, price: &Option<Spanned<f64>>, lease: &Option<Spanned<f64>>, p: &str) {
    if let Some(v) = price {
        if mode == Mode::Lease {
            c.error(
                v.span(),
                &format!("{p}.price_usd"),
                "`price_usd` is a purchase price but mode is `lease`".into(),
                "not for leases",
                "use `lease_usd_per_hour` for leases, or mode = \"buy\"".into(),
            );
        } else {
            c.positive(v, &format!("{p}.price_usd"), "a price");
        }
    }
    if let Some(v) = lease {
        if mode == Mode::Buy {
            c.error(
                v.span(),
                &format!("{p}.lease_usd_per_hour"),
                "`lease_usd_per_hour` is a lease price but mode is `buy`".into(),
                "not for purchases",
                "use `price_usd` for purchases, or mode = \"lease\"".into(),
            );
        } else {
            c.positive(v, &format!("{p}.lease_usd_per_hour"), "a lease price");
        }
    }
}

/// Fields each workload kind accepts (besides id, name, kind, model).
fn allowed_fields(kind: WorkloadKind) -> &'static [&'static str] {
    const SERVING: [&str; 6] =
        ["diurnal", "growth_per_quarter", "user_regions", "cross_border", "weight", "unserved_penalty"];
    match kind {
        WorkloadKind::Chat => &[
            "precision",
            "daily_users",
            "monthly_users",
            "daily_to_monthly_ratio",
            "requests_per_user_per_day",
            "input_tokens_per_request",
            "output_tokens_per_request",
            "ttft_p99_ms",
            "tpot_p99_ms",
            SERVING[0],
            SERVING[1],
            SERVING[2],
            SERVING[3],
            SERVING[4],
            SERVING[5],
        ],
        WorkloadKind::Image | WorkloadKind::Video => &[
            "items_per_day",
            "latency_p99_s",
            "steps",
            SERVING[0],
            SERVING[1],
            SERVING[2],
            SERVING[3],
            SERVING[4],
            SERVING[5],
        ],
        WorkloadKind::Training => &["precision", "tokens", "seq_len", "start", "deadline"],
    }
}

/// The optional fields of a workload entry that are set, with their spans.
fn set_fields(e: &WorkloadEntry) -> Vec<(&'static str, Range<usize>)> {
    let mut v = Vec::new();
    macro_rules! f {
        ($($name:ident),*) => { $( if let Some(x) = &e.$name { v.push((stringify!($name), x.span())); } )* };
    }
    f!(
        precision,
        daily_users,
        monthly_users,
        daily_to_monthly_ratio,
        requests_per_user_per_day,
        input_tokens_per_request,
        output_tokens_per_request,
        ttft_p99_ms,
        tpot_p99_ms,
        items_per_day,
        latency_p99_s,
        steps,
        diurnal,
        growth_per_quarter,
        weight,
        unserved_penalty,
        tokens,
        seq_len,
        start,
        deadline
    );
    if let Some(m) = &e.user_regions {
        let span = m.values().next().map_or(e.entry_span.clone(), |v| v.span());
        v.push(("user_regions", span));
    }
    if e.cross_border.is_some() {
        v.push(("cross_border", e.entry_span.clone()));
    }
    v
}

#[allow(clippy::too_many_arguments)]
fn workload(
    c: &mut Ctx,
    catalog: &Catalog,
    e: &WorkloadEntry,
    p: &str,
    hq: &str,
    start: Quarter,
    end: Quarter,
) -> Option<WorkloadSpec> {
    let kind = *e.kind;
    let mut ok = true;
    for (field, span) in set_fields(e) {
        if !allowed_fields(kind).contains(&field) {
            ok = false;
            c.error(
                span,
                &format!("{p}.{field}"),
                format!("`{field}` does not apply to {} workloads", kind.as_str()),
                "not for this kind",
                format!(
                    "fields for {} workloads: id, name, kind, model, {}",
                    kind.as_str(),
                    allowed_fields(kind).join(", ")
                ),
            );
        }
    }
    let need = |c: &mut Ctx, v: &Option<Spanned<f64>>, field: &str| -> Option<f64> {
        match v {
            None => {
                c.error(
                    e.entry_span.clone(),
                    &format!("{p}.{field}"),
                    format!("{} workload `{}` needs `{field}`", kind.as_str(), e.id.get()),
                    "missing field",
                    format!("add `{field} = <number>`; see docs/scenario.md"),
                );
                None
            }
            Some(x) => c.positive(x, &format!("{p}.{field}"), &format!("`{field}`")).then_some(**x),
        }
    };
    let model_id = e.model.get().as_str();
    let mp = format!("{p}.model");
    let model = match kind {
        WorkloadKind::Chat | WorkloadKind::Training => match catalog.llm(model_id) {
            Ok(m) => Some(m.id.clone()),
            Err(err) => {
                if let Ok(d) = catalog.diffusion(model_id) {
                    let modality = match d.modality {
                        Modality::Image => "image",
                        Modality::Video => "video",
                    };
                    c.error(e.model.span(), &mp, format!("model `{model_id}` is a diffusion ({modality}) model, but {} workloads need a language model", kind.as_str()), "wrong kind of model", format!("use a language model ({}) or kind = \"{modality}\"", list(&err.known)));
                } else {
                    c.unknown(e.model.span(), &mp, &err);
                }
                None
            }
        },
        WorkloadKind::Image | WorkloadKind::Video => {
            let want = if kind == WorkloadKind::Image { Modality::Image } else { Modality::Video };
            match catalog.diffusion(model_id) {
                Ok(d) if d.modality == want => Some(d.id.clone()),
                Ok(_) => {
                    let fits: Vec<String> =
                        catalog.diffusion_models.iter().filter(|m| m.modality == want).map(|m| m.id.clone()).collect();
                    c.error(
                        e.model.span(),
                        &mp,
                        format!(
                            "model `{model_id}` does not generate {}",
                            if want == Modality::Image { "images" } else { "video" }
                        ),
                        "wrong modality",
                        format!("use one of: {}", list(&fits)),
                    );
                    None
                }
                Err(err) => {
                    if catalog.llm(model_id).is_ok() {
                        c.error(
                            e.model.span(),
                            &mp,
                            format!(
                                "model `{model_id}` is a language model, but {} workloads need a diffusion model",
                                kind.as_str()
                            ),
                            "wrong kind of model",
                            format!("use a diffusion model ({}) or kind = \"chat\"", list(&err.known)),
                        );
                    } else {
                        c.unknown(e.model.span(), &mp, &err);
                    }
                    None
                }
            }
        }
    };
    let precision = e.precision.as_ref().map_or(Precision::Bf16, |p| **p);

    let serving = (kind != WorkloadKind::Training).then(|| serving(c, catalog, e, p, hq));
    let spec = match kind {
        WorkloadKind::Chat => {
            let daily = match (&e.daily_users, &e.monthly_users, &e.daily_to_monthly_ratio) {
                (Some(d), None, None) => c.positive(d, &format!("{p}.daily_users"), "daily users").then_some(**d),
                (None, Some(m), Some(r)) => {
                    let a = c.positive(m, &format!("{p}.monthly_users"), "monthly users");
                    let b = if r.is_finite() && **r > 0.0 && **r <= 1.0 {
                        true
                    } else {
                        let w = c.written(&r.span());
                        c.error(
                            r.span(),
                            &format!("{p}.daily_to_monthly_ratio"),
                            format!("daily/monthly user ratio must be in (0, 1], got {w}"),
                            "out of range",
                            "typical apps have 0.1–0.6 daily users per monthly user".into(),
                        );
                        false
                    };
                    (a && b).then(|| **m * **r)
                }
                (Some(d), _, _) => {
                    c.error(
                        d.span(),
                        &format!("{p}.daily_users"),
                        "give `daily_users` or `monthly_users` with `daily_to_monthly_ratio`, not both".into(),
                        "conflicting user counts",
                        "keep one way of stating users".into(),
                    );
                    None
                }
                _ => {
                    c.error(
                        e.entry_span.clone(),
                        p,
                        format!(
                            "chat workload `{}` needs `daily_users`, or `monthly_users` with `daily_to_monthly_ratio`",
                            e.id.get()
                        ),
                        "missing users",
                        "add `daily_users = <number>`".into(),
                    );
                    None
                }
            };
            let r = need(c, &e.requests_per_user_per_day, "requests_per_user_per_day");
            let i = need(c, &e.input_tokens_per_request, "input_tokens_per_request");
            let o = need(c, &e.output_tokens_per_request, "output_tokens_per_request");
            let t1 = need(c, &e.ttft_p99_ms, "ttft_p99_ms");
            let t2 = need(c, &e.tpot_p99_ms, "tpot_p99_ms");
            match (model, daily, r, i, o, t1, t2, serving.flatten()) {
                (Some(model), Some(daily_users), Some(r), Some(i), Some(o), Some(t1), Some(t2), Some(serving)) => {
                    Some(WorkloadSpec::Chat(ChatWorkload {
                        model,
                        precision,
                        daily_users,
                        requests_per_user_per_day: r,
                        input_tokens_per_request: i,
                        output_tokens_per_request: o,
                        ttft_p99_ms: t1,
                        tpot_p99_ms: t2,
                        serving,
                    }))
                }
                _ => None,
            }
        }
        WorkloadKind::Image | WorkloadKind::Video => {
            let items = need(c, &e.items_per_day, "items_per_day");
            if let Some(l) = &e.latency_p99_s {
                c.positive(l, &format!("{p}.latency_p99_s"), "a latency target");
            }
            if let Some(s) = &e.steps
                && **s == 0
            {
                c.error(
                    s.span(),
                    &format!("{p}.steps"),
                    "0 denoising steps".into(),
                    "zero",
                    "give at least 1 step or drop the field to use the model's default".into(),
                );
            }
            match (model, items, serving.flatten()) {
                (Some(model), Some(items_per_day), Some(serving)) => {
                    let g = GenerationWorkload {
                        model,
                        items_per_day,
                        latency_p99_s: opt(&e.latency_p99_s),
                        steps: e.steps.as_ref().map(|s| **s),
                        serving,
                    };
                    Some(if kind == WorkloadKind::Image { WorkloadSpec::Image(g) } else { WorkloadSpec::Video(g) })
                }
                _ => None,
            }
        }
        WorkloadKind::Training => {
            let tokens = need(c, &e.tokens, "tokens");
            let seq_len = e.seq_len.as_ref().map_or(4096, |s| **s);
            if let Some(s) = &e.seq_len {
                if **s == 0 {
                    c.error(
                        s.span(),
                        &format!("{p}.seq_len"),
                        "sequence length 0".into(),
                        "zero",
                        "give the training sequence length in tokens, e.g. 4096".into(),
                    );
                } else if let Some(m) = model.as_ref().and_then(|m| catalog.llm(m).ok())
                    && **s > m.max_context_tokens
                {
                    c.error(
                        s.span(),
                        &format!("{p}.seq_len"),
                        format!(
                            "sequence length {} exceeds {}'s context of {} tokens",
                            **s, m.id, m.max_context_tokens
                        ),
                        "too long",
                        format!("use at most {} tokens", m.max_context_tokens),
                    );
                }
            }
            let (h0, h1) = (start.first_day(), end.last_day());
            let run_start = e.start.as_ref().map_or(h0, |d| **d);
            if let Some(d) = &e.start
                && (**d < h0 || **d > h1)
            {
                c.error(
                    d.span(),
                    &format!("{p}.start"),
                    format!("start date {} is outside the horizon {start}–{end}", **d),
                    "outside the horizon",
                    format!("use a date between {h0} and {h1}"),
                );
            }
            let deadline = match &e.deadline {
                None => {
                    c.error(
                        e.entry_span.clone(),
                        &format!("{p}.deadline"),
                        format!("training workload `{}` needs `deadline`", e.id.get()),
                        "missing field",
                        "add `deadline = 2025-12-31` (a date within the horizon)".into(),
                    );
                    None
                }
                Some(d) if **d < h0 || **d > h1 => {
                    c.error(
                        d.span(),
                        &format!("{p}.deadline"),
                        format!("deadline {} is outside the horizon {start}–{end}", **d),
                        "outside the horizon",
                        format!("use a date between {h0} and {h1}"),
                    );
                    None
                }
                Some(d) if **d <= run_start => {
                    c.error(
                        d.span(),
                        &format!("{p}.deadline"),
                        format!("deadline {} is not after the start {run_start}", **d),
                        "before the start",
                        "the deadline must come after the start date".into(),
                    );
                    None
                }
                Some(d) => Some(**d),
            };
            match (model, tokens, deadline) {
                (Some(model), Some(tokens), Some(deadline)) if seq_len > 0 => {
                    Some(WorkloadSpec::Training(TrainingRun {
                        model,
                        precision,
                        tokens,
                        seq_len,
                        start: run_start,
                        deadline,
                    }))
                }
                _ => None,
            }
        }
    };
    if ok { spec } else { None }
}

/// Checks shared by chat, image and video workloads.
fn serving(c: &mut Ctx, catalog: &Catalog, e: &WorkloadEntry, p: &str, hq: &str) -> Option<Serving> {
    let mut ok = true;
    let diurnal = e.diurnal.as_ref().map(|d| {
        if d.len() != 24 {
            ok = false;
            c.error(
                d.span(),
                &format!("{p}.diurnal"),
                format!("diurnal profile has {} entries, not 24", d.len()),
                "need 24 hourly weights",
                "give one non-negative weight per hour, 00:00–23:00 local time".into(),
            );
        }
        for (h, w) in d.iter().enumerate() {
            ok &= c.non_negative(w, &format!("{p}.diurnal[{h}]"), "an hourly weight");
        }
        if d.iter().all(|w| **w == 0.0) && !d.is_empty() {
            ok = false;
            c.error(
                d.span(),
                &format!("{p}.diurnal"),
                "diurnal profile is all zeros".into(),
                "no demand at any hour",
                "give at least one positive weight".into(),
            );
        }
        d.iter().map(|w| **w).collect::<Vec<f64>>()
    });
    let growth = e.growth_per_quarter.as_ref().map_or(0.0, |g| **g);
    if let Some(g) = &e.growth_per_quarter
        && !(g.is_finite() && **g > -1.0 && **g <= 10.0)
    {
        ok = false;
        let w = c.written(&g.span());
        c.error(
            g.span(),
            &format!("{p}.growth_per_quarter"),
            format!("growth per quarter must be above -1 and at most 10, got {w}"),
            "out of range",
            "write growth as a fraction: 0.15 means +15 % per quarter".into(),
        );
    }
    let weight = e.weight.as_ref().map_or(1.0, |w| **w);
    if let Some(w) = &e.weight {
        ok &= c.non_negative(w, &format!("{p}.weight"), "a weight");
    }
    if let Some(v) = &e.unserved_penalty {
        ok &= c.non_negative(v, &format!("{p}.unserved_penalty"), "a penalty");
    }
    let mut user_regions = BTreeMap::new();
    match &e.user_regions {
        Some(m) => {
            let mut sum = 0.0;
            let key_span = |r: &str| e.user_region_spans.get(r).cloned().unwrap_or(e.entry_span.clone());
            for (r, share) in m {
                if let Err(err) = catalog.region(r) {
                    ok = false;
                    c.unknown(key_span(r), &format!("{p}.user_regions.{r}"), &err);
                }
                ok &= c.fraction(share, &format!("{p}.user_regions.{r}"), "a user share");
                sum += **share;
                user_regions.insert(r.clone(), **share);
            }
            if m.is_empty() || (sum - 1.0).abs() > SHARE_TOLERANCE {
                ok = false;
                let first = m.keys().map(|k| key_span(k)).min_by_key(|s| s.start);
                let last = m.values().map(|v| v.span().end).max();
                let span = match (first, last) {
                    (Some(a), Some(b)) => a.start.min(b)..b.max(a.start),
                    _ => e.entry_span.clone(),
                };
                c.error(
                    span,
                    &format!("{p}.user_regions"),
                    format!("user shares sum to {sum:.4} ({:.1} %), not 1", sum * 100.0),
                    "shares must sum to 1",
                    "make the shares of all regions add up to 1 (e.g. cn = 0.9, sg = 0.1)".into(),
                );
            }
        }
        None => match catalog.regions.iter().find(|r| r.country == hq) {
            Some(r) => {
                user_regions.insert(r.id.clone(), 1.0);
            }
            None => {
                ok = false;
                c.error(
                    e.entry_span.clone(),
                    &format!("{p}.user_regions"),
                    format!(
                        "workload `{}` has no user_regions and no catalog region is in the buyer's country {hq}",
                        e.id.get()
                    ),
                    "missing user_regions",
                    "add `user_regions = { us = 1.0 }` (catalog region ids → shares)".into(),
                );
            }
        },
    }
    ok.then_some(Serving {
        diurnal,
        growth_per_quarter: growth,
        user_regions,
        cross_border: e.cross_border.unwrap_or(false),
        weight,
        unserved_penalty: opt(&e.unserved_penalty),
    })
}
