//! The comparison of evaluated scenarios, side by side in USD: the document of
//! `fleetplan compare --format json` and of the dashboard's `POST /api/compare` (spend,
//! accelerators, dense PFLOPS by precision, MW, chat tokens/day capacity, cost per million
//! output tokens, emissions, violations).

use fleetplan_core::catalog::Catalog;
use fleetplan_core::units::Precision;
use fleetplan_engines::eval::Evaluation;

/// One scenario's column of the comparison, in USD.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Column {
    /// The scenario's name.
    pub scenario: String,
    /// Total spend over the horizon, USD.
    pub spend_usd: f64,
    /// Budget over the horizon, USD.
    pub budget_usd: f64,
    /// Accelerators in service in the last quarter.
    pub accelerators_last_quarter: u64,
    /// Dense bf16 PFLOPS of the last quarter's fleet.
    pub dense_pflops_bf16: f64,
    /// Dense fp8 PFLOPS of the last quarter's fleet.
    pub dense_pflops_fp8: f64,
    /// Dense fp4 PFLOPS of the last quarter's fleet.
    pub dense_pflops_fp4: f64,
    /// IT load in the last quarter, MW.
    pub it_mw_last_quarter: f64,
    /// Chat serving capacity, output tokens per day.
    pub chat_capacity_output_tokens_per_day: f64,
    /// Served-weighted cost per million output tokens of chat in the last quarter, USD.
    pub usd_per_million_output_tokens: Option<f64>,
    /// Emissions per year (mean over the horizon's years), tonnes CO2.
    pub tco2_per_year: f64,
    /// Violations found by the evaluator.
    pub violations: usize,
}

impl Column {
    /// The column of evaluation `e`.
    pub fn new(e: &Evaluation, catalog: &Catalog) -> Self {
        let usd = |x: f64| x / e.currency_per_usd;
        Self {
            scenario: e.scenario.clone(),
            spend_usd: usd(e.spend.total),
            budget_usd: usd(e.spend.budget),
            accelerators_last_quarter: e.quarters.last().map_or(0, |q| q.accelerators),
            dense_pflops_bf16: pflops(e, catalog, Precision::Bf16),
            dense_pflops_fp8: pflops(e, catalog, Precision::Fp8),
            dense_pflops_fp4: pflops(e, catalog, Precision::Fp4),
            it_mw_last_quarter: e.quarters.last().map_or(0.0, |q| q.it_mw),
            chat_capacity_output_tokens_per_day: e.chat_capacity_tokens_per_day(),
            usd_per_million_output_tokens: cost_per_million_output(e).map(usd),
            tco2_per_year: e.yearly.iter().map(|y| y.tco2 * 4.0 / f64::from(y.quarters.max(1))).sum::<f64>()
                / e.yearly.len().max(1) as f64,
            violations: e.violations.len(),
        }
    }
}

/// The columns of `evaluations`, in order.
pub fn columns(evaluations: &[Evaluation], catalog: &Catalog) -> Vec<Column> {
    evaluations.iter().map(|e| Column::new(e, catalog)).collect()
}

/// The whole document: `{"scenarios": [Column, …]}` (keys of each column sorted, as the CLI
/// has always printed them).
pub fn compare_document(evaluations: &[Evaluation], catalog: &Catalog) -> serde_json::Value {
    serde_json::json!({ "scenarios": columns(evaluations, catalog) })
}

/// Dense PFLOPS of the fleet in service in the last quarter at `precision` (chips lacking the
/// precision count zero).
pub fn pflops(e: &Evaluation, catalog: &Catalog, precision: Precision) -> f64 {
    let Some(last) = e.quarters.last() else { return 0.0 };
    e.sites
        .iter()
        .filter(|s| s.quarter == last.quarter)
        .flat_map(|s| s.accelerators_by_chip.iter())
        .map(|(chip, n)| {
            catalog.accelerator(chip).ok().and_then(|c| c.dense_tflops(precision)).unwrap_or(0.0) * *n as f64 / 1e3
        })
        .sum()
}

/// Served-weighted cost per million output tokens over chat workloads in the last quarter, in
/// the scenario currency.
pub fn cost_per_million_output(e: &Evaluation) -> Option<f64> {
    let last = e.quarters.last()?.quarter;
    let (mut cost, mut tokens) = (0.0, 0.0);
    for w in e.workloads.iter().filter(|w| w.kind == "chat" && w.quarter == last) {
        if let Some(c) = w.cost_per_million_output_tokens {
            cost += c * w.served_per_day;
            tokens += w.served_per_day;
        }
    }
    (tokens > 0.0).then(|| cost / tokens)
}
