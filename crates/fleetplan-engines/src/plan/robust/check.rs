//! The evaluator's verdict on a robust plan in each future: the plan's fleet written into the
//! future's scenario and evaluated with the future's throughput factors
//! (`eval::evaluate_with_searches` with the future's rates × its throughput factors). A future is served when every serving workload
//! gets at least [`SERVED_MIN`] of its peak demand in every quarter and the future's export
//! controls allow every holding of the plan (a licence sampled as not granted forbids some).

use super::FutureOutcome;
use crate::eval::{EvalError, Evaluation, ViolationKind, evaluate_with_searches, fleet_rates};
use crate::rating::RateTable;
use crate::sweep::scaled;
use fleetplan_core::scenario::{Holding, Scenario};
use fleetplan_core::uncertainty::Sampled;
use rayon::prelude::*;
use std::sync::Mutex;

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

/// Each future's rate table for the last fleet it was evaluated with, keyed by the fleet's
/// (site region, chip) pools: the rate search is the expensive part of an evaluation and
/// depends only on those pools and the future's workloads and catalog, so a round whose plan
/// holds the same pools reuses it.
pub(super) type RateCache = Vec<CachedRates>;

/// One future's cached rate table: the fleet's (region, chip) pools it was searched for, and
/// the table (throughput factors applied).
pub(super) type CachedRates = Mutex<Option<(Vec<(String, String)>, RateTable)>>;

/// An empty cache for `futures` futures.
pub(super) fn rate_cache(futures: usize) -> RateCache {
    (0..futures).map(|_| Mutex::new(None)).collect()
}

/// Evaluate `fleet` in every future (in parallel; the result is in the futures' order).
pub(super) fn outcomes(futures: &[Sampled], fleet: &[Holding], cache: &RateCache) -> Result<Vec<Checked>, EvalError> {
    futures
        .par_iter()
        .zip(cache)
        .enumerate()
        .map(|(index, (future, cached))| {
            let evaluation = evaluate_in(future, fleet, cached)?;
            Ok(checked(index, &future.scenario, &evaluation))
        })
        .collect()
}

/// The evaluation of `fleet` in one future, with its rates taken from `cached` when the
/// fleet's pools are those it holds (and stored there otherwise).
pub(super) fn evaluate_in(future: &Sampled, fleet: &[Holding], cached: &CachedRates) -> Result<Evaluation, EvalError> {
    let mut with_plan = future.scenario.clone();
    with_plan.fleet = fleet.to_vec();
    let mut pools: Vec<(String, String)> =
        fleet.iter().map(|h| (with_plan[&h.site].region.to_string(), h.hardware.chip.to_string())).collect();
    pools.sort();
    pools.dedup();
    let known = cached.lock().ok().and_then(|c| c.as_ref().filter(|(key, _)| *key == pools).map(|(_, t)| t.clone()));
    let rates = match known {
        Some(rates) => rates,
        None => {
            let rates = scaled(&fleet_rates(&with_plan, &future.catalog), future);
            if let Ok(mut slot) = cached.lock() {
                *slot = Some((pools, rates.clone()));
            }
            rates
        }
    };
    evaluate_with_searches(&with_plan, &future.catalog, rates, None)
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
        left_out: None,
        spend: evaluation.spend.total,
        violations: evaluation.violations.len(),
    };
    Checked { outcome, short }
}
