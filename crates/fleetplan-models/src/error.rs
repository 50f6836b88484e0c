//! Errors of the performance models: bad combinations the caller asked for.

use fleetplan_core::catalog::UnknownId;
use fleetplan_core::units::Precision;

/// Why a performance figure cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PerfError {
    /// A catalog id was not found.
    #[error(transparent)]
    Unknown(#[from] UnknownId),
    /// The chip has no matrix units for the precision.
    #[error("chip `{chip}` has no dense {precision} rate in the catalog; try bf16 or another precision it supports")]
    UnsupportedPrecision {
        /// Chip id.
        chip: String,
        /// Requested precision.
        precision: Precision,
    },
    /// The parallel layout is inconsistent with the chip count or the model.
    #[error("invalid parallel layout: {0}")]
    Layout(String),
    /// A workload or setting value is out of range.
    #[error("invalid setting: {0}")]
    Setting(String),
    /// The model does not fit in memory with this layout.
    #[error("does not fit: {0}")]
    DoesNotFit(String),
    /// No batch or layout meets the latency limits.
    #[error("no configuration meets the limits: {0}")]
    NoFeasible(String),
}
