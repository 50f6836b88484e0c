//! Long requests as jobs: `optimize`, `simulate` and `sweep` run on the blocking pool under a
//! per-kind concurrency limit, FIFO queue and time limit, report progress (polling or
//! server-sent events) and can be cancelled.
//!
//! # Endpoints
//!
//! | request | answer |
//! |---|---|
//! | `POST /api/optimize`, `/api/simulate`, `/api/sweep` with `{"name"?, "text", "settings"?}` | **202** `Job` (`Location: /api/jobs/{id}`) |
//! | `GET /api/jobs` | `{"jobs": [Job…]}`, oldest first, without results |
//! | `GET /api/jobs/{id}` | `Job`, with `result` and `charts` once `done` |
//! | `GET /api/jobs/{id}/events` | `text/event-stream`: `data: <Job without result>` now, then on every change of state, progress or queue place (changes faster than the reader are merged); the stream ends after the event with a final state, or when the server shuts down |
//! | `DELETE /api/jobs/{id}` | `Job` now `cancelled` (or its final state, unchanged, if it had ended) |
//!
//! Errors: 400 `bad_json` (body), 422 `invalid_scenario` with located `diagnostics` (as
//! `/api/evaluate`; nothing is queued), 400 `bad_settings` (message names the setting and what
//! is valid), 503 `queue_full` with `Retry-After` (the soonest a running job of the kind reaches
//! its limit, ≥ 1 s) and `kind`, `queued`; 404 `not_found` for an unknown or forgotten id.
//!
//! # Settings (every field optional; defaults are the CLI's)
//!
//! - optimize: `objective` (`min-tco`, `max-served`, `max-training`, `max-margin`; default the
//!   scenario's), `gap` (fraction in [0, 1), 0.005), `time_limit_s` (per solve, 30; capped by
//!   the job's time left when it starts), `node_limit` (20,000), `path` (`auto`, `exact`,
//!   `relaxation`). Result: `optimize --format json` (PlanDocument); an infeasible plan is
//!   `done` with `result.feasible == false`.
//! - simulate (scenario form): `workload` (default: the only chat workload), `hours` (24, at
//!   most a quarter), `quarter` (`2025Q3`; default the last), `requests` (request budget of one
//!   replication, 1,000,000), `seed` (1), `replications` (1 to 10,000). Round-robin routing,
//!   failures at the default MTBF, as the CLI. Result: `simulate FILE --format json`.
//! - sweep: `samples` (1,000; at most [`settings::MAX_SWEEP_SAMPLES`]), `seed` (0), `mode`
//!   (`evaluate`, `optimize`), `output` (the tornado's output, `spend_total`). Result:
//!   `sweep --format json` (SweepSummary).
//!
//! # Job
//!
//! `{"id": "j-000001", "kind", "state": queued|running|done|failed|cancelled|timed_out,
//! "queue_position"? (1 = next to start), "progress": {"fraction"? (0–1), "message"},
//! "created_unix_ms", "started_unix_ms"?, "finished_unix_ms"?, "time_limit_s", "result"?,
//! "charts"?, "plan_toml"? (optimize: the plan as a scenario file, `optimize --out`'s
//! plan.toml), "error"?: {"code", "message"}}`. Error codes of a job: `plan_failed`,
//! `simulate_failed`, `unknown_workload`, `sweep_failed`, `unknown_output`, `cancelled`,
//! `timed_out`, `internal`.
//!
//! # Limits and stopping
//!
//! See [`manager`]: a job's time limit runs from its start; at the limit it is `timed_out` at
//! once, as a cancelled job is `cancelled` at once, and its worker is told to stop: a sweep
//! stops before its next run, a simulation at its next progress tick (every 65,536 events). The
//! planner cannot be interrupted: its per-solve time limit is set to at most the job's time left,
//! but a plan makes several solves (explanations, repairs), so its worker may run on past the
//! job's limit; its slot stays taken until it returns, so the concurrency limit holds. The last
//! [`KEPT_FINISHED_JOBS`] finished jobs are kept; older ones are forgotten. Shutting the server
//! down cancels every job.
//!
//! # Modules
//!
//! - [`types`]: kinds, states, ids, progress and the `Job` JSON object;
//! - [`manager`]: [`JobManager`], queues, slots, timers, cancellation, bounded history;
//! - [`settings`]: each kind's `settings` object, checked with the CLI's helpers;
//! - [`work`]: what each kind runs (the CLI's documents, with progress and stop hooks);
//! - [`routes`]: the HTTP endpoints.

pub mod manager;
pub mod routes;
pub mod settings;
pub mod types;
pub mod work;

#[cfg(test)]
mod tests;

pub use manager::{JobContext, JobManager, KEPT_FINISHED_JOBS, Work};
pub use routes::routes;
pub use types::{JobError, JobId, JobKind, JobOutput, JobState, JobView, Progress, SubmitError};
