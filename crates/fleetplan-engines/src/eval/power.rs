//! Power per site and quarter: the nameplate IT load of the holdings in service against what is
//! built, with data-center builds as needed where the region's lead time and the site's
//! buildable power allow.

use super::EvalError;
use super::types::{HoldingEval, SiteQuarter, Violation, ViolationKind};
use fleetplan_core::catalog::{Catalog, Region};
use fleetplan_core::scenario::{Quarter, Scenario, Site};
use fleetplan_models::cost::{Fx, build_capex_usd};
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
                build_capex: fx.from_usd(build_capex_usd(new_build_mw, region)),
            });
        }
    }
    Ok(out)
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
