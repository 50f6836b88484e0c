//! The evaluator's verdict on a robust plan in each future: the plan's fleet written into the
//! future's scenario and evaluated with the future's throughput factors
//! ([`crate::eval::evaluate_with_throughput`]). A future is served when every serving workload
//! gets at least [`SERVED_MIN`] of its peak demand in every quarter and the future's export
//! controls allow every holding of the plan (a licence sampled as not granted forbids some).

use super::FutureOutcome;
use crate::eval::{EvalError, Evaluation, ViolationKind, evaluate_with_throughput};
use fleetplan_core::scenario::{Holding, Scenario};
use fleetplan_core::uncertainty::Sampled;
use rayon::prelude::*;

/// Smallest share of peak demand that counts as served (display precision: 99.95 % rounds to
/// 100.0 %).
pub const SERVED_MIN: f64 = 0.9995;

/// A future's outcome with the workload-quarters it leaves short.
pub(super) struct Checked {
    /// The outcome reported.
    pub outcome: FutureOutcome,
    /// Workload-quarters short of [`SERVED_MIN`]: (workload id, quarter index, served share).
    pub short: Vec<(String, usize, f64)>,
}

/// Evaluate `fleet` in every future (in parallel; the result is in the futures' order).
pub(super) fn outcomes(futures: &[Sampled], fleet: &[Holding]) -> Result<Vec<Checked>, EvalError> {
    futures
        .par_iter()
        .enumerate()
        .map(|(index, future)| {
            let evaluation = evaluate_in(future, fleet)?;
            Ok(checked(index, &future.scenario, &evaluation))
        })
        .collect()
}

/// The evaluation of `fleet` in one future.
pub(super) fn evaluate_in(future: &Sampled, fleet: &[Holding]) -> Result<Evaluation, EvalError> {
    let mut with_plan = future.scenario.clone();
    with_plan.fleet = fleet.to_vec();
    evaluate_with_throughput(&with_plan, &future.catalog, &future.throughput_factor)
}

/// One future's outcome from its evaluation (`index` from 0; reported from 1).
pub(super) fn checked(index: usize, scenario: &Scenario, evaluation: &Evaluation) -> Checked {
    let lowest = evaluation.workloads.iter().min_by(|a, b| a.coverage_peak.total_cmp(&b.coverage_peak));
    let lowest_served = lowest.map_or(1.0, |w| w.coverage_peak.clamp(0.0, 1.0));
    let short = evaluation
        .workloads
        .iter()
        .filter(|w| w.coverage_peak < SERVED_MIN)
        .map(|w| (w.workload.clone(), w.quarter.since(scenario.start) as usize, w.coverage_peak.clamp(0.0, 1.0)))
        .collect();
    let forbidden = evaluation.violations.iter().filter(|v| v.kind == ViolationKind::ExportControl).count();
    let lowest_at = lowest
        .filter(|_| lowest_served < SERVED_MIN)
        .map(|w| format!("{} in {}", w.workload, w.quarter))
        .or_else(|| (forbidden > 0).then(|| format!("{forbidden} export-control violation(s)")));
    let outcome = FutureOutcome {
        future: index + 1,
        served: lowest_served >= SERVED_MIN && forbidden == 0,
        lowest_served,
        lowest_at,
        forbidden,
        shortfall: evaluation.workloads.iter().map(|w| (1.0 - w.coverage_peak).max(0.0)).sum(),
        in_model: false,
        left_out: false,
        spend: evaluation.spend.total,
        violations: evaluation.violations.len(),
    };
    Checked { outcome, short }
}
