//! The inline endpoints' limits: per kind, a semaphore of `concurrency` slots, at most `queue`
//! requests waiting (one more is 503 `busy` with Retry-After), and a time limit from arrival to
//! answer (504 `timed_out`). The work runs on the blocking pool, holding its slot until it ends
//! even when the answer has already timed out, so the limit on CPU use holds.

use crate::config::KindLimits;
use crate::error::ApiError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Seconds a refused inline request is told to wait (inline requests take milliseconds).
pub const INLINE_RETRY_AFTER_S: u64 = 1;

/// One kind's slots, waiting line and time limit.
#[derive(Debug)]
pub struct Limiter {
    kind: &'static str,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    time_limit_s: f64,
}

/// Decrements the waiting count when the waiter leaves (answered, timed out or dropped because
/// the client went away).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Limiter {
    /// A limiter for `kind` with `limits`.
    pub fn new(kind: &'static str, limits: &KindLimits) -> Self {
        Self {
            kind,
            slots: Arc::new(Semaphore::new(limits.concurrency.min(Semaphore::MAX_PERMITS))),
            waiting: AtomicUsize::new(0),
            queue: limits.queue,
            time_limit_s: limits.time_limit_s,
        }
    }

    /// Requests waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Run `work` on the blocking pool within the limits.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let limit = Duration::from_secs_f64(self.time_limit_s.clamp(0.0, 1e9));
        let deadline = Instant::now() + limit;
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(ApiError::busy(self.kind, INLINE_RETRY_AFTER_S));
                }
                let _waiting = Waiting(&self.waiting);
                match tokio::time::timeout_at(deadline, self.slots.clone().acquire_owned()).await {
                    Ok(Ok(slot)) => slot,
                    Ok(Err(_)) => return Err(ApiError::internal("the request limiter was closed")),
                    Err(_) => return Err(ApiError::timed_out(self.kind, self.time_limit_s)),
                }
            }
        };
        let task = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        });
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(ApiError::internal(format!("the {} worker failed: {e}", self.kind))),
            Err(_) => Err(ApiError::timed_out(self.kind, self.time_limit_s)),
        }
    }
}

/// The limiters of the three inline kinds.
#[derive(Debug)]
pub struct InlineLimiters {
    /// `POST /api/check`.
    pub check: Limiter,
    /// `POST /api/evaluate`.
    pub evaluate: Limiter,
    /// `POST /api/compare`.
    pub compare: Limiter,
}

impl InlineLimiters {
    /// One limiter per kind, each with `limits`.
    pub fn new(limits: &KindLimits) -> Self {
        Self {
            check: Limiter::new("check", limits),
            evaluate: Limiter::new("evaluate", limits),
            compare: Limiter::new("compare", limits),
        }
    }
}
