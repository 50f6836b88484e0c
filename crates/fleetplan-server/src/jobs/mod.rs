//! Long requests as jobs: `optimize`, `simulate` and `sweep` run on the blocking pool under a
//! per-kind concurrency limit, FIFO queue and time limit, report progress (polling or
//! server-sent events) and can be cancelled ([`manager`] explains the rules; docs/serve.md,
//! "Jobs", is the API reference).
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
