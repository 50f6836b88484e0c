//! LLM training: model FLOPs, memory per chip under TP/PP/DP/EP/ZeRO/recomputation,
//! communication per step, pipeline bubble → step time, MFU, time to train and chip-hours, and
//! a search over parallel layouts for the fastest plan that fits memory.
//!
//! Per-(model, chip, job) constants live in a [`TrainEngine`]; one layout's figures
//! ([`TrainEngine::point`]) take a few dozen floating-point operations without allocation.
//! Formulas: `docs/performance-model.md`.

use crate::error::{FitError, PerfError, SettingError};
use crate::hw::ChipRates;
use crate::shape::LlmShape;
use fleetplan_core::catalog::LlmModel;
use serde::Serialize;

/// Bytes of training state per parameter before sharding: BF16 weights (2) + BF16 gradients (2)
/// + FP32 master weights, Adam first and second moments (12) — mixed-precision Adam (ZeRO paper).
pub const STATE_BYTES_PER_PARAM: f64 = 16.0;

/// Micro-batches per data-parallel replica per step when the job gives no global batch:
/// `8 × pp` (Megatron-LM's GPT-1T run used 512 = 8 × 64; DeepSeek-V3's 15,360-sequence batch on
/// 128 replicas is 120 = 7.5 × 16), which keeps the 1F1B bubble near 12 % before interleaving.
pub const DEFAULT_MICROBATCHES_PER_STAGE: f64 = 8.0;

/// `6 · N · D`: training FLOPs of a dense model with `params` parameters on `tokens` tokens
/// (forward 2·N, backward 4·N per token), attention excluded.
pub fn dense_training_flops(params: f64, tokens: f64) -> f64 {
    6.0 * params * tokens
}

/// Activation recomputation policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Recompute {
    /// Keep all activations.
    None,
    /// Recompute the attention core and FFN activation functions (cheap, saves their outputs).
    Selective,
    /// Recompute each layer's forward in the backward pass (store layer inputs only).
    Full,
}

/// One training parallel layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrainLayout {
    /// Tensor parallel (with sequence parallelism).
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Data-parallel replicas.
    pub dp: u32,
    /// Expert parallel (MoE; spans data-parallel ranks), 1 for dense.
    pub ep: u32,
    /// ZeRO stage 0–3 over the data-parallel group.
    pub zero: u8,
    /// Recomputation policy.
    pub recompute: Recompute,
    /// Sequences per micro-batch.
    pub micro_batch: u32,
    /// Virtual pipeline stages per chip (interleaved 1F1B), 1 = plain 1F1B.
    pub virtual_stages: u32,
}

impl TrainLayout {
    /// Chips used.
    pub fn chips(&self) -> u32 {
        self.tp * self.pp * self.dp
    }
}

/// A training job.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainJob {
    /// Sequence length, tokens.
    pub seq_len: f64,
    /// Global batch, tokens per optimizer step (None: [`DEFAULT_MICROBATCHES_PER_STAGE`] `× pp` micro-batches per replica).
    pub global_batch_tokens: Option<f64>,
    /// Tokens to train on (for time and chip-hours).
    pub tokens: f64,
}

/// Figures of one layout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainPoint {
    /// The layout.
    pub layout: TrainLayout,
    /// Micro-batches per replica per step.
    pub microbatches: f64,
    /// Step time, s.
    pub step_s: f64,
    /// Tokens per optimizer step.
    pub tokens_per_step: f64,
    /// Memory per chip, GB.
    pub memory_gb_per_chip: f64,
    /// Whether it fits the chip's usable memory.
    pub fits: bool,
    /// Model FLOPs utilisation (model FLOPs / time / chips / dense BF16 peak).
    pub mfu: f64,
    /// Model TFLOP/s per chip.
    pub model_tflops_per_chip: f64,
    /// Executed TFLOP/s per chip (recomputation included).
    pub hardware_tflops_per_chip: f64,
    /// Tokens per second over the job.
    pub tokens_per_s: f64,
    /// Wall-clock time for the job's tokens, hours.
    pub time_to_train_h: f64,
    /// Chip-hours for the job's tokens.
    pub chip_hours: f64,
    /// Pipeline-bubble share of the step.
    pub bubble_fraction: f64,
    /// Exposed communication per step, s.
    pub comm_s: f64,
}

/// Per-(model, chip, job) constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainEngine {
    rates: ChipRates,
    shape: LlmShape,
    job: TrainJob,
    gemm_flops_tok: f64,
    expert_flops_tok: f64,
    attn_fwd_flops_tok: f64,
    heads: u32,
    layers: u32,
    model_flops_tok: f64,
}

impl TrainEngine {
    /// Constants for training `model` on chips with `rates` (at the job's precision).
    pub fn new(model: &LlmModel, rates: ChipRates, job: TrainJob) -> Result<TrainEngine, PerfError> {
        if !(job.seq_len.is_finite() && job.seq_len >= 1.0) {
            return Err(SettingError::SequenceLength(job.seq_len).into());
        }
        if !(job.tokens.is_finite() && job.tokens >= 0.0) {
            return Err(SettingError::TrainingTokens(job.tokens).into());
        }
        if let Some(batch) = job.global_batch_tokens
            && !(batch.is_finite() && batch >= job.seq_len)
        {
            return Err(SettingError::GlobalBatch(batch).into());
        }
        let shape = LlmShape::new(model);
        let gemm = shape.forward_gemm_flops_per_token();
        // Causal attention: a token at position i attends i + 1 tokens; mean (s + 1) / 2.
        let attn = shape.attn_flops_pair_prefill * shape.layers * (job.seq_len + 1.0) / 2.0;
        Ok(TrainEngine {
            rates,
            shape,
            job,
            gemm_flops_tok: gemm,
            expert_flops_tok: 2.0 * shape.moe_layers * shape.active_experts * shape.expert_params,
            attn_fwd_flops_tok: attn,
            heads: model.heads,
            layers: model.layers,
            model_flops_tok: 3.0 * (gemm + attn),
        })
    }

    /// Model FLOPs per trained token: `3 × forward` = `6 · N_active` (GEMMs, head included) plus
    /// `3 ×` causal attention FLOPs.
    pub fn model_flops_per_token(&self) -> f64 {
        self.model_flops_tok
    }

    /// Figures of one layout; `None` when the layout is inconsistent with the model or job.
    pub fn point(&self, layout: &TrainLayout) -> Option<TrainPoint> {
        if !self.is_consistent(layout) {
            return None;
        }
        let degrees = Degrees::of(layout);
        let microbatch_tokens = f64::from(layout.micro_batch) * self.job.seq_len;
        let microbatches = match self.job.global_batch_tokens {
            Some(batch) => (batch / (degrees.dp * microbatch_tokens)).floor(),
            None => DEFAULT_MICROBATCHES_PER_STAGE * degrees.pp,
        };
        if microbatches < 1.0 {
            return None;
        }
        let tokens_per_step = microbatches * degrees.dp * microbatch_tokens;
        let (compute_s, executed_flops_step) = self.compute(layout.recompute, tokens_per_step, degrees.chips);
        let comm = self.microbatch_comm(layout, &degrees, microbatch_tokens);
        let comm_in_pipeline = microbatches * (comm.tp_s + comm.ep_s);
        let bubble_fraction = (degrees.pp - 1.0) / (degrees.virtual_stages * microbatches);
        let pipelined = (compute_s + comm_in_pipeline) * (1.0 + bubble_fraction) + microbatches * comm.pipeline_s;
        let params = self.params_per_chip(&degrees);
        let dp_exposed = self.gradient_sync_exposed_s(layout, &degrees, &params, compute_s / microbatches);
        let state_bytes = optimizer_state_bytes(layout.zero, &degrees, &params);
        let optimizer_s = 2.0 * state_bytes / self.rates.mem_bw;
        let step_s = pipelined + dp_exposed + optimizer_s;
        let memory = state_bytes
            + self.activation_bytes(layout, &degrees, microbatches, microbatch_tokens)
            + microbatch_tokens * self.shape.vocab / degrees.tp * 4.0;

        let tokens_per_s = tokens_per_step / step_s;
        let model_flops_rate = self.model_flops_tok * tokens_per_s / degrees.chips;
        let time_h = self.job.tokens / tokens_per_s / 3600.0;
        Some(TrainPoint {
            layout: *layout,
            microbatches,
            step_s,
            tokens_per_step,
            memory_gb_per_chip: memory / 1e9,
            fits: memory <= self.rates.mem_usable_bytes,
            mfu: model_flops_rate / self.rates.bf16_peak_flops,
            model_tflops_per_chip: model_flops_rate / 1e12,
            hardware_tflops_per_chip: executed_flops_step / step_s / degrees.chips / 1e12,
            tokens_per_s,
            time_to_train_h: time_h,
            chip_hours: time_h * degrees.chips,
            bubble_fraction: bubble_fraction / (1.0 + bubble_fraction),
            comm_s: microbatches * (comm.tp_s + comm.ep_s + comm.pipeline_s) + dp_exposed,
        })
    }

    /// Whether the layout can run the model: every degree ≥ 1, tp divides the heads, pp and the
    /// virtual stages fit the layers, ZeRO 0–3, and ep only for MoE models, dividing `dp × tp`.
    fn is_consistent(&self, layout: &TrainLayout) -> bool {
        let TrainLayout { tp, pp, dp, ep, zero, micro_batch, virtual_stages, .. } = *layout;
        if tp == 0 || pp == 0 || dp == 0 || ep == 0 || micro_batch == 0 || virtual_stages == 0 {
            return false;
        }
        if self.heads % tp != 0 || pp > self.layers || zero > 3 {
            return false;
        }
        if virtual_stages > 1 && (pp == 1 || pp * virtual_stages > self.layers) {
            return false;
        }
        if self.shape.is_moe() { ep <= dp * tp && (dp * tp) % ep == 0 } else { ep == 1 }
    }

    /// Compute time of one step (s, over `chips`) and the FLOPs executed in it (recomputation
    /// adds forward work).
    fn compute(&self, recompute: Recompute, tokens_per_step: f64, chips: f64) -> (f64, f64) {
        let rates = &self.rates;
        let (gemm_passes, attn_passes) = match recompute {
            Recompute::None => (3.0, 3.0),
            Recompute::Selective => (3.0, 4.0),
            Recompute::Full => (4.0, 4.0),
        };
        let dense_gemm = self.gemm_flops_tok - self.expert_flops_tok;
        let per_token_s = gemm_passes * (dense_gemm / rates.gemm_flops + self.expert_flops_tok / rates.moe_gemm_flops)
            + attn_passes * self.attn_fwd_flops_tok / rates.attn_flops;
        let compute_s = tokens_per_step * per_token_s / chips;
        let executed_flops =
            tokens_per_step * (gemm_passes * self.gemm_flops_tok + attn_passes * self.attn_fwd_flops_tok);
        (compute_s, executed_flops)
    }

    /// Communication of one micro-batch on the critical path.
    fn microbatch_comm(&self, layout: &TrainLayout, degrees: &Degrees, microbatch_tokens: f64) -> MicrobatchComm {
        let shape = &self.shape;
        let rates = &self.rates;
        let Degrees { tp, pp, .. } = *degrees;
        let forward_passes = if layout.recompute == Recompute::Full { 2.0 } else { 1.0 };
        let tp_s = if layout.tp > 1 {
            // Two all-reduce-equivalents (reduce-scatter + all-gather) per layer per pass, and
            // two in the backward.
            let per_all_reduce = rates.all_reduce_s(microbatch_tokens * shape.hidden * 2.0, tp);
            shape.layers / pp * 2.0 * (forward_passes + 1.0) * per_all_reduce
        } else {
            0.0
        };
        let ep_s = if shape.is_moe() && degrees.expert_group > tp {
            let dispatch_bytes = if rates.weight_bytes < 2.0 { 1.0 } else { 2.0 };
            let bytes_per_copy = shape.hidden * (dispatch_bytes + 2.0) / tp;
            // Dispatch + combine in each forward pass and in the backward (throughput kernels).
            shape.moe_layers / pp
                * (forward_passes + 1.0)
                * rates.expert_all_to_all_s(
                    0.0,
                    microbatch_tokens,
                    shape.active_experts,
                    bytes_per_copy,
                    degrees.expert_group,
                )
        } else {
            0.0
        };
        let pipeline_s = if layout.pp > 1 {
            let link_bw = rates.group_bw(tp * pp);
            2.0 * degrees.virtual_stages
                * (microbatch_tokens * shape.hidden * 2.0 / tp / link_bw + rates.collective_latency_s)
        } else {
            0.0
        };
        MicrobatchComm { tp_s, ep_s, pipeline_s }
    }

    /// Parameters each chip holds: dense (split over `tp × pp`) and routed experts (split over
    /// the expert group × `pp`), and the data-parallel degree of the expert parameters.
    fn params_per_chip(&self, degrees: &Degrees) -> ParamsPerChip {
        let routed = self.shape.routed_expert_params_total;
        let non_routed = self.shape.total_params - routed;
        ParamsPerChip {
            dense: non_routed / (degrees.tp * degrees.pp),
            expert: routed / (degrees.expert_group * degrees.pp),
            expert_dp: (degrees.dp * degrees.tp / degrees.expert_group).max(1.0),
        }
    }

    /// Data-parallel gradient reduction left exposed, s: the ring all-reduce of BF16 gradients
    /// (× 1.5 under ZeRO-3, which gathers parameters again), less the ≈ 2/3 of the last
    /// micro-batch's compute (`microbatch_compute_s`) it overlaps with.
    fn gradient_sync_exposed_s(
        &self,
        layout: &TrainLayout,
        degrees: &Degrees,
        params: &ParamsPerChip,
        microbatch_compute_s: f64,
    ) -> f64 {
        let rates = &self.rates;
        let dp = degrees.dp;
        let grad_bytes = 2.0 * (params.dense + params.expert);
        let dp_bw = if degrees.chips <= rates.scaleup_domain { rates.scaleup_bw } else { rates.scaleout_bw };
        let dp_time = if layout.dp > 1 {
            let ring_s = 2.0 * (dp - 1.0) / dp * grad_bytes / dp_bw + rates.collective_latency_s;
            if layout.zero == 3 { ring_s * 1.5 } else { ring_s }
        } else {
            0.0
        };
        (dp_time - microbatch_compute_s * 2.0 / 3.0).max(0.0)
    }

    /// Activation bytes per chip (sequence-parallel TP splits them by tp): the micro-batches in
    /// flight of the stage's layers, plus one layer's full activations during recomputation.
    fn activation_bytes(
        &self,
        layout: &TrainLayout,
        degrees: &Degrees,
        microbatches: f64,
        microbatch_tokens: f64,
    ) -> f64 {
        let shape = &self.shape;
        let Degrees { tp, pp, virtual_stages, .. } = *degrees;
        let gated = 6.0; // bytes per FFN-width value stored (gated FFN: gate, up, product)
        let full_layer = 12.0 * shape.hidden + 6.0 * shape.attn_width + gated * shape.ffn_width_active;
        let per_token_layer = match layout.recompute {
            Recompute::None => full_layer,
            Recompute::Selective => 12.0 * shape.hidden + 2.0 * shape.attn_width + 4.0 * shape.ffn_width_active,
            Recompute::Full => 2.0 * shape.hidden,
        } / tp;
        let interleave = if layout.virtual_stages > 1 { (pp - 1.0) / (pp * virtual_stages) } else { 0.0 };
        let in_flight = microbatches.min(pp) * (1.0 + interleave);
        let stored = in_flight * (shape.layers / pp) * microbatch_tokens * per_token_layer;
        if layout.recompute == Recompute::Full {
            // One layer's full activations live during its recomputation.
            stored + microbatch_tokens * full_layer / tp
        } else {
            stored
        }
    }
}

/// A layout's parallel degrees as numbers.
#[derive(Debug, Clone, Copy)]
struct Degrees {
    tp: f64,
    pp: f64,
    dp: f64,
    /// Chips of one expert group (`max(ep, tp)`).
    expert_group: f64,
    virtual_stages: f64,
    /// `tp × pp × dp`.
    chips: f64,
}

impl Degrees {
    fn of(layout: &TrainLayout) -> Degrees {
        let (tp, pp, dp) = (f64::from(layout.tp), f64::from(layout.pp), f64::from(layout.dp));
        Degrees {
            tp,
            pp,
            dp,
            expert_group: f64::from(layout.ep).max(tp),
            virtual_stages: f64::from(layout.virtual_stages),
            chips: tp * pp * dp,
        }
    }
}

/// Communication of one micro-batch on the critical path, s.
struct MicrobatchComm {
    /// Tensor-parallel collectives.
    tp_s: f64,
    /// Expert all-to-alls (wide EP).
    ep_s: f64,
    /// Pipeline point-to-point transfers.
    pipeline_s: f64,
}

/// Parameters per chip.
struct ParamsPerChip {
    /// Non-routed parameters (attention, dense FFNs, shared experts, embeddings).
    dense: f64,
    /// Routed-expert parameters.
    expert: f64,
    /// Data-parallel degree of the expert parameters.
    expert_dp: f64,
}

/// Optimizer state per chip under ZeRO stage `zero`, bytes: dense parameters sharded over `dp`,
/// expert parameters over their own data-parallel degree.
fn optimizer_state_bytes(zero: u8, degrees: &Degrees, params: &ParamsPerChip) -> f64 {
    let shard = |params: f64, dp: f64| match zero {
        0 => params * STATE_BYTES_PER_PARAM,
        1 => params * (4.0 + 12.0 / dp),
        2 => params * (2.0 + 14.0 / dp),
        _ => params * STATE_BYTES_PER_PARAM / dp,
    };
    shard(params.dense, degrees.dp) + shard(params.expert, params.expert_dp)
}

/// Constraints on the layout search (`None` = free).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LayoutConstraint {
    /// Fixed tensor parallel degree.
    pub tp: Option<u32>,
    /// Fixed pipeline stages.
    pub pp: Option<u32>,
    /// Fixed data-parallel degree.
    pub dp: Option<u32>,
    /// Fixed expert-parallel degree.
    pub ep: Option<u32>,
}

/// Enumerate training layouts for `chips` chips (tp, pp powers of two with `tp·pp | chips`, ep
/// powers of two, ZeRO 0–3, three recomputation policies, micro-batch 1–16, 1/2/4 virtual stages).
pub fn training_layouts(
    model: &LlmModel,
    chips: u32,
    constraint: &LayoutConstraint,
    mut visit: impl FnMut(TrainLayout),
) {
    let moe = model.moe.is_some();
    let powers_of_two = |max: u32| (0..32).map(|i| 1u32 << i).take_while(move |&x| x <= max);
    for tp in powers_of_two(chips) {
        if constraint.tp.is_some_and(|fixed| fixed != tp) || model.heads % tp != 0 {
            continue;
        }
        for pp in powers_of_two(chips / tp) {
            if constraint.pp.is_some_and(|fixed| fixed != pp) || pp > model.layers || chips % (tp * pp) != 0 {
                continue;
            }
            let dp = chips / (tp * pp);
            if constraint.dp.is_some_and(|fixed| fixed != dp) {
                continue;
            }
            let expert_degrees: Vec<u32> = if moe {
                match constraint.ep {
                    Some(ep) => vec![ep],
                    None => powers_of_two(dp * tp).filter(|ep| (dp * tp) % ep == 0).collect(),
                }
            } else {
                vec![1]
            };
            for &ep in &expert_degrees {
                schedule_variants(tp, pp, dp, ep, &mut visit);
            }
        }
    }
}

/// Every ZeRO stage, recomputation policy, micro-batch and virtual-stage count of one
/// `(tp, pp, dp, ep)` (virtual stages only with a pipeline).
fn schedule_variants(tp: u32, pp: u32, dp: u32, ep: u32, visit: &mut impl FnMut(TrainLayout)) {
    for zero in 0..=3u8 {
        for recompute in [Recompute::None, Recompute::Selective, Recompute::Full] {
            for micro_batch in [1, 2, 4, 8, 16] {
                for virtual_stages in [1, 2, 4] {
                    if virtual_stages > 1 && pp == 1 {
                        continue;
                    }
                    visit(TrainLayout { tp, pp, dp, ep, zero, recompute, micro_batch, virtual_stages });
                }
            }
        }
    }
}

/// Result of a training-plan search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainSearch {
    /// Fastest layout that fits memory.
    pub best: TrainPoint,
    /// Layouts evaluated.
    pub layouts_evaluated: u64,
    /// Layouts that fit memory.
    pub layouts_fitting: u64,
}

/// Fastest layout (highest tokens/s) that fits memory.
pub fn search_training(
    engine: &TrainEngine,
    model: &LlmModel,
    chips: u32,
    constraint: &LayoutConstraint,
) -> Result<TrainSearch, PerfError> {
    let mut best: Option<TrainPoint> = None;
    let (mut evaluated, mut fitting) = (0u64, 0u64);
    training_layouts(model, chips, constraint, |layout| {
        evaluated += 1;
        if let Some(point) = engine.point(&layout)
            && point.fits
        {
            fitting += 1;
            if best.as_ref().is_none_or(|current| point.tokens_per_s > current.tokens_per_s) {
                best = Some(point);
            }
        }
    });
    let best = best.ok_or_else(|| FitError::NoTrainingLayout { layouts: evaluated, model: model.id.clone(), chips })?;
    Ok(TrainSearch { best, layouts_evaluated: evaluated, layouts_fitting: fitting })
}
