//! Models layer of fleetplan: analytical performance models (inference, training, image and
//! video generation), the cost model and the demand model. Pure functions of catalog entries,
//! scenario values and settings.
//!
//! **Architecture invariant:** no I/O, no printing; every function returns values or typed errors.
//!
//! - [`shape`]: per-model constants (parameter groups, KV bytes per token, attention FLOPs).
//! - [`hw`]: achievable chip rates from the catalog's peaks and perf-family efficiencies.
//! - [`infer`]: LLM serving (engine with step time and memory fit; operating points for
//!   continuous batching, server and disaggregated pools; layout × batch search).
//! - [`train`]: LLM training (FLOPs, memory, communication, bubble, MFU, layout search).
//! - [`generation`]: image and video generation with diffusion transformers.
//! - [`validation`]: reading published measurements and predicting them.
//! - [`interval`]: 80 % prediction intervals fitted from the calibration residuals per class.
//! - [`cost`]: capex, opex, depreciation, FX, TCO and carbon of accelerator holdings.
//! - [`demand`]: mean and peak demand per workload, user region and quarter; training needs.
//! - [`error`]: typed errors of the performance models ([`PerfError`] and its kinds).

pub mod cost;
pub mod demand;
pub mod error;
pub mod generation;
pub mod hw;
pub mod infer;
pub mod interval;
pub mod shape;
pub mod train;
pub mod validation;

pub use error::{FitError, InfeasibleError, LayoutError, PerfError, SettingError};
