//! [`ApiError`]: every error answer of the API, one JSON shape:
//! `{"error": {"code": "<snake_case>", "message": "<human text>", ...extra}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fleetplan_io::Diagnosed;
use serde_json::{Map, Value};

/// An error answer: status, stable code, message, extra fields and an optional Retry-After.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code (`not_found`, `bad_json`, `too_large`, `busy`, …).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// More fields of the error object (e.g. `diagnostics`, `scenario`).
    pub extra: Map<String, Value>,
    /// Seconds to wait before retrying (503), sent as `Retry-After`.
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    /// An error with no extra fields.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), extra: Map::new(), retry_after_s: None }
    }

    /// The same error with one more field.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500 `internal`: a bug (a panic in a worker, a non-finite number in a document).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// 422 `invalid_scenario` with every located diagnostic (`check --format json` form).
    pub fn invalid_scenario(diagnosed: &Diagnosed) -> Self {
        let count = diagnosed.diagnostics.len();
        let diagnostics = serde_json::to_value(diagnosed.located()).unwrap_or(Value::Null);
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_scenario",
            format!("{}: {count} problem(s) found", diagnosed.input.name),
        )
        .with("diagnostics", diagnostics)
    }

    /// 503 `busy`: the wait queue of `kind` is full.
    pub fn busy(kind: &str, retry_after_s: u64) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!("too many {kind} requests are waiting; retry in {retry_after_s} s"),
        );
        e.retry_after_s = Some(retry_after_s);
        e
    }

    /// 504 `timed_out`: a request of `kind` passed its time limit.
    pub fn timed_out(kind: &str, limit_s: f64) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timed_out",
            format!("the {kind} request took longer than its {limit_s} s limit"),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), Value::String(self.code.into()));
        error.insert("message".into(), Value::String(self.message.clone()));
        for (k, v) in &self.extra {
            error.insert(k.clone(), v.clone());
        }
        serde_json::json!({ "error": error })
    }
}

impl From<fleetplan_core::output::NonFiniteOutput> for ApiError {
    fn from(e: fleetplan_core::output::NonFiniteOutput) -> Self {
        Self::internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(s) = self.retry_after_s
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
