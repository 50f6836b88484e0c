//! Power facts of the sites: available, buildable and committed MW, build cost, lead time and
//! the capital charge of a build (docs/planner.md, "Data-centre builds").

use super::super::PlanError;
use fleetplan_core::catalog::{AssetClass, Catalog};
use fleetplan_core::scenario::{Quarter, Scenario};
use fleetplan_models::cost::{
    CostError, Fx, build_capex_usd, build_lead_quarters, committed_build_spend, recovered_fraction,
};

/// Power facts of a site.
#[derive(Debug, Clone)]
pub(crate) struct SiteFacts {
    /// IT MW at the start.
    pub available_mw: f64,
    /// IT MW that may be added.
    pub buildable_mw: f64,
    /// Build capex per MW, scenario currency.
    pub build_cost_per_mw: f64,
    /// Lead time of a build, quarters: MW decided in quarter d are online from d + this
    /// (⌈lead_time_months / 3⌉); no build can finish inside the horizon when it is ≥ quarters.
    pub first_build_quarter: usize,
    /// Capital charge per MW of a build decided in each quarter, scenario currency: the build
    /// capex recovered over the quarters it is online inside the horizon (buildings' life).
    pub build_charge_per_mw: Vec<f64>,
    /// IT MW of committed builds (`[[site.build]]`) online in each quarter, cumulative.
    pub committed_mw: Vec<f64>,
    /// Cash paid for committed builds in each quarter, scenario currency.
    pub committed_spend: Vec<f64>,
}

/// Power facts of every site: available and buildable MW, build cost, capital charge and lead
/// time, and the committed builds.
pub(super) fn site_facts(
    scenario: &Scenario,
    catalog: &Catalog,
    fx: &Fx,
    horizon: &[Quarter],
) -> Result<Vec<SiteFacts>, PlanError> {
    let quarters = horizon.len();
    let life_years = catalog.costs.depreciation_years(AssetClass::Buildings).map_err(CostError::from)?;
    let mut sites = Vec::with_capacity(scenario.sites.len());
    for site in &scenario.sites {
        let region = &catalog[&site.region];
        // A build decided in quarter d is online from d + L, L = ⌈lead time / 3 months⌉ (the
        // evaluator's rule: building starts at the start of the horizon at the earliest).
        let lead = build_lead_quarters(region.lead_time_months);
        let build_cost_per_mw = fx.from_usd(build_capex_usd(1.0, region));
        let build_charge_per_mw = (0..quarters)
            .map(|d| {
                let online_quarters = quarters.saturating_sub(d + lead) as f64;
                build_cost_per_mw * recovered_fraction(scenario.discount_rate_per_year, life_years, online_quarters)
            })
            .collect();
        let mut committed_mw = vec![0.0; quarters];
        for build in &site.builds {
            for (i, quarter) in horizon.iter().enumerate() {
                if build.online <= *quarter {
                    committed_mw[i] += build.mw;
                }
            }
        }
        // Capex paid evenly during construction; the part inside the horizon.
        let committed_spend = committed_build_spend(&site.builds, lead, horizon);
        sites.push(SiteFacts {
            available_mw: site.available_mw,
            buildable_mw: site.buildable_mw,
            build_cost_per_mw,
            first_build_quarter: lead,
            build_charge_per_mw,
            committed_mw,
            committed_spend,
        });
    }
    Ok(sites)
}
