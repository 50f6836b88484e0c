//! Benchmark runs that are not a steady state: a finite burst of `N` requests submitted at once
//! and timed until the last one finishes (the drain at falling batch included), and a closed
//! loop keeping `C` requests in flight.
//!
//! The burst is a deterministic fluid approximation (no allocation, a few dozen step times):
//! output lengths follow a lognormal with the request shape's mean and coefficient of variation
//! (capped at its longest output), the batch falls as requests finish at the quantiles of that
//! distribution, and when the burst exceeds the batch cap `B` requests are admitted as others
//! finish. Formulas are in `docs/performance-model.md`.

use crate::infer::engine::InferenceEngine;
use crate::infer::operating::{OperatingPoint, continuous_point, draft_breakdown};
use crate::infer::request::{Arrivals, RequestShape};

/// Segments of the output-length axis the drain is integrated over (trapezoids).
const DRAIN_SEGMENTS: usize = 64;

/// Spreads below this are treated as equal lengths.
const EQUAL_LENGTHS_CV: f64 = 1e-6;

/// Standard normal CDF Φ(x), through the complementary error function of Abramowitz & Stegun
/// 7.1.26 (absolute error below 1.5e-7). The one copy: the simulator's cut-lognormal mean uses
/// it too.
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-z * z).exp();
    if x >= 0.0 { 1.0 - 0.5 * erfc } else { 0.5 * erfc }
}

/// Output lengths of a burst: lognormal with mean `m` and coefficient of variation `cv`
/// (`σ² = ln(1 + cv²)`, `μ = ln m − σ²/2`), capped at `max` tokens (the engine stops a request
/// there); equal lengths `m` when `cv` is 0.
#[derive(Debug, Clone, Copy)]
struct OutputLengths {
    mean: f64,
    mu: f64,
    sigma: f64,
    max: f64,
}

impl OutputLengths {
    fn of(request: &RequestShape) -> OutputLengths {
        let cv = request.output_tokens_cv;
        let sigma2 = (1.0 + cv * cv).ln();
        OutputLengths {
            mean: request.output_tokens,
            mu: request.output_tokens.ln() - sigma2 / 2.0,
            sigma: sigma2.sqrt(),
            max: request.max_output(),
        }
    }

    fn equal(&self) -> bool {
        self.sigma < EQUAL_LENGTHS_CV
    }

    /// P(o > x) of the capped lengths.
    fn survival(&self, x: f64) -> f64 {
        if x >= self.max {
            0.0
        } else if self.equal() {
            if x < self.mean { 1.0 } else { 0.0 }
        } else if x <= 0.0 {
            1.0
        } else {
            1.0 - normal_cdf((x.ln() - self.mu) / self.sigma)
        }
    }

    /// `E[(o − x)⁺]` of the uncapped lognormal: `m·Φ(d₁) − x·Φ(d₂)`, `d₁ = (μ + σ² − ln x)/σ`,
    /// `d₂ = d₁ − σ` (the lognormal partial expectation).
    fn excess(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return self.mean - x;
        }
        let d1 = (self.mu + self.sigma * self.sigma - x.ln()) / self.sigma;
        (self.mean * normal_cdf(d1) - x * normal_cdf(d1 - self.sigma)).max(0.0)
    }

    /// Mean of the capped lengths, tokens: `m − E[(o − max)⁺]`.
    fn capped_mean(&self) -> f64 {
        if self.equal() { self.mean.min(self.max) } else { self.mean - self.excess(self.max) }
    }

    /// Equilibrium residual survival: the share of the requests running in a steady state whose
    /// remaining output exceeds `x`, `P(R > x) = E[(o − x)⁺] / E[o]` for the capped lengths
    /// (renewal theory's residual-life distribution; `1 − x/m` for equal lengths).
    fn residual_survival(&self, x: f64) -> f64 {
        if x >= self.max {
            return 0.0;
        }
        if self.equal() {
            return (1.0 - x / self.mean).max(0.0);
        }
        let tail = self.excess(self.max);
        ((self.excess(x) - tail) / (self.mean - tail)).clamp(0.0, 1.0)
    }
}

/// Decode time (s) and output tokens of `requests` decoding together until all finish, the share
/// still running after `x` generated tokens being `running(x)`, each sequence attending
/// `context(x)` tokens: `Σ (Δx / E) · step(batch)` over [`DRAIN_SEGMENTS`] trapezoids of
/// `[0, max output]`, the draft passes included.
fn drain(
    engine: &InferenceEngine,
    request: &RequestShape,
    requests: f64,
    lengths: &OutputLengths,
    running: impl Fn(f64) -> f64,
    context: impl Fn(f64) -> f64,
) -> (f64, f64) {
    let end = if lengths.equal() { lengths.mean.min(lengths.max) } else { lengths.max };
    let segments = if lengths.equal() { 1 } else { DRAIN_SEGMENTS };
    let width = end / segments as f64;
    let emitted = request.decoding.emitted_tokens_per_step();
    let (mut time_s, mut tokens) = (0.0, 0.0);
    let mut share_before = running(0.0);
    for i in 0..segments {
        let (from, to) = (i as f64 * width, (i + 1) as f64 * width);
        let share_after = if lengths.equal() { share_before } else { running(to) };
        let batch = requests * 0.5 * (share_before + share_after);
        share_before = share_after;
        if batch <= 0.0 {
            continue;
        }
        let load = engine.decode_load_at(batch, context(0.5 * (from + to)), request);
        let step_s = engine.step_time_s(&load) + draft_breakdown(engine, request, batch).total_s();
        time_s += width / emitted * step_s;
        tokens += batch * width;
    }
    (time_s, tokens)
}

/// Time (s) and output tokens of `requests` starting together: one prefill of all their prompts,
/// then the decode with the batch falling as outputs end (`n · P(o > x)` running after `x`
/// tokens, each at context `input + x`).
fn synchronised_wave(
    engine: &InferenceEngine,
    request: &RequestShape,
    requests: f64,
    lengths: &OutputLengths,
) -> (f64, f64) {
    if requests <= 0.0 {
        return (0.0, 0.0);
    }
    let prefill_s = engine.step_time_s(&engine.prefill_load(requests * request.computed_input(), request));
    let (decode_s, tokens) =
        drain(engine, request, requests, lengths, |x| lengths.survival(x), |x| request.input_tokens + x);
    (prefill_s + decode_s, tokens)
}

/// Time (s) and output tokens of a burst of `requests` per replica with at most `cap` running.
///
/// - Equal lengths: waves. `⌊n/B⌋` full waves of `B` and one of the rest, each a
///   [`synchronised_wave`] (requests admitted together finish together).
/// - Spread lengths, `n ≤ B`: one synchronised wave.
/// - Spread lengths, `n > B`: requests desynchronise as slots are refilled; the batch stays full
///   at `B` (the steady state of [`continuous_point`], prefill interleaved) until the queue
///   empties, then the last `B` drain with the equilibrium residual lengths
///   ([`OutputLengths::residual_survival`]), each attending `input + E[age] + x` (the running
///   mean context plus the drained tokens, capped at `input + max output`). The prompts the
///   steady phase does not account for (`drain tokens / mean`) are prefilled at the start.
fn burst_time(engine: &InferenceEngine, request: &RequestShape, requests: f64, cap: f64) -> (f64, f64) {
    let lengths = OutputLengths::of(request);
    if lengths.equal() {
        let full_waves = (requests / cap).floor();
        let (full_s, full_tokens) = synchronised_wave(engine, request, cap, &lengths);
        let (rest_s, rest_tokens) = synchronised_wave(engine, request, requests - full_waves * cap, &lengths);
        return (full_waves * full_s + rest_s, full_waves * full_tokens + rest_tokens);
    }
    if requests <= cap {
        return synchronised_wave(engine, request, requests, &lengths);
    }
    let longest = request.input_tokens + lengths.max;
    let running_context = request.mean_decode_context();
    let (drain_s, drain_tokens) =
        drain(engine, request, cap, &lengths, |x| lengths.residual_survival(x), |x| (running_context + x).min(longest));
    let mean = lengths.capped_mean();
    let total_tokens = requests * mean;
    let steady_tokens = (total_tokens - drain_tokens).max(0.0);
    let steady = continuous_point(engine, request, cap, 1.0);
    let steady_rate = steady.output_tokens_per_s_per_chip * engine.chips_per_replica();
    let upfront_prompts = (total_tokens - steady_tokens) / mean;
    let prefill_s = if upfront_prompts > 0.0 {
        engine.step_time_s(&engine.prefill_load(upfront_prompts * request.computed_input(), request))
    } else {
        0.0
    };
    // A burst just above the cap drains fewer than `cap` requests' worth of tokens.
    let drain_share = (total_tokens / drain_tokens).min(1.0);
    (prefill_s + steady_tokens / steady_rate + drain_s * drain_share, total_tokens)
}

/// The operating point of a benchmark run of one layout, from the steady-state `best` point the
/// batch sweep chose and the batch cap `max_batch` (per replica, memory or scheduler):
///
/// - [`Arrivals::Burst`]: `n = requests / dp` per replica; throughput is output tokens over the
///   burst's time ([`burst_time`]) at the better of two caps: the sweep's batch and, without a
///   TPOT limit, `max_batch` (engines run a burst at their cap). TTFT is the upfront prefill's.
/// - [`Arrivals::Closed`]: the steady state at `min(concurrency / dp, max_batch)`.
/// - [`Arrivals::Steady`]: `best` unchanged.
pub(crate) fn arrivals_point(
    engine: &InferenceEngine,
    request: &RequestShape,
    best: OperatingPoint,
    max_batch: f64,
    tpot_limited: bool,
    scale: f64,
) -> OperatingPoint {
    let replicas = f64::from(engine.layout().dp.max(1));
    match request.arrivals {
        Arrivals::Steady => best,
        Arrivals::Closed { concurrency } => {
            let batch = (concurrency / replicas).min(max_batch).max(1.0);
            continuous_point(engine, request, batch, scale)
        }
        Arrivals::Burst { requests } => {
            let per_replica = (requests / replicas).max(1.0);
            let per_chip = scale / engine.chips_per_replica();
            let mut caps = [best.batch, if tpot_limited { best.batch } else { max_batch }];
            caps.iter_mut().for_each(|cap| *cap = cap.min(per_replica).max(1.0));
            let rate = |cap: f64| {
                let (time_s, tokens) = burst_time(engine, request, per_replica, cap);
                (tokens / time_s, cap)
            };
            let (rate_a, cap_a) = rate(caps[0]);
            let (rate_b, cap_b) = rate(caps[1]);
            let (tokens_per_s, cap) = if rate_b > rate_a { (rate_b, cap_b) } else { (rate_a, cap_a) };
            let mut point = continuous_point(engine, request, cap, scale);
            if cap >= best.batch {
                // The batch limit that stopped the sweep still binds.
                point.binding = best.binding;
            }
            let ratio = tokens_per_s * per_chip / point.output_tokens_per_s_per_chip;
            point.output_tokens_per_s_per_chip *= ratio;
            point.input_tokens_per_s_per_chip *= ratio;
            point.requests_per_s_per_chip *= ratio;
            let prefill = engine.prefill_load(cap * request.computed_input(), request);
            point.ttft_ms = engine.step_time_s(&prefill) * 1e3;
            point.ttft_p99_ms = point.ttft_ms;
            point
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_tables() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.644_854) - 0.05).abs() < 1e-6);
    }

    fn lengths(cv: f64, max: Option<f64>) -> OutputLengths {
        let mut request = RequestShape::new(100.0, 1000.0, 0.0);
        request.output_tokens_cv = cv;
        request.output_tokens_max = max;
        OutputLengths::of(&request)
    }

    #[test]
    fn lognormal_lengths_keep_their_mean_and_residuals_start_at_one() {
        let l = lengths(1.0, Some(1e9));
        // Uncapped: E[(o − 0)⁺] is the mean, and the lognormal median is m / sqrt(1 + cv²).
        assert!((l.capped_mean() - 1000.0).abs() < 1e-3);
        assert!((l.survival(1000.0 / 2f64.sqrt()) - 0.5).abs() < 1e-6);
        assert!((l.residual_survival(0.0) - 1.0).abs() < 1e-9);
        // Mean residual = E[o²] / (2 E[o]) = m (1 + cv²) / 2: integrate the residual survival.
        let (steps, end) = (200_000, 60_000.0);
        let mean_residual: f64 =
            (0..steps).map(|i| l.residual_survival((i as f64 + 0.5) * end / steps as f64) * end / steps as f64).sum();
        assert!((mean_residual / 1000.0 - 1.0).abs() < 0.01, "{mean_residual}");
        // Equal lengths: uniform residuals.
        let e = lengths(0.0, None);
        assert!((e.residual_survival(250.0) - 0.75).abs() < 1e-12 && e.survival(999.0) == 1.0);
    }
}
