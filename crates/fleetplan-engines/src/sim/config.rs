//! What a simulation runs: the replica pools and their scheduler settings, where requests come
//! from, how they are routed, replica failures, latency targets, and the checks that a
//! configuration can run ([`SimConfig::check`], failing with a [`SimError`]).

use super::arrivals::{LengthDist, LengthError, RateError, RateProfile, TraceRow};
use fleetplan_models::infer::InferenceEngine;
use serde::Serialize;
use std::sync::Arc;

/// Seconds per hour, for failure times given in hours.
const SECONDS_PER_HOUR: f64 = 3600.0;

/// Most memory one simulation may need, bytes (4 GiB, all replications running at once
/// together): the estimate ([`SimConfig::memory_estimate_bytes`]) is checked before anything
/// is allocated, so a huge replica count fails with a clear error instead of exhausting memory.
pub const MAX_SIM_MEMORY_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;

/// Shortest replica MTBF simulated, s (one minute): real accelerators fail every 10⁴–10⁵
/// hours, so even a 72-chip replica fails less than hourly; below a minute the run would spend
/// its time in failure events (and most requests in retries), not in serving.
pub const MIN_REPLICA_MTBF_S: f64 = 60.0;

/// Bytes a replica holds beyond its struct: its per-block phase table (4 bytes a block token)
/// and its share of the event heap and queues (allowance).
const REPLICA_EXTRA_BYTES: f64 = 256.0;

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
pub struct ReplicaPool {
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
    Colocated(ReplicaPool),
    /// Prefill pool and decode pool; the KV cache moves between them.
    Disaggregated {
        /// Prefill replicas.
        prefill: ReplicaPool,
        /// Decode replicas.
        decode: ReplicaPool,
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
    pub fn parse(name: &str) -> Option<Routing> {
        match name {
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

impl Failures {
    /// Failures of a replica of `chips_per_replica` chips when each chip fails independently
    /// with a mean time between failures of `chip_mtbf_hours` (a replica fails when any of its
    /// chips does, so its MTBF is the chip's ÷ chips), repaired after `repair_hours`.
    pub fn from_chip_hours(chip_mtbf_hours: f64, repair_hours: f64, chips_per_replica: f64) -> Self {
        Failures {
            replica_mtbf_s: chip_mtbf_hours * SECONDS_PER_HOUR / chips_per_replica.max(1.0),
            repair_s: repair_hours * SECONDS_PER_HOUR,
        }
    }
}

/// Latency targets a request must meet to count toward goodput.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SloTargets {
    /// Time to first token, s.
    pub ttft_s: Option<f64>,
    /// Mean time per output token of the request, s.
    pub tpot_s: Option<f64>,
}

impl SloTargets {
    /// Targets from limits in milliseconds (as scenarios and the command line give them).
    pub fn from_ms(ttft_ms: Option<f64>, tpot_ms: Option<f64>) -> Self {
        SloTargets { ttft_s: ttft_ms.map(|ms| ms / 1e3), tpot_s: tpot_ms.map(|ms| ms / 1e3) }
    }

    /// Whether any target is set (otherwise every completed request meets the SLO).
    pub fn is_set(&self) -> bool {
        self.ttft_s.is_some() || self.tpot_s.is_some()
    }
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
pub enum SimError {
    /// A KV transfer time of a disaggregated setup is negative or not finite.
    #[error("invalid simulation setting: KV transfer times must be finite and ≥ 0")]
    KvTransferTime,
    /// A pool has no replica.
    #[error("invalid simulation setting: a pool needs at least one replica")]
    NoReplicas,
    /// A scheduler setting is zero.
    #[error("invalid simulation setting: block size, sequence cap and token budget must be ≥ 1")]
    Scheduler,
    /// The model's weights leave less than one KV block per replica.
    #[error(
        "invalid simulation setting: the model leaves no KV-cache room on this layout ({kv_capacity_tokens:.0} tokens per replica)"
    )]
    NoKvRoom {
        /// KV-cache capacity of one replica, tokens.
        kv_capacity_tokens: f64,
    },
    /// The arrival rate profile is unusable.
    #[error("invalid simulation setting: {0}")]
    Rate(#[from] RateError),
    /// A length distribution is unusable.
    #[error("invalid simulation setting: {0}")]
    Length(#[from] LengthError),
    /// Failure times are out of range.
    #[error("invalid simulation setting: MTBF must be > 0 and repair time finite and ≥ 0")]
    FailureTimes,
    /// A replica would fail more often than [`MIN_REPLICA_MTBF_S`].
    #[error(
        "invalid simulation setting: a replica would fail every {replica_mtbf_s:.3} s on average (chip MTBF ÷ chips \
         per replica); the simulator needs at least {MIN_REPLICA_MTBF_S} s: real accelerators fail every 10⁴–10⁵ hours"
    )]
    FailuresTooFrequent {
        /// Replica MTBF asked for, s.
        replica_mtbf_s: f64,
    },
    /// The simulation would need more memory than [`MAX_SIM_MEMORY_BYTES`].
    #[error(
        "the simulation would need about {:.1} GiB ({replicas} replicas × {runs} concurrent replication(s)), more than \
         the {:.0} GiB limit: simulate fewer chips (the scenario form samples a slice of a large pool) or fewer replications",
        .estimate_bytes / 1073741824.0, MAX_SIM_MEMORY_BYTES / 1073741824.0
    )]
    TooLarge {
        /// Estimated bytes.
        estimate_bytes: f64,
        /// Replicas in one run.
        replicas: u64,
        /// Replications run at once.
        runs: u64,
    },
    /// Every request was dropped: the results would be a table of zeros.
    #[error(
        "all {dropped} requests were dropped and none completed: {}",
        if *.too_long {
            "every request is longer than a replica's whole KV cache (shorten the prompt or output, or use more chips per replica)"
        } else {
            "each was longer than a replica's whole KV cache or found the replicas' queues full"
        }
    )]
    AllDropped {
        /// Requests dropped.
        dropped: u64,
        /// Whether the only possible cause is a request longer than a replica's KV cache.
        too_long: bool,
    },
    /// The time-series interval is not a positive number of seconds.
    #[error("invalid simulation setting: time-series interval must be > 0 s, got {0}")]
    SampleInterval(f64),
    /// Neither a request count nor a horizon ends the arrivals.
    #[error("invalid simulation setting: give a number of requests or a horizon")]
    NoStop,
    /// The prefill pool of a disaggregated setup would leave no decode replica (or is empty).
    #[error(
        "invalid simulation setting: prefill replicas must be between 1 and {} (of {replicas} replicas), got {prefill}",
        .replicas.saturating_sub(1)
    )]
    PrefillReplicas {
        /// Replicas in all.
        replicas: u32,
        /// Prefill replicas asked for.
        prefill: u32,
    },
}

impl SimConfig {
    /// Check the settings.
    pub fn check(&self) -> Result<(), SimError> {
        for pool in self.check_pools()? {
            check_pool(pool)?;
        }
        if let ArrivalSource::Poisson { rate, input, output } = &self.arrivals {
            rate.check()?;
            input.check()?;
            output.check()?;
        }
        if let Some(failures) = &self.failures {
            if !(failures.replica_mtbf_s > 0.0 && failures.repair_s.is_finite() && failures.repair_s >= 0.0) {
                return Err(SimError::FailureTimes);
            }
            if failures.replica_mtbf_s < MIN_REPLICA_MTBF_S {
                return Err(SimError::FailuresTooFrequent { replica_mtbf_s: failures.replica_mtbf_s });
            }
        }
        if let Some(interval_s) = self.sample_interval_s
            && !(interval_s.is_finite() && interval_s > 0.0)
        {
            return Err(SimError::SampleInterval(interval_s));
        }
        if self.max_requests == 0 && self.horizon_s.is_none() {
            return Err(SimError::NoStop);
        }
        Ok(())
    }

    /// Memory `runs` concurrent replications need, bytes (estimate: replica state, result
    /// histograms and the time series; requests in flight are bounded by the replicas' KV caches).
    pub fn memory_estimate_bytes(&self, runs: u64) -> f64 {
        let pools: Vec<&ReplicaPool> = match &self.pools {
            Pools::Colocated(pool) => vec![pool],
            Pools::Disaggregated { prefill, decode, .. } => vec![prefill, decode],
        };
        let per_run: f64 = pools
            .iter()
            .map(|pool| {
                let per_replica = std::mem::size_of::<super::replica::Replica>() as f64
                    + 4.0 * f64::from(pool.scheduler.block_tokens)
                    + REPLICA_EXTRA_BYTES;
                f64::from(pool.replicas) * per_replica
            })
            .sum();
        per_run * runs as f64
    }

    /// Check that `runs` concurrent replications fit [`MAX_SIM_MEMORY_BYTES`].
    pub fn check_memory(&self, runs: u64) -> Result<(), SimError> {
        let estimate_bytes = self.memory_estimate_bytes(runs);
        if estimate_bytes <= MAX_SIM_MEMORY_BYTES {
            return Ok(());
        }
        let replicas = match &self.pools {
            Pools::Colocated(pool) => u64::from(pool.replicas),
            Pools::Disaggregated { prefill, decode, .. } => u64::from(prefill.replicas) + u64::from(decode.replicas),
        };
        Err(SimError::TooLarge { estimate_bytes, replicas, runs })
    }

    /// The pools to check, after checking the KV transfer times of a disaggregated setup.
    fn check_pools(&self) -> Result<Vec<&ReplicaPool>, SimError> {
        match &self.pools {
            Pools::Colocated(pool) => Ok(vec![pool]),
            Pools::Disaggregated { prefill, decode, kv_transfer_s_per_token, kv_transfer_latency_s } => {
                let usable = |seconds: f64| seconds.is_finite() && seconds >= 0.0;
                if !usable(*kv_transfer_s_per_token) || !usable(*kv_transfer_latency_s) {
                    return Err(SimError::KvTransferTime);
                }
                Ok(vec![prefill, decode])
            }
        }
    }

    /// Replay `rows` instead of the configured arrivals: one request per row, so the run ends
    /// after the last row.
    pub fn replay(&mut self, rows: Vec<TraceRow>) {
        self.max_requests = rows.len() as u64;
        self.arrivals = ArrivalSource::Trace(Arc::from(rows));
    }
}

fn check_pool(pool: &ReplicaPool) -> Result<(), SimError> {
    if pool.replicas == 0 {
        return Err(SimError::NoReplicas);
    }
    let scheduler = &pool.scheduler;
    if scheduler.block_tokens == 0 || scheduler.max_num_seqs == 0 || scheduler.max_batched_tokens == 0 {
        return Err(SimError::Scheduler);
    }
    let kv_capacity_tokens = pool.engine.kv_capacity_tokens();
    if kv_capacity_tokens < f64::from(scheduler.block_tokens) {
        return Err(SimError::NoKvRoom { kv_capacity_tokens });
    }
    Ok(())
}
