//! Power per site and quarter: the nameplate IT load of the holdings in service against what is
//! built, with data-center builds as needed where the region's lead time and the site's
//! buildable power allow. A build's capex is paid as the planner pays it: evenly during its
//! construction, the lead-time quarters before it comes online (`cost::build_payments`); the
//! committed builds (`[[site.build]]`) pay what is left of theirs inside the horizon.

use super::EvalError;
use super::types::{HoldingEval, SiteQuarter, Violation, ViolationKind};
use fleetplan_core::catalog::{Catalog, Region};
use fleetplan_core::scenario::{Quarter, Scenario, Site};
use fleetplan_models::cost::{Fx, build_capex_usd, build_lead_quarters, build_payments, committed_build_spend};
use std::collections::BTreeMap;

/// IT power shortfalls below this are rounding, MW.
const POWER_TOLERANCE_MW: f64 = 1e-9;

/// Months in a quarter.
const MONTHS_PER_QUARTER: f64 = 3.0;

/// Accelerators and power of every site in every quarter; power that cannot be built in time, or
/// at all, becomes a violation.
pub(super) fn site_quarters(
    scenario: &Scenario,
    catalog: &Catalog,
    holdings: &[HoldingEval],
    horizon: &[Quarter],
    fx: &Fx,
    violations: &mut Vec<Violation>,
) -> Result<Vec<SiteQuarter>, EvalError> {
    let mut out = Vec::new();
    for site in &scenario.sites {
        let region = &catalog[&site.region];
        let first = out.len();
        let mut built_mw = 0.0_f64;
        for (quarter_index, quarter) in horizon.iter().enumerate() {
            let in_service: Vec<&HoldingEval> =
                holdings.iter().filter(|h| h.site == site.id && h.from <= *quarter && *quarter <= h.until).collect();
            let it_mw: f64 = in_service.iter().map(|h| h.cost.it_mw()).sum();
            let mut by_chip: BTreeMap<String, u64> = BTreeMap::new();
            for holding in &in_service {
                *by_chip.entry(holding.chip.clone()).or_default() += holding.accelerators;
            }
            // Committed builds (`[[site.build]]`) are online from their quarter.
            let committed_mw: f64 = site.builds.iter().filter(|b| b.online <= *quarter).map(|b| b.mw).sum();
            let shortfall = PowerShortfall {
                site,
                region,
                quarter: *quarter,
                it_mw,
                built_mw,
                missing_mw: (it_mw - site.available_mw - committed_mw - built_mw).max(0.0),
                months_from_start: MONTHS_PER_QUARTER * quarter_index as f64,
            };
            let mut new_build_mw = 0.0;
            if shortfall.missing_mw > POWER_TOLERANCE_MW {
                new_build_mw = shortfall.missing_mw.min(shortfall.buildable_mw());
                shortfall.flag(violations);
                built_mw += new_build_mw;
            }
            out.push(SiteQuarter {
                site: site.id.clone(),
                region: region.id.clone(),
                quarter: *quarter,
                accelerators: by_chip.values().sum(),
                accelerators_by_chip: by_chip,
                it_mw,
                available_mw: site.available_mw + committed_mw + built_mw,
                built_mw: new_build_mw,
                build_capex: 0.0,
            });
        }
        let lead = build_lead_quarters(region.lead_time_months);
        let built: Vec<f64> = out[first..].iter().map(|s| s.built_mw).collect();
        let cash = build_cash(&built, region, lead, horizon, fx);
        let committed = committed_build_spend(&site.builds, lead, horizon);
        for ((site_quarter, paid), committed) in out[first..].iter_mut().zip(cash).zip(committed) {
            site_quarter.build_capex = paid + committed;
        }
    }
    Ok(out)
}

/// Cash paid for the evaluator's builds in each quarter of the horizon, scenario currency:
/// `built_mw[i]` MW online in quarter i, paid evenly over the `lead` quarters before it
/// ([`build_payments`]). A build that cannot be made in time (flagged) pays the part due before
/// the horizon in its first quarter.
fn build_cash(built_mw: &[f64], region: &Region, lead: usize, horizon: &[Quarter], fx: &Fx) -> Vec<f64> {
    let mut cash = vec![0.0; horizon.len()];
    for (online, mw) in horizon.iter().zip(built_mw).filter(|(_, mw)| **mw > 0.0) {
        let capex = fx.from_usd(build_capex_usd(*mw, region));
        for (paid_in, amount) in build_payments(capex, *online, lead) {
            let index = paid_in.since(horizon[0]).max(0) as usize;
            if let Some(slot) = cash.get_mut(index) {
                *slot += amount;
            }
        }
    }
    cash
}

/// IT load of a site in one quarter beyond the power built so far.
struct PowerShortfall<'a> {
    site: &'a Site,
    region: &'a Region,
    quarter: Quarter,
    /// Nameplate IT load, MW.
    it_mw: f64,
    /// Built during the horizon before this quarter, MW.
    built_mw: f64,
    /// IT load beyond what is built, MW.
    missing_mw: f64,
    /// Months from the start of the horizon to the start of the quarter.
    months_from_start: f64,
}

impl PowerShortfall<'_> {
    /// Power the site may still build, MW.
    fn buildable_mw(&self) -> f64 {
        (self.site.buildable_mw - self.built_mw).max(0.0)
    }

    /// Violations for power that cannot be built in time (the region's lead time) or at all.
    fn flag(&self, violations: &mut Vec<Violation>) {
        let Self { site, region, it_mw, missing_mw: need, months_from_start, .. } = *self;
        let room = self.buildable_mw();
        if months_from_start < region.lead_time_months {
            violations.push(Violation {
                kind: ViolationKind::Power,
                subject: site.id.clone(),
                quarter: Some(self.quarter),
                message: format!(
                    "draws {it_mw:.1} MW of IT load but {:.1} MW is built; {need:.1} MW more cannot be built in time ({} lead time {:.0} months, {:.0} months after the horizon starts)",
                    site.available_mw + self.built_mw,
                    region.id,
                    region.lead_time_months,
                    months_from_start
                ),
                fix: format!(
                    "start building {need:.1} MW before the horizon, lease capacity elsewhere, or move about {:.0} % of this site's accelerators to a site with spare power",
                    100.0 * need / it_mw.max(1e-9)
                ),
            });
        }
        if need > room + POWER_TOLERANCE_MW {
            violations.push(Violation {
                kind: ViolationKind::Power,
                subject: site.id.clone(),
                quarter: Some(self.quarter),
                message: format!(
                    "draws {it_mw:.1} MW of IT load; available {:.1} MW + buildable {:.1} MW falls {:.1} MW short",
                    site.available_mw,
                    site.buildable_mw,
                    need - room
                ),
                fix: format!(
                    "raise buildable_mw at {} by {:.1} MW or move holdings to another site",
                    site.id,
                    need - room
                ),
            });
        }
    }
}
