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
//!
//! Files: [`config`] (what a run simulates and its checks), `engine` (the event loop), `replica`
//! (one replica's batching), [`result`] (what a run produces and how results combine),
//! [`arrivals`], [`hist`], [`standalone`] and [`scenario`] (building a configuration from
//! catalog ids or from a scenario's fleet).

pub mod arrivals;
pub mod config;
mod engine;
pub mod hist;
mod replica;
pub mod result;
pub mod scenario;
pub mod standalone;

pub use arrivals::{Burst, LengthDist, LengthError, RateError, RateProfile, TraceRow, parse_trace};
pub use config::{
    ArrivalSource, Failures, MAX_SIM_MEMORY_BYTES, MIN_REPLICA_MTBF_S, Pools, ReplicaPool, Routing, SchedulerConfig,
    SimConfig, SimError, SloTargets,
};
pub use engine::{MAX_SAMPLES, PROGRESS_EVENTS, replication_seed};
pub use hist::{Histogram, Percentiles};
pub use result::{Sample, SimResult, SimSummary, combine_pools, pool_replications};
pub use standalone::{Analytical, BuildError, Standalone};

use engine::run_checked;
use rayon::prelude::*;

/// Run `replications` replications in parallel (rayon); results are in index order.
pub fn run_replications(cfg: &SimConfig, root_seed: u64, replications: u32) -> Result<Vec<SimResult>, SimError> {
    run_replications_with_progress(cfg, root_seed, replications, &|_| {})
}

/// [`run_replications`], calling `progress` from the worker threads with the number of requests
/// completed since its last call (every [`PROGRESS_EVENTS`] events and at the end of each run).
/// The callback only observes: results are the same whatever it does.
pub fn run_replications_with_progress(
    cfg: &SimConfig,
    root_seed: u64,
    replications: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<SimResult>, SimError> {
    cfg.check()?;
    let concurrent = u64::from(replications).min(rayon::current_num_threads() as u64).max(1);
    cfg.check_memory(concurrent)?;
    let runs: Vec<SimResult> = (0..u64::from(replications))
        .into_par_iter()
        .map(|index| run_checked(cfg, replication_seed(root_seed, index), Some(progress), None))
        .collect();
    if let Some(pooled) = pool_replications(&runs) {
        nothing_completed(cfg, &pooled)?;
    }
    Ok(runs)
}

/// Run one simulation with `seed`.
pub fn simulate(cfg: &SimConfig, seed: u64) -> Result<SimResult, SimError> {
    cfg.check()?;
    cfg.check_memory(1)?;
    let result = run_checked(cfg, seed, None, None);
    nothing_completed(cfg, &result)?;
    Ok(result)
}

/// A run in which requests arrived but every one was dropped is an error
/// ([`SimError::AllDropped`]), not a table of zero latencies.
pub fn nothing_completed(cfg: &SimConfig, result: &SimResult) -> Result<(), SimError> {
    if result.completed == 0 && result.dropped > 0 {
        // Without a queue cap a request is dropped only when it can never fit a replica's KV cache.
        return Err(SimError::AllDropped { dropped: result.dropped, too_long: cfg.max_queue_per_replica.is_none() });
    }
    Ok(())
}

/// Check every configuration of a multi-pool run ([`SimConfig::check`]) and its memory: the
/// largest pool's estimate × the jobs running at once (`replications` per pool, on the thread
/// pool), against [`MAX_SIM_MEMORY_BYTES`].
pub(crate) fn check_all<'a>(configs: impl Iterator<Item = &'a SimConfig>, replications: u64) -> Result<(), SimError> {
    let configs: Vec<&SimConfig> = configs.collect();
    for cfg in &configs {
        cfg.check()?;
    }
    let jobs = replications.saturating_mul(configs.len() as u64);
    let concurrent = jobs.min(rayon::current_num_threads() as u64).max(1);
    let largest = configs.iter().max_by(|a, b| a.memory_estimate_bytes(1).total_cmp(&b.memory_estimate_bytes(1)));
    largest.map_or(Ok(()), |cfg| cfg.check_memory(concurrent))
}

/// [`nothing_completed`] for each pool of a multi-pool run (its replications pooled).
pub(crate) fn each_completed_some<'a>(
    configs: impl Iterator<Item = &'a SimConfig>,
    results: &[Vec<SimResult>],
) -> Result<(), SimError> {
    for (cfg, runs) in configs.zip(results) {
        if let Some(pooled) = pool_replications(runs) {
            nothing_completed(cfg, &pooled)?;
        }
    }
    Ok(())
}
