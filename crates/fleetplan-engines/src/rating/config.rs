//! The serving configuration a chat rate was found at: aggregated instances or disaggregated
//! prefill/decode pools, with their instance sizes and layouts (chosen by
//! [`infer::best_configuration`](fleetplan_models::infer::best_configuration), the one search
//! for the fewest chip-seconds per request). The evaluator shows it, the simulator deploys it.

use fleetplan_models::infer::{Configuration, Layout};
use serde::Serialize;
use std::fmt;

/// How the chips serving a chat workload on one chip type are organised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ServingConfig {
    /// Every instance prefills and decodes (continuous batching).
    Aggregated {
        /// Chips per instance.
        instance_chips: u32,
        /// Layout of one instance.
        layout: Layout,
    },
    /// Prefill and decode in separate pools (P/D disaggregation); the KV cache moves from a
    /// prefill instance to a decode instance.
    Disaggregated {
        /// Chips per prefill instance.
        prefill_chips: u32,
        /// Layout of one prefill instance.
        prefill_layout: Layout,
        /// Chips per decode instance.
        decode_chips: u32,
        /// Layout of one decode instance.
        decode_layout: Layout,
        /// Share of all chips in the prefill pool, 0–1 (from the request shape's token mix).
        prefill_chip_share: f64,
        /// Prefill chips per decode chip (`share / (1 − share)`).
        prefill_per_decode_chip: f64,
    },
}

impl ServingConfig {
    /// The summary of a configuration the search chose.
    pub fn of(configuration: &Configuration) -> ServingConfig {
        match configuration {
            Configuration::Aggregated(pool) => {
                ServingConfig::Aggregated { instance_chips: pool.instance_chips, layout: pool.layout() }
            }
            Configuration::Disaggregated { prefill, decode, prefill_chip_share } => ServingConfig::Disaggregated {
                prefill_chips: prefill.instance_chips,
                prefill_layout: prefill.layout(),
                decode_chips: decode.instance_chips,
                decode_layout: decode.layout(),
                prefill_chip_share: *prefill_chip_share,
                prefill_per_decode_chip: prefill_chip_share / (1.0 - prefill_chip_share).max(1e-12),
            },
        }
    }

    /// Chips of the instance that holds a request while it decodes (the aggregated instance or
    /// the decode instance), and its layout.
    pub fn decode_instance(&self) -> (u32, Layout) {
        match *self {
            ServingConfig::Aggregated { instance_chips, layout } => (instance_chips, layout),
            ServingConfig::Disaggregated { decode_chips, decode_layout, .. } => (decode_chips, decode_layout),
        }
    }
}

/// "tp8 pp1 dp2 ep16" (the rate table's layout text).
fn layout_text(layout: &Layout) -> String {
    super::RateLayout::Parallel(*layout).to_string()
}

impl fmt::Display for ServingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServingConfig::Aggregated { instance_chips, layout } => {
                write!(f, "aggregated {instance_chips} ({})", layout_text(layout))
            }
            ServingConfig::Disaggregated {
                prefill_chips,
                prefill_layout,
                decode_chips,
                decode_layout,
                prefill_per_decode_chip,
                ..
            } => write!(
                f,
                "P/D prefill {prefill_chips} ({}) + decode {decode_chips} ({}), chips {prefill_per_decode_chip:.2}:1",
                layout_text(prefill_layout),
                layout_text(decode_layout)
            ),
        }
    }
}
