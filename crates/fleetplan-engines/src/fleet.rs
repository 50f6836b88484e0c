//! Fleet-level figures of a scenario, for fleet validation cases (`fleetplan validate`,
//! `[[fleet_case]]`): run the chain demand → serving configuration → accelerators → cost and
//! report the published kinds of figure (accelerators in the busiest hour and on average, cost
//! per day charged to inference, tokens served per day) for the scenario's first quarter.
//!
//! Which engine runs: a scenario with procurement options (`[[option]]`) is planned
//! ([`crate::plan::plan`], objective as written, no marginal-value re-solves) and the figures
//! come from the evaluator's check of the plan; a scenario without options is its fixed fleet,
//! evaluated as is ([`crate::eval::evaluate`]). Either way the hour-by-hour serving need comes
//! from [`valley`] (docs/planner.md, "Diurnal valley filling").

pub mod valley;

use crate::eval::{EvalError, Evaluation, evaluate};
use crate::plan::{PlanError, PlanOptions, plan};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Quarter, SECONDS_PER_DAY, Scenario};
use fleetplan_models::demand::serving_demand;
use fleetplan_models::validation::fleet::FleetMetric;
use serde::Serialize;
pub use valley::{ValleyQuarter, pool_usd_per_accelerator_hour};

/// How the fleet behind the figures was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FleetBasis {
    /// Planned by the optimiser from the scenario's options, then evaluated.
    Planned,
    /// Planned under the smallest relaxation (the scenario is infeasible as written).
    PlannedRelaxed,
    /// The scenario's own fixed fleet, evaluated.
    Evaluated,
}

impl FleetBasis {
    /// Words for a report.
    pub fn as_str(self) -> &'static str {
        match self {
            FleetBasis::Planned => "planned (optimize)",
            FleetBasis::PlannedRelaxed => "planned under a relaxation (infeasible as written)",
            FleetBasis::Evaluated => "fixed fleet (evaluate)",
        }
    }
}

/// Fleet-level figures of a scenario's first quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetMetrics {
    /// How the fleet was obtained.
    pub basis: FleetBasis,
    /// Scenario currency (of `valley.inference_cost_per_day`).
    pub currency: String,
    /// Accelerators and cost per day of the first quarter.
    pub valley: ValleyQuarter,
    /// Output tokens served per day in the first quarter (chat workloads).
    pub output_tokens_per_day: f64,
    /// Input (prompt) tokens served per day in the first quarter (chat workloads): mean prompt
    /// tokens/s of each user region × its daily coverage × 86,400 s.
    pub input_tokens_per_day: f64,
}

impl FleetMetrics {
    /// The figure a fleet case compares.
    pub fn get(&self, metric: FleetMetric) -> f64 {
        match metric {
            FleetMetric::AcceleratorsPeak => self.valley.accelerators_peak,
            FleetMetric::AcceleratorsAverage => self.valley.accelerators_average,
            FleetMetric::CostPerDay => self.valley.inference_cost_per_day,
            FleetMetric::OutputTokensPerDay => self.output_tokens_per_day,
            FleetMetric::InputTokensPerDay => self.input_tokens_per_day,
        }
    }
}

/// The diurnal valley of a plan, for the optimize JSON: the first quarter's figures at the top
/// level (a published fleet is dated: a scenario for it starts at that date) and every quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValleySummary {
    /// Cost per day charged to inference in the first quarter, scenario currency.
    pub inference_cost_per_day: f64,
    /// Serving accelerators in the busiest hour of the first quarter.
    pub accelerators_peak: f64,
    /// Serving accelerators averaged over the day in the first quarter.
    pub accelerators_average: f64,
    /// Every quarter of the horizon.
    pub valley_by_quarter: Vec<ValleyQuarter>,
}

/// The valley summary of an evaluated plan (`None` when the evaluation has no quarter).
pub fn valley_summary(scenario: &Scenario, catalog: &Catalog, evaluation: &Evaluation) -> Option<ValleySummary> {
    let quarters = valley::valley(scenario, catalog, evaluation);
    let first = quarters.first()?.clone();
    Some(ValleySummary {
        inference_cost_per_day: first.inference_cost_per_day,
        accelerators_peak: first.accelerators_peak,
        accelerators_average: first.accelerators_average,
        valley_by_quarter: quarters,
    })
}

/// Why fleet figures could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FleetError {
    /// The planner failed.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The evaluator failed (a scenario without options needs a `[[fleet]]`).
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The plan came back without the evaluator's check (a bug: verification is on).
    #[error("the plan was not evaluated")]
    NotEvaluated,
}

/// Fleet-level figures of `scenario` (see the module documentation for which engine runs).
pub fn fleet_metrics(scenario: &Scenario, catalog: &Catalog) -> Result<FleetMetrics, FleetError> {
    if scenario.options.is_empty() {
        let evaluation = evaluate(scenario, catalog)?;
        return Ok(metrics_of(scenario, catalog, FleetBasis::Evaluated, &evaluation));
    }
    let p = plan(scenario, catalog, &PlanOptions { explain: false, ..PlanOptions::default() })?;
    let basis = if p.feasible { FleetBasis::Planned } else { FleetBasis::PlannedRelaxed };
    let evaluation = p.evaluation.as_ref().ok_or(FleetError::NotEvaluated)?;
    Ok(metrics_of(scenario, catalog, basis, evaluation))
}

/// The first quarter's figures of an evaluated fleet.
fn metrics_of(scenario: &Scenario, catalog: &Catalog, basis: FleetBasis, evaluation: &Evaluation) -> FleetMetrics {
    let first: Quarter = scenario.start;
    let valley = valley::valley(scenario, catalog, evaluation).into_iter().find(|v| v.quarter == first).unwrap_or(
        ValleyQuarter {
            quarter: first,
            accelerators_held: 0,
            accelerators_peak: 0.0,
            accelerators_average: 0.0,
            lent_accelerator_hours_per_day: 0.0,
            inference_cost_per_day: 0.0,
        },
    );
    let chat = evaluation.workloads.iter().filter(|w| w.quarter == first && w.kind == "chat");
    let output_tokens_per_day = chat.clone().map(|w| w.served_per_day).sum();
    let demand = serving_demand(&scenario.workloads, catalog, first, 1);
    let input_tokens_per_day = chat
        .flat_map(|w| w.regions.iter().map(move |r| (w, r)))
        .map(|(w, r)| {
            let mean_input: f64 = demand
                .iter()
                .filter(|d| d.workload == w.workload && d.region.as_str() == r.region)
                .map(|d| d.mean_input_tokens_per_s)
                .sum();
            mean_input * r.coverage_daily * SECONDS_PER_DAY
        })
        .sum();
    FleetMetrics { basis, currency: evaluation.currency.clone(), valley, output_tokens_per_day, input_tokens_per_day }
}
