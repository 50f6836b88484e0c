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
    let enabled: Vec<&str> = section.enabled_rules.iter().map(|id| id.get().as_str()).collect();
    let disabled: Vec<&str> = section.disabled_rules.iter().map(|id| id.get().as_str()).collect();
    for (index, conflict) in crate::policy::rule_switch_conflicts(&enabled, &disabled) {
        checker.error(
            section.enabled_rules[index].span(),
            "policy.enabled_rules",
            conflict.to_string(),
            "contradiction",
            conflict.help("enabled_rules", "disabled_rules"),
        );
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
