//! The job endpoints: `POST /api/optimize|simulate|sweep` (202 `Job`), `GET /api/jobs`,
//! `GET /api/jobs/{id}`, `GET /api/jobs/{id}/events` (server-sent events) and
//! `DELETE /api/jobs/{id}`.
//!
//! A submission is checked before it is queued: the body (400 `bad_json`), the scenario (422
//! `invalid_scenario` with located diagnostics, as `/api/evaluate`), the settings (400
//! `bad_settings`); then the kind's queue (503 `queue_full` with `Retry-After`).

use super::manager::Work;
use super::settings::{self, OptimizeSettings, SimulateSettings, SweepRequestSettings};
use super::types::{JobId, JobKind, JobView, SubmitError};
use super::work::{self, Input};
use crate::AppState;
use crate::body::ApiJson;
use crate::error::ApiError;
use crate::routes::{ScenarioInput, json_text};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fleetplan_core::catalog::Catalog;
use fleetplan_io::SourceText;
use fleetplan_io::scenario::validate_source;
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// Interval of the comment lines that keep an idle event stream open, s.
pub const KEEP_ALIVE_S: u64 = 15;

/// `{"name"?: str, "text": str, "settings"?: {...}}`: a job request.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// Label of the text in diagnostics; never opened.
    pub name: Option<String>,
    /// The scenario, TOML.
    pub text: String,
    /// The kind's settings (docs/serve.md); absent: the CLI's defaults.
    pub settings: Option<serde_json::Value>,
}

/// The job routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/optimize", post(optimize))
        .route("/api/simulate", post(simulate))
        .route("/api/sweep", post(sweep))
        .route("/api/jobs", get(list))
        .route("/api/jobs/{id}", get(job).delete(cancel))
        .route("/api/jobs/{id}/events", get(events))
}

/// 400 `bad_settings`.
fn bad_settings(e: settings::SettingsError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_settings", e.to_string())
}

/// The scenario validated (422 with diagnostics otherwise), ready for a job.
fn input(catalog: Arc<Catalog>, name: Option<String>, text: String) -> Result<Input, ApiError> {
    let label = ScenarioInput { name, text: String::new() }.label();
    let loaded = validate_source(SourceText::new(label, text), &catalog).map_err(|d| ApiError::invalid_scenario(&d))?;
    Ok(Input { scenario: loaded.scenario, name: loaded.input.name, text: loaded.input.text, catalog })
}

/// Check a request of `kind` and build its work (run on the blocking pool: validation parses
/// and checks the whole scenario).
fn prepare(kind: JobKind, catalog: Arc<Catalog>, request: JobRequest) -> Result<Work, ApiError> {
    let input = input(catalog, request.name, request.text)?;
    let settings = request.settings;
    Ok(match kind {
        JobKind::Optimize => {
            let options =
                settings::parse::<OptimizeSettings>(settings).and_then(|s| s.options()).map_err(bad_settings)?;
            work::optimize(input, options)
        }
        JobKind::Simulate => {
            let run = settings::parse::<SimulateSettings>(settings).and_then(|s| s.plan()).map_err(bad_settings)?;
            work::simulate(input, run)
        }
        JobKind::Sweep => {
            let run = settings::parse::<SweepRequestSettings>(settings).and_then(|s| s.plan()).map_err(bad_settings)?;
            work::sweep(input, run)
        }
    })
}

/// 503 `queue_full` with `Retry-After`.
fn queue_full(e: SubmitError) -> ApiError {
    let SubmitError::QueueFull { kind, queued, retry_after_s } = e.clone();
    let mut error = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "queue_full", e.to_string())
        .with("kind", kind.as_str().into())
        .with("queued", queued.into());
    error.retry_after_s = Some(retry_after_s);
    error
}

async fn submit(state: AppState, kind: JobKind, request: JobRequest) -> Result<Response, ApiError> {
    let catalog = state.catalog.clone();
    let work = state.inline.check.run(move || prepare(kind, catalog, request)).await??;
    let view = state.jobs.submit(kind, work).map_err(queue_full)?;
    let mut response = json_text(view.to_json());
    *response.status_mut() = StatusCode::ACCEPTED;
    if let Ok(location) = HeaderValue::from_str(&format!("/api/jobs/{}", view.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn optimize(State(state): State<AppState>, ApiJson(request): ApiJson<JobRequest>) -> Result<Response, ApiError> {
    submit(state, JobKind::Optimize, request).await
}

async fn simulate(State(state): State<AppState>, ApiJson(request): ApiJson<JobRequest>) -> Result<Response, ApiError> {
    submit(state, JobKind::Simulate, request).await
}

async fn sweep(State(state): State<AppState>, ApiJson(request): ApiJson<JobRequest>) -> Result<Response, ApiError> {
    submit(state, JobKind::Sweep, request).await
}

/// The id in a path, or 404 for anything that is not a job id.
fn job_id(text: &str) -> Result<JobId, ApiError> {
    JobId::parse(text).ok_or_else(|| unknown(text))
}

fn unknown(text: &str) -> ApiError {
    ApiError::not_found(format!(
        "no job `{}` (finished jobs are kept for a while, then forgotten)",
        text.escape_debug()
    ))
}

async fn list(State(state): State<AppState>) -> Response {
    let jobs: Vec<JobView> = state.jobs.list();
    json_text(serde_json::json!({ "jobs": jobs }).to_string())
}

async fn job(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let view = state.jobs.get(job_id(&id)?).ok_or_else(|| unknown(&id))?;
    Ok(json_text(view.to_json()))
}

async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let view = state.jobs.cancel(job_id(&id)?).ok_or_else(|| unknown(&id))?;
    Ok(json_text(view.to_json()))
}

/// `text/event-stream`: the job now, then once per change of state, progress or queue place
/// (changes faster than the client reads are merged), ending after the final state; an event
/// is `data: <Job JSON without result>`. The stream also ends when the server shuts down.
async fn events(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = job_id(&id)?;
    let changes = state.jobs.subscribe(id).ok_or_else(|| unknown(&id.to_string()))?;
    let stream = event_stream(state, id, changes);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(KEEP_ALIVE_S))).into_response())
}

/// Where an event stream is: its receivers, and whether the final event went out.
struct Watching {
    state: AppState,
    id: JobId,
    changes: tokio::sync::watch::Receiver<u64>,
    first: bool,
    ended: bool,
}

fn event_stream(
    state: AppState,
    id: JobId,
    changes: tokio::sync::watch::Receiver<u64>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let start = Watching { state, id, changes, first: true, ended: false };
    futures_util::stream::unfold(start, |mut w| async move {
        if w.ended {
            return None;
        }
        if !w.first {
            let mut shutdown = w.state.shutdown.clone();
            tokio::select! {
                changed = w.changes.changed() => changed.ok()?,
                _ = shutdown.wait_for(|stopping| *stopping) => return None,
            }
        }
        w.first = false;
        w.changes.borrow_and_update();
        // A job forgotten while watched had ended long before: nothing more to say.
        let view = w.state.jobs.summary(w.id)?;
        w.ended = view.state.is_final();
        let data = serde_json::to_string(&view).unwrap_or_default();
        Some((Ok(Event::default().data(data)), w))
    })
}
