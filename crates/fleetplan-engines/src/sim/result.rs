//! What a run produces: the raw [`SimResult`] (counters, histograms, integrals, time series),
//! its printable [`SimSummary`], and the ways results combine: replications pooled
//! ([`SimResult::merge`], [`pool_replications`]) and pools of one fleet side by side
//! ([`SimResult::merge_concurrent`], [`combine_pools`]).

use super::hist::{Histogram, Percentiles};
use serde::Serialize;

/// One row of the time series.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Sample {
    /// Time at the end of the interval, s.
    pub t_s: f64,
    /// Requests waiting for admission (all replicas plus parked), at `t_s`.
    pub waiting: u64,
    /// Requests running (prefilling or decoding), at `t_s`.
    pub running: u64,
    /// Requests completed in the interval.
    pub completed: u64,
    /// Share of replica time spent stepping over the interval (0–1).
    pub utilization: f64,
    /// Share of KV-cache blocks in use, at `t_s` (0–1).
    pub kv_usage: f64,
    /// Replicas up, at `t_s`.
    pub replicas_up: u32,
}

/// Raw outcome of one run: counters, histograms, integrals. Merge runs with [`SimResult::merge`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimResult {
    /// Time to first token, s.
    pub ttft: Histogram,
    /// Mean time per output token per request (requests with ≥ 2 output tokens), s.
    pub tpot: Histogram,
    /// End-to-end latency, s.
    pub e2e: Histogram,
    /// Time spent waiting for admission per completed request, s.
    pub queue_wait: Histogram,
    /// Requests that arrived.
    pub arrived: u64,
    /// Requests completed.
    pub completed: u64,
    /// Requests dropped (queue full, or longer than a replica's whole KV cache).
    pub dropped: u64,
    /// Times a request was retried after a replica failure.
    pub retried: u64,
    /// Preemptions (KV cache full).
    pub preemptions: u64,
    /// Replica failures.
    pub failures: u64,
    /// Completed requests meeting every SLO target.
    pub slo_met: u64,
    /// Prompt tokens of completed requests.
    pub input_tokens: u64,
    /// Generated tokens of completed requests.
    pub output_tokens: u64,
    /// Replica steps simulated.
    pub steps: u64,
    /// Simulated time from 0 to the last completion, s.
    pub duration_s: f64,
    /// ∫ (requests in system) dt, request·s.
    pub area_in_system: f64,
    /// ∫ (requests waiting for admission) dt, request·s.
    pub area_waiting: f64,
    /// Σ time each request spent waiting for admission, s (all requests, completed or not).
    pub total_wait_s: f64,
    /// Σ over replicas of time spent stepping, s.
    pub busy_s: f64,
    /// Replicas simulated.
    pub replicas: u32,
    /// Times at which 10 % and 90 % of `max_requests` had completed (steady-state window).
    pub window_s: (f64, f64),
    /// Time series (empty unless asked for).
    pub series: Vec<Sample>,
}

impl SimResult {
    pub(crate) fn new(replicas: u32) -> Self {
        SimResult {
            ttft: Histogram::new(),
            tpot: Histogram::new(),
            e2e: Histogram::new(),
            queue_wait: Histogram::new(),
            arrived: 0,
            completed: 0,
            dropped: 0,
            retried: 0,
            preemptions: 0,
            failures: 0,
            slo_met: 0,
            input_tokens: 0,
            output_tokens: 0,
            steps: 0,
            duration_s: 0.0,
            area_in_system: 0.0,
            area_waiting: 0.0,
            total_wait_s: 0.0,
            busy_s: 0.0,
            replicas,
            window_s: (0.0, 0.0),
            series: Vec::new(),
        }
    }

    /// Add another run (histograms and counters sum; durations, areas and busy time add, so
    /// rates stay pooled averages; the window and time series of `self` are kept).
    pub fn merge(&mut self, other: &SimResult) {
        self.ttft.merge(&other.ttft);
        self.tpot.merge(&other.tpot);
        self.e2e.merge(&other.e2e);
        self.queue_wait.merge(&other.queue_wait);
        self.arrived += other.arrived;
        self.completed += other.completed;
        self.dropped += other.dropped;
        self.retried += other.retried;
        self.preemptions += other.preemptions;
        self.failures += other.failures;
        self.slo_met += other.slo_met;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.steps += other.steps;
        self.duration_s += other.duration_s;
        self.area_in_system += other.area_in_system;
        self.area_waiting += other.area_waiting;
        self.total_wait_s += other.total_wait_s;
        self.busy_s += other.busy_s;
    }

    /// Add a run that went on side by side with this one over the same time (another pool of
    /// the same fleet): counters, histograms, areas, busy time and replicas add; the duration is
    /// the longer of the two, so rates are fleet totals. The time series of `self` is kept.
    pub fn merge_concurrent(&mut self, other: &SimResult) {
        let duration_s = self.duration_s.max(other.duration_s);
        self.merge(other);
        self.duration_s = duration_s;
        self.replicas += other.replicas;
    }

    /// Completed requests per simulated second.
    pub fn throughput_rps(&self) -> f64 {
        ratio(self.completed as f64, self.duration_s)
    }

    /// Summary figures.
    pub fn summary(&self) -> SimSummary {
        let duration_s = self.duration_s;
        SimSummary {
            requests_arrived: self.arrived,
            requests_completed: self.completed,
            requests_dropped: self.dropped,
            requests_retried: self.retried,
            preemptions: self.preemptions,
            failures: self.failures,
            simulated_s: duration_s,
            ttft: self.ttft.percentiles(),
            tpot: self.tpot.percentiles(),
            e2e: self.e2e.percentiles(),
            queue_wait: self.queue_wait.percentiles(),
            throughput_rps: ratio(self.completed as f64, duration_s),
            output_tokens_per_s: ratio(self.output_tokens as f64, duration_s),
            input_tokens_per_s: ratio(self.input_tokens as f64, duration_s),
            goodput_rps: ratio(self.slo_met as f64, duration_s),
            slo_attainment: ratio(self.slo_met as f64, self.completed as f64),
            mean_in_system: ratio(self.area_in_system, duration_s),
            mean_waiting: ratio(self.area_waiting, duration_s),
            utilization: ratio(self.busy_s, duration_s * f64::from(self.replicas)),
        }
    }
}

/// `numerator / denominator`, or 0 when the denominator is not positive or the numerator not
/// finite (empty runs have zero rates, not NaN).
pub(crate) fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 && numerator.is_finite() { numerator / denominator } else { 0.0 }
}

/// Printable summary of a run (or of merged replications).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimSummary {
    /// Requests that arrived.
    pub requests_arrived: u64,
    /// Requests completed.
    pub requests_completed: u64,
    /// Requests dropped.
    pub requests_dropped: u64,
    /// Retries after failures.
    pub requests_retried: u64,
    /// Preemptions (KV cache full).
    pub preemptions: u64,
    /// Replica failures.
    pub failures: u64,
    /// Simulated time, s.
    pub simulated_s: f64,
    /// Time to first token.
    pub ttft: Percentiles,
    /// Time per output token.
    pub tpot: Percentiles,
    /// End-to-end latency.
    pub e2e: Percentiles,
    /// Wait for admission.
    pub queue_wait: Percentiles,
    /// Completed requests per second.
    pub throughput_rps: f64,
    /// Generated tokens per second.
    pub output_tokens_per_s: f64,
    /// Prompt tokens per second.
    pub input_tokens_per_s: f64,
    /// Requests meeting every SLO per second.
    pub goodput_rps: f64,
    /// Share of completed requests meeting every SLO (0–1).
    pub slo_attainment: f64,
    /// Time-average requests in the system.
    pub mean_in_system: f64,
    /// Time-average requests waiting for admission.
    pub mean_waiting: f64,
    /// Share of replica time spent stepping (0–1).
    pub utilization: f64,
}

/// Replications of one setup pooled into one result: the first replication with the others
/// [`merge`](SimResult::merge)d in index order (its time series is kept). None when `runs` is
/// empty.
pub fn pool_replications(runs: &[SimResult]) -> Option<SimResult> {
    let (first, rest) = runs.split_first()?;
    let mut pooled = first.clone();
    for run in rest {
        pooled.merge(run);
    }
    Some(pooled)
}

/// The fleet's result from the runs of several pools, `runs_by_pool[pool][replication]`: per
/// replication the pools ran side by side ([`SimResult::merge_concurrent`]), then the
/// replications are pooled ([`SimResult::merge`]). Replications missing from any pool are left
/// out; None when there are no pools or no replication.
pub fn combine_pools(runs_by_pool: &[Vec<SimResult>]) -> Option<SimResult> {
    let (first_pool, other_pools) = runs_by_pool.split_first()?;
    let replications = runs_by_pool.iter().map(Vec::len).min().unwrap_or(0);
    let fleet_by_replication: Vec<SimResult> = (0..replications)
        .map(|replication| {
            let mut fleet = first_pool[replication].clone();
            for pool_runs in other_pools {
                fleet.merge_concurrent(&pool_runs[replication]);
            }
            fleet
        })
        .collect();
    pool_replications(&fleet_by_replication)
}
