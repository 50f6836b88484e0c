//! Explanations as structured values ([`super::notes`]): binding constraints, their marginal
//! values from LP re-solves (training placement fixed), the smallest relaxation of an
//! infeasible scenario (elastic model), and repairs prompted by the evaluator.

use super::PlanError;
use super::data::Data;
use super::model::{self, Knobs, Slack, Solved, SolverSettings};
use super::notes::{Binding, Gain, Marginal, QuarterSpan, Relax, Relaxation, Repair, ShareBound, ShortfallCause};
use crate::eval::{Evaluation, ViolationKind};
use fleetplan_core::scenario::{BudgetShare, Mode, ObjectiveKind, Scenario};

/// Most marginal-value re-solves per plan.
const MAX_MARGINALS: usize = 8;

/// A "nice" step near 1 % of `x`: 1, 2 or 5 × 10^k.
fn nice_step(x: f64) -> f64 {
    let target = (x * 0.01).max(1.0);
    let p = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|v| *v >= target * 0.999).unwrap_or(p * 10.0)
}

/// Quarter indices in which a site draws all its power (available + built so far).
fn power_binding_quarters(data: &Data, solved: &Solved, site_index: usize) -> Vec<usize> {
    let site = &data.sites[site_index];
    let mut built = 0.0;
    let mut out = Vec::new();
    for q in 0..data.quarters {
        built += solved.build[site_index][q];
        let cap = solved.available_mw[site_index] + site.committed_mw[q] + built;
        let drawn = solved.it_mw[site_index][q];
        if drawn > 1e-6 && drawn >= cap - 1e-4 * cap.max(1.0) {
            out.push(q);
        }
    }
    out
}

/// Quarter indices whose spend reaches the cap (to 0.1 %).
fn quarters_at_cap(caps: &[f64], solved: &Solved, quarters: usize) -> Vec<(usize, f64)> {
    caps.iter()
        .copied()
        .enumerate()
        .take(quarters)
        .filter(|(q, cap)| solved.spend_by_quarter[*q] >= cap * 0.999)
        .collect()
}

/// The bound of a share group the solution sits on (the minimum checked first), if any.
fn share_at_bound(group: &BudgetShare, solved: &Solved, group_index: usize) -> Option<ShareBound> {
    let share = if solved.spend_total > 0.0 { solved.spend_by_group[group_index] / solved.spend_total } else { 0.0 };
    if group.min > 0.0 && share <= group.min + 1e-4 {
        Some(ShareBound::Min)
    } else if group.max < 1.0 && share >= group.max - 1e-4 {
        Some(ShareBound::Max)
    } else {
        None
    }
}

/// The span from the first to the last of some (non-empty) quarter indices.
fn quarter_span(data: &Data, quarters: &[usize]) -> QuarterSpan {
    QuarterSpan { first: data.horizon[quarters[0]], last: data.horizon[quarters[quarters.len() - 1]] }
}

/// Binding constraints of a solution (no re-solves).
pub(crate) fn binding(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<Binding> {
    let currency = &scenario.currency;
    let mut out = Vec::new();
    let budget = scenario.budget.total;
    if solved.spend_total >= budget * 0.999 {
        out.push(Binding::BudgetSpent { spend: solved.spend_total, budget, currency: currency.clone() });
    }
    if let Some(caps) = &scenario.budget.per_quarter {
        for (q, cap) in quarters_at_cap(caps, solved, data.quarters) {
            out.push(Binding::QuarterCapReached { quarter: data.horizon[q], cap, currency: currency.clone() });
        }
    }
    for (year, cap) in &scenario.budget.per_year {
        let spent: f64 =
            data.horizon.iter().zip(&solved.spend_by_quarter).filter(|(q, _)| q.year == *year).map(|(_, s)| s).sum();
        if *cap > 0.0 && spent >= cap * 0.999 {
            out.push(Binding::YearCapReached { year: *year, cap: *cap, currency: currency.clone() });
        }
    }
    share_bindings(scenario, solved, &mut out);
    power_bindings(scenario, data, solved, &mut out);
    supply_bindings(scenario, data, solved, &mut out);
    let mut seen = Vec::new();
    for line in &data.lines {
        if let Some((from, verdict, rule)) = line.blocked.first() {
            let key = (line.option, line.site);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            // Blocked to the horizon's end, or only until the line can be used again.
            let last = line.blocked.last().map_or(*from, |(q, _, _)| *q);
            let until = line.usable.iter().rposition(|usable| *usable).and_then(|index| {
                let usable_from = data.horizon[index];
                (usable_from > last).then_some(last)
            });
            let options = &scenario.policy.options;
            out.push(Binding::ExportBlocked {
                option: scenario.options[line.option].name.clone(),
                site: scenario.sites[line.site].id.clone(),
                from: *from,
                until,
                verdict: *verdict,
                rule: rule.clone(),
                licences_assumed: options.assume_licences_granted || options.granted_rules.contains(rule),
            });
        }
    }
    for (run_index, reason) in &data.runs_impossible {
        out.push(Binding::TrainingImpossible {
            run: scenario.workloads[*run_index].id.clone(),
            reason: reason.clone(),
        });
    }
    out
}

/// Share groups at a bound (minimum or maximum share of spend) and share targets, met or
/// missed.
fn share_bindings(scenario: &Scenario, solved: &Solved, out: &mut Vec<Binding>) {
    let currency = &scenario.currency;
    let budget = scenario.budget.total;
    for (group_index, group) in scenario.budget.shares.iter().enumerate() {
        if let Some(bound) = share_at_bound(group, solved, group_index) {
            let share = match bound {
                ShareBound::Min => group.min,
                ShareBound::Max => group.max,
            };
            out.push(Binding::GroupShare { group: group.group.clone(), bound, share });
        }
        if let Some(target) = group.target {
            let share =
                if solved.spend_total > 0.0 { solved.spend_by_group[group_index] / solved.spend_total } else { 0.0 };
            let gap_points = 100.0 * (solved.spend_by_group[group_index] - target * solved.spend_total).abs() / budget;
            if (share - target).abs() <= 0.005 {
                out.push(Binding::ShareTargetMet { group: group.group.clone(), target });
            } else {
                out.push(Binding::ShareTargetMissed {
                    group: group.group.clone(),
                    share,
                    target,
                    penalty: gap_points * group.penalty_per_point,
                    currency: currency.clone(),
                });
            }
        }
    }
}

/// Sites that use all their power, and sites whose lead time ends after the horizon.
fn power_bindings(scenario: &Scenario, data: &Data, solved: &Solved, out: &mut Vec<Binding>) {
    for (site_index, site) in data.sites.iter().enumerate() {
        let site_id = &scenario.sites[site_index].id;
        let quarters = power_binding_quarters(data, solved, site_index);
        if !quarters.is_empty() {
            let built_mw: f64 = solved.build[site_index].iter().sum();
            out.push(Binding::SitePowerUsed {
                site: site_id.clone(),
                quarters: quarter_span(data, &quarters),
                available_mw: site.available_mw + built_mw,
                built_mw,
            });
        }
        if site.buildable_mw > 0.0 && site.first_build_quarter >= data.quarters {
            out.push(Binding::SiteCannotBuild { site: site_id.clone(), lead_time_quarters: site.first_build_quarter });
        }
    }
}

/// Options whose supply cap is reached in some quarters.
fn supply_bindings(scenario: &Scenario, data: &Data, solved: &Solved, out: &mut Vec<Binding>) {
    for (option_index, cap) in data.caps.iter().enumerate() {
        let Some(cap) = cap else { continue };
        let mut quarters = Vec::new();
        for q in 0..data.quarters {
            let mut added = 0.0;
            for (line_index, line) in data.lines.iter().enumerate().filter(|(_, l)| l.option == option_index) {
                added += match line.mode {
                    Mode::Buy => solved.buy[line_index][q],
                    Mode::Lease => {
                        let before = if q > 0 { solved.lease[line_index][q - 1] } else { 0.0 };
                        (solved.lease[line_index][q] - before).max(0.0)
                    }
                };
            }
            if added >= cap * 0.999 && *cap > 0.0 {
                quarters.push(q);
            }
        }
        if !quarters.is_empty() {
            out.push(Binding::SupplyAtCap {
                option: scenario.options[option_index].name.clone(),
                cap: *cap,
                quarters: quarter_span(data, &quarters),
            });
        }
    }
}

/// Marginal values of binding constraints from LP re-solves with the training placement
/// fixed. Returns the marginals and the number of solves made.
pub(crate) fn marginals(
    scenario: &Scenario,
    data: &Data,
    solved: &Solved,
    knobs: &Knobs,
    settings: SolverSettings,
) -> Result<(Vec<Marginal>, usize), PlanError> {
    let mut lp = knobs.clone();
    lp.fixed_train = Some(solved.train.iter().map(|y| if *y > 0.5 { 1.0 } else { 0.0 }).collect());
    let mut solves = 1;
    let Ok(base) = model::solve(scenario, data, &lp, settings) else { return Ok((Vec::new(), solves)) };
    let mut out = Vec::new();
    for (relax, relaxed_knobs) in relaxations_to_try(scenario, data, &base, &lp).into_iter().take(MAX_MARGINALS) {
        solves += 1;
        if let Ok(relaxed) = model::solve(scenario, data, &relaxed_knobs, settings) {
            out.push(Marginal { relax, gain: gain(scenario, data, knobs, &base, &relaxed) });
        }
    }
    Ok((out, solves))
}

/// Small relaxations of the constraints binding in `base`, each with the knobs that make it.
fn relaxations_to_try(scenario: &Scenario, data: &Data, base: &Solved, lp: &Knobs) -> Vec<(Relax, Knobs)> {
    let currency = &scenario.currency;
    let mut tries: Vec<(Relax, Knobs)> = Vec::new();
    for site_index in 0..data.sites.len() {
        if !power_binding_quarters(data, base, site_index).is_empty() {
            let mut relaxed = lp.clone();
            relaxed.extra_mw[site_index] += 1.0;
            tries.push((Relax::OneMoreMw { site: scenario.sites[site_index].id.clone() }, relaxed));
        }
    }
    if base.spend_total >= lp.budget_total * 0.999 {
        let step = nice_step(scenario.budget.total);
        let mut relaxed = lp.clone();
        relaxed.budget_total += step;
        if let Some(per_quarter) = &mut relaxed.per_quarter {
            // Spread over the quarter caps so the extra money can be spent.
            for cap in per_quarter.iter_mut() {
                *cap += step / data.quarters as f64;
            }
        }
        tries.push((Relax::MoreBudget { amount: step, currency: currency.clone() }, relaxed));
    }
    if let Some(caps) = &lp.per_quarter {
        for (q, cap) in quarters_at_cap(caps, base, data.quarters) {
            let step = nice_step(cap);
            let mut relaxed = lp.clone();
            if let Some(per_quarter) = &mut relaxed.per_quarter {
                per_quarter[q] += step;
            }
            let relax = Relax::MoreQuarterCap { amount: step, quarter: data.horizon[q], currency: currency.clone() };
            tries.push((relax, relaxed));
        }
    }
    let bindings = binding(scenario, data, base);
    for (option_index, cap) in data.caps.iter().enumerate() {
        let name = &scenario.options[option_index].name;
        if cap.is_some() && bindings.iter().any(|b| matches!(b, Binding::SupplyAtCap { option, .. } if option == name))
        {
            let mut relaxed = lp.clone();
            relaxed.cap_scale[option_index] *= 1.1;
            tries.push((Relax::MoreSupply { option: name.clone() }, relaxed));
        }
    }
    for (group_index, group) in scenario.budget.shares.iter().enumerate() {
        if share_at_bound(group, base, group_index).is_some() {
            let mut relaxed = lp.clone();
            relaxed.share_relax[group_index] += 0.01;
            tries.push((Relax::LooserShares { group: group.group.clone() }, relaxed));
        }
    }
    tries
}

/// What `relaxed` gains over `base` under the objective of `knobs`.
fn gain(scenario: &Scenario, data: &Data, knobs: &Knobs, base: &Solved, relaxed: &Solved) -> Gain {
    match knobs.objective {
        // Under max-margin the objective is cost − revenue: a lower one is a higher margin.
        ObjectiveKind::MinTco | ObjectiveKind::MaxMargin => {
            let money_unit = knobs.budget_total / 1000.0;
            let (base_cost, relaxed_cost) = (base.objective * money_unit, relaxed.objective * money_unit);
            let saving = base_cost - relaxed_cost;
            if saving.abs() < 1e-6 * base_cost.abs().max(1.0) {
                Gain::NoSaving
            } else {
                let years = data.quarters as f64 / 4.0;
                Gain::Saving {
                    horizon: saving,
                    per_year: saving / years.max(0.25),
                    currency: scenario.currency.clone(),
                }
            }
        }
        ObjectiveKind::MaxServed => Gain::MoreServed {
            points: (relaxed.coverage - base.coverage) * 100.0,
            top: top_gain(scenario, data, base, relaxed),
        },
        ObjectiveKind::MaxTraining => Gain::MoreTraining { flop: relaxed.training_flop - base.training_flop },
    }
}

/// The workload with the largest gain in served peak share between two solutions, in points.
fn top_gain(scenario: &Scenario, data: &Data, before: &Solved, after: &Solved) -> Option<(String, f64)> {
    let mut best: Option<(String, f64)> = None;
    for (workload_index, workload) in scenario.workloads.iter().enumerate() {
        let mut peak = 0.0;
        let mut served_before = 0.0;
        let mut served_after = 0.0;
        for (di, zone) in data.demands.iter().enumerate().filter(|(_, d)| d.workload == workload_index) {
            for q in 0..data.quarters {
                peak += zone.peak[q];
                served_before += zone.peak[q] * before.served[di][q];
                served_after += zone.peak[q] * after.served[di][q];
            }
        }
        if peak <= 0.0 {
            continue;
        }
        let points = (served_after - served_before) / peak * 100.0;
        if points > 1e-3 && best.as_ref().is_none_or(|x| points > x.1) {
            best = Some((workload.id.clone(), points));
        }
    }
    best
}

/// The smallest relaxation that makes an infeasible scenario feasible, from the elastic model.
pub(crate) fn relaxation(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<Relaxation> {
    // Demand shortfalls: one line per zone, over the quarters short (worst quarter quoted).
    let mut short: Vec<(usize, Vec<usize>, f64)> = Vec::new();
    for slack in &solved.slacks {
        if let Slack::Demand(zone, q, amount) = slack {
            match short.iter_mut().find(|e| e.0 == *zone) {
                Some(e) => {
                    e.1.push(*q);
                    e.2 = e.2.max(*amount);
                }
                None => short.push((*zone, vec![*q], *amount)),
            }
        }
    }
    let mut out: Vec<Relaxation> = solved
        .slacks
        .iter()
        .filter(|x| !matches!(x, Slack::Demand(..)))
        .map(|slack| slack_relaxation(scenario, data, slack))
        .collect();
    out.extend(short.iter().map(|(zone, quarters, amount)| demand_shortfall(scenario, data, *zone, quarters, *amount)));
    // Merge repeated lines: keep the first of each run of identical sentences.
    out.dedup_by(|a, b| a.to_string() == b.to_string());
    if out.is_empty() {
        out.push(Relaxation::NoneFound);
    }
    out
}

/// The relaxation one (non-demand) slack of the elastic model stands for.
fn slack_relaxation(scenario: &Scenario, data: &Data, slack: &Slack) -> Relaxation {
    let currency = scenario.currency.clone();
    let group_share = |group_index: usize, bound: ShareBound, amount: f64| {
        let group = &scenario.budget.shares[group_index];
        let share = match bound {
            ShareBound::Min => group.min,
            ShareBound::Max => group.max,
        };
        Relaxation::GroupShare { group: group.group.clone(), bound, amount, share, currency: currency.clone() }
    };
    match slack {
        Slack::Budget(by) => {
            Relaxation::RaiseBudget { by: *by, to: scenario.budget.total + by, currency: currency.clone() }
        }
        Slack::QuarterBudget(q, by) => {
            Relaxation::RaiseQuarterCap { quarter: data.horizon[*q], by: *by, currency: currency.clone() }
        }
        Slack::YearBudget(year, by) => Relaxation::RaiseYearCap { year: *year, by: *by, currency: currency.clone() },
        Slack::ShareMin(g, amount) => group_share(*g, ShareBound::Min, *amount),
        Slack::ShareMax(g, amount) => group_share(*g, ShareBound::Max, *amount),
        Slack::Power(site_index, more) => {
            let site = &data.sites[*site_index];
            Relaxation::MorePower {
                site: scenario.sites[*site_index].id.clone(),
                mw: *more,
                available_mw: site.available_mw,
                buildable_mw: site.buildable_mw,
                lead_time_beyond_horizon: (site.first_build_quarter >= data.quarters)
                    .then_some(site.first_build_quarter),
            }
        }
        Slack::Supply(option_index, q, accelerators) => Relaxation::MoreSupply {
            option: scenario.options[*option_index].name.clone(),
            accelerators: *accelerators,
            quarter: data.horizon[*q],
        },
        Slack::Demand(zone, q, shortfall) => demand_shortfall(scenario, data, *zone, &[*q], *shortfall),
        Slack::Training(run_index) => Relaxation::TrainingUnplaced { run: scenario.workloads[*run_index].id.clone() },
    }
}

/// A zone demand served short over some quarters (largest shortfall quoted).
fn demand_shortfall(
    scenario: &Scenario,
    data: &Data,
    zone_index: usize,
    quarters: &[usize],
    shortfall: f64,
) -> Relaxation {
    let zone = &data.demands[zone_index];
    let misses: Vec<String> =
        data.slo_misses.iter().filter(|((w, _), _)| *w == zone.workload).map(|(_, why)| why.clone()).collect();
    let has_rate = data.rates.keys().any(|(w, _)| *w == zone.workload);
    let cause = if !has_rate && !misses.is_empty() {
        ShortfallCause::NoChipMeetsSlo { misses }
    } else {
        ShortfallCause::NotEnoughCapacity
    };
    Relaxation::DemandShort {
        workload: scenario.workloads[zone.workload].id.clone(),
        regions: zone.regions.clone(),
        shortfall,
        quarters: quarter_span(data, quarters),
        cause,
    }
}

/// Adjust the knobs where the evaluator finds the rounded plan in violation. Returns what was
/// changed (empty: nothing to repair).
pub(crate) fn repair(
    scenario: &Scenario,
    data: &Data,
    solved: &Solved,
    evaluation: &Evaluation,
    knobs: &mut Knobs,
) -> Vec<Repair> {
    let mut repairs = Repairs { scenario, data, solved, evaluation, knobs, fixes: Vec::new() };
    repairs.budget();
    repairs.power();
    repairs.shares();
    repairs.demand();
    repairs.fixes
}

/// One repair pass: the findings it reads, the knobs it tightens and what it changed.
struct Repairs<'a> {
    /// The scenario.
    scenario: &'a Scenario,
    /// Its problem data.
    data: &'a Data,
    /// The solution that was rounded.
    solved: &'a Solved,
    /// The evaluator's verdict on the rounded plan.
    evaluation: &'a Evaluation,
    /// Knobs of the next solve.
    knobs: &'a mut Knobs,
    /// Changes made so far.
    fixes: Vec<Repair>,
}

impl Repairs<'_> {
    /// Cut the budget total and the quarter and year caps the rounded plan exceeds.
    fn budget(&mut self) {
        let currency = &self.scenario.currency;
        let budget = self.scenario.budget.total;
        let spend = &self.evaluation.spend;
        if spend.total > budget * (1.0 + 1e-9) {
            let cut = (spend.total - budget) * 1.02 + budget * 1e-6;
            self.knobs.budget_total -= cut;
            self.fixes.push(Repair::OverBudget { priced: spend.total, cut, currency: currency.clone() });
        }
        if let (Some(caps), Some(knob_caps)) = (&self.scenario.budget.per_quarter, &mut self.knobs.per_quarter) {
            for (q, line) in spend.by_quarter.iter().enumerate() {
                if q < caps.len() && line.total() > caps[q] * (1.0 + 1e-9) {
                    let cut = (line.total() - caps[q]) * 1.02 + caps[q] * 1e-6;
                    knob_caps[q] -= cut;
                    self.fixes.push(Repair::QuarterOverCap { quarter: line.quarter, cut, currency: currency.clone() });
                }
            }
        }
        for (year, cap) in self.knobs.per_year.iter_mut() {
            let stated = self.scenario.budget.per_year.get(year).copied().unwrap_or(*cap);
            let Some(spent) = self.evaluation.spend_by_year.get(&year.to_string()) else { continue };
            if *spent > stated * (1.0 + 1e-9) {
                let cut = (spent - stated) * 1.02 + stated * 1e-6;
                *cap -= cut;
                self.fixes.push(Repair::YearOverCap { year: *year, cut, currency: currency.clone() });
            }
        }
    }

    /// Cut the power of sites the rounded plan overdraws.
    fn power(&mut self) {
        for (site_index, site) in self.scenario.sites.iter().enumerate() {
            if !self.evaluation.violations.iter().any(|v| v.kind == ViolationKind::Power && v.subject == site.id) {
                continue;
            }
            let mut excess: f64 = 0.0;
            for (q, site_quarter) in self.evaluation.sites.iter().filter(|x| x.site == site.id).enumerate() {
                if q < self.data.quarters {
                    excess = excess.max(site_quarter.it_mw - self.solved.it_mw[site_index][q]);
                }
            }
            let cut = excess.max(0.0) * 1.05 + 0.01;
            self.knobs.extra_mw[site_index] -= cut;
            self.fixes.push(Repair::SitePower { site: site.id.clone(), cut_mw: cut });
        }
    }

    /// Tighten the bounds of share groups the rounded plan leaves.
    fn shares(&mut self) {
        for (group_index, group) in self.evaluation.spend.groups.iter().enumerate() {
            if !group.ok && group_index < self.knobs.share_relax.len() {
                let off = if group.share < group.min { group.min - group.share } else { group.share - group.max };
                self.knobs.share_relax[group_index] -= off + 0.001;
                self.fixes.push(Repair::GroupShares { group: group.group.clone(), points: (off + 0.001) * 100.0 });
            }
        }
    }

    /// Raise the demand of workloads the evaluator serves less of than the model assigns.
    fn demand(&mut self) {
        let data = self.data;
        let mut inflated: Vec<(String, f64)> = Vec::new();
        for workload_quarter in &self.evaluation.workloads {
            if workload_quarter.coverage_peak >= 0.999 {
                continue;
            }
            let Some(q) = data.horizon.iter().position(|h| *h == workload_quarter.quarter) else { continue };
            let Some(wi) = self.scenario.workloads.iter().position(|w| w.id == workload_quarter.workload) else {
                continue;
            };
            // Only where the model served all demand of the quarter: demand the model leaves
            // unserved still claims chips in the evaluator's proportional split, and inflating
            // served demand cannot fix that.
            if (0..data.demands.len()).any(|d| self.solved.served[d][q] < 0.999) {
                continue;
            }
            let zones: Vec<usize> = (0..data.demands.len()).filter(|d| data.demands[*d].workload == wi).collect();
            let factor = (1.0 / workload_quarter.coverage_peak.max(0.5)) * 1.002;
            for d in zones {
                self.knobs.demand_scale[d][q] = (self.knobs.demand_scale[d][q] * factor).min(4.0);
            }
            match inflated.iter_mut().find(|x| x.0 == workload_quarter.workload) {
                Some(x) => x.1 = x.1.max(factor),
                None => inflated.push((workload_quarter.workload.clone(), factor)),
            }
        }
        if !inflated.is_empty() {
            self.fixes.push(Repair::DemandRaised { workloads: inflated });
        }
    }
}
