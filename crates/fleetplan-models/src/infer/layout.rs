//! The parallel layout of one serving instance (tensor, pipeline, data and expert parallel
//! degrees) and its consistency with a model.

use crate::error::{LayoutError, PerfError};
use crate::shape::LlmShape;
use fleetplan_core::catalog::LlmModel;
use serde::Serialize;

/// Parallel layout of one serving instance. `tp × pp × dp` chips are used.
///
/// Attention and dense layers run tensor-parallel over `tp` chips and pipeline-parallel over
/// `pp` stages, in `dp` independent replicas (each with its own requests and KV cache). MoE
/// expert layers are spread over an expert group of `max(ep, tp)` chips: with `ep ≤ tp` the
/// experts are tensor-parallel inside a replica; with `ep > tp`, `ep / tp` replicas share one set
/// of experts through all-to-all dispatch and combine (attention data-parallel + wide expert
/// parallel, as DeepSeek and SGLang deploy it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Replicas (data parallel; attention data-parallel ranks in wide-EP deployments).
    pub dp: u32,
    /// Expert-parallel degree (1 = experts tensor-parallel inside each replica).
    pub ep: u32,
}

impl Layout {
    /// Chips the layout uses.
    pub fn chips(&self) -> u32 {
        self.tp * self.pp * self.dp
    }

    /// Chips of one expert group (`max(ep, tp)`).
    pub fn expert_group(&self) -> u32 {
        self.ep.max(self.tp)
    }

    /// Check the layout against the model: every degree ≥ 1, tp divides the heads, pp ≤ layers,
    /// ep only for MoE models, and the expert group covers whole replicas.
    pub(crate) fn check(&self, shape: &LlmShape, model: &LlmModel) -> Result<(), PerfError> {
        let Layout { tp, pp, dp, ep } = *self;
        if tp == 0 || pp == 0 || dp == 0 || ep == 0 {
            return Err(LayoutError::ZeroDegree { tp, pp, dp, ep }.into());
        }
        if !model.heads.is_multiple_of(tp) {
            return Err(LayoutError::TpNotDividingHeads { tp, heads: model.heads }.into());
        }
        if pp > model.layers {
            return Err(LayoutError::PpExceedsLayers { pp, layers: model.layers }.into());
        }
        if !shape.is_moe() && ep > 1 {
            return Err(LayoutError::EpForDenseModel { ep, model: model.id.clone() }.into());
        }
        let group = self.expert_group();
        if !group.is_multiple_of(tp) || (group / tp) > dp || dp % (group / tp) != 0 {
            return Err(LayoutError::ExpertGroup { group, tp, dp }.into());
        }
        Ok(())
    }
}
