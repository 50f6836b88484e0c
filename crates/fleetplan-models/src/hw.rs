//! Achievable hardware rates of one chip at one precision: the datasheet peaks of an
//! [`Accelerator`] scaled by its [`PerfFamily`] efficiencies, in SI units (FLOP/s, bytes/s,
//! seconds). Computed once per (chip, precision) so inner loops only multiply and divide.

use crate::error::PerfError;
use fleetplan_core::catalog::{Accelerator, Catalog, ChipId, PerfFamily};
use fleetplan_core::units::Precision;

/// Achievable rates of one chip running at one precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipRates {
    /// Achievable GEMM throughput at the run's precision, FLOP/s.
    pub gemm_flops: f64,
    /// Achievable attention-kernel throughput (16-bit score/value products), FLOP/s.
    pub attn_flops: f64,
    /// Dense BF16 peak, FLOP/s (the MFU denominator: the datasheet figure, never clock-scaled).
    pub bf16_peak_flops: f64,
    /// Dense BF16 rate at the chip's sustained clock, FLOP/s: `bf16_peak_flops ×
    /// sustained_clock_fraction` (the base of every attention rate, inference and training).
    pub bf16_sustained_flops: f64,
    /// Achievable memory bandwidth, bytes/s.
    pub mem_bw: f64,
    /// Achievable scale-up bandwidth per chip per direction, bytes/s.
    pub scaleup_bw: f64,
    /// Achievable scale-out bandwidth per chip per direction, bytes/s.
    pub scaleout_bw: f64,
    /// Chips in one scale-up domain.
    pub scaleup_domain: f64,
    /// Latency of one collective, s.
    pub collective_latency_s: f64,
    /// Fixed cost per inference step, s.
    pub step_overhead_s: f64,
    /// Fixed cost per layer per step, s.
    pub layer_overhead_s: f64,
    /// Device memory the software stack can allocate, bytes.
    pub mem_usable_bytes: f64,
    /// Achievable grouped expert-GEMM throughput at the run's precision, FLOP/s.
    pub moe_gemm_flops: f64,
    /// Bytes per stored weight.
    pub weight_bytes: f64,
    /// Most concurrent requests the serving stack runs per replica: the serving engine's cap,
    /// set by `infer::ServingStack::apply` (every catalog path applies a stack); until then the
    /// perf family's `max_running_requests`, a fallback for rates used without an engine.
    pub max_running_requests: f64,
    /// Inference step-model parameters of the chip's family.
    pub step: StepRates,
}

/// Inference step-model rates and parameters of one chip family at one precision
/// (docs/performance-model.md §3 "Step mechanisms"); the neutral value of each switches its
/// mechanism off.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepRates {
    /// Grouped expert-GEMM throughput of the inference step model, FLOP/s.
    pub moe_gemm_flops: f64,
    /// GEMM throughput for the weights an FP4 checkpoint keeps at FP8 (the GEMM rate for other
    /// precisions), FLOP/s.
    pub gemm_flops_high: f64,
    /// Bytes per stored weight of those layers.
    pub weight_bytes_high: f64,
    /// Share of the always-active weights at the higher precision (FP4 runs only, else 0).
    pub dense_high_fraction: f64,
    /// Attention throughput with FP8 score/value products (FP8 attention kernels), FLOP/s.
    pub attn_flops_fp8: f64,
    /// Smooth-roofline exponent (0 = hard max).
    pub roofline_sharpness: f64,
    /// GEMM rows at half efficiency (0 = off).
    pub gemm_half_rows: f64,
    /// Extra fixed cost per MoE layer, s.
    pub moe_layer_overhead_s: f64,
    /// Activation passes per token per layer of non-GEMM kernels.
    pub activation_passes: f64,
    /// Passes over the top-k token copies in MoE layers.
    pub moe_permute_passes: f64,
    /// Per-request attention-work coefficient of variation (attention-DP imbalance).
    pub attention_dp_imbalance_cv: f64,
    /// Expert-popularity coefficient of variation.
    pub expert_routing_skew: f64,
    /// Engine memory reserve per GPU, bytes.
    pub mem_reserve_bytes: f64,
    /// Pipeline stall per stage boundary.
    pub pipeline_imbalance: f64,
    /// One-shot all-reduce latency inside a scale-up domain, s (`None`: ring only).
    pub oneshot_allreduce_latency_s: Option<f64>,
}

/// Block-scale bytes per 4-bit weight (NVFP4: one FP8 scale per 16 values; MXFP4's one byte per
/// 32 is about half of it).
pub const FP4_SCALE_BYTES_PER_WEIGHT: f64 = 1.0 / 16.0;

/// GEMM rows at half efficiency on one chip: the family's value, but never more than the chip's
/// compute/memory crossover rows `M* = FLOP/s ÷ (2 × bytes/s ÷ bytes per weight)` (rows at which
/// a GEMM's arithmetic time equals its weight-read time). The efficiency ramp models tile padding
/// and short-wave losses near the crossover; below it engines switch to GEMV-style split-K
/// kernels that stay bandwidth-bound, so on chips with little compute per byte (H20: M* ≈ 12 at
/// FP8) an absolute ramp of ~70 rows would make single-token decode compute-bound, which no
/// measurement shows. On the calibrated chips M* is above the family value, so they are
/// unaffected.
pub fn gemm_half_rows(family_half_rows: f64, gemm_flops: f64, mem_bw: f64, weight_bytes: f64) -> f64 {
    if !(mem_bw > 0.0 && weight_bytes > 0.0) {
        return family_half_rows;
    }
    let crossover_rows = gemm_flops / (2.0 * mem_bw / weight_bytes);
    family_half_rows.min(crossover_rows).max(0.0)
}

impl ChipRates {
    /// Rates of `chip` at `precision` with the efficiencies of `family`.
    pub fn new(chip: &Accelerator, family: &PerfFamily, precision: Precision) -> Result<ChipRates, PerfError> {
        let peak_tflops = chip
            .dense_tflops(precision)
            .ok_or_else(|| PerfError::UnsupportedPrecision { chip: chip.id.clone(), precision })?;
        // Power-limited clocks: every achievable compute rate below is formed from the peaks
        // scaled by the clock the chip sustains at its TDP (docs/performance-model.md §1).
        let clock = chip.clock_fraction();
        let peak_tflops = peak_tflops * clock;
        let bf16 = chip.bf16_dense_tflops * 1e12 * clock;
        let weight_bytes =
            precision.weight_bytes() + if precision.weight_bits() == 4 { FP4_SCALE_BYTES_PER_WEIGHT } else { 0.0 };
        let gemm_flops = peak_tflops * 1e12 * family.gemm_efficiency_at(precision);
        let mem_bw = chip.mem_bw_tbps * 1e12 * family.mem_bw_efficiency;
        let fp8_tflops = chip.fp8_dense_tflops.map(|t| t * clock).filter(|_| precision == Precision::Fp4);
        let step = StepRates {
            moe_gemm_flops: gemm_flops * family.inference_moe_gemm_efficiency.unwrap_or(family.moe_gemm_efficiency),
            gemm_flops_high: fp8_tflops.map_or(gemm_flops, |t| t * 1e12 * family.gemm_efficiency_low_precision),
            weight_bytes_high: if fp8_tflops.is_some() { 1.0 } else { weight_bytes },
            dense_high_fraction: if fp8_tflops.is_some() { family.fp4_dense_fp8_fraction } else { 0.0 },
            attn_flops_fp8: chip.fp8_dense_tflops.map_or(bf16, |t| t * 1e12 * clock) * family.attention_efficiency,
            roofline_sharpness: family.roofline_sharpness,
            gemm_half_rows: gemm_half_rows(family.gemm_half_efficiency_rows, gemm_flops, mem_bw, weight_bytes),
            moe_layer_overhead_s: family.moe_layer_overhead_us * 1e-6,
            activation_passes: family.activation_passes,
            moe_permute_passes: family.moe_permute_passes,
            attention_dp_imbalance_cv: family.attention_dp_imbalance_cv,
            expert_routing_skew: family.expert_routing_skew,
            mem_reserve_bytes: family.mem_reserve_gb * 1e9,
            pipeline_imbalance: family.pipeline_imbalance,
            oneshot_allreduce_latency_s: family.oneshot_allreduce_latency_us.map(|us| us * 1e-6),
        };
        Ok(ChipRates {
            gemm_flops,
            moe_gemm_flops: peak_tflops * 1e12 * family.gemm_efficiency_at(precision) * family.moe_gemm_efficiency,
            attn_flops: bf16 * family.attention_efficiency,
            bf16_peak_flops: chip.bf16_dense_tflops * 1e12,
            bf16_sustained_flops: bf16,
            mem_bw,
            // Catalog figure is aggregate bidirectional GB/s: half of it flows each way.
            scaleup_bw: chip.scaleup_bw_gbps * 1e9 / 2.0 * family.scaleup_efficiency,
            // NIC figure is Gb/s per direction.
            scaleout_bw: chip.scaleout_nic_gbps * 1e9 / 8.0 * family.scaleout_efficiency,
            scaleup_domain: f64::from(chip.scaleup_domain.max(1)),
            collective_latency_s: family.collective_latency_us * 1e-6,
            step_overhead_s: family.step_overhead_us * 1e-6,
            layer_overhead_s: family.layer_overhead_us * 1e-6,
            mem_usable_bytes: chip.mem_gb * 1e9 * family.mem_usable_fraction,
            weight_bytes,
            max_running_requests: f64::from(family.max_running_requests.max(1)),
            step,
        })
    }

    /// Rates of catalog chip `chip_id` at `precision` (looks up its perf family).
    pub fn from_catalog(catalog: &Catalog, chip_id: &str, precision: Precision) -> Result<ChipRates, PerfError> {
        let chip = catalog.accelerator(chip_id)?;
        let family = catalog.perf_family(&chip.perf_family)?;
        ChipRates::new(chip, family, precision)
    }

    /// Rates of the resolved catalog chip `chip_id` at `precision` (looks up its perf family,
    /// the one lookup that can still fail: a chip naming a family the catalog lacks).
    pub fn of_chip(catalog: &Catalog, chip_id: &ChipId, precision: Precision) -> Result<ChipRates, PerfError> {
        let chip = &catalog[chip_id];
        let family = catalog.perf_family(&chip.perf_family)?;
        ChipRates::new(chip, family, precision)
    }

    /// Per-direction bandwidth for a collective over a group of `group` chips: scale-up when the
    /// group fits in one domain, otherwise limited by scale-out.
    pub fn group_bw(&self, group: f64) -> f64 {
        if group <= self.scaleup_domain { self.scaleup_bw } else { self.scaleout_bw }
    }

    /// Time of a ring all-reduce of `bytes` over `group` chips: `2(g−1)/g × bytes / bw + latency`.
    pub fn all_reduce_s(&self, bytes: f64, group: f64) -> f64 {
        if group <= 1.0 {
            return 0.0;
        }
        2.0 * (group - 1.0) / group * bytes / self.group_bw(group) + self.collective_latency_s
    }

    /// Time of an inference (tensor-parallel) all-reduce of `bytes` over `group` chips: the ring,
    /// or inside one scale-up domain the one-shot algorithm (each chip reads the `g − 1` peers'
    /// buffers: `(g−1) × bytes / bw + one-shot latency`) when the family has one and it is faster.
    pub fn tp_all_reduce_s(&self, bytes: f64, group: f64) -> f64 {
        let ring_s = self.all_reduce_s(bytes, group);
        match self.step.oneshot_allreduce_latency_s {
            Some(latency_s) if group > 1.0 && group <= self.scaleup_domain => {
                ring_s.min((group - 1.0) * bytes / self.scaleup_bw + latency_s)
            }
            _ => ring_s,
        }
    }

    /// Time for one chip to exchange `bytes` in an all-to-all over `group` chips with uniform
    /// destinations: the share bound for peers in the same scale-up domain moves over scale-up,
    /// the rest over scale-out, in parallel; plus one collective latency.
    pub fn all_to_all_s(&self, bytes: f64, group: f64) -> f64 {
        if group <= 1.0 {
            return 0.0;
        }
        let local_peers = group.min(self.scaleup_domain) - 1.0;
        let remote_peers = group - group.min(self.scaleup_domain);
        let up = bytes * local_peers / group / self.scaleup_bw;
        let out = bytes * remote_peers / group / self.scaleout_bw;
        up.max(out) + self.collective_latency_s
    }

    /// Time for one chip's MoE dispatch + combine over an expert group of `group` chips, for
    /// `direct_tokens` sent with one copy per routed expert (latency-optimised decode kernels)
    /// and `dedup_tokens` sent once per destination scale-up domain and forwarded inside it
    /// (throughput kernels for prefill and training, as DeepEP does). `bytes_per_copy` is one
    /// token's dispatch + combine payload; `k` the experts per token.
    pub fn expert_all_to_all_s(
        &self,
        direct_tokens: f64,
        dedup_tokens: f64,
        k: f64,
        bytes_per_copy: f64,
        group: f64,
    ) -> f64 {
        if group <= 1.0 || direct_tokens + dedup_tokens <= 0.0 {
            return 0.0;
        }
        let in_domain = group.min(self.scaleup_domain);
        let local_peers = in_domain - 1.0;
        let remote_peers = group - in_domain;
        let domains = group / in_domain;
        // Expected distinct remote domains among k uniformly routed experts.
        let remote_domains = (domains - 1.0) * (1.0 - (1.0 - 1.0 / domains).powf(k));
        let copies = direct_tokens * k + dedup_tokens * k;
        let up = copies * bytes_per_copy * local_peers / group / self.scaleup_bw;
        let out_copies = direct_tokens * k * remote_peers / group + dedup_tokens * remote_domains;
        let out = out_copies * bytes_per_copy / self.scaleout_bw;
        up.max(out) + 2.0 * self.collective_latency_s
    }
}

#[cfg(test)]
mod half_rows_tests {
    use super::gemm_half_rows;

    #[test]
    fn the_ramp_never_extends_past_the_crossover() {
        // H100-like FP8: 1,090 TFLOP/s achievable, 2.85 TB/s, 1-byte weights: M* ≈ 191 rows.
        assert_eq!(gemm_half_rows(70.0, 1.09e15, 2.85e12, 1.0), 70.0);
        // H20-like FP8: 81 TFLOP/s, 3.4 TB/s: M* ≈ 12 rows, so the ramp stops there.
        let h20 = gemm_half_rows(70.0, 8.1e13, 3.4e12, 1.0);
        assert!((h20 - 8.1e13 / 6.8e12).abs() < 1e-9, "{h20}");
        // Off stays off.
        assert_eq!(gemm_half_rows(0.0, 8.1e13, 3.4e12, 1.0), 0.0);
    }
}

#[cfg(test)]
mod clock_tests {
    use super::ChipRates;
    use fleetplan_core::catalog::Catalog;
    use fleetplan_core::units::Precision;

    #[test]
    fn a_power_limited_clock_scales_every_compute_rate_and_nothing_else() {
        let catalog = Catalog::builtin().unwrap();
        let mut chip = catalog.accelerator("h100-sxm").unwrap().clone();
        let family = catalog.perf_family(&chip.perf_family).unwrap();
        for precision in [Precision::Bf16, Precision::Fp8] {
            chip.sustained_clock_fraction = None;
            let full = ChipRates::new(&chip, family, precision).unwrap();
            chip.sustained_clock_fraction = Some(0.8);
            let slow = ChipRates::new(&chip, family, precision).unwrap();
            let ratio = |a: f64, b: f64| a / b;
            for (a, b) in [
                (slow.gemm_flops, full.gemm_flops),
                (slow.moe_gemm_flops, full.moe_gemm_flops),
                (slow.attn_flops, full.attn_flops),
                (slow.bf16_sustained_flops, full.bf16_sustained_flops),
                (slow.step.moe_gemm_flops, full.step.moe_gemm_flops),
                (slow.step.attn_flops_fp8, full.step.attn_flops_fp8),
                (slow.step.gemm_flops_high, full.step.gemm_flops_high),
            ] {
                assert!((ratio(a, b) - 0.8).abs() < 1e-12, "{precision:?}: {a} vs {b}");
            }
            // The datasheet peak (MFU denominator), memory and links do not follow the clock.
            assert_eq!(slow.bf16_peak_flops, full.bf16_peak_flops);
            assert_eq!(slow.mem_bw, full.mem_bw);
            assert_eq!(slow.scaleup_bw, full.scaleup_bw);
        }
    }
}
