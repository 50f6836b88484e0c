//! LLM training: model FLOPs, memory per chip under TP/CP/PP/DP/EP/ZeRO/recomputation,
//! communication per step (tensor, context, expert, pipeline and hierarchical data-parallel),
//! pipeline bubble → step time, MFU, time to train and chip-hours, and a search over parallel
//! layouts for the fastest plan that fits memory.
//!
//! Per-(model, chip, job) constants live in a [`TrainEngine`]; one layout's figures
//! ([`TrainEngine::point`]) take a few dozen floating-point operations without allocation.
//! Formulas: `docs/performance-model.md` section 4.
//!
//! - `rates.rs`: [`TrainRates`], the chip's achievable training rates.
//! - `engine.rs`: [`TrainEngine`] (FLOPs, compute, step time).
//! - `comm.rs`: communication per micro-batch and per step.
//! - `memory.rs`: optimizer state and activations per chip.
//! - `search.rs`: layout enumeration, constraint checks and the search.

mod comm;
mod engine;
mod memory;
mod rates;
mod search;
mod torus;

pub use comm::{ZERO3_GATHER_OVERLAP, flat_all_reduce_s, hierarchical_all_reduce_at_s, hierarchical_all_reduce_s};
pub use engine::TrainEngine;
pub use rates::TrainRates;
pub use search::{LayoutConstraint, TrainSearch, search_training, training_layouts};
pub use torus::{IciTorus, TorusLinks};

use serde::{Deserialize, Serialize};

/// Bytes of training state per parameter before sharding: BF16 weights (2) + BF16 gradients (2)
/// + FP32 master weights, Adam first and second moments (12) — mixed-precision Adam (ZeRO paper).
pub const STATE_BYTES_PER_PARAM: f64 = 16.0;

/// Micro-batches per data-parallel replica per step when the job gives no global batch:
/// `8 × pp` (Megatron-LM's GPT-1T run used 512 = 8 × 64; DeepSeek-V3's 15,360-sequence batch on
/// 128 replicas is 120 = 7.5 × 16), which keeps the 1F1B bubble near 12 % before interleaving.
pub const DEFAULT_MICROBATCHES_PER_STAGE: f64 = 8.0;

/// Share of a published MLPerf Training time spent outside training steps: periodic evaluation
/// (GPT-3: ~25–30 forward-only passes over 24,567 sequences, ~10–15 % extra compute by the
/// benchmark notes; Llama-2-70B LoRA: 173 samples every 384) plus checkpoint loading and the
/// first steps' warm-up inside `run_start..run_stop`. One global fraction (MLPerf Training rules
/// and result logs); applied only to cases that say `includes_evaluation`.
pub const EVALUATION_OVERHEAD_FRACTION: f64 = 0.12;

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

/// Fine-tuning method when only adapters are trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Finetune {
    /// Low-rank adapters only: the frozen base runs forward (2·N) and the data-gradient half of
    /// the backward (2·N) — about 4·N FLOPs per token instead of 6·N — and holds no optimizer
    /// state or weight gradients.
    Lora,
}

/// How a training source counts the model FLOPs behind its TFLOP/s or MFU figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlopsCounting {
    /// `6 × parameters × tokens` (forward + backward GEMMs of the active parameters, no attention).
    #[serde(rename = "6nd")]
    SixNd,
    /// 6·N·D plus causal attention's quadratic term `6 · L · s · d_attn` per token (NeMo /
    /// Megatron-Bridge "model TFLOP/s", PaLM-style MFU). The default when a source does not say.
    WithAttention,
    /// Hardware FLOPs including activation recomputation (Megatron-LM papers).
    WithRecompute,
}

/// Switches for each mechanism of the training model, all on by default. Turning one off
/// restores the simpler v1 behaviour of that mechanism, for ablation studies (tests and the
/// calibration script), never for predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mechanisms {
    /// Hierarchical data-parallel reduction (reduce-scatter inside the scale-up domain, all-reduce
    /// across it, all-gather inside); off: a flat ring at the scale-out bandwidth.
    pub hierarchical_dp: bool,
    /// Data-parallel reduction overlapped with the backward (and parameter gathers with the
    /// forward); off: fully exposed.
    pub dp_overlap: bool,
    /// Context-parallel KV exchange overlapped with attention compute; off: exposed.
    pub cp_overlap: bool,
    /// Training-specific GEMM/attention efficiencies (`perf-training.toml`); off: the
    /// inference efficiencies of `perf.toml`.
    pub training_efficiency: bool,
    /// Pipeline stages carry the embedding / output head and uneven layer counts; off: the
    /// layers split evenly and the head costs nothing extra.
    pub stage_imbalance: bool,
    /// Published global batch, micro-batch and virtual stages used as given; off: searched.
    pub published_schedule: bool,
    /// Model FLOPs follow the source's counting; off: hardware FLOPs (v1).
    pub flops_counting: bool,
    /// MLPerf times include evaluation overhead; off: pure training time.
    pub evaluation_overhead: bool,
    /// LoRA fine-tuning modelled as such; off: full training.
    pub lora: bool,
    /// Expert all-to-all of expert parallelism costed; off: free.
    pub expert_all_to_all: bool,
    /// TPU collectives as rings along ICI torus dimensions (tp inside one dimension); off: the
    /// generic rings at the chip's whole ICI bandwidth.
    pub ici_torus: bool,
}

impl Default for Mechanisms {
    fn default() -> Self {
        Mechanisms {
            hierarchical_dp: true,
            dp_overlap: true,
            cp_overlap: true,
            training_efficiency: true,
            stage_imbalance: true,
            published_schedule: true,
            flops_counting: true,
            evaluation_overhead: true,
            lora: true,
            expert_all_to_all: true,
            // Off by default: with the catalog's ICI figures it moves the four public TPU
            // cases from +6.9 / -2.8 / -16.2 / -27.3 % to -15.8 / +24.2 / -23.1 / -33.1 %
            // (docs/performance-model.md §4 "TPU ICI torus"); switched on by `with_ici_torus`.
            ici_torus: false,
        }
    }
}

impl Mechanisms {
    /// The default mechanisms with the TPU ICI torus model switched on.
    pub fn with_ici_torus() -> Mechanisms {
        Mechanisms { ici_torus: true, ..Mechanisms::default() }
    }

    /// Every switch by name (for ablation tables): `(name, mechanisms with only it switched
    /// from its default)`: off, except the TPU ICI torus, which is off by default and listed on.
    pub fn each_off() -> Vec<(&'static str, Mechanisms)> {
        let on = Mechanisms::default();
        vec![
            ("hierarchical_dp", Mechanisms { hierarchical_dp: false, ..on }),
            ("dp_overlap", Mechanisms { dp_overlap: false, ..on }),
            ("cp_overlap", Mechanisms { cp_overlap: false, ..on }),
            ("training_efficiency", Mechanisms { training_efficiency: false, ..on }),
            ("stage_imbalance", Mechanisms { stage_imbalance: false, ..on }),
            ("published_schedule", Mechanisms { published_schedule: false, ..on }),
            ("flops_counting", Mechanisms { flops_counting: false, ..on }),
            ("evaluation_overhead", Mechanisms { evaluation_overhead: false, ..on }),
            ("lora", Mechanisms { lora: false, ..on }),
            ("expert_all_to_all", Mechanisms { expert_all_to_all: false, ..on }),
            ("ici_torus (on)", Mechanisms { ici_torus: true, ..on }),
        ]
    }
}

/// One training parallel layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrainLayout {
    /// Tensor parallel (with sequence parallelism).
    pub tp: u32,
    /// Context parallel: each sequence split over `cp` chips (ring attention).
    pub cp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Data-parallel replicas (not counting context-parallel ranks).
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
    /// Chips used: `tp × cp × pp × dp`.
    pub fn chips(&self) -> u32 {
        self.tp * self.cp * self.pp * self.dp
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
    /// Model FLOPs utilisation (model FLOPs with attention / time / chips / dense BF16 peak).
    pub mfu: f64,
    /// Model TFLOP/s per chip (6·N plus causal attention; 4·N for LoRA).
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
