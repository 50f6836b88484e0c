//! Training placement: each run of a scenario on one (site, chip) pool, the chips it reserves
//! per quarter, its per-chip rate from the training model, and when it finishes.

use fleetplan_core::catalog::{Catalog, ChipId, LlmModel, RegionId};
use fleetplan_core::scenario::limits::MAX_ACCELERATORS;
use fleetplan_core::scenario::{Quarter, SECONDS_PER_DAY, Scenario, SiteId, TrainingRun, Workload, WorkloadSpec};
use fleetplan_core::units::{Date, Precision};
use fleetplan_models::demand;
use fleetplan_models::train::{LayoutConstraint, TrainEngine, TrainJob, TrainRates, search_training};
use serde::Serialize;
use std::collections::BTreeMap;

/// Reference cluster size for the per-chip training rate, chips (DeepSeek-V3 trained on 2,048).
const TRAINING_REFERENCE_CHIPS: u64 = 2048;

/// Accelerators of one chip at one site, per quarter of the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipPool {
    /// Site.
    pub site: SiteId,
    /// Region of the site.
    pub region: RegionId,
    /// Chip.
    pub chip: ChipId,
    /// Accelerators in service, one entry per quarter of the horizon.
    pub accelerators: Vec<u64>,
}

/// A training run on the fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingEval {
    /// Workload id.
    pub workload: String,
    /// Site it runs at (co-located: one site, one chip type, one fabric).
    pub site: String,
    /// Chip id.
    pub chip: String,
    /// Precision it runs at.
    pub precision: String,
    /// Tokens/s per chip from the training model.
    pub tokens_per_s_per_chip: f64,
    /// MFU of the plan.
    pub mfu: f64,
    /// Chips needed to finish by the deadline.
    pub chips_needed: u64,
    /// Chips reserved per quarter of the horizon.
    pub chips_by_quarter: Vec<u64>,
    /// Day the run finishes (`None`: not within the horizon).
    pub completion: Option<Date>,
    /// Deadline.
    pub deadline: Date,
    /// Whether it finishes by the deadline.
    pub meets_deadline: bool,
}

/// Why a training run cannot be placed or misses its deadline.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainingProblem {
    /// No pool has chips with dense units at the run's precision during the run.
    NoChipAtPrecision {
        /// Workload id of the run.
        workload: String,
        /// The run's precision.
        precision: Precision,
    },
    /// The model does not fit on the chips of the chosen pool.
    DoesNotFit {
        /// Workload id of the run.
        workload: String,
        /// Model id.
        model: String,
        /// Most accelerators the pool holds in any quarter.
        pool_accelerators: u64,
        /// Chip id of the pool.
        chip: String,
        /// Site id of the pool.
        site: String,
    },
    /// The run does not finish by its deadline on the chosen pool.
    MissesDeadline {
        /// Workload id of the run.
        workload: String,
        /// Day it finishes (`None`: not within the horizon).
        completion: Option<Date>,
        /// Chip id of the pool.
        chip: String,
        /// Site id of the pool.
        site: String,
        /// The run's deadline.
        deadline: Date,
        /// Chips it needs for the whole window.
        chips_needed: u64,
        /// Chips missing in the pool's smallest quarter of the window.
        chips_short: u64,
    },
}

impl TrainingProblem {
    /// Workload id of the run concerned.
    pub fn workload(&self) -> &str {
        match self {
            TrainingProblem::NoChipAtPrecision { workload, .. }
            | TrainingProblem::DoesNotFit { workload, .. }
            | TrainingProblem::MissesDeadline { workload, .. } => workload,
        }
    }

    /// What is wrong, with the numbers.
    pub fn message(&self) -> String {
        match self {
            TrainingProblem::NoChipAtPrecision { precision, .. } => {
                format!("no chip in the fleet runs {precision} training during the run")
            }
            TrainingProblem::DoesNotFit { model, pool_accelerators, chip, site, .. } => {
                format!("`{model}` does not fit on the {pool_accelerators} `{chip}` at `{site}`")
            }
            TrainingProblem::MissesDeadline { completion, chip, site, deadline, chips_needed, .. } => format!(
                "finishes {} on `{chip}` at `{site}`, deadline {deadline}; it needs {} chips for the whole window",
                completion.map_or("after the horizon".to_string(), |day| format!("on {day}")),
                if *chips_needed > MAX_ACCELERATORS {
                    format!("more than {}", fleetplan_core::format::grouped(MAX_ACCELERATORS as f64, 0))
                } else {
                    fleetplan_core::format::grouped(*chips_needed as f64, 0)
                }
            ),
        }
    }

    /// What would fix it.
    pub fn fix(&self) -> String {
        match self {
            TrainingProblem::NoChipAtPrecision { precision, .. } => {
                format!("hold chips with {precision} units (e.g. h100-sxm, h200) at one site, or train in bf16")
            }
            TrainingProblem::DoesNotFit { .. } => "hold more chips with more memory at one site".into(),
            TrainingProblem::MissesDeadline { chips_needed, .. } if *chips_needed > MAX_ACCELERATORS => {
                "no fleet could train this in time (more than 100 million chips): lower the run's `tokens` or move the \
                 deadline"
                    .into()
            }
            TrainingProblem::MissesDeadline { chip, site, chips_short, .. } => {
                format!("add about {chips_short} `{chip}` at `{site}` from the run's start, or move the deadline")
            }
        }
    }
}

/// Training runs placed on a fleet, and the problems found on the way.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainingPlan {
    /// Runs placed on a pool (including those that miss their deadline), in workload order.
    pub runs: Vec<TrainingEval>,
    /// Runs that could not be placed, or miss their deadline, in workload order.
    pub problems: Vec<TrainingProblem>,
}

/// Chips already reserved by earlier runs: (site, chip) → chips per quarter.
type Reserved = BTreeMap<(SiteId, ChipId), Vec<u64>>;

/// Chips of `pool` not reserved by earlier runs in quarter `quarter_index`.
fn free_chips(reserved: &Reserved, pool: &ChipPool, quarter_index: usize) -> u64 {
    let taken = reserved.get(&(pool.site.clone(), pool.chip.clone())).map_or(0, |chips| chips[quarter_index]);
    pool.accelerators[quarter_index].saturating_sub(taken)
}

/// Place every training run on one (site, chip) pool, reserve the chips it needs per quarter
/// and find its completion date. Runs that cannot be placed or cannot finish by their deadline
/// are reported as [`TrainingProblem`]s.
pub fn plan_training(scenario: &Scenario, catalog: &Catalog, pools: &[ChipPool], horizon: &[Quarter]) -> TrainingPlan {
    let mut plan = TrainingPlan::default();
    let mut reserved = Reserved::new();
    for workload in &scenario.workloads {
        let WorkloadSpec::Training(run) = &workload.spec else { continue };
        let model = &catalog[&run.model];
        let start_quarter = Quarter::of_date(run.start);
        let window: Vec<usize> =
            horizon.iter().enumerate().filter(|(_, q)| **q >= start_quarter).map(|(i, _)| i).collect();
        let Some(pool) = pick_pool(scenario, catalog, workload, run, pools, &window, &reserved) else {
            plan.problems
                .push(TrainingProblem::NoChipAtPrecision { workload: workload.id.clone(), precision: run.precision });
            continue;
        };
        let most_free = window.iter().map(|i| free_chips(&reserved, pool, *i)).max().unwrap_or(0);
        let Some((tokens_per_s_per_chip, mfu)) = per_chip_rate(catalog, model, run, pool, most_free) else {
            plan.problems.push(TrainingProblem::DoesNotFit {
                workload: workload.id.clone(),
                model: model.id.clone(),
                pool_accelerators: pool.accelerators.iter().max().copied().unwrap_or(0),
                chip: pool.chip.to_string(),
                site: pool.site.to_string(),
            });
            continue;
        };
        let chips_needed = demand::training_need(run, tokens_per_s_per_chip).map_or(0, |need| need.chips_needed);
        let schedule = Schedule { run, pool, horizon, window: &window, chips_needed, tokens_per_s_per_chip };
        let (chips_by_quarter, completion) = schedule.run_on(&reserved);
        let slot = reserved.entry((pool.site.clone(), pool.chip.clone())).or_insert_with(|| vec![0; horizon.len()]);
        for (slot_chips, chips) in slot.iter_mut().zip(&chips_by_quarter) {
            *slot_chips += chips;
        }
        let meets_deadline = completion.is_some_and(|day| day <= run.deadline);
        if !meets_deadline {
            let smallest_pool = window.iter().map(|i| pool.accelerators[*i]).min().unwrap_or(0);
            plan.problems.push(TrainingProblem::MissesDeadline {
                workload: workload.id.clone(),
                completion,
                chip: pool.chip.to_string(),
                site: pool.site.to_string(),
                deadline: run.deadline,
                chips_needed,
                chips_short: chips_needed.saturating_sub(smallest_pool),
            });
        }
        plan.runs.push(TrainingEval {
            workload: workload.id.clone(),
            site: pool.site.to_string(),
            chip: pool.chip.to_string(),
            precision: run.precision.as_str().to_string(),
            tokens_per_s_per_chip,
            mfu,
            chips_needed,
            chips_by_quarter,
            completion,
            deadline: run.deadline,
            meets_deadline,
        });
    }
    plan
}

/// The pool for a run: among those the fleet marks for it (`training` on [[fleet]]; else every
/// pool), with dense units at the run's precision, the most peak compute free in the window.
fn pick_pool<'p>(
    scenario: &Scenario,
    catalog: &Catalog,
    workload: &Workload,
    run: &TrainingRun,
    pools: &'p [ChipPool],
    window: &[usize],
    reserved: &Reserved,
) -> Option<&'p ChipPool> {
    let marked: Vec<(&SiteId, &ChipId)> = scenario
        .fleet
        .iter()
        .filter(|h| h.training.as_ref().is_some_and(|run| *run == workload.id))
        .map(|h| (&h.site, &h.hardware.chip))
        .collect();
    pools
        .iter()
        .filter(|pool| marked.is_empty() || marked.contains(&(&pool.site, &pool.chip)))
        .filter_map(|pool| {
            let chip = &catalog[&pool.chip];
            let tflops = chip.dense_tflops(run.precision)?;
            let chips = window.iter().map(|i| free_chips(reserved, pool, *i)).max().unwrap_or(0);
            (chips > 0).then_some((pool, chips as f64 * tflops))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(pool, _)| pool)
}

/// Tokens/s per chip and MFU of the run on the pool's chip, from the best layout on a
/// reference cluster (the free chips, at most [`TRAINING_REFERENCE_CHIPS`], rounded down to a
/// power of two); `None` when the model does not fit.
fn per_chip_rate(
    catalog: &Catalog,
    model: &LlmModel,
    run: &TrainingRun,
    pool: &ChipPool,
    most_free: u64,
) -> Option<(f64, f64)> {
    let chip = &catalog[&pool.chip];
    let family = catalog.perf_family(&chip.perf_family).ok()?;
    let chip_rates = TrainRates::new(chip, family, catalog.training_family(&chip.perf_family), run.precision).ok()?;
    let job = TrainJob { seq_len: f64::from(run.seq_len), global_batch_tokens: None, tokens: run.tokens };
    let engine = TrainEngine::new(model, chip_rates, job).ok()?;
    let reference_chips = prev_power_of_two(most_free.min(TRAINING_REFERENCE_CHIPS));
    let tp = chip.scaleup_domain.clamp(1, 8).min(model.heads);
    let constraint =
        LayoutConstraint { tp: Some(prev_power_of_two(u64::from(tp)) as u32), ..LayoutConstraint::default() };
    let found = search_training(&engine, model, reference_chips as u32, &constraint).ok()?;
    Some((found.best.tokens_per_s / reference_chips as f64, found.best.mfu))
}

/// One run on its pool: the quarters it may use and the chips it needs.
struct Schedule<'a> {
    run: &'a TrainingRun,
    pool: &'a ChipPool,
    horizon: &'a [Quarter],
    window: &'a [usize],
    chips_needed: u64,
    tokens_per_s_per_chip: f64,
}

impl Schedule<'_> {
    /// Chips reserved per quarter (as many as needed, at most those free) and the day the run
    /// finishes, if within the horizon.
    fn run_on(&self, reserved: &Reserved) -> (Vec<u64>, Option<Date>) {
        let mut chips_by_quarter = vec![0u64; self.horizon.len()];
        let mut tokens_done = 0.0;
        let mut completion: Option<Date> = None;
        for &quarter_index in self.window {
            if completion.is_some() {
                break;
            }
            let quarter = self.horizon[quarter_index];
            let segment_start = if self.run.start > quarter.first_day() { self.run.start } else { quarter.first_day() };
            let segment_days = segment_start.days_until(quarter.last_day()) + 1;
            if segment_days <= 0 {
                continue;
            }
            let chips = self.chips_needed.min(free_chips(reserved, self.pool, quarter_index));
            chips_by_quarter[quarter_index] = chips;
            let tokens_per_s = chips as f64 * self.tokens_per_s_per_chip;
            let segment_tokens = tokens_per_s * segment_days as f64 * SECONDS_PER_DAY;
            if tokens_per_s > 0.0 && tokens_done + segment_tokens >= self.run.tokens {
                let days = ((self.run.tokens - tokens_done) / tokens_per_s / SECONDS_PER_DAY).ceil() as i64;
                completion = Some(segment_start.add_days((days - 1).max(0)));
            }
            tokens_done += segment_tokens;
        }
        (chips_by_quarter, completion)
    }
}

fn prev_power_of_two(n: u64) -> u64 {
    if n == 0 { 1 } else { 1 << (63 - n.leading_zeros()) }
}
