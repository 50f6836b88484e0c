//! Export-ontrol and related policy rules as dated data.
//!
//! A rule is a predicate (which chips, which sites, which buyers, own or lease, which dates) and
//! an action (licence required, presumption of denial, prohibited, fee, advisory, ...). All
//! predicates are data: the engine in [`crate::policy`] has no code per rule. Fields that are
//! absent (or empty lists) do not constrain; present fields must all hold (logical AND).

use super::common::Provenance;
use super::country::is_country_code;
use crate::catalog::Catalog;
use crate::units::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a rule does when it applies, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuleAction {
    /// Kept for the timeline (e.g. a rescission or a technical correction); changes no answer.
    Record,
    /// Guidance or a risk to mention; never decides the answer.
    Advisory,
    /// Allowed, subject to a fee or revenue share (`fee_pct`).
    Fee,
    /// A licence is required (reviewed with a policy of approval or not stated).
    LicenceRequired,
    /// A licence is required and reviewed case by case.
    CaseByCase,
    /// A licence is required and reviewed with a presumption of denial.
    PresumptionOfDenial,
    /// Not permitted at all (no licence can help, e.g. a customs block).
    Prohibited,
}

impl RuleAction {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleAction::Record => "record",
            RuleAction::Advisory => "advisory",
            RuleAction::Fee => "fee",
            RuleAction::LicenceRequired => "licence-required",
            RuleAction::CaseByCase => "case-by-case",
            RuleAction::PresumptionOfDenial => "presumption-of-denial",
            RuleAction::Prohibited => "prohibited",
        }
    }

    /// Whether this action can decide a verdict (advisories and records cannot).
    pub fn decides(self) -> bool {
        self >= RuleAction::Fee
    }
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the buyer owns the chips at the site or leases capacity from an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    /// The buyer buys and holds the hardware (an export to the buyer).
    #[default]
    Own,
    /// The buyer rents capacity from a (non-Chinese) operator that owns the hardware.
    Lease,
}

impl Ownership {
    /// Lowercase name ("own" or "lease").
    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Own => "own",
            Ownership::Lease => "lease",
        }
    }
}

impl fmt::Display for Ownership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which 3A090 thresholds a classification follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleSet {
    /// 87 FR 62186 (effective 21 Oct 2022): TPP ≥ 4,800 and aggregate I/O ≥ 600 GB/s.
    Oct2022,
    /// 88 FR 73458 (effective 17 Nov 2023): 3A090.a.1/.a.2/.b.1/.b.2 on TPP and performance density.
    #[default]
    Oct2023,
}

impl RuleSet {
    /// Lowercase name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSet::Oct2022 => "oct2022",
            RuleSet::Oct2023 => "oct2023",
        }
    }
}

/// A group of 3A090 entries a rule selects chips by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum EccnClass {
    /// 3A090.a (a.1 or a.2; under Oct-2022, the single 3A090 test).
    #[serde(rename = "3A090.a")]
    A,
    /// 3A090.b (b.1 or b.2; Oct-2023 only).
    #[serde(rename = "3A090.b")]
    B,
}

impl EccnClass {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            EccnClass::A => "3A090.a",
            EccnClass::B => "3A090.b",
        }
    }
}

/// One dated rule: a predicate over (chip, site, buyer HQ, ownership, date) and an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Catalog id, e.g. `oct2023`.
    pub id: String,
    /// Readable name.
    pub name: String,
    /// ISO alpha-2 code of the government that issued it ("US", "CN").
    pub issuer: String,
    /// Legal citation, e.g. "88 FR 73458".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// One sentence saying what the rule does to a matching query (used as the verdict reason).
    pub summary: String,
    /// Date the rule was announced or published, when it differs from `effective`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<Date>,
    /// First day the rule applies.
    pub effective: Date,
    /// First day the rule no longer applies (exclusive end), if it has a fixed end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends: Option<Date>,
    /// Id of the rule whose effective date ends this one (rescission or replacement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescinded_by: Option<String>,
    /// Windows in which the rule is suspended (e.g. the affiliates rule, 10 Nov 2025 to 9 Nov
    /// 2026): it does not apply from `from` until the day before `resumes`, then applies again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suspensions: Vec<Suspension>,
    /// What happens when the rule applies.
    pub action: RuleAction,
    /// Fee, revenue share or duty in percent of the accelerator price. Required for
    /// `action = "fee"`; on any deciding action it is a cost adder on purchases the rule applies
    /// to (see [`crate::policy::judge`]); on advisories and records it is only shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_pct: Option<f64>,
    /// Ids of rules this one switches off for the queries it matches (e.g. a new licence review
    /// policy replacing a presumption of denial).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaxes: Vec<String>,
    /// Whether it covers owning hardware, leasing capacity, or both (default both).
    #[serde(default = "both_ownerships")]
    pub applies_to: Vec<Ownership>,

    /// Threshold set used for `eccn` (default oct2023).
    #[serde(default)]
    pub rule_set: RuleSet,
    /// Chip must classify into one of these 3A090 groups under `rule_set`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eccn: Vec<EccnClass>,
    /// Chip must be one of these accelerator ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chips: Vec<String>,
    /// Chip's architecture family must be one of these (its `perf_family`, e.g.
    /// "nvidia-blackwell"): for rules that name a generation rather than thresholds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chip_families: Vec<String>,
    /// Chip designer's country must be one of these ISO codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chip_origins: Vec<String>,
    /// Chip designer's country must not be one of these ISO codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chip_origins_exclude: Vec<String>,
    /// Chip TPP must be at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpp_min: Option<f64>,
    /// Chip TPP must be below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpp_below: Option<f64>,
    /// Chip performance density (TPP per mm²) must be at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pd_min: Option<f64>,
    /// Chip performance density must be below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pd_below: Option<f64>,
    /// Chip scale-up (I/O) bandwidth must be at least this, GB/s bidirectional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaleup_bw_min_gbps: Option<f64>,
    /// Chip total DRAM bandwidth must be at least this, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dram_bw_min_gbps: Option<f64>,
    /// Chip total DRAM bandwidth must be below this, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dram_bw_below_gbps: Option<f64>,

    /// Site must be in one of these countries (ISO code) or US country groups ("D:5").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    /// Site must not be in any of these countries or groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites_exclude: Vec<String>,
    /// Site's Jan-2025 AI-diffusion tier must be one of these (1, 2, 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_tiers_2025: Vec<u8>,
    /// Site must (true) or must not (false) be in mainland China.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_china_mainland: Option<bool>,

    /// Buyer's headquarters must be in one of these countries or US country groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyer_hq: Vec<String>,
    /// Buyer's headquarters must not be in any of these countries or groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyer_hq_exclude: Vec<String>,
    /// Buyer must carry every one of these attributes (lowercase words joined by hyphens, e.g.
    /// "listed-affiliate"; a scenario's `[buyer] attributes`). The catalog's rules define the
    /// vocabulary: an attribute no rule names is unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyer_attributes: Vec<String>,
    /// Buyer must carry none of these attributes (e.g. a block that named buyers are exempt
    /// from).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyer_attributes_exclude: Vec<String>,

    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// One suspension of a rule: from `from` (first day suspended) to `resumes` (first day it
/// applies again, exclusive end of the suspension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suspension {
    /// First day the rule is suspended.
    pub from: Date,
    /// First day the rule applies again.
    pub resumes: Date,
}

/// Whether `s` is a buyer attribute as written in catalog and scenario files: lowercase ASCII
/// letters and digits in words joined by single hyphens ("listed-affiliate").
pub fn is_attribute_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

fn both_ownerships() -> Vec<Ownership> {
    vec![Ownership::Own, Ownership::Lease]
}

/// Whether `s` names a US EAR country group, e.g. "D:5", "A:6", "B".
pub fn is_country_group(s: &str) -> bool {
    match s.split_once(':') {
        Some((letter, number)) => {
            letter.len() == 1
                && letter.chars().all(|c| c.is_ascii_uppercase())
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit())
        }
        None => s == "B",
    }
}

impl Rule {
    /// The first day the rule no longer applies: the earlier of `ends` and the effective date of
    /// `rescinded_by`. `None` when it is open-ended (or the rescinding rule is unknown).
    pub fn end_date(&self, catalog: &Catalog) -> Option<Date> {
        let rescinded = self.rescinded_by.as_deref().and_then(|id| catalog.rule(id).ok()).map(|r| r.effective);
        match (self.ends, rescinded) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the rule applies on `date` by its own dates (ignoring predicates and options):
    /// on or after `effective`, before its end, and outside its suspensions.
    pub fn in_force(&self, catalog: &Catalog, date: Date) -> bool {
        self.effective <= date && self.end_date(catalog).is_none_or(|end| date < end) && !self.suspended_on(date)
    }

    /// Whether `date` falls in one of the rule's suspensions.
    pub fn suspended_on(&self, date: Date) -> bool {
        self.suspensions.iter().any(|s| s.from <= date && date < s.resumes)
    }

    /// Whether the rule was rescinded or ended before it ever took effect.
    pub fn never_in_force(&self, catalog: &Catalog) -> bool {
        self.end_date(catalog).is_some_and(|end| end <= self.effective)
    }

    /// Short description of whom and what the rule covers, e.g.
    /// "US · 3A090.a · sites D:5/CN/MO · own+lease".
    pub fn scope(&self) -> String {
        let mut parts = vec![self.issuer.clone()];
        let mut chip = Vec::new();
        if !self.eccn.is_empty() {
            let classes: Vec<_> = self.eccn.iter().map(|c| c.as_str()).collect();
            let set = if self.rule_set == RuleSet::Oct2022 { " (2022)" } else { "" };
            chip.push(format!("{}{set}", classes.join("/")));
        }
        if !self.chips.is_empty() {
            chip.push(self.chips.join("/"));
        }
        if !self.chip_families.is_empty() {
            chip.push(format!("family {}", self.chip_families.join("/")));
        }
        let mut limits = Vec::new();
        if let Some(v) = self.tpp_min {
            limits.push(format!("TPP≥{v}"));
        }
        if let Some(v) = self.tpp_below {
            limits.push(format!("TPP<{v}"));
        }
        if let Some(v) = self.pd_min {
            limits.push(format!("PD≥{v}"));
        }
        if let Some(v) = self.pd_below {
            limits.push(format!("PD<{v}"));
        }
        if let Some(v) = self.scaleup_bw_min_gbps {
            limits.push(format!("I/O≥{v}GB/s"));
        }
        if let Some(v) = self.dram_bw_min_gbps {
            limits.push(format!("DRAM≥{v}GB/s"));
        }
        if let Some(v) = self.dram_bw_below_gbps {
            limits.push(format!("DRAM<{v}GB/s"));
        }
        chip.extend(limits);
        if !self.chip_origins.is_empty() {
            chip.push(format!("made by {}", self.chip_origins.join("/")));
        }
        if !self.chip_origins_exclude.is_empty() {
            chip.push(format!("not made by {}", self.chip_origins_exclude.join("/")));
        }
        if chip.is_empty() {
            parts.push("all chips".into());
        } else {
            parts.push(chip.join(" "));
        }
        let mut site = Vec::new();
        if !self.sites.is_empty() {
            site.push(format!("sites {}", self.sites.join("/")));
        }
        if !self.sites_exclude.is_empty() {
            site.push(format!("not {}", self.sites_exclude.join("/")));
        }
        if !self.site_tiers_2025.is_empty() {
            let tiers: Vec<_> = self.site_tiers_2025.iter().map(u8::to_string).collect();
            site.push(format!("tier {}", tiers.join("/")));
        }
        match self.site_china_mainland {
            Some(true) => site.push("sites in mainland China".into()),
            Some(false) => site.push("sites outside mainland China".into()),
            None => {}
        }
        parts.push(if site.is_empty() { "anywhere".into() } else { site.join(" ") });
        if !self.buyer_hq.is_empty() {
            parts.push(format!("buyers HQ {}", self.buyer_hq.join("/")));
        }
        if !self.buyer_hq_exclude.is_empty() {
            parts.push(format!("buyers HQ not {}", self.buyer_hq_exclude.join("/")));
        }
        if !self.buyer_attributes.is_empty() {
            parts.push(format!("buyers with {}", self.buyer_attributes.join("+")));
        }
        if !self.buyer_attributes_exclude.is_empty() {
            parts.push(format!("buyers without {}", self.buyer_attributes_exclude.join("/")));
        }
        let mut own: Vec<_> = self.applies_to.iter().map(|o| o.as_str()).collect();
        own.dedup();
        parts.push(own.join("+"));
        parts.join(" · ")
    }

    /// Integrity problems of the rule: its text, dates and references, then its predicates.
    pub(crate) fn problems(&self, catalog: &Catalog) -> Vec<String> {
        let mut problems = Vec::new();
        self.reference_problems(catalog, &mut problems);
        self.predicate_problems(&mut problems);
        problems
    }

    /// Summary, issuer, dates, and the rules and chips the rule names.
    fn reference_problems(&self, catalog: &Catalog, p: &mut Vec<String>) {
        let id = self.id.as_str();
        if self.summary.trim().is_empty() {
            p.push(format!("rule `{id}`: `summary` must not be empty"));
        }
        if !is_country_code(&self.issuer) {
            p.push(format!("rule `{id}`: `issuer` `{}` must be an ISO alpha-2 code like US or CN", self.issuer));
        }
        if let Some(announced) = self.announced
            && announced > self.effective
        {
            p.push(format!("rule `{id}`: `announced` {announced} is after `effective` {}", self.effective));
        }
        if let Some(ends) = self.ends
            && ends <= self.effective
        {
            p.push(format!("rule `{id}`: `ends` {ends} must be after `effective` {}", self.effective));
        }
        if let Some(r) = &self.rescinded_by {
            if r == id {
                p.push(format!("rule `{id}`: `rescinded_by` names the rule itself"));
            } else if let Err(e) = catalog.rule(r) {
                p.push(format!("rule `{id}`: `rescinded_by`: {e}"));
            } else if let Ok(other) = catalog.rule(r)
                && other.effective < self.announced.unwrap_or(self.effective)
            {
                p.push(format!(
                    "rule `{id}`: rescinded by `{r}` effective {} before it was announced",
                    other.effective
                ));
            }
        }
        for r in &self.relaxes {
            if r == id {
                p.push(format!("rule `{id}`: `relaxes` names the rule itself"));
            } else if let Err(e) = catalog.rule(r) {
                p.push(format!("rule `{id}`: `relaxes`: {e}"));
            }
        }
        for chip in &self.chips {
            if let Err(e) = catalog.accelerator(chip) {
                p.push(format!("rule `{id}`: `chips`: {e}"));
            }
        }
        for family in &self.chip_families {
            if let Err(e) = catalog.perf_family(family) {
                p.push(format!("rule `{id}`: `chip_families`: {e}"));
            }
        }
        let mut previous_end = self.effective;
        for s in &self.suspensions {
            if s.from <= previous_end || s.resumes <= s.from {
                p.push(format!(
                    "rule `{id}`: suspension {}..{} must start after {previous_end} and end after it starts",
                    s.from, s.resumes
                ));
            }
            previous_end = s.resumes;
        }
    }

    /// Action, fee, thresholds and the places and origins the rule matches.
    fn predicate_problems(&self, p: &mut Vec<String>) {
        let id = self.id.as_str();
        match (self.action, self.fee_pct) {
            (RuleAction::Fee, None) => p.push(format!("rule `{id}`: action `fee` needs `fee_pct`")),
            (_, Some(f)) if !(f.is_finite() && f > 0.0 && f <= 100.0) => {
                p.push(format!("rule `{id}`: `fee_pct` must be in (0, 100], got {f}"))
            }
            _ => {}
        }
        if self.applies_to.is_empty() {
            p.push(format!("rule `{id}`: `applies_to` must name own, lease or both"));
        }
        if self.rule_set == RuleSet::Oct2022 && self.eccn.contains(&EccnClass::B) {
            p.push(format!("rule `{id}`: 3A090.b does not exist under rule_set oct2022"));
        }
        let thresholds = [
            ("tpp_min", self.tpp_min),
            ("tpp_below", self.tpp_below),
            ("pd_min", self.pd_min),
            ("pd_below", self.pd_below),
            ("scaleup_bw_min_gbps", self.scaleup_bw_min_gbps),
            ("dram_bw_min_gbps", self.dram_bw_min_gbps),
            ("dram_bw_below_gbps", self.dram_bw_below_gbps),
        ];
        for (field, value) in thresholds {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                p.push(format!("rule `{id}`: `{field}` must be a non-negative number, got {v}"));
            }
        }
        for (lo_name, lo, hi_name, hi) in [
            ("tpp_min", self.tpp_min, "tpp_below", self.tpp_below),
            ("pd_min", self.pd_min, "pd_below", self.pd_below),
            ("dram_bw_min_gbps", self.dram_bw_min_gbps, "dram_bw_below_gbps", self.dram_bw_below_gbps),
        ] {
            if let (Some(lo), Some(hi)) = (lo, hi)
                && lo >= hi
            {
                p.push(format!("rule `{id}`: `{lo_name}` {lo} must be below `{hi_name}` {hi}"));
            }
        }
        for tier in &self.site_tiers_2025 {
            if !(1..=3).contains(tier) {
                p.push(format!("rule `{id}`: `site_tiers_2025` entries must be 1, 2 or 3, got {tier}"));
            }
        }
        let places = [
            ("sites", &self.sites),
            ("sites_exclude", &self.sites_exclude),
            ("buyer_hq", &self.buyer_hq),
            ("buyer_hq_exclude", &self.buyer_hq_exclude),
        ];
        for (field, list) in places {
            for s in list {
                if !is_country_code(s) && !is_country_group(s) {
                    p.push(format!(
                        "rule `{id}`: `{field}` entry `{s}` must be an ISO alpha-2 code (CN) or a country group (D:5)"
                    ));
                }
            }
        }
        for (field, list) in
            [("buyer_attributes", &self.buyer_attributes), ("buyer_attributes_exclude", &self.buyer_attributes_exclude)]
        {
            for s in list.iter().filter(|s| !is_attribute_name(s)) {
                p.push(format!("rule `{id}`: `{field}` entry `{s}` must be lowercase words joined by hyphens"));
            }
        }
        for (field, list) in
            [("chip_origins", &self.chip_origins), ("chip_origins_exclude", &self.chip_origins_exclude)]
        {
            for s in list {
                if !is_country_code(s) {
                    p.push(format!("rule `{id}`: `{field}` entry `{s}` must be an ISO alpha-2 code"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_order_by_restrictiveness() {
        assert!(RuleAction::Advisory < RuleAction::Fee);
        assert!(RuleAction::LicenceRequired < RuleAction::CaseByCase);
        assert!(RuleAction::CaseByCase < RuleAction::PresumptionOfDenial);
        assert!(RuleAction::PresumptionOfDenial < RuleAction::Prohibited);
        assert!(!RuleAction::Advisory.decides() && RuleAction::Fee.decides());
    }

    #[test]
    fn country_codes_and_groups() {
        assert!(is_country_code("CN") && !is_country_code("cn") && !is_country_code("CHN"));
        assert!(is_country_group("D:5") && is_country_group("A:6") && is_country_group("B"));
        assert!(!is_country_group("D5") && !is_country_group("D:") && !is_country_group("d:5"));
    }
}
