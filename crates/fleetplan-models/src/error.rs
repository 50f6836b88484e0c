//! Errors of the performance models: bad combinations the caller asked for.
//!
//! [`PerfError`] groups them by kind; each kind is a typed enum carrying the figures its message
//! names, so callers can match on the cause and the text is rendered in one place.

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
    Layout(#[from] LayoutError),
    /// A workload or setting value is out of range.
    #[error("invalid setting: {0}")]
    Setting(#[from] SettingError),
    /// The model does not fit in memory with this layout.
    #[error("does not fit: {0}")]
    DoesNotFit(#[from] FitError),
    /// No batch or layout meets the latency limits.
    #[error("no configuration meets the limits: {0}")]
    NoFeasible(#[from] InfeasibleError),
    /// The serving engine cannot serve on the chip (training framework, other vendor).
    #[error(transparent)]
    Engine(#[from] crate::infer::EngineError),
}

/// A parallel layout that does not match the chips or the model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayoutError {
    /// A parallel degree is zero.
    #[error("tp, pp, dp and ep must be ≥ 1 (got tp {tp} pp {pp} dp {dp} ep {ep})")]
    ZeroDegree {
        /// Tensor-parallel degree.
        tp: u32,
        /// Pipeline stages.
        pp: u32,
        /// Replicas.
        dp: u32,
        /// Expert-parallel degree.
        ep: u32,
    },
    /// Tensor parallelism must split the attention heads evenly.
    #[error("tp {tp} must divide the model's {heads} attention heads")]
    TpNotDividingHeads {
        /// Tensor-parallel degree.
        tp: u32,
        /// Attention heads of the model.
        heads: u32,
    },
    /// Tensor parallelism must split the FFN width evenly.
    #[error("tp {tp} must divide the model's FFN width {ffn_hidden}")]
    TpNotDividingFfn {
        /// Tensor-parallel degree.
        tp: u32,
        /// FFN hidden width of the model.
        ffn_hidden: u32,
    },
    /// The training framework runs no pipeline stages.
    #[error("pp {pp} given, but the training framework runs without pipeline parallelism")]
    PipelineNotSupported {
        /// Pipeline stages asked for.
        pp: u32,
    },
    /// More context-parallel ranks than tokens in a sequence.
    #[error("cp {cp} exceeds the sequence length {seq_len}")]
    CpExceedsSequence {
        /// Context-parallel degree.
        cp: u32,
        /// Sequence length, tokens.
        seq_len: u32,
    },
    /// Virtual pipeline stages need a pipeline and enough layers.
    #[error("{virtual_stages} virtual stages × pp {pp} need a pipeline and at most the model's {layers} layers")]
    VirtualStages {
        /// Virtual stages per chip.
        virtual_stages: u32,
        /// Pipeline stages.
        pp: u32,
        /// Layers of the model.
        layers: u32,
    },
    /// Fixed training degrees that do not divide (or, all fixed, do not equal) the job's chips.
    #[error("tp {tp} × cp {cp} × pp {pp} × dp {dp} = {layout_chips} chips does not fit the job's {chips} chips")]
    TrainChipCount {
        /// Tensor-parallel degree.
        tp: u32,
        /// Context-parallel degree.
        cp: u32,
        /// Pipeline stages.
        pp: u32,
        /// Replicas (1 when free).
        dp: u32,
        /// Chips the fixed degrees use.
        layout_chips: u32,
        /// Chips of the job.
        chips: u32,
    },
    /// More pipeline stages than layers.
    #[error("pp {pp} exceeds the model's {layers} layers")]
    PpExceedsLayers {
        /// Pipeline stages.
        pp: u32,
        /// Layers of the model.
        layers: u32,
    },
    /// Expert parallelism asked for a model without experts.
    #[error("ep {ep} given for dense model `{model}`")]
    EpForDenseModel {
        /// Expert-parallel degree.
        ep: u32,
        /// Catalog model id.
        model: String,
    },
    /// The expert group does not cover whole tensor-parallel replicas.
    #[error("expert group of {group} chips must be a multiple of tp {tp} covering whole replicas (dp {dp})")]
    ExpertGroup {
        /// Chips of one expert group (`max(ep, tp)`).
        group: u32,
        /// Tensor-parallel degree.
        tp: u32,
        /// Replicas.
        dp: u32,
    },
    /// No candidate layout exists for the chip count.
    #[error("no layout for {chips} chips")]
    NoLayout {
        /// Chips available.
        chips: u32,
    },
    /// A published layout's chip count differs from the case's.
    #[error("tp {tp} × pp {pp} × dp {dp} = {layout_chips} chips, but the case has {case_chips}")]
    ChipCountMismatch {
        /// Tensor-parallel degree.
        tp: u32,
        /// Pipeline stages.
        pp: u32,
        /// Replicas.
        dp: u32,
        /// Chips the layout uses (`tp × pp × dp`).
        layout_chips: u32,
        /// Chips the case names.
        case_chips: u32,
    },
    /// Fewer chips than one `tp × pp` replica needs.
    #[error("{chips} chips cannot hold one replica of tp {tp} × pp {pp}")]
    ReplicaExceedsChips {
        /// Chips available.
        chips: u32,
        /// Tensor-parallel degree.
        tp: u32,
        /// Pipeline stages.
        pp: u32,
    },
    /// A precision name that is not one of the known ones.
    #[error("unknown precision `{name}`; expected one of bf16, fp16, fp8, int8, fp4, w4a16")]
    UnknownPrecision {
        /// The name given.
        name: String,
    },
}

/// A workload, job or case setting out of range (or missing).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingError {
    /// Mean prompt tokens below one or above [`crate::infer::MAX_TOKENS_PER_REQUEST`].
    #[error("input tokens must be from 1 to 100,000,000, got {0:e}")]
    InputTokens(f64),
    /// Mean generated tokens below one or above [`crate::infer::MAX_TOKENS_PER_REQUEST`].
    #[error("output tokens must be from 1 to 100,000,000, got {0:e}")]
    OutputTokens(f64),
    /// Prefix-cache share outside `[0, 1)`.
    #[error("cached input fraction must be in [0, 1), got {0}")]
    CachedInputFraction(f64),
    /// Training sequence length below one token.
    #[error("sequence length must be ≥ 1, got {0}")]
    SequenceLength(f64),
    /// Negative (or non-finite) training tokens.
    #[error("tokens must be ≥ 0, got {0}")]
    TrainingTokens(f64),
    /// Global batch smaller than one sequence, tokens.
    #[error("global batch must be at least one sequence, got {0} tokens")]
    GlobalBatch(f64),
    /// Fewer than one denoising step.
    #[error("denoising steps must be ≥ 1")]
    DenoisingSteps,
    /// A validation case lacks a field its kind needs.
    #[error("case lacks `{0}`")]
    CaseLacks(&'static str),
    /// A request-shape setting (output spread, beams, draft tokens, burst size, …) out of range.
    #[error("{field} must be {expected}, got {value}")]
    Request {
        /// The field, as named in workloads and validation cases.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The accepted range, in words.
        expected: &'static str,
    },
    /// A validation case of kind inference names a training metric.
    #[error("metric {0:?} is not an inference metric")]
    NotInferenceMetric(crate::validation::Metric),
    /// A validation case of kind training names an inference metric.
    #[error("metric {0:?} is not a training metric")]
    NotTrainingMetric(crate::validation::Metric),
}

/// The model does not fit in a chip's memory.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Serving: weights and activation headroom leave no KV cache for one request.
    #[error(
        "weights {weights_gb:.1} GB + activations {activations_gb:.1} GB per chip leave no room for one request's KV cache \
         ({context_tokens:.0} tokens) in {usable_gb:.1} usable GB"
    )]
    NoKvRoom {
        /// Weights per chip, GB.
        weights_gb: f64,
        /// Activation headroom per chip, GB.
        activations_gb: f64,
        /// Context of one request, tokens.
        context_tokens: f64,
        /// Usable memory per chip, GB.
        usable_gb: f64,
    },
    /// Training: no layout of the search fits in memory.
    #[error(
        "none of {layouts} layouts of `{model}` on {chips} chips fits in memory (the smallest needs {least_gb:.1} GB per chip, {usable_gb:.1} GB usable)"
    )]
    NoTrainingLayout {
        /// Layouts evaluated.
        layouts: u64,
        /// Catalog model id.
        model: String,
        /// Chips of the job.
        chips: u32,
        /// Least memory per chip any evaluated layout needs, GB.
        least_gb: f64,
        /// Usable memory per chip, GB.
        usable_gb: f64,
    },
    /// Generation: the denoiser weights leave no room for one item's activations.
    #[error("denoiser weights {weights_gb:.1} GB leave no room for one item's activations on this chip")]
    NoItemRoom {
        /// Denoiser weights per chip, GB.
        weights_gb: f64,
    },
    /// Generation: no batch was evaluated.
    #[error("no batch fits")]
    NoBatch,
}

/// No batch or layout meets the latency limits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InfeasibleError {
    /// Even a batch of one request misses the p99 limits.
    #[error("even batch 1 misses the limits (TPOT p99 {tpot_p99_ms:?} ms, TTFT p99 {ttft_p99_ms:?} ms)")]
    BatchOneMissesLimits {
        /// p99 TPOT limit, ms.
        tpot_p99_ms: Option<f64>,
        /// p99 TTFT limit, ms.
        ttft_p99_ms: Option<f64>,
    },
    /// Server mode: prefill alone exceeds the TTFT limit, leaving no queueing budget.
    #[error("prefill alone takes {ttft_p99_ms:.0} ms at p99, over the TTFT limit")]
    PrefillOverTtft {
        /// p99 time to first token without queueing, ms.
        ttft_p99_ms: f64,
    },
}
