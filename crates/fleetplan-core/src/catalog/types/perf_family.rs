//! Efficiency parameters of the performance model, per chip family and software stack.
//!
//! The performance engine (`fleetplan-models`) is built from first principles (FLOPs, bytes,
//! link traffic); these few global, physically meaningful numbers say how much of the
//! datasheet peak real kernels reach. They are calibrated once per family on public
//! measurements (never per case); `docs/performance-model.md` explains each and its derivation.

use super::common::Provenance;
use crate::units::Precision;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Achievable fractions of peak and fixed costs for one chip family (e.g. `nvidia-hopper`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerfFamily {
    /// Catalog id, e.g. `nvidia-hopper`.
    pub id: String,
    /// Fraction of dense 16-bit (BF16/FP16) peak that large GEMMs reach.
    pub gemm_efficiency: f64,
    /// Fraction of the dense 8-bit / 4-bit peak (FP8, INT8, FP4) that large GEMMs reach; lower
    /// than the 16-bit figure because of scaling, quantisation and power limits.
    pub gemm_efficiency_low_precision: f64,
    /// Throughput of grouped expert GEMMs (MoE layers: many small, ragged per-expert matrices,
    /// token permutation, load imbalance) relative to dense GEMMs at the same precision.
    pub moe_gemm_efficiency: f64,
    /// Fraction of dense 16-bit peak that attention kernels (flash attention, MLA) reach on the
    /// score and value products.
    pub attention_efficiency: f64,
    /// Fraction of peak memory bandwidth memory-bound kernels reach.
    pub mem_bw_efficiency: f64,
    /// Fraction of the scale-up link bandwidth (NVLink, Infinity Fabric, HCCS, ICI) collectives reach.
    pub scaleup_efficiency: f64,
    /// Fraction of the scale-out NIC bandwidth (InfiniBand/RoCE) collectives reach.
    pub scaleout_efficiency: f64,
    /// Fixed latency of one collective operation (all-reduce, all-to-all), microseconds.
    pub collective_latency_us: f64,
    /// Fixed cost of one inference forward step (scheduling, sampling, launch), microseconds.
    pub step_overhead_us: f64,
    /// Fixed cost per transformer layer per forward step (kernel launches, norms), microseconds.
    pub layer_overhead_us: f64,
    /// Fraction of device memory the serving or training stack can allocate (the rest is
    /// runtime, fragmentation and workspace).
    pub mem_usable_fraction: f64,
    /// Most requests the family's usual serving stack runs concurrently in one replica (e.g.
    /// vLLM's `max_num_seqs` default 256; TensorRT-LLM MLPerf configurations 896–1024).
    pub max_running_requests: u32,
    /// Inference step model (docs/performance-model.md §3 "Step mechanisms"): fraction of the
    /// dense FP4 peak that large FP4 GEMMs reach (block-scaled NVFP4/MXFP4 kernels); absent =
    /// `gemm_efficiency_low_precision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemm_efficiency_fp4: Option<f64>,
    /// Inference: grouped expert-GEMM throughput relative to dense GEMMs once the step model
    /// charges GEMM shape, token permutation and expert imbalance separately (they are lumped
    /// into `moe_gemm_efficiency`, which training keeps); absent = `moe_gemm_efficiency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_moe_gemm_efficiency: Option<f64>,
    /// Inference: share of the always-active (non-routed-expert) weights that FP4 checkpoints keep
    /// at FP8 (attention projections, first dense layers); they are read and multiplied at FP8.
    #[serde(default)]
    pub fp4_dense_fp8_fraction: f64,
    /// Inference: exponent `p` of the smooth roofline `t = (c^p + m^p)^(1/p)` each kernel pays
    /// (compute time `c`, memory time `m`); 0 = the hard `max(c, m)`.
    #[serde(default)]
    pub roofline_sharpness: f64,
    /// Inference: GEMM rows (tokens per GEMM; tokens per expert for grouped expert GEMMs) at which
    /// a GEMM reaches half of its large-GEMM efficiency: efficiency × `M / (M + M½)`; 0 = off.
    #[serde(default)]
    pub gemm_half_efficiency_rows: f64,
    /// Inference: extra fixed cost per MoE layer per step beyond `layer_overhead_us` (the router,
    /// top-k, permute/unpermute and quantisation kernels of an MoE layer), microseconds.
    #[serde(default)]
    pub moe_layer_overhead_us: f64,
    /// Inference: hidden-size activation reads+writes per token per layer by non-GEMM kernels
    /// (norms, residual adds, quantisation, RoPE), at memory bandwidth; 0 = off.
    #[serde(default)]
    pub activation_passes: f64,
    /// Inference: passes over the top-k copies of each token's activation in MoE layers (permute
    /// write + read, unpermute write + read = 4), at memory bandwidth; 0 = off.
    #[serde(default)]
    pub moe_permute_passes: f64,
    /// Inference: coefficient of variation of one request's attention work, for the load
    /// imbalance of attention-data-parallel ranks (the slowest rank sets the step); 0 = off.
    #[serde(default)]
    pub attention_dp_imbalance_cv: f64,
    /// Inference: coefficient of variation of expert popularity (non-uniform routing), for the
    /// busiest GPU of an expert-parallel group; 0 = uniform routing.
    #[serde(default)]
    pub expert_routing_skew: f64,
    /// Inference: device memory per GPU the serving engine keeps for itself beyond weights and KV
    /// (activations, CUDA-graph pools, MoE and communication workspaces), GB; the KV cache gets
    /// what is left after the larger of this and the activation headroom.
    #[serde(default)]
    pub mem_reserve_gb: f64,
    /// Inference: pipeline-parallel stall per stage boundary from micro-batch imbalance: the step
    /// is multiplied by `1 + pipeline_imbalance × (pp − 1) / pp`; 0 = a perfectly full pipeline.
    #[serde(default)]
    pub pipeline_imbalance: f64,
    /// Inference: latency of a one-shot all-reduce inside a scale-up domain (each GPU reads all
    /// peers' buffers; used when faster than the ring), microseconds; absent = ring only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oneshot_allreduce_latency_us: Option<f64>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl PerfFamily {
    /// Fraction of the dense peak *at `precision`* that large GEMMs reach.
    pub fn gemm_efficiency_at(&self, precision: Precision) -> f64 {
        match precision {
            Precision::Fp4 => self.gemm_efficiency_fp4.unwrap_or(self.gemm_efficiency_low_precision),
            p if p.compute_bits() >= 16 => self.gemm_efficiency,
            _ => self.gemm_efficiency_low_precision,
        }
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        for (f, v) in [
            ("gemm_efficiency", self.gemm_efficiency),
            ("gemm_efficiency_low_precision", self.gemm_efficiency_low_precision),
            ("moe_gemm_efficiency", self.moe_gemm_efficiency),
            ("attention_efficiency", self.attention_efficiency),
            ("mem_bw_efficiency", self.mem_bw_efficiency),
            ("scaleup_efficiency", self.scaleup_efficiency),
            ("scaleout_efficiency", self.scaleout_efficiency),
            ("mem_usable_fraction", self.mem_usable_fraction),
            ("gemm_efficiency_fp4", self.gemm_efficiency_fp4.unwrap_or(self.gemm_efficiency_low_precision)),
            ("inference_moe_gemm_efficiency", self.inference_moe_gemm_efficiency.unwrap_or(self.moe_gemm_efficiency)),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1.0) {
                p.push(format!("perf family `{}`: `{f}` must be in (0, 1], got {v}", self.id));
            }
        }
        for (f, v) in [
            ("collective_latency_us", self.collective_latency_us),
            ("step_overhead_us", self.step_overhead_us),
            ("layer_overhead_us", self.layer_overhead_us),
            ("moe_layer_overhead_us", self.moe_layer_overhead_us),
            ("oneshot_allreduce_latency_us", self.oneshot_allreduce_latency_us.unwrap_or(0.0)),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                p.push(format!(
                    "perf family `{}`: `{f}` must be a non-negative number of microseconds, got {v}",
                    self.id
                ));
            }
        }
        for (f, v, max) in [
            ("fp4_dense_fp8_fraction", self.fp4_dense_fp8_fraction, 1.0),
            ("roofline_sharpness", self.roofline_sharpness, 64.0),
            ("gemm_half_efficiency_rows", self.gemm_half_efficiency_rows, 4096.0),
            ("activation_passes", self.activation_passes, 64.0),
            ("moe_permute_passes", self.moe_permute_passes, 16.0),
            ("attention_dp_imbalance_cv", self.attention_dp_imbalance_cv, 4.0),
            ("expert_routing_skew", self.expert_routing_skew, 4.0),
            ("mem_reserve_gb", self.mem_reserve_gb, 1000.0),
            ("pipeline_imbalance", self.pipeline_imbalance, 4.0),
        ] {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                p.push(format!("perf family `{}`: `{f}` must be in [0, {max}], got {v}", self.id));
            }
        }
        if self.max_running_requests == 0 {
            p.push(format!("perf family `{}`: `max_running_requests` must be at least 1", self.id));
        }
        p
    }
}
