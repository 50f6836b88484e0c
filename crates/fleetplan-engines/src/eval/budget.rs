//! Step 4 of an evaluation, money: spend per quarter, category and site against the budget, its
//! per-quarter and per-year caps and its group shares; total cost of ownership per calendar year.

use super::types::{
    GroupSpend, HoldingEval, SiteQuarter, SiteSpend, SpendLine, SpendReport, Violation, ViolationKind, YearTco,
};
use fleetplan_core::format::money;
use fleetplan_core::scenario::{BudgetShare, Mode, Quarter, Scenario};
use fleetplan_models::cost::Fx;
use std::collections::BTreeMap;

/// Relative tolerance of budget comparisons.
const BUDGET_TOLERANCE: f64 = 1e-9;

/// Spend over the horizon by quarter, category, site and budget group; overspending and group
/// shares out of bounds become violations.
pub(super) fn spend(
    scenario: &Scenario,
    holdings: &[HoldingEval],
    sites: &[SiteQuarter],
    horizon: &[Quarter],
    fx: &Fx,
    violations: &mut Vec<Violation>,
) -> SpendReport {
    let mut by_quarter = Vec::new();
    let mut by_site: BTreeMap<String, f64> = BTreeMap::new();
    for quarter in horizon {
        let mut line = SpendLine::new(*quarter);
        for holding in holdings {
            *by_site.entry(holding.site.clone()).or_default() += add_holding_spend(&mut line, holding, fx);
        }
        for site in sites.iter().filter(|s| s.quarter == *quarter) {
            line.buildings += site.build_capex;
            *by_site.entry(site.site.clone()).or_default() += site.build_capex;
        }
        by_quarter.push(line);
    }
    let total: f64 = by_quarter.iter().map(|s| s.total()).sum();
    check_budget(scenario, total, &by_quarter, fx, violations);
    let groups =
        scenario.budget.shares.iter().map(|group| group_spend(group, total, &by_site, fx, violations)).collect();
    SpendReport {
        total,
        budget: scenario.budget.total,
        by_quarter,
        by_site: by_site.into_iter().map(|(site, amount)| SiteSpend { site, amount }).collect(),
        groups,
    }
}

impl super::types::Evaluation {
    /// Spend over the horizon split by site and category, scenario currency: the lines of
    /// `spend.by_quarter` computed per site (capex of purchases, opex while in service, build
    /// capex), summed over the quarters. Charts stack it by category × region; the sites' sums
    /// are `spend.by_site` and the categories' sums `spend.by_category()`.
    pub fn spend_by_site_and_category(&self) -> BTreeMap<String, [(&'static str, f64); 8]> {
        let fx = Fx::new(&self.currency, self.currency_per_usd);
        let mut out: BTreeMap<String, [(&'static str, f64); 8]> = BTreeMap::new();
        let mut add = |site: &str, line: &SpendLine| {
            let zero = SpendLine::new(line.quarter).categories();
            let slot = out.entry(site.to_string()).or_insert(zero);
            for (total, (_, v)) in slot.iter_mut().zip(line.categories()) {
                total.1 += v;
            }
        };
        for quarter in self.spend.by_quarter.iter().map(|l| l.quarter) {
            for holding in &self.holdings {
                let mut line = SpendLine::new(quarter);
                add_holding_spend(&mut line, holding, &fx);
                add(&holding.site, &line);
            }
            for site in self.sites.iter().filter(|s| s.quarter == quarter) {
                let mut line = SpendLine::new(quarter);
                line.buildings = site.build_capex;
                add(&site.site, &line);
            }
        }
        out
    }
}

/// Add what `holding` costs in `line`'s quarter (capex of a purchase that quarter, opex while in
/// service) to the line's categories; returns the amount added.
fn add_holding_spend(line: &mut SpendLine, holding: &HoldingEval, fx: &Fx) -> f64 {
    let quarter = line.quarter;
    let mut added = 0.0;
    if holding.from == quarter && holding.mode == Mode::Buy {
        let capex = &holding.cost.capex_usd;
        line.accelerators += fx.from_usd(capex.accelerators);
        line.servers += fx.from_usd(capex.servers);
        line.network += fx.from_usd(capex.network);
        line.storage += fx.from_usd(capex.storage);
        added += fx.from_usd(capex.total());
    }
    if holding.from <= quarter && quarter <= holding.until {
        let electricity = fx.from_usd(holding.cost.electricity_usd_per_year / 4.0);
        let maintenance = fx.from_usd(holding.cost.maintenance_usd_per_year / 4.0);
        let leases = fx.from_usd(holding.cost.lease_usd_per_year / 4.0);
        line.electricity += electricity;
        line.maintenance += maintenance;
        line.leases += leases;
        added += electricity + maintenance + leases;
    }
    added
}

/// Violations of the budget total and of its per-quarter caps.
fn check_budget(scenario: &Scenario, total: f64, by_quarter: &[SpendLine], fx: &Fx, violations: &mut Vec<Violation>) {
    let budget = scenario.budget.total;
    if total > budget * (1.0 + BUDGET_TOLERANCE) {
        violations.push(Violation {
            kind: ViolationKind::Budget,
            subject: "budget.total".into(),
            quarter: None,
            message: format!(
                "spends {:.3e} {} against a budget of {:.3e} ({:.1} %)",
                total,
                fx.currency,
                budget,
                100.0 * total / budget
            ),
            fix: format!("cut {:.3e} {} of holdings or leases, or raise budget.total", total - budget, fx.currency),
        });
    }
    check_years(scenario, by_quarter, fx, violations);
    let Some(caps) = &scenario.budget.per_quarter else { return };
    for (line, cap) in by_quarter.iter().zip(caps) {
        if line.total() > cap * (1.0 + BUDGET_TOLERANCE) {
            violations.push(Violation {
                kind: ViolationKind::Budget,
                subject: "budget.per_quarter".into(),
                quarter: Some(line.quarter),
                message: format!("spends {:.3e} {} against a cap of {:.3e}", line.total(), fx.currency, cap),
                fix: "move purchases to a later quarter or raise the quarter's cap".into(),
            });
        }
    }
}

/// Cash spend per calendar year (year → scenario currency) of the quarters in `by_quarter`.
pub(super) fn by_year(by_quarter: &[SpendLine]) -> BTreeMap<String, f64> {
    let mut years = BTreeMap::new();
    for line in by_quarter {
        *years.entry(line.quarter.year.to_string()).or_insert(0.0) += line.total();
    }
    years
}

/// Violations of the per-year caps (`[budget] per_year`): a year whose cash spend exceeds its cap.
fn check_years(scenario: &Scenario, by_quarter: &[SpendLine], fx: &Fx, violations: &mut Vec<Violation>) {
    for (year, cap) in &scenario.budget.per_year {
        let spent: f64 = by_quarter.iter().filter(|line| line.quarter.year == *year).map(SpendLine::total).sum();
        if spent > cap * (1.0 + BUDGET_TOLERANCE) {
            violations.push(Violation {
                kind: ViolationKind::Budget,
                subject: format!("budget.per_year.{year}"),
                quarter: None,
                message: format!(
                    "spends {} in {year} against its cap of {}{}",
                    money(spent, &fx.currency),
                    money(*cap, &fx.currency),
                    if *cap > 0.0 { format!(" ({:.1} %)", 100.0 * spent / cap) } else { String::new() }
                ),
                fix: format!(
                    "move {} of {year}'s purchases to another year (or lease instead of buying), or raise budget.per_year.{year}",
                    money(spent - cap, &fx.currency)
                ),
            });
        }
    }
}

/// Spend of one budget group against its bounds; a share out of bounds becomes a violation.
fn group_spend(
    group: &BudgetShare,
    total: f64,
    by_site: &BTreeMap<String, f64>,
    fx: &Fx,
    violations: &mut Vec<Violation>,
) -> GroupSpend {
    let amount: f64 = group.sites.iter().filter_map(|s| by_site.get(s.as_str())).sum();
    let share = if total > 0.0 { amount / total } else { 0.0 };
    let ok = share >= group.min - BUDGET_TOLERANCE && share <= group.max + BUDGET_TOLERANCE;
    if !ok {
        let (shift, direction) = if share < group.min {
            ((group.min * total - amount).max(0.0), "to")
        } else {
            ((amount - group.max * total).max(0.0), "away from")
        };
        violations.push(Violation {
            kind: ViolationKind::BudgetShare,
            subject: format!("budget.share `{}`", group.group),
            quarter: None,
            message: format!(
                "group `{}` takes {:.1} % of spend, outside {:.0}–{:.0} %",
                group.group,
                share * 100.0,
                group.min * 100.0,
                group.max * 100.0
            ),
            fix: format!(
                "shift about {shift:.3e} {} of spend {direction} sites {}",
                fx.currency,
                group.sites.iter().map(|site| site.as_str()).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    GroupSpend { group: group.group.clone(), amount, share, min: group.min, max: group.max, target: group.target, ok }
}

/// Total cost of ownership and carbon per calendar year of the horizon.
pub(super) fn yearly_tco(
    holdings: &[HoldingEval],
    sites: &[SiteQuarter],
    horizon: &[Quarter],
    fx: &Fx,
) -> Vec<YearTco> {
    let mut years: BTreeMap<i32, YearTco> = BTreeMap::new();
    for quarter in horizon {
        let year = years.entry(quarter.year).or_insert_with(|| YearTco { year: quarter.year, ..YearTco::default() });
        for holding in holdings.iter().filter(|h| h.from <= *quarter && *quarter <= h.until) {
            let cost = &holding.cost;
            year.depreciation += fx.from_usd(cost.depreciation_usd_per_year.total() / 4.0);
            year.electricity += fx.from_usd(cost.electricity_usd_per_year / 4.0);
            year.maintenance += fx.from_usd(cost.maintenance_usd_per_year / 4.0);
            year.leases += fx.from_usd(cost.lease_usd_per_year / 4.0);
            year.energy_mwh += cost.energy_mwh_per_year / 4.0;
            year.tco2 += cost.tco2_per_year / 4.0;
        }
        year.build_capex += sites.iter().filter(|s| s.quarter == *quarter).map(|s| s.build_capex).sum::<f64>();
        year.quarters += 1;
    }
    years.into_values().collect()
}
