//! Accelerators: one entry per chip SKU, with dense compute per precision, memory, fabrics,
//! power, die area (for export-control density), price, and when it can be had (`available`,
//! `availability`).

use super::common::{Provenance, check_positive, check_positive_opt};
use crate::catalog::Catalog;
use crate::scenario::Quarter;
use crate::units::Precision;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One accelerator SKU. All compute figures are **dense** (no 2:4 sparsity), per chip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Accelerator {
    /// Catalog id, e.g. `h100-sxm`.
    pub id: String,
    /// Marketing name, e.g. "NVIDIA H100 SXM5 80GB".
    pub name: String,
    /// Vendor, e.g. "NVIDIA", "Huawei".
    pub vendor: String,
    /// ISO 3166 alpha-2 country of the designer (US, CN, ...): decides which export regime applies.
    pub origin_country: String,
    /// First quarter the chip can be bought or leased (volume shipments or cloud availability),
    /// `YYYYQn`. Nothing is bought, leased or held before it (scenario validation, planner).
    pub available: Quarter,
    /// How firm `available` is: shipping, announced or roadmap.
    pub availability: Availability,
    /// Whether the vendor designs or markets it for data centres (3A090 Note 2).
    pub datacenter_marketed: bool,
    /// Performance family id (efficiency parameters of the performance model), e.g. `nvidia-hopper`.
    pub perf_family: String,
    /// Dense BF16 tensor TFLOPS.
    pub bf16_dense_tflops: f64,
    /// Dense FP16 tensor TFLOPS (defaults to the BF16 figure when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp16_dense_tflops: Option<f64>,
    /// Dense FP8 tensor TFLOPS; absent when the chip has no FP8 units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp8_dense_tflops: Option<f64>,
    /// Dense INT8 tensor TOPS; absent when not supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int8_dense_tops: Option<f64>,
    /// Dense FP4 tensor TFLOPS; absent when not supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp4_dense_tflops: Option<f64>,
    /// Device memory in GB (decimal, usable).
    pub mem_gb: f64,
    /// Memory technology, e.g. "HBM3".
    pub mem_type: String,
    /// Memory bandwidth in TB/s (decimal).
    pub mem_bw_tbps: f64,
    /// Scale-up (NVLink/IF/HCCS/ICI) bandwidth per chip, GB/s, aggregate bidirectional.
    pub scaleup_bw_gbps: f64,
    /// Scale-up fabric name.
    pub scaleup_fabric: String,
    /// Chips sharing the scale-up fabric in the usual system (8 for HGX, 72 for NVL72).
    pub scaleup_domain: u32,
    /// Scale-out NIC bandwidth per chip, Gb/s (e.g. 400 for ConnectX-7).
    pub scaleout_nic_gbps: f64,
    /// Module thermal design power, W (chip, not server).
    pub tdp_w: f64,
    /// Fraction (0–1] of the datasheet peak clock the chip sustains under a full GEMM load at
    /// its `tdp_w` (power-limited clocks: the same silicon at a lower power cap runs slower
    /// than its peak figures). Absent: 1, the datasheet peaks are sustained. Scales every
    /// achievable compute rate of the performance model (`models::hw`), not the peaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sustained_clock_fraction: Option<f64>,
    /// Dimensions of the chip's inter-chip torus (TPU ICI: 3 for v4/v5p, 2 for v5e/v6e), with
    /// `2 × dims` links per chip sharing `scaleup_bw_gbps`; absent for switched fabrics. The
    /// training model runs its collectives as rings along the torus dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ici_torus_dims: Option<u32>,
    /// Applicable die area in mm² (all logic dies on non-planar processes, HBM excluded), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub die_area_mm2: Option<f64>,
    /// Low end of the approximate unit price, USD, in `price_year`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd_low: Option<f64>,
    /// High end of the approximate unit price, USD, in `price_year`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd_high: Option<f64>,
    /// Year the price refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_year: Option<i32>,
    /// Whether the chip is sold at all (TPUs are cloud-only: leasable, not buyable).
    #[serde(default = "yes")]
    pub sold: bool,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

fn yes() -> bool {
    true
}

/// How firm an accelerator's `available` quarter (and its vendor figures) are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    /// Volume shipments (or cloud availability) have begun; specifications are measured or
    /// datasheet figures.
    Shipping,
    /// Launched or in production with a vendor-given date, but volume shipments were not yet
    /// confirmed by the sources; specifications are vendor claims.
    Announced,
    /// Only on a vendor roadmap: the date and the figures may move.
    Roadmap,
}

/// A relative uncertainty band (± fraction of the catalog value) for sweeps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UncertaintyBand {
    /// ± fraction applied to performance figures (dense rates, bandwidths), e.g. 0.15 = ±15 %.
    pub performance_fraction: f64,
    /// ± fraction applied to prices (purchase and lease), e.g. 0.15 = ±15 %.
    pub price_fraction: f64,
}

impl Availability {
    /// Every firmness level, firmest first.
    pub const ALL: [Availability; 3] = [Availability::Shipping, Availability::Announced, Availability::Roadmap];

    /// Band for shipping chips: none beyond the entry's own price range (figures are measured
    /// or datasheet values).
    pub const SHIPPING_BAND: UncertaintyBand = UncertaintyBand { performance_fraction: 0.0, price_fraction: 0.0 };
    /// Band for announced chips: ±15 % on performance and price. Our estimate (not sourced):
    /// launched parts have reached customers within about this much of the launch claims, and
    /// first prices move by about this much before volume pricing settles.
    pub const ANNOUNCED_BAND: UncertaintyBand = UncertaintyBand { performance_fraction: 0.15, price_fraction: 0.15 };
    /// Band for roadmap chips: ±30 % on performance and price. Our estimate (not sourced):
    /// roadmap figures are per-rack claims divided down, with unstated sparsity and precision
    /// bases (e.g. MI455X 40 PF FP4 dense or sparse, Rubin Ultra per-package rates).
    pub const ROADMAP_BAND: UncertaintyBand = UncertaintyBand { performance_fraction: 0.30, price_fraction: 0.30 };

    /// The relative uncertainty band a sweep should apply to this entry's performance figures
    /// and prices (constants above; our estimates, documented there).
    pub const fn uncertainty(self) -> UncertaintyBand {
        match self {
            Availability::Shipping => Self::SHIPPING_BAND,
            Availability::Announced => Self::ANNOUNCED_BAND,
            Availability::Roadmap => Self::ROADMAP_BAND,
        }
    }

    /// The word used in catalog files and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Shipping => "shipping",
            Availability::Announced => "announced",
            Availability::Roadmap => "roadmap",
        }
    }
}

impl std::fmt::Display for Availability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Accelerator {
    /// Dense peak in TFLOPS (or TOPS for int8) at `precision`, or `None` if the chip has no
    /// units for it. FP16 falls back to BF16; w4a16 computes in 16-bit.
    pub fn dense_tflops(&self, precision: Precision) -> Option<f64> {
        match precision {
            Precision::Bf16 | Precision::W4a16 => Some(self.bf16_dense_tflops),
            Precision::Fp16 => Some(self.fp16_dense_tflops.unwrap_or(self.bf16_dense_tflops)),
            Precision::Fp8 => self.fp8_dense_tflops,
            Precision::Int8 => self.int8_dense_tops,
            Precision::Fp4 => self.fp4_dense_tflops,
        }
    }

    /// Whether the chip can be bought, leased or held in `quarter` (on or after `available`).
    pub fn available_in(&self, quarter: Quarter) -> bool {
        quarter >= self.available
    }

    /// Mid-point unit price in USD, if any price is known.
    pub fn price_usd_mid(&self) -> Option<f64> {
        match (self.price_usd_low, self.price_usd_high) {
            (Some(l), Some(h)) => Some((l + h) / 2.0),
            (Some(p), None) | (None, Some(p)) => Some(p),
            (None, None) => None,
        }
    }

    /// The sustained share of the peak clock under a full GEMM load (1 when not given).
    pub fn clock_fraction(&self) -> f64 {
        self.sustained_clock_fraction.unwrap_or(1.0)
    }

    /// Total DRAM bandwidth in GB/s (the Jan-2026 licence-policy test uses this unit).
    pub fn mem_bw_gbps(&self) -> f64 {
        self.mem_bw_tbps * 1000.0
    }

    pub(crate) fn problems(&self, catalog: &Catalog) -> Vec<String> {
        let mut p = Vec::new();
        let k = "accelerator";
        let id = self.id.as_str();
        check_positive(&mut p, k, id, "bf16_dense_tflops", self.bf16_dense_tflops);
        check_positive_opt(&mut p, k, id, "fp16_dense_tflops", self.fp16_dense_tflops);
        check_positive_opt(&mut p, k, id, "fp8_dense_tflops", self.fp8_dense_tflops);
        check_positive_opt(&mut p, k, id, "int8_dense_tops", self.int8_dense_tops);
        check_positive_opt(&mut p, k, id, "fp4_dense_tflops", self.fp4_dense_tflops);
        check_positive(&mut p, k, id, "mem_gb", self.mem_gb);
        check_positive(&mut p, k, id, "mem_bw_tbps", self.mem_bw_tbps);
        check_positive(&mut p, k, id, "scaleup_bw_gbps", self.scaleup_bw_gbps);
        check_positive(&mut p, k, id, "scaleout_nic_gbps", self.scaleout_nic_gbps);
        check_positive(&mut p, k, id, "tdp_w", self.tdp_w);
        check_positive_opt(&mut p, k, id, "die_area_mm2", self.die_area_mm2);
        check_positive_opt(&mut p, k, id, "price_usd_low", self.price_usd_low);
        check_positive_opt(&mut p, k, id, "price_usd_high", self.price_usd_high);
        if let Some(f) = self.sustained_clock_fraction
            && !(f.is_finite() && f > 0.0 && f <= 1.0)
        {
            p.push(format!("accelerator `{id}`: sustained_clock_fraction {f} must be in (0, 1]"));
        }
        if let Some(d) = self.ici_torus_dims
            && !(1..=3).contains(&d)
        {
            p.push(format!("accelerator `{id}`: ici_torus_dims {d} must be 1, 2 or 3"));
        }
        if self.scaleup_domain == 0 {
            p.push(format!("accelerator `{id}`: `scaleup_domain` must be at least 1"));
        }
        if let (Some(l), Some(h)) = (self.price_usd_low, self.price_usd_high)
            && l > h
        {
            p.push(format!("accelerator `{id}`: price_usd_low {l} exceeds price_usd_high {h}"));
        }
        if self.origin_country.len() != 2 || !self.origin_country.chars().all(|c| c.is_ascii_uppercase()) {
            p.push(format!(
                "accelerator `{id}`: origin_country `{}` must be an ISO alpha-2 code like US or CN",
                self.origin_country
            ));
        }
        if self.available.year < 2018 {
            p.push(format!("accelerator `{id}`: `available` {} is before 2018Q1", self.available));
        }
        if catalog.perf_family(&self.perf_family).is_err() && !catalog.perf_families.is_empty() {
            p.push(format!("accelerator `{id}`: unknown perf_family `{}`", self.perf_family));
        }
        p
    }
}

#[cfg(test)]
mod clock_and_torus_checks {
    use crate::catalog::Catalog;

    #[test]
    fn sustained_clock_fraction_and_torus_dims_are_checked() {
        let catalog = Catalog::builtin().unwrap();
        let mut chip = catalog.accelerator("mi300x").unwrap().clone();
        assert!(chip.problems(&catalog).is_empty(), "{:?}", chip.problems(&catalog));
        for bad in [0.0, -0.1, 1.2, f64::NAN, f64::INFINITY] {
            chip.sustained_clock_fraction = Some(bad);
            assert!(chip.problems(&catalog).iter().any(|p| p.contains("sustained_clock_fraction")), "{bad}");
        }
        chip.sustained_clock_fraction = Some(1.0);
        chip.ici_torus_dims = Some(4);
        assert_eq!(chip.problems(&catalog).len(), 1, "{:?}", chip.problems(&catalog));
        chip.ici_torus_dims = Some(3);
        assert!(chip.problems(&catalog).is_empty());
        assert_eq!(chip.clock_fraction(), 1.0);
    }
}
