//! The inference engine: per-(model, chip, precision, layout) constants, the allocation-free
//! time of one forward step for any batch composition, the step loads of continuous batching
//! and of prefill/decode pools, and the memory fit (weights, activations, KV cache).

use crate::error::PerfError;
use crate::hw::ChipRates;
use crate::infer::layout::Layout;
use crate::infer::request::RequestShape;
use crate::shape::{LlmShape, kv_bytes_per_token};
use fleetplan_core::catalog::LlmModel;
use fleetplan_core::units::Precision;
use serde::Serialize;

/// Tokens of activation workspace a serving engine reserves per GPU (the largest prefill chunk
/// plus decode tokens of one step), used for the activation headroom in the memory fit.
pub const ACTIVATION_WORKSPACE_TOKENS: f64 = 4096.0;

/// Tokens per GPU whose logits (FP32) the engine can hold at once, for the memory fit.
pub const LOGITS_WORKSPACE_TOKENS: f64 = 1024.0;

/// What one forward step of a replica processes (per replica, all its pipeline stages).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepLoad {
    /// Decode tokens (per running request: one per beam, times `1 + draft tokens`).
    pub decode_tokens: f64,
    /// Sum over decoding sequences (beams) of their context length (tokens of KV read).
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

    /// Add one kernel at its roofline bound: its arithmetic time `compute_s` when that is at
    /// least its memory time `memory_s`, else its memory time.
    fn add_kernel(&mut self, compute_s: f64, memory_s: f64) {
        if compute_s >= memory_s {
            self.compute_s += compute_s;
        } else {
            self.memory_s += memory_s;
        }
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
        layout.check(&shape, model)?;
        let tp = f64::from(layout.tp);
        let pp = f64::from(layout.pp);
        let group = f64::from(layout.expert_group());
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
            replicas_per_group: group / tp,
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

    /// Activation bytes per token per chip (for the memory report).
    pub fn activation_bytes_per_token(&self) -> f64 {
        self.act_bytes_per_token
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
        let rates = &self.rates;
        let inv_pp = 1.0 / self.pp;
        let stage_tokens = (load.decode_tokens + load.prefill_tokens) * inv_pp;
        let mut stage = StepBreakdown::default();
        self.add_gemms(load, stage_tokens, inv_pp, &mut stage);
        // Attention.
        let stage_context = load.decode_context_tokens * inv_pp;
        stage.add_kernel(
            stage_context * self.attn_decode_flops_per_ctx / rates.attn_flops,
            stage_context * self.kv_bytes_per_ctx_stage / rates.mem_bw,
        );
        stage.compute_s += load.prefill_pairs * inv_pp * self.attn_prefill_flops_per_pair / rates.attn_flops;
        stage.comm_s = self.stage_comm_s(load, stage_tokens, inv_pp);
        stage.overhead_s = self.layers_stage * rates.layer_overhead_s;
        // The replica's step is pp stage passes.
        StepBreakdown {
            compute_s: stage.compute_s * self.pp,
            memory_s: stage.memory_s * self.pp,
            comm_s: stage.comm_s * self.pp,
            overhead_s: stage.overhead_s * self.pp + rates.step_overhead_s,
        }
    }

    /// Add the GEMMs of one stage pass: dense layers (attention projections, dense FFNs, shared
    /// experts), the output head and the routed experts hit.
    fn add_gemms(&self, load: &StepLoad, stage_tokens: f64, inv_pp: f64, stage: &mut StepBreakdown) {
        let rates = &self.rates;
        let gemm = |flops: f64, flop_rate: f64, bytes: f64| (flops / flop_rate, bytes / rates.mem_bw);
        let (compute_s, memory_s) = gemm(
            2.0 * stage_tokens * self.dense_params_gpu_stage,
            rates.gemm_flops,
            self.dense_params_gpu_stage * rates.weight_bytes,
        );
        stage.add_kernel(compute_s, memory_s);
        // Output head (last stage: the pipeline's slowest).
        let head_tokens = (load.decode_tokens + load.prefill_sequences) * inv_pp;
        let (compute_s, memory_s) =
            gemm(2.0 * head_tokens * self.head_params_gpu, rates.gemm_flops, self.head_params_gpu * rates.weight_bytes);
        stage.add_kernel(compute_s, memory_s);
        if self.moe_layers_stage > 0.0 && stage_tokens > 0.0 {
            let group_tokens = stage_tokens * self.replicas_per_group;
            let experts_hit = self.shape.experts_hit(group_tokens);
            let (compute_s, memory_s) = gemm(
                group_tokens * self.expert_flops_per_group_token * self.moe_layers_stage,
                rates.moe_gemm_flops,
                experts_hit * self.expert_bytes_per_hit * self.moe_layers_stage,
            );
            stage.add_kernel(compute_s, memory_s);
        }
    }

    /// Communication of one stage pass, s: tensor-parallel all-reduces, expert all-to-alls
    /// (wide EP) and the pipeline transfer to the next stage.
    fn stage_comm_s(&self, load: &StepLoad, stage_tokens: f64, inv_pp: f64) -> f64 {
        let rates = &self.rates;
        let mut comm_s = 0.0;
        if self.all_reduces_stage > 0.0 {
            comm_s += self.all_reduces_stage * rates.all_reduce_s(stage_tokens * self.shape.hidden * 2.0, self.tp);
        }
        if self.a2a_bytes_per_token > 0.0 {
            comm_s += self.moe_layers_stage
                * rates.expert_all_to_all_s(
                    load.decode_tokens * inv_pp,
                    load.prefill_tokens * inv_pp,
                    self.shape.active_experts,
                    self.a2a_bytes_per_token,
                    self.group,
                );
        }
        if self.pp > 1.0 {
            let link_bw = rates.group_bw(self.tp * self.pp);
            comm_s += stage_tokens * self.shape.hidden * 2.0 / self.tp / link_bw + rates.collective_latency_s;
        }
        comm_s
    }

    /// Steady-state step load of continuous batching with `batch` running requests of shape
    /// `request`: the decode tokens of every request (`beams × (1 + draft tokens)` each, see
    /// [`decode_load`](Self::decode_load)), and the prefill of `batch / steps per request` new
    /// requests per step interleaved (chunked), so prefill work keeps pace with completions
    /// (`steps per request = output / E`, `E` the tokens emitted per step). Beams share their
    /// prompt's prefill.
    pub fn continuous_load(&self, batch: f64, request: &RequestShape) -> StepLoad {
        let new_requests = batch / request.decode_steps();
        StepLoad {
            prefill_tokens: new_requests * request.computed_input(),
            prefill_pairs: new_requests * request.prefill_pairs_per_request(),
            prefill_sequences: new_requests,
            ..self.decode_load(batch, request)
        }
    }

    /// Step load of a decode-only pool with `batch` running requests at the time-weighted mean
    /// context ([`RequestShape::mean_decode_context`]).
    pub fn decode_load(&self, batch: f64, request: &RequestShape) -> StepLoad {
        self.decode_load_at(batch, request.mean_decode_context(), request)
    }

    /// Step load of `batch` decoding requests whose sequences each attend `context_tokens`.
    ///
    /// Every beam is a sequence and every sequence verifies `1 + k` tokens per step (`k` draft
    /// tokens of speculative / MTP decoding): `decode_tokens = batch · beams · (1 + k)`. The KV
    /// read is counted once per sequence and step, `decode_context_tokens = batch · beams ·
    /// context`: beams share the prompt's KV blocks in memory, but paged-attention kernels read
    /// them once per beam (each beam is its own query row); the `1 + k` verified tokens of one
    /// sequence are one multi-query kernel reading the KV once (their extra attention FLOPs are
    /// left out: decode attention is bound by the KV read).
    pub fn decode_load_at(&self, batch: f64, context_tokens: f64, request: &RequestShape) -> StepLoad {
        let sequences = batch * f64::from(request.decoding.beams);
        StepLoad {
            decode_tokens: sequences * (1.0 + f64::from(request.decoding.draft_tokens)),
            decode_context_tokens: sequences * context_tokens,
            ..StepLoad::default()
        }
    }

    /// Step load of a prefill-only pool computing `tokens` prompt tokens per step.
    pub fn prefill_load(&self, tokens: f64, request: &RequestShape) -> StepLoad {
        let sequences = tokens / request.computed_input();
        StepLoad {
            prefill_tokens: tokens,
            prefill_pairs: sequences * request.prefill_pairs_per_request(),
            prefill_sequences: sequences,
            ..StepLoad::default()
        }
    }

    /// Which resource binds a step: the largest share of its time.
    pub fn binding(&self, step: &StepBreakdown) -> Binding {
        let parts = [
            (step.compute_s, Binding::Compute),
            (step.memory_s, Binding::MemoryBandwidth),
            (step.comm_s, Binding::Interconnect),
            (step.overhead_s, Binding::Overhead),
        ];
        parts.into_iter().fold((f64::MIN, Binding::Compute), |acc, part| if part.0 > acc.0 { part } else { acc }).1
    }
}
