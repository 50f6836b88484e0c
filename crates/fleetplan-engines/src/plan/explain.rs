//! Explanations in plain words: binding constraints, their marginal values from LP re-solves
//! (training placement fixed), the smallest relaxation of an infeasible scenario (elastic
//! model), and repairs prompted by the evaluator.

use super::PlanError;
use super::data::Data;
use super::model::{self, Knobs, Slack, Solved, SolverSettings};
use crate::eval::{Evaluation, ViolationKind};
use fleetplan_core::format::{money, mw};
use fleetplan_core::scenario::{Mode, ObjectiveKind, Scenario};

/// Most marginal-value re-solves per plan.
const MAX_MARGINALS: usize = 8;

/// A "nice" step near 1 % of `x`: 1, 2 or 5 × 10^k.
fn nice_step(x: f64) -> f64 {
    let target = (x * 0.01).max(1.0);
    let p = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|v| *v >= target * 0.999).unwrap_or(p * 10.0)
}

fn is_power_binding(data: &Data, s: &Solved, si: usize) -> Vec<usize> {
    let site = &data.sites[si];
    let mut built = 0.0;
    let mut out = Vec::new();
    for q in 0..data.quarters {
        built += s.build[si][q];
        let cap = site.available_mw + built;
        if s.it_mw[si][q] > 1e-6 && s.it_mw[si][q] >= cap - 1e-4 * cap.max(1.0) {
            out.push(q);
        }
    }
    out
}

fn quarters_text(data: &Data, qs: &[usize]) -> String {
    match (qs.first(), qs.last()) {
        (Some(a), Some(b)) if a == b => data.horizon[*a].to_string(),
        (Some(a), Some(b)) => format!("{}–{}", data.horizon[*a], data.horizon[*b]),
        _ => String::new(),
    }
}

/// Binding constraints of a solution, in words (no re-solves).
pub(crate) fn binding(scenario: &Scenario, data: &Data, s: &Solved) -> Vec<String> {
    let cur = &scenario.currency;
    let mut out = Vec::new();
    let b = scenario.budget.total;
    if s.spend_total >= b * 0.999 {
        out.push(format!("The budget is spent: {} of {}.", money(s.spend_total, cur), money(b, cur)));
    }
    if let Some(caps) = &scenario.budget.per_quarter {
        for (q, cap) in caps.iter().enumerate().take(data.quarters) {
            if s.spend_by_quarter[q] >= cap * 0.999 {
                out.push(format!("The {} budget cap of {} is reached.", data.horizon[q], money(*cap, cur)));
            }
        }
    }
    for (gi, g) in scenario.budget.shares.iter().enumerate() {
        let share = if s.spend_total > 0.0 { s.spend_by_group[gi] / s.spend_total } else { 0.0 };
        if g.min > 0.0 && share <= g.min + 1e-4 {
            out.push(format!("Group `{}` is at its minimum share of spend ({:.0} %).", g.group, g.min * 100.0));
        } else if g.max < 1.0 && share >= g.max - 1e-4 {
            out.push(format!("Group `{}` is at its maximum share of spend ({:.0} %).", g.group, g.max * 100.0));
        }
    }
    for (si, site) in data.sites.iter().enumerate() {
        let qs = is_power_binding(data, s, si);
        if !qs.is_empty() {
            let built: f64 = s.build[si].iter().sum();
            out.push(format!(
                "Site `{}` uses all its power in {} ({} MW available{}).",
                scenario.sites[si].id,
                quarters_text(data, &qs),
                mw(site.available_mw + built),
                if built > 0.0 { format!(", {} MW of it built in the horizon", mw(built)) } else { String::new() }
            ));
        }
        if site.buildable_mw > 0.0 && site.first_build_quarter >= data.quarters {
            out.push(format!(
                "Site `{}` cannot build new power within the horizon (lead time {} quarters).",
                scenario.sites[si].id, site.first_build_quarter
            ));
        }
    }
    for (oi, cap) in data.caps.iter().enumerate() {
        let Some(cap) = cap else { continue };
        let mut qs = Vec::new();
        for q in 0..data.quarters {
            let mut added = 0.0;
            for (li, l) in data.lines.iter().enumerate().filter(|(_, l)| l.option == oi) {
                added += match l.mode {
                    Mode::Buy => s.buy[li][q],
                    Mode::Lease => (s.lease[li][q] - if q > 0 { s.lease[li][q - 1] } else { 0.0 }).max(0.0),
                };
            }
            if added >= cap * 0.999 && *cap > 0.0 {
                qs.push(q);
            }
        }
        if !qs.is_empty() {
            out.push(format!(
                "Supply of `{}` is at its cap ({:.0} accelerators per quarter) in {}.",
                scenario.options[oi].name,
                cap,
                quarters_text(data, &qs)
            ));
        }
    }
    let mut seen = Vec::new();
    for l in &data.lines {
        if let Some((q, kind, rule)) = l.blocked.first() {
            let key = (l.option, l.site);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            out.push(format!(
                "`{}` at `{}` is not used from {q}: {kind} under rule `{rule}`{}.",
                scenario.options[l.option].name,
                scenario.sites[l.site].id,
                if scenario.policy.options.assume_licences_granted { "" } else { " (licences are not assumed)" }
            ));
        }
    }
    for (wi, reason) in &data.runs_impossible {
        out.push(format!("Training run `{}`: {reason}.", scenario.workloads[*wi].id));
    }
    out
}

/// Marginal values of binding constraints from LP re-solves with the training placement
/// fixed. Returns the sentences and the number of solves made.
pub(crate) fn marginals(
    scenario: &Scenario,
    data: &Data,
    s: &Solved,
    knobs: &Knobs,
    settings: SolverSettings,
) -> Result<(Vec<String>, usize), PlanError> {
    let cur = &scenario.currency;
    let mut lp = knobs.clone();
    lp.fixed_train = Some(s.train.iter().map(|y| if *y > 0.5 { 1.0 } else { 0.0 }).collect());
    let mut solves = 1;
    let Ok(base) = model::solve(scenario, data, &lp, settings) else { return Ok((Vec::new(), solves)) };
    let money_unit = knobs.budget_total / 1000.0;
    let years = data.quarters as f64 / 4.0;
    let value = |x: &Solved| -> f64 {
        match knobs.objective {
            ObjectiveKind::MinTco => x.objective * money_unit,
            ObjectiveKind::MaxServed => x.coverage,
            ObjectiveKind::MaxTraining => x.training_flop,
        }
    };
    let describe = |what: &str, x: &Solved| -> String {
        match knobs.objective {
            ObjectiveKind::MinTco => {
                let saving = value(&base) - value(x);
                if saving.abs() < 1e-6 * value(&base).abs().max(1.0) {
                    format!("{what} would not lower the cost.")
                } else {
                    format!(
                        "{what} would save {} over the horizon ({} per year).",
                        money(saving, cur),
                        money(saving / years.max(0.25), cur)
                    )
                }
            }
            ObjectiveKind::MaxServed => {
                let gain = (value(x) - value(&base)) * 100.0;
                let best = top_gain(scenario, data, &base, x);
                format!(
                    "{what} would serve {gain:.2} % more of the weighted peak demand{}.",
                    best.map(|(w, g)| format!(" ({w}: +{g:.2} % of its peak)")).unwrap_or_default()
                )
            }
            ObjectiveKind::MaxTraining => {
                let gain = value(x) - value(&base);
                format!("{what} would add {:.3} ZFLOP of training compute.", gain / 1e21)
            }
        }
    };
    let mut out = Vec::new();
    let mut tries: Vec<(String, Knobs)> = Vec::new();
    for si in 0..data.sites.len() {
        if !is_power_binding(data, &base, si).is_empty() {
            let mut k = lp.clone();
            k.extra_mw[si] += 1.0;
            tries.push((format!("1 more MW at `{}`", scenario.sites[si].id), k));
        }
    }
    if base.spend_total >= knobs.budget_total * 0.999 {
        let step = nice_step(scenario.budget.total);
        let mut k = lp.clone();
        k.budget_total += step;
        if let Some(pq) = &mut k.per_quarter {
            // Spread over the quarter caps so the extra money can be spent.
            for c in pq.iter_mut() {
                *c += step / data.quarters as f64;
            }
        }
        tries.push((format!("Another {}", money(step, cur)), k));
    }
    if let Some(caps) = &knobs.per_quarter {
        for (q, cap) in caps.iter().enumerate().take(data.quarters) {
            if base.spend_by_quarter[q] >= cap * 0.999 {
                let step = nice_step(*cap);
                let mut k = lp.clone();
                if let Some(pq) = &mut k.per_quarter {
                    pq[q] += step;
                }
                tries.push((format!("{} more in {}'s budget cap", money(step, cur), data.horizon[q]), k));
            }
        }
    }
    for (oi, cap) in data.caps.iter().enumerate() {
        if cap.is_some()
            && binding(scenario, data, &base)
                .iter()
                .any(|b| b.contains(&format!("`{}` is at its cap", scenario.options[oi].name)))
        {
            let mut k = lp.clone();
            k.cap_scale[oi] *= 1.1;
            tries.push((format!("10 % more supply of `{}`", scenario.options[oi].name), k));
        }
    }
    for (gi, g) in scenario.budget.shares.iter().enumerate() {
        let share = if base.spend_total > 0.0 { base.spend_by_group[gi] / base.spend_total } else { 0.0 };
        if (g.min > 0.0 && share <= g.min + 1e-4) || (g.max < 1.0 && share >= g.max - 1e-4) {
            let mut k = lp.clone();
            k.share_relax[gi] += 0.01;
            tries.push((format!("Loosening the `{}` share bounds by 1 point", g.group), k));
        }
    }
    for (what, k) in tries.into_iter().take(MAX_MARGINALS) {
        solves += 1;
        if let Ok(x) = model::solve(scenario, data, &k, settings) {
            out.push(describe(&what, &x));
        }
    }
    Ok((out, solves))
}

/// The workload with the largest gain in served peak share between two solutions, in points.
fn top_gain(scenario: &Scenario, data: &Data, a: &Solved, b: &Solved) -> Option<(String, f64)> {
    let mut best: Option<(String, f64)> = None;
    for (wi, w) in scenario.workloads.iter().enumerate() {
        let mut peak = 0.0;
        let mut da = 0.0;
        let mut db = 0.0;
        for (di, d) in data.demands.iter().enumerate().filter(|(_, d)| d.workload == wi) {
            for q in 0..data.quarters {
                peak += d.peak[q];
                da += d.peak[q] * a.served[di][q];
                db += d.peak[q] * b.served[di][q];
            }
        }
        if peak <= 0.0 {
            continue;
        }
        let g = (db - da) / peak * 100.0;
        if g > 1e-3 && best.as_ref().is_none_or(|x| g > x.1) {
            best = Some((w.id.clone(), g));
        }
    }
    best
}

/// The smallest relaxation that makes an infeasible scenario feasible, from the elastic model.
pub(crate) fn relaxation(scenario: &Scenario, data: &Data, s: &Solved) -> Vec<String> {
    let cur = &scenario.currency;
    let mut out = Vec::new();
    // Demand shortfalls: one line per zone, over the quarters short (worst quarter quoted).
    let mut short: Vec<(usize, Vec<usize>, f64)> = Vec::new();
    for slack in &s.slacks {
        if let Slack::Demand(d, q, x) = slack {
            match short.iter_mut().find(|e| e.0 == *d) {
                Some(e) => {
                    e.1.push(*q);
                    e.2 = e.2.max(*x);
                }
                None => short.push((*d, vec![*q], *x)),
            }
        }
    }
    for slack in s
        .slacks
        .iter()
        .filter(|x| !matches!(x, Slack::Demand(..)))
        .chain(short.iter().map(|(d, qs, x)| Slack::Demand(*d, qs[0], *x)).collect::<Vec<_>>().iter())
    {
        out.push(match slack {
            Slack::Budget(x) => format!(
                "raise budget.total by {} (to {})",
                money(*x, cur),
                money(scenario.budget.total + x, cur)
            ),
            Slack::QuarterBudget(q, x) => {
                format!("raise the {} entry of budget.per_quarter by {}", data.horizon[*q], money(*x, cur))
            }
            Slack::ShareMin(g, x) => {
                let grp = &scenario.budget.shares[*g];
                format!(
                    "group `{}` falls {} short of its {:.0} % minimum share: lower its min, or add options at its sites",
                    grp.group,
                    money(*x, cur),
                    grp.min * 100.0
                )
            }
            Slack::ShareMax(g, x) => {
                let grp = &scenario.budget.shares[*g];
                format!(
                    "group `{}` spends {} over its {:.0} % maximum share: raise its max, or add options elsewhere",
                    grp.group,
                    money(*x, cur),
                    grp.max * 100.0
                )
            }
            Slack::Power(si, x) => {
                let site = &data.sites[*si];
                format!(
                    "site `{}` needs {} MW more IT power (available_mw {}, buildable_mw {}{})",
                    scenario.sites[*si].id,
                    mw(*x),
                    mw(site.available_mw),
                    mw(site.buildable_mw),
                    if site.first_build_quarter >= data.quarters {
                        format!(", but new MW needs {} quarters of lead time, more than the horizon", site.first_build_quarter)
                    } else {
                        String::new()
                    }
                )
            }
            Slack::Supply(o, q, x) => format!(
                "option `{}` needs {x:.0} more accelerators of supply in {} (max_per_quarter)",
                scenario.options[*o].name, data.horizon[*q]
            ),
            Slack::Demand(d, q, x) => {
                let z = &data.demands[*d];
                let misses: Vec<String> = data
                    .slo_misses
                    .iter()
                    .filter(|((w, _), _)| *w == z.workload)
                    .map(|(_, why)| why.clone())
                    .collect();
                let has_rate = data.rates.keys().any(|(w, _)| *w == z.workload);
                let why = if !has_rate && !misses.is_empty() {
                    format!(": no chip on offer meets its SLO ({}); relax the target, or offer faster chips", misses.join("; "))
                } else {
                    ": add options that may serve these users at its SLO, relax the SLO, allow cross_border, or set unserved_penalty".into()
                };
                format!(
                    "workload `{}` ({} users) can be served only {:.1} % of its peak in {}{why}",
                    scenario.workloads[z.workload].id,
                    z.regions.join(", "),
                    (1.0 - x).max(0.0) * 100.0,
                    short.iter().find(|e| e.0 == *d).map_or(data.horizon[*q].to_string(), |e| quarters_text(data, &e.1)),
                )
            }
            Slack::Training(w) => format!(
                "training run `{}` cannot be placed at one site by its deadline: add chips that run it, more power or budget, or move the deadline",
                scenario.workloads[*w].id
            ),
        });
    }
    // Merge repeated demand lines per workload: keep the first quarter's wording only.
    out.dedup();
    if out.is_empty() {
        out.push("no single constraint could be relaxed to make the scenario feasible (please report this)".into());
    }
    out
}

/// Adjust the knobs where the evaluator finds the rounded plan in violation. Returns what was
/// changed, in words (empty: nothing to repair).
pub(crate) fn repair(scenario: &Scenario, data: &Data, s: &Solved, e: &Evaluation, knobs: &mut Knobs) -> Vec<String> {
    let cur = &scenario.currency;
    let mut fixes = Vec::new();
    let b = scenario.budget.total;
    if e.spend.total > b * (1.0 + 1e-9) {
        let cut = (e.spend.total - b) * 1.02 + b * 1e-6;
        knobs.budget_total -= cut;
        fixes.push(format!(
            "the evaluator prices the rounded plan at {} (over the budget); re-solved with {} less budget",
            money(e.spend.total, cur),
            money(cut, cur)
        ));
    }
    if let (Some(caps), Some(kq)) = (&scenario.budget.per_quarter, &mut knobs.per_quarter) {
        for (q, line) in e.spend.by_quarter.iter().enumerate() {
            if q < caps.len() && line.total() > caps[q] * (1.0 + 1e-9) {
                let cut = (line.total() - caps[q]) * 1.02 + caps[q] * 1e-6;
                kq[q] -= cut;
                fixes.push(format!(
                    "{} spend over its cap; re-solved with the cap {} lower",
                    line.quarter,
                    money(cut, cur)
                ));
            }
        }
    }
    for (si, site) in scenario.sites.iter().enumerate() {
        if !e.violations.iter().any(|v| v.kind == ViolationKind::Power && v.subject == site.id) {
            continue;
        }
        let mut excess: f64 = 0.0;
        for (q, sq) in e.sites.iter().filter(|x| x.site == site.id).enumerate() {
            if q < data.quarters {
                excess = excess.max(sq.it_mw - s.it_mw[si][q]);
            }
        }
        let cut = excess.max(0.0) * 1.05 + 0.01;
        knobs.extra_mw[si] -= cut;
        fixes.push(format!("`{}` draws more power once rounded; re-solved with {cut:.2} MW less there", site.id));
    }
    for (gi, g) in e.spend.groups.iter().enumerate() {
        if !g.ok && gi < knobs.share_relax.len() {
            let off = if g.share < g.min { g.min - g.share } else { g.share - g.max };
            knobs.share_relax[gi] -= off + 0.001;
            fixes.push(format!(
                "group `{}` is off its share bounds once rounded; re-solved with bounds {:.1} points tighter",
                g.group,
                (off + 0.001) * 100.0
            ));
        }
    }
    let mut inflated: Vec<(String, f64)> = Vec::new();
    for wq in &e.workloads {
        if wq.coverage_peak >= 0.999 {
            continue;
        }
        let Some(q) = data.horizon.iter().position(|h| *h == wq.quarter) else { continue };
        let Some(wi) = scenario.workloads.iter().position(|w| w.id == wq.workload) else { continue };
        // Only where the model served all demand of the quarter: demand the model leaves
        // unserved still claims chips in the evaluator's proportional split, and inflating
        // served demand cannot fix that.
        if (0..data.demands.len()).any(|d| s.served[d][q] < 0.999) {
            continue;
        }
        let zones: Vec<usize> = (0..data.demands.len()).filter(|d| data.demands[*d].workload == wi).collect();
        let factor = (1.0 / wq.coverage_peak.max(0.5)) * 1.002;
        for d in zones {
            knobs.demand_scale[d][q] = (knobs.demand_scale[d][q] * factor).min(4.0);
        }
        match inflated.iter_mut().find(|x| x.0 == wq.workload) {
            Some(x) => x.1 = x.1.max(factor),
            None => inflated.push((wq.workload.clone(), factor)),
        }
    }
    if !inflated.is_empty() {
        fixes.push(format!(
            "the evaluator splits pools in proportion to capacity and serves less than the model assigns; re-solved with demand raised for {}",
            inflated.iter().map(|(w, f)| format!("`{w}` (up to +{:.1} %)", (f - 1.0) * 100.0)).collect::<Vec<_>>().join(", ")
        ));
    }
    fixes
}
