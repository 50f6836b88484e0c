//! The work of each kind of job, as the CLI command of the same name does it, with progress and
//! the stop flag wired in: `optimize` (the planner; its per-solve time limit is capped by the
//! job's time left, as it cannot be interrupted otherwise), `simulate` (a scenario simulation,
//! stopped at its next progress tick) and `sweep` (stopped between runs). Each returns the CLI's
//! `--format json` document and its charts.

use super::manager::{JobContext, Work};
use super::settings::{SimulatePlan, SweepPlan};
use super::types::{JobError, JobOutput};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::output::to_json_pretty;
use fleetplan_core::scenario::Scenario;
use fleetplan_core::uncertainty::UncertaintyModel;
use fleetplan_engines::plan::{self, PlanOptions};
use fleetplan_engines::sim::scenario::{self as sim_scenario, ScenarioSimError};
use fleetplan_engines::sweep::{self, SweepError};
use fleetplan_io::api::plan::{PlanDocument, plan_toml};
use fleetplan_io::api::simulate::scenario_document;
use fleetplan_io::api::sweep::{SweepSummary, unknown_output_message};
use fleetplan_io::charts;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Shortest per-solve time limit handed to the planner, s (a job started with less time left
/// still gets one short solve; the job itself ends at its limit).
pub const MIN_SOLVE_TIME_S: f64 = 0.5;

/// Least time between two progress reports of a worker, so a fast loop does not flood the
/// event streams.
const REPORT_EVERY: Duration = Duration::from_millis(200);

/// A validated scenario and its name, as the job's work needs them.
pub struct Input {
    /// The scenario.
    pub scenario: Scenario,
    /// Its name in messages (the request's `name`, or `scenario.toml`).
    pub name: String,
    /// Its text (an optimize job writes the plan into it: `plan_toml`).
    pub text: String,
    /// The catalog.
    pub catalog: Arc<Catalog>,
}

/// The CLI's JSON text of `doc`, or `internal` (a non-finite number is a bug, named by path).
fn json<T: Serialize + ?Sized>(doc: &T) -> Result<String, JobError> {
    to_json_pretty(doc).map_err(|e| JobError::new("internal", e.to_string()))
}

fn output(result: &impl Serialize, charts: &impl Serialize) -> Result<JobOutput, JobError> {
    Ok(JobOutput { result_json: json(result)?, charts_json: json(charts)?, plan_toml: None })
}

/// The planner as `fleetplan optimize --format json` runs it; its per-solve time limit is at
/// most the job's time left (at least [`MIN_SOLVE_TIME_S`]).
pub fn optimize(input: Input, options: PlanOptions) -> Work {
    Box::new(move |ctx: &JobContext| {
        let Input { scenario, name, text, catalog } = input;
        let mut options = options;
        options.time_limit_s = options.time_limit_s.min(ctx.remaining_s()).max(MIN_SOLVE_TIME_S);
        ctx.report(None, format!("planning (at most {:.0} s per solve)", options.time_limit_s));
        let p = plan::plan(&scenario, &catalog, &options)
            .map_err(|e| JobError::new("plan_failed", format!("{name}: {e}")))?;
        let charts = charts::plan_charts(&scenario, &catalog, &p);
        let plan_file = plan_toml(&name, &text, &p).map_err(|e| JobError::new("internal", format!("{name}: {e}")))?;
        let mut out = output(&PlanDocument::new(&scenario, &catalog, &p), &charts)?;
        out.plan_toml = Some(plan_file);
        Ok(out)
    })
}

/// A scenario simulation as `fleetplan simulate FILE --format json` runs it: the fleet
/// evaluated, the workload's pools built and simulated; progress counts requests.
pub fn simulate(input: Input, run: SimulatePlan) -> Work {
    Box::new(move |ctx: &JobContext| {
        let Input { scenario, name, catalog, .. } = input;
        let failed = |e: &dyn std::fmt::Display| JobError::new("simulate_failed", format!("{name}: {e}"));
        ctx.report(Some(0.0), "evaluating the fleet");
        let evaluation = fleetplan_engines::eval::evaluate(&scenario, &catalog).map_err(|e| failed(&e))?;
        let sim = sim_scenario::build(&scenario, &catalog, &evaluation, &run.options).map_err(|e| match e {
            ScenarioSimError::UnknownWorkload { given, suggestion, known } => JobError::new(
                "unknown_workload",
                format!(
                    "settings.workload: no chat workload `{given}` in the scenario{}; valid: {}",
                    suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
                    known.join(", ")
                ),
            ),
            other => failed(&other),
        })?;
        let expected = (sim.expected_requests * f64::from(run.replications)).max(1.0);
        let reporter = Reporter::new(ctx);
        let done = AtomicU64::new(0);
        let progress = |n: u64| {
            let total = done.fetch_add(n, Ordering::Relaxed) + n;
            reporter.maybe(|| (Some(total as f64 / expected), format!("simulated {total} of ~{expected:.0} requests")));
        };
        let results = sim_scenario::run_until(&sim, run.seed, run.replications, &progress, ctx.stop_flag())
            .map_err(|e| failed(&e))?
            .ok_or_else(stopped)?;
        let summaries = sim.summarize(&results).ok_or_else(|| JobError::new("internal", "no replications ran"))?;
        let doc = scenario_document(&scenario, &sim, &run.options, run.seed, run.replications, &summaries);
        let charts = charts::scenario_simulation_charts(&catalog, &sim, &results);
        output(&doc, &charts)
    })
}

/// A sweep as `fleetplan sweep --format json` runs it; progress counts runs (nominal, samples,
/// swings).
pub fn sweep(input: Input, run: SweepPlan) -> Work {
    Box::new(move |ctx: &JobContext| {
        let Input { scenario, name, catalog, .. } = input;
        let failed = |e: &dyn std::fmt::Display| JobError::new("sweep_failed", format!("{name}: {e}"));
        let model = UncertaintyModel::from_scenario(&scenario, &catalog).map_err(|e| failed(&e))?;
        let runs = sweep::runs(&model, run.settings.samples).max(1);
        let reporter = Reporter::new(ctx);
        let done = AtomicU64::new(0);
        let progress = || {
            let total = done.fetch_add(1, Ordering::Relaxed) + 1;
            reporter.maybe(|| (Some(total as f64 / runs as f64), format!("{total} of {runs} runs")));
        };
        ctx.report(Some(0.0), format!("{runs} runs"));
        let result = match sweep::sweep_until(&scenario, &catalog, &model, &run.settings, &progress, ctx.stop_flag()) {
            Err(SweepError::Stopped) => return Err(stopped()),
            other => other.map_err(|e| failed(&e))?,
        };
        let Some(tornado) = result.output_index(&run.tornado_output) else {
            let message = format!("settings.output {}", unknown_output_message(&result, &run.tornado_output));
            return Err(JobError::new("unknown_output", message));
        };
        let summary = SweepSummary::new(&scenario.name, &scenario.currency, &result, tornado);
        let charts = charts::sweep_charts(&summary, &result);
        output(&summary, &charts)
    })
}

/// What a stopped worker returns (dropped: its job is already cancelled or timed out).
fn stopped() -> JobError {
    JobError::new("stopped", "stopped")
}

/// Progress reports at most every [`REPORT_EVERY`] (the first at once).
struct Reporter<'a> {
    ctx: &'a JobContext,
    last: std::sync::Mutex<Option<Instant>>,
}

impl<'a> Reporter<'a> {
    fn new(ctx: &'a JobContext) -> Self {
        Reporter { ctx, last: std::sync::Mutex::new(None) }
    }

    /// Report what `what` says, unless a report went out less than [`REPORT_EVERY`] ago.
    fn maybe(&self, what: impl FnOnce() -> (Option<f64>, String)) {
        let Ok(mut last) = self.last.try_lock() else { return };
        if last.is_some_and(|t| t.elapsed() < REPORT_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        drop(last);
        let (fraction, message) = what();
        self.ctx.report(fraction, message);
    }
}
