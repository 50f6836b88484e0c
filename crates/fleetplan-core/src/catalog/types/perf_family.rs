//! Efficiency parameters of the performance model, per chip family and software stack.

use super::common::Provenance;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Achievable fractions of peak for one chip family (e.g. `nvidia-hopper`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerfFamily {
    /// Catalog id, e.g. `nvidia-hopper`.
    pub id: String,
    /// Fraction of dense peak FLOPS large GEMMs reach.
    pub gemm_efficiency: f64,
    /// Fraction of peak memory bandwidth memory-bound kernels reach.
    pub mem_bw_efficiency: f64,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl PerfFamily {
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        for (f, v) in [("gemm_efficiency", self.gemm_efficiency), ("mem_bw_efficiency", self.mem_bw_efficiency)] {
            if !(v.is_finite() && v > 0.0 && v <= 1.0) {
                p.push(format!("perf family `{}`: `{f}` must be in (0, 1], got {v}", self.id));
            }
        }
        p
    }
}
