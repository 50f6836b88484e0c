//! Export-control questions as a front end receives them (`fleetplan policy check`, Python
//! `fleetplan.policy.check`): the switches checked as a scenario's `[buyer]` and `[policy]` are
//! (one home: `fleetplan_core::policy`), the verdict and its JSON document.

use fleetplan_core::catalog::{Accelerator, Catalog, Region, UnknownId};
use fleetplan_core::policy::{
    BadCountryCode, Ownership, PolicyOptions, PolicyQuery, RuleSwitchConflict, Verdict, check_buyer_attribute,
    check_headquarters, chip_metrics, judge, rule_switch_conflicts,
};
use fleetplan_core::scenario::Quarter;
use fleetplan_core::units::Date;
use serde::Serialize;

/// Who asks, when, and with which rule switches (the arguments shared by `policy check` and
/// `policy matrix`).
#[derive(Debug, Clone)]
pub struct PolicySwitches {
    /// ISO 3166 alpha-2 code of the buyer's headquarters, in capitals.
    pub buyer_hq: String,
    /// Facts about the buyer that rules select by.
    pub buyer_attributes: Vec<String>,
    /// Date to answer for.
    pub date: Date,
    /// The buyer leases instead of owning.
    pub lease: bool,
    /// Every licence requirement treated as granted.
    pub assume_licences: bool,
    /// Rules ignored.
    pub disable_rules: Vec<String>,
    /// Rules kept in force past their end.
    pub enable_rules: Vec<String>,
    /// Rules whose licence requirement is treated as granted.
    pub grant_rules: Vec<String>,
}

/// A switch value the policy engine cannot use; the argument names are the CLI's flags without
/// dashes (`disable-rule`), which a front end prints its own way.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyInputError {
    /// An id the catalog does not hold (chip, site, rule, buyer attribute).
    #[error("{argument}: {err}")]
    Unknown {
        /// The argument it was given to: `chip`, `site`, `disable-rule`, `enable-rule`,
        /// `grant-rule` or `buyer-attribute`.
        argument: &'static str,
        /// The lookup error with its suggestion.
        err: UnknownId,
    },
    /// The headquarters is not an assigned country code.
    #[error("buyer-hq: {0}")]
    Headquarters(BadCountryCode),
    /// A rule both enabled and disabled.
    #[error("enable-rule: {0}")]
    Conflict(RuleSwitchConflict),
}

impl PolicySwitches {
    /// Own or lease.
    pub fn ownership(&self) -> Ownership {
        if self.lease { Ownership::Lease } else { Ownership::Own }
    }

    /// The policy question for `chip` at `site`.
    pub fn query<'a>(&'a self, chip: &'a Accelerator, site: &'a Region) -> PolicyQuery<'a> {
        PolicyQuery {
            chip,
            site,
            buyer_hq: &self.buyer_hq,
            buyer_attributes: &self.buyer_attributes,
            date: self.date,
            ownership: self.ownership(),
        }
    }

    /// The policy options after the checks a scenario's `[buyer]` and `[policy]` get: the
    /// headquarters is a country, no rule is both enabled and disabled, every rule id and
    /// buyer attribute exists. Every problem is returned, in that order.
    pub fn options(&self, catalog: &Catalog) -> Result<PolicyOptions, Vec<PolicyInputError>> {
        let mut problems = Vec::new();
        if let Err(err) = check_headquarters(&self.buyer_hq) {
            problems.push(PolicyInputError::Headquarters(err));
        }
        let enabled: Vec<&str> = self.enable_rules.iter().map(String::as_str).collect();
        let disabled: Vec<&str> = self.disable_rules.iter().map(String::as_str).collect();
        for (_, conflict) in rule_switch_conflicts(&enabled, &disabled) {
            problems.push(PolicyInputError::Conflict(conflict));
        }
        for (argument, ids) in [
            ("disable-rule", &self.disable_rules),
            ("enable-rule", &self.enable_rules),
            ("grant-rule", &self.grant_rules),
        ] {
            for id in ids {
                if let Err(err) = catalog.rule(id) {
                    problems.push(PolicyInputError::Unknown { argument, err });
                }
            }
        }
        for name in &self.buyer_attributes {
            if let Err(err) = check_buyer_attribute(catalog, name) {
                problems.push(PolicyInputError::Unknown { argument: "buyer-attribute", err });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(PolicyOptions {
            disabled_rules: self.disable_rules.clone(),
            enabled_rules: self.enable_rules.clone(),
            assume_licences_granted: self.assume_licences,
            granted_rules: self.grant_rules.clone(),
        })
    }
}

/// One `policy check` answer and its JSON document: the question, the chip's metrics and
/// classification, its availability on the date, and the verdict's fields at the top level.
#[derive(Debug, Serialize)]
pub struct PolicyAnswer {
    /// Accelerator id.
    pub chip: String,
    /// Region id of the site.
    pub site: String,
    /// Buyer headquarters.
    pub buyer_hq: String,
    /// Buyer attributes.
    pub buyer_attributes: Vec<String>,
    /// Date answered for.
    pub date: Date,
    /// Own or lease.
    pub ownership: Ownership,
    /// Total processing performance.
    pub tpp: f64,
    /// Performance density (TPP per mm² of die), when the die area is known.
    pub performance_density: Option<f64>,
    /// Oct-2022 classification.
    pub classification_oct2022: String,
    /// Oct-2023 classification.
    pub classification_oct2023: String,
    /// First quarter the chip can be bought or leased (catalog `available`).
    pub available: Quarter,
    /// Whether it can be had on the date at all (`false`: the verdict is hypothetical).
    pub available_on_date: bool,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// May a buyer own (or lease) `chip` at `site` on the date? Both ids and every switch are
/// checked before failing, so that one call reports every mistake.
pub fn check(
    catalog: &Catalog,
    chip: &str,
    site: &str,
    switches: &PolicySwitches,
) -> Result<PolicyAnswer, Vec<PolicyInputError>> {
    let chip = catalog.accelerator(chip).map_err(|err| PolicyInputError::Unknown { argument: "chip", err });
    let site = catalog.region(site).map_err(|err| PolicyInputError::Unknown { argument: "site", err });
    let (chip, site) = match (chip, site) {
        (Ok(chip), Ok(site)) => (chip, site),
        (chip, site) => return Err(chip.err().into_iter().chain(site.err()).collect()),
    };
    let options = switches.options(catalog)?;
    let verdict = judge(catalog, &switches.query(chip, site), &options);
    let metrics = chip_metrics(chip);
    Ok(PolicyAnswer {
        chip: chip.id.clone(),
        site: site.id.clone(),
        buyer_hq: switches.buyer_hq.clone(),
        buyer_attributes: switches.buyer_attributes.clone(),
        date: switches.date,
        ownership: switches.ownership(),
        tpp: metrics.tpp,
        performance_density: metrics.performance_density,
        classification_oct2022: metrics.oct2022.to_string(),
        classification_oct2023: metrics.oct2023.to_string(),
        available: chip.available,
        available_on_date: chip.available_in(Quarter::of_date(switches.date)),
        verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn switches(hq: &str) -> PolicySwitches {
        PolicySwitches {
            buyer_hq: hq.to_string(),
            buyer_attributes: Vec::new(),
            date: "2025-06-01".parse().unwrap(),
            lease: false,
            assume_licences: false,
            disable_rules: vec!["no-such-rule".into()],
            enable_rules: Vec::new(),
            grant_rules: Vec::new(),
        }
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let catalog = Catalog::builtin().unwrap();
        let problems = check(&catalog, "h100-sxmm", "cnn", &switches("CN")).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        let problems = check(&catalog, "h100-sxm", "cn", &switches("XX")).unwrap_err();
        assert!(matches!(problems[0], PolicyInputError::Headquarters(_)), "{problems:?}");
        assert!(matches!(problems[1], PolicyInputError::Unknown { argument: "disable-rule", .. }), "{problems:?}");
    }
}
