//! [`TrainEngine`]: per-(model, chip, job) constants and one layout's step time, memory and
//! utilisation.

use super::comm::{Degrees, MicrobatchComm};
use super::{
    DEFAULT_MICROBATCHES_PER_STAGE, Finetune, FlopsCounting, Mechanisms, Recompute, TrainJob, TrainLayout, TrainPoint,
    TrainRates,
};
use crate::error::{PerfError, SettingError};
use crate::shape::LlmShape;
use fleetplan_core::catalog::{Attention, LlmModel};

/// Per-(model, chip, job) constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainEngine {
    pub(super) rates: TrainRates,
    pub(super) shape: LlmShape,
    pub(super) job: TrainJob,
    pub(super) finetune: Option<Finetune>,
    pub(super) mechanisms: Mechanisms,
    gemm_flops_tok: f64,
    expert_flops_tok: f64,
    pub(super) attn_fwd_flops_tok: f64,
    /// Output-head share of one pipeline stage's work, in layers (the last stage carries it).
    head_layers: f64,
    /// K and V values per token per layer a context-parallel ring passes on (all heads).
    pub(super) kv_exchange_values: f64,
    heads: u32,
    ffn_hidden: u32,
    layers: u32,
}

impl TrainEngine {
    /// Constants for training `model` on chips with `rates` (at the job's precision), full
    /// training with every mechanism on.
    pub fn new(model: &LlmModel, rates: TrainRates, job: TrainJob) -> Result<TrainEngine, PerfError> {
        TrainEngine::with_options(model, rates, job, None, Mechanisms::default())
    }

    /// Constants for training (or, with `finetune`, fine-tuning) `model`, with the model's
    /// `mechanisms` switched as given (ablations).
    pub fn with_options(
        model: &LlmModel,
        rates: TrainRates,
        job: TrainJob,
        finetune: Option<Finetune>,
        mechanisms: Mechanisms,
    ) -> Result<TrainEngine, PerfError> {
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
        // Causal attention: a token at position i attends i + 1 tokens, mean (s + 1) / 2 in full
        // layers; sliding / chunked layers attend at most their window.
        let attn = shape.attn_flops_pair_prefill * shape.layers * shape.causal_pairs(job.seq_len) / job.seq_len;
        let head_flops = 2.0 * shape.head_params;
        let layer_flops = ((gemm - head_flops) + attn) / shape.layers;
        let kv_exchange_values = match model.attention {
            // Decompressed per-head K (qk dims) and V: half the per-pair FLOPs' width.
            Attention::Mla { .. } => shape.attn_flops_pair_prefill / 2.0,
            Attention::Mha | Attention::Gqa => shape.kv_values_per_token_layer,
        };
        Ok(TrainEngine {
            rates,
            shape,
            job,
            finetune: if mechanisms.lora { finetune } else { None },
            mechanisms,
            gemm_flops_tok: gemm,
            expert_flops_tok: 2.0 * shape.moe_layers * shape.active_experts * shape.expert_params,
            attn_fwd_flops_tok: attn,
            head_layers: if layer_flops > 0.0 { head_flops / layer_flops } else { 0.0 },
            kv_exchange_values,
            heads: model.heads,
            ffn_hidden: model.ffn_hidden,
            layers: model.layers,
        })
    }

    /// The job this engine times.
    pub fn job(&self) -> &TrainJob {
        &self.job
    }

    /// Model FLOPs per trained token with causal attention: `3 × forward` = `6 · N_active`
    /// (GEMMs, head included) plus `3 ×` causal attention FLOPs; LoRA: `2 ×` forward GEMMs
    /// (no weight gradients of the frozen base) plus `3 ×` attention.
    pub fn model_flops_per_token(&self) -> f64 {
        self.model_flops_per_token_counted(FlopsCounting::WithAttention, Recompute::None)
    }

    /// Model FLOPs per token as a source counts them (`counting`), for a run with `recompute`.
    pub fn model_flops_per_token_counted(&self, counting: FlopsCounting, recompute: Recompute) -> f64 {
        let (gemm_passes, attn_passes) = self.passes(recompute);
        match counting {
            FlopsCounting::SixNd => self.gemm_passes_no_recompute() * self.gemm_flops_tok,
            FlopsCounting::WithAttention => {
                self.gemm_passes_no_recompute() * self.gemm_flops_tok + 3.0 * self.attn_fwd_flops_tok
            }
            FlopsCounting::WithRecompute => gemm_passes * self.gemm_flops_tok + attn_passes * self.attn_fwd_flops_tok,
        }
    }

    /// GEMM passes without recomputation: forward + data and weight gradients (3), or forward +
    /// data gradients only for LoRA's frozen base (2).
    fn gemm_passes_no_recompute(&self) -> f64 {
        if self.finetune.is_some() { 2.0 } else { 3.0 }
    }

    /// `(GEMM passes, attention passes)` per token under `recompute` (attention backward is
    /// twice its forward whatever is frozen).
    fn passes(&self, recompute: Recompute) -> (f64, f64) {
        let gemm = self.gemm_passes_no_recompute();
        match recompute {
            Recompute::None => (gemm, 3.0),
            Recompute::Selective => (gemm, 4.0),
            Recompute::Full => (gemm + 1.0, 4.0),
        }
    }

    /// Figures of one layout; `None` when the layout is inconsistent with the model or job.
    pub fn point(&self, layout: &TrainLayout) -> Option<TrainPoint> {
        if !self.is_consistent(layout) {
            return None;
        }
        let degrees = Degrees::on_chips(layout, self)?;
        let microbatch_tokens = f64::from(layout.micro_batch) * self.job.seq_len;
        let microbatches = match self.job.global_batch_tokens {
            Some(batch) => (batch / (degrees.dp * microbatch_tokens)).floor(),
            // No pipeline: no accumulation (one forward/backward of `micro_batch` sequences).
            None if layout.pp == 1 => 1.0,
            None => DEFAULT_MICROBATCHES_PER_STAGE * degrees.pp,
        };
        if microbatches < 1.0 {
            return None;
        }
        let tokens_per_step = microbatches * degrees.dp * microbatch_tokens;
        let (compute_s, executed_flops_step) = self.compute(layout.recompute, tokens_per_step, degrees.chips);
        let stage_s = compute_s * self.stage_imbalance(layout.pp);
        let microbatch_compute_s = stage_s / microbatches;
        let comm = MicrobatchComm::of(self, layout, &degrees, microbatch_tokens);
        // TPUs (XLA): tensor-parallel collectives are decomposed and overlapped with the
        // matmuls that depend on them (collective matmul), so only their excess is exposed.
        let tp_exposed_s =
            if degrees.torus.is_some() { (comm.tp_s - microbatch_compute_s).max(0.0) } else { comm.tp_s };
        let comm_in_pipeline = microbatches * (tp_exposed_s + comm.ep_s + comm.cp_s);
        let bubble_fraction = (degrees.pp - 1.0) / (degrees.virtual_stages * microbatches);
        let pipelined = (stage_s + comm_in_pipeline) * (1.0 + bubble_fraction) + microbatches * comm.pipeline_s;
        let params = self.params_per_chip(&degrees);
        let dp_exposed = self.gradient_sync_exposed_s(layout, &degrees, &params, microbatches, microbatch_compute_s);
        let state_bytes = self.state_bytes(layout.zero, &degrees, &params);
        let optimizer_s = 2.0 * state_bytes / self.rates.chip.mem_bw;
        let step_s = pipelined + dp_exposed + optimizer_s;
        let memory = state_bytes + self.activation_bytes(layout, &degrees, microbatches, microbatch_tokens);

        let tokens_per_s = tokens_per_step / step_s;
        let model_flops_rate = self.model_flops_per_token() * tokens_per_s / degrees.chips;
        let time_h = self.job.tokens / tokens_per_s / 3600.0;
        Some(TrainPoint {
            layout: *layout,
            microbatches,
            step_s,
            tokens_per_step,
            memory_gb_per_chip: memory / 1e9,
            fits: memory <= self.rates.chip.mem_usable_bytes,
            mfu: model_flops_rate / self.rates.chip.bf16_peak_flops,
            model_tflops_per_chip: model_flops_rate / 1e12,
            hardware_tflops_per_chip: executed_flops_step / step_s / degrees.chips / 1e12,
            tokens_per_s,
            time_to_train_h: time_h,
            chip_hours: time_h * degrees.chips,
            bubble_fraction: bubble_fraction / (1.0 + bubble_fraction),
            comm_s: microbatches * (comm.tp_s + comm.ep_s + comm.cp_s + comm.pipeline_s) + dp_exposed,
        })
    }

    /// TFLOP/s per chip of `point` as a source counting FLOPs by `counting` reports it.
    pub fn tflops_per_chip_counted(&self, point: &TrainPoint, counting: FlopsCounting) -> f64 {
        let per_token = self.model_flops_per_token_counted(counting, point.layout.recompute);
        per_token * point.tokens_per_s / f64::from(point.layout.chips()) / 1e12
    }

    /// Whether the layout can run the model: every degree ≥ 1, tp divides the heads and the FFN
    /// width, cp splits the sequence, pp and the virtual stages fit the layers, ZeRO 0–3, and ep
    /// only for MoE models, dividing `dp × tp`.
    fn is_consistent(&self, layout: &TrainLayout) -> bool {
        let TrainLayout { tp, cp, pp, dp, ep, zero, micro_batch, virtual_stages, .. } = *layout;
        if tp == 0 || cp == 0 || pp == 0 || dp == 0 || ep == 0 || micro_batch == 0 || virtual_stages == 0 {
            return false;
        }
        if !self.heads.is_multiple_of(tp) || !self.ffn_hidden.is_multiple_of(tp) || pp > self.layers || zero > 3 {
            return false;
        }
        if f64::from(cp) > self.job.seq_len || (virtual_stages > 1 && (pp == 1 || pp * virtual_stages > self.layers)) {
            return false;
        }
        if self.shape.is_moe() { ep <= dp * tp && (dp * tp) % ep == 0 } else { ep == 1 }
    }

    /// Slowest pipeline stage's work over the mean stage's (≥ 1): whole layers per stage (an
    /// uneven last stage where pp does not divide the layers) and the output head on the last
    /// stage, with the layers placed to balance the stages as well as whole layers allow.
    pub(super) fn stage_imbalance(&self, pp: u32) -> f64 {
        if pp <= 1 || !self.mechanisms.stage_imbalance {
            return 1.0;
        }
        let layers = self.shape.layers;
        let stages = f64::from(pp);
        let head = self.head_layers;
        let slowest = |last: f64| ((layers - last) / (stages - 1.0)).ceil().max(last + head);
        let ideal_last = ((layers - head * (stages - 1.0)) / stages).floor().clamp(0.0, layers - (stages - 1.0));
        let best = slowest(ideal_last).min(slowest((ideal_last + 1.0).min(layers - (stages - 1.0))));
        (best / ((layers + head) / stages)).max(1.0)
    }

    /// Compute time of one step (s, over `chips`, stages perfectly balanced) and the FLOPs
    /// executed in it (recomputation adds forward work).
    fn compute(&self, recompute: Recompute, tokens_per_step: f64, chips: f64) -> (f64, f64) {
        let (gemm_rate, moe_rate, attn_rate) = self.rates.compute_rates(self.mechanisms.training_efficiency);
        let (gemm_passes, attn_passes) = self.passes(recompute);
        let dense_gemm = self.gemm_flops_tok - self.expert_flops_tok;
        let per_token_s = gemm_passes * (dense_gemm / gemm_rate + self.expert_flops_tok / moe_rate)
            + attn_passes * self.attn_fwd_flops_tok / attn_rate;
        let compute_s = tokens_per_step * per_token_s / chips;
        let executed_flops =
            tokens_per_step * (gemm_passes * self.gemm_flops_tok + attn_passes * self.attn_fwd_flops_tok);
        (compute_s, executed_flops)
    }
}

impl TrainEngine {
    /// Memory per chip the training stack can allocate, GB.
    pub fn usable_memory_gb(&self) -> f64 {
        self.rates.chip.mem_usable_bytes / 1e9
    }
}
