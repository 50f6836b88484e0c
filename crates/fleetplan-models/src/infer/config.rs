//! The serving configuration search: which instance sizes, aggregated or disaggregated
//! prefill/decode pools, and which layouts serve a request shape at an SLO for the fewest
//! chip-seconds per request.
//!
//! On one chip type the cost of a token is proportional to the chip-seconds it takes, so
//! configurations are compared by chip-seconds per request (prefill and decode of the request
//! shape together): equivalently by output tokens/s per chip at the shape's input:output ratio.
//! - **Aggregated**: one instance prefills and decodes (continuous batching, the server mode
//!   with its queueing-aware TTFT); every instance size of [`instance_sizes`] is searched with
//!   [`search`] (the layouts the serving stack runs).
//! - **Disaggregated** (only where the serving stack runs it, [`ServingStack::pd_disaggregation`]):
//!   a prefill pool meeting the TTFT limit (queueing wait, prefill and KV transfer) and a decode
//!   pool meeting the TPOT limit (with a free slot for 99 % of arrivals), each size searched on
//!   its own ([`ServeMode::Prefill`] / [`ServeMode::Decode`] at the workload's SLO, as `perf
//!   infer --scenario prefill|decode` with both limits), combined by [`disaggregated`] in the
//!   chip ratio the request shape needs.
//!
//! Sizes grow until a size fails to improve the per-chip rate by [`MIN_GAIN`]
//! ([`FLAT_SIZES_TO_STOP`]).

use crate::error::{LayoutError, PerfError};
use crate::infer::layout::Layout;
use crate::infer::operating::disaggregated;
use crate::infer::request::{ServeMode, Slo};
use crate::infer::search::{InferenceQuery, LayoutResult, search_where};
use serde::Serialize;

/// Largest instance (or pool instance) searched, chips: wide expert parallelism for decode
/// reaches EP 144–320 in published deployments (DeepSeek: EP144 decode over 18 nodes of 8).
pub const MAX_INSTANCE_CHIPS: u32 = 256;

/// Smallest relative gain in per-chip throughput that keeps an instance growing: a size that
/// gains less counts as no gain, and [`FLAT_SIZES_TO_STOP`] such sizes in a row end the growth.
pub const MIN_GAIN: f64 = 0.01;

/// Sizes in a row gaining less than [`MIN_GAIN`] that end an instance's growth.
pub const FLAT_SIZES_TO_STOP: u32 = 1;

/// The same for a prefill or decode pool of a disaggregated configuration: a wider pool can lose
/// at one doubling and win at the next (a wider expert-parallel decode pool holds more of the
/// batch; a deeper prefill pipeline shortens each prompt's queueing), so one flat size more is
/// tried.
pub const FLAT_POOL_SIZES_TO_STOP: u32 = 2;

/// Instance sizes searched on a chip whose scale-up domain has `scaleup_domain` chips: from the
/// domain (at most 16) doubling up to [`MAX_INSTANCE_CHIPS`], plus the domain itself and twice
/// it when they are not powers of two (72 and 144 on NVL72), ascending.
pub fn instance_sizes(scaleup_domain: u32) -> Vec<u32> {
    let mut sizes = Vec::new();
    let mut size = scaleup_domain.clamp(1, 16);
    while size <= MAX_INSTANCE_CHIPS {
        sizes.push(size);
        size *= 2;
    }
    for multiple in [scaleup_domain, scaleup_domain.saturating_mul(2)] {
        if multiple <= MAX_INSTANCE_CHIPS && !sizes.contains(&multiple) {
            sizes.push(multiple);
        }
    }
    sizes.sort_unstable();
    sizes
}

/// One pool (or aggregated instance) of a configuration: its instance size and best point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolChoice {
    /// Chips per instance.
    pub instance_chips: u32,
    /// Best layout and operating point at that size.
    pub result: LayoutResult,
}

impl PoolChoice {
    /// The instance's layout.
    pub fn layout(&self) -> Layout {
        self.result.layout
    }
}

/// The chosen serving configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Configuration {
    /// Every instance prefills and decodes.
    Aggregated(PoolChoice),
    /// A prefill pool and a decode pool.
    Disaggregated {
        /// Prefill pool (input tokens/s per chip at the TTFT limit).
        prefill: PoolChoice,
        /// Decode pool (output tokens/s per chip at the TPOT limit).
        decode: PoolChoice,
        /// Share of the chips in the prefill pool, 0–1.
        prefill_chip_share: f64,
    },
}

/// A configuration with the per-chip rates it gives over all its chips.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChosenConfiguration {
    /// What is deployed.
    pub configuration: Configuration,
    /// Generated tokens/s per chip over every chip of the configuration.
    pub output_tokens_per_s_per_chip: f64,
    /// Prompt tokens/s per chip at the same point.
    pub input_tokens_per_s_per_chip: f64,
    /// p99 TTFT, ms (the prefill pool's for a disaggregated configuration).
    pub ttft_p99_ms: f64,
    /// p99 TPOT, ms (the decode pool's for a disaggregated configuration).
    pub tpot_p99_ms: f64,
}

/// The best point of `mode` over the instance sizes, growing until [`FLAT_SIZES_TO_STOP`] sizes
/// ([`FLAT_POOL_SIZES_TO_STOP`] for a prefill or decode pool) in a row gain less than [`MIN_GAIN`]; the
/// error of the last size tried when none serves.
///
/// A replica's rate depends on its tensor, pipeline and expert degrees, not on how many
/// replicas an instance has, so a layout that used every chip of a smaller size is not searched
/// again at a larger one (it gives the same rate per chip there): each size searches only the
/// replica shapes it adds.
pub fn best_over_sizes(query: &InferenceQuery<'_>, mode: ServeMode, slo: Slo) -> Result<PoolChoice, PerfError> {
    let domain = query.rates.scaleup_domain.clamp(1.0, f64::from(u32::MAX)) as u32;
    let mut best: Option<PoolChoice> = None;
    let mut last_err: Option<PerfError> = None;
    let mut flat_sizes = 0;
    // (tp, pp, ep) of layouts searched with every chip of their instance in use.
    let mut searched: Vec<(u32, u32, u32)> = Vec::new();
    for chips in instance_sizes(domain) {
        let sized = InferenceQuery { chips, mode, slo, ..*query };
        let found = search_where(&sized, |layout| {
            let shape = (layout.tp, layout.pp, layout.ep);
            if searched.contains(&shape) {
                return false;
            }
            if layout.chips() == chips {
                searched.push(shape);
            }
            true
        });
        let current = best.as_ref().map_or(0.0, |b| mode.throughput_per_chip(&b.result.best));
        match found {
            Ok(result) => {
                let rate = mode.throughput_per_chip(&result.best);
                flat_sizes = if rate > current * (1.0 + MIN_GAIN) { 0 } else { flat_sizes + 1 };
                if rate > current {
                    best = Some(PoolChoice { instance_chips: chips, result });
                }
            }
            Err(err) => {
                if best.is_some() {
                    flat_sizes += 1;
                }
                last_err = Some(err);
            }
        }
        let flat_limit = match mode {
            ServeMode::Prefill | ServeMode::Decode => FLAT_POOL_SIZES_TO_STOP,
            ServeMode::Offline | ServeMode::Server => FLAT_SIZES_TO_STOP,
        };
        if flat_sizes >= flat_limit {
            break;
        }
    }
    best.ok_or_else(|| last_err.unwrap_or_else(|| LayoutError::NoLayout { chips: MAX_INSTANCE_CHIPS }.into()))
}

/// The aggregated configuration at its best instance size (server mode at the query's SLO).
pub fn best_aggregated(query: &InferenceQuery<'_>) -> Result<ChosenConfiguration, PerfError> {
    let pool = best_over_sizes(query, ServeMode::Server, query.slo)?;
    let best = pool.result.best;
    Ok(ChosenConfiguration {
        output_tokens_per_s_per_chip: best.output_tokens_per_s_per_chip,
        input_tokens_per_s_per_chip: best.input_tokens_per_s_per_chip,
        ttft_p99_ms: best.ttft_p99_ms,
        tpot_p99_ms: best.tpot_p99_ms,
        configuration: Configuration::Aggregated(pool),
    })
}

/// The disaggregated configuration: the prefill pool at the TTFT limit and the decode pool at
/// the TPOT limit, each at its best size, in the chip ratio of the request shape. Both pools
/// queue as the aggregated server mode does (M/M/c under the TTFT limit): the prefill pool's
/// p99 TTFT is its queueing wait, its prefill and the KV transfer to the decode pool; the
/// decode pool keeps a free slot for 99 % of arrivals.
pub fn best_disaggregated(query: &InferenceQuery<'_>) -> Result<ChosenConfiguration, PerfError> {
    best_disaggregated_with(query, |prefill, decode| (prefill(), decode()))
}

/// One pool search of a disaggregated configuration; see [`best_disaggregated_with`].
pub type PoolSearch<'s> = &'s (dyn Fn() -> Result<PoolChoice, PerfError> + Sync);

/// [`best_disaggregated`] with the prefill and decode pool searches run by `join` (e.g. side by
/// side on two threads); the same result.
pub fn best_disaggregated_with<J>(query: &InferenceQuery<'_>, join: J) -> Result<ChosenConfiguration, PerfError>
where
    J: FnOnce(PoolSearch<'_>, PoolSearch<'_>) -> (Result<PoolChoice, PerfError>, Result<PoolChoice, PerfError>),
{
    let (prefill, decode) = join(&|| best_over_sizes(query, ServeMode::Prefill, query.slo), &|| {
        best_over_sizes(query, ServeMode::Decode, query.slo)
    });
    let (prefill, decode) = (prefill?, decode?);
    let combined = disaggregated(
        &query.request,
        prefill.result.best.input_tokens_per_s_per_chip,
        decode.result.best.output_tokens_per_s_per_chip,
    );
    let output = combined.output_tokens_per_s_per_chip;
    Ok(ChosenConfiguration {
        output_tokens_per_s_per_chip: output,
        input_tokens_per_s_per_chip: output * query.request.input_tokens / query.request.output_tokens,
        ttft_p99_ms: prefill.result.best.ttft_p99_ms,
        tpot_p99_ms: decode.result.best.tpot_p99_ms,
        configuration: Configuration::Disaggregated {
            prefill,
            decode,
            prefill_chip_share: combined.prefill_chip_share,
        },
    })
}

/// The configuration with the fewest chip-seconds per request (the most output tokens/s per
/// chip at the request shape's input:output ratio) among the aggregated one and, where the
/// serving stack runs it, the disaggregated one; ties keep the aggregated configuration. The
/// aggregated search's error when neither serves.
pub fn best_configuration(query: &InferenceQuery<'_>) -> Result<ChosenConfiguration, PerfError> {
    best_configuration_with(query, |aggregated, disaggregated| (aggregated(), disaggregated()), |p, d| (p(), d()))
}

/// One search of the configuration; see [`best_configuration_with`].
pub type ConfigSearch<'s> = &'s (dyn Fn() -> Result<ChosenConfiguration, PerfError> + Sync);

/// [`best_configuration`] with its searches run two at a time by `join_configs` (the aggregated
/// and the disaggregated configuration) and `join_pools` (the latter's prefill and decode
/// pools), e.g. side by side on two threads (this crate does no threading itself); the same
/// choice.
pub fn best_configuration_with<C, P>(
    query: &InferenceQuery<'_>,
    join_configs: C,
    join_pools: P,
) -> Result<ChosenConfiguration, PerfError>
where
    C: FnOnce(
        ConfigSearch<'_>,
        ConfigSearch<'_>,
    ) -> (Result<ChosenConfiguration, PerfError>, Result<ChosenConfiguration, PerfError>),
    P: Fn(PoolSearch<'_>, PoolSearch<'_>) -> (Result<PoolChoice, PerfError>, Result<PoolChoice, PerfError>) + Sync,
{
    if !query.stack.pd_disaggregation {
        return best_aggregated(query);
    }
    let (aggregated, disaggregated) =
        join_configs(&|| best_aggregated(query), &|| best_disaggregated_with(query, &join_pools));
    cheapest([aggregated, disaggregated])
}

/// The candidate with the most output tokens/s per chip (the first of equals); the first
/// candidate's error when none serves.
pub fn cheapest(
    candidates: impl IntoIterator<Item = Result<ChosenConfiguration, PerfError>>,
) -> Result<ChosenConfiguration, PerfError> {
    let mut best: Option<ChosenConfiguration> = None;
    let mut first_err: Option<PerfError> = None;
    for candidate in candidates {
        match candidate {
            Ok(found) if found.output_tokens_per_s_per_chip.is_finite() => {
                if best.as_ref().is_none_or(|b| found.output_tokens_per_s_per_chip > b.output_tokens_per_s_per_chip) {
                    best = Some(found);
                }
            }
            Ok(_) => {}
            Err(err) => {
                first_err.get_or_insert(err);
            }
        }
    }
    best.ok_or_else(|| first_err.unwrap_or_else(|| LayoutError::NoLayout { chips: MAX_INSTANCE_CHIPS }.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::infer::operating::OperatingPoint;
    use proptest::prelude::*;

    /// A chosen configuration of `output` tokens/s per chip (the other figures do not matter).
    fn chosen(output: f64) -> ChosenConfiguration {
        let point = OperatingPoint {
            batch: 1.0,
            tpot_ms: 0.0,
            tpot_p99_ms: 0.0,
            ttft_ms: 0.0,
            ttft_p99_ms: 0.0,
            output_tokens_per_s_per_chip: output,
            input_tokens_per_s_per_chip: 0.0,
            requests_per_s_per_chip: 0.0,
            binding: crate::infer::Binding::Compute,
            step: crate::infer::StepBreakdown::default(),
        };
        let result = LayoutResult {
            layout: Layout { tp: 1, pp: 1, dp: 1, ep: 1 },
            chips_used: 1,
            chips_total: 1,
            best: point,
            max_batch_memory: 1.0,
            weights_gb_per_chip: 0.0,
            kv_bytes_per_token_per_chip: 0.0,
        };
        ChosenConfiguration {
            configuration: Configuration::Aggregated(PoolChoice { instance_chips: 1, result }),
            output_tokens_per_s_per_chip: output,
            input_tokens_per_s_per_chip: 0.0,
            ttft_p99_ms: 0.0,
            tpot_p99_ms: 0.0,
        }
    }

    fn candidates(rates: &[Option<f64>]) -> Vec<Result<ChosenConfiguration, PerfError>> {
        rates.iter().map(|rate| rate.map(chosen).ok_or_else(|| LayoutError::NoLayout { chips: 1 }.into())).collect()
    }

    proptest! {
        /// Cost per token (chip-seconds per output token) never rises when a configuration is
        /// added to the candidates, wherever it is added.
        #[test]
        fn adding_a_candidate_never_raises_the_cost_per_token(
            rates in proptest::collection::vec(proptest::option::of(1e-3..1e5_f64), 0..6),
            extra in proptest::option::of(1e-3..1e5_f64),
            at in 0usize..7,
        ) {
            let cost = |rates: &[Option<f64>]| {
                cheapest(candidates(rates)).map_or(f64::INFINITY, |c| 1.0 / c.output_tokens_per_s_per_chip)
            };
            let mut more = rates.clone();
            more.insert(at.min(rates.len()), extra);
            prop_assert!(cost(&more) <= cost(&rates));
        }
    }

    #[test]
    fn sizes_cover_the_domain_and_double_to_the_cap() {
        assert_eq!(instance_sizes(8), vec![8, 16, 32, 64, 128, 256]);
        assert_eq!(instance_sizes(72), vec![16, 32, 64, 72, 128, 144, 256]);
        assert_eq!(instance_sizes(1), vec![1, 2, 4, 8, 16, 32, 64, 128, 256]);
        assert_eq!(instance_sizes(9216), vec![16, 32, 64, 128, 256]);
    }
}
