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
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl PerfFamily {
    /// Fraction of the dense peak *at `precision`* that large GEMMs reach.
    pub fn gemm_efficiency_at(&self, precision: Precision) -> f64 {
        if precision.compute_bits() >= 16 { self.gemm_efficiency } else { self.gemm_efficiency_low_precision }
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
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1.0) {
                p.push(format!("perf family `{}`: `{f}` must be in (0, 1], got {v}", self.id));
            }
        }
        for (f, v) in [
            ("collective_latency_us", self.collective_latency_us),
            ("step_overhead_us", self.step_overhead_us),
            ("layer_overhead_us", self.layer_overhead_us),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                p.push(format!(
                    "perf family `{}`: `{f}` must be a non-negative number of microseconds, got {v}",
                    self.id
                ));
            }
        }
        if self.max_running_requests == 0 {
            p.push(format!("perf family `{}`: `max_running_requests` must be at least 1", self.id));
        }
        p
    }
}
