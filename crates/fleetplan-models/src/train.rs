//! LLM training: model FLOPs, memory per chip under TP/PP/DP/EP/ZeRO/recomputation,
//! communication per step, pipeline bubble → step time, MFU, time to train and chip-hours, and
//! a search over parallel layouts for the fastest plan that fits memory.
//!
//! Per-(model, chip, job) constants live in a [`TrainEngine`]; evaluating one layout is a few
//! dozen floating-point operations without allocation. Formulas: `docs/performance-model.md`.

use crate::error::PerfError;
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
            return Err(PerfError::Setting(format!("sequence length must be ≥ 1, got {}", job.seq_len)));
        }
        if !(job.tokens.is_finite() && job.tokens >= 0.0) {
            return Err(PerfError::Setting(format!("tokens must be ≥ 0, got {}", job.tokens)));
        }
        if let Some(b) = job.global_batch_tokens
            && !(b.is_finite() && b >= job.seq_len)
        {
            return Err(PerfError::Setting(format!("global batch must be at least one sequence, got {b} tokens")));
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

    /// Evaluate one layout; `None` when the layout is inconsistent with the model or job.
    pub fn evaluate(&self, l: &TrainLayout) -> Option<TrainPoint> {
        let s = &self.shape;
        let r = &self.rates;
        if l.tp == 0 || l.pp == 0 || l.dp == 0 || l.ep == 0 || l.micro_batch == 0 || l.virtual_stages == 0 {
            return None;
        }
        if self.heads % l.tp != 0 || l.pp > self.layers || l.zero > 3 {
            return None;
        }
        if l.virtual_stages > 1 && (l.pp == 1 || l.pp * l.virtual_stages > self.layers) {
            return None;
        }
        let moe = s.is_moe();
        if (!moe && l.ep > 1) || (moe && (l.ep > l.dp * l.tp || (l.dp * l.tp) % l.ep != 0)) {
            return None;
        }
        let (tp, pp, dp, ep) = (f64::from(l.tp), f64::from(l.pp), f64::from(l.dp), f64::from(l.ep));
        let v = f64::from(l.virtual_stages);
        let chips = tp * pp * dp;
        let seq = self.job.seq_len;
        let mb_tokens = f64::from(l.micro_batch) * seq;
        let m = match self.job.global_batch_tokens {
            Some(b) => (b / (dp * mb_tokens)).floor(),
            None => DEFAULT_MICROBATCHES_PER_STAGE * pp,
        };
        if m < 1.0 {
            return None;
        }
        let tokens_per_step = m * dp * mb_tokens;

        // Compute: executed FLOPs per token (recomputation adds forward work).
        let (gemm_x, attn_x) = match l.recompute {
            Recompute::None => (3.0, 3.0),
            Recompute::Selective => (3.0, 4.0),
            Recompute::Full => (4.0, 4.0),
        };
        let dense_gemm = self.gemm_flops_tok - self.expert_flops_tok;
        let per_token_s = gemm_x * (dense_gemm / r.gemm_flops + self.expert_flops_tok / r.moe_gemm_flops)
            + attn_x * self.attn_fwd_flops_tok / r.attn_flops;
        let compute_s = tokens_per_step * per_token_s / chips;
        let exec_flops_step = tokens_per_step * (gemm_x * self.gemm_flops_tok + attn_x * self.attn_fwd_flops_tok);

        // Per micro-batch communication on the critical path.
        let layers_stage = s.layers / pp;
        let fwd_passes = if l.recompute == Recompute::Full { 2.0 } else { 1.0 };
        let tp_mb = if l.tp > 1 {
            // Two all-reduce-equivalents (reduce-scatter + all-gather) per layer per pass, and
            // two in the backward.
            let per = r.all_reduce_s(mb_tokens * s.hidden * 2.0, tp);
            layers_stage * 2.0 * (fwd_passes + 1.0) * per
        } else {
            0.0
        };
        let ep_group = ep.max(tp);
        let ep_mb = if moe && ep_group > tp {
            let disp = if r.weight_bytes < 2.0 { 1.0 } else { 2.0 };
            let per_copy = s.hidden * (disp + 2.0) / tp;
            // Dispatch + combine in each forward pass and in the backward (throughput kernels).
            s.moe_layers / pp
                * (fwd_passes + 1.0)
                * r.expert_all_to_all_s(0.0, mb_tokens, s.active_experts, per_copy, ep_group)
        } else {
            0.0
        };
        let p2p_mb = if l.pp > 1 {
            let bw = r.group_bw(tp * pp);
            2.0 * v * (mb_tokens * s.hidden * 2.0 / tp / bw + r.collective_latency_s)
        } else {
            0.0
        };
        let comm_in_pipeline = m * (tp_mb + ep_mb);
        let bubble_fraction = (pp - 1.0) / (v * m);
        let pipelined = (compute_s + comm_in_pipeline) * (1.0 + bubble_fraction) + m * p2p_mb;

        // Parameters per chip and data-parallel gradient reduction.
        let routed = s.routed_expert_params_total;
        let non_routed = s.total_params - routed;
        let dense_params_chip = non_routed / (tp * pp);
        let expert_params_chip = routed / (ep_group * pp);
        let params_chip = dense_params_chip + expert_params_chip;
        let expert_dp = (dp * tp / ep_group).max(1.0);
        let grad_bytes = 2.0 * params_chip;
        let dp_span = chips;
        let dp_bw = if dp_span <= r.scaleup_domain { r.scaleup_bw } else { r.scaleout_bw };
        let dp_time = if l.dp > 1 {
            let mut t = 2.0 * (dp - 1.0) / dp * grad_bytes / dp_bw + r.collective_latency_s;
            if l.zero == 3 {
                t *= 1.5; // parameters gathered again for the backward
            }
            t
        } else {
            0.0
        };
        // Gradient reduction overlaps the backward of the last micro-batch (≈ 2/3 of its compute).
        let t_mb = compute_s / m;
        let dp_exposed = (dp_time - t_mb * 2.0 / 3.0).max(0.0);
        // Optimizer update: read/write the optimizer state once (memory-bound).
        let state_shard = |p: f64, d: f64| match l.zero {
            0 => p * STATE_BYTES_PER_PARAM,
            1 => p * (4.0 + 12.0 / d),
            2 => p * (2.0 + 14.0 / d),
            _ => p * STATE_BYTES_PER_PARAM / d,
        };
        let state_bytes = state_shard(dense_params_chip, dp) + state_shard(expert_params_chip, expert_dp);
        let optimizer_s = 2.0 * state_bytes / r.mem_bw;
        let step_s = pipelined + dp_exposed + optimizer_s;

        // Activations (sequence-parallel TP splits them by tp).
        let gated = 6.0; // bytes per FFN-width value stored (gated FFN: gate, up, product)
        let per_token_layer = match l.recompute {
            Recompute::None => 12.0 * s.hidden + 6.0 * s.attn_width + gated * s.ffn_width_active,
            Recompute::Selective => 12.0 * s.hidden + 2.0 * s.attn_width + 4.0 * s.ffn_width_active,
            Recompute::Full => 2.0 * s.hidden,
        } / tp;
        let in_flight = m.min(pp) * (1.0 + if l.virtual_stages > 1 { (pp - 1.0) / (pp * v) } else { 0.0 });
        let mut act = in_flight * layers_stage * mb_tokens * per_token_layer;
        if l.recompute == Recompute::Full {
            // One layer's full activations live during its recomputation.
            act += mb_tokens * (12.0 * s.hidden + 6.0 * s.attn_width + gated * s.ffn_width_active) / tp;
        }
        let logits = mb_tokens * s.vocab / tp * 4.0;
        let memory = state_bytes + act + logits;
        let fits = memory <= r.mem_usable_bytes;

        let tokens_per_s = tokens_per_step / step_s;
        let model_flops_rate = self.model_flops_tok * tokens_per_s / chips;
        let time_h = self.job.tokens / tokens_per_s / 3600.0;
        Some(TrainPoint {
            layout: *l,
            microbatches: m,
            step_s,
            tokens_per_step,
            memory_gb_per_chip: memory / 1e9,
            fits,
            mfu: model_flops_rate / r.bf16_peak_flops,
            model_tflops_per_chip: model_flops_rate / 1e12,
            hardware_tflops_per_chip: exec_flops_step / step_s / chips / 1e12,
            tokens_per_s,
            time_to_train_h: time_h,
            chip_hours: time_h * chips,
            bubble_fraction: bubble_fraction / (1.0 + bubble_fraction),
            comm_s: m * (tp_mb + ep_mb + p2p_mb) + dp_exposed,
        })
    }
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
pub fn training_layouts(model: &LlmModel, chips: u32, c: &LayoutConstraint, mut f: impl FnMut(TrainLayout)) {
    let moe = model.moe.is_some();
    let pows = |max: u32| (0..32).map(|i| 1u32 << i).take_while(move |&x| x <= max);
    for tp in pows(chips) {
        if c.tp.is_some_and(|x| x != tp) || model.heads % tp != 0 {
            continue;
        }
        for pp in pows(chips / tp) {
            if c.pp.is_some_and(|x| x != pp) || pp > model.layers || chips % (tp * pp) != 0 {
                continue;
            }
            let dp = chips / (tp * pp);
            if c.dp.is_some_and(|x| x != dp) {
                continue;
            }
            let eps: Vec<u32> = if moe {
                match c.ep {
                    Some(e) => vec![e],
                    None => pows(dp * tp).filter(|e| (dp * tp) % e == 0).collect(),
                }
            } else {
                vec![1]
            };
            for &ep in &eps {
                for zero in 0..=3u8 {
                    for recompute in [Recompute::None, Recompute::Selective, Recompute::Full] {
                        for micro_batch in [1, 2, 4, 8, 16] {
                            for virtual_stages in [1, 2, 4] {
                                if virtual_stages > 1 && pp == 1 {
                                    continue;
                                }
                                f(TrainLayout { tp, pp, dp, ep, zero, recompute, micro_batch, virtual_stages });
                            }
                        }
                    }
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
    c: &LayoutConstraint,
) -> Result<TrainSearch, PerfError> {
    let mut best: Option<TrainPoint> = None;
    let (mut n, mut fit) = (0u64, 0u64);
    training_layouts(model, chips, c, |l| {
        n += 1;
        if let Some(p) = engine.evaluate(&l)
            && p.fits
        {
            fit += 1;
            if best.as_ref().is_none_or(|b| p.tokens_per_s > b.tokens_per_s) {
                best = Some(p);
            }
        }
    });
    best.map(|best| TrainSearch { best, layouts_evaluated: n, layouts_fitting: fit }).ok_or_else(|| {
        PerfError::DoesNotFit(format!("none of {n} layouts of `{}` on {chips} chips fits in memory", model.id))
    })
}
