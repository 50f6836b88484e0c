//! Building a simulation from catalog ids: one chip type, one model, `chips / (tp × pp)`
//! colocated replicas, Poisson arrivals (the MLPerf-server-like standalone case), and the
//! analytical figures the simulation is compared with.

use super::arrivals::{LengthDist, RateProfile};
use super::config::{
    ArrivalSource, Failures, Pools, ReplicaPool, Routing, SchedulerConfig, SimConfig, SimError, SloTargets,
};
use fleetplan_core::catalog::{Catalog, ChipId, LlmId};
use fleetplan_core::scenario::request::context_problem;
use fleetplan_core::units::Precision;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{InferenceEngine, Layout, RequestShape, ServeMode, ServingStack, Slo, best_for_layout};
use fleetplan_models::{LayoutError, PerfError};
use serde::Serialize;

/// Why a standalone simulation cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// Catalog lookup, precision or layout problem.
    #[error(transparent)]
    Perf(#[from] PerfError),
    /// Bad simulation setting.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The mean prompt and output do not fit the model's context window.
    #[error(
        "a request of {input_tokens} prompt + {output_tokens} output tokens does not fit model `{model}`'s context of \
         {max_context_tokens} tokens: give a prompt of at most {} tokens",
        .max_context_tokens.saturating_sub(*.output_tokens)
    )]
    Context {
        /// Model id.
        model: String,
        /// Mean prompt tokens.
        input_tokens: u64,
        /// Mean output tokens.
        output_tokens: u64,
        /// The model's context window, tokens.
        max_context_tokens: u64,
    },
}

/// A standalone serving setup named by catalog ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Standalone {
    /// Accelerator (resolved from the user's id by the caller).
    pub chip: ChipId,
    /// Chips in total.
    pub chips: u32,
    /// Tensor-parallel degree of a replica.
    pub tp: u32,
    /// Pipeline stages of a replica.
    pub pp: u32,
    /// Language model (resolved from the user's id or alias by the caller).
    pub model: LlmId,
    /// Weight/activation precision.
    pub precision: Precision,
    /// Prompt lengths.
    pub input: LengthDist,
    /// Output lengths.
    pub output: LengthDist,
    /// Arrival rate profile.
    pub rate: RateProfile,
    /// Requests to simulate.
    pub requests: u64,
    /// Routing policy.
    pub routing: Routing,
    /// Latency targets.
    pub slo: SloTargets,
    /// Replica failures.
    pub failures: Option<Failures>,
    /// Disaggregation: number of the replicas used as the prefill pool (None = colocated).
    pub prefill_replicas: Option<u32>,
    /// Time-series interval, s.
    pub sample_interval_s: Option<f64>,
}

/// Analytical figures of the performance engine for the same setup (per replica unless noted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Analytical {
    /// Replicas.
    pub replicas: u32,
    /// Time to first token of a request alone (its prompt in one step), s.
    pub ttft_single_s: f64,
    /// Time per output token of a request alone (decode step at mean context), s.
    pub tpot_single_s: f64,
    /// Most requests/s the fleet completes (offline optimum of continuous batching), all replicas.
    pub max_requests_per_s: f64,
    /// Batch at that optimum, per replica.
    pub max_batch: f64,
    /// KV-cache capacity of one replica, tokens.
    pub kv_capacity_tokens: f64,
}

impl Standalone {
    /// The performance engine of one replica (under the chip vendor's default serving engine).
    pub fn engine(&self, catalog: &Catalog) -> Result<InferenceEngine, PerfError> {
        let model = &catalog[&self.model];
        let stack = ServingStack::default_for(catalog, &self.chip);
        let rates = stack.apply(ChipRates::of_chip(catalog, &self.chip, self.precision)?);
        let layout = Layout { tp: self.tp, pp: self.pp, dp: 1, ep: 1 };
        InferenceEngine::new(model, rates, stack.default_kv_precision(self.precision), layout)
    }

    /// Replicas: whole `tp × pp` groups in `chips`.
    pub fn replicas(&self) -> Result<u32, PerfError> {
        let per = self.tp.max(1) * self.pp.max(1);
        if self.chips < per || self.tp == 0 || self.pp == 0 {
            return Err(LayoutError::ReplicaExceedsChips { chips: self.chips, tp: self.tp, pp: self.pp }.into());
        }
        Ok(self.chips / per)
    }

    /// The simulation.
    pub fn config(&self, catalog: &Catalog) -> Result<SimConfig, BuildError> {
        let model = &catalog[&self.model];
        let (input, output) = (self.input.mean(), self.output.mean());
        if context_problem(input, output, f64::from(model.max_context_tokens)).is_some() {
            return Err(BuildError::Context {
                model: model.id.clone(),
                input_tokens: input.round() as u64,
                output_tokens: output.round() as u64,
                max_context_tokens: u64::from(model.max_context_tokens),
            });
        }
        let engine = self.engine(catalog)?;
        let replicas = self.replicas()?;
        let scheduler = SchedulerConfig::for_engine(&engine);
        let pools = match self.prefill_replicas {
            None => Pools::Colocated(ReplicaPool { replicas, engine, scheduler }),
            Some(prefill) => {
                if prefill == 0 || prefill >= replicas {
                    return Err(SimError::PrefillReplicas { replicas, prefill }.into());
                }
                Pools::Disaggregated {
                    prefill: ReplicaPool { replicas: prefill, engine, scheduler },
                    decode: ReplicaPool { replicas: replicas - prefill, engine, scheduler },
                    // The engine's one formula (`InferenceEngine::kv_transfer_s`), as the rating uses.
                    kv_transfer_s_per_token: engine.kv_transfer_s_per_token(),
                    kv_transfer_latency_s: engine.rates().collective_latency_s,
                }
            }
        };
        let cfg = SimConfig {
            pools,
            arrivals: ArrivalSource::Poisson {
                rate: self.rate.clone(),
                input: self.input.clone(),
                output: self.output.clone(),
            },
            max_requests: self.requests,
            horizon_s: None,
            routing: self.routing,
            failures: self.failures,
            slo: self.slo,
            max_queue_per_replica: None,
            sample_interval_s: self.sample_interval_s,
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// The analytical engine's figures for the mean request shape.
    pub fn analytical(&self, catalog: &Catalog) -> Result<Analytical, PerfError> {
        let e = self.engine(catalog)?;
        let replicas = self.replicas()?;
        let w = RequestShape::new(self.input.mean(), self.output.mean(), 0.0);
        let r = best_for_layout(&e, &w, ServeMode::Offline, &Slo::default(), e.layout().chips(), None)?;
        Ok(Analytical {
            replicas,
            ttft_single_s: e.step_time_s(&e.prefill_load(w.computed_input(), &w)),
            tpot_single_s: e.step_time_s(&e.decode_load(1.0, &w)),
            max_requests_per_s: r.best.requests_per_s_per_chip * f64::from(e.layout().chips()) * f64::from(replicas),
            max_batch: r.best.batch,
            kv_capacity_tokens: e.kv_capacity_tokens(),
        })
    }
}
