//! Streaming latency histogram: log-linear buckets over the bit pattern of an `f64`, fixed
//! memory whatever the number of samples, relative error of a reported percentile ≤ 0.4 %.
//!
//! A positive `f64`'s bits are monotonic in its value; the top `12 + SUB_BITS` bits select an
//! octave and one of `2^SUB_BITS` equal slices of it (HDR-histogram style, no logarithm needed).

use serde::Serialize;

/// Slices per octave, as a power of two (128 → bucket width 0.78 % of the value).
const SUB_BITS: u32 = 7;
/// Smallest resolved value, seconds (2⁻³⁰ ≈ 0.93 ns); smaller values count in the first bucket.
const MIN_EXP: i32 = -30;
/// Octaves covered: up to 2³⁴ s (about 540 years); larger values count in the last bucket.
const OCTAVES: usize = 64;
const BUCKETS: usize = OCTAVES << SUB_BITS;
const SHIFT: u32 = 52 - SUB_BITS;

fn base_index() -> u64 {
    (2f64.powi(MIN_EXP)).to_bits() >> SHIFT
}

/// Histogram of non-negative values (seconds), with exact count, sum, min and max.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

/// Percentile summary of a histogram, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Percentiles {
    /// Samples.
    pub count: u64,
    /// Mean, s.
    pub mean_s: f64,
    /// Median, s.
    pub p50_s: f64,
    /// 90th percentile, s.
    pub p90_s: f64,
    /// 99th percentile, s.
    pub p99_s: f64,
    /// 99.9th percentile, s.
    pub p999_s: f64,
    /// Largest sample, s.
    pub max_s: f64,
}

impl Histogram {
    /// Empty histogram (64 KiB of buckets).
    pub fn new() -> Self {
        Histogram { counts: vec![0; BUCKETS], count: 0, sum: 0.0, min: f64::INFINITY, max: 0.0 }
    }

    #[inline]
    fn index(v: f64) -> usize {
        let b = v.to_bits() >> SHIFT;
        let base = base_index();
        if v.is_nan() || b < base { 0 } else { ((b - base) as usize).min(BUCKETS - 1) }
    }

    /// Value at the middle of bucket `i`.
    fn mid(i: usize) -> f64 {
        let lo = f64::from_bits((base_index() + i as u64) << SHIFT);
        let hi = f64::from_bits((base_index() + i as u64 + 1) << SHIFT);
        0.5 * (lo + hi)
    }

    /// Record one value (negative and NaN values count as 0).
    #[inline]
    pub fn record(&mut self, v: f64) {
        let v = if v.is_nan() || v < 0.0 { 0.0 } else { v };
        self.counts[Self::index(v)] += 1;
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Add another histogram's samples.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Raw state (bucket counts, count, sum, min, max), to move a histogram between processes
    /// (Python `fleetplan.distributed`); [`Histogram::from_parts`] rebuilds it exactly.
    pub fn parts(&self) -> (&[u64], u64, f64, f64, f64) {
        (&self.counts, self.count, self.sum, self.min, self.max)
    }

    /// A histogram from [`Histogram::parts`]; None when `counts` is not this layout's length.
    pub fn from_parts(counts: Vec<u64>, count: u64, sum: f64, min: f64, max: f64) -> Option<Histogram> {
        (counts.len() == BUCKETS).then_some(Histogram { counts, count, sum, min, max })
    }

    /// Sum of the samples.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// Mean (0 when empty).
    pub fn mean(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum / self.count as f64 }
    }

    /// Largest sample (0 when empty).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The `q`-quantile (`q` in 0–1): the sample of rank `ceil(q·n)`, reported as its bucket's
    /// midpoint clamped to the observed [min, max]. 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                // The first bucket also holds everything below the resolved range.
                return if i == 0 { self.min } else { Self::mid(i).clamp(self.min, self.max) };
            }
        }
        self.max
    }

    /// Mean, p50, p90, p99, p99.9 and max.
    pub fn percentiles(&self) -> Percentiles {
        Percentiles {
            count: self.count,
            mean_s: self.mean(),
            p50_s: self.quantile(0.5),
            p90_s: self.quantile(0.9),
            p99_s: self.quantile(0.99),
            p999_s: self.quantile(0.999),
            max_s: self.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn exact(sorted: &[f64], q: f64) -> f64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
        sorted[rank - 1]
    }

    #[test]
    fn percentiles_match_exact_sort_within_half_a_percent() {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut h = Histogram::new();
        let mut v = Vec::new();
        for _ in 0..200_000 {
            // Log-uniform over 1 µs .. 100 s.
            let x = 10f64.powf(rng.random::<f64>() * 8.0 - 6.0);
            h.record(x);
            v.push(x);
        }
        v.sort_by(f64::total_cmp);
        for q in [0.01, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let (a, b) = (h.quantile(q), exact(&v, q));
            assert!((a / b - 1.0).abs() < 0.004, "q {q}: histogram {a} exact {b}");
        }
        assert_eq!(h.count(), 200_000);
        assert!((h.mean() - v.iter().sum::<f64>() / v.len() as f64).abs() < 1e-9);
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        let mut all = Histogram::new();
        for i in 1..1000 {
            let x = f64::from(i) * 1e-3;
            if i % 3 == 0 {
                a.record(x)
            } else {
                b.record(x)
            }
            all.record(x);
        }
        a.merge(&b);
        assert_eq!(a.quantile(0.99), all.quantile(0.99));
        assert_eq!(a.count(), all.count());
    }

    #[test]
    fn extremes_and_empty_are_finite() {
        let mut h = Histogram::new();
        assert_eq!(h.quantile(0.5), 0.0);
        h.record(0.0);
        h.record(f64::NAN);
        h.record(1e30);
        assert!(h.quantile(1.0).is_finite());
        assert_eq!(h.quantile(0.1), 0.0);
    }
}
