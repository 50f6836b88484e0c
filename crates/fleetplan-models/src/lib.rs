//! Models layer of fleetplan: analytical performance models (inference, training, image and
//! video generation) and, later, cost models. Pure functions of catalog entries and settings.
//!
//! **Architecture invariant:** no I/O, no printing; every function returns values or typed errors.
//!
//! - [`shape`]: per-model constants (parameter groups, KV bytes per token, attention FLOPs).
//! - [`hw`]: achievable chip rates from the catalog's peaks and perf-family efficiencies.
//! - [`infer`]: LLM serving (step time, memory fit, continuous batching, server, disaggregated,
//!   layout search).
//! - [`train`]: LLM training (FLOPs, memory, communication, bubble, MFU, layout search).
//! - [`generation`]: image and video generation with diffusion transformers.
//! - [`validation`]: reading published measurements and predicting them.

pub mod cost;
pub mod demand;
pub mod error;
pub mod generation;
pub mod hw;
pub mod infer;
pub mod shape;
pub mod train;
pub mod validation;

pub use error::PerfError;
