//! Operating points: what one replica delivers at one batch — continuous-batching steady state
//! (offline and server modes), decode-only and prefill-only pools — the queueing-aware rate
//! under a p99 TTFT limit (M/M/c, Erlang C: the server mode's aggregated instances and both
//! pools of a disaggregated deployment, [`queued`]), and disaggregated deployments that combine
//! a prefill and a decode pool.

use crate::error::{InfeasibleError, PerfError};
use crate::infer::engine::{Binding, InferenceEngine, StepBreakdown, StepLoad};
use crate::infer::queueing::utilisation_for_wait;
use crate::infer::request::{Decoding, RequestShape, Slo};
use serde::Serialize;

/// Ratio of p99 to mean time per output token under continuous batching: steps that carry a
/// prefill chunk are longer than pure decode steps. From MLPerf Inference v4.1 Llama-2-70B server
/// (H100, TensorRT-LLM): p99 TPOT 175 ms over mean 155 ms = 1.13; rounded to 1.1.
pub const TPOT_P99_OVER_MEAN: f64 = 1.1;

/// One point of the latency–throughput trade-off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OperatingPoint {
    /// Concurrent requests per replica (decode batch), or prefill tokens per step for prefill pools.
    pub batch: f64,
    /// Mean time per output token (decode step), ms.
    pub tpot_ms: f64,
    /// p99 time per output token, ms.
    pub tpot_p99_ms: f64,
    /// Mean time to first token, ms.
    pub ttft_ms: f64,
    /// p99 time to first token (queueing included in server mode), ms.
    pub ttft_p99_ms: f64,
    /// Generated tokens per second per chip.
    pub output_tokens_per_s_per_chip: f64,
    /// Prompt tokens per second per chip (cached tokens included).
    pub input_tokens_per_s_per_chip: f64,
    /// Requests per second per chip.
    pub requests_per_s_per_chip: f64,
    /// What limits this point.
    pub binding: Binding,
    /// Step-time split at this point.
    pub step: StepBreakdown,
}

/// Per-chip rates of one operating point (tokens/s and requests/s per chip).
struct PerChipRates {
    output_tokens_per_s: f64,
    input_tokens_per_s: f64,
    requests_per_s: f64,
}

/// Assemble a point from its step split, its mean TPOT and TTFT (s; 0 where the pool has no
/// such latency) and its per-chip rates. p99 latencies are the means × [`TPOT_P99_OVER_MEAN`].
fn assemble(
    engine: &InferenceEngine,
    batch: f64,
    step: StepBreakdown,
    tpot_s: f64,
    ttft_s: f64,
    rates: PerChipRates,
) -> OperatingPoint {
    OperatingPoint {
        batch,
        tpot_ms: tpot_s * 1e3,
        tpot_p99_ms: tpot_s * 1e3 * TPOT_P99_OVER_MEAN,
        ttft_ms: ttft_s * 1e3,
        ttft_p99_ms: ttft_s * 1e3 * TPOT_P99_OVER_MEAN,
        output_tokens_per_s_per_chip: rates.output_tokens_per_s,
        input_tokens_per_s_per_chip: rates.input_tokens_per_s,
        requests_per_s_per_chip: rates.requests_per_s,
        binding: engine.binding(&step),
        step,
    }
}

/// Time of the draft passes of multi-token-prediction decoding in one step of `batch` running
/// requests, split like a step: `k` sequential passes of one MTP layer over every sequence, each
/// approximated as `1 / layers` of a plain decode step at that batch (the MTP module is one
/// transformer layer plus the shared output head: DeepSeek-V3 technical report, §2.2; its head
/// is left out, so this is a lower bound). Zero without drafts. A separate draft model would
/// cost more; its size is not part of the request shape.
pub(crate) fn draft_breakdown(engine: &InferenceEngine, request: &RequestShape, batch: f64) -> StepBreakdown {
    let k = f64::from(request.decoding.draft_tokens);
    if k == 0.0 {
        return StepBreakdown::default();
    }
    let plain = RequestShape { decoding: Decoding { draft_tokens: 0, ..request.decoding }, ..*request };
    let pass = engine.step_breakdown(&engine.decode_load(batch, &plain));
    let share = k / engine.shape().layers.max(1.0);
    StepBreakdown {
        compute_s: pass.compute_s * share,
        memory_s: pass.memory_s * share,
        comm_s: pass.comm_s * share,
        overhead_s: pass.overhead_s * share,
    }
}

/// Sum of two step splits.
fn add_steps(a: StepBreakdown, b: StepBreakdown) -> StepBreakdown {
    StepBreakdown {
        compute_s: a.compute_s + b.compute_s,
        memory_s: a.memory_s + b.memory_s,
        comm_s: a.comm_s + b.comm_s,
        overhead_s: a.overhead_s + b.overhead_s,
    }
}

/// A pool generating tokens with `batch` running requests per replica, each emitting `E` tokens
/// per step of `load` (`E = 1` without speculative decoding; beams count once), so throughput
/// is `batch · E / step` and TPOT `step / E`; the step includes the MTP draft passes
/// ([`draft_breakdown`]). With `colocated` prefill (continuous batching) the point also serves
/// the prompts and has a TTFT; a decode-only pool has neither. `scale` is the share of chips in
/// use.
fn generating_point(
    engine: &InferenceEngine,
    request: &RequestShape,
    batch: f64,
    load: StepLoad,
    colocated: bool,
    scale: f64,
) -> OperatingPoint {
    let step = add_steps(engine.step_breakdown(&load), draft_breakdown(engine, request, batch));
    let step_s = step.total_s();
    let per_chip = scale / engine.chips_per_replica();
    let emitted = request.decoding.emitted_tokens_per_step();
    let requests_per_s = batch / step_s / request.decode_steps();
    let (ttft_s, input_tokens_per_s) = if colocated {
        // A new request's prefill finishes within the step that schedules it, or spreads over
        // `steps per request / batch` steps when prefill per step is one partial chunk.
        let ttft_s = step_s * (request.decode_steps() / batch).max(1.0);
        (ttft_s, requests_per_s * request.input_tokens * per_chip)
    } else {
        (0.0, 0.0)
    };
    let rates = PerChipRates {
        output_tokens_per_s: batch * emitted / step_s * per_chip,
        input_tokens_per_s,
        requests_per_s: requests_per_s * per_chip,
    };
    assemble(engine, batch, step, step_s / emitted, ttft_s, rates)
}

/// Continuous batching (offline and server modes): `batch` running requests per replica with
/// their prefill interleaved. `scale` is the share of chips in use.
pub(crate) fn continuous_point(
    engine: &InferenceEngine,
    request: &RequestShape,
    batch: f64,
    scale: f64,
) -> OperatingPoint {
    generating_point(engine, request, batch, engine.continuous_load(batch, request), true, scale)
}

/// Decode-only pool: `batch` running requests per replica, no prefill.
pub(crate) fn decode_point(engine: &InferenceEngine, request: &RequestShape, batch: f64, scale: f64) -> OperatingPoint {
    generating_point(engine, request, batch, engine.decode_load(batch, request), false, scale)
}

/// Prefill-only pool computing `tokens` prompt tokens per step per replica. Its TTFT includes
/// the pipeline's fill (the last micro-batch leaves the last of `pp` stages `(pp − 1)` stage
/// times after the step's `pp` passes: `step · (pp − 1) / pp`) and the KV-cache transfer of the
/// prompt to a decode replica ([`InferenceEngine::kv_transfer_s`]).
pub(crate) fn prefill_point(
    engine: &InferenceEngine,
    request: &RequestShape,
    tokens: f64,
    scale: f64,
) -> OperatingPoint {
    let step = engine.step_breakdown(&engine.prefill_load(tokens, request));
    let step_s = step.total_s();
    let per_chip = scale / engine.chips_per_replica();
    let ttft_s = prefill_service_s(request, tokens, step_s);
    let input_rate = tokens / step_s / (1.0 - request.cached_input_fraction);
    let rates = PerChipRates {
        output_tokens_per_s: 0.0,
        input_tokens_per_s: input_rate * per_chip,
        requests_per_s: input_rate / request.input_tokens * per_chip,
    };
    let pp = f64::from(engine.layout().pp);
    let fill_s = step_s * (pp - 1.0) / pp;
    let mut point = assemble(engine, tokens, step, 0.0, ttft_s + fill_s, rates);
    let transfer_ms = engine.kv_transfer_s(request.input_tokens) * 1e3;
    point.ttft_ms += transfer_ms;
    point.ttft_p99_ms += transfer_ms;
    point
}

/// Time a prefill replica computing `tokens` prompt tokens per step (step `step_s`) spends on
/// one request, s: one step, or `computed input / tokens` steps when a prompt spans several.
fn prefill_service_s(request: &RequestShape, tokens: f64, step_s: f64) -> f64 {
    step_s * (request.computed_input() / tokens).max(1.0)
}

/// `point` of a pool of `servers` request slots per replica, each busy `service_s` per request,
/// under Poisson arrivals: its rates times the utilisation whose p99 queueing wait fits
/// `wait_budget_s` ([`utilisation_for_wait`]); below saturation the binding is the latency limit.
/// The one place a pool's rates are cut by queueing.
pub(crate) fn queued(mut point: OperatingPoint, servers: f64, service_s: f64, wait_budget_s: f64) -> OperatingPoint {
    let utilisation = utilisation_for_wait(servers, service_s, wait_budget_s);
    point.output_tokens_per_s_per_chip *= utilisation;
    point.input_tokens_per_s_per_chip *= utilisation;
    point.requests_per_s_per_chip *= utilisation;
    if utilisation < 0.999 {
        point.binding = Binding::Latency;
    }
    point
}

/// The TTFT limit, s (infinite without one).
fn ttft_limit_s(slo: &Slo) -> f64 {
    slo.ttft_p99_ms.map_or(f64::INFINITY, |limit_ms| limit_ms / 1e3)
}

/// Server mode: `cap` is the largest batch meeting the TPOT limit; requests arrive as a
/// Poisson stream per queue (`queue_replicas` replicas, [`InferenceEngine::replicas_per_queue`]),
/// each occupying one of `batch` slots per replica for `output × TPOT`. The arrival rate is the
/// largest whose p99 queueing wait plus prefill fits the TTFT limit (M/M/c).
pub(crate) fn server_point(
    request: &RequestShape,
    slo: &Slo,
    cap: OperatingPoint,
    queue_replicas: f64,
) -> Result<OperatingPoint, PerfError> {
    let service_s = request.output_tokens * cap.tpot_ms / 1e3;
    let wait_budget_s = ttft_limit_s(slo) - cap.ttft_p99_ms / 1e3;
    if wait_budget_s <= 0.0 {
        return Err(InfeasibleError::PrefillOverTtft { ttft_p99_ms: cap.ttft_p99_ms }.into());
    }
    let mut point = queued(cap, cap.batch * queue_replicas, service_s, wait_budget_s);
    if wait_budget_s.is_finite() {
        point.ttft_p99_ms = slo.ttft_p99_ms.unwrap_or(0.0).min(cap.ttft_p99_ms + wait_budget_s * 1e3);
    }
    Ok(point)
}

/// Prefill pool of a disaggregated deployment under a TTFT limit: a replica computing `tokens`
/// prompt tokens per step serves `max(tokens / computed input, 1)` prompts at a time, each for
/// [`prefill_service_s`]; the p99 wait for a slot must fit what the prefill and the KV transfer
/// (`point`'s p99 TTFT) leave of the limit, as in the server mode (one queue per
/// `queue_replicas` replicas). `None` when nothing is left.
pub(crate) fn prefill_server_point(
    request: &RequestShape,
    slo: &Slo,
    point: OperatingPoint,
    queue_replicas: f64,
) -> Option<OperatingPoint> {
    let wait_budget_s = ttft_limit_s(slo) - point.ttft_p99_ms / 1e3;
    if wait_budget_s < 0.0 {
        return None;
    }
    let tokens = point.batch;
    let servers = (tokens / request.computed_input()).max(1.0) * queue_replicas;
    let mut queued_point =
        queued(point, servers, prefill_service_s(request, tokens, point.step.total_s()), wait_budget_s);
    if wait_budget_s.is_finite() {
        queued_point.ttft_p99_ms = point.ttft_p99_ms + wait_budget_s * 1e3;
    }
    Some(queued_point)
}

/// Decode pool of a disaggregated deployment under a TTFT limit: each of `batch` slots holds a
/// request for `output × TPOT`, as in the server mode. A request that finds every slot taken
/// waits before its second token, after the prefill pool has spent the TTFT budget, so the pool
/// keeps a free slot for 99 % of arrivals (a p99 slot wait of 0, M/M/c). Without a TTFT limit
/// (a decode pool on its own, `perf infer --scenario decode`) the point is unchanged. One queue
/// per `queue_replicas` replicas.
pub(crate) fn decode_server_point(
    request: &RequestShape,
    slo: &Slo,
    cap: OperatingPoint,
    queue_replicas: f64,
) -> OperatingPoint {
    if slo.ttft_p99_ms.is_none() {
        return cap;
    }
    queued(cap, cap.batch * queue_replicas, request.output_tokens * cap.tpot_ms / 1e3, 0.0)
}

/// Disaggregated deployment summary: prefill pool at `prefill_in_per_chip` input tok/s per chip
/// and decode pool at `decode_out_per_chip` output tok/s per chip serve the workload together.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Disaggregated {
    /// Share of chips in the prefill pool.
    pub prefill_chip_share: f64,
    /// Output tokens/s per chip over both pools.
    pub output_tokens_per_s_per_chip: f64,
}

/// Combine prefill and decode pools so that both keep pace: chip-seconds per request are
/// `input / X_prefill + output / X_decode`.
pub fn disaggregated(request: &RequestShape, prefill_in_per_chip: f64, decode_out_per_chip: f64) -> Disaggregated {
    let prefill_chip_s = request.input_tokens / prefill_in_per_chip;
    let decode_chip_s = request.output_tokens / decode_out_per_chip;
    Disaggregated {
        prefill_chip_share: prefill_chip_s / (prefill_chip_s + decode_chip_s),
        output_tokens_per_s_per_chip: request.output_tokens / (prefill_chip_s + decode_chip_s),
    }
}
