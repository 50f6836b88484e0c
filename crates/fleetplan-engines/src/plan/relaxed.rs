//! The relaxation path (docs/planner.md, "Large models: the relaxation path"): for models with
//! more yes/no decisions than [`RELAXATION_MIN_BINARIES`], microlp's branch and bound does not
//! finish within a minute (200 sites × 40 workloads × 12 quarters: no feasible plan in 60 s),
//! so the planner solves the LP relaxation instead, fixes every binary by a documented rounding
//! rule, and re-solves the LP with them fixed so that the continuous part (counts, builds,
//! serving) is re-optimised around the fixed decisions. The result then goes through the same
//! whole-unit rounding and evaluator repair loop as an exact plan. The LP relaxation's optimum
//! bounds every plan (exact or not) from below for a minimised objective, so the plan reports
//! that bound and its gap to it.
//!
//! Rounding rule:
//! - training run: placed on the candidate pool the LP gives the largest share of the run
//!   (ties to the first candidate in data order); under `max-training`, where a run is optional,
//!   only when the LP places at least half of it;
//! - site build: the site builds (its binary is 1, so every MW it builds must be drawn by the
//!   horizon's end) when the LP builds any MW there, else it does not build.
//!
//! Candidate pools: at this size nearly all of the model's variables are serving columns (one
//! per zone demand, pool and quarter: ~500 k of 518 k at 200 × 40), and microlp's simplex does
//! not finish even the LP relaxation within a minute. So the path first restricts each zone
//! demand's serving to candidate pools ([`serving_candidates`]): for the few chips with the
//! lowest cost per unit of served rate in the zone, the few sites where that chip is cheapest,
//! and every pool with existing capacity ([`CANDIDATE_TRIES`]; a wider try when the narrower
//! one is infeasible, the full LP after the last). The bound is then the optimum of the LP so
//! restricted: a bound on every plan that serves from the candidate pools, not a proven bound
//! on the full model (the plan itself is a plan of the full model).
//!
//! When the rounded decisions leave no feasible LP (a build binary forces power use the budget
//! cannot pay for), the second try fixes every site to not build; when that is infeasible too,
//! the planner answers as for an infeasible model (the elastic model, under the same rules).

use super::data::Data;
use super::model::{self, Candidates, Knobs, Solved, SolverSettings};
use super::{Backend, PlanError};
use fleetplan_core::scenario::{Mode, ObjectiveKind, Scenario};
use serde::Serialize;

/// Models with more binaries than this take the relaxation path under `PlanPath::Auto` and
/// microlp. Measured on generated scenarios (docs/benchmarks.md, "Planner"): microlp's exact
/// MILP takes 5.6 s at 100 × 20 (633 binaries) and 21 s at 150 × 30 (976), and finds nothing in
/// 60 s at 200 × 40 (1,309); the ByteDance example has 92.
pub const RELAXATION_MIN_BINARIES: usize = 700;

/// Tries of serving candidates on the relaxation path, (chips, sites per chip) per zone demand,
/// each used when the LP restricted to the previous one is infeasible; after the last, the
/// full LP.
pub const CANDIDATE_TRIES: [(usize, usize); 2] = [(3, 12), (6, 48)];

/// Relative gaps below this are the LPs' numerical tolerance, reported as 0.
const GAP_NOISE: f64 = 1e-7;

/// Which way a plan is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanPath {
    /// The exact MILP up to [`RELAXATION_MIN_BINARIES`] binaries with microlp, the relaxation
    /// path above; always the exact MILP with HiGHS.
    #[default]
    Auto,
    /// Always the exact MILP (branch and bound within the gap and time limit).
    Exact,
    /// Always the relaxation path.
    Relaxation,
}

impl PlanPath {
    /// Name as given on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanPath::Auto => "auto",
            PlanPath::Exact => "exact",
            PlanPath::Relaxation => "relaxation",
        }
    }
}

/// How a plan from the relaxation path relates to the LP bound.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelaxationReport {
    /// Binaries of the exact model (training candidates and sites that can build).
    pub binaries: usize,
    /// The threshold above which `auto` takes this path ([`RELAXATION_MIN_BINARIES`]).
    pub threshold: usize,
    /// The LP relaxation's optimum: a bound on every plan's objective (lower for min-tco and
    /// max-margin, upper for max-served and max-training), in [`Self::objective_unit`].
    pub lp_bound: f64,
    /// The final model solution's objective, same unit (before whole-unit rounding, which the
    /// evaluator prices).
    pub plan_objective: f64,
    /// Relative gap of the plan's objective to the bound, |plan − bound| / |bound| (0–1; 0
    /// below 1e-7, the LPs' tolerance).
    pub gap: f64,
    /// Unit of the bound and objective: the scenario currency (cost + unserved demand at its
    /// price + share-target penalties) for min-tco and max-margin; "share of weighted peak"
    /// for max-served; "FLOP" (peak dense) for max-training.
    pub objective_unit: String,
    /// Training runs placed by rounding.
    pub runs_placed: usize,
    /// Sites set to build by rounding.
    pub sites_building: usize,
    /// Whether the rounded builds left no feasible LP and every site was set not to build.
    pub builds_dropped: bool,
    /// Seconds in the LP relaxation's solve.
    pub lp_solve_s: f64,
    /// Whether serving was restricted to candidate pools (module docs): the bound is then the
    /// restricted LP's; false when the restricted LP was infeasible and the full one was solved.
    pub candidate_pools: bool,
    /// Share of the serving columns (zone demand × pool pairs) kept as candidates (0–1, to 4
    /// decimals).
    pub serving_pairs_kept: f64,
}

/// Binaries of the exact model: one per training candidate, one per site that can build.
pub(crate) fn binaries(data: &Data) -> usize {
    let building = data.sites.iter().filter(|s| s.buildable_mw > 0.0 && s.first_build_quarter < data.quarters).count();
    data.train.len() + building
}

/// Whether this plan takes the relaxation path.
pub(crate) fn takes_relaxation(path: PlanPath, backend: Backend, data: &Data) -> bool {
    match path {
        PlanPath::Exact => false,
        PlanPath::Relaxation => true,
        PlanPath::Auto => backend == Backend::Microlp && binaries(data) > RELAXATION_MIN_BINARIES,
    }
}

/// The relaxation path's first solve: what the planner goes on with, its report, solves made.
pub(crate) struct RelaxedSolve {
    /// The re-solve with every binary fixed.
    pub solved: Solved,
    /// The LP relaxation's solution (the bound).
    pub bound: Solved,
    /// Facts for the plan's report (objective figures filled in by [`report`]).
    pub report: RelaxationReport,
    /// Solves made.
    pub solves: usize,
}

/// Solve the LP relaxation under `knobs`, round its binaries (module docs) into `knobs`, and
/// re-solve with them fixed. `knobs` keep the fixed decisions for the repair re-solves.
pub(crate) fn solve(
    scenario: &Scenario,
    data: &Data,
    knobs: &mut Knobs,
    settings: SolverSettings,
) -> Result<RelaxedSolve, PlanError> {
    let mut solves = 0;
    let mut kept_share = 1.0;
    let mut bound = None;
    for try_sizes in CANDIDATE_TRIES {
        let candidates = candidates(scenario, data, try_sizes);
        let all_pairs = candidates.serving.iter().map(Vec::len).sum::<usize>().max(1);
        kept_share = candidates.serving.iter().flatten().filter(|k| **k).count() as f64 / all_pairs as f64;
        knobs.candidates = Some(std::sync::Arc::new(candidates));
        let mut lp = knobs.clone();
        lp.relax_binaries = true;
        solves += 1;
        match model::solve(scenario, data, &lp, settings) {
            Err(PlanError::Infeasible) => continue,
            other => {
                bound = Some(other?);
                break;
            }
        }
    }
    let bound = match bound {
        Some(bound) => bound,
        None => {
            knobs.candidates = None;
            kept_share = 1.0;
            let mut lp = knobs.clone();
            lp.relax_binaries = true;
            solves += 1;
            model::solve(scenario, data, &lp, settings)?
        }
    };
    knobs.fixed_train = Some(round_training(data, &bound, knobs.objective));
    knobs.fixed_builds =
        Some(bound.build.iter().map(|row| if row.iter().sum::<f64>() > 1e-6 { 1.0 } else { 0.0 }).collect());
    solves += 1;
    let mut builds_dropped = false;
    let solved = match model::solve(scenario, data, knobs, settings) {
        Err(PlanError::Infeasible) if knobs.fixed_builds.as_ref().is_some_and(|b| b.iter().any(|v| *v > 0.0)) => {
            knobs.fixed_builds = Some(vec![0.0; data.sites.len()]);
            builds_dropped = true;
            solves += 1;
            model::solve(scenario, data, knobs, settings)?
        }
        other => other?,
    };
    let report = RelaxationReport {
        binaries: binaries(data),
        threshold: RELAXATION_MIN_BINARIES,
        lp_bound: 0.0,
        plan_objective: 0.0,
        gap: 0.0,
        objective_unit: String::new(),
        runs_placed: knobs.fixed_train.as_ref().map_or(0, |t| t.iter().filter(|v| **v > 0.5).count()),
        sites_building: knobs.fixed_builds.as_ref().map_or(0, |b| b.iter().filter(|v| **v > 0.5).count()),
        builds_dropped,
        lp_solve_s: bound.solve_s,
        candidate_pools: knobs.candidates.is_some(),
        serving_pairs_kept: (kept_share * 1e4).round() / 1e4,
    };
    Ok(RelaxedSolve { solved, bound, report, solves })
}

/// Serving candidates per zone demand and pool (module docs) for a try `(chips, sites)`: a
/// pool is kept when its chip is among the zone's `chips` cheapest per unit of served rate and
/// its site among that chip's `sites` cheapest in the zone, or when it has existing capacity.
/// The cost of an accelerator on a line is its cheapest quarter's opex plus its capital charge
/// spread over the quarters it is held (buy), or the lease (lease); per unit of rate it is that
/// cost over the chip's rate for the workload. Ties go to data order (deterministic).
fn serving_candidates(data: &Data, pool_cost: &[Option<f64>], (chips, sites): (usize, usize)) -> Vec<Vec<bool>> {
    data.demands
        .iter()
        .map(|zone| {
            // (cost per unit of rate, pool index) of the zone's eligible priced pools.
            let mut scored: Vec<(f64, usize)> = (0..data.pools.len())
                .filter_map(|pool_index| {
                    let pool = &data.pools[pool_index];
                    let rate = *data.rates.get(&(zone.workload, pool.chip.to_string()))?;
                    let cost = pool_cost[pool_index]?;
                    (zone.sites[pool.site] && rate > 0.0).then_some((cost / rate, pool_index))
                })
                .collect();
            scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // The zone's cheapest chips, in order of their cheapest pool.
            let mut top: Vec<&str> = Vec::new();
            for (_, pool_index) in &scored {
                let chip = data.pools[*pool_index].chip.as_str();
                if top.len() < chips && !top.contains(&chip) {
                    top.push(chip);
                }
            }
            let mut keep: Vec<bool> = data.pools.iter().map(|pool| data.existing.contains_key(pool)).collect();
            let mut per_chip = vec![0usize; top.len()];
            for (_, pool_index) in &scored {
                let chip = data.pools[*pool_index].chip.as_str();
                if let Some(rank) = top.iter().position(|c| *c == chip)
                    && per_chip[rank] < sites
                {
                    per_chip[rank] += 1;
                    keep[*pool_index] = true;
                }
            }
            keep
        })
        .collect()
}

/// The restricted model of a try `(chips, sites)`: serving candidates
/// ([`serving_candidates`]); per training run its `sites` cheapest placements (chips × cost
/// per accelerator-quarter, ties to data order) and those on pools with existing capacity; and
/// procurement only on lines whose pool serves or trains there, has existing capacity, or lies
/// at a site of a budget share group (spend there may be needed to meet a share).
fn candidates(scenario: &Scenario, data: &Data, try_sizes: (usize, usize)) -> Candidates {
    let pool_cost = pool_costs(data);
    let serving = serving_candidates(data, &pool_cost, try_sizes);
    let pool_of = |key: &super::data::PoolKey| data.pools.iter().position(|p| p == key);
    let mut train = vec![false; data.train.len()];
    for &run in &data.runs {
        let mut scored: Vec<(f64, usize)> = Vec::new();
        for (index, candidate) in data.train.iter().enumerate().filter(|(_, c)| c.workload == run) {
            if data.existing.contains_key(&candidate.pool) {
                train[index] = true;
            }
            if let Some(cost) = pool_of(&candidate.pool).and_then(|p| pool_cost[p]) {
                scored.push((cost * candidate.chips, index));
            }
        }
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, index) in scored.into_iter().take(try_sizes.1) {
            train[index] = true;
        }
    }
    let mut active = vec![false; data.pools.len()];
    for row in &serving {
        for (pool_index, kept) in row.iter().enumerate() {
            active[pool_index] |= *kept;
        }
    }
    for (index, candidate) in data.train.iter().enumerate() {
        if train[index]
            && let Some(pool_index) = pool_of(&candidate.pool)
        {
            active[pool_index] = true;
        }
    }
    let in_share_group = |site: usize| scenario.budget.shares.iter().any(|g| g.sites.iter().any(|s| s.index() == site));
    let lines = data
        .lines
        .iter()
        .map(|line| {
            let pool = pool_of(&super::data::PoolKey { site: line.site, chip: line.chip.clone() });
            pool.is_some_and(|p| active[p]) || in_share_group(line.site)
        })
        .collect();
    Candidates { serving, lines, train }
}

/// Cheapest cost per accelerator-quarter per pool, scenario currency (None: no line reaches
/// it): a line's cheapest usable quarter's opex plus capital charge per held quarter (buy), or
/// its lease (lease).
fn pool_costs(data: &Data) -> Vec<Option<f64>> {
    let quarters = data.quarters;
    data.pools
        .iter()
        .map(|pool| {
            data.lines
                .iter()
                .filter(|l| l.site == pool.site && l.chip == pool.chip)
                .flat_map(|l| {
                    (0..quarters).filter(|q| l.usable[*q]).map(move |q| match l.mode {
                        Mode::Buy => l.opex_per_quarter[q] + l.capex_charged[q] / (quarters - q) as f64,
                        Mode::Lease => l.opex_per_quarter[q],
                    })
                })
                .fold(None, |best: Option<f64>, c| Some(best.map_or(c, |b| b.min(c))))
        })
        .collect()
}

/// The training binaries rounded: each run on its candidate with the largest LP value.
fn round_training(data: &Data, lp: &Solved, objective: ObjectiveKind) -> Vec<f64> {
    let mut fixed = vec![0.0; data.train.len()];
    for &run in &data.runs {
        let mut best: Option<(usize, f64)> = None;
        let mut total = 0.0;
        for (index, candidate) in data.train.iter().enumerate() {
            if candidate.workload != run {
                continue;
            }
            total += lp.train[index];
            if best.is_none_or(|(_, value)| lp.train[index] > value + 1e-9) {
                best = Some((index, lp.train[index]));
            }
        }
        let optional = objective == ObjectiveKind::MaxTraining;
        if let Some((index, _)) = best
            && (!optional || total >= 0.5)
        {
            fixed[index] = 1.0;
        }
    }
    fixed
}

/// Fill the report's objective figures: the bound from the LP relaxation, the objective of the
/// final solution, and their gap.
pub(crate) fn report(
    mut report: RelaxationReport,
    bound: &Solved,
    last: &Solved,
    scenario: &Scenario,
) -> RelaxationReport {
    let (lp_bound, plan_objective, unit) = match last.objective_kind {
        ObjectiveKind::MinTco | ObjectiveKind::MaxMargin => {
            (bound.objective_value, last.objective_value, scenario.currency.clone())
        }
        ObjectiveKind::MaxServed => (bound.coverage, last.coverage, "share of weighted peak".to_string()),
        ObjectiveKind::MaxTraining => (bound.training_flop, last.training_flop, "FLOP".to_string()),
    };
    let gap = ((plan_objective - lp_bound).abs() / lp_bound.abs().max(1e-12)).min(1e9);
    // Below the LP's own tolerance a gap is noise: report 0.
    report.gap = if gap < GAP_NOISE { 0.0 } else { gap };
    report.lp_bound = lp_bound;
    report.plan_objective = plan_objective;
    report.objective_unit = unit;
    report
}
