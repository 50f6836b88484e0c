//! The search: the batch sweep of one layout ([`best_for_layout`], which also records the
//! latency–throughput curve) and the search over parallel layouts ([`search`]).

use crate::error::{FitError, InfeasibleError, LayoutError, PerfError};
use crate::hw::ChipRates;
use crate::infer::burst::arrivals_point;
use crate::infer::engine::{Binding, InferenceEngine, StepOptions};
use crate::infer::layout::Layout;
use crate::infer::operating::{
    OperatingPoint, continuous_point, decode_point, decode_server_point, prefill_point, prefill_server_point,
    server_point,
};
use crate::infer::request::{KvReservation, RequestShape, ServeMode, Slo};
use crate::infer::stack::ServingStack;
use fleetplan_core::catalog::LlmModel;
use fleetplan_core::units::Precision;
use serde::Serialize;

/// Most prompt tokens per step a prefill pool is swept to, per replica.
const MAX_PREFILL_TOKENS_PER_STEP: f64 = 262_144.0;

/// Best operating point of one layout, with the curve it was chosen from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutResult {
    /// The layout.
    pub layout: Layout,
    /// Chips actually used (`tp × pp × dp`).
    pub chips_used: u32,
    /// Chip count the figures are divided by (may exceed `chips_used` when a few chips idle).
    pub chips_total: u32,
    /// Best point meeting the limits.
    pub best: OperatingPoint,
    /// Largest batch the KV cache allows (per replica).
    pub max_batch_memory: f64,
    /// Weights per chip, GB.
    pub weights_gb_per_chip: f64,
    /// KV cache per context token per chip, bytes.
    pub kv_bytes_per_token_per_chip: f64,
}

/// Batch sizes tried: geometric grid (× 1.25, rounded up) up to `max` (inclusive).
fn batch_grid(max: f64, mut visit: impl FnMut(f64)) {
    let mut batch = 1.0_f64;
    while batch < max {
        visit(batch);
        batch = (batch * 1.25).ceil();
    }
    if max >= 1.0 {
        visit(max);
    }
}

/// Prompt tokens per step tried for a prefill pool: × 1.25 from 256 up to `max` (inclusive).
fn prefill_grid(max: f64, mut visit: impl FnMut(f64)) {
    let mut tokens = 256.0_f64;
    while tokens < max {
        visit(tokens);
        tokens *= 1.25;
    }
    visit(max.max(1.0));
}

/// Per-replica batch limits of one layout and mode.
struct BatchLimits {
    /// Largest batch the KV cache allows.
    memory_batch: f64,
    /// Largest batch tried: the memory limit capped by the scheduler's.
    max_batch: f64,
}

impl BatchLimits {
    /// The limits, or [`FitError::NoKvRoom`] when not even one request's KV cache fits. Each
    /// running request holds [`ServeMode::context_tokens`] under the engine's KV `reservation`
    /// policy (the time-weighted mean context, or the longest output reserved up front).
    fn new(
        engine: &InferenceEngine,
        request: &RequestShape,
        mode: ServeMode,
        reservation: KvReservation,
    ) -> Result<BatchLimits, PerfError> {
        let context_tokens = mode.context_tokens(request, reservation);
        let memory_batch = engine.max_batch(context_tokens);
        // The serving stack's cap (set on the engine's rates by `ServingStack::apply`).
        let max_batch = memory_batch.min(engine.rates().max_running_requests);
        if engine.kv_capacity_bytes_per_chip() <= 0.0 || max_batch < 1.0 {
            return Err(FitError::NoKvRoom {
                weights_gb: engine.weight_bytes_per_chip() / 1e9,
                activations_gb: engine.activation_bytes_per_chip() / 1e9,
                context_tokens,
                usable_gb: engine.rates().mem_usable_bytes / 1e9,
            }
            .into());
        }
        Ok(BatchLimits { memory_batch, max_batch })
    }
}

/// Sweep the batch (or prefill tokens per step) of one layout in `mode`, visiting each point.
fn sweep(
    engine: &InferenceEngine,
    request: &RequestShape,
    mode: ServeMode,
    limits: &BatchLimits,
    scale: f64,
    mut visit: impl FnMut(OperatingPoint),
) {
    match mode {
        ServeMode::Offline | ServeMode::Server => {
            batch_grid(limits.max_batch, |batch| visit(continuous_point(engine, request, batch, scale)));
        }
        ServeMode::Decode => batch_grid(limits.max_batch, |batch| visit(decode_point(engine, request, batch, scale))),
        ServeMode::Prefill => {
            // Tokens per step per replica: up to what the KV cache of the prompts in flight allows.
            let max_tokens = (limits.memory_batch * request.computed_input()).min(MAX_PREFILL_TOKENS_PER_STEP);
            prefill_grid(max_tokens, |tokens| visit(prefill_point(engine, request, tokens, scale)));
        }
    }
}

/// Whether `point` meets the TPOT limit, and the TTFT limit outside the server mode (where
/// queueing adds to the TTFT later, see [`prefill_fits_ttft`]; a prefill pool's queueing wait
/// is added by [`best_queued_prefill`]).
fn meets_limits(point: &OperatingPoint, mode: ServeMode, slo: &Slo) -> bool {
    let tpot_ok = slo.tpot_p99_ms.is_none_or(|cap| point.tpot_p99_ms <= cap);
    let ttft_ok = mode == ServeMode::Server || slo.ttft_p99_ms.is_none_or(|cap| point.ttft_p99_ms <= cap);
    tpot_ok && ttft_ok
}

/// Server mode: whether `point`'s prefill alone (its TTFT without queueing) leaves some of the
/// TTFT limit for the queueing wait, as [`server_point`] needs.
fn prefill_fits_ttft(point: &OperatingPoint, slo: &Slo) -> bool {
    slo.ttft_p99_ms.is_none_or(|cap| point.ttft_p99_ms < cap)
}

/// The sweep's choices: the fastest point meeting the limits and, in the server mode, the
/// fastest meeting the TPOT limit whatever its prefill time (it names the error when no batch
/// leaves room for queueing within the TTFT limit).
#[derive(Default)]
struct SweepChoice {
    /// Fastest point meeting every limit the sweep checks.
    feasible: Option<OperatingPoint>,
    /// Server mode: fastest point meeting the TPOT limit, prefill over the TTFT limit or not.
    meets_tpot: Option<OperatingPoint>,
    /// Prefill pool under a TTFT limit: every point meeting it, in sweep order (tokens per step
    /// ascending), for [`best_queued_prefill`].
    prefill_points: Vec<OperatingPoint>,
}

impl SweepChoice {
    /// Consider `point`.
    fn visit(&mut self, point: OperatingPoint, mode: ServeMode, slo: &Slo) {
        if !meets_limits(&point, mode, slo) {
            return;
        }
        if mode == ServeMode::Prefill && slo.ttft_p99_ms.is_some() {
            self.prefill_points.push(point);
        }
        let faster = |current: &Option<OperatingPoint>| {
            current.as_ref().is_none_or(|best| mode.throughput_per_chip(&point) > mode.throughput_per_chip(best))
        };
        if mode == ServeMode::Server && faster(&self.meets_tpot) {
            self.meets_tpot = Some(point);
        }
        if (mode != ServeMode::Server || prefill_fits_ttft(&point, slo)) && faster(&self.feasible) {
            self.feasible = Some(point);
        }
    }

    /// The point to finish: a prefill pool's best point after queueing when it has a TTFT limit
    /// (`None` when none beats `floor`); else the fastest feasible one, else (server mode) the
    /// fastest meeting the TPOT limit, which [`server_point`] rejects with its prefill time.
    fn chosen(
        self,
        engine: &InferenceEngine,
        request: &RequestShape,
        slo: &Slo,
        floor: f64,
    ) -> Result<Option<OperatingPoint>, PerfError> {
        if !self.prefill_points.is_empty() {
            return Ok(best_queued_prefill(engine, request, slo, &self.prefill_points, floor));
        }
        match self.feasible.or(self.meets_tpot) {
            Some(point) => Ok(Some(point)),
            None => Err(InfeasibleError::BatchOneMissesLimits {
                tpot_p99_ms: slo.tpot_p99_ms,
                ttft_p99_ms: slo.ttft_p99_ms,
            }
            .into()),
        }
    }
}

/// The prefill point with the most prompt tokens/s per chip once queueing under the TTFT limit
/// is charged ([`prefill_server_point`]): larger steps compute more per second but leave less
/// of the limit for the wait. Walks down from the fastest point (`points` ascend in tokens per
/// step), skipping points whose saturated rate cannot beat the best so far (at first `floor`),
/// and stops at the first point that does worse than the best; `None` when none beats `floor`.
fn best_queued_prefill(
    engine: &InferenceEngine,
    request: &RequestShape,
    slo: &Slo,
    points: &[OperatingPoint],
    floor: f64,
) -> Option<OperatingPoint> {
    let rate = |point: &OperatingPoint| point.input_tokens_per_s_per_chip;
    let fastest = points.iter().enumerate().max_by(|a, b| rate(a.1).total_cmp(&rate(b.1)))?.0;
    let mut best: Option<OperatingPoint> = None;
    for point in points[..=fastest].iter().rev() {
        let best_rate = best.as_ref().map_or(floor, rate);
        if rate(point) <= best_rate {
            continue;
        }
        let Some(queued) = prefill_server_point(request, slo, *point, engine.replicas_per_queue()) else { continue };
        if rate(&queued) > best_rate {
            best = Some(queued);
        } else if best.is_some() {
            break;
        }
    }
    best
}

/// Best operating point of one layout in `mode` meeting `slo`, with every point tried appended
/// to `curve` when given (the latency–throughput curve). `chips_total` is the chip count figures
/// are divided by (≥ the layout's chips; the rest idle).
pub fn best_for_layout(
    engine: &InferenceEngine,
    request: &RequestShape,
    mode: ServeMode,
    slo: &Slo,
    chips_total: u32,
    curve: Option<&mut Vec<OperatingPoint>>,
) -> Result<LayoutResult, PerfError> {
    let found = best_for_layout_above(engine, request, mode, slo, chips_total, curve, f64::NEG_INFINITY)?;
    found.ok_or_else(|| {
        InfeasibleError::BatchOneMissesLimits { tpot_p99_ms: slo.tpot_p99_ms, ttft_p99_ms: slo.ttft_p99_ms }.into()
    })
}

/// [`best_for_layout`], or `None` when the layout cannot beat `floor` (throughput per chip of
/// `mode`): in the modes that queue (server, prefill and decode pools) queueing only lowers a
/// point's rate, so a layout whose saturated best is at most `floor` is not queued at all (the
/// search's pruning; the result of the search is the same).
fn best_for_layout_above(
    engine: &InferenceEngine,
    request: &RequestShape,
    mode: ServeMode,
    slo: &Slo,
    chips_total: u32,
    mut curve: Option<&mut Vec<OperatingPoint>>,
    floor: f64,
) -> Result<Option<LayoutResult>, PerfError> {
    request.check()?;
    let layout = engine.layout();
    let chips_used = layout.chips();
    // Scale: replicas in use, and idle chips dilute per-chip figures.
    let scale = f64::from(chips_used) / f64::from(chips_total.max(chips_used));
    // The serving engine's admission policy (`ServingStack::kv_reservation`, via the step options).
    let limits = BatchLimits::new(engine, request, mode, engine.options().kv_reservation)?;
    let mut choice = SweepChoice::default();
    sweep(engine, request, mode, &limits, scale, |point| {
        if let Some(points) = curve.as_deref_mut() {
            points.push(point);
        }
        choice.visit(point, mode, slo);
    });
    let floor = if mode == ServeMode::Offline { f64::NEG_INFINITY } else { floor };
    let Some(best) = choice.chosen(engine, request, slo, floor)? else { return Ok(None) };
    if mode.throughput_per_chip(&best) <= floor {
        return Ok(None);
    }
    let mut best = finish_best(engine, request, mode, slo, &limits, best)?;
    if mode == ServeMode::Offline {
        // A finite burst or a closed loop instead of the endless queue.
        best = arrivals_point(engine, request, best, limits.max_batch, slo.tpot_p99_ms.is_some(), scale);
    }
    Ok(Some(LayoutResult {
        layout,
        chips_used,
        chips_total: chips_total.max(chips_used),
        best,
        max_batch_memory: limits.memory_batch,
        weights_gb_per_chip: engine.weight_bytes_per_chip() / 1e9,
        kv_bytes_per_token_per_chip: engine.kv_bytes_per_token_per_chip(),
    }))
}

/// The best point as reported: the server mode's queueing-aware rate (a prefill pool's is
/// chosen with its queueing, [`best_queued_prefill`]), else the step's binding resource replaced
/// by the batch limit that stopped the sweep (memory, scheduler or latency), and a decode pool's
/// queueing under a TTFT limit ([`decode_server_point`]).
fn finish_best(
    engine: &InferenceEngine,
    request: &RequestShape,
    mode: ServeMode,
    slo: &Slo,
    limits: &BatchLimits,
    mut best: OperatingPoint,
) -> Result<OperatingPoint, PerfError> {
    if mode == ServeMode::Server {
        return server_point(request, slo, best, engine.replicas_per_queue());
    }
    if mode == ServeMode::Prefill {
        return Ok(best);
    }
    if best.batch >= limits.max_batch {
        best.binding =
            if limits.memory_batch <= limits.max_batch { Binding::MemoryCapacity } else { Binding::SchedulerLimit };
    } else if slo.tpot_p99_ms.is_some() {
        best.binding = Binding::Latency;
    }
    if mode == ServeMode::Decode {
        best = decode_server_point(request, slo, best, engine.replicas_per_queue());
    }
    Ok(best)
}

/// Inputs of an inference performance question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceQuery<'a> {
    /// The model.
    pub model: &'a LlmModel,
    /// Chip rates at the run's precision, from the catalog (without the serving stack, which
    /// [`InferenceQuery::engine`] applies).
    pub rates: ChipRates,
    /// The serving engine on this chip: its running-request cap, step overhead and the layouts
    /// it runs.
    pub stack: ServingStack,
    /// KV-cache precision.
    pub kv_precision: Precision,
    /// Chips available.
    pub chips: u32,
    /// Mean request shape.
    pub request: RequestShape,
    /// Serving mode.
    pub mode: ServeMode,
    /// Latency limits.
    pub slo: Slo,
}

/// Layouts searched for `chips` chips: every tp dividing the heads, pp ≤ layers, dp as many
/// replicas as fit (idle chips allowed, so more chips never lower the best total), and for MoE
/// models every expert group that is a power-of-two multiple of tp or the whole instance; a
/// power-of-two group that does not divide the replicas covers as many whole groups as fit (the
/// rest idle), so a group size found for some chip count stays available with more chips.
pub fn candidate_layouts(model: &LlmModel, chips: u32, mut visit: impl FnMut(Layout)) {
    let moe = model.moe.is_some();
    let mut tp = 1;
    while tp <= chips {
        if model.heads.is_multiple_of(tp) {
            let mut pp = 1;
            while tp * pp <= chips && pp <= model.layers {
                let dp = chips / (tp * pp);
                visit(Layout { tp, pp, dp, ep: 1 });
                if moe {
                    expert_groups(dp, |replicas_per_group, replicas| {
                        visit(Layout { tp, pp, dp: replicas, ep: tp * replicas_per_group });
                    });
                }
                pp *= 2;
            }
        }
        tp *= 2;
    }
}

/// Expert groups tried for `dp` replicas, as (replicas per group, replicas used): every power of
/// two up to `dp` with as many whole groups as fit, and one group of all `dp` replicas.
fn expert_groups(dp: u32, mut visit: impl FnMut(u32, u32)) {
    let mut replicas = 2;
    while replicas <= dp {
        visit(replicas, dp / replicas * replicas);
        replicas *= 2;
    }
    if dp >= 2 && !dp.is_power_of_two() {
        visit(dp, dp);
    }
}

impl InferenceQuery<'_> {
    /// Chip rates as the query's serving stack runs them ([`ServingStack::apply`]).
    pub fn stack_rates(&self) -> ChipRates {
        self.stack.apply(self.rates)
    }

    /// The inference engine of `layout` under this query (model, stack rates, KV precision): the
    /// one way the search and its callers build engines for a query's layouts.
    pub fn engine(&self, layout: Layout) -> Result<InferenceEngine, PerfError> {
        InferenceEngine::with_options(self.model, self.stack_rates(), self.kv_precision, layout, self.step_options())
    }

    /// The serving stack's step features (two-batch overlap, FP8 attention) and KV reservation
    /// policy; its efficiency and step overhead are already in [`InferenceQuery::stack_rates`].
    pub fn step_options(&self) -> StepOptions {
        StepOptions {
            two_batch_overlap: self.stack.two_batch_overlap,
            fp8_attention: self.stack.fp8_attention,
            kv_reservation: self.stack.kv_reservation,
            ..StepOptions::default()
        }
    }

    /// Whether the query's serving stack runs `layout` ([`ServingStack::runs`]).
    pub fn stack_runs(&self, layout: &Layout) -> bool {
        self.stack.runs(layout, self.model.moe.is_some(), self.rates.scaleup_domain)
    }
}

/// Search layouts and batch for the best per-chip throughput meeting the limits, among the
/// layouts the query's serving stack runs.
pub fn search(query: &InferenceQuery<'_>) -> Result<LayoutResult, PerfError> {
    search_where(query, |_| true)
}

/// [`search`] over the layouts `keep` accepts (called once per candidate the stack runs, in
/// the search's order); [`LayoutError::NoLayout`] when it accepts none.
pub fn search_where(
    query: &InferenceQuery<'_>,
    mut keep: impl FnMut(&Layout) -> bool,
) -> Result<LayoutResult, PerfError> {
    let mut best: Option<LayoutResult> = None;
    let mut last_err: Option<PerfError> = None;
    let rates = query.stack_rates();
    candidate_layouts(query.model, query.chips, |layout| {
        if !query.stack_runs(&layout) || !keep(&layout) {
            return;
        }
        let throughput = |candidate: &LayoutResult| query.mode.throughput_per_chip(&candidate.best);
        let floor = best.as_ref().map_or(f64::NEG_INFINITY, throughput);
        let result =
            InferenceEngine::with_options(query.model, rates, query.kv_precision, layout, query.step_options())
                .and_then(|engine| {
                    best_for_layout_above(&engine, &query.request, query.mode, &query.slo, query.chips, None, floor)
                });
        match result {
            Ok(Some(result)) => {
                if best.as_ref().is_none_or(|current| throughput(&result) > throughput(current)) {
                    best = Some(result);
                }
            }
            Ok(None) => {}
            Err(err) => last_err = Some(err),
        }
    });
    best.ok_or_else(|| last_err.unwrap_or_else(|| LayoutError::NoLayout { chips: query.chips }.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetplan_core::catalog::Catalog;

    #[test]
    fn the_stacks_kv_reservation_sizes_the_batch() {
        let catalog = Catalog::builtin().unwrap();
        let chip = catalog.resolve_chip("h100-sxm").unwrap();
        let rates = ChipRates::of_chip(&catalog, &chip, Precision::Fp8).unwrap();
        let request = RequestShape { output_tokens_cv: 1.0, ..RequestShape::new(1000.0, 2000.0, 0.0) };
        let memory_batch = |kv_reservation| {
            let stack = ServingStack { kv_reservation, max_running_requests: 1e6, ..ServingStack::GENERIC };
            let query = InferenceQuery {
                model: catalog.llm("llama-3.1-70b").unwrap(),
                rates,
                stack,
                kv_precision: Precision::Fp8,
                chips: 8,
                request,
                mode: ServeMode::Offline,
                slo: Slo::default(),
            };
            let engine = query.engine(Layout { tp: 8, pp: 1, dp: 1, ep: 1 }).unwrap();
            best_for_layout(&engine, &request, ServeMode::Offline, &Slo::default(), 8, None).unwrap().max_batch_memory
        };
        // Expected: 1000 + 2000 · (1 + 1) / 2 = 3000 tokens held; maximum: 1000 + 2000 · 4 = 9000.
        let (expected, maximum) = (memory_batch(KvReservation::Expected), memory_batch(KvReservation::Maximum));
        assert!((expected / maximum - 3.0).abs() < 0.01, "expected {expected}, maximum {maximum}");
    }

    #[test]
    fn expert_groups_keep_power_of_two_groups_with_idle_replicas() {
        let mut seen = Vec::new();
        expert_groups(15, |per_group, used| seen.push((per_group, used)));
        assert_eq!(seen, vec![(2, 14), (4, 12), (8, 8), (15, 15)]);
        seen.clear();
        expert_groups(8, |per_group, used| seen.push((per_group, used)));
        assert_eq!(seen, vec![(2, 8), (4, 8), (8, 8)]);
        seen.clear();
        expert_groups(1, |per_group, used| seen.push((per_group, used)));
        assert!(seen.is_empty());
    }
}
