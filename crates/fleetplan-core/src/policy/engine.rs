//! The policy question: may a buyer headquartered in country H own or lease chip C at site S on
//! date D? Rules are catalog data; the most restrictive rule that applies decides ([`judge`]).

use super::{Classification, classify, performance_density, tpp};
use crate::catalog::{Accelerator, Catalog, Ownership, Region, Rule, RuleAction, RuleSet, UnknownId, unknown_id};
use crate::units::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One policy question.
#[derive(Debug, Clone, Copy)]
pub struct PolicyQuery<'a> {
    /// The accelerator.
    pub chip: &'a Accelerator,
    /// Where it would be installed.
    pub site: &'a Region,
    /// ISO 3166 alpha-2 code of the buyer's headquarters (or ultimate parent), e.g. "CN".
    pub buyer_hq: &'a str,
    /// Attributes of the buyer that rules select by (e.g. "listed-affiliate",
    /// "cn-h200-approved"); see [`buyer_attributes`] for the vocabulary.
    pub buyer_attributes: &'a [String],
    /// The day the question is asked for.
    pub date: Date,
    /// Whether the buyer owns the hardware or leases capacity.
    pub ownership: Ownership,
}

/// Scenario switches for the rule set (the `[policy]` table of a scenario).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyOptions {
    /// Rule ids to ignore ("what if this rule had never been issued?").
    pub disabled_rules: Vec<String>,
    /// Rule ids to keep in force past their end or rescission ("what if the diffusion rule had
    /// stood?"). They still start on their effective date.
    pub enabled_rules: Vec<String>,
    /// Treat every licence requirement (including presumption of denial and case-by-case review)
    /// as granted. Outright prohibitions still hold.
    pub assume_licences_granted: bool,
    /// Rule ids whose licence requirement is treated as granted (only these: "what if the US
    /// licenses the approved H200 imports?"). Outright prohibitions still hold.
    pub granted_rules: Vec<String>,
}

impl PolicyOptions {
    /// Rule ids named in the options that the catalog does not hold, with suggestions.
    pub fn unknown_rules(&self, catalog: &Catalog) -> Vec<UnknownId> {
        self.disabled_rules
            .iter()
            .chain(&self.enabled_rules)
            .chain(&self.granted_rules)
            .filter_map(|id| catalog.rule(id).err())
            .collect()
    }
}

/// The answer's headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    /// No rule stops it (possibly with a fee, or with a licence assumed granted).
    Allowed,
    /// A licence is needed first.
    LicenceRequired,
    /// Not possible (presumption of denial, or an outright block).
    Prohibited,
}

impl VerdictKind {
    /// "allowed", "licence-required" or "prohibited".
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Allowed => "allowed",
            VerdictKind::LicenceRequired => "licence-required",
            VerdictKind::Prohibited => "prohibited",
        }
    }
}

impl fmt::Display for VerdictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to a [`PolicyQuery`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Allowed, licence required or prohibited.
    pub kind: VerdictKind,
    /// The deciding rule, if any rule decided.
    pub rule_id: Option<String>,
    /// Legal citation of the deciding rule.
    pub citation: Option<String>,
    /// Why, in one or two sentences.
    pub reason: String,
    /// Guidance, China-side measures, fees and caveats that apply but do not decide.
    pub advisories: Vec<String>,
    /// Fees, revenue shares and duties on the purchase, as a fraction of the accelerator price
    /// (0.25 = 25 %): a cost adder the cost model puts on the purchase. Several fees compound
    /// (each is levied on a price that already carries the others: 1 + f = Π (1 + fᵢ)).
    pub fee_fraction: f64,
    /// Ids of the rules whose fees make up `fee_fraction`, in catalog order.
    pub fee_rules: Vec<String>,
}

/// TPP, performance density and classification of one chip under both rule sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChipPolicyMetrics {
    /// Total processing performance.
    pub tpp: f64,
    /// TPP per mm² of applicable die area; `None` when the die area is unknown.
    pub performance_density: Option<f64>,
    /// Classification under the Oct-2022 test.
    pub oct2022: Classification,
    /// Classification under the Oct-2023 thresholds (current).
    pub oct2023: Classification,
}

/// TPP, PD and both classifications of `chip`.
pub fn chip_metrics(chip: &Accelerator) -> ChipPolicyMetrics {
    ChipPolicyMetrics {
        tpp: tpp(chip),
        performance_density: performance_density(chip),
        oct2022: classify(chip, RuleSet::Oct2022),
        oct2023: classify(chip, RuleSet::Oct2023),
    }
}

/// How a rule's chip predicate matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChipMatch {
    /// All chip conditions hold.
    Yes,
    /// Holds only if an unknown die area is assumed to make the chip controlled.
    Assumed,
}

fn chip_matches(rule: &Rule, chip: &Accelerator) -> Option<ChipMatch> {
    if !rule.chips.is_empty() && !rule.chips.contains(&chip.id) {
        return None;
    }
    if !rule.chip_families.is_empty() && !rule.chip_families.contains(&chip.perf_family) {
        return None;
    }
    if !rule.chip_origins.is_empty() && !rule.chip_origins.contains(&chip.origin_country) {
        return None;
    }
    if rule.chip_origins_exclude.contains(&chip.origin_country) {
        return None;
    }
    let mut assumed = false;
    if !rule.eccn.is_empty() {
        let class = classify(chip, rule.rule_set);
        match class.group() {
            Some(group) if rule.eccn.contains(&group) => {}
            None if class == Classification::UnknownDieArea => assumed = true,
            _ => return None,
        }
    }
    let t = tpp(chip);
    if rule.tpp_min.is_some_and(|min| t < min) || rule.tpp_below.is_some_and(|max| t >= max) {
        return None;
    }
    if rule.pd_min.is_some() || rule.pd_below.is_some() {
        match performance_density(chip) {
            Some(pd) => {
                if rule.pd_min.is_some_and(|min| pd < min) || rule.pd_below.is_some_and(|max| pd >= max) {
                    return None;
                }
            }
            None => assumed = true,
        }
    }
    if rule.scaleup_bw_min_gbps.is_some_and(|min| chip.scaleup_bw_gbps < min) {
        return None;
    }
    let dram = chip.mem_bw_gbps();
    if rule.dram_bw_min_gbps.is_some_and(|min| dram < min) || rule.dram_bw_below_gbps.is_some_and(|max| dram >= max) {
        return None;
    }
    Some(if assumed { ChipMatch::Assumed } else { ChipMatch::Yes })
}

/// Whether `site` is the country or in the US country group `entry`.
fn site_in(site: &Region, entry: &str) -> bool {
    if entry.contains(':') || entry == "B" { site.in_group(entry) } else { site.country == entry }
}

/// Whether a buyer headquartered in `hq` is in the country or group `entry`. Group membership of
/// a country comes from the catalog's regions in that country.
fn buyer_in(catalog: &Catalog, hq: &str, entry: &str) -> bool {
    if entry.contains(':') || entry == "B" {
        catalog.regions.iter().any(|r| r.country == hq && r.in_group(entry))
    } else {
        hq == entry
    }
}

/// Whether every predicate except ownership holds.
fn place_matches(catalog: &Catalog, rule: &Rule, query: &PolicyQuery) -> bool {
    let site = query.site;
    (rule.sites.is_empty() || rule.sites.iter().any(|e| site_in(site, e)))
        && !rule.sites_exclude.iter().any(|e| site_in(site, e))
        && (rule.site_tiers_2025.is_empty() || rule.site_tiers_2025.contains(&site.us_tier_2025))
        && rule.site_china_mainland.is_none_or(|m| m == site.china_mainland)
        && (rule.buyer_hq.is_empty() || rule.buyer_hq.iter().any(|e| buyer_in(catalog, query.buyer_hq, e)))
        && !rule.buyer_hq_exclude.iter().any(|e| buyer_in(catalog, query.buyer_hq, e))
        && rule.buyer_attributes.iter().all(|a| query.buyer_attributes.contains(a))
        && !rule.buyer_attributes_exclude.iter().any(|a| query.buyer_attributes.contains(a))
}

/// Every buyer attribute the catalog's rules select by, sorted: the vocabulary of
/// `[buyer] attributes` and `policy --buyer-attribute`.
pub fn buyer_attributes(catalog: &Catalog) -> Vec<&str> {
    let mut known: Vec<&str> = catalog
        .rules
        .iter()
        .flat_map(|r| r.buyer_attributes.iter().chain(&r.buyer_attributes_exclude))
        .map(String::as_str)
        .collect();
    known.sort_unstable();
    known.dedup();
    known
}

/// `Ok` when some catalog rule selects by the buyer attribute `name`, else the unknown-id error
/// with a suggestion.
pub fn check_buyer_attribute(catalog: &Catalog, name: &str) -> Result<(), UnknownId> {
    let known = buyer_attributes(catalog);
    if known.contains(&name) { Ok(()) } else { Err(unknown_id("buyer attribute", name, known.iter().copied())) }
}

/// The compound fee fraction of the fees in `pct` (percent): Π (1 + fᵢ) − 1.
pub fn compound_fee_fraction(pct: impl IntoIterator<Item = f64>) -> f64 {
    pct.into_iter().fold(1.0, |acc, p| acc * (1.0 + p / 100.0)) - 1.0
}

/// Whether the rule is in force on `date` under `options` (disabled rules never are; enabled
/// rules ignore their end).
fn active_on(catalog: &Catalog, rule: &Rule, date: Date, options: &PolicyOptions) -> bool {
    if options.disabled_rules.contains(&rule.id) {
        false
    } else if options.enabled_rules.contains(&rule.id) {
        rule.effective <= date
    } else {
        rule.in_force(catalog, date)
    }
}

/// Group thousands: 15832 → "15,832".
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 { format!("-{out}") } else { out }
}

/// "h100-sxm: 3A090.a.1 (TPP 15,832, PD 19.45)".
fn describe_chip(chip: &Accelerator, rule_set: RuleSet) -> String {
    let pd = performance_density(chip).map(|pd| format!("PD {pd:.2}")).unwrap_or_else(|| "PD unknown".into());
    let set = if rule_set == RuleSet::Oct2022 { " under the Oct-2022 test" } else { "" };
    format!("{}: {}{set} (TPP {}, {pd})", chip.id, classify(chip, rule_set), thousands(tpp(chip)))
}

fn advisory(rule: &Rule) -> String {
    match rule.fee_pct {
        Some(fee) if !rule.summary.contains('%') => format!("{}: {} ({fee} %)", rule.id, rule.summary),
        _ => format!("{}: {}", rule.id, rule.summary),
    }
}

/// The rules in force whose predicates match the query, after relaxations, with how the chip
/// matched; and the deciding-kind rules that match all but the ownership.
fn applying_rules<'c>(
    catalog: &'c Catalog,
    query: &PolicyQuery,
    options: &PolicyOptions,
) -> (Vec<(&'c Rule, ChipMatch)>, Vec<&'c Rule>) {
    let mut applying: Vec<(&Rule, ChipMatch)> = Vec::new();
    let mut lease_exempt: Vec<&Rule> = Vec::new();
    for rule in &catalog.rules {
        if rule.action == RuleAction::Record || !active_on(catalog, rule, query.date, options) {
            continue;
        }
        let Some(chip_match) = chip_matches(rule, query.chip) else { continue };
        if !place_matches(catalog, rule, query) {
            continue;
        }
        if rule.applies_to.contains(&query.ownership) {
            applying.push((rule, chip_match));
        } else if rule.action.decides() {
            lease_exempt.push(rule);
        }
    }
    let relaxed: Vec<&str> = applying.iter().flat_map(|(r, _)| r.relaxes.iter().map(String::as_str)).collect();
    applying.retain(|(r, _)| !relaxed.contains(&r.id.as_str()));
    lease_exempt.retain(|r| !relaxed.contains(&r.id.as_str()));
    (applying, lease_exempt)
}

/// Answer a policy question. Rules in force on the date (after `options`) whose predicates match
/// are collected; rules they `relax` are dropped; the most restrictive remaining rule decides
/// (ties go to the more recent rule). Advisories, China-side guidance, fees that do not decide
/// and other governments' licence requirements are listed as advisories. Every deciding-kind
/// rule that applies with a `fee_pct` adds its fee to `fee_fraction` (compounded), whichever
/// rule decides.
pub fn judge(catalog: &Catalog, query: &PolicyQuery, options: &PolicyOptions) -> Verdict {
    let (applying, mut lease_exempt) = applying_rules(catalog, query, options);

    // Every deciding rule that applies and carries a fee adds it, whichever rule decides.
    let fees: Vec<(&Rule, f64)> =
        applying.iter().filter(|(r, _)| r.action.decides()).filter_map(|(r, _)| r.fee_pct.map(|f| (*r, f))).collect();
    let fee_fraction = compound_fee_fraction(fees.iter().map(|(_, f)| *f));
    let fee_rules: Vec<String> = fees.iter().map(|(r, _)| r.id.clone()).collect();

    // Most restrictive first, then the most recent; on a full tie the first in catalog order. A
    // licence requirement granted through `granted_rules` ranks as a fee: another rule that still
    // needs a licence (or prohibits) decides before it.
    let rank = |r: &Rule| {
        let granted = options.granted_rules.iter().any(|id| id == &r.id);
        let licensable =
            matches!(r.action, RuleAction::LicenceRequired | RuleAction::CaseByCase | RuleAction::PresumptionOfDenial);
        if granted && licensable { RuleAction::Fee } else { r.action }
    };
    let deciding =
        applying.iter().filter(|(r, _)| r.action.decides()).fold(None, |best: Option<(&Rule, ChipMatch)>, &cur| {
            match best {
                Some(b) if (rank(cur.0), cur.0.effective) <= (rank(b.0), b.0.effective) => Some(b),
                _ => Some(cur),
            }
        });

    let mut advisories: Vec<String> = applying
        .iter()
        .filter(|(r, _)| {
            r.action == RuleAction::Advisory
                || (r.action == RuleAction::Fee && deciding.is_none_or(|(d, _)| d.id != r.id))
        })
        .map(|(r, _)| advisory(r))
        .collect();
    if applying.iter().any(|(_, m)| *m == ChipMatch::Assumed) {
        advisories.push(format!(
            "{}: 3A090 classification depends on the die area, which is unknown; treated as controlled",
            query.chip.id
        ));
    }
    // Rules skipped only because of ownership matter when they would have been stricter.
    lease_exempt.retain(|r| deciding.is_none_or(|(d, _)| r.action > d.action));
    let lease_note = (!lease_exempt.is_empty()).then(|| {
        let ids: Vec<_> = lease_exempt.iter().map(|r| format!("`{}`", r.id)).collect();
        format!(
            "{} appl{} to owned hardware only: leasing capacity from a non-Chinese operator is not an export to the buyer",
            ids.join(", "),
            if ids.len() == 1 { "ies" } else { "y" }
        )
    });

    let Some((rule, _)) = deciding else {
        let mut reason = format!(
            "no rule in force on {} restricts {} at {} ({}) for a buyer headquartered in {} ({})",
            query.date,
            describe_chip(query.chip, RuleSet::Oct2023),
            query.site.id,
            query.site.country,
            query.buyer_hq,
            query.ownership
        );
        if let Some(note) = lease_note {
            reason.push_str("; ");
            reason.push_str(&note);
        }
        return Verdict {
            kind: VerdictKind::Allowed,
            rule_id: None,
            citation: None,
            reason,
            advisories,
            fee_fraction,
            fee_rules,
        };
    };
    if let Some(note) = lease_note {
        advisories.push(note);
    }
    // Another government's licence requirement or block is needed too, though it does not decide.
    for (other, _) in applying
        .iter()
        .filter(|(r, _)| r.action >= RuleAction::LicenceRequired && r.issuer != rule.issuer && r.id != rule.id)
    {
        advisories.push(format!("also {} ({}): {}: {}", other.action, other.issuer, other.id, other.summary));
    }
    let rule_set = if rule.eccn.is_empty() { RuleSet::Oct2023 } else { rule.rule_set };
    let mut reason = format!("{} [{}]", rule.summary, describe_chip(query.chip, rule_set));
    let assume = options.assume_licences_granted || options.granted_rules.iter().any(|id| id == &rule.id);
    let granted_by = if options.assume_licences_granted { "assume_licences_granted" } else { "granted_rules" };
    let kind = match rule.action {
        RuleAction::Fee => {
            if let Some(fee) = rule.fee_pct.filter(|_| !rule.summary.contains('%')) {
                reason.push_str(&format!("; subject to a {fee} % fee"));
            }
            VerdictKind::Allowed
        }
        RuleAction::LicenceRequired | RuleAction::CaseByCase if assume => {
            reason.push_str(&format!("; licence assumed granted ({granted_by})"));
            VerdictKind::Allowed
        }
        RuleAction::LicenceRequired | RuleAction::CaseByCase => VerdictKind::LicenceRequired,
        RuleAction::PresumptionOfDenial if assume => {
            reason.push_str(&format!("; licence assumed granted despite the presumption of denial ({granted_by})"));
            VerdictKind::Allowed
        }
        RuleAction::PresumptionOfDenial | RuleAction::Prohibited => VerdictKind::Prohibited,
        // Not reachable: `deciding` only holds rules whose action decides.
        RuleAction::Record | RuleAction::Advisory => VerdictKind::Allowed,
    };
    Verdict {
        kind,
        rule_id: Some(rule.id.clone()),
        citation: rule.citation.clone(),
        reason,
        advisories,
        fee_fraction,
        fee_rules,
    }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(15832.0), "15,832");
        assert_eq!(thousands(2368.0), "2,368");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(-1000.0), "-1,000");
    }
}
