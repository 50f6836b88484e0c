//! Discrete-event serving simulator: replays requests through a fleet of model replicas, one
//! event per replica iteration (not per token), fast enough for a day of a whole fleet.
//!
//! Model:
//! - **Arrivals**: Poisson with a piecewise-constant rate ([`RateProfile`]: diurnal weights,
//!   daily growth, bursts), or a replayed trace; lengths from [`LengthDist`].
//! - **Routing** ([`Routing`]) across the replicas that are up: round robin, least outstanding
//!   work (tokens still to compute), join-shortest-queue (requests held).
//! - **Replicas** batch continuously at iteration level as vLLM/SGLang do: every step runs one
//!   decode token for each running request, then fills the rest of the token budget with prefill
//!   chunks (oldest first) and new admissions. The KV cache is paged in blocks; a request is
//!   admitted when the blocks of its whole prompt are free and a sequence slot is open; when a
//!   decode step needs a block and none is free, the newest running request is preempted and
//!   later recomputes its prompt and generated tokens. The step's duration is
//!   [`InferenceEngine::step_time_s`] of the batch's actual composition.
//! - **Disaggregated** pools ([`Pools::Disaggregated`]): prefill replicas emit the first token
//!   and hand the KV cache to a decode replica after a transfer time.
//! - **Failures** ([`Failures`]): each replica fails after an exponential time with the given
//!   MTBF and is repaired after a fixed time; the requests it held are retried elsewhere
//!   (recomputing their context).
//!
//! Determinism: events are ordered by (time, sequence number); the simulation owns its random
//! streams, seeded from the run's seed; replications get seeds derived from (root seed, index)
//! ([`replication_seed`]) and run in parallel with rayon, so results don't depend on the thread
//! count. Memory is flat in the number of requests: arrivals are generated lazily, request state
//! lives in a slab whose slots are reused, latencies go to fixed-size [`Histogram`]s and the time
//! series is thinned when it grows past [`MAX_SAMPLES`].

pub mod arrivals;
pub mod hist;
mod replica;
pub mod scenario;
pub mod standalone;

pub use arrivals::{Burst, LengthDist, RateProfile, TraceRow, parse_trace};
pub use hist::{Histogram, Percentiles};
pub use standalone::{Analytical, BuildError, Standalone};

use fleetplan_models::infer::InferenceEngine;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rayon::prelude::*;
use replica::{Replica, Role};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// Most time-series rows kept; past this, pairs of rows merge and the interval doubles.
pub const MAX_SAMPLES: usize = 4096;

/// How a replica batches (vLLM-style scheduler settings).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SchedulerConfig {
    /// Token budget of one step (decode tokens + prefill chunk tokens).
    pub max_batched_tokens: u32,
    /// Most running requests per replica.
    pub max_num_seqs: u32,
    /// Tokens per KV-cache block.
    pub block_tokens: u32,
}

impl SchedulerConfig {
    /// vLLM's defaults with chunked prefill (8192-token budget, 16-token blocks) and the
    /// engine's running-request cap.
    pub fn for_engine(engine: &InferenceEngine) -> Self {
        SchedulerConfig {
            max_batched_tokens: 8192,
            max_num_seqs: engine.rates().max_running_requests.clamp(1.0, 1e6) as u32,
            block_tokens: 16,
        }
    }
}

/// One pool of identical replicas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pool {
    /// Replicas in the pool.
    pub replicas: u32,
    /// Performance engine of one replica (model, chip, precision, layout).
    pub engine: InferenceEngine,
    /// Scheduler settings.
    pub scheduler: SchedulerConfig,
}

/// The replicas serving the requests.
// Built once per run; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pools {
    /// Every replica prefills and decodes (continuous batching with chunked prefill).
    Colocated(Pool),
    /// Prefill pool and decode pool; the KV cache moves between them.
    Disaggregated {
        /// Prefill replicas.
        prefill: Pool,
        /// Decode replicas.
        decode: Pool,
        /// Transfer time per prompt token of KV cache, s (KV bytes per token / link bandwidth).
        kv_transfer_s_per_token: f64,
        /// Fixed latency of one KV transfer, s.
        kv_transfer_latency_s: f64,
    },
}

/// Where requests come from.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ArrivalSource {
    /// Poisson arrivals with lengths drawn from distributions.
    Poisson {
        /// Rate over time.
        rate: RateProfile,
        /// Prompt tokens.
        input: LengthDist,
        /// Generated tokens.
        output: LengthDist,
    },
    /// Replay of recorded requests (sorted by arrival).
    Trace(Arc<[TraceRow]>),
}

/// Routing policy across the replicas of a pool that are up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// Cycle through the replicas.
    RoundRobin,
    /// The replica with the fewest tokens still to compute (prefill and decode).
    LeastWork,
    /// The replica holding the fewest requests (waiting + running).
    ShortestQueue,
}

impl Routing {
    /// Names accepted on the command line.
    pub const NAMES: [&'static str; 3] = ["round-robin", "least-work", "shortest-queue"];

    /// Parse a name from [`Routing::NAMES`].
    pub fn parse(s: &str) -> Option<Routing> {
        match s {
            "round-robin" => Some(Routing::RoundRobin),
            "least-work" => Some(Routing::LeastWork),
            "shortest-queue" => Some(Routing::ShortestQueue),
            _ => None,
        }
    }
}

/// Replica failures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Failures {
    /// Mean time between failures of one replica, s (exponential).
    pub replica_mtbf_s: f64,
    /// Time to repair, s (fixed).
    pub repair_s: f64,
}

/// Latency targets a request must meet to count toward goodput.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SloTargets {
    /// Time to first token, s.
    pub ttft_s: Option<f64>,
    /// Mean time per output token of the request, s.
    pub tpot_s: Option<f64>,
}

/// A simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Replicas.
    pub pools: Pools,
    /// Arrivals.
    pub arrivals: ArrivalSource,
    /// Stop generating arrivals after this many requests.
    pub max_requests: u64,
    /// Stop generating arrivals at this time, s (the system then drains).
    pub horizon_s: Option<f64>,
    /// Routing policy.
    pub routing: Routing,
    /// Failures, if any.
    pub failures: Option<Failures>,
    /// Latency targets.
    pub slo: SloTargets,
    /// Requests a replica may hold waiting before new ones are dropped (None = unbounded).
    pub max_queue_per_replica: Option<u32>,
    /// Time-series interval, s (None = no time series).
    pub sample_interval_s: Option<f64>,
}

/// Why a configuration cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid simulation setting: {0}")]
pub struct SimError(pub String);

impl SimConfig {
    /// Check the settings.
    pub fn check(&self) -> Result<(), SimError> {
        let pools: Vec<&Pool> = match &self.pools {
            Pools::Colocated(p) => vec![p],
            Pools::Disaggregated { prefill, decode, kv_transfer_s_per_token, kv_transfer_latency_s } => {
                let ok = |v: f64| v.is_finite() && v >= 0.0;
                if !ok(*kv_transfer_s_per_token) || !ok(*kv_transfer_latency_s) {
                    return Err(SimError("KV transfer times must be finite and ≥ 0".into()));
                }
                vec![prefill, decode]
            }
        };
        for p in pools {
            if p.replicas == 0 {
                return Err(SimError("a pool needs at least one replica".into()));
            }
            let s = &p.scheduler;
            if s.block_tokens == 0 || s.max_num_seqs == 0 || s.max_batched_tokens == 0 {
                return Err(SimError("block size, sequence cap and token budget must be ≥ 1".into()));
            }
            if p.engine.kv_capacity_tokens() < f64::from(s.block_tokens) {
                return Err(SimError(format!(
                    "the model leaves no KV-cache room on this layout ({:.0} tokens per replica)",
                    p.engine.kv_capacity_tokens()
                )));
            }
        }
        if let ArrivalSource::Poisson { rate, input, output } = &self.arrivals {
            rate.check().map_err(SimError)?;
            input.check().map_err(SimError)?;
            output.check().map_err(SimError)?;
        }
        if let Some(f) = &self.failures
            && !(f.replica_mtbf_s > 0.0 && f.repair_s.is_finite() && f.repair_s >= 0.0)
        {
            return Err(SimError("MTBF must be > 0 and repair time finite and ≥ 0".into()));
        }
        if let Some(i) = self.sample_interval_s
            && !(i.is_finite() && i > 0.0)
        {
            return Err(SimError(format!("time-series interval must be > 0 s, got {i}")));
        }
        if self.max_requests == 0 && self.horizon_s.is_none() {
            return Err(SimError("give a number of requests or a horizon".into()));
        }
        Ok(())
    }
}

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
    fn new(replicas: u32) -> Self {
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
    pub fn merge(&mut self, o: &SimResult) {
        self.ttft.merge(&o.ttft);
        self.tpot.merge(&o.tpot);
        self.e2e.merge(&o.e2e);
        self.queue_wait.merge(&o.queue_wait);
        self.arrived += o.arrived;
        self.completed += o.completed;
        self.dropped += o.dropped;
        self.retried += o.retried;
        self.preemptions += o.preemptions;
        self.failures += o.failures;
        self.slo_met += o.slo_met;
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
        self.steps += o.steps;
        self.duration_s += o.duration_s;
        self.area_in_system += o.area_in_system;
        self.area_waiting += o.area_waiting;
        self.total_wait_s += o.total_wait_s;
        self.busy_s += o.busy_s;
    }

    /// Add a run that went on side by side with this one over the same time (another pool of
    /// the same fleet): counters, histograms, areas, busy time and replicas add; the duration is
    /// the longer of the two, so rates are fleet totals. The time series of `self` is kept.
    pub fn merge_concurrent(&mut self, o: &SimResult) {
        let d = self.duration_s.max(o.duration_s);
        self.merge(o);
        self.duration_s = d;
        self.replicas += o.replicas;
    }

    /// Completed requests per simulated second.
    pub fn throughput_rps(&self) -> f64 {
        ratio(self.completed as f64, self.duration_s)
    }

    /// Summary figures.
    pub fn summary(&self) -> Summary {
        let d = self.duration_s;
        Summary {
            requests_arrived: self.arrived,
            requests_completed: self.completed,
            requests_dropped: self.dropped,
            requests_retried: self.retried,
            preemptions: self.preemptions,
            failures: self.failures,
            simulated_s: d,
            ttft: self.ttft.percentiles(),
            tpot: self.tpot.percentiles(),
            e2e: self.e2e.percentiles(),
            queue_wait: self.queue_wait.percentiles(),
            throughput_rps: ratio(self.completed as f64, d),
            output_tokens_per_s: ratio(self.output_tokens as f64, d),
            input_tokens_per_s: ratio(self.input_tokens as f64, d),
            goodput_rps: ratio(self.slo_met as f64, d),
            slo_attainment: ratio(self.slo_met as f64, self.completed as f64),
            mean_in_system: ratio(self.area_in_system, d),
            mean_waiting: ratio(self.area_waiting, d),
            utilization: ratio(self.busy_s, d * f64::from(self.replicas)),
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 && a.is_finite() { a / b } else { 0.0 }
}

/// Printable summary of a run (or of merged replications).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
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

/// Seed of replication `index` from the root seed (SplitMix64 of a golden-ratio stride), so a
/// replication's result does not depend on which thread runs it.
pub fn replication_seed(root: u64, index: u64) -> u64 {
    splitmix64(root ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Run `n` replications in parallel (rayon); results are in index order.
pub fn run_replications(cfg: &SimConfig, root_seed: u64, n: u32) -> Result<Vec<SimResult>, SimError> {
    run_replications_with_progress(cfg, root_seed, n, &|_| {})
}

/// [`run_replications`], calling `progress` from the worker threads with the number of requests
/// completed since its last call (every [`PROGRESS_EVENTS`] events and at the end of each run).
/// The callback only observes: results are the same whatever it does.
pub fn run_replications_with_progress(
    cfg: &SimConfig,
    root_seed: u64,
    n: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<SimResult>, SimError> {
    cfg.check()?;
    Ok((0..u64::from(n))
        .into_par_iter()
        .map(|i| run_checked(cfg, replication_seed(root_seed, i), Some(progress)))
        .collect())
}

/// Run one simulation with `seed`.
pub fn simulate(cfg: &SimConfig, seed: u64) -> Result<SimResult, SimError> {
    cfg.check()?;
    Ok(run_checked(cfg, seed, None))
}

/// Events between two calls of a progress callback.
pub const PROGRESS_EVENTS: u64 = 1 << 16;

// ---------------------------------------------------------------------------------------------
// Event loop

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    Arrival,
    StepEnd { replica: u32, epoch: u32 },
    TransferDone { req: u32 },
    Fail { replica: u32 },
    Repair { replica: u32 },
    Sample,
}

/// Heap entry ordered by (time, seq), earliest first.
#[derive(Debug, Clone, Copy)]
struct Scheduled {
    t: f64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, o: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap.
        o.t.total_cmp(&self.t).then(o.seq.cmp(&self.seq))
    }
}

/// Request lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Free,
    Waiting,
    Prefilling,
    Decoding,
    Transferring,
    Parked,
}

/// Per-request state (slab entry).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Req {
    pub arrival_s: f64,
    pub input: u32,
    pub output: u32,
    /// Tokens generated, as of the last state change (decoding requests add steps since).
    pub generated: u32,
    /// Tokens whose KV must be computed before decoding (prompt, or prompt + generated after a
    /// preemption or retry).
    pub prefill_target: u32,
    pub prefilled: u32,
    /// Time of the first token (negative: not yet).
    pub first_token_s: f64,
    /// When the request last entered a waiting queue.
    pub enqueue_s: f64,
    pub wait_s: f64,
    /// Step index and KV length when decoding started.
    pub decode_start_step: u64,
    pub ctx0: u32,
    pub replica: u32,
    /// Bumped whenever the request leaves a replica, so stale heap entries can be skipped.
    pub epoch: u32,
    pub state: State,
}

/// State the replicas share: the clock, the request slab and the results.
pub(crate) struct Core<'a> {
    cfg: &'a SimConfig,
    pub now: f64,
    pub reqs: Vec<Req>,
    free: Vec<u32>,
    in_system: u64,
    pub waiting: u64,
    last_t: f64,
    pub out: SimResult,
}

struct Sim<'a> {
    core: Core<'a>,
    seq: u64,
    heap: BinaryHeap<Scheduled>,
    replicas: Vec<Replica>,
    /// Replica index range of the pool new arrivals go to, and of the decode pool.
    entry_pool: (u32, u32),
    decode_pool: (u32, u32),
    rr: [u32; 2],
    parked: Vec<u32>,
    rng_arrivals: SmallRng,
    rng_failures: SmallRng,
    trace_next: usize,
    generated_requests: u64,
    arrivals_done: bool,
    // Time series.
    interval: f64,
    last_sample_busy: f64,
    completed_at_last_sample: u64,
}

pub(crate) fn run_checked(cfg: &SimConfig, seed: u64, progress: Option<&(dyn Fn(u64) + Sync)>) -> SimResult {
    let mut sim = Sim::new(cfg, seed);
    sim.run(progress);
    sim.core.out
}

impl Core<'_> {
    /// Move the clock to `t`, integrating the queue lengths.
    #[inline]
    fn advance(&mut self, t: f64) {
        let dt = t - self.last_t;
        self.out.area_in_system += self.in_system as f64 * dt;
        self.out.area_waiting += self.waiting as f64 * dt;
        self.last_t = t;
        self.now = t;
    }

    fn alloc(&mut self, mut r: Req) -> u32 {
        if let Some(i) = self.free.pop() {
            // Keep the slot's epoch running so stale heap and stack entries never match the
            // slot's next occupant.
            r.epoch = self.reqs[i as usize].epoch.wrapping_add(1);
            self.reqs[i as usize] = r;
            i
        } else {
            self.reqs.push(r);
            (self.reqs.len() - 1) as u32
        }
    }

    fn release(&mut self, id: u32) {
        let r = &mut self.reqs[id as usize];
        r.state = State::Free;
        r.epoch = r.epoch.wrapping_add(1);
        self.free.push(id);
    }

    fn drop_req(&mut self, id: u32) {
        self.out.dropped += 1;
        self.in_system -= 1;
        self.release(id);
    }

    /// Leave a waiting queue (admission, or removal on failure).
    pub(crate) fn leave_wait(&mut self, id: u32) {
        let now = self.now;
        let r = &mut self.reqs[id as usize];
        r.wait_s += now - r.enqueue_s;
        self.waiting -= 1;
    }

    /// First token of a request (recorded once, even if it is later recomputed).
    pub(crate) fn first_token(&mut self, id: u32) {
        let now = self.now;
        let q = &mut self.reqs[id as usize];
        if q.first_token_s < 0.0 {
            q.first_token_s = now;
            self.out.ttft.record(now - q.arrival_s);
        }
    }

    /// Record a finished request and free its slot.
    pub(crate) fn complete(&mut self, id: u32) {
        let now = self.now;
        let q = self.reqs[id as usize];
        let ttft = q.first_token_s - q.arrival_s;
        self.out.e2e.record(now - q.arrival_s);
        self.out.queue_wait.record(q.wait_s);
        self.out.total_wait_s += q.wait_s;
        let mut ok = self.cfg.slo.ttft_s.is_none_or(|l| ttft <= l);
        if q.output > 1 {
            let tpot = (now - q.first_token_s) / f64::from(q.output - 1);
            self.out.tpot.record(tpot);
            ok &= self.cfg.slo.tpot_s.is_none_or(|l| tpot <= l);
        }
        self.out.slo_met += u64::from(ok);
        self.out.completed += 1;
        self.out.input_tokens += u64::from(q.input);
        self.out.output_tokens += u64::from(q.output);
        self.in_system -= 1;
        let n = self.out.completed;
        let m = self.cfg.max_requests;
        if m > 0 {
            if n == m.div_ceil(10) {
                self.out.window_s.0 = now;
            }
            if n == (m * 9).div_ceil(10) {
                self.out.window_s.1 = now;
            }
        }
        self.release(id);
    }
}

impl<'a> Sim<'a> {
    fn new(cfg: &'a SimConfig, seed: u64) -> Self {
        let mut replicas = Vec::new();
        let (entry_pool, decode_pool) = match &cfg.pools {
            Pools::Colocated(p) => {
                for _ in 0..p.replicas {
                    replicas.push(Replica::new(p, Role::Mixed));
                }
                ((0, p.replicas), (0, p.replicas))
            }
            Pools::Disaggregated { prefill, decode, .. } => {
                for _ in 0..prefill.replicas {
                    replicas.push(Replica::new(prefill, Role::Prefill));
                }
                for _ in 0..decode.replicas {
                    replicas.push(Replica::new(decode, Role::Decode));
                }
                ((0, prefill.replicas), (prefill.replicas, prefill.replicas + decode.replicas))
            }
        };
        let n = replicas.len() as u32;
        Sim {
            core: Core {
                cfg,
                now: 0.0,
                reqs: Vec::new(),
                free: Vec::new(),
                in_system: 0,
                waiting: 0,
                last_t: 0.0,
                out: SimResult::new(n),
            },
            seq: 0,
            heap: BinaryHeap::with_capacity(64),
            replicas,
            entry_pool,
            decode_pool,
            rr: [0, 0],
            parked: Vec::new(),
            rng_arrivals: SmallRng::seed_from_u64(splitmix64(seed)),
            rng_failures: SmallRng::seed_from_u64(splitmix64(seed ^ 0x5EED_FA11)),
            trace_next: 0,
            generated_requests: 0,
            arrivals_done: false,
            interval: cfg.sample_interval_s.unwrap_or(0.0),
            last_sample_busy: 0.0,
            completed_at_last_sample: 0,
        }
    }

    fn push(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Scheduled { t, seq: self.seq, ev });
    }

    /// Schedule the next arrival (or mark arrivals done). Its lengths are drawn when it
    /// happens, from the same stream, so the whole sequence is fixed by the seed.
    fn schedule_arrival(&mut self, after: f64) {
        let cfg = self.core.cfg;
        if cfg.max_requests > 0 && self.generated_requests >= cfg.max_requests {
            self.arrivals_done = true;
            return;
        }
        let t = match &cfg.arrivals {
            ArrivalSource::Poisson { rate, .. } => rate.next_arrival(after, &mut self.rng_arrivals),
            ArrivalSource::Trace(rows) => rows.get(self.trace_next).map(|r| r.arrival_s),
        };
        match t {
            Some(t) if cfg.horizon_s.is_none_or(|h| t <= h) => self.push(t, Ev::Arrival),
            _ => self.arrivals_done = true,
        }
    }

    fn done(&self) -> bool {
        self.arrivals_done && self.core.in_system == 0
    }

    fn run(&mut self, progress: Option<&(dyn Fn(u64) + Sync)>) {
        let mut events = 0u64;
        let mut reported = 0u64;
        self.schedule_arrival(0.0);
        if let Some(f) = self.core.cfg.failures {
            for r in 0..self.replicas.len() as u32 {
                let t = arrivals::exp1(&mut self.rng_failures) * f.replica_mtbf_s;
                self.push(t, Ev::Fail { replica: r });
            }
        }
        if self.interval > 0.0 {
            self.push(self.interval, Ev::Sample);
        }
        while let Some(s) = self.heap.pop() {
            if self.done() {
                break;
            }
            events += 1;
            if let Some(p) = progress
                && events % PROGRESS_EVENTS == 0
            {
                p(self.core.out.completed - reported);
                reported = self.core.out.completed;
            }
            self.core.advance(s.t);
            match s.ev {
                Ev::Arrival => self.on_arrival(),
                Ev::StepEnd { replica, epoch } => {
                    if self.replicas[replica as usize].epoch == epoch {
                        self.end_step(replica);
                    }
                }
                Ev::TransferDone { req } => self.route(req, self.decode_pool, 1),
                Ev::Fail { replica } => self.on_fail(replica),
                Ev::Repair { replica } => self.on_repair(replica),
                Ev::Sample => self.on_sample(),
            }
        }
        self.finish();
        if let Some(p) = progress {
            p(self.core.out.completed - reported);
        }
    }

    fn on_arrival(&mut self) {
        let (input, output) = match &self.core.cfg.arrivals {
            ArrivalSource::Poisson { input, output, .. } => {
                (input.sample(&mut self.rng_arrivals), output.sample(&mut self.rng_arrivals))
            }
            ArrivalSource::Trace(rows) => {
                let r = rows[self.trace_next];
                self.trace_next += 1;
                (r.input_tokens, r.output_tokens)
            }
        };
        self.generated_requests += 1;
        let now = self.core.now;
        self.schedule_arrival(now);
        let c = &mut self.core;
        c.out.arrived += 1;
        let id = c.alloc(Req {
            arrival_s: now,
            input,
            output,
            generated: 0,
            prefill_target: input,
            prefilled: 0,
            first_token_s: -1.0,
            enqueue_s: now,
            wait_s: 0.0,
            decode_start_step: 0,
            ctx0: 0,
            replica: 0,
            epoch: 0,
            state: State::Waiting,
        });
        c.in_system += 1;
        // A request longer than a whole replica's KV cache can never run.
        if !self.replicas.iter().all(|r| r.fits(input, output)) {
            self.core.drop_req(id);
            return;
        }
        self.route(id, self.entry_pool, 0);
    }

    /// Pick a replica that is up in `pool` for request `id` and queue it there (or park it
    /// when every replica of the pool is down). `which` selects the round-robin pointer.
    fn route(&mut self, id: u32, pool: (u32, u32), which: usize) {
        let (lo, hi) = pool;
        let reps = &self.replicas;
        let pick = match self.core.cfg.routing {
            Routing::RoundRobin => {
                let n = hi - lo;
                let start = self.rr[which];
                let found = (0..n).map(|k| (k, lo + (start + k) % n)).find(|&(_, r)| reps[r as usize].up);
                if let Some((k, _)) = found {
                    self.rr[which] = (start + k + 1) % n;
                }
                found.map(|f| f.1)
            }
            Routing::LeastWork => {
                (lo..hi).filter(|&r| reps[r as usize].up).min_by_key(|&r| reps[r as usize].outstanding_tokens)
            }
            Routing::ShortestQueue => {
                (lo..hi).filter(|&r| reps[r as usize].up).min_by_key(|&r| reps[r as usize].held())
            }
        };
        let c = &mut self.core;
        let now = c.now;
        let Some(r) = pick else {
            c.waiting += 1;
            let q = &mut c.reqs[id as usize];
            q.enqueue_s = now;
            q.state = State::Parked;
            self.parked.push(id);
            return;
        };
        let rep = &mut self.replicas[r as usize];
        if c.cfg.max_queue_per_replica.is_some_and(|m| rep.waiting.len() as u64 >= u64::from(m)) {
            c.drop_req(id);
            return;
        }
        c.waiting += 1;
        let q = &mut c.reqs[id as usize];
        q.enqueue_s = now;
        q.state = State::Waiting;
        q.replica = r;
        rep.enqueue(q, id);
        if !rep.stepping {
            self.start_step(r);
        }
    }

    fn start_step(&mut self, r: u32) {
        let rep = &mut self.replicas[r as usize];
        if rep.stepping {
            return;
        }
        if let Some(dt) = rep.schedule(&mut self.core) {
            let now = self.core.now;
            rep.stepping = true;
            rep.step_started_s = now;
            let epoch = rep.epoch;
            self.core.out.steps += 1;
            self.push(now + dt, Ev::StepEnd { replica: r, epoch });
        }
    }

    fn end_step(&mut self, r: u32) {
        let rep = &mut self.replicas[r as usize];
        rep.busy_s += self.core.now - rep.step_started_s;
        rep.stepping = false;
        let mut departures = std::mem::take(&mut rep.departures);
        rep.finish_step(&mut self.core, &mut departures);
        if let Pools::Disaggregated { kv_transfer_s_per_token, kv_transfer_latency_s, .. } = self.core.cfg.pools {
            // Prefill pool: hand the KV cache to the decode pool.
            for &id in &departures {
                let q = &mut self.core.reqs[id as usize];
                q.state = State::Transferring;
                let t = self.core.now + kv_transfer_latency_s + f64::from(q.prefill_target) * kv_transfer_s_per_token;
                self.push(t, Ev::TransferDone { req: id });
            }
        }
        departures.clear();
        self.replicas[r as usize].departures = departures;
        self.start_step(r);
    }

    fn pool_of(&self, r: u32) -> ((u32, u32), usize) {
        if r >= self.entry_pool.0 && r < self.entry_pool.1 { (self.entry_pool, 0) } else { (self.decode_pool, 1) }
    }

    fn on_fail(&mut self, r: u32) {
        let Some(f) = self.core.cfg.failures else { return };
        self.core.out.failures += 1;
        let rep = &mut self.replicas[r as usize];
        if rep.stepping {
            rep.busy_s += self.core.now - rep.step_started_s;
        }
        let evicted = rep.fail(&mut self.core);
        let (pool, which) = self.pool_of(r);
        for id in evicted {
            self.core.out.retried += 1;
            self.route(id, pool, which);
        }
        let t = self.core.now + f.repair_s;
        self.push(t, Ev::Repair { replica: r });
    }

    fn on_repair(&mut self, r: u32) {
        let Some(f) = self.core.cfg.failures else { return };
        self.replicas[r as usize].up = true;
        let t = self.core.now + arrivals::exp1(&mut self.rng_failures) * f.replica_mtbf_s;
        self.push(t, Ev::Fail { replica: r });
        let (pool, which) = self.pool_of(r);
        for id in std::mem::take(&mut self.parked) {
            self.core.leave_wait(id);
            // Requests holding a transferred KV cache go to the decode pool, the rest to the
            // pool of the repaired replica.
            let q = self.core.reqs[id as usize];
            if q.prefilled >= q.prefill_target {
                self.route(id, self.decode_pool, 1);
            } else {
                self.route(id, pool, which);
            }
        }
        self.start_step(r);
    }

    fn busy_now(&self) -> f64 {
        let now = self.core.now;
        self.replicas.iter().map(|r| r.busy_s + if r.stepping { now - r.step_started_s } else { 0.0 }).sum()
    }

    fn sample_row(&mut self, span_s: f64) -> Sample {
        let busy = self.busy_now();
        let n = self.replicas.len() as f64;
        let (used, total) = self.replicas.iter().fold((0u64, 0u64), |a, r| (a.0 + r.blocks_used, a.1 + r.blocks_total));
        let s = Sample {
            t_s: self.core.now,
            waiting: self.core.waiting,
            running: self.replicas.iter().map(|r| u64::from(r.running)).sum(),
            completed: self.core.out.completed - self.completed_at_last_sample,
            utilization: ratio(busy - self.last_sample_busy, span_s * n),
            kv_usage: ratio(used as f64, total as f64),
            replicas_up: self.replicas.iter().filter(|r| r.up).count() as u32,
        };
        self.last_sample_busy = busy;
        self.completed_at_last_sample = self.core.out.completed;
        s
    }

    fn on_sample(&mut self) {
        let s = self.sample_row(self.interval);
        let series = &mut self.core.out.series;
        series.push(s);
        if series.len() >= MAX_SAMPLES {
            // Thin: merge pairs (sum completions, average utilisation, keep the later point).
            let old = std::mem::take(series);
            *series = old
                .chunks(2)
                .map(|c| {
                    let mut m = c[c.len() - 1];
                    m.completed = c.iter().map(|x| x.completed).sum();
                    m.utilization = c.iter().map(|x| x.utilization).sum::<f64>() / c.len() as f64;
                    m
                })
                .collect();
            self.interval *= 2.0;
        }
        if !self.done() {
            let t = self.core.now + self.interval;
            self.push(t, Ev::Sample);
        }
    }

    fn finish(&mut self) {
        let now = self.core.now;
        self.core.out.duration_s = now;
        self.core.out.busy_s = self.replicas.iter().map(|r| r.busy_s).sum();
        if self.interval > 0.0 {
            let last = self.core.out.series.last().map_or(0.0, |s| s.t_s);
            if now > last {
                let s = self.sample_row(now - last);
                self.core.out.series.push(s);
            }
        }
    }
}
