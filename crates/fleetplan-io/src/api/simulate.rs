//! Serving simulations as a front end asks for them (`fleetplan simulate`, Python
//! `fleetplan.simulate(...)`): a standalone deployment named by its settings, or a scenario's
//! chat workload on the fleet its evaluation allocates; the runs and their JSON documents.

use crate::api::perf::{PerfInputError, language_model};
use fleetplan_core::catalog::{Catalog, UnknownId};
use fleetplan_core::scenario::Scenario;
use fleetplan_core::units::Precision;
use fleetplan_engines::sim::scenario::{ScenarioSim, ScenarioSimOptions, ScenarioSummary};
use fleetplan_engines::sim::{
    Analytical, BuildError, Failures, LengthDist, RateProfile, Routing, SimConfig, SimError, SimResult, SimSummary,
    SloTargets, Standalone, TraceRow, pool_replications, run_replications_with_progress,
};
use fleetplan_models::PerfError;

/// Default requests of a standalone run.
pub const DEFAULT_STANDALONE_REQUESTS: u64 = 100_000;
/// Default request budget of one replication of a scenario run (sets the automatic sample).
pub const DEFAULT_SCENARIO_REQUEST_BUDGET: u64 = 1_000_000;

/// A standalone deployment as a front end names it (`fleetplan simulate --chip ... --model ...`).
#[derive(Debug, Clone)]
pub struct StandaloneRequest {
    /// Accelerator id.
    pub chip: String,
    /// Chips in total; replicas = chips / (tp × pp).
    pub chips: u32,
    /// Tensor-parallel degree of a replica.
    pub tp: u32,
    /// Pipeline stages of a replica.
    pub pp: u32,
    /// Language-model id.
    pub model: String,
    /// Weights/activations precision.
    pub precision: Precision,
    /// Mean arrival rate, requests/s (Poisson).
    pub qps: f64,
    /// Prompt tokens per request (the mean with `input_sigma`).
    pub input: u32,
    /// Generated tokens per request (the mean with `output_sigma`).
    pub output: u32,
    /// Log-space standard deviation of lognormal prompt lengths (default: fixed).
    pub input_sigma: Option<f64>,
    /// Log-space standard deviation of lognormal output lengths (default: fixed).
    pub output_sigma: Option<f64>,
    /// Requests to simulate (default [`DEFAULT_STANDALONE_REQUESTS`]).
    pub requests: Option<u64>,
    /// Routing policy.
    pub routing: Routing,
    /// Per-request TTFT target, ms.
    pub ttft_p99_ms: Option<f64>,
    /// Per-request TPOT target, ms.
    pub tpot_p99_ms: Option<f64>,
    /// Mean time between failures of one chip, hours (none: no failures).
    pub mtbf_hours: Option<f64>,
    /// Time to repair a failed replica, hours.
    pub repair_hours: f64,
    /// Replicas used as the prefill pool (disaggregated), the rest decode.
    pub prefill_replicas: Option<u32>,
    /// Time-series interval, s (none: no time series).
    pub sample_interval_s: Option<f64>,
}

impl StandaloneRequest {
    /// The deployment: ids resolved (a diffusion model is refused as `simulate` refuses it),
    /// lengths, arrivals, SLO targets and failures built from the settings.
    pub fn setup(&self, catalog: &Catalog) -> Result<Standalone, PerfInputError> {
        let chip = catalog.resolve_chip(&self.chip).map_err(|err| PerfInputError::Unknown { argument: "chip", err })?;
        let model = language_model(catalog, "model", "simulate", &self.model)?;
        let chips_per_replica = f64::from(self.tp) * f64::from(self.pp);
        Ok(Standalone {
            chip,
            chips: self.chips,
            tp: self.tp,
            pp: self.pp,
            model,
            precision: self.precision,
            input: LengthDist::from_mean(f64::from(self.input), self.input_sigma),
            output: LengthDist::from_mean(f64::from(self.output), self.output_sigma),
            rate: RateProfile::constant(self.qps),
            requests: self.requests.unwrap_or(DEFAULT_STANDALONE_REQUESTS),
            routing: self.routing,
            slo: SloTargets::from_ms(self.ttft_p99_ms, self.tpot_p99_ms),
            failures: self.mtbf_hours.map(|h| Failures::from_chip_hours(h, self.repair_hours, chips_per_replica)),
            prefill_replicas: self.prefill_replicas,
            sample_interval_s: self.sample_interval_s,
        })
    }

    /// The settings echoed at the top of the run's document.
    pub fn echo(&self) -> serde_json::Value {
        serde_json::json!({
            "chip": self.chip, "chips": self.chips, "tp": self.tp, "pp": self.pp, "model": self.model,
            "precision": self.precision, "qps": self.qps, "routing": self.routing,
        })
    }
}

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
