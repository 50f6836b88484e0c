//! Rating: what one chip does for one workload, the one home of that answer for the evaluator,
//! the planner and the simulator.
//!
//! - [`rate`] / [`rate_table`]: throughput of a (workload, chip) pair at the workload's SLO from
//!   the performance engine (LLM serving searched over instance sizes and layouts; diffusion at
//!   the largest batch within the latency target), with a structured [`RateLayout`] and a typed
//!   [`RateProblem`] when the pair gives no usable capacity.
//! - [`plan_training`]: placement of training runs on (site, chip) pools and their completion.
//! - [`unit_costs`]: cost per token or item at full load.

mod config;
mod serving;
mod training;
mod unit_cost;

pub use config::ServingConfig;
pub use serving::{chat_query, rate};
pub use training::{ChipPool, TrainingEval, TrainingPlan, TrainingProblem, plan_training};
pub use unit_cost::{PricedChips, UnitCost, unit_costs};

use fleetplan_core::catalog::{Catalog, ChipId, RegionId};
use fleetplan_core::scenario::{CapacityBasis, Scenario, Workload, WorkloadSpec};
use fleetplan_models::demand::may_serve;
use fleetplan_models::error::PerfError;
use fleetplan_models::infer::Layout;
use rayon::prelude::*;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// Largest serving instance (or prefill / decode pool instance) tried, chips: the
/// configuration search's ([`fleetplan_models::infer::config`]).
pub use fleetplan_models::infer::MAX_INSTANCE_CHIPS;

/// Rates keyed by (workload id, chip id).
pub type RateTable = BTreeMap<(String, String), Rate>;

/// A chip's throughput factor in a sampled world (`fleetplan_core::uncertainty::Sampled`): the
/// factor the sampled performance efficiency multiplies its rates by, 1 where not sampled.
pub fn throughput_factor(factors: &BTreeMap<ChipId, f64>, chip: &str) -> f64 {
    factors.iter().find(|(id, _)| id.as_str() == chip).map_or(1.0, |(_, factor)| *factor)
}

/// `table` with each rate's throughputs multiplied by its chip's [`throughput_factor`] (the
/// one place sampled efficiency reaches serving rates: sweeps, robust plans, sampled plans).
pub fn scaled_rates(mut table: RateTable, factors: &BTreeMap<ChipId, f64>) -> RateTable {
    for rate in table.values_mut() {
        let factor = throughput_factor(factors, &rate.chip);
        if factor != 1.0 {
            rate.per_chip_per_s *= factor;
            rate.input_per_chip_per_s *= factor;
        }
    }
    table
}

/// Throughput of one workload on one chip at the workload's SLO.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    /// Workload id.
    pub workload: String,
    /// Chip id.
    pub chip: String,
    /// Precision used (the workload's, or bf16 when the chip lacks it).
    pub precision: String,
    /// Chat: output tokens/s per chip; image/video: items/s per chip.
    pub per_chip_per_s: f64,
    /// Chat: input tokens/s per chip at the same point.
    pub input_per_chip_per_s: f64,
    /// Chat: share of chip time spent on prompts (disaggregated split), for cost per input token.
    pub input_cost_share: f64,
    /// Chips per serving instance (chat: the instance a request decodes on, the decode pool's
    /// in a disaggregated configuration) or 1.
    pub instance_chips: u32,
    /// How that instance is laid out (serialised as "tp… pp… dp… ep…", "batch …" or "").
    pub layout: RateLayout,
    /// Chat: the serving configuration chosen for the fewest chip-seconds per request
    /// (aggregated or disaggregated, instance chips, layouts, prefill:decode chip ratio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving: Option<ServingConfig>,
    /// Chat: p99 TTFT at the operating point, ms.
    pub ttft_p99_ms: Option<f64>,
    /// Chat: p99 TPOT at the operating point, ms.
    pub tpot_p99_ms: Option<f64>,
    /// Image/video: seconds per batch.
    pub latency_s: Option<f64>,
    /// Why the rate is zero or misses a target, if so.
    pub problem: Option<RateProblem>,
}

impl Rate {
    /// Whether the rate gives capacity: positive, finite and meeting the workload's SLO.
    pub fn usable(&self) -> bool {
        self.per_chip_per_s > 0.0 && self.per_chip_per_s.is_finite() && self.problem.is_none()
    }

    /// A zero rate with the reason.
    fn zero(workload: &str, chip: &str, precision: fleetplan_core::units::Precision, problem: RateProblem) -> Rate {
        Rate {
            workload: workload.to_string(),
            chip: chip.to_string(),
            precision: precision.as_str().to_string(),
            per_chip_per_s: 0.0,
            input_per_chip_per_s: 0.0,
            input_cost_share: 0.0,
            instance_chips: 0,
            layout: RateLayout::Unrated,
            serving: None,
            ttft_p99_ms: None,
            tpot_p99_ms: None,
            latency_s: None,
            problem: Some(problem),
        }
    }
}

/// How one serving instance of a rated pair is laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateLayout {
    /// No instance (the pair has no rate); shown as "".
    Unrated,
    /// LLM serving: tensor, pipeline, data and expert parallel degrees; shown as "tp2 pp1 dp4 ep1".
    Parallel(Layout),
    /// Diffusion: images or clips per batch on one chip; shown as "batch 8".
    Batch(u32),
}

impl fmt::Display for RateLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateLayout::Unrated => Ok(()),
            RateLayout::Parallel(layout) => {
                write!(f, "tp{} pp{} dp{} ep{}", layout.tp, layout.pp, layout.dp, layout.ep)
            }
            RateLayout::Batch(batch) => write!(f, "batch {batch}"),
        }
    }
}

impl Serialize for RateLayout {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a (workload, chip) pair has no rate or misses the workload's latency target. Serialised
/// as its message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateProblem {
    /// The chip's performance family is not in the catalog.
    #[error("chip `{chip}` has no perf family")]
    NoPerfFamily {
        /// Chip id.
        chip: String,
    },
    /// The performance engine cannot rate the chip (e.g. precision unsupported).
    #[error(transparent)]
    Perf(#[from] PerfError),
    /// No LLM serving configuration (instances or pools up to [`MAX_INSTANCE_CHIPS`] chips)
    /// meets the SLO.
    #[error(
        "`{model}` cannot be served on up to {MAX_INSTANCE_CHIPS} `{chip}` at the SLO: {}",
        last_error.as_ref().map(ToString::to_string).unwrap_or_default()
    )]
    NoInstanceMeetsSlo {
        /// Model id.
        model: String,
        /// Chip id.
        chip: String,
        /// Why the largest instance tried failed.
        last_error: Option<PerfError>,
    },
    /// Even the batch that best meets it takes longer than the diffusion p99 latency target.
    #[error("a batch of {batch} on `{chip}` takes {batch_latency_s:.1} s, over the {target_s} s p99 target")]
    OverLatencyTarget {
        /// Items per batch.
        batch: u32,
        /// Chip id.
        chip: String,
        /// Seconds per batch.
        batch_latency_s: f64,
        /// p99 latency target, s.
        target_s: f64,
    },
    /// Training runs are not served.
    #[error("training runs have no serving rate")]
    TrainingNotServed,
}

impl Serialize for RateProblem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A chip in a site's region: a place a workload might be served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCandidate<'a> {
    /// Region of the site.
    pub site_region: &'a RegionId,
    /// Chip.
    pub chip: &'a ChipId,
}

/// Rates of every (serving workload, chip) pair whose chip sits in a candidate region that
/// residency lets serve some of the workload's users; one performance search per pair, in
/// parallel. Under `[performance] capacity = "low"` each rate is the low end of its 80 %
/// prediction interval.
pub fn rate_table(scenario: &Scenario, catalog: &Catalog, candidates: &[RateCandidate<'_>]) -> RateTable {
    let mut pairs: Vec<(&Workload, &ChipId)> = Vec::new();
    for workload in &scenario.workloads {
        let (user_regions, cross_border) = match &workload.spec {
            WorkloadSpec::Chat(c) => (&c.serving.user_regions, c.serving.cross_border),
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => (&g.serving.user_regions, g.serving.cross_border),
            WorkloadSpec::Training(_) => continue,
        };
        for candidate in candidates {
            let site_region = &catalog[candidate.site_region];
            let eligible = user_regions
                .keys()
                .map(|user_region| &catalog[user_region])
                .any(|user_region| may_serve(user_region, site_region, cross_border));
            let known = pairs.iter().any(|(w, chip)| w.id == workload.id && *chip == candidate.chip);
            if eligible && !known {
                pairs.push((workload, candidate.chip));
            }
        }
    }
    pairs
        .par_iter()
        .map(|(workload, chip)| {
            let rated = rate(catalog, workload, chip);
            let rated = match scenario.capacity {
                CapacityBasis::Expected => rated,
                CapacityBasis::Low => serving::at_low_end(catalog, workload, rated),
            };
            ((workload.id.clone(), chip.to_string()), rated)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_and_problems_serialise_as_their_text() {
        let layout = RateLayout::Parallel(Layout { tp: 2, pp: 1, dp: 4, ep: 8 });
        assert_eq!(serde_json::to_string(&layout).unwrap(), "\"tp2 pp1 dp4 ep8\"");
        assert_eq!(serde_json::to_string(&RateLayout::Batch(3)).unwrap(), "\"batch 3\"");
        assert_eq!(serde_json::to_string(&RateLayout::Unrated).unwrap(), "\"\"");
        let problem = RateProblem::OverLatencyTarget {
            batch: 1,
            chip: "h100-sxm".into(),
            batch_latency_s: 12.345,
            target_s: 10.0,
        };
        assert_eq!(problem.to_string(), "a batch of 1 on `h100-sxm` takes 12.3 s, over the 10 s p99 target");
        assert_eq!(serde_json::to_string(&problem).unwrap(), format!("\"{problem}\""));
        let none_fits = RateProblem::NoInstanceMeetsSlo { model: "m".into(), chip: "c".into(), last_error: None };
        assert_eq!(
            none_fits.to_string(),
            format!("`m` cannot be served on up to {MAX_INSTANCE_CHIPS} `c` at the SLO: ")
        );
    }
}
