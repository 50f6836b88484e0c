//! The deployment a scenario simulation runs on one chip: the serving configuration the rating
//! chose for the workload ([`Rate::serving`]), its layouts built into engines. An aggregated
//! configuration is one colocated pool; a disaggregated one a prefill pool and a decode pool in
//! the rating's chip ratio, with the KV cache sent between them over scale-out.

use super::super::config::{Pools, ReplicaPool, SchedulerConfig};
use super::ScenarioSimError;
use crate::rating::{Rate, ServingConfig, chat_query};
use fleetplan_core::catalog::{Catalog, ChipId};
use fleetplan_core::scenario::ChatWorkload;
use fleetplan_core::units::Precision;
use fleetplan_models::infer::{InferenceEngine, Layout};
use fleetplan_models::{LayoutError, PerfError};

/// The engines of one chip's deployment.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deployment {
    /// Serving precision.
    pub precision: Precision,
    /// Engine of an aggregated replica, or of a decode replica.
    pub engine: InferenceEngine,
    /// Disaggregated: the prefill replica's engine and the share of the chips in prefill.
    pub prefill: Option<(InferenceEngine, f64)>,
}

impl Deployment {
    /// The deployment of `rate`'s configuration (the rating's layouts, not a new search).
    pub fn of(
        catalog: &Catalog,
        chat: &ChatWorkload,
        chip: &ChipId,
        rate: &Rate,
    ) -> Result<Deployment, ScenarioSimError> {
        let precision: Precision = rate
            .precision
            .parse()
            .map_err(|_: String| PerfError::Layout(LayoutError::UnknownPrecision { name: rate.precision.clone() }))?;
        let query = chat_query(catalog, chat, chip, precision)?;
        let engine = |layout: Layout| query.engine(layout);
        let (decode_layout, prefill) = match rate.serving {
            Some(ServingConfig::Disaggregated { prefill_layout, decode_layout, prefill_chip_share, .. }) => {
                (decode_layout, Some((engine(prefill_layout)?, prefill_chip_share)))
            }
            Some(ServingConfig::Aggregated { layout, .. }) => (layout, None),
            None => return Err(PerfError::Layout(LayoutError::NoLayout { chips: rate.instance_chips }).into()),
        };
        Ok(Deployment { precision, engine: engine(decode_layout)?, prefill })
    }

    /// Chips of `accelerators` in the decode (or aggregated) pool.
    pub fn decode_chips(&self, accelerators: f64) -> f64 {
        accelerators * (1.0 - self.prefill.map_or(0.0, |(_, share)| share))
    }

    /// Prefill replicas that go with `decode_replicas` decode replicas: the rating's chip ratio
    /// in whole replicas, at least one (none for an aggregated deployment).
    pub fn prefill_replicas(&self, decode_replicas: u32) -> u32 {
        let Some((prefill, share)) = self.prefill else { return 0 };
        let decode_chips = f64::from(decode_replicas) * self.engine.chips_per_replica();
        let prefill_chips = decode_chips * share / (1.0 - share).max(1e-12);
        (prefill_chips / prefill.chips_per_replica().max(1.0) - 1e-9).ceil().clamp(1.0, f64::from(u32::MAX)) as u32
    }

    /// The simulated pools of `replicas` decode (or aggregated) replicas: a prefill pool in the
    /// rating's ratio beside them when disaggregated, its KV cache sent over scale-out (each
    /// prefill chip sends its shard in parallel).
    pub fn pools(&self, replicas: u32) -> Pools {
        let pool = |engine: InferenceEngine, replicas| ReplicaPool {
            replicas,
            engine,
            scheduler: SchedulerConfig::for_engine(&engine),
        };
        match self.prefill {
            None => Pools::Colocated(pool(self.engine, replicas)),
            Some((prefill, _)) => Pools::Disaggregated {
                prefill: pool(prefill, self.prefill_replicas(replicas)),
                decode: pool(self.engine, replicas),
                kv_transfer_s_per_token: prefill.kv_transfer_s_per_token(),
                kv_transfer_latency_s: prefill.rates().collective_latency_s,
            },
        }
    }
}
