//! The optimisation model (docs/planner.md): variables, constraints and objectives over
//! [`Data`], built for one set of [`Knobs`] and solved with good_lp (microlp by default, HiGHS
//! behind the `highs` feature). Re-solves for explanations and repairs change only the knobs.

use super::data::{Data, PoolKey, SECONDS_PER_QUARTER};
use super::{Backend, PlanError, SolveStatus};
use fleetplan_core::scenario::{Mode, ObjectiveKind, Scenario, WorkloadSpec};
use good_lp::{Constraint, Expression, ProblemVariables, Solution, SolverModel, Variable, variable};
use std::collections::HashMap;
use std::time::Instant;

/// Tie-breaker weight: a plan with fewer accelerator-quarters wins among equal-cost plans
/// (scenario currency per accelerator-quarter, relative to the money scale).
const TIE_ACCELERATORS: f64 = 1e-9;
/// Tie-breaker weight of cost under the maximising objectives (cost / budget).
const TIE_COST: f64 = 1e-5;
/// Elastic model: weight of leaving a unit share of demand (or a training run) out, against
/// 1 for raising a budget, power or supply limit by its own size. Demand is the point of the
/// plan, so it is relaxed last.
const UNSERVED_WEIGHT: f64 = 10.0;
/// Under `max-training`, a run may grow to this multiple of the chips it needs.
pub(crate) const MAX_TRAINING_GROWTH: f64 = 8.0;

/// What a solve may change relative to the scenario (relaxations, repairs, what-ifs).
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    /// Objective.
    pub objective: ObjectiveKind,
    /// Budget total, scenario currency.
    pub budget_total: f64,
    /// Budget per quarter, scenario currency.
    pub per_quarter: Option<Vec<f64>>,
    /// MW added to each site's available power.
    pub extra_mw: Vec<f64>,
    /// Multiplier on each option's supply cap.
    pub cap_scale: Vec<f64>,
    /// Added to (subtracted from the min, added to the max of) each share group, fraction.
    pub share_relax: Vec<f64>,
    /// Multiplier on each zone demand per quarter (repair).
    pub demand_scale: Vec<Vec<f64>>,
    /// Training placement fixed to these values of the binaries (LP re-solves).
    pub fixed_train: Option<Vec<f64>>,
    /// Elastic mode: every hard constraint gets a penalised slack (infeasibility analysis).
    pub elastic: bool,
}

impl Knobs {
    /// The scenario as written.
    pub fn of(scenario: &Scenario, data: &Data, objective: ObjectiveKind) -> Knobs {
        Knobs {
            objective,
            budget_total: scenario.budget.total,
            per_quarter: scenario.budget.per_quarter.clone(),
            extra_mw: vec![0.0; scenario.sites.len()],
            cap_scale: vec![1.0; scenario.options.len()],
            share_relax: vec![0.0; scenario.budget.shares.len()],
            demand_scale: data.demands.iter().map(|_| vec![1.0; data.quarters]).collect(),
            fixed_train: None,
            elastic: false,
        }
    }
}

/// A slack that the elastic model had to use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slack {
    /// Budget total short by this much.
    Budget(f64),
    /// Budget of quarter index short.
    QuarterBudget(usize, f64),
    /// Share group below its min (fraction of spend).
    ShareMin(usize, f64),
    /// Share group above its max.
    ShareMax(usize, f64),
    /// Site needs this many MW more.
    Power(usize, f64),
    /// Option needs this many accelerators per quarter more supply in quarter index.
    Supply(usize, usize, f64),
    /// Zone demand served short by this fraction in quarter index.
    Demand(usize, usize, f64),
    /// Training run (workload index) cannot be placed.
    Training(usize),
}

/// Values of one solve.
#[derive(Debug, Clone)]
pub(crate) struct Solved {
    /// How the solver finished.
    pub status: SolveStatus,
    /// Objective value (model units).
    pub objective: f64,
    /// Total spend, scenario currency.
    pub spend_total: f64,
    /// Spend per quarter.
    pub spend_by_quarter: Vec<f64>,
    /// Spend per share group.
    pub spend_by_group: Vec<f64>,
    /// Accelerators bought per line and quarter.
    pub buy: Vec<Vec<f64>>,
    /// Accelerators leased per line and quarter (in service).
    pub lease: Vec<Vec<f64>>,
    /// MW built per site and quarter.
    pub build: Vec<Vec<f64>>,
    /// IT MW drawn per site and quarter.
    pub it_mw: Vec<Vec<f64>>,
    /// Served share of each zone demand per quarter (0–1).
    pub served: Vec<Vec<f64>>,
    /// Accelerators serving each (demand, pool, quarter).
    pub serving: Vec<(usize, usize, usize, f64)>,
    /// Training candidate chosen (value of the binary).
    pub train: Vec<f64>,
    /// Training chips per candidate and quarter.
    pub train_chips: Vec<Vec<f64>>,
    /// Weighted served share (0–1 per unit weight), for max-served.
    pub coverage: f64,
    /// Training compute, FLOP (peak dense), for max-training.
    pub training_flop: f64,
    /// Slacks used (elastic mode).
    pub slacks: Vec<Slack>,
    /// Variables in the model.
    pub variables: usize,
    /// Constraints in the model.
    pub constraints: usize,
    /// Integer variables.
    pub integers: usize,
    /// Wall time of the solver, s.
    pub solve_s: f64,
}

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SolverSettings {
    /// Backend.
    pub backend: Backend,
    /// Relative MIP gap.
    pub mip_gap: f64,
    /// Time limit, s.
    pub time_limit_s: f64,
}

#[derive(Debug, Clone, Copy)]
enum SlackKind {
    Budget,
    Quarter(usize),
    ShareMin(usize),
    ShareMax(usize),
    Power(usize),
    Supply(usize, usize),
    Demand(usize, usize),
    Training(usize),
}

/// Build and solve the model for `knobs`.
pub(crate) fn solve(
    scenario: &Scenario,
    data: &Data,
    knobs: &Knobs,
    settings: SolverSettings,
) -> Result<Solved, PlanError> {
    let t = data.quarters;
    let money = (knobs.budget_total / 1000.0).max(1e-9); // money unit of the model
    let mut pv = ProblemVariables::new();
    let mut cons: Vec<Constraint> = Vec::new();
    let mut integers = 0usize;
    let mut slacks: Vec<(SlackKind, Variable)> = Vec::new();
    let mut penalty = Expression::from(0.0);
    let elastic = knobs.elastic;
    let mut add_slack =
        |pv: &mut ProblemVariables, kind: SlackKind, weight: f64, penalty: &mut Expression| -> Variable {
            let v = pv.add(variable().min(0.0));
            penalty.add_mul(weight, v);
            slacks.push((kind, v));
            v
        };

    // Procurement.
    let mut buy = vec![vec![None; t]; data.lines.len()];
    let mut lease = vec![vec![None; t]; data.lines.len()];
    for (li, l) in data.lines.iter().enumerate() {
        for q in 0..t {
            if !l.usable[q] {
                continue;
            }
            let v = pv.add(variable().min(0.0));
            match l.mode {
                Mode::Buy => buy[li][q] = Some(v),
                Mode::Lease => lease[li][q] = Some(v),
            }
        }
    }
    // Lease additions (for supply caps on leases).
    let mut lease_add: Vec<Vec<Option<Variable>>> = vec![vec![None; t]; data.lines.len()];
    for (li, l) in data.lines.iter().enumerate() {
        if l.mode != Mode::Lease || data.caps[l.option].is_none() {
            continue;
        }
        for q in 0..t {
            if let Some(cur) = lease[li][q] {
                let a = pv.add(variable().min(0.0));
                let mut e = Expression::from(a) - cur;
                if q > 0
                    && let Some(prev) = lease[li][q - 1]
                {
                    e += prev;
                }
                cons.push(e.geq(0.0));
                lease_add[li][q] = Some(a);
            }
        }
    }
    // Builds.
    let mut build = vec![vec![None; t]; data.sites.len()];
    for (si, s) in data.sites.iter().enumerate() {
        if s.buildable_mw <= 0.0 {
            continue;
        }
        for (q, slot) in build[si].iter_mut().enumerate() {
            if q >= s.first_build_quarter {
                *slot = Some(pv.add(variable().min(0.0)));
            }
        }
    }

    // Pool capacity expressions.
    let pool_index = |k: &PoolKey| data.pools.iter().position(|p| p == k);
    let mut capacity: Vec<Vec<Expression>> = data
        .pools
        .iter()
        .map(|p| {
            let e = data.existing.get(p);
            (0..t).map(|q| Expression::from(e.map_or(0.0, |v| v[q]))).collect()
        })
        .collect();
    let mut may_have = vec![vec![false; t]; data.pools.len()];
    for (pi, p) in data.pools.iter().enumerate() {
        if let Some(e) = data.existing.get(p) {
            for q in 0..t {
                may_have[pi][q] |= e[q] > 0.0;
            }
        }
    }
    let mut accel_quarters = Expression::from(0.0);
    for (li, l) in data.lines.iter().enumerate() {
        let Some(pi) = pool_index(&PoolKey { site: l.site, chip: l.chip.clone() }) else { continue };
        for q in 0..t {
            for q2 in 0..=q {
                if let Some(v) = buy[li][q2] {
                    capacity[pi][q].add_mul(1.0, v);
                    may_have[pi][q] = true;
                }
            }
            if let Some(v) = lease[li][q] {
                capacity[pi][q].add_mul(1.0, v);
                may_have[pi][q] = true;
                accel_quarters.add_mul(1.0, v);
            }
            if let Some(v) = buy[li][q] {
                accel_quarters.add_mul((t - q) as f64, v);
            }
        }
    }

    // Spend per site and quarter (model money units), and IT MW per site and quarter.
    let mut spend: Vec<Vec<Expression>> = (0..data.sites.len())
        .map(|si| (0..t).map(|q| Expression::from(data.existing_spend[si][q] / money)).collect())
        .collect();
    let mut it_mw: Vec<Vec<Expression>> =
        (0..data.sites.len()).map(|si| (0..t).map(|q| Expression::from(data.existing_mw[si][q])).collect()).collect();
    for (li, l) in data.lines.iter().enumerate() {
        for q in 0..t {
            if let Some(v) = buy[li][q] {
                spend[l.site][q].add_mul(l.capex[q] / money, v);
                for q2 in q..t {
                    spend[l.site][q2].add_mul(l.opex_per_quarter / money, v);
                    it_mw[l.site][q2].add_mul(l.mw, v);
                }
            }
            if let Some(v) = lease[li][q] {
                spend[l.site][q].add_mul(l.opex_per_quarter / money, v);
                it_mw[l.site][q].add_mul(l.mw, v);
            }
        }
    }
    for (si, s) in data.sites.iter().enumerate() {
        for q in 0..t {
            if let Some(v) = build[si][q] {
                spend[si][q].add_mul(s.build_cost_per_mw / money, v);
            }
        }
    }
    let mut total = Expression::from(0.0);
    let mut by_quarter: Vec<Expression> = vec![Expression::from(0.0); t];
    for row in &spend {
        for (q, e) in row.iter().enumerate() {
            total += e.clone();
            by_quarter[q] += e.clone();
        }
    }

    // Budget.
    let mut b = total.clone();
    if elastic {
        let s = add_slack(&mut pv, SlackKind::Budget, 1.0 / 1000.0, &mut penalty);
        b -= s;
    }
    cons.push(b.leq(knobs.budget_total / money));
    if let Some(caps) = &knobs.per_quarter {
        for (q, cap) in caps.iter().enumerate().take(t) {
            let mut e = by_quarter[q].clone();
            if elastic {
                let s = add_slack(&mut pv, SlackKind::Quarter(q), 1.0 / 1000.0, &mut penalty);
                e -= s;
            }
            cons.push(e.leq(cap / money));
        }
    }
    let mut spend_by_group = Vec::new();
    for (gi, g) in scenario.budget.shares.iter().enumerate() {
        let mut e = Expression::from(0.0);
        for (si, s) in scenario.sites.iter().enumerate() {
            if g.sites.iter().any(|site| *site == s.id) {
                for q in 0..t {
                    e += spend[si][q].clone();
                }
            }
        }
        let relax = knobs.share_relax.get(gi).copied().unwrap_or(0.0);
        let min = (g.min - relax).max(0.0);
        let max = (g.max + relax).min(1.0);
        if min > 0.0 {
            let mut lo = e.clone() - min * total.clone();
            if elastic {
                let s = add_slack(&mut pv, SlackKind::ShareMin(gi), 1.0 / 1000.0, &mut penalty);
                lo += s;
            }
            cons.push(lo.geq(0.0));
        }
        if max < 1.0 {
            let mut hi = e.clone() - max * total.clone();
            if elastic {
                let s = add_slack(&mut pv, SlackKind::ShareMax(gi), 1.0 / 1000.0, &mut penalty);
                hi -= s;
            }
            cons.push(hi.leq(0.0));
        }
        spend_by_group.push(e);
    }

    // Power.
    for (si, s) in data.sites.iter().enumerate() {
        let power_slack = if elastic {
            let scale = (s.available_mw + s.buildable_mw).max(10.0);
            Some(add_slack(&mut pv, SlackKind::Power(si), 1.0 / scale, &mut penalty))
        } else {
            None
        };
        let mut built = Expression::from(0.0);
        for q in 0..t {
            if let Some(v) = build[si][q] {
                built.add_mul(1.0, v);
            }
            let mut e = it_mw[si][q].clone() - built.clone();
            if let Some(ps) = power_slack {
                e -= ps;
            }
            cons.push(e.leq(s.available_mw + knobs.extra_mw[si]));
        }
        if build[si].iter().any(Option::is_some) {
            cons.push(built.leq(s.buildable_mw));
        }
    }

    // Supply caps per option and quarter.
    for (oi, cap) in data.caps.iter().enumerate() {
        let Some(cap) = cap else { continue };
        for q in 0..t {
            let mut e = Expression::from(0.0);
            let mut any = false;
            for (li, l) in data.lines.iter().enumerate().filter(|(_, l)| l.option == oi) {
                let v = match l.mode {
                    Mode::Buy => buy[li][q],
                    Mode::Lease => lease_add[li][q],
                };
                if let Some(v) = v {
                    e.add_mul(1.0, v);
                    any = true;
                }
            }
            if !any {
                continue;
            }
            if elastic {
                let s = add_slack(&mut pv, SlackKind::Supply(oi, q), 1.0 / cap.max(1.0), &mut penalty);
                e -= s;
            }
            cons.push(e.leq(cap * knobs.cap_scale[oi]));
        }
    }

    // Training placement.
    let mut train_y = Vec::new();
    let mut train_k = vec![vec![None; t]; data.train.len()];
    let mut training_expr = Expression::from(0.0);
    let max_need_flop = data
        .train
        .iter()
        .map(|c| c.chips * c.tflops * 1e12 * SECONDS_PER_QUARTER * c.window.iter().filter(|w| **w).count() as f64)
        .fold(0.0, f64::max)
        .max(1.0);
    for (ci, c) in data.train.iter().enumerate() {
        let y = match &knobs.fixed_train {
            Some(f) => pv.add(variable().min(f[ci]).max(f[ci])),
            None => {
                integers += 1;
                pv.add(variable().binary())
            }
        };
        train_y.push(y);
        let pi = pool_index(&c.pool);
        for q in 0..t {
            if !c.window[q] {
                continue;
            }
            let Some(pi) = pi else { continue };
            match knobs.objective {
                ObjectiveKind::MaxTraining => {
                    let k = pv.add(variable().min(0.0));
                    cons.push((Expression::from(k) - c.chips * y).geq(0.0));
                    cons.push((Expression::from(k) - MAX_TRAINING_GROWTH * c.chips * y).leq(0.0));
                    training_expr.add_mul(c.tflops * 1e12 * SECONDS_PER_QUARTER / max_need_flop, k);
                    train_k[ci][q] = Some(k);
                    capacity[pi][q].add_mul(-1.0, k);
                }
                _ => {
                    capacity[pi][q].add_mul(-c.chips, y);
                }
            }
        }
    }
    for &wi in &data.runs {
        let mut e = Expression::from(0.0);
        for (ci, c) in data.train.iter().enumerate() {
            if c.workload == wi {
                e.add_mul(1.0, train_y[ci]);
            }
        }
        if elastic {
            let s = add_slack(&mut pv, SlackKind::Training(wi), UNSERVED_WEIGHT, &mut penalty);
            e += s;
        }
        match knobs.objective {
            // Under max-training a run may be left out when the budget cannot carry it.
            ObjectiveKind::MaxTraining if !elastic => cons.push(e.leq(1.0)),
            _ => cons.push(e.eq(1.0)),
        }
    }

    // Serving.
    let mut served = vec![vec![None; t]; data.demands.len()];
    let mut serving = Vec::new();
    let mut coverage_expr = Expression::from(0.0);
    let mut penalty_cost = Expression::from(0.0);
    let mut serving_workloads: Vec<usize> = data.demands.iter().map(|d| d.workload).collect();
    serving_workloads.dedup();
    let total_weight: f64 = serving_workloads.iter().map(|w| weight_of(scenario, *w)).sum::<f64>().max(1e-9);
    for (di, d) in data.demands.iter().enumerate() {
        let w = &scenario.workloads[d.workload];
        let penalty_per_unit = unserved_penalty(w);
        for q in 0..t {
            let dem = d.peak[q] * knobs.demand_scale[di][q];
            if dem <= 0.0 {
                continue;
            }
            let mut supply = Expression::from(0.0);
            for (pi, p) in data.pools.iter().enumerate() {
                if !d.sites[p.site] || !may_have[pi][q] {
                    continue;
                }
                let Some(rate) = data.rates.get(&(d.workload, p.chip.clone())) else { continue };
                let x = pv.add(variable().min(0.0));
                capacity[pi][q].add_mul(-1.0, x);
                supply.add_mul(rate / dem, x);
                serving.push((di, pi, q, x));
            }
            let must_serve = knobs.objective != ObjectiveKind::MaxServed && penalty_per_unit.is_none();
            let f = pv.add(variable().min(0.0).max(1.0));
            cons.push((supply - f).geq(0.0));
            served[di][q] = Some(f);
            // Share of the workload's demand this zone is, for the weighted coverage.
            let workload_peak: f64 = data
                .demands
                .iter()
                .enumerate()
                .filter(|(_, e)| e.workload == d.workload)
                .map(|(j, e)| e.peak[q] * knobs.demand_scale[j][q])
                .sum::<f64>()
                .max(1e-12);
            let zone_share = dem / workload_peak;
            coverage_expr.add_mul(weight_of(scenario, d.workload) * zone_share / (t as f64 * total_weight), f);
            if must_serve {
                let mut e = Expression::from(f);
                if elastic {
                    let s = add_slack(&mut pv, SlackKind::Demand(di, q), UNSERVED_WEIGHT, &mut penalty);
                    e += s;
                }
                cons.push(e.geq(1.0));
            } else if let Some(p) = penalty_per_unit {
                // Unserved volume over the quarter: (1 − f) × mean rate × seconds, priced per
                // million output tokens (chat) or per item.
                let per = if matches!(w.spec, WorkloadSpec::Chat(_)) { 1e-6 } else { 1.0 };
                let cost = p * d.mean[q] * knobs.demand_scale[di][q] * SECONDS_PER_QUARTER * per / money;
                penalty_cost += cost;
                penalty_cost.add_mul(-cost, f);
            }
        }
    }
    for (pi, row) in capacity.into_iter().enumerate() {
        for (q, e) in row.into_iter().enumerate() {
            if may_have[pi][q] {
                cons.push(e.geq(0.0));
            }
        }
    }

    // Objective (minimised).
    let objective = if elastic {
        penalty.clone() + 1e-6 * total.clone()
    } else {
        match knobs.objective {
            ObjectiveKind::MinTco => total.clone() + penalty_cost.clone() + TIE_ACCELERATORS * accel_quarters,
            ObjectiveKind::MaxServed => {
                -1.0 * coverage_expr.clone()
                    + (TIE_COST / 1000.0) * total.clone()
                    + penalty_cost.clone() / 1000.0 * TIE_COST
            }
            ObjectiveKind::MaxTraining => {
                -1.0 * training_expr.clone() + (TIE_COST / 1000.0) * (total.clone() + penalty_cost.clone())
            }
        }
    };

    let variables = pv.len();
    let constraints = cons.len();
    let all: Vec<Variable> = pv.iter_variables_with_def().map(|(v, _)| v).collect();
    let problem = pv.minimise(objective.clone());
    let started = Instant::now();
    let (status, values) = run_backend(problem, &all, cons, settings)?;
    let solve_s = started.elapsed().as_secs_f64();
    let val = |v: &Option<Variable>| v.map_or(0.0, |v| clean(values.value(v)));

    let spend_by_quarter: Vec<f64> = by_quarter.iter().map(|e| values.eval(e) * money).collect();
    let mut it = vec![vec![0.0; t]; data.sites.len()];
    for (si, row) in it_mw.iter().enumerate() {
        for (q, e) in row.iter().enumerate() {
            it[si][q] = values.eval(e);
        }
    }
    let slack_values = slacks
        .iter()
        .filter_map(|(k, v)| {
            let x = clean(values.value(*v));
            (x > 1e-6).then_some(match *k {
                SlackKind::Budget => Slack::Budget(x * money),
                SlackKind::Quarter(q) => Slack::QuarterBudget(q, x * money),
                SlackKind::ShareMin(g) => Slack::ShareMin(g, x * money),
                SlackKind::ShareMax(g) => Slack::ShareMax(g, x * money),
                SlackKind::Power(s) => Slack::Power(s, x),
                SlackKind::Supply(o, q) => Slack::Supply(o, q, x),
                SlackKind::Demand(d, q) => Slack::Demand(d, q, x),
                SlackKind::Training(w) => Slack::Training(w),
            })
        })
        .collect();
    Ok(Solved {
        status,
        objective: values.eval(&objective),
        spend_total: values.eval(&total) * money,
        spend_by_quarter,
        spend_by_group: spend_by_group.iter().map(|e| values.eval(e) * money).collect(),
        buy: buy.iter().map(|r| r.iter().map(val).collect()).collect(),
        lease: lease.iter().map(|r| r.iter().map(val).collect()).collect(),
        build: build.iter().map(|r| r.iter().map(val).collect()).collect(),
        it_mw: it,
        served: served.iter().map(|r| r.iter().map(|v| v.map_or(1.0, |v| clean(values.value(v)))).collect()).collect(),
        serving: serving.iter().map(|(d, p, q, x)| (*d, *p, *q, clean(values.value(*x)))).collect(),
        train: train_y.iter().map(|y| clean(values.value(*y))).collect(),
        train_chips: data
            .train
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                (0..t)
                    .map(|q| match train_k[ci][q] {
                        Some(k) => clean(values.value(k)),
                        None if c.window[q] => c.chips * clean(values.value(train_y[ci])),
                        None => 0.0,
                    })
                    .collect()
            })
            .collect(),
        coverage: values.eval(&coverage_expr),
        training_flop: values.eval(&training_expr) * max_need_flop,
        slacks: slack_values,
        variables,
        constraints,
        integers,
        solve_s,
    })
}

fn clean(x: f64) -> f64 {
    if x.is_finite() && x.abs() > 1e-9 { x } else { 0.0 }
}

/// Weight of a workload under max-served.
fn weight_of(scenario: &Scenario, wi: usize) -> f64 {
    match &scenario.workloads[wi].spec {
        WorkloadSpec::Chat(c) => c.serving.weight,
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.weight,
        WorkloadSpec::Training(_) => 0.0,
    }
}

fn unserved_penalty(w: &fleetplan_core::scenario::Workload) -> Option<f64> {
    match &w.spec {
        WorkloadSpec::Chat(c) => c.serving.unserved_penalty,
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.unserved_penalty,
        WorkloadSpec::Training(_) => None,
    }
}

/// Values of a solved model, independent of the backend.
struct Values {
    x: HashMap<Variable, f64>,
}

impl Values {
    fn value(&self, v: Variable) -> f64 {
        self.x.get(&v).copied().unwrap_or(0.0)
    }
    fn eval(&self, e: &Expression) -> f64 {
        e.eval_with(&self.x)
    }
}

fn run_backend(
    problem: good_lp::variable::UnsolvedProblem,
    all: &[Variable],
    cons: Vec<Constraint>,
    settings: SolverSettings,
) -> Result<(SolveStatus, Values), PlanError> {
    use good_lp::{WithMipGap, WithTimeLimit};
    let gap = settings.mip_gap as f32;
    let read = |sol: &dyn Fn(Variable) -> f64| -> Values { Values { x: all.iter().map(|v| (*v, sol(*v))).collect() } };
    let map_status = |s: good_lp::solvers::SolutionStatus| match s {
        good_lp::solvers::SolutionStatus::Optimal => SolveStatus::Optimal,
        good_lp::solvers::SolutionStatus::GapLimit => SolveStatus::GapLimit,
        good_lp::solvers::SolutionStatus::TimeLimit => SolveStatus::TimeLimit,
    };
    match settings.backend {
        Backend::Microlp => {
            let model = problem
                .using(good_lp::microlp)
                .with_time_limit(settings.time_limit_s)
                .with_mip_gap(gap)
                .map_err(|e| PlanError::Solver(e.to_string()))?
                .with_all(cons);
            let sol = model.solve().map_err(map_err)?;
            Ok((map_status(sol.status()), read(&|v| sol.value(v))))
        }
        #[cfg(feature = "highs")]
        Backend::Highs => {
            let mut model = problem
                .using(good_lp::highs)
                .set_time_limit(settings.time_limit_s)
                .set_mip_rel_gap(gap)
                .map_err(|e| PlanError::Solver(e.to_string()))?;
            model.set_verbose(false);
            let sol = model.with_all(cons).solve().map_err(map_err)?;
            Ok((map_status(sol.status()), read(&|v| sol.value(v))))
        }
    }
}

fn map_err(e: good_lp::ResolutionError) -> PlanError {
    match e {
        good_lp::ResolutionError::Infeasible => PlanError::Infeasible,
        good_lp::ResolutionError::Unbounded => PlanError::Solver("the model is unbounded (a bug)".into()),
        other => PlanError::Solver(other.to_string()),
    }
}
