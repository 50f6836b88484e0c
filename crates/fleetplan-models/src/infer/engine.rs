//! The inference engine: per-(model, chip, precision, layout) constants, the allocation-free
//! time of one forward step for any batch composition, the step loads of continuous batching
//! and of prefill/decode pools, and the memory fit (weights, activations, KV cache).

use crate::error::PerfError;
use crate::hw::ChipRates;
use crate::infer::layout::Layout;
use crate::infer::request::{KvReservation, RequestShape};
use crate::shape::{LlmShape, kv_bytes_per_token};
use fleetplan_core::catalog::LlmModel;
use fleetplan_core::units::Precision;
use serde::Serialize;

/// Tokens of activation workspace a serving engine reserves per GPU (the largest prefill chunk
/// plus decode tokens of one step), used for the activation headroom in the memory fit.
pub const ACTIVATION_WORKSPACE_TOKENS: f64 = 4096.0;

/// Tokens per GPU whose logits (FP32) the engine can hold at once, for the memory fit.
pub const LOGITS_WORKSPACE_TOKENS: f64 = 1024.0;

/// Serving-engine features the step model uses (from the engine catalog's `ServingStack`);
/// [`Default`] is a plain engine: no two-batch overlap, attention at 16 bit, full efficiency, no
/// step overhead beyond the family's, the family's memory reserve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOptions {
    /// Two micro-batches per step whose expert all-to-all hides behind the other's compute
    /// (SGLang/DeepSeek two-batch overlap, TensorRT-LLM's overlap scheduler for wide EP).
    pub two_batch_overlap: bool,
    /// Attention score/value products at FP8 when the KV cache is 8-bit (FlashMLA-FP8, FP8 FMHA).
    pub fp8_attention: bool,
    /// Engine efficiency: every kernel time is divided by it (1 = the family's rates).
    pub efficiency: f64,
    /// Scheduler cost per step the engine adds to the family's `step_overhead_us`, s (the
    /// families are calibrated on the best-tuned engines, which add 0).
    pub extra_step_overhead_s: f64,
    /// Share of tensor-parallel all-reduce time hidden behind GEMMs (fused GEMM + all-reduce), 0–1.
    pub allreduce_overlap: f64,
    /// Device memory per GPU the engine reserves, bytes (`None`: the family's `mem_reserve_gb`).
    pub mem_reserve_bytes: Option<f64>,
    /// KV reservation policy at admission (what sizes the batch the KV cache allows).
    pub kv_reservation: KvReservation,
}

impl Default for StepOptions {
    fn default() -> Self {
        StepOptions {
            two_batch_overlap: false,
            fp8_attention: false,
            efficiency: 1.0,
            extra_step_overhead_s: 0.0,
            allreduce_overlap: 0.0,
            mem_reserve_bytes: None,
            kv_reservation: KvReservation::Expected,
        }
    }
}

/// Smooth roofline of one kernel with compute time `compute_s` and memory time `memory_s`:
/// `(c^p + m^p)^(1/p)`, between `max(c, m)` and `c + m` for `p ≥ 1`; `p = 0` is the hard max.
#[inline]
pub fn smooth_roofline_s(compute_s: f64, memory_s: f64, sharpness: f64) -> f64 {
    let (hi, lo) = if compute_s >= memory_s { (compute_s, memory_s) } else { (memory_s, compute_s) };
    if sharpness <= 0.0 || hi <= 0.0 {
        return hi;
    }
    hi * (1.0 + (lo / hi).powf(sharpness)).powf(1.0 / sharpness)
}

/// Expected maximum over `n` parties of loads with relative standard deviation `rel_sd`, over
/// their mean: `1 + rel_sd × √(2 ln n)` (Gaussian extreme-value approximation); 1 for `n ≤ 1`.
#[inline]
pub fn imbalance_factor(rel_sd: f64, n: f64) -> f64 {
    if n <= 1.0 || rel_sd <= 0.0 { 1.0 } else { 1.0 + rel_sd * (2.0 * n.ln()).sqrt() }
}

/// Step time of two overlapped micro-batches (two-batch overlap): each half's communication
/// (`comm_s / 2`) runs during the other half's compute (`compute_s / 2`), so the step is
/// `max(C, A) + min(C, A) / 2`, never more than `C + A`.
#[inline]
pub fn overlapped_s(compute_s: f64, comm_s: f64) -> f64 {
    compute_s.max(comm_s) + compute_s.min(comm_s) / 2.0
}

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

    /// Add one kernel at its smooth roofline bound ([`smooth_roofline_s`] with exponent
    /// `sharpness`), booked as compute when its arithmetic time `compute_s` is at least its memory
    /// time `memory_s`, else as memory.
    fn add_kernel(&mut self, compute_s: f64, memory_s: f64, sharpness: f64) {
        let time_s = smooth_roofline_s(compute_s, memory_s, sharpness);
        if compute_s >= memory_s {
            self.compute_s += time_s;
        } else {
            self.memory_s += time_s;
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
    options: StepOptions,
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
    attn_flops_rate: f64,
    dense_high_params_gpu_stage: f64,
    permute_copies_per_token: f64,
    // Memory, per GPU:
    weight_bytes_gpu: f64,
    kv_bytes_per_token_gpu: f64,
    activation_bytes_gpu: f64,
}

impl InferenceEngine {
    /// Constants for `model` on a chip with `rates`, weights/activations at the rates'
    /// precision, KV cache at `kv_precision`, in `layout`.
    pub fn new(model: &LlmModel, rates: ChipRates, kv_precision: Precision, layout: Layout) -> Result<Self, PerfError> {
        Self::with_options(model, rates, kv_precision, layout, StepOptions::default())
    }

    /// As [`InferenceEngine::new`], with the serving engine's features `options`.
    pub fn with_options(
        model: &LlmModel,
        rates: ChipRates,
        kv_precision: Precision,
        layout: Layout,
        options: StepOptions,
    ) -> Result<Self, PerfError> {
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
        let high = rates.step.dense_high_fraction;
        let non_routed_bytes = (1.0 - high) * rates.weight_bytes + high * rates.step.weight_bytes_high;
        let weight_bytes_gpu = non_routed / (tp * pp) * non_routed_bytes
            + shape.routed_expert_params_total / (group * pp) * rates.weight_bytes;
        let attn_flops_rate = if options.fp8_attention && kv_precision.weight_bits() == 8 {
            rates.step.attn_flops_fp8
        } else {
            rates.attn_flops
        };
        let dense_params_gpu_stage = shape.always_params_layers() / (tp * pp);
        let act_bytes_per_token =
            (6.0 * shape.hidden + 3.0 * shape.attn_width / tp + 3.0 * shape.ffn_width_active / tp) * 2.0;
        let activation_bytes_gpu =
            ACTIVATION_WORKSPACE_TOKENS * act_bytes_per_token + LOGITS_WORKSPACE_TOKENS * shape.vocab / tp * 4.0;
        Ok(InferenceEngine {
            rates,
            options,
            shape,
            layout,
            pp,
            tp,
            group,
            replicas_per_group: group / tp,
            dense_params_gpu_stage,
            dense_high_params_gpu_stage: dense_params_gpu_stage * high,
            attn_flops_rate,
            permute_copies_per_token: if wide_ep { shape.active_experts / tp } else { shape.active_experts },
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

    /// The serving engine's features this engine was built with.
    pub fn options(&self) -> &StepOptions {
        &self.options
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

    /// Replicas that share one scheduler and so one request queue: the attention replicas of an
    /// expert group (data-parallel attention with expert parallelism is one engine instance
    /// whose scheduler places each request on any of its ranks), 1 without expert groups wider
    /// than the tensor-parallel group.
    pub fn replicas_per_queue(&self) -> f64 {
        self.replicas_per_group.max(1.0)
    }

    /// Time to send one context token's KV cache from this (prefill) replica to a decode
    /// replica, s: each chip sends its own shard ([`Self::kv_bytes_per_token_per_chip`]) in
    /// parallel over its scale-out NIC (RDMA across nodes). The one home of the KV transfer of
    /// a disaggregated deployment (configuration search and simulator).
    pub fn kv_transfer_s_per_token(&self) -> f64 {
        self.kv_bytes_per_token_gpu / self.rates.scaleout_bw.max(1.0)
    }

    /// Time to hand a prompt of `tokens` tokens from this prefill replica to a decode replica, s:
    /// one collective latency plus `tokens ×` [`Self::kv_transfer_s_per_token`].
    pub fn kv_transfer_s(&self, tokens: f64) -> f64 {
        self.rates.collective_latency_s + tokens * self.kv_transfer_s_per_token()
    }

    /// Activation headroom reserved per chip, bytes.
    pub fn activation_bytes_per_chip(&self) -> f64 {
        self.activation_bytes_gpu
    }

    /// Activation bytes per token per chip (for the memory report).
    pub fn activation_bytes_per_token(&self) -> f64 {
        self.act_bytes_per_token
    }

    /// Memory per chip the engine keeps beyond weights and KV, bytes: the larger of the
    /// activation headroom and the engine's reserve (activations, CUDA-graph pools, MoE and
    /// communication workspaces; the family's `mem_reserve_gb` unless the engine sets one).
    pub fn reserved_bytes_per_chip(&self) -> f64 {
        let reserve = self.options.mem_reserve_bytes.unwrap_or(self.rates.step.mem_reserve_bytes);
        self.activation_bytes_gpu.max(reserve)
    }

    /// KV-cache capacity per chip after weights and the engine's reserve, bytes (negative when
    /// the weights alone do not fit).
    pub fn kv_capacity_bytes_per_chip(&self) -> f64 {
        self.rates.mem_usable_bytes - self.weight_bytes_gpu - self.reserved_bytes_per_chip()
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
    /// group pays the smooth roofline of its FLOPs (at an efficiency that falls with few rows per
    /// GEMM) and its weight bytes; MoE layers read only the experts hit and the busiest GPU of an
    /// expert-parallel group sets their time; decode attention pays the roofline of its FLOPs and
    /// KV bytes, prefill attention is compute-bound, and the slowest attention-data-parallel rank
    /// sets both; norms, quantisation and the MoE token permutation move activations at memory
    /// bandwidth. TP all-reduces, the PP hand-off and expert all-to-alls follow (the all-to-all
    /// hidden behind compute with two-batch overlap). The step takes `pp` stage times (with the
    /// pipeline's imbalance stall) plus the fixed step overhead. docs/performance-model.md §3.
    pub fn step_breakdown(&self, load: &StepLoad) -> StepBreakdown {
        let rates = &self.rates;
        let step = &rates.step;
        let inv_pp = 1.0 / self.pp;
        let stage_tokens = (load.decode_tokens + load.prefill_tokens) * inv_pp;
        let mut stage = StepBreakdown::default();
        self.add_gemms(load, stage_tokens, inv_pp, &mut stage);
        // Attention, at the slowest attention-DP rank of the expert group.
        let rank_factor = imbalance_factor(
            step.attention_dp_imbalance_cv / load.decode_tokens.max(1.0).sqrt(),
            self.replicas_per_group,
        );
        let stage_context = load.decode_context_tokens * inv_pp * rank_factor;
        stage.add_kernel(
            stage_context * self.attn_decode_flops_per_ctx / self.attn_flops_rate,
            stage_context * self.kv_bytes_per_ctx_stage / rates.mem_bw,
            step.roofline_sharpness,
        );
        stage.compute_s +=
            load.prefill_pairs * inv_pp * rank_factor * self.attn_prefill_flops_per_pair / self.attn_flops_rate;
        // Non-GEMM activation traffic: norms/residual/quantisation and the MoE token permutation.
        let act_values = stage_tokens
            * self.shape.hidden
            * (self.layers_stage * step.activation_passes
                + self.moe_layers_stage * step.moe_permute_passes * self.permute_copies_per_token);
        stage.memory_s += act_values * 2.0 / rates.mem_bw;
        let inv_eff = 1.0 / self.options.efficiency.max(1e-3);
        stage.compute_s *= inv_eff;
        stage.memory_s *= inv_eff;
        let (tp_comm_s, a2a_s) = self.stage_comm_s(load, stage_tokens, inv_pp);
        stage.overhead_s =
            self.layers_stage * rates.layer_overhead_s + self.moe_layers_stage * step.moe_layer_overhead_s;
        let kernels_s = stage.compute_s + stage.memory_s + stage.overhead_s + tp_comm_s;
        stage.comm_s = tp_comm_s
            + if self.options.two_batch_overlap && a2a_s > 0.0 {
                (overlapped_s(kernels_s, a2a_s) - kernels_s).min(a2a_s)
            } else {
                a2a_s
            };
        // The replica's step is pp stage passes, stalled by micro-batch imbalance.
        let passes = self.pp * (1.0 + step.pipeline_imbalance * (self.pp - 1.0) * inv_pp);
        StepBreakdown {
            compute_s: stage.compute_s * passes,
            memory_s: stage.memory_s * passes,
            comm_s: stage.comm_s * passes,
            overhead_s: stage.overhead_s * passes + rates.step_overhead_s + self.options.extra_step_overhead_s,
        }
    }

    /// GEMM time stretch for `rows` rows per GEMM: `1 + M½ / M` (efficiency `M / (M + M½)`).
    #[inline]
    fn rows_stretch(&self, rows: f64) -> f64 {
        let half = self.rates.step.gemm_half_rows;
        if half > 0.0 && rows > 0.0 { 1.0 + half / rows } else { 1.0 }
    }

    /// Add the GEMMs of one stage pass: dense layers (attention projections, dense FFNs, shared
    /// experts; in FP4 runs a share at FP8), the output head and the routed experts hit.
    fn add_gemms(&self, load: &StepLoad, stage_tokens: f64, inv_pp: f64, stage: &mut StepBreakdown) {
        let rates = &self.rates;
        let step = &rates.step;
        let sharpness = step.roofline_sharpness;
        let low_params = self.dense_params_gpu_stage - self.dense_high_params_gpu_stage;
        let dense_flops_s = 2.0
            * stage_tokens
            * (low_params / rates.gemm_flops + self.dense_high_params_gpu_stage / step.gemm_flops_high)
            * self.rows_stretch(stage_tokens);
        let dense_bytes = low_params * rates.weight_bytes + self.dense_high_params_gpu_stage * step.weight_bytes_high;
        stage.add_kernel(dense_flops_s, dense_bytes / rates.mem_bw, sharpness);
        // Output head (last stage: the pipeline's slowest).
        let head_tokens = (load.decode_tokens + load.prefill_sequences) * inv_pp;
        stage.add_kernel(
            2.0 * head_tokens * self.head_params_gpu / rates.gemm_flops * self.rows_stretch(head_tokens),
            self.head_params_gpu * rates.weight_bytes / rates.mem_bw,
            sharpness,
        );
        if self.moe_layers_stage > 0.0 && stage_tokens > 0.0 {
            let group_tokens = stage_tokens * self.replicas_per_group;
            let experts_hit = self.shape.experts_hit(group_tokens);
            let rows_per_expert = group_tokens * self.shape.active_experts / experts_hit.max(1.0);
            // Busiest GPU of an expert-parallel group: routing noise and popularity skew.
            let hot = if self.layout.ep > 1 {
                let copies_per_gpu = group_tokens * self.shape.active_experts / self.group;
                let experts_per_gpu = (self.shape.experts / self.group).max(1.0);
                let rel_var = step.expert_routing_skew.powi(2) / experts_per_gpu + 1.0 / copies_per_gpu.max(1.0);
                imbalance_factor(rel_var.sqrt(), self.group)
            } else {
                1.0
            };
            stage.add_kernel(
                group_tokens * self.expert_flops_per_group_token * self.moe_layers_stage / step.moe_gemm_flops
                    * self.rows_stretch(rows_per_expert)
                    * hot,
                experts_hit * self.expert_bytes_per_hit * self.moe_layers_stage / rates.mem_bw,
                sharpness,
            );
        }
    }

    /// Communication of one stage pass, s: tensor-parallel all-reduces (less what fused GEMM +
    /// all-reduce kernels hide) and the pipeline transfer to the next stage; and, separately, the
    /// expert all-to-alls (wide EP).
    fn stage_comm_s(&self, load: &StepLoad, stage_tokens: f64, inv_pp: f64) -> (f64, f64) {
        let rates = &self.rates;
        let mut comm_s = 0.0;
        if self.all_reduces_stage > 0.0 {
            comm_s += self.all_reduces_stage
                * rates.tp_all_reduce_s(stage_tokens * self.shape.hidden * 2.0, self.tp)
                * (1.0 - self.options.allreduce_overlap.clamp(0.0, 1.0));
        }
        let mut a2a_s = 0.0;
        if self.a2a_bytes_per_token > 0.0 {
            a2a_s = self.moe_layers_stage
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
        (comm_s, a2a_s)
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
