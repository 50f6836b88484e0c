//! Order statistics and rank correlation of sample columns: deterministic (sorted with
//! `total_cmp`, summed in index order), so the same samples give the same bits on any thread
//! count.

use serde::Serialize;

/// p5, p50, p95 and mean of one output over the samples that have it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// 5th percentile (linear interpolation between order statistics).
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Samples that have the output (an output can be undefined in a sample, e.g. a cost per
    /// token where nothing is served).
    pub samples: usize,
}

impl Spread {
    /// The spread of `values` (finite values only; `None` when none is finite).
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
        Some(Spread {
            p5: quantile_sorted(&sorted, 0.05),
            p50: quantile_sorted(&sorted, 0.5),
            p95: quantile_sorted(&sorted, 0.95),
            // Summation error cannot put the mean outside the range.
            mean: mean.clamp(sorted[0], sorted[sorted.len() - 1]),
            samples: sorted.len(),
        })
    }

    /// p95 − p5.
    pub fn width(&self) -> f64 {
        self.p95 - self.p5
    }
}

/// Quantile `q` (0–1) of ascending `sorted` values by linear interpolation between order
/// statistics (Hyndman–Fan type 7, the default of R and NumPy); monotone in `q`.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let t = h - lo as f64;
            // Written as a convex combination so that equal neighbours give exactly that value.
            (sorted[lo] * (1.0 - t) + sorted[hi] * t).clamp(sorted[lo], sorted[hi])
        }
    }
}

/// Ranks of `values` (1-based; ties get their average rank), for Spearman's correlation.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let average = (start + end + 1) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = average;
        }
        start = end;
    }
    ranks
}

/// Pearson correlation of two equally long columns; `None` when either is constant (or there
/// are fewer than 3 values), where a correlation is undefined.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    let mean_x = x[..n].iter().sum::<f64>() / n as f64;
    let mean_y = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let denominator = (sxx * syy).sqrt();
    (denominator > 0.0 && denominator.is_finite()).then(|| (sxy / denominator).clamp(-1.0, 1.0))
}

/// Spearman's rank correlation of two columns (Pearson's on their ranks, ties averaged).
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&sorted, 0.5), 3.0);
        assert_eq!(quantile_sorted(&sorted, 0.0), 1.0);
        assert_eq!(quantile_sorted(&sorted, 1.0), 5.0);
        assert!((quantile_sorted(&sorted, 0.05) - 1.2).abs() < 1e-12);
        let spread = Spread::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((spread.p50, spread.mean, spread.samples), (3.0, 3.0, 5));
        assert!(spread.p5 <= spread.p50 && spread.p50 <= spread.p95);
    }

    #[test]
    fn constant_columns_have_no_correlation_and_ties_share_ranks() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0]), vec![1.5, 3.0, 1.5]);
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 4.0, 9.0, 16.0]), Some(1.0));
        let anti = spearman(&[1.0, 2.0, 3.0, 4.0], &[8.0, 4.0, 2.0, 1.0]).unwrap();
        assert!((anti + 1.0).abs() < 1e-12);
    }

    #[test]
    fn no_finite_value_has_no_spread() {
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[f64::NAN]), None);
    }
}
