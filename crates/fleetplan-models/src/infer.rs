//! LLM inference: step time of one forward pass for any batch composition, memory fit,
//! continuous-batching steady state, server (queueing-aware) and disaggregated pools, and the
//! search over parallel layout and batch.
//!
//! Everything per step is computed from precomputed per-(model, chip, layout) constants in an
//! [`InferenceEngine`]; [`InferenceEngine::step_time_s`] does a few dozen floating-point
//! operations and never allocates, so the serving simulator can call it per iteration.
//! Formulas are documented in `docs/performance-model.md`.

use crate::error::PerfError;
use crate::hw::ChipRates;
use crate::shape::{LlmShape, kv_bytes_per_token};
use fleetplan_core::catalog::LlmModel;
use fleetplan_core::units::Precision;
use serde::{Deserialize, Serialize};

/// Ratio of p99 to mean time per output token under continuous batching: steps that carry a
/// prefill chunk are longer than pure decode steps. From MLPerf Inference v4.1 Llama-2-70B server
/// (H100, TensorRT-LLM): p99 TPOT 175 ms over mean 155 ms = 1.13; rounded to 1.1.
pub const TPOT_P99_OVER_MEAN: f64 = 1.1;

/// Tokens of activation workspace a serving engine reserves per GPU (the largest prefill chunk
/// plus decode tokens of one step), used for the activation headroom in the memory fit.
pub const ACTIVATION_WORKSPACE_TOKENS: f64 = 4096.0;

/// Tokens per GPU whose logits (FP32) the engine can hold at once, for the memory fit.
pub const LOGITS_WORKSPACE_TOKENS: f64 = 1024.0;

/// Parallel layout of one serving instance. `tp × pp × dp` chips are used.
///
/// Attention and dense layers run tensor-parallel over `tp` chips and pipeline-parallel over
/// `pp` stages, in `dp` independent replicas (each with its own requests and KV cache). MoE
/// expert layers are spread over an expert group of `max(ep, tp)` chips: with `ep ≤ tp` the
/// experts are tensor-parallel inside a replica; with `ep > tp`, `ep / tp` replicas share one set
/// of experts through all-to-all dispatch and combine (attention data-parallel + wide expert
/// parallel, as DeepSeek and SGLang deploy it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Replicas (data parallel; attention data-parallel ranks in wide-EP deployments).
    pub dp: u32,
    /// Expert-parallel degree (1 = experts tensor-parallel inside each replica).
    pub ep: u32,
}

impl Layout {
    /// Chips the layout uses.
    pub fn chips(&self) -> u32 {
        self.tp * self.pp * self.dp
    }

    /// Chips of one expert group (`max(ep, tp)`).
    pub fn expert_group(&self) -> u32 {
        self.ep.max(self.tp)
    }
}

/// Mean request shape of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Workload {
    /// Mean prompt tokens per request.
    pub input_tokens: f64,
    /// Mean generated tokens per request.
    pub output_tokens: f64,
    /// Share of prompt tokens served from a prefix cache (not recomputed), 0–1.
    pub cached_input_fraction: f64,
}

impl Workload {
    /// Check the values are usable.
    pub fn check(&self) -> Result<(), PerfError> {
        if !(self.input_tokens.is_finite() && self.input_tokens >= 1.0) {
            return Err(PerfError::Setting(format!("input tokens must be ≥ 1, got {}", self.input_tokens)));
        }
        if !(self.output_tokens.is_finite() && self.output_tokens >= 1.0) {
            return Err(PerfError::Setting(format!("output tokens must be ≥ 1, got {}", self.output_tokens)));
        }
        if !(0.0..1.0).contains(&self.cached_input_fraction) {
            return Err(PerfError::Setting(format!(
                "cached input fraction must be in [0, 1), got {}",
                self.cached_input_fraction
            )));
        }
        Ok(())
    }

    /// Prompt tokens that must be computed (not served from cache).
    pub fn computed_input(&self) -> f64 {
        self.input_tokens * (1.0 - self.cached_input_fraction)
    }

    /// Mean context a decoding request holds: input + output/2.
    pub fn mean_decode_context(&self) -> f64 {
        self.input_tokens + self.output_tokens / 2.0
    }

    /// Attention (query, context) pairs of one request's computed prefill: each computed token
    /// attends the cached prefix and the computed tokens before it.
    pub fn prefill_pairs_per_request(&self) -> f64 {
        let c = self.computed_input();
        c * (self.input_tokens - c + (c + 1.0) / 2.0)
    }
}

/// Latency limits (p99), milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Slo {
    /// p99 time to first token, ms.
    pub ttft_p99_ms: Option<f64>,
    /// p99 time per output token, ms.
    pub tpot_p99_ms: Option<f64>,
}

/// Serving scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Throughput with all requests queued at once, no latency limit (unless given).
    Offline,
    /// Poisson arrivals; throughput while meeting the p99 limits.
    Server,
    /// Prefill-only pool of a disaggregated deployment (input tokens/s).
    Prefill,
    /// Decode-only pool of a disaggregated deployment (output tokens/s).
    Decode,
}

impl Scenario {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Offline => "offline",
            Scenario::Server => "server",
            Scenario::Prefill => "prefill",
            Scenario::Decode => "decode",
        }
    }

    /// Parse a lowercase name.
    pub fn parse(s: &str) -> Option<Scenario> {
        [Scenario::Offline, Scenario::Server, Scenario::Prefill, Scenario::Decode].into_iter().find(|x| x.as_str() == s)
    }
}

/// What one forward step of a replica processes (per replica, all its pipeline stages).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepLoad {
    /// Decode tokens (one per running request).
    pub decode_tokens: f64,
    /// Sum over decoding requests of their context length (tokens of KV read).
    pub decode_context_tokens: f64,
    /// Prefill tokens computed in this step (chunked prefill).
    pub prefill_tokens: f64,
    /// Sum over prefill tokens of the context each attends.
    pub prefill_pairs: f64,
    /// Sequences whose prefill ends in this step (they need logits).
    pub prefill_sequences: f64,
}

/// Where the time of one step goes, seconds (each kernel counted at its own roofline bound).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct StepBreakdown {
    /// Kernels bound by arithmetic (GEMMs, attention compute).
    pub compute_s: f64,
    /// Kernels bound by memory bandwidth (weight and KV reads).
    pub memory_s: f64,
    /// Tensor-parallel all-reduce, expert all-to-all and pipeline transfers.
    pub comm_s: f64,
    /// Fixed per-step and per-layer costs.
    pub overhead_s: f64,
}

impl StepBreakdown {
    /// Total step time, s.
    pub fn total_s(&self) -> f64 {
        self.compute_s + self.memory_s + self.comm_s + self.overhead_s
    }
}

/// Which resource limits a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// Arithmetic throughput.
    Compute,
    /// Memory bandwidth.
    MemoryBandwidth,
    /// Memory capacity (the KV cache caps the batch).
    MemoryCapacity,
    /// Scale-up / scale-out links.
    Interconnect,
    /// A latency limit caps the batch.
    Latency,
    /// Fixed per-step costs (small models, tiny batches).
    Overhead,
    /// The serving stack's cap on concurrent requests.
    SchedulerLimit,
}

impl Binding {
    /// Readable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::Compute => "compute",
            Binding::MemoryBandwidth => "memory bandwidth",
            Binding::MemoryCapacity => "memory capacity",
            Binding::Interconnect => "interconnect",
            Binding::Latency => "latency limit",
            Binding::Overhead => "fixed overheads",
            Binding::SchedulerLimit => "scheduler batch limit",
        }
    }
}

/// Precomputed constants for one (model, chip, precision, KV precision, layout); evaluates
/// step times without allocating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceEngine {
    rates: ChipRates,
    shape: LlmShape,
    layout: Layout,
    pp: f64,
    tp: f64,
    group: f64,
    replicas_per_group: f64,
    // Per GPU, per pipeline stage:
    dense_params_gpu_stage: f64,
    head_params_gpu: f64,
    moe_layers_stage: f64,
    expert_flops_per_group_token: f64,
    expert_bytes_per_hit: f64,
    attn_decode_flops_per_ctx: f64,
    attn_prefill_flops_per_pair: f64,
    kv_bytes_per_ctx_stage: f64,
    all_reduces_stage: f64,
    a2a_bytes_per_token: f64,
    layers_stage: f64,
    act_bytes_per_token: f64,
    // Memory, per GPU:
    weight_bytes_gpu: f64,
    kv_bytes_per_token_gpu: f64,
    activation_bytes_gpu: f64,
}

impl InferenceEngine {
    /// Constants for `model` on a chip with `rates`, weights/activations at the rates'
    /// precision, KV cache at `kv_precision`, in `layout`.
    pub fn new(model: &LlmModel, rates: ChipRates, kv_precision: Precision, layout: Layout) -> Result<Self, PerfError> {
        let shape = LlmShape::new(model);
        check_layout(&shape, model, layout)?;
        let tp = f64::from(layout.tp);
        let pp = f64::from(layout.pp);
        let group = f64::from(layout.expert_group());
        let replicas_per_group = group / tp;
        let layers_stage = shape.layers / pp;
        let kv_shard = tp.min(shape.kv_heads_for_sharding).max(1.0);
        let kv_layer_bytes = shape.kv_values_per_token_layer * kv_precision.weight_bytes();
        let wide_ep = shape.is_moe() && group > tp;
        let all_reduces_layer_total =
            if tp > 1.0 { 2.0 * shape.dense_layers + if wide_ep { 1.0 } else { 2.0 } * shape.moe_layers } else { 0.0 };
        // Dispatch at the activation precision (8-bit for 8/4-bit runs), combine in BF16.
        let dispatch_bytes = if rates.weight_bytes < 2.0 { 1.0 } else { 2.0 };
        let a2a = if wide_ep { shape.hidden * (dispatch_bytes + 2.0) / tp } else { 0.0 };
        let non_routed = shape.total_params - shape.routed_expert_params_total;
        let weight_bytes_gpu =
            (non_routed / (tp * pp) + shape.routed_expert_params_total / (group * pp)) * rates.weight_bytes;
        let act_bytes_per_token =
            (6.0 * shape.hidden + 3.0 * shape.attn_width / tp + 3.0 * shape.ffn_width_active / tp) * 2.0;
        let activation_bytes_gpu =
            ACTIVATION_WORKSPACE_TOKENS * act_bytes_per_token + LOGITS_WORKSPACE_TOKENS * shape.vocab / tp * 4.0;
        Ok(InferenceEngine {
            rates,
            shape,
            layout,
            pp,
            tp,
            group,
            replicas_per_group,
            dense_params_gpu_stage: shape.always_params_layers() / (tp * pp),
            head_params_gpu: shape.head_params / tp,
            moe_layers_stage: shape.moe_layers / pp,
            expert_flops_per_group_token: 2.0 * shape.active_experts * shape.expert_params / group,
            expert_bytes_per_hit: shape.expert_params * rates.weight_bytes / group,
            attn_decode_flops_per_ctx: shape.attn_flops_pair_decode * layers_stage / tp,
            attn_prefill_flops_per_pair: shape.attn_flops_pair_prefill * layers_stage / tp,
            kv_bytes_per_ctx_stage: kv_layer_bytes * layers_stage / kv_shard,
            all_reduces_stage: all_reduces_layer_total / pp,
            a2a_bytes_per_token: a2a,
            layers_stage,
            act_bytes_per_token,
            weight_bytes_gpu,
            kv_bytes_per_token_gpu: kv_bytes_per_token(model, kv_precision) / kv_shard / pp,
            activation_bytes_gpu,
        })
    }

    /// The layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The chip rates.
    pub fn rates(&self) -> &ChipRates {
        &self.rates
    }

    /// The model constants.
    pub fn shape(&self) -> &LlmShape {
        &self.shape
    }

    /// Chips of one replica (`tp × pp`).
    pub fn chips_per_replica(&self) -> f64 {
        self.tp * self.pp
    }

    /// Weight bytes held by each chip.
    pub fn weight_bytes_per_chip(&self) -> f64 {
        self.weight_bytes_gpu
    }

    /// KV-cache bytes per context token held by each chip of a replica.
    pub fn kv_bytes_per_token_per_chip(&self) -> f64 {
        self.kv_bytes_per_token_gpu
    }

    /// Activation headroom reserved per chip, bytes.
    pub fn activation_bytes_per_chip(&self) -> f64 {
        self.activation_bytes_gpu
    }

    /// KV-cache capacity per chip after weights and activation headroom, bytes (negative when
    /// the weights alone do not fit).
    pub fn kv_capacity_bytes_per_chip(&self) -> f64 {
        self.rates.mem_usable_bytes - self.weight_bytes_gpu - self.activation_bytes_gpu
    }

    /// KV tokens one replica can hold.
    pub fn kv_capacity_tokens(&self) -> f64 {
        (self.kv_capacity_bytes_per_chip() / self.kv_bytes_per_token_gpu).max(0.0)
    }

    /// Largest number of concurrent requests of mean context `context_tokens` one replica holds.
    pub fn max_batch(&self, context_tokens: f64) -> f64 {
        (self.kv_capacity_tokens() / context_tokens.max(1.0)).floor()
    }

    /// Time of one forward step of a replica processing `load`, seconds. Allocation-free.
    #[inline]
    pub fn step_time_s(&self, load: &StepLoad) -> f64 {
        self.step_breakdown(load).total_s()
    }

    /// Time of one forward step, split by what bounds each kernel.
    ///
    /// Per pipeline stage and micro-batch (the load split over `pp` micro-batches): each GEMM
    /// group costs `max(FLOPs / achievable FLOP/s, weight bytes / achievable bandwidth)`; MoE
    /// layers read only the experts hit; decode attention costs `max(FLOPs, KV bytes)`; prefill
    /// attention is compute-bound; TP all-reduces and EP all-to-alls are added (not overlapped).
    /// The step takes `pp` stage times plus the fixed step overhead.
    pub fn step_breakdown(&self, load: &StepLoad) -> StepBreakdown {
        let r = &self.rates;
        let inv_pp = 1.0 / self.pp;
        let n = (load.decode_tokens + load.prefill_tokens) * inv_pp;
        let mut b = StepBreakdown::default();
        let mut add = |flops: f64, flop_rate: f64, bytes: f64| {
            let c = flops / flop_rate;
            let m = bytes / r.mem_bw;
            if c >= m {
                b.compute_s += c;
            } else {
                b.memory_s += m;
            }
        };
        // Dense GEMMs: attention projections, dense FFNs, shared experts.
        add(2.0 * n * self.dense_params_gpu_stage, r.gemm_flops, self.dense_params_gpu_stage * r.weight_bytes);
        // Output head (last stage: the pipeline's slowest).
        let head_tokens = (load.decode_tokens + load.prefill_sequences) * inv_pp;
        add(2.0 * head_tokens * self.head_params_gpu, r.gemm_flops, self.head_params_gpu * r.weight_bytes);
        // Routed experts.
        if self.moe_layers_stage > 0.0 && n > 0.0 {
            let group_tokens = n * self.replicas_per_group;
            let hit = self.shape.experts_hit(group_tokens);
            add(
                group_tokens * self.expert_flops_per_group_token * self.moe_layers_stage,
                r.moe_gemm_flops,
                hit * self.expert_bytes_per_hit * self.moe_layers_stage,
            );
        }
        // Attention.
        let ctx = load.decode_context_tokens * inv_pp;
        add(ctx * self.attn_decode_flops_per_ctx, r.attn_flops, ctx * self.kv_bytes_per_ctx_stage);
        b.compute_s += load.prefill_pairs * inv_pp * self.attn_prefill_flops_per_pair / r.attn_flops;
        // Communication.
        let mut comm = 0.0;
        if self.all_reduces_stage > 0.0 {
            comm += self.all_reduces_stage * r.all_reduce_s(n * self.shape.hidden * 2.0, self.tp);
        }
        if self.a2a_bytes_per_token > 0.0 {
            comm += self.moe_layers_stage
                * r.expert_all_to_all_s(
                    load.decode_tokens * inv_pp,
                    load.prefill_tokens * inv_pp,
                    self.shape.active_experts,
                    self.a2a_bytes_per_token,
                    self.group,
                );
        }
        if self.pp > 1.0 {
            let span = self.tp * self.pp;
            let bw = r.group_bw(span);
            comm += n * self.shape.hidden * 2.0 / self.tp / bw + r.collective_latency_s;
        }
        b.comm_s = comm;
        b.overhead_s = self.layers_stage * r.layer_overhead_s;
        // The replica's step is pp stage passes.
        b.compute_s *= self.pp;
        b.memory_s *= self.pp;
        b.comm_s *= self.pp;
        b.overhead_s = b.overhead_s * self.pp + r.step_overhead_s;
        b
    }

    /// Steady-state step load of continuous batching with `batch` running requests of workload
    /// `w`: one decode token per request, and the prefill of `batch / output` new requests per step
    /// interleaved (chunked), so prefill work keeps pace with completions.
    pub fn continuous_load(&self, batch: f64, w: &Workload) -> StepLoad {
        let new = batch / w.output_tokens;
        StepLoad {
            decode_tokens: batch,
            decode_context_tokens: batch * w.mean_decode_context(),
            prefill_tokens: new * w.computed_input(),
            prefill_pairs: new * w.prefill_pairs_per_request(),
            prefill_sequences: new,
        }
    }

    /// Step load of a decode-only pool with `batch` running requests.
    pub fn decode_load(&self, batch: f64, w: &Workload) -> StepLoad {
        StepLoad { decode_tokens: batch, decode_context_tokens: batch * w.mean_decode_context(), ..StepLoad::default() }
    }

    /// Step load of a prefill-only pool computing `tokens` prompt tokens per step.
    pub fn prefill_load(&self, tokens: f64, w: &Workload) -> StepLoad {
        let seqs = tokens / w.computed_input();
        StepLoad {
            prefill_tokens: tokens,
            prefill_pairs: seqs * w.prefill_pairs_per_request(),
            prefill_sequences: seqs,
            ..StepLoad::default()
        }
    }

    /// Which resource binds a step: the largest share of its time.
    pub fn binding(&self, b: &StepBreakdown) -> Binding {
        let parts = [
            (b.compute_s, Binding::Compute),
            (b.memory_s, Binding::MemoryBandwidth),
            (b.comm_s, Binding::Interconnect),
            (b.overhead_s, Binding::Overhead),
        ];
        parts.into_iter().fold((f64::MIN, Binding::Compute), |acc, p| if p.0 > acc.0 { p } else { acc }).1
    }

    /// Activation bytes per token per chip (for the memory report).
    pub fn activation_bytes_per_token(&self) -> f64 {
        self.act_bytes_per_token
    }
}

fn check_layout(shape: &LlmShape, model: &LlmModel, l: Layout) -> Result<(), PerfError> {
    if l.tp == 0 || l.pp == 0 || l.dp == 0 || l.ep == 0 {
        return Err(PerfError::Layout(format!(
            "tp, pp, dp and ep must be ≥ 1 (got tp {} pp {} dp {} ep {})",
            l.tp, l.pp, l.dp, l.ep
        )));
    }
    if model.heads % l.tp != 0 {
        return Err(PerfError::Layout(format!("tp {} must divide the model's {} attention heads", l.tp, model.heads)));
    }
    if l.pp > model.layers {
        return Err(PerfError::Layout(format!("pp {} exceeds the model's {} layers", l.pp, model.layers)));
    }
    if !shape.is_moe() && l.ep > 1 {
        return Err(PerfError::Layout(format!("ep {} given for dense model `{}`", l.ep, model.id)));
    }
    let g = l.expert_group();
    if g % l.tp != 0 || (g / l.tp) > l.dp || l.dp % (g / l.tp) != 0 {
        return Err(PerfError::Layout(format!(
            "expert group of {g} chips must be a multiple of tp {} covering whole replicas (dp {})",
            l.tp, l.dp
        )));
    }
    Ok(())
}

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
    /// p99 time to first token (queueing included for the server scenario), ms.
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

/// Batch sizes tried: geometric grid up to `max` (inclusive).
fn batch_grid(max: f64, mut f: impl FnMut(f64)) {
    let mut b = 1.0_f64;
    while b < max {
        f(b);
        b = (b * 1.25).ceil();
    }
    if max >= 1.0 {
        f(max);
    }
}

fn point_continuous(e: &InferenceEngine, w: &Workload, batch: f64, scale: f64) -> OperatingPoint {
    let load = e.continuous_load(batch, w);
    let step = e.step_breakdown(&load);
    let t = step.total_s();
    let per_chip = scale / e.chips_per_replica();
    // A new request's prefill finishes within the step that schedules it, or spreads over
    // `output / batch` steps when prefill per step is one partial chunk.
    let ttft = t * (w.output_tokens / batch).max(1.0);
    OperatingPoint {
        batch,
        tpot_ms: t * 1e3,
        tpot_p99_ms: t * 1e3 * TPOT_P99_OVER_MEAN,
        ttft_ms: ttft * 1e3,
        ttft_p99_ms: ttft * 1e3 * TPOT_P99_OVER_MEAN,
        output_tokens_per_s_per_chip: batch / t * per_chip,
        input_tokens_per_s_per_chip: batch / t / w.output_tokens * w.input_tokens * per_chip,
        requests_per_s_per_chip: batch / t / w.output_tokens * per_chip,
        binding: e.binding(&step),
        step,
    }
}

fn point_decode(e: &InferenceEngine, w: &Workload, batch: f64, scale: f64) -> OperatingPoint {
    let step = e.step_breakdown(&e.decode_load(batch, w));
    let t = step.total_s();
    let per_chip = scale / e.chips_per_replica();
    OperatingPoint {
        batch,
        tpot_ms: t * 1e3,
        tpot_p99_ms: t * 1e3 * TPOT_P99_OVER_MEAN,
        ttft_ms: 0.0,
        ttft_p99_ms: 0.0,
        output_tokens_per_s_per_chip: batch / t * per_chip,
        input_tokens_per_s_per_chip: 0.0,
        requests_per_s_per_chip: batch / t / w.output_tokens * per_chip,
        binding: e.binding(&step),
        step,
    }
}

fn point_prefill(e: &InferenceEngine, w: &Workload, tokens: f64, scale: f64) -> OperatingPoint {
    let step = e.step_breakdown(&e.prefill_load(tokens, w));
    let t = step.total_s();
    let per_chip = scale / e.chips_per_replica();
    let ttft = t * (w.computed_input() / tokens).max(1.0);
    let input_rate = tokens / t / (1.0 - w.cached_input_fraction);
    OperatingPoint {
        batch: tokens,
        tpot_ms: 0.0,
        tpot_p99_ms: 0.0,
        ttft_ms: ttft * 1e3,
        ttft_p99_ms: ttft * 1e3 * TPOT_P99_OVER_MEAN,
        output_tokens_per_s_per_chip: 0.0,
        input_tokens_per_s_per_chip: input_rate * per_chip,
        requests_per_s_per_chip: input_rate / w.input_tokens * per_chip,
        binding: e.binding(&step),
        step,
    }
}

/// Erlang-C probability that an arrival waits, for `c` servers and offered load `a = λ/μ`
/// (`a < c`), through the numerically stable Erlang-B recursion.
pub fn erlang_c(c: f64, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if a >= c {
        return 1.0;
    }
    let mut b = 1.0;
    let n = c as u64;
    for k in 1..=n {
        b = a * b / (k as f64 + a * b);
    }
    let rho = a / c;
    (b / (1.0 - rho * (1.0 - b))).clamp(0.0, 1.0)
}

/// Largest arrival rate (requests/s) an M/M/c queue with `c` slots each serving for `service_s`
/// sustains with P(wait > `wait_budget_s`) ≤ 1 %: `P(W > t) = C(c, a) · e^{−(cμ − λ)t}`.
pub fn max_rate_for_wait(c: f64, service_s: f64, wait_budget_s: f64) -> f64 {
    let mu = 1.0 / service_s;
    let cap = c * mu;
    let ok = |lambda: f64| {
        let pw = erlang_c(c, lambda / mu);
        pw * (-(cap - lambda) * wait_budget_s).exp() <= 0.01
    };
    if wait_budget_s <= 0.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0, cap);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Evaluate one layout for a scenario: the best point meeting the limits and the curve.
/// `chips_total` is the chip count figures are divided by (≥ the layout's chips; the rest idle).
pub fn evaluate_layout(
    e: &InferenceEngine,
    w: &Workload,
    scenario: Scenario,
    slo: &Slo,
    chips_total: u32,
    mut curve: Option<&mut Vec<OperatingPoint>>,
) -> Result<LayoutResult, PerfError> {
    w.check()?;
    let layout = e.layout();
    let chips_used = layout.chips();
    // Scale: replicas in use, and idle chips dilute per-chip figures.
    let scale = f64::from(chips_used) / f64::from(chips_total.max(chips_used));
    let ctx = match scenario {
        Scenario::Prefill => w.input_tokens,
        _ => w.mean_decode_context(),
    };
    let memory_batch = e.max_batch(ctx);
    let max_batch = memory_batch.min(e.rates().max_running_requests);
    if e.kv_capacity_bytes_per_chip() <= 0.0 || max_batch < 1.0 {
        return Err(PerfError::DoesNotFit(format!(
            "weights {:.1} GB + activations {:.1} GB per chip leave no room for one request's KV cache \
             ({:.0} tokens) in {:.1} usable GB",
            e.weight_bytes_per_chip() / 1e9,
            e.activation_bytes_per_chip() / 1e9,
            ctx,
            e.rates().mem_usable_bytes / 1e9
        )));
    }
    let tpot_cap = slo.tpot_p99_ms;
    let ttft_cap = slo.ttft_p99_ms;
    let mut best: Option<OperatingPoint> = None;
    let mut consider = |p: OperatingPoint, best: &mut Option<OperatingPoint>| {
        if let Some(c) = curve.as_deref_mut() {
            c.push(p);
        }
        let ok_tpot = tpot_cap.is_none_or(|cap| p.tpot_p99_ms <= cap);
        let ok_ttft = scenario == Scenario::Server || ttft_cap.is_none_or(|cap| p.ttft_p99_ms <= cap);
        let value = |q: &OperatingPoint| {
            if scenario == Scenario::Prefill { q.input_tokens_per_s_per_chip } else { q.output_tokens_per_s_per_chip }
        };
        if ok_tpot && ok_ttft && best.as_ref().is_none_or(|b| value(&p) > value(b)) {
            *best = Some(p);
        }
    };
    match scenario {
        Scenario::Offline | Scenario::Server => {
            batch_grid(max_batch, |b| consider(point_continuous(e, w, b, scale), &mut best));
        }
        Scenario::Decode => batch_grid(max_batch, |b| consider(point_decode(e, w, b, scale), &mut best)),
        Scenario::Prefill => {
            // Tokens per step per replica: up to what the KV cache of the prompts in flight allows.
            let max_tokens = (memory_batch * w.computed_input()).min(262_144.0);
            let mut t = 256.0_f64;
            while t < max_tokens {
                consider(point_prefill(e, w, t, scale), &mut best);
                t *= 1.25;
            }
            consider(point_prefill(e, w, max_tokens.max(1.0), scale), &mut best);
        }
    }
    let mut best = best.ok_or_else(|| {
        PerfError::NoFeasible(format!(
            "even batch 1 misses the limits (TPOT p99 {:?} ms, TTFT p99 {:?} ms)",
            tpot_cap, ttft_cap
        ))
    })?;
    if scenario == Scenario::Server {
        best = server_point(e, w, slo, best, scale)?;
    } else if best.batch >= max_batch && scenario != Scenario::Prefill {
        best.binding = if memory_batch <= max_batch { Binding::MemoryCapacity } else { Binding::SchedulerLimit };
    } else if tpot_cap.is_some() && best.batch < max_batch && scenario != Scenario::Prefill {
        best.binding = Binding::Latency;
    }
    Ok(LayoutResult {
        layout,
        chips_used,
        chips_total: chips_total.max(chips_used),
        best,
        max_batch_memory: memory_batch,
        weights_gb_per_chip: e.weight_bytes_per_chip() / 1e9,
        kv_bytes_per_token_per_chip: e.kv_bytes_per_token_per_chip(),
    })
}

/// Server scenario: `cap` is the largest batch meeting the TPOT limit; requests arrive as a
/// Poisson stream per replica, each occupying one of `batch` slots for `output × TPOT`. The
/// arrival rate is the largest whose p99 queueing wait plus prefill fits the TTFT limit (M/M/c).
fn server_point(
    e: &InferenceEngine,
    w: &Workload,
    slo: &Slo,
    cap: OperatingPoint,
    scale: f64,
) -> Result<OperatingPoint, PerfError> {
    let ttft_limit_s = slo.ttft_p99_ms.map_or(f64::INFINITY, |v| v / 1e3);
    let service_s = w.output_tokens * cap.tpot_ms / 1e3;
    let budget = ttft_limit_s - cap.ttft_p99_ms / 1e3;
    if budget <= 0.0 {
        return Err(PerfError::NoFeasible(format!(
            "prefill alone takes {:.0} ms at p99, over the TTFT limit",
            cap.ttft_p99_ms
        )));
    }
    let lambda =
        if budget.is_finite() { max_rate_for_wait(cap.batch, service_s, budget) } else { cap.batch / service_s };
    let util = (lambda * service_s / cap.batch).clamp(0.0, 1.0);
    let per_chip = scale / e.chips_per_replica();
    let mut p = cap;
    p.output_tokens_per_s_per_chip = lambda * w.output_tokens * per_chip;
    p.input_tokens_per_s_per_chip = lambda * w.input_tokens * per_chip;
    p.requests_per_s_per_chip = lambda * per_chip;
    p.ttft_p99_ms = if budget.is_finite() {
        slo.ttft_p99_ms.unwrap_or(0.0).min(cap.ttft_p99_ms + budget * 1e3)
    } else {
        cap.ttft_p99_ms
    };
    if util < 0.999 {
        p.binding = Binding::Latency;
    }
    Ok(p)
}

/// Inputs of an inference performance question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceQuery<'a> {
    /// The model.
    pub model: &'a LlmModel,
    /// Chip rates at the run's precision.
    pub rates: ChipRates,
    /// KV-cache precision.
    pub kv_precision: Precision,
    /// Chips available.
    pub chips: u32,
    /// Workload.
    pub workload: Workload,
    /// Scenario.
    pub scenario: Scenario,
    /// Latency limits.
    pub slo: Slo,
}

/// Layouts searched for `chips` chips: every tp dividing the heads, pp ≤ layers, dp as many
/// replicas as fit (idle chips allowed, so more chips never lower the best total), and for MoE
/// models every expert group that is a power-of-two multiple of tp or the whole instance.
pub fn candidate_layouts(model: &LlmModel, chips: u32, mut f: impl FnMut(Layout)) {
    let moe = model.moe.is_some();
    let mut tp = 1;
    while tp <= chips {
        if model.heads % tp == 0 {
            let mut pp = 1;
            while tp * pp <= chips && pp <= model.layers {
                let dp = chips / (tp * pp);
                f(Layout { tp, pp, dp, ep: 1 });
                if moe {
                    let mut r = 2;
                    while r <= dp {
                        if dp % r == 0 {
                            f(Layout { tp, pp, dp, ep: tp * r });
                        }
                        r = if r * 2 > dp && r != dp { dp } else { r * 2 };
                    }
                }
                pp *= 2;
            }
        }
        tp *= 2;
    }
}

/// Search layouts and batch for the best per-chip throughput meeting the limits.
pub fn search(q: &InferenceQuery<'_>) -> Result<LayoutResult, PerfError> {
    let mut best: Option<LayoutResult> = None;
    let mut last_err: Option<PerfError> = None;
    candidate_layouts(q.model, q.chips, |l| {
        let r = InferenceEngine::new(q.model, q.rates, q.kv_precision, l)
            .and_then(|e| evaluate_layout(&e, &q.workload, q.scenario, &q.slo, q.chips, None));
        match r {
            Ok(r) => {
                let v = |x: &LayoutResult| match q.scenario {
                    Scenario::Prefill => x.best.input_tokens_per_s_per_chip,
                    _ => x.best.output_tokens_per_s_per_chip,
                };
                if best.as_ref().is_none_or(|b| v(&r) > v(b)) {
                    best = Some(r);
                }
            }
            Err(e) => last_err = Some(e),
        }
    });
    best.ok_or_else(|| last_err.unwrap_or_else(|| PerfError::Layout(format!("no layout for {} chips", q.chips))))
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
pub fn disaggregated(w: &Workload, prefill_in_per_chip: f64, decode_out_per_chip: f64) -> Disaggregated {
    let p = w.input_tokens / prefill_in_per_chip;
    let d = w.output_tokens / decode_out_per_chip;
    Disaggregated { prefill_chip_share: p / (p + d), output_tokens_per_s_per_chip: w.output_tokens / (p + d) }
}
