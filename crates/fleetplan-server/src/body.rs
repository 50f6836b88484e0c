//! [`ApiJson`]: a JSON request body, read with the body cap and parsed with a located message.
//! Answers 415 `unsupported_media_type` unless the body is declared `application/json` (a
//! cross-site page cannot send that without a CORS preflight, which this server never grants),
//! 413 `too_large` past the cap, 400 `bad_json` with serde's line and column otherwise.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

/// A request body parsed as `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn too_large(limit_bytes: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the request body is larger than {} KiB, the most this server accepts", limit_bytes / 1024),
    )
    .with("limit_bytes", serde_json::json!(limit_bytes))
}

/// Parse `bytes` as `T`, or 400 `bad_json` saying where and what is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("the request body is not valid JSON for this endpoint: {e}"),
        )
        .with("line", serde_json::json!(e.line()))
        .with("column", serde_json::json!(e.column()))
    })
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.body_limit_bytes;
        let headers = request.headers();
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence != "application/json" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send the body as `Content-Type: application/json` (got `{}`)", content_type.escape_debug()),
            ));
        }
        let declared =
            headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        let body = request.into_body();
        if declared.is_some_and(|n| n > limit as u64) {
            // Read (and drop) a body up to DRAIN_FACTOR times the cap before answering, so that the
            // client, still sending, reads the 413 instead of a reset connection.
            if declared.is_some_and(|n| n <= (DRAIN_FACTOR * limit) as u64) {
                let _ = read_capped(body, limit).await;
            }
            return Err(too_large(limit));
        }
        let bytes = match read_capped(body, limit).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => return Err(too_large(limit)),
            Err(BodyError::Read(e)) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    format!("the request body could not be read: {e}"),
                ));
            }
        };
        parse_json(&bytes).map(ApiJson)
    }
}

/// How far past the cap a body is still read (and dropped) before the 413 goes out: a client
/// that is still sending then reads the answer instead of a reset connection. Bodies declared
/// larger are refused at once.
const DRAIN_FACTOR: usize = 4;

/// Why a body was not read whole.
enum BodyError {
    /// Longer than the cap (the rest, up to [`DRAIN_FACTOR`] times the cap, was read and dropped).
    TooLarge,
    /// The connection failed while reading.
    Read(axum::Error),
}

/// The body's bytes if it is at most `limit_bytes` long. Past the cap, frames are read and
/// dropped up to `DRAIN_FACTOR * limit_bytes` in all before answering `TooLarge`.
async fn read_capped(mut body: Body, limit_bytes: usize) -> Result<Vec<u8>, BodyError> {
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(BodyError::Read)?;
        let Ok(data) = frame.into_data() else { continue };
        seen = seen.saturating_add(data.len());
        if seen <= limit_bytes {
            bytes.extend_from_slice(&data);
        } else if seen > DRAIN_FACTOR.saturating_mul(limit_bytes) {
            return Err(BodyError::TooLarge);
        }
    }
    if seen > limit_bytes { Err(BodyError::TooLarge) } else { Ok(bytes) }
}
