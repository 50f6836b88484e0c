//! Achievable training rates of one chip at one precision: the inference [`ChipRates`]
//! (bandwidths, memory, latencies) plus the training GEMM and attention rates from the
//! family's `perf-training.toml` entry.

use super::IciTorus;
use crate::error::PerfError;
use crate::hw::ChipRates;
use fleetplan_core::catalog::{Accelerator, Catalog, ChipId, PerfFamily, TrainingFamily};
use fleetplan_core::units::Precision;

/// Achievable rates of one chip training at one precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainRates {
    /// The chip's rates as the inference model sees them (bandwidths, memory, latencies, and
    /// the inference GEMM rates the `training_efficiency` ablation falls back to).
    pub chip: ChipRates,
    /// Training GEMM throughput at the run's precision, FLOP/s.
    pub gemm_flops: f64,
    /// Training grouped expert-GEMM throughput at the run's precision, FLOP/s.
    pub moe_gemm_flops: f64,
    /// Training attention throughput (BF16 flash attention forward and backward), FLOP/s.
    pub attn_flops: f64,
    /// The chip's ICI torus (TPUs), `None` for switched scale-up fabrics.
    pub torus: Option<IciTorus>,
}

impl TrainRates {
    /// Rates of `chip` at `precision` with the inference efficiencies of `family` and the
    /// training efficiencies of `training` (the family's inference ones when `None`).
    pub fn new(
        chip: &Accelerator,
        family: &PerfFamily,
        training: Option<&TrainingFamily>,
        precision: Precision,
    ) -> Result<TrainRates, PerfError> {
        let rates = ChipRates::new(chip, family, precision)?;
        let torus = chip.ici_torus_dims.map(|dims| IciTorus::new(dims, rates.scaleup_bw));
        let Some(training) = training else {
            return Ok(TrainRates {
                chip: rates,
                gemm_flops: rates.gemm_flops,
                moe_gemm_flops: rates.moe_gemm_flops,
                attn_flops: rates.attn_flops,
                torus,
            });
        };
        let peak_flops = rates.gemm_flops / family.gemm_efficiency_at(precision);
        let gemm_flops = peak_flops * training.gemm_efficiency_at(precision);
        Ok(TrainRates {
            chip: rates,
            gemm_flops,
            moe_gemm_flops: gemm_flops * training.moe_gemm_efficiency,
            attn_flops: rates.bf16_sustained_flops * training.attention_efficiency,
            torus,
        })
    }

    /// Rates of catalog chip `chip_id` at `precision` (looks up its perf and training families).
    pub fn from_catalog(catalog: &Catalog, chip_id: &str, precision: Precision) -> Result<TrainRates, PerfError> {
        let chip = catalog.accelerator(chip_id)?;
        let family = catalog.perf_family(&chip.perf_family)?;
        TrainRates::new(chip, family, catalog.training_family(&chip.perf_family), precision)
    }

    /// Rates of the resolved catalog chip `chip_id` at `precision`.
    pub fn of_chip(catalog: &Catalog, chip_id: &ChipId, precision: Precision) -> Result<TrainRates, PerfError> {
        let chip = &catalog[chip_id];
        let family = catalog.perf_family(&chip.perf_family)?;
        TrainRates::new(chip, family, catalog.training_family(&chip.perf_family), precision)
    }

    /// The GEMM, expert-GEMM and attention rates to use: training ones, or the inference ones
    /// when the `training_efficiency` mechanism is off.
    pub(super) fn compute_rates(&self, training_efficiency: bool) -> (f64, f64, f64) {
        if training_efficiency {
            (self.gemm_flops, self.moe_gemm_flops, self.attn_flops)
        } else {
            (self.chip.gemm_flops, self.chip.moe_gemm_flops, self.chip.attn_flops)
        }
    }
}
