//! Drawing samples: Latin hypercube uniform scores per input, rank correlations by Iman–Conover,
//! values by each distribution's quantile function.
//!
//! **Determinism.** Every input's column comes from its own SplitMix64 stream, seeded from the
//! sweep seed and a hash of the input's path (so adding an input leaves the others' draws
//! unchanged); nothing depends on threads or global state. SplitMix64 (Steele, Lea & Flood 2014)
//! is written out here so the streams never change with a dependency's version.
//!
//! **Latin hypercube.** Column `j` holds `(π_j(i) + U_i) / n` for a random permutation `π_j` and
//! uniform jitter `U_i`: each of the `n` equal-probability strata is hit exactly once, so
//! percentiles converge faster than with plain Monte Carlo.
//!
//! **Iman–Conover (1982).** For the inputs named in correlations: van der Waerden scores
//! `Φ⁻¹(i / (n + 1))`, independently permuted per column, are given the target correlation by
//! `S · (Q⁻¹)ᵀ · Pᵀ` (`P Pᵀ` = target, `Q Qᵀ` = the scores' own sample correlation, both
//! Cholesky factors); each input's uniform scores are then reordered to the ranks of its
//! column. Only ranks move, so every input keeps its marginal distribution exactly. The target
//! Spearman ρ is turned into the Pearson correlation of normal scores first
//! (`2 sin(π ρ / 6)`), so the rank correlation of the draws matches ρ, not only approximately.

use super::distribution::normal_quantile;

/// A SplitMix64 generator.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream for `seed` and a `stream` key.
    pub(crate) fn new(seed: u64, stream: u64) -> SplitMix64 {
        let mut s = SplitMix64(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        s.next_u64();
        s
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform index in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// A random permutation of 0..n (Fisher–Yates).
    fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            p.swap(i, self.below(i + 1));
        }
        p
    }
}

/// FNV-1a hash of a path: the stream key of its column.
pub(crate) fn path_key(path: &str) -> u64 {
    path.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// `n` Latin hypercube uniform scores in (0, 1) from `rng`.
pub(crate) fn latin_hypercube(rng: &mut SplitMix64, n: usize) -> Vec<f64> {
    let perm = rng.permutation(n);
    perm.into_iter().map(|stratum| (stratum as f64 + rng.next_f64().max(1e-9)) / n as f64).collect()
}

/// Lower Cholesky factor of a symmetric positive semi-definite matrix (row-major, `k × k`);
/// `None` when it is not positive semi-definite (a pivot below −1e-9). Zero pivots (perfect
/// correlations) give a zero column.
pub(crate) fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = a.len();
    let mut l = vec![vec![0.0; k]; k];
    for j in 0..k {
        let d = a[j][j] - (0..j).map(|m| l[j][m] * l[j][m]).sum::<f64>();
        if d < -1e-9 {
            return None;
        }
        let pivot = d.max(0.0).sqrt();
        l[j][j] = pivot;
        for i in j + 1..k {
            let s = a[i][j] - (0..j).map(|m| l[i][m] * l[j][m]).sum::<f64>();
            if pivot > 1e-7 {
                l[i][j] = s / pivot;
            } else if s.abs() > 1e-6 {
                return None;
            }
        }
    }
    Some(l)
}

/// Pearson correlation of normal scores that gives Spearman `rho` (`2 sin(π ρ / 6)`).
pub(crate) fn pearson_for_spearman(rho: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho / 6.0).sin()
}

/// The target correlation matrix of normal scores over `k` inputs from (a, b, Spearman ρ)
/// pairs; `None` when it is not positive semi-definite.
pub(crate) fn target_factor(k: usize, pairs: &[(usize, usize, f64)]) -> Option<Vec<Vec<f64>>> {
    let mut c = vec![vec![0.0; k]; k];
    for (i, row) in c.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for &(a, b, rho) in pairs {
        let r = pearson_for_spearman(rho);
        c[a][b] = r;
        c[b][a] = r;
    }
    cholesky(&c)
}

fn correlation(columns: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = columns.len();
    let n = columns.first().map_or(0, Vec::len) as f64;
    let centred: Vec<Vec<f64>> = columns
        .iter()
        .map(|c| {
            let mean = c.iter().sum::<f64>() / n;
            c.iter().map(|x| x - mean).collect()
        })
        .collect();
    let norms: Vec<f64> = centred.iter().map(|c| c.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-300)).collect();
    let mut r = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..k {
            r[i][j] = centred[i].iter().zip(&centred[j]).map(|(x, y)| x * y).sum::<f64>() / (norms[i] * norms[j]);
        }
    }
    r
}

/// Solve `L x = b` for lower-triangular `L` (zero pivots give 0).
fn forward(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; b.len()];
    for i in 0..b.len() {
        let s = b[i] - (0..i).map(|m| l[i][m] * x[m]).sum::<f64>();
        x[i] = if l[i][i].abs() > 1e-12 { s / l[i][i] } else { 0.0 };
    }
    x
}

/// Reorder the uniform columns `u` (one per correlated input) so their ranks carry the target
/// correlation whose Cholesky factor is `p` (Iman–Conover). `rng` permutes the scores.
pub(crate) fn iman_conover(u: &mut [Vec<f64>], p: &[Vec<f64>], rng: &mut SplitMix64) {
    let k = u.len();
    let n = u.first().map_or(0, Vec::len);
    if k < 2 || n < 3 {
        return;
    }
    let base: Vec<f64> = (1..=n).map(|i| normal_quantile(i as f64 / (n as f64 + 1.0))).collect();
    let scores: Vec<Vec<f64>> = (0..k).map(|_| rng.permutation(n).into_iter().map(|i| base[i]).collect()).collect();
    let q = cholesky(&correlation(&scores)).unwrap_or_else(|| identity(k));
    // Row by row: z = Q⁻¹ s (decorrelate), then t = P z (impose the target).
    let mut target = vec![vec![0.0; n]; k];
    for row in 0..n {
        let s: Vec<f64> = (0..k).map(|c| scores[c][row]).collect();
        let z = forward(&q, &s);
        for c in 0..k {
            target[c][row] = (0..=c).map(|m| p[c][m] * z[m]).sum();
        }
    }
    for (column, t) in u.iter_mut().zip(&target) {
        let mut sorted = column.clone();
        sorted.sort_by(f64::total_cmp);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| t[a].total_cmp(&t[b]).then(a.cmp(&b)));
        for (rank, &row) in order.iter().enumerate() {
            column[row] = sorted[rank];
        }
    }
}

fn identity(k: usize) -> Vec<Vec<f64>> {
    (0..k).map(|i| (0..k).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect()
}

/// Ranks (0-based, ties by position) of `x`.
#[cfg(test)]
pub(crate) fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut r = vec![0.0; x.len()];
    for (rank, &i) in order.iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

/// Spearman rank correlation of two columns.
#[cfg(test)]
pub(crate) fn spearman(a: &[f64], b: &[f64]) -> f64 {
    correlation(&[ranks(a), ranks(b)])[0][1]
}
