//! Training memory per chip: parameters per chip, optimizer state under ZeRO (or frozen LoRA
//! base weights), and activations under recomputation, sequence and context parallelism.

use super::comm::Degrees;
use super::engine::TrainEngine;
use super::{Recompute, STATE_BYTES_PER_PARAM, TrainLayout};

/// Parameters per chip.
pub(super) struct ParamsPerChip {
    /// Non-routed parameters (attention, dense FFNs, shared experts, embeddings).
    pub dense: f64,
    /// Routed-expert parameters.
    pub expert: f64,
    /// Data-parallel degree of the expert parameters.
    pub expert_dp: f64,
}

impl TrainEngine {
    /// Parameters each chip holds: dense (split over `tp × pp`) and routed experts (split over
    /// the expert group × `pp`), and the data-parallel degree of the expert parameters.
    pub(super) fn params_per_chip(&self, degrees: &Degrees) -> ParamsPerChip {
        let routed = self.shape.routed_expert_params_total;
        let non_routed = self.shape.total_params - routed;
        ParamsPerChip {
            dense: non_routed / (degrees.tp * degrees.pp),
            expert: routed / (degrees.expert_group * degrees.pp),
            expert_dp: (degrees.dp * degrees.tp / degrees.expert_group).max(1.0),
        }
    }

    /// Weight, gradient and optimizer state per chip, bytes. Full training: ZeRO stage `zero`
    /// shards dense parameters over the `dp × cp` replicas, expert parameters over their own
    /// data-parallel degree. LoRA: the frozen base in BF16 only (adapters are negligible).
    pub(super) fn state_bytes(&self, zero: u8, degrees: &Degrees, params: &ParamsPerChip) -> f64 {
        if self.finetune.is_some() {
            return 2.0 * (params.dense + params.expert);
        }
        let shard = |params: f64, dp: f64| match zero {
            0 => params * STATE_BYTES_PER_PARAM,
            1 => params * (4.0 + 12.0 / dp),
            2 => params * (2.0 + 14.0 / dp),
            _ => params * STATE_BYTES_PER_PARAM / dp,
        };
        shard(params.dense, degrees.dp * degrees.cp) + shard(params.expert, params.expert_dp * degrees.cp)
    }

    /// Activation bytes per chip (sequence-parallel TP splits them by tp, context parallelism by
    /// cp): the micro-batches in flight of the stage's layers, plus one layer's full activations
    /// during recomputation, plus one micro-batch's FP32 logits.
    pub(super) fn activation_bytes(
        &self,
        layout: &TrainLayout,
        degrees: &Degrees,
        microbatches: f64,
        microbatch_tokens: f64,
    ) -> f64 {
        let shape = &self.shape;
        let Degrees { tp, cp, pp, virtual_stages, .. } = *degrees;
        let chip_tokens = microbatch_tokens / cp;
        let gated = 6.0; // bytes per FFN-width value stored (gated FFN: gate, up, product)
        let full_layer = 12.0 * shape.hidden + 6.0 * shape.attn_width + gated * shape.ffn_width_active;
        let per_token_layer = match layout.recompute {
            Recompute::None => full_layer,
            Recompute::Selective => 12.0 * shape.hidden + 2.0 * shape.attn_width + 4.0 * shape.ffn_width_active,
            Recompute::Full => 2.0 * shape.hidden,
        } / tp;
        let interleave = if layout.virtual_stages > 1 { (pp - 1.0) / (pp * virtual_stages) } else { 0.0 };
        let in_flight = microbatches.min(pp) * (1.0 + interleave);
        let stored = in_flight * (shape.layers / pp).ceil() * chip_tokens * per_token_layer;
        let recompute_live = if layout.recompute == Recompute::Full { chip_tokens * full_layer / tp } else { 0.0 };
        stored + recompute_live + chip_tokens * shape.vocab / tp * 4.0
    }

    /// Activation bytes per chip of `layout` (what context parallelism divides), `None` when
    /// the layout is inconsistent or the global batch leaves no micro-batch.
    pub fn activation_bytes_per_chip(&self, layout: &TrainLayout) -> Option<f64> {
        let point = self.point(layout)?;
        let degrees = Degrees::of(layout);
        let microbatch_tokens = f64::from(layout.micro_batch) * self.job.seq_len;
        Some(self.activation_bytes(layout, &degrees, point.microbatches, microbatch_tokens))
    }
}
