//! Supply caps: the units of some hardware and mode the fixed fleet adds in a quarter against
//! what the procurement options offering it can deliver.

use super::types::{Violation, ViolationKind};
use fleetplan_core::scenario::{Mode, Quarter, Scenario};
use std::collections::BTreeMap;

/// Flag quarters in which the fixed fleet adds more units of some hardware and mode than the
/// procurement options offering it allow (`max_per_quarter`, summed over the matching options).
/// Holdings no option offers (existing capacity, or hardware bought outside the scenario's
/// options) are not capped.
pub(super) fn supply_caps(scenario: &Scenario, horizon: &[Quarter], violations: &mut Vec<Violation>) {
    // (hardware id, mode, quarter) → units added.
    let mut added: BTreeMap<(String, Mode, Quarter), u64> = BTreeMap::new();
    for h in scenario.fleet.iter().filter(|h| horizon.contains(&h.from)) {
        *added.entry((h.hardware.id().to_string(), h.mode, h.from)).or_default() += h.units;
    }
    for ((hardware, mode, quarter), units) in added {
        let offering: Vec<_> = scenario
            .options
            .iter()
            .filter(|o| o.hardware.id() == hardware && o.mode == mode && o.available_from <= quarter)
            .filter(|o| {
                scenario
                    .fleet
                    .iter()
                    .any(|h| h.hardware.id() == hardware && h.from == quarter && o.sites.contains(&h.site))
            })
            .collect();
        if offering.is_empty() || offering.iter().any(|o| o.max_per_quarter.is_none()) {
            continue;
        }
        let cap: u64 = offering.iter().filter_map(|o| o.max_per_quarter).sum();
        if units > cap {
            let names: Vec<&str> = offering.iter().map(|o| o.name.as_str()).collect();
            violations.push(Violation {
                kind: ViolationKind::Supply,
                subject: hardware.clone(),
                quarter: Some(quarter),
                message: format!(
                    "the fleet adds {units} units of `{hardware}` ({}) in {quarter}, but the options offering it ({}) supply at most {cap} per quarter",
                    mode.as_str(),
                    names.join(", ")
                ),
                fix: format!(
                    "spread the {} extra units over other quarters, or raise max_per_quarter if the supplier can deliver more",
                    units - cap
                ),
            });
        }
    }
}
