//! Export-control engine: chip metrics (TPP, performance density), classification under
//! ECCN 3A090, and dated rules that answer "may buyer B own or lease chip C at site S on date D?"
//! ([`judge`]).
//!
//! TPP and performance density are computed here and nowhere else. The rules themselves are
//! catalog data ([`crate::catalog::Rule`], `catalog/rules.toml`); this module only interprets
//! their predicates and actions.

mod classify;
mod engine;
mod switches;

pub use crate::catalog::{EccnClass, Ownership, RuleAction, RuleSet};
pub use classify::*;
pub use engine::*;
pub use switches::*;

use crate::catalog::Accelerator;

/// Total processing performance (ECCN 3A090 technical note): 2 × MacTOPS × bit length of the
/// operation, i.e. dense TOPS × bit length, maximised over the precisions the chip supports.
pub fn tpp(chip: &Accelerator) -> f64 {
    let candidates = [
        Some(chip.bf16_dense_tflops * 16.0),
        chip.fp16_dense_tflops.map(|t| t * 16.0),
        chip.fp8_dense_tflops.map(|t| t * 8.0),
        chip.int8_dense_tops.map(|t| t * 8.0),
        chip.fp4_dense_tflops.map(|t| t * 4.0),
    ];
    candidates.into_iter().flatten().fold(0.0, f64::max)
}

/// Performance density: TPP per mm² of applicable die area; `None` when the die area is unknown.
pub fn performance_density(chip: &Accelerator) -> Option<f64> {
    chip.die_area_mm2.filter(|a| *a > 0.0).map(|area| tpp(chip) / area)
}
