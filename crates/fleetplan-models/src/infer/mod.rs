//! LLM inference: step time of one forward pass for any batch composition, memory fit,
//! continuous-batching steady state, server (queueing-aware) and disaggregated pools, and the
//! search over parallel layout and batch.
//!
//! Everything per step is computed from precomputed per-(model, chip, layout) constants in an
//! [`InferenceEngine`]; [`InferenceEngine::step_time_s`] does a few dozen floating-point
//! operations and never allocates, so the serving simulator can call it per iteration.
//! Formulas are documented in `docs/performance-model.md`.
//!
//! - [`request`]: what is asked ([`RequestShape`] with its output spread, [`Decoding`] and
//!   [`Arrivals`]; [`KvReservation`], [`Slo`], [`ServeMode`]).
//! - [`layout`]: the parallel [`Layout`] of one serving instance and its consistency checks.
//! - [`engine`]: [`InferenceEngine`] (allocation-free step time, memory fit, step loads).
//! - [`operating`]: operating points (continuous-batching steady state, server mode with p99
//!   limits, decode and prefill pools, disaggregated deployments).
//! - [`burst`]: finite bursts (the drain at falling batch) and closed-loop concurrency.
//! - [`queueing`]: Erlang C for the server mode's p99 queueing wait.
//! - [`search`]: the batch sweep of one layout (with the latency–throughput curve) and the
//!   search over layouts.
//! - [`config`]: the serving configuration search (instance sizes, aggregated or disaggregated
//!   prefill/decode pools) for the fewest chip-seconds per request.
//! - [`stack`]: the [`ServingStack`] of a serving engine on a chip (running-request cap, step
//!   overhead, the layouts it runs, features), from the catalog's engine entries.

pub mod burst;
pub mod config;
pub mod engine;
pub mod layout;
pub mod operating;
pub mod queueing;
pub mod request;
pub mod search;
pub mod stack;

pub use config::{
    ChosenConfiguration, ConfigSearch, Configuration, MAX_INSTANCE_CHIPS, PoolChoice, best_aggregated,
    best_configuration, best_configuration_with, best_disaggregated, best_over_sizes, instance_sizes,
};
pub use engine::{
    ACTIVATION_WORKSPACE_TOKENS, Binding, InferenceEngine, LOGITS_WORKSPACE_TOKENS, StepBreakdown, StepLoad,
    StepOptions, imbalance_factor, overlapped_s, smooth_roofline_s,
};
pub use layout::Layout;
pub use operating::{Disaggregated, OperatingPoint, TPOT_P99_OVER_MEAN, disaggregated};
pub use queueing::{erlang_c, max_rate_for_wait};
pub use request::{
    Arrivals, Decoding, KvReservation, MAX_BEAMS, MAX_DRAFT_TOKENS, MAX_OUTPUT_TOKENS_CV, MAX_TOKENS_PER_REQUEST,
    RequestShape, ServeMode, Slo,
};
pub use search::{InferenceQuery, LayoutResult, best_for_layout, candidate_layouts, search, search_where};
pub use stack::{EngineError, ServingStack};
