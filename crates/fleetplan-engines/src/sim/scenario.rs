//! Scenario form of the simulator: one chat workload of a scenario on the fleet the evaluation
//! gives it, for a number of hours, as one simulated pool per (user region, chip).
//!
//! - **Demand**: the demand model's mean output tokens/s per user region in the chosen quarter
//!   ([`demand::chat_demand`], growth included) ÷ output tokens per request = mean requests/s,
//!   shaped over the day by the workload's diurnal profile ([`demand::profile_of`]) and grown
//!   within the run by the daily equivalent of its quarterly growth.
//! - **Capacity**: the evaluation's serving allocation for the workload in that quarter
//!   ([`WorkloadQuarter::allocation`](crate::eval::WorkloadQuarter): accelerators of each
//!   (site, chip) pool its LP devotes to each user region). Per user region, the allocated
//!   accelerators of one chip type, over all sites, form one pool (the router sees them as one set
//!   of replicas); replicas = accelerators ÷ (tp × pp), rounded up to whole replicas (at least
//!   one, at most what the chips held at those sites allow), so the simulated pool has at least
//!   the evaluated capacity (accelerators × per-chip rate = the region's
//!   [`RegionCoverage::capacity_per_s`](crate::eval::RegionCoverage)).
//! - **Configuration**: the one the rating chose for the chip ([`Rate::serving`]): aggregated
//!   replicas of its layout, or a decode pool of its decode layout with a prefill pool of its
//!   prefill layout beside it in the rating's chip ratio (the KV cache sent over scale-out;
//!   `deploy.rs`). Replicas are counted in the decode (or aggregated) pool.
//! - **Routing**: a region's requests go to its pools in proportion to their replicas, and within
//!   a pool by the chosen [`Routing`] policy.
//! - **Sampling**: a day of a large app is 10⁸–10⁹ requests. When the expected number of requests
//!   exceeds the budget, each pool is simulated as a representative slice: `round(replicas × f)`
//!   replicas (at least [`MIN_SLICE_REPLICAS`] or all of them) receiving the same share of the
//!   pool's traffic, so the load per replica, and with it the latency distribution, is the
//!   fleet's. Counts and throughputs are of the slice; [`PoolRun`] says what was simulated.
//!   When even the floor of replicas would receive more than twice its share of the budget over
//!   the horizon, its arrivals stop at that share (`max_requests`): `--requests` bounds the work,
//!   and the run covers less time than `--hours` (the summary's simulated seconds say how much).

mod deploy;
pub mod jobs;

use super::arrivals::{LengthDist, RateError, RateProfile};
use super::config::{ArrivalSource, Failures, Routing, SimConfig, SimError, SloTargets};

use super::result::{SimResult, SimSummary, combine_pools, pool_replications};
use crate::eval::{Evaluation, WorkloadQuarter};
use crate::rating::Rate;
use deploy::Deployment;
use fleetplan_core::catalog::{Catalog, ChipId, RegionId};
use fleetplan_core::scenario::{ChatWorkload, Quarter, Scenario, WorkloadKind, WorkloadSpec};
use fleetplan_core::suggest::did_you_mean;
use fleetplan_core::units::Precision;
use fleetplan_models::PerfError;
use fleetplan_models::demand::{self, Profile};
use fleetplan_models::infer::Layout;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

/// Default mean time between failures of one accelerator, hours. Meta's Llama 3 paper (Dubey et
/// al., 2024, §3.3.4) reports 419 unexpected interruptions in 54 days on 16,384 H100s:
/// 16,384 × 54 × 24 h / 419 ≈ 50,700 h per GPU (confidence: secondary — a training cluster,
/// counting every cause including hosts and network; rounded down to 50,000 h).
pub const DEFAULT_CHIP_MTBF_HOURS: f64 = 50_000.0;

/// Default time to take a failed replica out, replace or reboot it and reload the model, hours
/// (confidence: estimate).
pub const DEFAULT_REPAIR_HOURS: f64 = 1.0;

/// Fewest replicas a sampled slice of a pool keeps (or the whole pool when smaller), so routing
/// still balances across several replicas.
pub const MIN_SLICE_REPLICAS: u32 = 8;

/// Longest span the scenario form simulates, hours: one quarter (its demand and fleet are one
/// quarter's; `--hours 1e308` gave a few seconds of nonsense).
pub const MAX_SIM_HOURS: f64 = 24.0 * 92.0;

/// Days per quarter, for turning quarterly growth into daily growth.
const DAYS_PER_QUARTER: f64 = 365.25 / 4.0;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSimOptions {
    /// Chat workload id (None: the only chat workload of the scenario).
    pub workload: Option<String>,
    /// Quarter whose demand and fleet are simulated (None: the last quarter of the horizon).
    pub quarter: Option<Quarter>,
    /// Simulated hours from local midnight (arrivals stop then; the system drains).
    pub hours: f64,
    /// Share of every pool to simulate, 0–1 (None: automatic from `request_budget`).
    pub sample_fraction: Option<f64>,
    /// Automatic sampling keeps the expected requests of one replication under this.
    pub request_budget: u64,
    /// Routing inside a pool.
    pub routing: Routing,
    /// Mean time between failures of one chip, hours, and repair time, hours (None: no failures).
    pub failures: Option<(f64, f64)>,
    /// Log-space standard deviation of prompt and output lengths (None: fixed prompts at the
    /// workload's mean, outputs with the workload's `output_tokens_cv` spread, fixed when 0).
    pub length_sigma: (Option<f64>, Option<f64>),
    /// Time-series interval, s (None: no time series).
    pub sample_interval_s: Option<f64>,
}

/// The prefill pool beside a disaggregated pool's decode replicas.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrefillPool {
    /// Layout of every prefill replica.
    pub layout: Layout,
    /// Prefill replicas of the whole pool.
    pub replicas: u32,
    /// Prefill replicas simulated (the slice).
    pub replicas_simulated: u32,
}

/// One simulated pool: the replicas of one chip type serving one user region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolRun {
    /// Catalog region id of the users.
    pub region: String,
    /// Accelerator id.
    pub chip: String,
    /// Sites whose allocated chips form the pool.
    pub sites: Vec<String>,
    /// Serving precision.
    pub precision: Precision,
    /// Layout of every replica (of the decode pool when disaggregated).
    pub layout: Layout,
    /// The prefill pool of a disaggregated configuration (the rating's chip ratio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill: Option<PrefillPool>,
    /// Accelerators of this chip the evaluation's allocation devotes to these users (all sites).
    pub accelerators: f64,
    /// Replicas of the whole pool.
    pub replicas: u32,
    /// Replicas simulated (the slice).
    pub replicas_simulated: u32,
    /// Mean requests/s of the whole pool over the day.
    pub mean_requests_per_s: f64,
    /// Mean requests/s sent to the simulated slice.
    pub simulated_mean_requests_per_s: f64,
    /// The simulation of the slice.
    #[serde(skip)]
    pub config: SimConfig,
}

impl PoolRun {
    /// Share of the pool simulated (replicas simulated ÷ replicas).
    pub fn fraction(&self) -> f64 {
        f64::from(self.replicas_simulated) / f64::from(self.replicas.max(1))
    }
}

/// Users of a region the fleet gives no capacity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unserved {
    /// Region id of the users.
    pub region: String,
    /// Their mean requests/s.
    pub mean_requests_per_s: f64,
}

/// A scenario simulation, ready to run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioSim {
    /// Workload id.
    pub workload: String,
    /// Model id.
    pub model: String,
    /// Quarter simulated.
    pub quarter: Quarter,
    /// Hours of arrivals.
    pub hours: f64,
    /// Pools, by region then chip.
    pub pools: Vec<PoolRun>,
    /// Regions without capacity (their requests are not simulated).
    pub unserved: Vec<Unserved>,
    /// Expected requests of one replication over all simulated pools.
    pub expected_requests: f64,
}

/// Why a scenario simulation cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioSimError {
    /// `--workload` names no workload.
    #[error("no workload `{given}` in the scenario{}", hint(.suggestion))]
    UnknownWorkload {
        /// As given.
        given: String,
        /// Closest chat workload id, if any is close.
        suggestion: Option<String>,
        /// Chat workload ids.
        known: Vec<String>,
    },
    /// The workload exists but is not a chat app.
    #[error("workload `{id}` is a {} workload; the simulator serves chat workloads ({})", .kind.as_str(), .chat.join(", "))]
    NotChat {
        /// Workload id.
        id: String,
        /// Its kind.
        kind: WorkloadKind,
        /// Chat workload ids.
        chat: Vec<String>,
    },
    /// No workload was named and there is not exactly one chat workload.
    #[error("{}", if .0.is_empty() { "the scenario has no chat workload to simulate".to_string() } else { format!("the scenario has several chat workloads; pick one with --workload ({})", .0.join(", ")) })]
    Ambiguous(Vec<String>),
    /// The quarter is outside the horizon.
    #[error("quarter {given} is outside the scenario's horizon {start}–{end}")]
    Quarter {
        /// As given.
        given: Quarter,
        /// First quarter.
        start: Quarter,
        /// Last quarter.
        end: Quarter,
    },
    /// The fleet gives the workload no capacity in the quarter.
    #[error(
        "the fleet gives `{workload}` no serving capacity in {quarter} (no chip it may use meets its latency targets, or none is in service); run `fleetplan evaluate` for the reasons"
    )]
    NoCapacity {
        /// Workload id.
        workload: String,
        /// Quarter.
        quarter: Quarter,
    },
    /// Hours to simulate that are not a positive number up to [`MAX_SIM_HOURS`].
    #[error("hours must be > 0 and at most {MAX_SIM_HOURS} (the quarter whose demand is simulated), got {}", fleetplan_core::format::given(*.0))]
    Hours(f64),
    /// A sample fraction outside (0, 1].
    #[error("sample fraction must be in (0, 1], got {0}")]
    SampleFraction(f64),
    /// The workload's diurnal profile cannot shape the arrival rate.
    #[error(transparent)]
    Rate(#[from] RateError),
    /// Performance engine problem.
    #[error(transparent)]
    Perf(#[from] PerfError),
    /// Simulation setting problem.
    #[error(transparent)]
    Sim(#[from] SimError),
}

fn hint(s: &Option<String>) -> String {
    s.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

/// Pick the chat workload `opts` names (or the only one).
fn pick<'s>(scenario: &'s Scenario, name: Option<&str>) -> Result<(&'s str, &'s ChatWorkload), ScenarioSimError> {
    let chats: Vec<(&str, &ChatWorkload)> = scenario
        .workloads
        .iter()
        .filter_map(|w| match &w.spec {
            WorkloadSpec::Chat(c) => Some((w.id.as_str(), c)),
            _ => None,
        })
        .collect();
    let ids = || chats.iter().map(|c| c.0.to_string()).collect::<Vec<_>>();
    match name {
        None if chats.len() == 1 => Ok(chats[0]),
        None => Err(ScenarioSimError::Ambiguous(ids())),
        Some(n) => {
            if let Some(c) = chats.iter().find(|c| c.0 == n) {
                return Ok(*c);
            }
            if let Some(w) = scenario.workloads.iter().find(|w| w.id == n) {
                return Err(ScenarioSimError::NotChat { id: w.id.clone(), kind: w.spec.kind(), chat: ids() });
            }
            let known = ids();
            let suggestion = did_you_mean(n, known.iter().map(String::as_str)).map(str::to_string);
            Err(ScenarioSimError::UnknownWorkload { given: n.to_string(), suggestion, known })
        }
    }
}

/// The workload being simulated and what its pools are built from.
struct Context<'a> {
    catalog: &'a Catalog,
    evaluation: &'a Evaluation,
    /// Workload id.
    workload: &'a str,
    chat: &'a ChatWorkload,
    quarter: Quarter,
    /// Index of `quarter` in the horizon (0 = first), for the growth schedule.
    quarter_index: u32,
}

/// One pool per (user region, chip), before sampling.
struct Draft {
    region: String,
    chip: String,
    sites: Vec<String>,
    /// The rating's configuration on this chip.
    deployment: Deployment,
    /// Accelerators the evaluation's allocation devotes to these users (all sites).
    accelerators: f64,
    /// Aggregated (or, disaggregated, decode) replicas.
    replicas: u32,
    /// Mean requests/s of the whole pool.
    requests_per_s: f64,
}

/// Check the option values that do not depend on the scenario.
fn check_options(opts: &ScenarioSimOptions) -> Result<(), ScenarioSimError> {
    if !(opts.hours.is_finite() && opts.hours > 0.0 && opts.hours <= MAX_SIM_HOURS) {
        return Err(ScenarioSimError::Hours(opts.hours));
    }
    if let Some(fraction) = opts.sample_fraction
        && !(fraction > 0.0 && fraction <= 1.0)
    {
        return Err(ScenarioSimError::SampleFraction(fraction));
    }
    Ok(())
}

/// The quarter `opts` asks for (default: the last of the horizon), which must be in the horizon.
fn quarter_of(scenario: &Scenario, opts: &ScenarioSimOptions) -> Result<Quarter, ScenarioSimError> {
    let quarter = opts.quarter.unwrap_or_else(|| scenario.end());
    if quarter < scenario.start || quarter > scenario.end() {
        return Err(ScenarioSimError::Quarter { given: quarter, start: scenario.start, end: scenario.end() });
    }
    Ok(quarter)
}

/// Build the simulation of one chat workload of `scenario` on the fleet `evaluation` assessed.
pub fn build(
    scenario: &Scenario,
    catalog: &Catalog,
    evaluation: &Evaluation,
    opts: &ScenarioSimOptions,
) -> Result<ScenarioSim, ScenarioSimError> {
    check_options(opts)?;
    let (workload, chat) = pick(scenario, opts.workload.as_deref())?;
    let quarter = quarter_of(scenario, opts)?;
    let quarter_index = u32::try_from(quarter.since(scenario.start)).unwrap_or(0);
    let context = Context { catalog, evaluation, workload, chat, quarter, quarter_index };
    let profile = demand::profile_of(&chat.serving, catalog);
    // Demand of the simulated quarter: the demand model runs from the horizon's start so that
    // the quarter's growth applies, and only that quarter's rows are kept.
    let region_demand: Vec<demand::RegionDemand> =
        demand::chat_demand(workload, chat, &profile, scenario.start, quarter_index + 1)
            .into_iter()
            .filter(|row| row.quarter == quarter)
            .collect();
    let (drafts, unserved) = draft_pools(&context, &region_demand)?;
    if drafts.is_empty() {
        return Err(ScenarioSimError::NoCapacity { workload: workload.to_string(), quarter });
    }
    let pools = sample_pools(&context, &profile, opts, drafts)?;
    let horizon_s = opts.hours * 3600.0;
    let expected_requests = pools.iter().fold(0.0, |total, pool| {
        let over_horizon = pool.simulated_mean_requests_per_s * horizon_s;
        let cap = pool.config.max_requests;
        total + if cap > 0 { over_horizon.min(cap as f64) } else { over_horizon }
    });
    Ok(ScenarioSim {
        workload: workload.to_string(),
        model: chat.model.to_string(),
        quarter,
        hours: opts.hours,
        pools,
        unserved,
        expected_requests,
    })
}

/// The pools per (user region, chip) that the evaluation's allocation gives the workload, with
/// each region's requests split across its pools in proportion to their replicas; and the
/// regions with demand but no capacity.
fn draft_pools(
    context: &Context,
    region_demand: &[demand::RegionDemand],
) -> Result<(Vec<Draft>, Vec<Unserved>), ScenarioSimError> {
    let Context { evaluation, workload, quarter, .. } = *context;
    let coverage = evaluation
        .workloads
        .iter()
        .find(|coverage| coverage.workload == workload && coverage.quarter == quarter)
        .ok_or(ScenarioSimError::NoCapacity { workload: workload.to_string(), quarter })?;
    let rates: BTreeMap<&str, &Rate> = evaluation
        .rates
        .iter()
        .filter(|rate| rate.workload == workload && rate.usable())
        .map(|rate| (rate.chip.as_str(), rate))
        .collect();
    let output_tokens = context.chat.output_tokens_per_request.max(1.0);
    let mut drafts: Vec<Draft> = Vec::new();
    let mut unserved = Vec::new();
    let mut deployments: BTreeMap<ChipId, Deployment> = BTreeMap::new();
    for users in region_demand {
        let requests_per_s = users.mean_per_s / output_tokens;
        let mut region_drafts = Vec::new();
        for (chip, (sites, accelerators)) in allocated_chips(coverage, &users.region) {
            // The LP only allocates pairs with a usable rate, so every allocated chip has one.
            let Some(rate) = rates.get(chip.as_str()) else { continue };
            let deployment = match deployments.get(chip) {
                Some(deployment) => *deployment,
                None => *deployments.entry(chip.clone()).or_insert(Deployment::of(
                    context.catalog,
                    context.chat,
                    chip,
                    rate,
                )?),
            };
            let replicas = whole_replicas(context, chip.as_str(), &sites, accelerators, &deployment);
            region_drafts.push(Draft {
                region: users.region.to_string(),
                chip: chip.to_string(),
                sites,
                deployment,
                accelerators,
                replicas,
                requests_per_s: 0.0,
            });
        }
        let replicas: u32 = region_drafts.iter().map(|draft| draft.replicas).sum();
        if replicas == 0 {
            if requests_per_s > 0.0 {
                unserved.push(Unserved { region: users.region.to_string(), mean_requests_per_s: requests_per_s });
            }
            continue;
        }
        for draft in &mut region_drafts {
            draft.requests_per_s = requests_per_s * f64::from(draft.replicas) / f64::from(replicas);
        }
        drafts.extend(region_drafts.into_iter().filter(|draft| draft.requests_per_s > 0.0));
    }
    Ok((drafts, unserved))
}

/// Chip → (sites, accelerators the evaluation's allocation devotes to the users of `region`
/// there), chips in id order.
fn allocated_chips<'e>(coverage: &'e WorkloadQuarter, region: &RegionId) -> BTreeMap<&'e ChipId, (Vec<String>, f64)> {
    let mut allocated: BTreeMap<&ChipId, (Vec<String>, f64)> = BTreeMap::new();
    for share in coverage.allocation.iter().filter(|share| share.user_region == *region && share.accelerators > 0.0) {
        let (sites, accelerators) = allocated.entry(&share.chip).or_default();
        sites.push(share.site.to_string());
        *accelerators += share.accelerators;
    }
    allocated
}

/// Whole replicas covering `accelerators` chips of `chip` (the decode pool's share of them in a
/// disaggregated deployment), at least one and at most what the chips of that type held at
/// `sites` in the quarter allow.
fn whole_replicas(context: &Context, chip: &str, sites: &[String], accelerators: f64, deployment: &Deployment) -> u32 {
    let chips_per_replica = deployment.engine.chips_per_replica().max(1.0);
    let accelerators = deployment.decode_chips(accelerators);
    // Chips of this type held at the pool's sites in the quarter (an upper bound).
    let held_chips: u64 = context
        .evaluation
        .sites
        .iter()
        .filter(|site| site.quarter == context.quarter && sites.contains(&site.site))
        .filter_map(|site| site.accelerators_by_chip.get(chip))
        .sum();
    let held_replicas = (held_chips as f64 / chips_per_replica).floor().max(1.0);
    (accelerators / chips_per_replica - 1e-9).ceil().clamp(1.0, held_replicas).min(f64::from(u32::MAX)) as u32
}

/// What every simulated slice shares: its arrival shape, latency targets and failures.
struct SliceShape<'a> {
    profile: &'a Profile,
    growth_per_day: f64,
    input: LengthDist,
    output: LengthDist,
    slo: SloTargets,
    horizon_s: f64,
}

/// Output lengths of a chat workload: lognormal with the log-space `sigma` given, else with the
/// workload's spread (`σ = √ln(1 + cv²)`, the lognormal of that coefficient of variation; fixed
/// lengths for cv 0), cut at the workload's longest output when it gives one.
fn output_lengths(chat: &ChatWorkload, sigma: Option<f64>) -> LengthDist {
    let cv = chat.request.output_tokens_cv;
    let sigma = sigma.or((cv > 0.0).then(|| (1.0 + cv * cv).ln().sqrt()));
    match (LengthDist::from_mean(chat.output_tokens_per_request, sigma), chat.request.output_tokens_max) {
        (LengthDist::LogNormal { mean, sigma, .. }, Some(max)) => {
            LengthDist::LogNormal { mean, sigma, max: max.round().clamp(1.0, f64::from(u32::MAX)) as u32 }
        }
        (lengths, _) => lengths,
    }
}

/// Sample every pool to a slice ([`MIN_SLICE_REPLICAS`] or the whole pool at least, under
/// automatic sampling) and build its simulation.
fn sample_pools(
    context: &Context,
    profile: &Profile,
    opts: &ScenarioSimOptions,
    drafts: Vec<Draft>,
) -> Result<Vec<PoolRun>, ScenarioSimError> {
    let chat = context.chat;
    let shape = SliceShape {
        profile,
        growth_per_day: (1.0 + chat.serving.growth_rate_in(context.quarter_index)).powf(1.0 / DAYS_PER_QUARTER) - 1.0,
        input: LengthDist::from_mean(chat.input_tokens_per_request, opts.length_sigma.0),
        output: output_lengths(chat, opts.length_sigma.1),
        slo: SloTargets::from_ms(Some(chat.ttft_p99_ms), Some(chat.tpot_p99_ms)),
        horizon_s: opts.hours * 3600.0,
    };
    let full_requests: f64 = drafts.iter().map(|draft| draft.requests_per_s * shape.horizon_s).sum();
    let (fraction, min_replicas) = match opts.sample_fraction {
        Some(fraction) => (fraction, 1),
        None => ((opts.request_budget as f64 / full_requests.max(1.0)).min(1.0), MIN_SLICE_REPLICAS),
    };
    drafts
        .into_iter()
        .map(|draft| {
            // Under automatic sampling each pool gets its share of the request budget; where the
            // slice's floor of replicas would send it far more over the horizon, arrivals stop at
            // that share and the run covers less than the horizon (the summary says how much).
            let cap = opts.sample_fraction.is_none().then(|| {
                let share = draft.requests_per_s * shape.horizon_s / full_requests.max(1.0);
                (opts.request_budget as f64 * share).ceil().max(1.0) as u64
            });
            slice(draft, fraction, min_replicas, cap, &shape, opts)
        })
        .collect()
}

/// The simulated slice of one pool: `round(replicas × fraction)` replicas (at least
/// `min_replicas` or the whole pool) with the same share of its traffic, its arrivals stopped
/// at `request_cap` where the slice would send more than twice that over the horizon.
fn slice(
    draft: Draft,
    fraction: f64,
    min_replicas: u32,
    request_cap: Option<u64>,
    shape: &SliceShape,
    opts: &ScenarioSimOptions,
) -> Result<PoolRun, ScenarioSimError> {
    let simulated =
        ((f64::from(draft.replicas) * fraction).round() as u32).max(min_replicas.min(draft.replicas)).max(1);
    let simulated_requests_per_s = draft.requests_per_s * f64::from(simulated) / f64::from(draft.replicas);
    // The cap binds only where the slice would otherwise simulate more than twice its share.
    let max_requests =
        request_cap.filter(|cap| simulated_requests_per_s * shape.horizon_s > 2.0 * *cap as f64).unwrap_or(0);
    let rate = RateProfile {
        mean_qps: simulated_requests_per_s,
        diurnal: None,
        start_hour: 0,
        growth_per_day: shape.growth_per_day,
        bursts: Vec::new(),
    }
    .with_diurnal(&shape.profile.factor)?;
    let chips_per_replica = draft.deployment.engine.chips_per_replica();
    let config = SimConfig {
        pools: draft.deployment.pools(simulated),
        arrivals: ArrivalSource::Poisson { rate, input: shape.input.clone(), output: shape.output.clone() },
        max_requests,
        horizon_s: Some(shape.horizon_s),
        routing: opts.routing,
        failures: opts
            .failures
            .map(|(mtbf_hours, repair_hours)| Failures::from_chip_hours(mtbf_hours, repair_hours, chips_per_replica)),
        slo: shape.slo,
        max_queue_per_replica: None,
        sample_interval_s: opts.sample_interval_s,
    };
    config.check()?;
    Ok(PoolRun {
        region: draft.region,
        chip: draft.chip,
        sites: draft.sites,
        precision: draft.deployment.precision,
        layout: draft.deployment.engine.layout(),
        prefill: draft.deployment.prefill.map(|(engine, _)| PrefillPool {
            layout: engine.layout(),
            replicas: draft.deployment.prefill_replicas(draft.replicas),
            replicas_simulated: draft.deployment.prefill_replicas(simulated),
        }),
        accelerators: draft.accelerators,
        replicas: draft.replicas,
        replicas_simulated: simulated,
        mean_requests_per_s: draft.requests_per_s,
        simulated_mean_requests_per_s: simulated_requests_per_s,
        config,
    })
}

/// The failures a scenario simulation uses: none when `disabled`, else per-chip MTBF
/// `chip_mtbf_hours` (default [`DEFAULT_CHIP_MTBF_HOURS`]) and `repair_hours`, as
/// [`ScenarioSimOptions::failures`] takes them.
pub fn chip_failures(disabled: bool, chip_mtbf_hours: Option<f64>, repair_hours: f64) -> Option<(f64, f64)> {
    (!disabled).then(|| (chip_mtbf_hours.unwrap_or(DEFAULT_CHIP_MTBF_HOURS), repair_hours))
}

/// Summaries of a scenario simulation's runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSummary {
    /// The fleet: per replication all pools side by side, then replications pooled.
    pub fleet: SimSummary,
    /// Each pool's replications pooled, in the order of [`ScenarioSim::pools`].
    pub pools: Vec<SimSummary>,
    /// Whole-fleet throughput estimate, requests/s: each pool's simulated slice scaled back by
    /// its sampled fraction.
    pub fleet_throughput_rps: f64,
}

impl ScenarioSim {
    /// Summarise what [`run`] returned (`runs_by_pool[pool][replication]`). None when no
    /// replication ran.
    pub fn summarize(&self, runs_by_pool: &[Vec<SimResult>]) -> Option<ScenarioSummary> {
        let fleet = combine_pools(runs_by_pool)?.summary();
        let pools: Vec<SimSummary> = runs_by_pool
            .iter()
            .map(|runs| pool_replications(runs).map(|pooled| pooled.summary()))
            .collect::<Option<_>>()?;
        let fleet_throughput_rps: f64 = self
            .pools
            .iter()
            .zip(&pools)
            .map(|(pool, summary)| summary.throughput_rps / pool.fraction().max(1e-12))
            .sum();
        Some(ScenarioSummary { fleet, pools, fleet_throughput_rps })
    }
}

/// Run every pool `replications` times in parallel. Pool `k`'s replication `i` runs with
/// [`replication_seed`]`(pool seed, i)`, the pool seed derived from (`root_seed`, `k`), so the
/// results depend on neither the thread count nor the order of the jobs. Returns results per
/// pool, replications in index order. `progress` gets completed-request increments.
pub fn run(
    sim: &ScenarioSim,
    root_seed: u64,
    replications: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Vec<SimResult>>, SimError> {
    // One code path with the stoppable run: a flag nobody raises.
    let results = run_until(sim, root_seed, replications, progress, &AtomicBool::new(false))?;
    Ok(results.unwrap_or_default())
}

/// [`run`] that a caller can stop (a server's cancelled or timed-out job): once `stop` is
/// raised, each running replication ends at its next progress tick (every
/// [`super::PROGRESS_EVENTS`] events), the ones not started do not start, and the answer is
/// `Ok(None)`. Unstopped, it is `Ok(Some(`the results of [`run`]`))`.
pub fn run_until(
    sim: &ScenarioSim,
    root_seed: u64,
    replications: u32,
    progress: &(dyn Fn(u64) + Sync),
    stop: &AtomicBool,
) -> Result<Option<Vec<Vec<SimResult>>>, SimError> {
    super::check_all(sim.pools.iter().map(|p| &p.config), u64::from(replications))?;
    let jobs = jobs::jobs(sim, replications);
    let results: Vec<Option<SimResult>> = jobs
        .par_iter()
        .map(|&job| {
            let stopped = || stop.load(AtomicOrdering::Relaxed);
            if stopped() {
                return None;
            }
            let result = jobs::run_job_until(sim, root_seed, job, Some(progress), Some(stop));
            (!stopped()).then_some(result)
        })
        .collect();
    let Some(results) = results.into_iter().collect::<Option<Vec<SimResult>>>() else { return Ok(None) };
    jobs::gather(sim, jobs.into_iter().zip(results)).map(Some)
}

#[cfg(test)]
mod tests;
