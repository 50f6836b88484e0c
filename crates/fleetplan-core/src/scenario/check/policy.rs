//! `[policy]`: the date the rules are judged at and the rules switched on or off.

use super::Checker;
use super::header::Horizon;
use crate::catalog::Catalog;
use crate::policy::PolicyOptions;
use crate::scenario::ScenarioPolicy;
use crate::scenario::file::PolicySection;

/// Check `[policy]`.
pub(super) fn check(
    checker: &mut Checker,
    section: &PolicySection,
    horizon: &Horizon,
    catalog: &Catalog,
) -> ScenarioPolicy {
    let (first_day, last_day) = (horizon.start.first_day(), horizon.end.last_day());
    if let Some(date) = &section.date
        && (**date < first_day || **date > last_day)
    {
        checker.error(
            date.span(),
            "policy.date",
            format!("policy date {} is outside the horizon {}", **date, horizon.label),
            "outside the horizon",
            format!(
                "use a date between {first_day} and {last_day}; to ask \"what if\" about rules, use enabled_rules / disabled_rules"
            ),
        );
    }
    for (field, ids) in [
        ("disabled_rules", &section.disabled_rules),
        ("enabled_rules", &section.enabled_rules),
        ("granted_rules", &section.granted_rules),
    ] {
        for (index, id) in ids.iter().enumerate() {
            if let Err(err) = catalog.rule(id) {
                checker.unknown(id.span(), &format!("policy.{field}[{index}]"), &err);
            }
        }
    }
    for id in &section.enabled_rules {
        if section.disabled_rules.iter().any(|disabled| disabled == id) {
            checker.error(
                id.span(),
                "policy.enabled_rules",
                format!("rule `{}` is both enabled and disabled", id.get()),
                "contradiction",
                "list the rule in one of enabled_rules / disabled_rules".into(),
            );
        }
    }
    ScenarioPolicy {
        date: section.date.as_ref().map(|d| **d),
        options: PolicyOptions {
            disabled_rules: section.disabled_rules.iter().map(|s| s.get().clone()).collect(),
            enabled_rules: section.enabled_rules.iter().map(|s| s.get().clone()).collect(),
            assume_licences_granted: section.assume_licences_granted,
            granted_rules: section.granted_rules.iter().map(|s| s.get().clone()).collect(),
        },
    }
}
