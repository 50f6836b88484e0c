//! Diurnal valley filling (docs/planner.md, "Diurnal valley filling"): a fleet sized for its
//! busiest hour lends the accelerators that serving does not need at the other hours to batch
//! work and training (DeepSeek's published practice), so the cost charged to inference is the
//! average serving accelerators × their hourly cost × 24, not the whole fleet's.
//!
//! Per quarter, for every (workload, user region) the evaluator allocated capacity to: at hour
//! `h` of the workload's diurnal profile (the one home: `models::demand::profile_of`), the
//! accelerators of each allocated pool that serving needs are `a × min(mean × factorₕ, C) / C`
//! (`a` the pool's accelerators allocated to that demand at the peak hour, `C` the capacity they
//! give). Summed over workloads per hour: the peak is the largest hour, the average the mean of
//! the 24. Capacity allocated above the peak-hour need (rounding) counts as not needed.

use crate::eval::{Evaluation, HoldingEval};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Quarter, Scenario, WorkloadSpec};
use fleetplan_models::demand::{HOURS_PER_DAY, Profile, profile_of};
use serde::Serialize;
use std::collections::BTreeMap;

/// Serving accelerators hour by hour in one quarter, and the cost charged to inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValleyQuarter {
    /// Quarter.
    pub quarter: Quarter,
    /// Accelerators in service (serving, training and idle).
    pub accelerators_held: u64,
    /// Serving accelerators needed in the busiest hour.
    pub accelerators_peak: f64,
    /// Serving accelerators needed, averaged over the 24 hours of the day.
    pub accelerators_average: f64,
    /// Accelerator-hours per day that serving leaves free on the held fleet (lent to batch
    /// work and training): 24 × held − Σₕ serving accelerators.
    pub lent_accelerator_hours_per_day: f64,
    /// Cost per day charged to inference: Σ over pools of average serving accelerators × the
    /// pool's cost per accelerator-hour (owned: capex over life + opex; leased: the lease) × 24,
    /// in the scenario currency.
    pub inference_cost_per_day: f64,
}

impl std::fmt::Display for ValleyQuarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: serving needs {:.0} accelerators in the busiest hour and {:.0} on average of {} held; {:.0} accelerator-hours/day left to batch and training; inference cost per day {:.0}",
            self.quarter,
            self.accelerators_peak,
            self.accelerators_average,
            self.accelerators_held,
            self.lent_accelerator_hours_per_day,
            self.inference_cost_per_day
        )
    }
}

/// Mean cost per accelerator-hour, USD, of the holdings of `chip` at `site` in service in
/// `quarter`, weighted by accelerators (0 when there are none): the one home of a pool's
/// hourly cost (the evaluator's cost per token reads it too).
pub fn pool_usd_per_accelerator_hour(holdings: &[HoldingEval], site: &str, chip: &str, quarter: Quarter) -> f64 {
    let in_service =
        || holdings.iter().filter(move |h| h.site == site && h.chip == chip && h.from <= quarter && quarter <= h.until);
    let accelerators: f64 = in_service().map(|h| h.accelerators as f64).sum();
    if accelerators > 0.0 {
        in_service().map(|h| h.usd_per_accelerator_hour * h.accelerators as f64).sum::<f64>() / accelerators
    } else {
        0.0
    }
}

/// The valley of every quarter of an evaluated fleet (`evaluation` of `scenario`).
pub fn valley(scenario: &Scenario, catalog: &Catalog, evaluation: &Evaluation) -> Vec<ValleyQuarter> {
    let profiles: BTreeMap<&str, Profile> = scenario
        .workloads
        .iter()
        .filter_map(|w| match &w.spec {
            WorkloadSpec::Chat(chat) => Some((w.id.as_str(), profile_of(&chat.serving, catalog))),
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => Some((w.id.as_str(), profile_of(&g.serving, catalog))),
            WorkloadSpec::Training(_) => None,
        })
        .collect();
    evaluation.quarters.iter().map(|q| quarter_valley(evaluation, &profiles, q.quarter, q.accelerators)).collect()
}

/// One quarter: serving accelerators per (site, chip) pool and hour, then peak, mean and cost.
fn quarter_valley(
    evaluation: &Evaluation,
    profiles: &BTreeMap<&str, Profile>,
    quarter: Quarter,
    held: u64,
) -> ValleyQuarter {
    let mut hourly: BTreeMap<(&str, &str), [f64; HOURS_PER_DAY]> = BTreeMap::new();
    for w in evaluation.workloads.iter().filter(|w| w.quarter == quarter) {
        let flat = Profile::flat();
        let profile = profiles.get(w.workload.as_str()).unwrap_or(&flat);
        for region in &w.regions {
            let capacity = region.capacity_per_s;
            if !(capacity > 0.0 && capacity.is_finite()) {
                continue;
            }
            let busy: Vec<f64> =
                profile.factor.iter().map(|f| (region.demand_mean_per_s * f).min(capacity) / capacity).collect();
            for a in w.allocation.iter().filter(|a| a.user_region.as_str() == region.region) {
                let pool = hourly.entry((a.site.as_str(), a.chip.as_str())).or_insert([0.0; HOURS_PER_DAY]);
                for (slot, share) in pool.iter_mut().zip(&busy) {
                    *slot += a.accelerators * share;
                }
            }
        }
    }
    let mut total = [0.0; HOURS_PER_DAY];
    let mut cost_per_day = 0.0;
    for ((site, chip), hours) in &hourly {
        for (t, x) in total.iter_mut().zip(hours) {
            *t += x;
        }
        let average = hours.iter().sum::<f64>() / HOURS_PER_DAY as f64;
        let usd_per_hour = pool_usd_per_accelerator_hour(&evaluation.holdings, site, chip, quarter);
        cost_per_day += average * usd_per_hour * evaluation.currency_per_usd * HOURS_PER_DAY as f64;
    }
    let peak = total.iter().copied().fold(0.0, f64::max);
    let serving_hours: f64 = total.iter().sum();
    ValleyQuarter {
        quarter,
        accelerators_held: held,
        accelerators_peak: peak,
        accelerators_average: serving_hours / HOURS_PER_DAY as f64,
        lent_accelerator_hours_per_day: (held as f64 * HOURS_PER_DAY as f64 - serving_hours).max(0.0),
        inference_cost_per_day: cost_per_day,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::evaluate;
    use fleetplan_core::scenario::validate;

    const SCENARIO: &str = r#"
[scenario]
name = "valley"
currency = "USD"
start = "2025Q1"
quarters = 1
[buyer]
name = "b"
headquarters = "US"
[budget]
total = 1e9
[[site]]
id = "s"
region = "us"
available_mw = 50
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-70b"
precision = "fp8"
daily_users = 1e6
requests_per_user_per_day = 5
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 50
user_regions = { us = 1.0 }
diurnal = DIURNAL
[[fleet]]
chip = "h100-sxm"
site = "s"
count = 4096
mode = "lease"
lease_usd_per_hour = 2.0
from = "2025Q1"
"#;

    fn run(diurnal: &str) -> ValleyQuarter {
        let catalog = Catalog::builtin().unwrap();
        let s = validate("v.toml", &SCENARIO.replace("DIURNAL", diurnal), &catalog).unwrap();
        let e = evaluate(&s, &catalog).unwrap();
        valley(&s, &catalog, &e).remove(0)
    }

    #[test]
    fn a_flat_day_has_no_valley_and_a_peaked_day_costs_its_average() {
        let flat = run("[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]");
        assert!(flat.accelerators_peak > 0.0);
        assert!((flat.accelerators_peak - flat.accelerators_average).abs() < 1e-6 * flat.accelerators_peak);
        // Lease at USD 2 per accelerator-hour, all-in.
        let expected = flat.accelerators_average * 2.0 * 24.0;
        assert!((flat.inference_cost_per_day - expected).abs() < 1e-6 * expected, "{flat:?}");
        // Twelve hours at 3, twelve at 1: peak over mean = 1.5; the same daily demand.
        let peaked = run("[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]");
        assert!((peaked.accelerators_peak / peaked.accelerators_average - 1.5).abs() < 1e-6, "{peaked:?}");
        assert!((peaked.accelerators_average - flat.accelerators_average).abs() < 1e-6 * flat.accelerators_average);
        let lent = 24.0 * 4096.0 - 24.0 * peaked.accelerators_average;
        assert!((peaked.lent_accelerator_hours_per_day - lent).abs() < 1e-6 * lent);
        assert!(peaked.to_string().contains("busiest hour"));
    }
}
