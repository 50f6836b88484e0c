//! Sensitivity of a sweep's outputs to its inputs: one-at-a-time swings for a tornado chart,
//! Spearman rank correlations over the samples, and how often a plan makes each choice.

use super::stats::{Spread, pearson, ranks};
use super::{Absent, Sweep};
use rayon::prelude::*;
use serde::Serialize;

/// One bar of a tornado chart: an output with one input at its 5th and at its 95th percentile,
/// the others nominal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoBar {
    /// Input path.
    pub input: String,
    /// The input's low value (5th percentile).
    pub input_low: f64,
    /// The input's high value (95th percentile).
    pub input_high: f64,
    /// The output with the input low.
    pub output_at_low: f64,
    /// The output with the input high.
    pub output_at_high: f64,
    /// |output_at_high − output_at_low|.
    pub swing: f64,
}

/// How often a plan makes one choice (a purchase, lease or build) over the samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    /// Output name (`buy.OPTION.SITE.QUARTER`, `lease.…`, `build.SITE.QUARTER`).
    pub name: String,
    /// Share of the samples whose plan makes it, 0–1.
    pub chosen_share: f64,
    /// Its quantity (accelerators, or MW for a build) over the samples that make it.
    pub quantity: Option<Spread>,
}

impl Sweep {
    /// Tornado of output `output` (column index): one bar per input whose swing is defined,
    /// largest swing first (ties in input order).
    pub fn tornado(&self, output: usize) -> Vec<TornadoBar> {
        let mut bars: Vec<TornadoBar> = self
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| {
                let (low, high) = (self.low.get(i)?.get(output).copied()??, self.high.get(i)?.get(output).copied()??);
                Some(TornadoBar {
                    input: input.path.clone(),
                    input_low: input.low,
                    input_high: input.high,
                    output_at_low: low,
                    output_at_high: high,
                    swing: (high - low).abs(),
                })
            })
            .collect();
        // A stable sort keeps input order among equal swings.
        bars.sort_by(|a, b| b.swing.total_cmp(&a.swing));
        bars
    }

    /// Optimize mode: every choice some sample's plan makes, with how often and how much.
    pub fn choices(&self) -> Vec<Choice> {
        self.outputs
            .iter()
            .enumerate()
            .filter(|(_, column)| column.absent == Absent::Zero)
            .map(|(j, column)| {
                let values: Vec<f64> = self.output_values.iter().filter_map(|row| row[j]).collect();
                let chosen: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
                Choice {
                    name: column.name.clone(),
                    chosen_share: if values.is_empty() { 0.0 } else { chosen.len() as f64 / values.len() as f64 },
                    quantity: Spread::of(&chosen),
                }
            })
            .collect()
    }
}

/// Spearman rank correlation of every input column with every output column: one row per
/// output, one entry per input. Samples where an output is undefined are left out of its row.
pub(super) fn correlations(
    input_values: &[Vec<f64>],
    output_values: &[Vec<Option<f64>>],
    inputs: usize,
) -> Vec<Vec<Option<f64>>> {
    let column = |i: usize| -> Vec<f64> { input_values.iter().map(|row| row[i]).collect() };
    let input_ranks: Vec<Vec<f64>> = (0..inputs).into_par_iter().map(|i| ranks(&column(i))).collect();
    let outputs = output_values.first().map_or(0, Vec::len);
    (0..outputs)
        .into_par_iter()
        .map(|j| {
            let defined: Vec<usize> = (0..output_values.len()).filter(|&s| output_values[s][j].is_some()).collect();
            let values: Vec<f64> = defined.iter().filter_map(|&s| output_values[s][j]).collect();
            let output_ranks = ranks(&values);
            (0..inputs)
                .map(|i| {
                    if defined.len() == output_values.len() {
                        pearson(&input_ranks[i], &output_ranks)
                    } else {
                        let subset: Vec<f64> = defined.iter().map(|&s| input_values[s][i]).collect();
                        pearson(&ranks(&subset), &output_ranks)
                    }
                })
                .collect()
        })
        .collect()
}
