//! What a serving question asks: the request shape (mean lengths, output spread, beams and
//! speculative drafts, steady / burst / closed-loop arrivals), the KV reservation policy, the
//! p99 latency limits and the serving mode (offline, server, prefill pool, decode pool).

use crate::error::{PerfError, SettingError};
use serde::{Deserialize, Serialize};

/// Default longest output, in standard deviations above the mean, when a spread is given but no
/// maximum: `o_max = mean · (1 + 3 · cv)` (about the 99.5th percentile of a lognormal with cv ≤ 1).
/// Used only by the [`KvReservation::Maximum`] policy and to end the burst drain.
pub const DEFAULT_OUTPUT_MAX_SIGMAS: f64 = 3.0;

/// Most draft tokens, most beams and the largest output-length cv accepted: one home for every
/// front door (scenario workloads, `perf infer`, validation cases), in `fleetplan-core`.
pub use fleetplan_core::scenario::{MAX_BEAMS, MAX_DRAFT_TOKENS, MAX_OUTPUT_TOKENS_CV};

/// How each request decodes: beam width and speculative / multi-token-prediction drafts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Decoding {
    /// Beam width (1 = greedy or sampling).
    pub beams: u32,
    /// Draft tokens proposed per step and verified together with the next token (0 = none).
    pub draft_tokens: u32,
    /// Mean acceptance rate of one draft token, 0–1.
    pub acceptance: f64,
}

impl Default for Decoding {
    fn default() -> Self {
        Decoding { beams: 1, draft_tokens: 0, acceptance: 0.0 }
    }
}

impl Decoding {
    /// Tokens each request puts through the model per decode step: `beams × (1 + k)` (every beam
    /// is its own sequence; a speculative step verifies the next token and `k` drafts at once).
    pub fn step_tokens_per_request(&self) -> f64 {
        f64::from(self.beams) * (1.0 + f64::from(self.draft_tokens))
    }

    /// Generated tokens each request emits per decode step: the expected accepted length of a
    /// chain draft, `E = 1 + a + a² + … + a^k` (Leviathan et al. 2023, "Fast Inference from
    /// Transformers via Speculative Decoding", eq. 1, with per-token acceptance `a`; DeepSeek-V3
    /// MTP reports `a` ≈ 0.85–0.9 for k = 1). Beam search emits one token per request per step
    /// (only the best beam's tokens are counted, as MLPerf GPT-J does).
    pub fn emitted_tokens_per_step(&self) -> f64 {
        let a = self.acceptance.clamp(0.0, 1.0);
        let mut term = 1.0;
        let mut sum = 1.0;
        for _ in 0..self.draft_tokens {
            term *= a;
            sum += term;
        }
        sum
    }
}

/// How requests reach the engine when the question is one benchmark run rather than a
/// steady stream (used in the offline mode; the others are steady by definition).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrivals {
    /// An endless queue (offline) or a Poisson stream (server): the steady state.
    #[default]
    Steady,
    /// A finite burst: this many requests submitted at once to the whole deployment, throughput
    /// measured until the last finishes (the drain at falling batch included).
    Burst {
        /// Requests in the burst, all replicas together.
        requests: f64,
    },
    /// A closed loop keeping this many requests in flight across the deployment (a new one
    /// starts when one ends): the steady state at that concurrency.
    Closed {
        /// Requests in flight, all replicas together.
        concurrency: f64,
    },
}

/// Output-length spread assumed for a benchmark-client run (a finite burst or a closed loop)
/// whose source does not give one: coefficient of variation 1, a long-tailed (near-exponential)
/// spread like that of conversation data sets' reference completions (ShareGPT: `vllm bench
/// serve`, `sglang.bench_serving`, genai-perf send each prompt with its data-set completion length
/// as `max_tokens`). In a burst the spread sets the drain tail (the longest requests decode at a
/// falling batch), a first-order effect no step parameter can absorb; equal lengths would be the
/// most optimistic assumption. Steady-state cases keep 0 (see [`Arrivals::unknown_output_spread`]).
pub const BENCHMARK_CLIENT_OUTPUT_CV: f64 = 1.0;

/// Longest output assumed with [`BENCHMARK_CLIENT_OUTPUT_CV`], tokens: the benchmark clients'
/// ShareGPT filter keeps prompts of at most 1,024 and prompt + completion of at most 2,048 tokens
/// (vLLM `benchmarks/datasets.py` `is_valid_sequence`, the same limits in
/// `sglang.bench_serving`), so no completion exceeds 2,048.
pub const BENCHMARK_CLIENT_MAX_OUTPUT_TOKENS: f64 = 2048.0;

impl Arrivals {
    /// Output spread `(cv, longest output)` to assume when a benchmark does not say, for requests
    /// of mean output `output_tokens`: a benchmark client's data-set prior
    /// ([`BENCHMARK_CLIENT_OUTPUT_CV`], longest [`BENCHMARK_CLIENT_MAX_OUTPUT_TOKENS`] or the mean
    /// if longer) for a burst or a closed loop; equal lengths for the steady state, whose step
    /// parameters were calibrated on cases of unknown spread taken as equal lengths (a spread
    /// there only lengthens the time-weighted context, which the calibration absorbs; `docs/
    /// performance-model.md` §3 "Output spread when a case gives none").
    pub fn unknown_output_spread(&self, output_tokens: f64) -> (f64, Option<f64>) {
        match self {
            Arrivals::Steady => (0.0, None),
            Arrivals::Burst { .. } | Arrivals::Closed { .. } => {
                (BENCHMARK_CLIENT_OUTPUT_CV, Some(BENCHMARK_CLIENT_MAX_OUTPUT_TOKENS.max(output_tokens)))
            }
        }
    }
}

/// Most prompt or generated tokens one request may have (100 M: far beyond any model's context;
/// larger values are input mistakes, not workloads).
pub const MAX_TOKENS_PER_REQUEST: f64 = 1e8;

/// How an engine reserves KV cache when it admits a request: the catalog's engine field, one
/// type for the engine entry and the request arithmetic (`RequestShape::kv_context_tokens`).
pub use fleetplan_core::catalog::KvReservation;

/// Request shape of a serving workload: mean lengths (tokens per request), their spread, the
/// decoding method and, for benchmark runs, how requests arrive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RequestShape {
    /// Mean prompt tokens per request.
    pub input_tokens: f64,
    /// Mean generated tokens per request.
    pub output_tokens: f64,
    /// Share of prompt tokens served from a prefix cache (not recomputed), 0–1.
    pub cached_input_fraction: f64,
    /// Coefficient of variation of output lengths (standard deviation / mean; 0 = all equal).
    /// Validation cases that do not give one take [`Arrivals::unknown_output_spread`]: 0 in the
    /// steady state, a data-set prior for benchmark-client bursts and closed loops.
    pub output_tokens_cv: f64,
    /// Longest allowed output, tokens (`None`: the mean for cv 0, else
    /// `mean · (1 + DEFAULT_OUTPUT_MAX_SIGMAS · cv)`).
    pub output_tokens_max: Option<f64>,
    /// Beam search and speculative decoding.
    pub decoding: Decoding,
    /// Steady state, finite burst or closed loop.
    pub arrivals: Arrivals,
}

impl RequestShape {
    /// A steady stream of equal-length, greedily decoded requests with these mean lengths.
    pub fn new(input_tokens: f64, output_tokens: f64, cached_input_fraction: f64) -> RequestShape {
        RequestShape {
            input_tokens,
            output_tokens,
            cached_input_fraction,
            output_tokens_cv: 0.0,
            output_tokens_max: None,
            decoding: Decoding::default(),
            arrivals: Arrivals::Steady,
        }
    }

    /// The steady-state request shape of a scenario chat workload: its mean lengths (at least
    /// one token each), prefix-cache hit share, output spread and longest output, beams and
    /// speculative decoding. The one way the evaluator, planner and simulator turn a workload
    /// into requests.
    pub fn for_chat(chat: &fleetplan_core::scenario::ChatWorkload) -> RequestShape {
        let options = &chat.request;
        RequestShape {
            output_tokens_cv: options.output_tokens_cv,
            output_tokens_max: options.output_tokens_max,
            decoding: Decoding {
                beams: options.beams,
                draft_tokens: options.mtp_draft_tokens,
                acceptance: options.mtp_acceptance,
            },
            ..RequestShape::new(
                chat.input_tokens_per_request.max(1.0),
                chat.output_tokens_per_request.max(1.0),
                chat.cached_input_fraction,
            )
        }
    }

    /// Check the values are usable.
    pub fn check(&self) -> Result<(), PerfError> {
        let tokens = 1.0..=MAX_TOKENS_PER_REQUEST;
        if !tokens.contains(&self.input_tokens) {
            return Err(SettingError::InputTokens(self.input_tokens).into());
        }
        if !tokens.contains(&self.output_tokens) {
            return Err(SettingError::OutputTokens(self.output_tokens).into());
        }
        if !(0.0..1.0).contains(&self.cached_input_fraction) {
            return Err(SettingError::CachedInputFraction(self.cached_input_fraction).into());
        }
        let bad = |field, value: f64, expected| Err(SettingError::Request { field, value, expected }.into());
        if !(self.output_tokens_cv.is_finite() && (0.0..=MAX_OUTPUT_TOKENS_CV).contains(&self.output_tokens_cv)) {
            return bad("output_tokens_cv", self.output_tokens_cv, "in [0, 10]");
        }
        if let Some(max) = self.output_tokens_max
            && !(max.is_finite() && max >= self.output_tokens)
        {
            return bad("output_tokens_max", max, "at least output_tokens");
        }
        let d = &self.decoding;
        if !(1..=MAX_BEAMS).contains(&d.beams) {
            return bad("beams", f64::from(d.beams), "in 1..=16");
        }
        if d.draft_tokens > MAX_DRAFT_TOKENS {
            return bad("mtp_draft_tokens", f64::from(d.draft_tokens), "at most 16");
        }
        if !(0.0..=1.0).contains(&d.acceptance) {
            return bad("mtp_acceptance", d.acceptance, "in [0, 1]");
        }
        match self.arrivals {
            Arrivals::Burst { requests } if !(requests.is_finite() && requests >= 1.0) => {
                bad("requests", requests, "at least 1")
            }
            Arrivals::Closed { concurrency } if !(concurrency.is_finite() && concurrency >= 1.0) => {
                bad("concurrency", concurrency, "at least 1")
            }
            _ => Ok(()),
        }
    }

    /// Prompt tokens that must be computed (not served from cache).
    pub fn computed_input(&self) -> f64 {
        self.input_tokens * (1.0 - self.cached_input_fraction)
    }

    /// Time-weighted mean of the tokens a decoding request has generated so far:
    /// `E[o²] / (2·E[o]) = mean · (1 + cv²) / 2`. A request of length `o` spends `o` steps
    /// decoding with `0 … o` tokens generated, so a running request (sampled per step, not per
    /// request) is a long one more often: the length-biased mean of `o/2` (renewal theory's
    /// inspection paradox; e.g. Kleinrock, *Queueing Systems* vol. 1, §5.2). Equals `mean / 2`
    /// for equal lengths.
    pub fn mean_generated_context(&self) -> f64 {
        self.output_tokens * (1.0 + self.output_tokens_cv * self.output_tokens_cv) / 2.0
    }

    /// Mean context one decoding sequence (one beam) attends, tokens: input +
    /// [`mean_generated_context`](Self::mean_generated_context).
    pub fn mean_decode_context(&self) -> f64 {
        self.input_tokens + self.mean_generated_context()
    }

    /// Longest output, tokens: `output_tokens_max` when given, else
    /// `mean · (1 + DEFAULT_OUTPUT_MAX_SIGMAS · cv)` (the mean itself for equal lengths).
    pub fn max_output(&self) -> f64 {
        self.output_tokens_max
            .unwrap_or(self.output_tokens * (1.0 + DEFAULT_OUTPUT_MAX_SIGMAS * self.output_tokens_cv))
            .max(self.output_tokens)
    }

    /// KV-cache tokens one running request holds for admission under `policy`. The prompt's KV
    /// is held once (beams share it through paged blocks, copy-on-write); every beam holds its
    /// own generated tokens. `Expected`: `input + beams · mean · (1 + cv²) / 2` (the time-weighted
    /// mean, what a paged engine holds on average); `Maximum`: `input + beams · o_max`.
    pub fn kv_context_tokens(&self, policy: KvReservation) -> f64 {
        let beams = f64::from(self.decoding.beams);
        match policy {
            KvReservation::Expected => self.input_tokens + beams * self.mean_generated_context(),
            KvReservation::Maximum => self.input_tokens + beams * self.max_output(),
        }
    }

    /// Decode steps one request needs: `output / E` with `E` the tokens emitted per step
    /// ([`Decoding::emitted_tokens_per_step`]).
    pub fn decode_steps(&self) -> f64 {
        self.output_tokens / self.decoding.emitted_tokens_per_step()
    }

    /// Attention (query, context) pairs of one request's computed prefill: each computed token
    /// attends the cached prefix and the computed tokens before it.
    pub fn prefill_pairs_per_request(&self) -> f64 {
        let computed = self.computed_input();
        computed * (self.input_tokens - computed + (computed + 1.0) / 2.0)
    }
}

/// Latency limits (p99), milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Slo {
    /// p99 time to first token, ms.
    pub ttft_p99_ms: Option<f64>,
    /// p99 time per output token, ms.
    pub tpot_p99_ms: Option<f64>,
}

/// How a serving instance is used: offline, server, or one pool of a disaggregated deployment
/// (the `--scenario` values of `perf infer` and the `scenario` key of validation cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServeMode {
    /// Throughput with all requests queued at once, no latency limit (unless given).
    Offline,
    /// Poisson arrivals; throughput while meeting the p99 limits.
    Server,
    /// Prefill-only pool of a disaggregated deployment (input tokens/s).
    Prefill,
    /// Decode-only pool of a disaggregated deployment (output tokens/s).
    Decode,
}

impl ServeMode {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServeMode::Offline => "offline",
            ServeMode::Server => "server",
            ServeMode::Prefill => "prefill",
            ServeMode::Decode => "decode",
        }
    }

    /// Parse a lowercase name.
    pub fn parse(name: &str) -> Option<ServeMode> {
        [ServeMode::Offline, ServeMode::Server, ServeMode::Prefill, ServeMode::Decode]
            .into_iter()
            .find(|mode| mode.as_str() == name)
    }

    /// The mode a query implies when none is named: latency limits only bind under the server
    /// scenario, so giving one implies `Server`; otherwise `Offline`.
    pub fn implied_by(slo: &Slo) -> ServeMode {
        if slo.ttft_p99_ms.is_some() || slo.tpot_p99_ms.is_some() { ServeMode::Server } else { ServeMode::Offline }
    }

    /// The same mode without latency limits (a latency–throughput curve sweeps the batch
    /// freely: the server scenario becomes offline).
    pub fn without_limits(self) -> ServeMode {
        if self == ServeMode::Server { ServeMode::Offline } else { self }
    }

    /// The throughput this mode maximises, per chip: prompt tokens/s for a prefill pool,
    /// generated tokens/s otherwise.
    pub fn throughput_per_chip(self, point: &crate::infer::OperatingPoint) -> f64 {
        if self == ServeMode::Prefill { point.input_tokens_per_s_per_chip } else { point.output_tokens_per_s_per_chip }
    }

    /// Context one running request holds in the KV cache in this mode under the admission
    /// `policy`, tokens (the whole prompt for a prefill pool, else
    /// [`RequestShape::kv_context_tokens`]): what sizes the batch the KV cache allows.
    pub fn context_tokens(self, request: &RequestShape, policy: KvReservation) -> f64 {
        match self {
            ServeMode::Prefill => request.input_tokens,
            _ => request.kv_context_tokens(policy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_lengthens_the_time_weighted_context_and_the_reservation() {
        let mut r = RequestShape::new(1000.0, 400.0, 0.0);
        assert_eq!(r.mean_decode_context(), 1200.0);
        assert_eq!(r.kv_context_tokens(KvReservation::Maximum), 1400.0);
        r.output_tokens_cv = 1.0;
        // input + mean (1 + cv²) / 2
        assert_eq!(r.mean_decode_context(), 1400.0);
        assert_eq!(r.max_output(), 1600.0);
        assert_eq!(r.kv_context_tokens(KvReservation::Maximum), 2600.0);
        r.output_tokens_max = Some(2000.0);
        assert_eq!(r.kv_context_tokens(KvReservation::Maximum), 3000.0);
        r.decoding.beams = 4;
        // The prompt once, every beam its own generated tokens.
        assert_eq!(r.kv_context_tokens(KvReservation::Expected), 1000.0 + 4.0 * 400.0);
        assert!(r.check().is_ok());
    }

    #[test]
    fn chain_drafts_emit_the_expected_accepted_length() {
        let d = Decoding { beams: 1, draft_tokens: 3, acceptance: 0.5 };
        assert_eq!(d.emitted_tokens_per_step(), 1.875);
        assert_eq!(d.step_tokens_per_request(), 4.0);
        assert_eq!(Decoding { acceptance: 0.0, ..d }.emitted_tokens_per_step(), 1.0);
        assert_eq!(Decoding { acceptance: 1.0, ..d }.emitted_tokens_per_step(), 4.0);
        let mut r = RequestShape::new(100.0, 375.0, 0.0);
        r.decoding = d;
        assert_eq!(r.decode_steps(), 200.0);
    }

    #[test]
    fn out_of_range_request_settings_are_rejected() {
        let base = RequestShape::new(100.0, 100.0, 0.0);
        let bad = [
            RequestShape { output_tokens_cv: -0.1, ..base },
            RequestShape { output_tokens_max: Some(50.0), ..base },
            RequestShape { decoding: Decoding { beams: 0, ..Decoding::default() }, ..base },
            RequestShape { decoding: Decoding { acceptance: 1.5, ..Decoding::default() }, ..base },
            RequestShape { arrivals: Arrivals::Burst { requests: 0.0 }, ..base },
            RequestShape { arrivals: Arrivals::Closed { concurrency: f64::NAN }, ..base },
        ];
        for shape in bad {
            assert!(shape.check().is_err(), "{shape:?}");
        }
    }

    #[test]
    fn a_latency_limit_implies_the_server_mode_and_curves_drop_it() {
        assert_eq!(ServeMode::implied_by(&Slo::default()), ServeMode::Offline);
        let ttft = Slo { ttft_p99_ms: Some(500.0), tpot_p99_ms: None };
        let tpot = Slo { ttft_p99_ms: None, tpot_p99_ms: Some(50.0) };
        assert_eq!(ServeMode::implied_by(&ttft), ServeMode::Server);
        assert_eq!(ServeMode::implied_by(&tpot), ServeMode::Server);
        assert_eq!(ServeMode::Server.without_limits(), ServeMode::Offline);
        for mode in [ServeMode::Offline, ServeMode::Prefill, ServeMode::Decode] {
            assert_eq!(mode.without_limits(), mode);
        }
    }
}
