//! Probability distributions of uncertain inputs and their inverse CDFs (quantiles).
//!
//! Every distribution is sampled through its quantile function, so Latin hypercube strata and
//! rank correlations (which act on uniform scores) work the same for all of them. The standard
//! normal quantile is Wichura's AS 241 (PPND16), accurate to about 1e-16 relative.

use serde::Serialize;

/// Smallest and largest probability a quantile is taken at (keeps normal tails finite).
pub const U_MIN: f64 = 1e-12;

/// z-score of the 90th percentile of the standard normal: an 80 % central interval is
/// median ± 1.2816 σ (used to turn 80 % bands into σ).
pub const Z80: f64 = 1.281_551_565_544_600_4;

/// A probability distribution of one uncertain input.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// Normal with `mean` and standard deviation `sd` (≥ 0), in the input's unit.
    Normal {
        /// Mean, in the input's unit.
        mean: f64,
        /// Standard deviation, in the input's unit (≥ 0).
        sd: f64,
    },
    /// Log-normal: `ln(x)` is normal with mean `ln(median)` and standard deviation `sigma`.
    LogNormal {
        /// Median, in the input's unit (> 0).
        median: f64,
        /// Standard deviation of `ln(x)` (≥ 0; 0.2 ≈ ±20 % at one σ).
        sigma: f64,
    },
    /// Triangular on `low ≤ mode ≤ high`.
    Triangular {
        /// Smallest value.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        high: f64,
    },
    /// Uniform on `low ≤ x ≤ high`.
    Uniform {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
    },
    /// 1.0 with probability p, else 0.0 (policy switches).
    Bernoulli {
        /// Probability of 1.0, 0–1.
        p: f64,
    },
}

impl Distribution {
    /// Inverse CDF at u in (0, 1) (u is clamped to [1e-12, 1-1e-12]); finite for valid parameters.
    pub fn quantile(&self, u: f64) -> f64 {
        let u = if u.is_nan() { 0.5 } else { u.clamp(U_MIN, 1.0 - U_MIN) };
        match *self {
            Distribution::Normal { mean, sd } => mean + sd * normal_quantile(u),
            Distribution::LogNormal { median, sigma } => median * (sigma * normal_quantile(u)).exp(),
            Distribution::Triangular { low, mode, high } => {
                let width = high - low;
                if width <= 0.0 {
                    return low;
                }
                let split = (mode - low) / width;
                if u < split {
                    low + (u * width * (mode - low)).sqrt()
                } else {
                    high - ((1.0 - u) * width * (high - mode)).sqrt()
                }
            }
            Distribution::Uniform { low, high } => low + u * (high - low),
            // P(1) = p: the top p of the probability mass maps to 1.
            Distribution::Bernoulli { p } => {
                if u > 1.0 - p {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The median (the value at u = 0.5).
    pub fn median(&self) -> f64 {
        match *self {
            Distribution::Normal { mean, .. } => mean,
            Distribution::LogNormal { median, .. } => median,
            Distribution::Bernoulli { p } => {
                if p > 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            _ => self.quantile(0.5),
        }
    }

    /// The same distribution with its spread multiplied by `factor` around its median.
    /// Normal: sd × factor; log-normal: sigma × factor; triangular and uniform: the bounds move
    /// away from (factor > 1) or towards the median, the mode keeps its distance ratio; Bernoulli:
    /// the probability moves from its nearer certainty (0 or 1) by `factor`, clamped to 0–1.
    /// A negative or non-finite factor is treated as 0 (no spread).
    pub fn widened(&self, factor: f64) -> Distribution {
        let f = if factor.is_finite() { factor.max(0.0) } else { 0.0 };
        let m = self.median();
        let stretch = |x: f64| m + (x - m) * f;
        match *self {
            Distribution::Normal { mean, sd } => Distribution::Normal { mean, sd: sd * f },
            Distribution::LogNormal { median, sigma } => Distribution::LogNormal { median, sigma: sigma * f },
            Distribution::Triangular { low, mode, high } => {
                Distribution::Triangular { low: stretch(low), mode: stretch(mode), high: stretch(high) }
            }
            Distribution::Uniform { low, high } => Distribution::Uniform { low: stretch(low), high: stretch(high) },
            Distribution::Bernoulli { p } => {
                let p = if p > 0.5 { 1.0 - (1.0 - p) * f } else { p * f };
                Distribution::Bernoulli { p: p.clamp(0.0, 1.0) }
            }
        }
    }

    /// Smallest and largest value the distribution can produce at u in [1e-12, 1 − 1e-12]
    /// (what a sample can reach; the normal and log-normal tails at about ±7 σ).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Bernoulli { p } => {
                let low = if p >= 1.0 { 1.0 } else { 0.0 };
                let high = if p <= 0.0 { 0.0 } else { 1.0 };
                (low, high)
            }
            _ => (self.quantile(0.0), self.quantile(1.0)),
        }
    }

    /// Short name as written in scenario files (`normal`, `lognormal`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Uniform { .. } => "uniform",
            Distribution::Bernoulli { .. } => "bernoulli",
        }
    }

    /// What is wrong with the parameters, if anything (non-finite, negative spread, a log-normal
    /// median ≤ 0, triangle bounds out of order, p outside 0–1).
    pub fn parameter_problem(&self) -> Option<String> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            Distribution::Normal { mean, sd } if !finite(&[mean, sd]) => {
                Some("mean and sd must be finite numbers".into())
            }
            Distribution::Normal { sd, .. } if sd < 0.0 => Some(format!("sd must be ≥ 0, got {sd}")),
            Distribution::LogNormal { median, sigma } if !finite(&[median, sigma]) => {
                Some("median and sigma must be finite numbers".into())
            }
            Distribution::LogNormal { median, .. } if median <= 0.0 => {
                Some(format!("a log-normal median must be > 0, got {median}"))
            }
            Distribution::LogNormal { sigma, .. } if !(0.0..=5.0).contains(&sigma) => {
                Some(format!("sigma must be between 0 and 5 (the spread of ln x), got {sigma}"))
            }
            Distribution::Triangular { low, mode, high } if !finite(&[low, mode, high]) => {
                Some("low, mode and high must be finite numbers".into())
            }
            Distribution::Triangular { low, mode, high } if !(low <= mode && mode <= high) => {
                Some(format!("need low ≤ mode ≤ high, got low = {low}, mode = {mode}, high = {high}"))
            }
            Distribution::Uniform { low, high } if !finite(&[low, high]) => {
                Some("low and high must be finite numbers".into())
            }
            Distribution::Uniform { low, high } if low > high => {
                Some(format!("need low ≤ high, got low = {low}, high = {high}"))
            }
            Distribution::Bernoulli { p } if !(p.is_finite() && (0.0..=1.0).contains(&p)) => {
                Some(format!("p must be a probability between 0 and 1, got {p}"))
            }
            _ => None,
        }
    }
}

/// Quantile of the standard normal at `p` in (0, 1): Wichura's algorithm AS 241 (PPND16),
/// relative error about 1e-16. `p` outside (0, 1) gives ±infinity (callers clamp first).
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    if r <= 0.0 {
        return if q < 0.0 { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    let r = (-r.ln()).sqrt();
    let value = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -value } else { value }
}

/// Polynomial with coefficients from the constant term up, at `x` (Horner).
fn poly(coefficients: &[f64; 8], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, c| acc * x + c)
}

#[allow(clippy::excessive_precision)] // AS 241's published coefficients, as printed
const A: [f64; 8] = [
    3.387_132_872_796_366_5,
    133.141_667_891_784_38,
    1_971.590_950_306_551_3,
    13_731.693_765_509_461,
    45_921.953_931_549_87,
    67_265.770_927_008_7,
    33_430.575_583_588_13,
    2_509.080_928_730_122_7,
];
#[allow(clippy::excessive_precision)] // AS 241's published coefficients, as printed
const B: [f64; 8] = [
    1.0,
    42.313_330_701_600_91,
    687.187_007_492_057_9,
    5_394.196_021_424_751,
    21_213.794_301_586_597,
    39_307.895_800_092_71,
    28_729.085_735_721_943,
    5_226.495_278_852_545,
];
#[allow(clippy::excessive_precision)] // AS 241's published coefficients, as printed
const C: [f64; 8] = [
    1.423_437_110_749_683_5,
    4.630_337_846_156_546,
    5.769_497_221_460_691,
    3.647_848_324_763_204_5,
    1.270_458_252_452_368_4,
    0.241_780_725_177_450_6,
    0.022_723_844_989_269_184,
    0.000_774_545_014_278_341_4,
];
#[allow(clippy::excessive_precision)] // AS 241's published coefficients, as printed
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_759,
    1.676_384_830_183_803_8,
    0.689_767_334_985_100_1,
    0.148_103_976_427_480_08,
    0.015_198_666_563_616_457,
    0.000_547_593_808_499_534_5,
    1.050_750_071_644_416_9e-9,
];
#[allow(clippy::excessive_precision)] // AS 241's published coefficients, as printed
const E: [f64; 8] = [
    6.657_904_643_501_103,
    5.463_784_911_164_114,
    1.784_826_539_917_291_3,
    0.296_560_571_828_504_9,
    0.026_532_189_526_576_124,
    0.001_242_660_947_388_078_4,
    2.711_555_568_743_487_6e-5,
    2.010_334_399_292_288_1e-7,
];
#[allow(clippy::excessive_precision)] // AS 241's published coefficients, as printed
const F: [f64; 8] = [
    1.0,
    0.599_832_206_555_888,
    0.136_929_880_922_735_8,
    0.014_875_361_290_850_615,
    0.000_786_869_131_145_613_3,
    1.846_318_317_510_054_8e-5,
    1.421_511_758_316_446e-7,
    2.044_263_103_389_939_7e-15,
];
