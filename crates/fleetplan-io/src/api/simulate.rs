//! Serving simulations as a front end asks for them (`fleetplan simulate`, Python
//! `fleetplan.simulate(...)`): a standalone deployment named by its settings, or a scenario's
//! chat workload on the fleet its evaluation allocates; the runs and their JSON documents.

use fleetplan_core::catalog::{Catalog, UnknownId};
use fleetplan_core::scenario::Scenario;
use fleetplan_engines::sim::scenario::{ScenarioSim, ScenarioSimOptions, ScenarioSummary};
use fleetplan_engines::sim::{
    Analytical, BuildError, SimConfig, SimError, SimResult, SimSummary, Standalone, TraceRow, pool_replications,
    run_replications_with_progress,
};
use fleetplan_models::PerfError;

/// Default requests of a standalone run.
pub const DEFAULT_STANDALONE_REQUESTS: u64 = 100_000;
/// Default request budget of one replication of a scenario run (sets the automatic sample).
pub const DEFAULT_SCENARIO_REQUEST_BUDGET: u64 = 1_000_000;

/// Why a standalone deployment cannot be simulated.
#[derive(Debug, thiserror::Error)]
pub enum StandaloneError {
    /// An unknown chip (`argument` "chip") or model (`argument` "model") id.
    #[error("{argument}: {err}")]
    Unknown {
        /// `chip` or `model`.
        argument: &'static str,
        /// The lookup error with its suggestion.
        err: UnknownId,
    },
    /// Settings the simulator cannot run (layout, context, memory ...).
    #[error(transparent)]
    Build(BuildError),
    /// The run itself failed (a configuration check, memory).
    #[error(transparent)]
    Run(#[from] SimError),
}

impl From<BuildError> for StandaloneError {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::Perf(PerfError::Unknown(err)) => {
                let argument = if err.kind == "accelerator" { "chip" } else { "model" };
                StandaloneError::Unknown { argument, err }
            }
            other => StandaloneError::Build(other),
        }
    }
}

/// A standalone deployment ready to run: its configuration (with a replayed trace, when one
/// was given) and the analytical model's figures beside it.
#[derive(Debug)]
pub struct StandaloneSim {
    /// The simulator configuration.
    pub config: SimConfig,
    /// Closed-form figures of the same deployment, when the model can give them.
    pub analytical: Option<Analytical>,
}

impl StandaloneSim {
    /// The configuration of `setup` (Poisson arrivals).
    pub fn new(catalog: &Catalog, setup: &Standalone) -> Result<Self, StandaloneError> {
        let config = setup.config(catalog)?;
        Ok(StandaloneSim { config, analytical: setup.analytical(catalog).ok() })
    }

    /// Replay the trace `rows` instead of Poisson arrivals.
    pub fn replay(&mut self, rows: Vec<TraceRow>) {
        self.config.replay(rows);
    }

    /// Requests `replications` replications will simulate (for a progress bar).
    pub fn expected_requests(&self, replications: u32) -> f64 {
        self.config.max_requests as f64 * f64::from(replications)
    }

    /// Run `replications` replications (seeds derived from `seed`), in parallel; `progress` is
    /// told of completed requests.
    pub fn run(
        self,
        seed: u64,
        replications: u32,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<StandaloneRun, StandaloneError> {
        let runs = run_replications_with_progress(&self.config, seed, replications, progress)?;
        let summary = pool_replications(&runs).map(|total| total.summary());
        Ok(StandaloneRun { sim: self, runs, summary, seed, replications })
    }
}

/// A finished standalone run.
#[derive(Debug)]
pub struct StandaloneRun {
    /// What ran.
    pub sim: StandaloneSim,
    /// Each replication's result.
    pub runs: Vec<SimResult>,
    /// The replications pooled (`None` only when none ran).
    pub summary: Option<SimSummary>,
    /// Root seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
}

impl StandaloneRun {
    /// The JSON document (`fleetplan simulate --chip ... --format json`); `request` holds the
    /// settings as given (`chip`, `chips`, `tp`, `pp`, `model`, `precision`, `qps`, `routing`),
    /// echoed at the top.
    pub fn document(&self, request: serde_json::Value) -> serde_json::Value {
        let mut doc = request;
        let extra = serde_json::json!({
            "requests_per_replication": self.sim.config.max_requests, "replications": self.replications,
            "seed": self.seed, "summary": self.summary, "analytical": self.sim.analytical,
            "p99_ttft_s_by_replication": self.runs.iter().map(|r| r.ttft.quantile(0.99)).collect::<Vec<_>>(),
        });
        if let (Some(doc), serde_json::Value::Object(extra)) = (doc.as_object_mut(), extra) {
            doc.extend(extra);
        }
        doc
    }
}

/// The JSON document of a scenario run (`fleetplan simulate FILE --format json`): the
/// scenario, workload, model, quarter, hours, seed, replications, routing, failures, each pool
/// with its simulated fraction and summary, unserved demand, the fleet summary and the
/// whole-fleet throughput estimate.
pub fn scenario_document(
    s: &Scenario,
    sim: &ScenarioSim,
    opts: &ScenarioSimOptions,
    seed: u64,
    replications: u32,
    summaries: &ScenarioSummary,
) -> serde_json::Value {
    let pools: Vec<serde_json::Value> = sim
        .pools
        .iter()
        .zip(&summaries.pools)
        .map(|(p, s)| serde_json::json!({ "pool": p, "fraction_simulated": p.fraction(), "summary": s }))
        .collect();
    serde_json::json!({
        "scenario": s.name, "workload": sim.workload, "model": sim.model, "quarter": sim.quarter,
        "hours": sim.hours, "seed": seed, "replications": replications, "routing": opts.routing,
        "failures": opts.failures.map(|(m, r)| serde_json::json!({"chip_mtbf_hours": m, "repair_hours": r})),
        "pools": pools, "unserved": sim.unserved, "summary": summaries.fleet,
        "fleet_throughput_rps_estimate": summaries.fleet_throughput_rps,
    })
}
