//! Training efficiency parameters of the performance model, per chip family.
//!
//! Training kernels (large forward, data-gradient and weight-gradient GEMMs over thousands of
//! tokens per micro-batch, flash-attention forward and backward) reach different fractions of
//! peak than serving kernels, so the training model keeps its own few numbers per chip family
//! instead of borrowing the inference ones of [`super::PerfFamily`]. They are global per family
//! (keyed by the perf-family id), calibrated once on the public training cases, never per case;
//! `docs/performance-model.md` (section 4) explains each.

use super::common::Provenance;
use crate::units::Precision;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Achievable fractions of peak in training for one chip family (id = the perf-family id,
/// e.g. `nvidia-hopper`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingFamily {
    /// Perf-family id this entry belongs to.
    pub id: String,
    /// Fraction of the dense 16-bit (BF16/FP16) peak that training GEMMs reach.
    pub gemm_efficiency: f64,
    /// Fraction of the dense 8-bit peak (FP8, INT8) that training GEMMs reach (scaling,
    /// casts and transposes of the low-precision recipe included).
    pub gemm_efficiency_low_precision: f64,
    /// Throughput of grouped expert GEMMs relative to dense GEMMs at the same precision
    /// (ragged per-expert shapes, token permutation).
    pub moe_gemm_efficiency: f64,
    /// Fraction of the dense 16-bit peak that attention kernels reach in training (flash
    /// attention forward and backward; attention runs in BF16 even in FP8 recipes).
    pub attention_efficiency: f64,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl TrainingFamily {
    /// Fraction of the dense peak *at `precision`* that training GEMMs reach.
    pub fn gemm_efficiency_at(&self, precision: Precision) -> f64 {
        if precision.compute_bits() >= 16 { self.gemm_efficiency } else { self.gemm_efficiency_low_precision }
    }

    pub(crate) fn problems(&self, catalog: &crate::catalog::Catalog) -> Vec<String> {
        let mut p = Vec::new();
        for (f, v) in [
            ("gemm_efficiency", self.gemm_efficiency),
            ("gemm_efficiency_low_precision", self.gemm_efficiency_low_precision),
            ("moe_gemm_efficiency", self.moe_gemm_efficiency),
            ("attention_efficiency", self.attention_efficiency),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1.0) {
                p.push(format!("training family `{}`: `{f}` must be in (0, 1], got {v}", self.id));
            }
        }
        if catalog.perf_family(&self.id).is_err() {
            p.push(format!("training family `{}` names no perf family", self.id));
        }
        p
    }
}
