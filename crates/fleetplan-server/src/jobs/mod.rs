//! Placeholder for the job manager (optimize, simulate, sweep as jobs with progress and
//! cancellation); the jobs part replaces this module wholesale.

use crate::{AppState, ServerConfig};
use axum::Router;

/// Runs long requests as jobs (placeholder: holds nothing yet).
#[derive(Debug, Default)]
pub struct JobManager {}

impl JobManager {
    /// A manager with the job limits of `config`.
    pub fn new(_config: &ServerConfig) -> Self {
        Self {}
    }
}

/// The job endpoints (placeholder: none).
pub fn routes() -> Router<AppState> {
    Router::new()
}
