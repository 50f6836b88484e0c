//! Request arrivals: a Poisson process with a piecewise-constant rate (diurnal profile, daily
//! growth, bursts) sampled exactly by inversion, or a replayed trace; prompt and output lengths
//! from fixed, lognormal or empirical distributions.

use fleetplan_core::diagnostic::Diagnostic;
use fleetplan_models::infer::burst::normal_cdf;
use rand::Rng;
use rand::rngs::SmallRng;
use serde::Serialize;

/// Seconds in a day.
const DAY_S: f64 = 86_400.0;
/// Seconds in an hour.
const HOUR_S: f64 = 3_600.0;

/// Why a rate profile is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    /// Not 24 weights, or a weight negative or not finite.
    #[error("a diurnal profile needs 24 non-negative weights, got {count}")]
    DiurnalWeights {
        /// Weights given.
        count: usize,
    },
    /// Every diurnal weight is zero.
    #[error("diurnal weights are all zero")]
    DiurnalAllZero,
    /// The mean rate is not a positive number, requests/s.
    #[error("arrival rate must be a positive number of requests/s, got {0}")]
    MeanRate(f64),
    /// Daily growth at or below −100 %, or not finite (fraction).
    #[error("daily growth must be > -1, got {0}")]
    Growth(f64),
    /// A burst with a start that is not finite, or a duration or multiplier that is not positive.
    #[error("burst needs a finite start, positive duration and multiplier, got {0:?}")]
    Burst(Burst),
}

/// Why a length distribution is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LengthError {
    /// Empirical pairs empty, with a zero token count, a negative weight or no positive total.
    #[error("an empirical length distribution needs token counts ≥ 1 with non-negative weights")]
    Empirical,
    /// A fixed length of zero tokens.
    #[error("token count must be ≥ 1")]
    ZeroTokens,
    /// Lognormal parameters out of range.
    #[error("lognormal lengths need mean ≥ 1, sigma ≥ 0, max ≥ 1 (got {mean}, {sigma}, {max})")]
    LogNormal {
        /// Mean tokens.
        mean: f64,
        /// Log-space standard deviation.
        sigma: f64,
        /// Largest value.
        max: u32,
    },
    /// The cut at the longest length lowers the realised mean too far below the stated one.
    #[error(
        "lognormal lengths with sigma {sigma} cut at {max} tokens average {realised_mean:.0} tokens, not the {mean} asked \
         for (more than {} % below): give a sigma of at most {sigma_max:.2} or a longer longest length",
        MAX_MEAN_SHORTFALL * 100.0
    )]
    MeanNotHeld {
        /// Mean tokens asked for.
        mean: f64,
        /// Log-space standard deviation.
        sigma: f64,
        /// Largest value.
        max: u32,
        /// Mean after the cut, tokens.
        realised_mean: f64,
        /// Largest sigma whose cut mean stays within [`MAX_MEAN_SHORTFALL`].
        sigma_max: f64,
    },
}

/// Largest relative shortfall of a cut lognormal's realised mean below its stated mean (5 %):
/// beyond it a length setting would not simulate the lengths the user asked for.
pub const MAX_MEAN_SHORTFALL: f64 = 0.05;

/// Mean of a lognormal of mean `mean` and log-space sd `sigma` cut at `max` (values above
/// become `max`): E[min(X, c)] = m·Φ((ln c − μ − σ²)/σ) + c·(1 − Φ((ln c − μ)/σ)).
pub fn cut_lognormal_mean(mean: f64, sigma: f64, max: f64) -> f64 {
    if sigma <= 0.0 {
        return mean.min(max);
    }
    let mu = mean.ln() - sigma * sigma / 2.0;
    let c = max.ln();
    mean * normal_cdf((c - mu - sigma * sigma) / sigma) + max * (1.0 - normal_cdf((c - mu) / sigma))
}

/// A window in which the arrival rate is multiplied.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Burst {
    /// Start, seconds after the simulation start.
    pub start_s: f64,
    /// Length, s.
    pub duration_s: f64,
    /// Rate multiplier inside the window (> 0).
    pub multiplier: f64,
}

/// Time-varying Poisson rate: `mean_qps × diurnal[hour] × (1 + growth_per_day)^day × bursts`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateProfile {
    /// Mean arrival rate over a day at the start, requests/s.
    pub mean_qps: f64,
    /// 24 hourly weights, normalised here to mean 1 (None = flat).
    pub diurnal: Option<[f64; 24]>,
    /// Hour of day at simulation time 0 (0–23).
    pub start_hour: u32,
    /// Compound growth of the rate per day, fraction (applied in daily steps).
    pub growth_per_day: f64,
    /// Bursts.
    pub bursts: Vec<Burst>,
}

impl RateProfile {
    /// Constant rate `qps`.
    pub fn constant(qps: f64) -> Self {
        RateProfile { mean_qps: qps, diurnal: None, start_hour: 0, growth_per_day: 0.0, bursts: Vec::new() }
    }

    /// Set a diurnal profile from any 24 non-negative weights (rescaled to mean 1).
    pub fn with_diurnal(mut self, weights: &[f64]) -> Result<Self, RateError> {
        if weights.len() != 24 || weights.iter().any(|weight| !weight.is_finite() || *weight < 0.0) {
            return Err(RateError::DiurnalWeights { count: weights.len() });
        }
        let mean = weights.iter().sum::<f64>() / 24.0;
        if mean <= 0.0 {
            return Err(RateError::DiurnalAllZero);
        }
        let mut normalised = [0.0; 24];
        for (hourly, weight) in normalised.iter_mut().zip(weights) {
            *hourly = weight / mean;
        }
        self.diurnal = Some(normalised);
        Ok(self)
    }

    /// Rate at time `t`, requests/s.
    pub fn rate(&self, t: f64) -> f64 {
        let mut r = self.mean_qps;
        if let Some(d) = &self.diurnal {
            r *= d[((t / HOUR_S).floor() as u64 + u64::from(self.start_hour)) as usize % 24];
        }
        if self.growth_per_day != 0.0 {
            r *= (1.0 + self.growth_per_day).powf((t / DAY_S).floor());
        }
        for b in &self.bursts {
            if t >= b.start_s && t < b.start_s + b.duration_s {
                r *= b.multiplier;
            }
        }
        r
    }

    /// Next time after `t` at which the rate may change (infinity when constant).
    fn next_change(&self, t: f64) -> f64 {
        let mut n = f64::INFINITY;
        if self.diurnal.is_some() {
            n = n.min(((t / HOUR_S).floor() + 1.0) * HOUR_S);
        }
        if self.growth_per_day != 0.0 {
            n = n.min(((t / DAY_S).floor() + 1.0) * DAY_S);
        }
        for b in &self.bursts {
            for edge in [b.start_s, b.start_s + b.duration_s] {
                if edge > t {
                    n = n.min(edge);
                }
            }
        }
        n
    }

    /// Next arrival after `t`: integrate the rate piece by piece until the cumulative
    /// intensity reaches an Exp(1) draw (exact for a piecewise-constant rate). None when the
    /// rate stays zero for ever.
    pub fn next_arrival(&self, t: f64, rng: &mut SmallRng) -> Option<f64> {
        let mut need = exp1(rng);
        let mut t = t;
        loop {
            let r = self.rate(t);
            let end = self.next_change(t);
            if r > 0.0 && t + need / r <= end {
                return Some(t + need / r);
            }
            if !end.is_finite() {
                return None;
            }
            need -= r * (end - t);
            t = end;
        }
    }

    /// Check the values are usable.
    pub fn check(&self) -> Result<(), RateError> {
        if !(self.mean_qps.is_finite() && self.mean_qps > 0.0) {
            return Err(RateError::MeanRate(self.mean_qps));
        }
        if !(self.growth_per_day.is_finite() && self.growth_per_day > -1.0) {
            return Err(RateError::Growth(self.growth_per_day));
        }
        for burst in &self.bursts {
            if !(burst.start_s.is_finite()
                && burst.duration_s.is_finite()
                && burst.duration_s > 0.0
                && burst.multiplier > 0.0)
            {
                return Err(RateError::Burst(*burst));
            }
        }
        Ok(())
    }
}

/// Exp(1) draw.
#[inline]
pub(crate) fn exp1(rng: &mut SmallRng) -> f64 {
    // 1 − U is in (0, 1], so the logarithm is finite.
    -(1.0 - rng.random::<f64>()).ln()
}

/// Distribution of a token count.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LengthDist {
    /// Always this many tokens.
    Fixed {
        /// Tokens.
        tokens: u32,
    },
    /// Lognormal with the given mean and log-space standard deviation, clamped to `[1, max]`.
    LogNormal {
        /// Mean tokens (before clamping).
        mean: f64,
        /// Standard deviation of ln(tokens).
        sigma: f64,
        /// Largest value returned.
        max: u32,
    },
    /// Values with weights (cumulative weights normalised to 1, ascending).
    Empirical {
        /// Token counts.
        values: Vec<u32>,
        /// Cumulative probabilities, same length as `values`, last = 1.
        cumulative: Vec<f64>,
    },
}

impl LengthDist {
    /// Empirical distribution from (tokens, weight) pairs.
    pub fn empirical(pairs: &[(u32, f64)]) -> Result<Self, LengthError> {
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        if pairs.is_empty() || !(total > 0.0 && total.is_finite()) || pairs.iter().any(|p| p.1 < 0.0 || p.0 == 0) {
            return Err(LengthError::Empirical);
        }
        let mut acc = 0.0;
        let mut cumulative = Vec::with_capacity(pairs.len());
        for p in pairs {
            acc += p.1 / total;
            cumulative.push(acc);
        }
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        Ok(LengthDist::Empirical { values: pairs.iter().map(|p| p.0).collect(), cumulative })
    }

    /// Lengths around a mean: lognormal with log-space standard deviation `sigma` (clamped to
    /// 20 × the mean) when `sigma` is given and positive, else fixed at the mean rounded to whole
    /// tokens (at least 1).
    pub fn from_mean(mean: f64, sigma: Option<f64>) -> Self {
        let tokens = mean.round().clamp(1.0, f64::from(u32::MAX / 32)) as u32;
        match sigma {
            Some(sigma) if sigma > 0.0 => LengthDist::LogNormal { mean, sigma, max: tokens.saturating_mul(20) },
            _ => LengthDist::Fixed { tokens },
        }
    }

    /// Mean token count (exact for fixed and empirical; the unclamped mean for lognormal).
    pub fn mean(&self) -> f64 {
        match self {
            LengthDist::Fixed { tokens } => f64::from(*tokens),
            LengthDist::LogNormal { mean, .. } => *mean,
            LengthDist::Empirical { values, cumulative } => {
                let mut prev = 0.0;
                let mut m = 0.0;
                for (v, c) in values.iter().zip(cumulative) {
                    m += f64::from(*v) * (c - prev);
                    prev = *c;
                }
                m
            }
        }
    }

    /// Largest value the distribution can return.
    pub fn max(&self) -> u32 {
        match self {
            LengthDist::Fixed { tokens } => *tokens,
            LengthDist::LogNormal { max, .. } => *max,
            LengthDist::Empirical { values, .. } => values.iter().copied().max().unwrap_or(1),
        }
    }

    /// Check the values are usable.
    pub fn check(&self) -> Result<(), LengthError> {
        match self {
            LengthDist::Fixed { tokens } if *tokens == 0 => Err(LengthError::ZeroTokens),
            LengthDist::LogNormal { mean, sigma, max } => {
                if !(mean.is_finite() && *mean >= 1.0 && sigma.is_finite() && *sigma >= 0.0 && *max >= 1) {
                    return Err(LengthError::LogNormal { mean: *mean, sigma: *sigma, max: *max });
                }
                let held = |s: f64| cut_lognormal_mean(*mean, s, f64::from(*max)) >= (1.0 - MAX_MEAN_SHORTFALL) * mean;
                if held(*sigma) {
                    return Ok(());
                }
                // Largest sigma that holds the mean: bisection (the cut mean falls as sigma grows).
                let (mut lo, mut hi) = (0.0, *sigma);
                for _ in 0..50 {
                    let mid = (lo + hi) / 2.0;
                    if held(mid) { lo = mid } else { hi = mid }
                }
                let realised_mean = cut_lognormal_mean(*mean, *sigma, f64::from(*max));
                Err(LengthError::MeanNotHeld { mean: *mean, sigma: *sigma, max: *max, realised_mean, sigma_max: lo })
            }
            _ => Ok(()),
        }
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut SmallRng) -> u32 {
        match self {
            LengthDist::Fixed { tokens } => *tokens,
            LengthDist::LogNormal { mean, sigma, max } => {
                let mu = mean.ln() - sigma * sigma / 2.0;
                let x = (mu + sigma * std_normal(rng)).exp();
                (x.round() as u32).clamp(1, *max)
            }
            LengthDist::Empirical { values, cumulative } => {
                let u = rng.random::<f64>();
                let i = cumulative.partition_point(|c| *c <= u).min(values.len() - 1);
                values[i]
            }
        }
    }
}

/// Standard normal draw (Box–Muller, one of the pair).
fn std_normal(rng: &mut SmallRng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// One request of a trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TraceRow {
    /// Arrival time, s.
    pub arrival_s: f64,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
}

/// Parse a trace CSV (`arrival_s,input_tokens,output_tokens` per line; an optional header line;
/// `#` comments and blank lines skipped). Rows are sorted by arrival time (stable). Errors point
/// at the offending field.
pub fn parse_trace(source_name: &str, text: &str) -> Result<Vec<TraceRow>, Vec<Diagnostic>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut offset = 0;
    for (line_index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields = split_fields(start, body);
        if line_index == 0 && fields.first().is_some_and(|field| field.1.trim().parse::<f64>().is_err()) {
            continue; // header
        }
        if fields.len() != 3 {
            errors.push(
                Diagnostic::error(
                    source_name,
                    format!("line {} has {} fields, expected 3", line_index + 1, fields.len()),
                )
                .with_span(Some(start..start + body.len()))
                .with_label("here")
                .with_help("each line is `arrival_s,input_tokens,output_tokens`"),
            );
            continue;
        }
        match parse_row(source_name, line_index + 1, &fields) {
            Ok(row) => rows.push(row),
            Err(field_errors) => errors.extend(field_errors),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::error(source_name, "the trace has no requests"));
    }
    if errors.is_empty() {
        rows.sort_by(|a, b| a.arrival_s.total_cmp(&b.arrival_s));
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The comma-separated fields of a line, each with its byte offset in the whole text.
fn split_fields(line_start: usize, body: &str) -> Vec<(usize, &str)> {
    let mut fields = Vec::new();
    let mut position = 0;
    for field in body.split(',') {
        fields.push((line_start + position, field));
        position += field.len() + 1;
    }
    fields
}

/// Latest arrival a trace row may give, s (10⁹ s, 31 years): beyond it an f64 time loses
/// sub-microsecond precision and the latencies computed from differences would be noise.
pub const MAX_TRACE_ARRIVAL_S: f64 = 1e9;

/// Longest prompt or output a trace row may give, tokens (10⁸, far beyond any model's context).
pub const MAX_TRACE_TOKENS: u32 = 100_000_000;

/// One row from three fields of line `line_number`, or a diagnostic per bad field.
fn parse_row(source_name: &str, line_number: usize, fields: &[(usize, &str)]) -> Result<TraceRow, Vec<Diagnostic>> {
    let bad = |(position, field): (usize, &str), what: &str| {
        Diagnostic::error(source_name, format!("{what} `{}` on line {line_number} is not valid", field.trim()))
            .with_span(Some(position..position + field.len()))
            .with_label(format!("expected {what}"))
            .with_help(format!(
                "arrival times are 0 to {MAX_TRACE_ARRIVAL_S:e} s (beyond, f64 seconds lose the precision latencies need); \
                 token counts are whole numbers from 1 to {MAX_TRACE_TOKENS}"
            ))
    };
    let arrival = fields[0]
        .1
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && (0.0..=MAX_TRACE_ARRIVAL_S).contains(seconds));
    let tokens = |field: &str| field.trim().parse::<u32>().ok().filter(|t| (1..=MAX_TRACE_TOKENS).contains(t));
    let (input, output) = (tokens(fields[1].1), tokens(fields[2].1));
    if let (Some(arrival_s), Some(input_tokens), Some(output_tokens)) = (arrival, input, output) {
        return Ok(TraceRow { arrival_s, input_tokens, output_tokens });
    }
    let mut errors = Vec::new();
    if arrival.is_none() {
        errors.push(bad(fields[0], "an arrival time from 0 to 1e9 seconds"));
    }
    if input.is_none() {
        errors.push(bad(fields[1], "a prompt length from 1 to 100000000 tokens"));
    }
    if output.is_none() {
        errors.push(bad(fields[2], "an output length from 1 to 100000000 tokens"));
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn poisson_rate_follows_the_diurnal_profile() {
        let mut w = [1.0; 24];
        w[1] = 3.0; // hour 1 busier
        let p = RateProfile::constant(10.0).with_diurnal(&w).unwrap();
        let mut rng = SmallRng::seed_from_u64(3);
        let mut t = 0.0;
        let mut per_hour = [0u32; 24];
        while let Some(n) = p.next_arrival(t, &mut rng) {
            if n >= DAY_S {
                break;
            }
            per_hour[(n / HOUR_S) as usize] += 1;
            t = n;
        }
        let expect1 = 10.0 * 3.0 / (26.0 / 24.0) * HOUR_S;
        let expect0 = 10.0 / (26.0 / 24.0) * HOUR_S;
        assert!((f64::from(per_hour[1]) / expect1 - 1.0).abs() < 0.02, "{per_hour:?}");
        assert!((f64::from(per_hour[0]) / expect0 - 1.0).abs() < 0.03, "{per_hour:?}");
    }

    #[test]
    fn bursts_multiply_the_rate() {
        let mut p = RateProfile::constant(5.0);
        p.bursts.push(Burst { start_s: 100.0, duration_s: 100.0, multiplier: 4.0 });
        let mut rng = SmallRng::seed_from_u64(1);
        let (mut inside, mut before, mut t) = (0, 0, 0.0);
        for _ in 0..20_000 {
            t = p.next_arrival(t, &mut rng).unwrap();
            if (100.0..200.0).contains(&t) {
                inside += 1;
            } else if t < 100.0 {
                before += 1;
            }
        }
        assert!((f64::from(inside) / f64::from(before) - 4.0).abs() < 0.6, "{inside} vs {before}");
    }

    #[test]
    fn trace_rows_out_of_their_physical_range_are_located() {
        let err = parse_trace("t.csv", "0.5,100,10\n1e15,100,10\n1,200000000,5\n").unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert!(err[0].message.contains("`1e15` on line 2"), "{}", err[0].message);
        assert!(err[1].message.contains("`200000000` on line 3"), "{}", err[1].message);
        assert!(parse_trace("t.csv", "1e9,100,10\n").is_ok());
    }

    #[test]
    fn a_lognormal_whose_cut_loses_the_mean_is_refused() {
        // sigma 5 cut at 20 × 200 averaged ~10 tokens instead of 200.
        let err = LengthDist::from_mean(200.0, Some(5.0)).check().unwrap_err();
        let LengthError::MeanNotHeld { realised_mean, sigma_max, .. } = err else { panic!("{err}") };
        assert!(realised_mean < 50.0, "{realised_mean}");
        assert!((1.0..2.0).contains(&sigma_max), "{sigma_max}");
        assert!(LengthDist::from_mean(200.0, Some(sigma_max * 0.99)).check().is_ok());
        // The formula agrees with sampling where it holds.
        let d = LengthDist::from_mean(200.0, Some(1.2));
        let mut rng = SmallRng::seed_from_u64(3);
        let n = 400_000;
        let sampled = (0..n).map(|_| f64::from(d.sample(&mut rng))).sum::<f64>() / f64::from(n);
        let formula = cut_lognormal_mean(200.0, 1.2, 4000.0);
        assert!((sampled - formula).abs() / formula < 0.02, "{sampled} vs {formula}");
    }

    #[test]
    fn lognormal_and_empirical_means() {
        let mut rng = SmallRng::seed_from_u64(9);
        let d = LengthDist::LogNormal { mean: 300.0, sigma: 0.8, max: 100_000 };
        let m: f64 = (0..200_000).map(|_| f64::from(d.sample(&mut rng))).sum::<f64>() / 200_000.0;
        assert!((m / 300.0 - 1.0).abs() < 0.02, "{m}");
        let e = LengthDist::empirical(&[(10, 1.0), (100, 3.0)]).unwrap();
        assert_eq!(e.mean(), 77.5);
        let m: f64 = (0..100_000).map(|_| f64::from(e.sample(&mut rng))).sum::<f64>() / 100_000.0;
        assert!((m / 77.5 - 1.0).abs() < 0.02, "{m}");
    }

    #[test]
    fn trace_parses_and_points_at_bad_fields() {
        let rows = parse_trace("t.csv", "arrival_s,input,output\n0.5,10,20\n0.1,5,6\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].arrival_s, 0.1);
        let text = "0.5,10,20\n1.0,ten,20\n";
        let err = parse_trace("t.csv", text).unwrap_err();
        assert_eq!(err.len(), 1);
        let span = err[0].span.clone().unwrap();
        assert_eq!(&text[span], "ten");
        assert!(parse_trace("t.csv", "1,2\n").is_err());
    }
}
