//! The sample-average model of a robust plan (docs/planner.md, "Robust plans"): one set of
//! first-stage decisions (purchases, leases, builds, training placement; their spend, budgets,
//! power and supply caps) built once by [`ModelBuilder`] over the first-stage data, then the
//! serving families (allocation, served shares, must-serve, pool capacity) once per future over
//! that future's demand and rates. Each future gets its own allocation, so a plan serves a
//! future when some split of its capacity does. The builder's own serving code is reused by
//! pointing it at each future's data in turn; nothing of the formulation is copied here.

use super::super::PlanError;
use super::super::data::Data;
use super::builder::ModelBuilder;
use super::{Knobs, Solved, SolverSettings};
use fleetplan_core::scenario::Scenario;
use good_lp::Expression;

/// A solved sample-average model.
#[derive(Debug, Clone)]
pub(crate) struct FuturesSolved {
    /// The solution; its served shares and allocation are those of the first future (the
    /// nominal one), its cost and spend those of the first-stage data.
    pub solved: Solved,
    /// Economic cost of the first-stage decisions at the prices of `priced_at` (scenario
    /// currency): the same decisions priced as another model would price them.
    pub cost_at_other_prices: f64,
}

/// Build and solve the sample-average model: first-stage decisions over `first` (prices,
/// budgets, power, supply, training), each of `futures` served on its own and in full (every
/// served share 1, whatever the workload's unserved price; equal weights: the objective's
/// revenue is the futures' average). `priced_at` is a second price
/// set whose economic cost of the same decisions is reported (the nominal prices). Every
/// future's data must have the pools and zone demands of `first`, in the same order.
pub(crate) fn solve_futures(
    scenario: &Scenario,
    first: &Data,
    priced_at: &Data,
    futures: &[&Data],
    knobs: &Knobs,
    settings: SolverSettings,
) -> Result<FuturesSolved, PlanError> {
    let mut model = ModelBuilder::new(scenario, first, knobs);
    model.add_procurement();
    model.add_lease_additions();
    model.add_builds();
    model.add_capacity_terms();
    model.data = priced_at;
    model.add_spend_terms();
    let other_cost = model.cost_total.clone();
    model.data = first;
    model.add_spend_terms();
    model.add_budget_caps();
    model.add_group_shares();
    model.add_power_and_lead_times();
    model.add_supply_caps();
    model.add_training_placement();
    // Capacity net of training, before any serving: every future starts from it.
    let base_capacity = model.capacity.clone();
    let base_used = model.used.clone();
    let weight = 1.0 / futures.len().max(1) as f64;
    let (mut unserved, mut revenue, mut coverage) =
        (Expression::from(0.0), Expression::from(0.0), Expression::from(0.0));
    let mut first_future = None;
    for (index, future) in futures.iter().enumerate() {
        model.data = future;
        model.capacity = base_capacity.clone();
        forbid_unlawful(&mut model, first, future);
        model.used = base_used.clone();
        model.served = vec![vec![None; model.quarters]; future.demands.len()];
        model.serving = Vec::new();
        model.unserved_cost = Expression::from(0.0);
        model.revenue = Expression::from(0.0);
        model.coverage = Expression::from(0.0);
        model.add_serving();
        model.add_pool_capacity();
        // A robust plan serves demand: every served share of a future in the set is 1, also
        // where an unserved price would let a single plan leave demand out.
        for served in model.served.iter().flatten().flatten() {
            model.constraints.push(Expression::from(*served).geq(1.0));
        }
        unserved += weight * std::mem::take(&mut model.unserved_cost);
        revenue += weight * std::mem::take(&mut model.revenue);
        coverage += weight * std::mem::take(&mut model.coverage);
        if index == 0 {
            first_future =
                Some((std::mem::take(&mut model.served), std::mem::take(&mut model.serving), model.used.clone()));
        }
    }
    model.data = first;
    if let Some((served, serving, used)) = first_future {
        (model.served, model.serving, model.used) = (served, serving, used);
    }
    (model.unserved_cost, model.revenue, model.coverage) = (unserved, revenue, coverage);
    model.add_share_target_use();
    let objective = model.objective();
    let run = model.run(&objective, settings)?;
    let cost_at_other_prices = run.values.eval(&other_cost) * model.money;
    Ok(FuturesSolved { solved: model.extract(&run, &objective), cost_at_other_prices })
}

/// A future in the set whose policy forbids acquiring a line in a quarter (a licence sampled
/// as not granted) forbids the shared plan to buy or lease it then: the evaluator would find
/// the holding unlawful in that future, which is then not served.
fn forbid_unlawful(model: &mut ModelBuilder<'_>, first: &Data, future: &Data) {
    for line_index in 0..first.lines.len() {
        let Some(in_future) = future.lines.get(line_index) else { continue };
        for quarter in 0..model.quarters {
            if in_future.usable.get(quarter).copied().unwrap_or(false) {
                continue;
            }
            for count in [model.buy[line_index][quarter], model.lease[line_index][quarter]].into_iter().flatten() {
                model.constraints.push(Expression::from(count).leq(0.0));
            }
        }
    }
}
