//! What a serving question asks: the mean request shape, the p99 latency limits and the
//! serving mode (offline, server, prefill pool, decode pool).

use crate::error::{PerfError, SettingError};
use serde::{Deserialize, Serialize};

/// Mean request shape of a serving workload (tokens per request).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RequestShape {
    /// Mean prompt tokens per request.
    pub input_tokens: f64,
    /// Mean generated tokens per request.
    pub output_tokens: f64,
    /// Share of prompt tokens served from a prefix cache (not recomputed), 0–1.
    pub cached_input_fraction: f64,
}

impl RequestShape {
    /// Check the values are usable.
    pub fn check(&self) -> Result<(), PerfError> {
        if !(self.input_tokens.is_finite() && self.input_tokens >= 1.0) {
            return Err(SettingError::InputTokens(self.input_tokens).into());
        }
        if !(self.output_tokens.is_finite() && self.output_tokens >= 1.0) {
            return Err(SettingError::OutputTokens(self.output_tokens).into());
        }
        if !(0.0..1.0).contains(&self.cached_input_fraction) {
            return Err(SettingError::CachedInputFraction(self.cached_input_fraction).into());
        }
        Ok(())
    }

    /// Prompt tokens that must be computed (not served from cache).
    pub fn computed_input(&self) -> f64 {
        self.input_tokens * (1.0 - self.cached_input_fraction)
    }

    /// Mean context a decoding request holds: input + output/2, tokens.
    pub fn mean_decode_context(&self) -> f64 {
        self.input_tokens + self.output_tokens / 2.0
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

    /// Mean context one running request holds in this mode, tokens (the whole prompt for a
    /// prefill pool, input + output/2 otherwise): what sizes the KV cache per request.
    pub fn context_tokens(self, request: &RequestShape) -> f64 {
        match self {
            ServeMode::Prefill => request.input_tokens,
            _ => request.mean_decode_context(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
