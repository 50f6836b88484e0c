//! Image and video generation with diffusion transformers: FLOPs per item (denoiser GEMMs and
//! joint attention over latent + text tokens, × steps × passes per step, plus VAE and text
//! encoder), memory fit and items per second per chip.

use crate::error::{FitError, PerfError, SettingError};
use crate::hw::ChipRates;
use fleetplan_core::catalog::{DiffusionModel, Modality};
use serde::Serialize;

/// Largest batch of items tried per chip.
pub const MAX_GEN_BATCH: u32 = 64;

/// Throughput of one diffusion model on one chip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenResult {
    /// Denoiser FLOPs per generated item (all steps and passes), TFLOP.
    pub tflop_per_item: f64,
    /// Batch of items per chip that maximises throughput within memory.
    pub batch: u32,
    /// Seconds to generate one batch.
    pub batch_latency_s: f64,
    /// Items (images or clips) per second per chip.
    pub items_per_s_per_chip: f64,
    /// Seconds of video generated per second per chip (video models).
    pub video_seconds_per_s_per_chip: Option<f64>,
    /// Memory per chip at that batch, GB.
    pub memory_gb: f64,
}

/// FLOPs of one denoiser pass over one item: `2 × params × tokens` for the linear layers plus
/// `4 × layers × hidden × tokens²` for joint self-attention (scores and values).
pub fn denoiser_pass_flops(m: &DiffusionModel) -> f64 {
    let tokens = f64::from(m.latent_tokens_per_item + m.text_tokens);
    2.0 * m.denoiser_params_b * 1e9 * tokens + 4.0 * f64::from(m.layers) * f64::from(m.hidden_size) * tokens * tokens
}

/// Items per second per chip for `m` with `steps` denoising steps (default: the model's).
pub fn generation(m: &DiffusionModel, rates: &ChipRates, steps: Option<u32>) -> Result<GenResult, PerfError> {
    generation_within(m, rates, steps, None)
}

/// As [`generation`], but only batches whose latency is at most `max_latency_s` seconds (a p99
/// target) are considered; when even a batch of one is slower, the batch of one is returned (its
/// `batch_latency_s` then exceeds the target, for the caller to flag).
pub fn generation_within(
    model: &DiffusionModel,
    rates: &ChipRates,
    steps: Option<u32>,
    max_latency_s: Option<f64>,
) -> Result<GenResult, PerfError> {
    let steps = f64::from(steps.unwrap_or(model.default_steps));
    if steps < 1.0 {
        return Err(SettingError::DenoisingSteps.into());
    }
    let passes = steps * f64::from(model.passes_per_step);
    let tokens = f64::from(model.latent_tokens_per_item + model.text_tokens);
    let pass_flops = denoiser_pass_flops(model);
    let linear_flops = 2.0 * model.denoiser_params_b * 1e9 * tokens;
    let attn_flops = pass_flops - linear_flops;
    let weights = model.denoiser_params_b * 1e9 * rates.weight_bytes;
    // Activations of one item during a pass: ~ 16 hidden-width values per token (BF16), plus
    // text encoder / VAE workspace approximated by the same amount.
    let act_per_item = 2.0 * tokens * f64::from(model.hidden_size) * 16.0 * 2.0;
    let free = rates.mem_usable_bytes - weights;
    if free < act_per_item {
        return Err(FitError::NoItemRoom { weights_gb: weights / 1e9 }.into());
    }
    let max_batch = ((free / act_per_item).floor() as u32).clamp(1, MAX_GEN_BATCH);
    let other_s = model.other_gflops_per_item * 1e9 / rates.gemm_flops;
    let mut best: Option<GenResult> = None;
    for batch in 1..=max_batch {
        let items_in_batch = f64::from(batch);
        let per_pass = (items_in_batch * linear_flops / rates.gemm_flops).max(weights / rates.mem_bw)
            + items_in_batch * attn_flops / rates.attn_flops;
        let latency = passes * (per_pass + rates.layer_overhead_s * f64::from(model.layers)) + items_in_batch * other_s;
        let items_per_s = items_in_batch / latency;
        if batch > 1 && max_latency_s.is_some_and(|limit| latency > limit) {
            break;
        }
        if best.as_ref().is_none_or(|current| items_per_s > current.items_per_s_per_chip * 1.001) {
            best = Some(GenResult {
                tflop_per_item: (passes * pass_flops + model.other_gflops_per_item * 1e9) / 1e12,
                batch,
                batch_latency_s: latency,
                items_per_s_per_chip: items_per_s,
                video_seconds_per_s_per_chip: match model.modality {
                    Modality::Video => model.clip_seconds.map(|clip| clip * items_per_s),
                    Modality::Image => None,
                },
                memory_gb: (weights + items_in_batch * act_per_item) / 1e9,
            });
        }
    }
    best.ok_or(PerfError::DoesNotFit(FitError::NoBatch))
}
