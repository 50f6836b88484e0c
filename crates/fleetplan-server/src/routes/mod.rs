//! The synchronous JSON endpoints: health, files, check, evaluate, compare, catalog. Each
//! document comes from `fleetplan_io::api` (or the engine's own result type, as the CLI prints
//! it); this module only routes, limits and serialises.

mod charts;
mod scenario;

use crate::AppState;
use crate::body::ApiJson;
use crate::error::ApiError;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

pub use scenario::{CompareInput, ScenarioInput};

/// The routes of this module.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/files", get(files))
        .route("/api/files/{name}", get(file))
        .route("/api/check", post(check))
        .route("/api/evaluate", post(evaluate))
        .route("/api/compare", post(compare))
        .route("/api/catalog", get(catalog))
}

/// A JSON text (already serialised, e.g. by `fleetplan_core::output::to_json_pretty`) as a 200
/// response.
pub fn json_text(text: String) -> Response {
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `value` as JSON, floats cleaned and non-finite numbers refused as the CLI does.
pub fn json_document<T: Serialize + ?Sized>(value: &T) -> Result<Response, ApiError> {
    Ok(json_text(fleetplan_core::output::to_json_pretty(value)?))
}

/// 404 for every other path: JSON under `/api/`, text elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found(format!("no endpoint at `{}` (see docs/serve.md)", uri.path().escape_debug()))
            .into_response()
    } else {
        (StatusCode::NOT_FOUND, "not found").into_response()
    }
}

async fn health() -> Response {
    json_text(serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }).to_string())
}

async fn files(State(state): State<AppState>) -> Result<Response, ApiError> {
    json_document(&serde_json::json!({ "files": state.files.list() }))
}

async fn file(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let (info, text) = state.files.read(&name)?;
    json_document(&serde_json::json!({ "name": info.name, "kind": info.kind, "title": info.title, "text": text }))
}

async fn check(State(state): State<AppState>, ApiJson(input): ApiJson<ScenarioInput>) -> Result<Response, ApiError> {
    let catalog = state.catalog.clone();
    let doc = state.inline.check.run(move || scenario::check_document(&catalog, input)).await??;
    Ok(json_text(doc))
}

async fn evaluate(State(state): State<AppState>, ApiJson(input): ApiJson<ScenarioInput>) -> Result<Response, ApiError> {
    let catalog = state.catalog.clone();
    let doc = state.inline.evaluate.run(move || scenario::evaluate_document(&catalog, input)).await??;
    Ok(json_text(doc))
}

async fn compare(State(state): State<AppState>, ApiJson(input): ApiJson<CompareInput>) -> Result<Response, ApiError> {
    let catalog = state.catalog.clone();
    let doc = state.inline.compare.run(move || scenario::compare_document(&catalog, input)).await??;
    Ok(json_text(doc))
}

async fn catalog(State(state): State<AppState>) -> Result<Response, ApiError> {
    let doc =
        fleetplan_io::api::catalog::catalog_document(&state.catalog).map_err(|e| ApiError::internal(e.to_string()))?;
    json_document(&doc)
}
