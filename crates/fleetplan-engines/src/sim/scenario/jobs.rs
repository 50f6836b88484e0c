//! A scenario simulation as independent jobs: one (pool, replication) each. [`super::run`]
//! runs them on threads; Python's `fleetplan.distributed.simulate_fleet` runs them as Ray tasks
//! ([`run_job`] in each, results moved as bytes) and gathers them here ([`gather`]), so both
//! give the same results and, summarised ([`ScenarioSim::summarize`]), the same percentiles:
//! the pools' streaming histograms merge exactly ([`crate::sim::Histogram::merge`]).
//!
//! A pool is one job and is not split further: its replicas share one router and one queue,
//! so simulating groups of them apart would change the answer.

use super::ScenarioSim;
use crate::sim::config::SimError;
use crate::sim::engine::{replication_seed, run_checked};
use crate::sim::result::SimResult;
use std::sync::atomic::AtomicBool;

/// The jobs of `replications` replications of every pool: (pool index, replication index),
/// pools in order, replications in order.
pub fn jobs(sim: &ScenarioSim, replications: u32) -> Vec<(usize, u64)> {
    (0..sim.pools.len()).flat_map(|k| (0..u64::from(replications)).map(move |i| (k, i))).collect()
}

/// Why one job cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// The pool index is not one of the simulation's.
    #[error("pool {pool} does not exist: the simulation has {pools} pools")]
    NoPool {
        /// Pool index asked for.
        pool: usize,
        /// Pools of the simulation.
        pools: usize,
    },
    /// The pool's settings are unusable.
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// Check that job `(pool, _)` exists and its pool's configuration (and its memory for one job)
/// before running it alone.
pub fn check_job(sim: &ScenarioSim, (pool, _): (usize, u64)) -> Result<(), JobError> {
    let config = sim.pools.get(pool).map(|p| &p.config).ok_or(JobError::NoPool { pool, pools: sim.pools.len() })?;
    Ok(crate::sim::check_all(std::iter::once(config), 1)?)
}

/// Run one job: pool `k`'s replication `i`, seeded from (`root_seed`, `k`, `i`) whatever runs
/// it or when. `progress` gets completed-request increments. The pool must exist
/// ([`check_job`]).
pub fn run_job(
    sim: &ScenarioSim,
    root_seed: u64,
    (k, i): (usize, u64),
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> SimResult {
    run_job_until(sim, root_seed, (k, i), progress, None)
}

/// [`run_job`] that ends early (with a partial result) at its next progress tick once `stop`
/// is raised ([`super::run_until`]).
pub(crate) fn run_job_until(
    sim: &ScenarioSim,
    root_seed: u64,
    (k, i): (usize, u64),
    progress: Option<&(dyn Fn(u64) + Sync)>,
    stop: Option<&AtomicBool>,
) -> SimResult {
    let pool_seed = replication_seed(root_seed, u64::MAX - k as u64);
    run_checked(&sim.pools[k].config, replication_seed(pool_seed, i), progress, stop)
}

/// Results per pool (replications in the order given) from finished jobs, checking that every
/// pool completed some requests. A result of a pool that does not exist is left out (a caller
/// with jobs from elsewhere checks them with [`check_job`]).
pub fn gather(
    sim: &ScenarioSim,
    finished: impl IntoIterator<Item = ((usize, u64), SimResult)>,
) -> Result<Vec<Vec<SimResult>>, SimError> {
    let mut out: Vec<Vec<SimResult>> = (0..sim.pools.len()).map(|_| Vec::new()).collect();
    for ((k, _), r) in finished {
        if let Some(pool) = out.get_mut(k) {
            pool.push(r);
        }
    }
    crate::sim::each_completed_some(sim.pools.iter().map(|p| &p.config), &out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{ScenarioSimOptions, build, chip_failures, run, run_until};
    use super::*;
    use crate::sim::config::Routing;
    use fleetplan_core::catalog::Catalog;

    const BYTEDANCE: &str = include_str!("../../../../../examples/bytedance-2025.toml");

    fn sim() -> ScenarioSim {
        sim_with_budget(2_000)
    }

    fn sim_with_budget(request_budget: u64) -> ScenarioSim {
        let catalog = Catalog::builtin().expect("built-in catalog");
        let scenario = fleetplan_core::scenario::validate("bytedance-2025.toml", BYTEDANCE, &catalog).expect("valid");
        let evaluation = crate::eval::evaluate(&scenario, &catalog).expect("evaluates");
        let opts = ScenarioSimOptions {
            workload: Some("doubao/deepseek-v3".into()),
            quarter: Some("2025Q3".parse().expect("quarter")),
            hours: 0.25,
            sample_fraction: None,
            request_budget,
            routing: Routing::RoundRobin,
            failures: chip_failures(false, None, 4.0),
            length_sigma: (None, None),
            sample_interval_s: None,
        };
        build(&scenario, &catalog, &evaluation, &opts).expect("builds")
    }

    #[test]
    fn a_raised_stop_flag_ends_the_run_at_its_next_tick() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let sim = sim();
        let stop = AtomicBool::new(false);
        assert_eq!(run_until(&sim, 7, 2, &|_| {}, &stop).expect("runs"), Some(run(&sim, 7, 2, &|_| {}).expect("runs")));
        stop.store(true, Ordering::Relaxed);
        assert_eq!(run_until(&sim, 7, 2, &|_| {}, &stop).expect("checks"), None, "raised before: nothing runs");
        // Raised at the first progress tick of a long run: it ends there.
        let long = sim_with_budget(400_000);
        let expected = long.expected_requests * 2.0;
        let (stop, completed) = (AtomicBool::new(false), AtomicU64::new(0));
        let stopped = run_until(
            &long,
            7,
            2,
            &|n| {
                completed.fetch_add(n, Ordering::Relaxed);
                stop.store(true, Ordering::Relaxed);
            },
            &stop,
        );
        assert_eq!(stopped.expect("checks"), None);
        let done = completed.load(Ordering::Relaxed) as f64;
        assert!(done < expected / 4.0, "{done} of {expected} requests simulated after the stop");
    }

    #[test]
    fn jobs_run_apart_in_any_order_give_the_run() {
        let sim = sim();
        let whole = run(&sim, 7, 3, &|_| {}).expect("runs");
        let mut listed = jobs(&sim, 3);
        assert_eq!(listed.len(), 3 * sim.pools.len());
        listed.reverse();
        let mut finished: Vec<((usize, u64), SimResult)> =
            listed.iter().map(|&job| (job, run_job(&sim, 7, job, None))).collect();
        finished.sort_by_key(|(job, _)| *job);
        let gathered = gather(&sim, finished).expect("gathers");
        assert_eq!(gathered, whole);
        assert_eq!(sim.summarize(&gathered), sim.summarize(&whole));
        // Another seed gives other results (the comparison above can fail).
        assert_ne!(run(&sim, 8, 3, &|_| {}).expect("runs"), whole);
    }

    #[test]
    fn histograms_rebuild_from_their_parts_and_missing_pools_are_refused() {
        let sim = sim();
        let r = run_job(&sim, 1, (0, 0), None);
        let (counts, count, sum, min, max) = r.e2e.parts();
        assert!(count > 0);
        let rebuilt = crate::sim::Histogram::from_parts(counts.to_vec(), count, sum, min, max).expect("same layout");
        assert_eq!(rebuilt, r.e2e);
        assert!(crate::sim::Histogram::from_parts(counts[1..].to_vec(), count, sum, min, max).is_none());
        let pools = sim.pools.len();
        assert_eq!(check_job(&sim, (pools, 0)), Err(JobError::NoPool { pool: pools, pools }));
        assert!(check_job(&sim, (0, 0)).is_ok());
    }
}
