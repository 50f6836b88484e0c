//! Monte Carlo sweeps as a front end asks for them (`fleetplan sweep`, Python
//! `fleetplan.sweep(...)` and `fleetplan.distributed.sweep(...)`): the summary document
//! (summary.json, `--format json`, `to_dict()`) built from a [`Sweep`].

use fleetplan_engines::sweep::{Choice, InputColumn, Spread, Sweep, SweepMode, TornadoBar};
use serde::Serialize;
use std::collections::BTreeMap;

/// Most samples one sweep takes (memory: one row of inputs and outputs per sample).
pub const MAX_SAMPLES: usize = 1_000_000;

/// Output the tornado is drawn for when none is named.
pub const DEFAULT_TORNADO_OUTPUT: &str = "spend_total";

/// Why `wrong` names no output of `result`: "`wrong` is not an output of this sweep; did you
/// mean ...? (outputs include ...)" (the front end puts its flag or argument name before it).
pub fn unknown_output_message(result: &Sweep, wrong: &str) -> String {
    let names: Vec<&str> = result.outputs.iter().map(|c| c.name.as_str()).collect();
    let hint = fleetplan_core::suggest::did_you_mean(wrong, names.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    let shown: Vec<&str> = names.iter().copied().filter(|n| !n.starts_with("coverage.")).take(12).collect();
    format!(
        "`{wrong}` is not an output of this sweep{hint} (outputs include {}; summary.json lists all)",
        shown.join(", ")
    )
}

/// One output's statistics in summary.json.
#[derive(Debug, Serialize)]
pub struct OutputSummary {
    /// Output name.
    pub name: String,
    /// Value with every input at its nominal value.
    pub nominal: Option<f64>,
    /// p5/p50/p95/mean over the samples (absent when undefined in every sample).
    #[serde(flatten)]
    pub spread: Option<Spread>,
}

/// The rank correlations of one output with the inputs, strongest first.
#[derive(Debug, Serialize)]
pub struct OutputSensitivity {
    /// Output name.
    pub output: String,
    /// (input path, Spearman's rho), by |rho| descending; inputs without a defined rho left out.
    pub spearman: Vec<(String, f64)>,
}

/// The tornado of one output.
#[derive(Debug, Serialize)]
pub struct Tornado {
    /// Output name.
    pub output: String,
    /// Its value with every input nominal.
    pub nominal: Option<f64>,
    /// Bars, largest swing first.
    pub bars: Vec<TornadoBar>,
}

/// summary.json: what a sweep found.
#[derive(Debug, Serialize)]
pub struct SweepSummary {
    /// Scenario name.
    pub scenario: String,
    /// Currency of money outputs.
    pub currency: String,
    /// evaluate or optimize.
    pub mode: SweepMode,
    /// Seed of the draw.
    pub seed: u64,
    /// Samples drawn.
    pub samples: usize,
    /// Whether the rate table was searched once and reused (docs/uncertainty.md).
    pub rates_searched_once: bool,
    /// Whether the training plan was searched once and reused.
    pub training_searched_once: bool,
    /// The varied inputs.
    pub inputs: Vec<InputColumn>,
    /// Every output: nominal, p5, p50, p95, mean.
    pub outputs: Vec<OutputSummary>,
    /// Probability that each workload misses its demand in some quarter.
    pub probability_miss_demand: BTreeMap<String, f64>,
    /// Probability that a held chip cannot serve each workload at its SLO.
    pub probability_miss_slo: BTreeMap<String, f64>,
    /// Probability of at least one export-control violation.
    pub probability_policy_violation: Option<f64>,
    /// One-at-a-time swings of the chosen output.
    pub tornado: Tornado,
    /// Spearman rank correlations per output.
    pub sensitivity: Vec<OutputSensitivity>,
    /// Optimize mode: how often each purchase, lease or build is chosen and how much.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

impl SweepSummary {
    /// Summarise `result`, with the tornado of output `tornado_output` (column index).
    pub fn new(scenario: &str, currency: &str, result: &Sweep, tornado_output: usize) -> SweepSummary {
        let outputs = result
            .outputs
            .iter()
            .enumerate()
            .map(|(j, c)| OutputSummary { name: c.name.clone(), nominal: result.nominal[j], spread: result.spreads[j] })
            .collect();
        let probabilities = |prefix: &str| -> BTreeMap<String, f64> {
            result
                .outputs
                .iter()
                .filter_map(|c| Some((c.name.strip_prefix(prefix)?.to_string(), result.probability(&c.name)?)))
                .collect()
        };
        let sensitivity = result
            .outputs
            .iter()
            .zip(&result.correlations)
            .map(|(c, row)| {
                let mut spearman: Vec<(String, f64)> =
                    result.inputs.iter().zip(row).filter_map(|(i, rho)| Some((i.path.clone(), (*rho)?))).collect();
                spearman.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
                OutputSensitivity { output: c.name.clone(), spearman }
            })
            .collect();
        SweepSummary {
            scenario: scenario.to_string(),
            currency: currency.to_string(),
            mode: result.mode,
            seed: result.seed,
            samples: result.output_values.len(),
            rates_searched_once: result.rates_reused,
            training_searched_once: result.training_reused,
            inputs: result.inputs.clone(),
            outputs,
            probability_miss_demand: probabilities("miss_demand."),
            probability_miss_slo: probabilities("miss_slo."),
            probability_policy_violation: result.probability("policy_violation"),
            tornado: Tornado {
                output: result.outputs[tornado_output].name.clone(),
                nominal: result.nominal[tornado_output],
                bars: result.tornado(tornado_output),
            },
            sensitivity,
            choices: result.choices(),
        }
    }
}

/// The settings of a sweep as the front ends run it: the planner without its explanation in
/// optimize mode (as `fleetplan optimize` plans, minus the text).
pub fn sweep_settings(samples: usize, seed: u64, mode: SweepMode) -> fleetplan_engines::sweep::SweepSettings {
    fleetplan_engines::sweep::SweepSettings {
        samples,
        seed,
        mode,
        plan: fleetplan_engines::plan::PlanOptions { explain: false, ..Default::default() },
    }
}
