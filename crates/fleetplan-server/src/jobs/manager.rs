//! [`JobManager`]: long requests (optimize, simulate, sweep) as jobs with a FIFO queue, a
//! concurrency limit and a time limit per kind, progress, cancellation and a bounded history.
//!
//! **Slots.** A kind runs at most `concurrency` workers at once; more jobs wait in its queue
//! (FIFO) up to `queue`, and one more is refused ([`SubmitError::QueueFull`], with the soonest
//! a running job of the kind must end as the `Retry-After`). A slot is freed when its worker
//! *returns*, not when its job is cancelled or timed out: a worker that has not yet seen its
//! stop flag still uses a core, and the limit counts cores in use.
//!
//! **Workers** run on Tokio's blocking pool (`spawn_blocking`), never on the async runtime.
//! Each gets a [`JobContext`]: it reports progress, reads its stop flag and the time left.
//!
//! **Final states.** A `DELETE` makes a job `cancelled` at once (a queued one never starts; a
//! running one has its stop flag raised and its worker ends at its next check: a sweep between
//! runs, a simulation at its next progress tick; the planner cannot be interrupted and ends at
//! its own time limit, which the job sets to at most the time it has left). A job still running
//! when its time limit (counted from its start) passes becomes `timed_out` at that moment (a
//! Tokio timer), with its stop flag raised the same way. Whatever a stopped worker returns
//! afterwards is dropped.
//!
//! **History.** The last [`KEPT_FINISHED_JOBS`] finished jobs are kept with their results;
//! older ones are forgotten (404), so memory stays bounded.

use super::types::{JobError, JobId, JobKind, JobOutput, JobState, JobView, Progress, SubmitError};
use crate::config::{KindLimits, ServerConfig};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// Finished jobs kept with their results; older ones are forgotten.
pub const KEPT_FINISHED_JOBS: usize = 256;

/// The work of one job, run once on a blocking thread.
pub type Work = Box<dyn FnOnce(&JobContext) -> Result<JobOutput, JobError> + Send + 'static>;

/// Runs long requests as jobs (module docs).
pub struct JobManager {
    inner: Arc<Inner>,
}

struct Inner {
    /// Limits per kind, indexed by [`JobKind::index`].
    limits: [KindLimits; 3],
    /// Finished jobs kept.
    kept_finished: usize,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    jobs: BTreeMap<JobId, Arc<JobCell>>,
    queues: [VecDeque<Queued>; 3],
    /// Jobs whose worker has not returned yet (including cancelled or timed-out ones).
    running: [Vec<Arc<JobCell>>; 3],
    /// Ids of finished jobs still kept, oldest first.
    finished: VecDeque<JobId>,
}

struct Queued {
    cell: Arc<JobCell>,
    work: Work,
}

/// One job: what never changes, its status, its stop flag and its change signal.
struct JobCell {
    id: JobId,
    kind: JobKind,
    created_unix_ms: u64,
    time_limit_s: f64,
    stop: AtomicBool,
    status: Mutex<Status>,
    /// Bumped on every change of state or progress (event streams wait on it).
    changed: watch::Sender<u64>,
}

struct Status {
    state: JobState,
    progress: Progress,
    started: Option<(u64, Instant)>,
    finished_unix_ms: Option<u64>,
    output: Option<Arc<JobOutput>>,
    error: Option<JobError>,
}

/// What a running worker can see and say: progress, its stop flag, the time it has left.
pub struct JobContext {
    cell: Arc<JobCell>,
    deadline: Instant,
}

impl JobContext {
    /// Report progress: `fraction` done (clamped to 0–1; a non-finite one is left out) and what
    /// the worker is doing. Ignored once the job has ended.
    pub fn report(&self, fraction: Option<f64>, message: impl Into<String>) {
        let fraction = fraction.filter(|f| f.is_finite()).map(|f| f.clamp(0.0, 1.0));
        {
            let mut status = lock(&self.cell.status);
            if status.state != JobState::Running {
                return;
            }
            status.progress = Progress { fraction, message: message.into() };
        }
        self.cell.notify();
    }

    /// The flag raised when the job is cancelled or times out; long loops read it (or hand it
    /// to the engines' `*_until` functions) and stop.
    pub fn stop_flag(&self) -> &AtomicBool {
        &self.cell.stop
    }

    /// Whether the worker should stop now.
    pub fn should_stop(&self) -> bool {
        self.cell.stop.load(Ordering::Relaxed)
    }

    /// Time left before the job's limit, s (0 once past it).
    pub fn remaining_s(&self) -> f64 {
        self.deadline.saturating_duration_since(Instant::now()).as_secs_f64()
    }

    /// The job's id.
    pub fn id(&self) -> JobId {
        self.cell.id
    }
}

impl JobCell {
    fn notify(&self) {
        self.changed.send_modify(|version| *version = version.wrapping_add(1));
    }

    /// A snapshot; the result and charts only when `full`.
    fn view(&self, queue_position: Option<usize>, full: bool) -> JobView {
        let status = lock(&self.status);
        JobView {
            id: self.id,
            kind: self.kind,
            state: status.state,
            queue_position,
            progress: status.progress.clone(),
            created_unix_ms: self.created_unix_ms,
            started_unix_ms: status.started.map(|(ms, _)| ms),
            finished_unix_ms: status.finished_unix_ms,
            time_limit_s: self.time_limit_s,
            output: if full { status.output.clone() } else { None },
            error: status.error.clone(),
        }
    }
}

impl Table {
    /// 1-based place of queued job `id` in its kind's queue.
    fn queue_position(&self, cell: &JobCell) -> Option<usize> {
        self.queues[cell.kind.index()].iter().position(|q| q.cell.id == cell.id).map(|i| i + 1)
    }

    fn view(&self, cell: &JobCell, full: bool) -> JobView {
        cell.view(self.queue_position(cell), full)
    }

    /// Tell every queued job of `kind` that its place may have changed.
    fn notify_queue(&self, kind: JobKind) {
        for queued in &self.queues[kind.index()] {
            queued.cell.notify();
        }
    }

    /// Put `cell` in a final state (unless it is in one already), remember it as finished and
    /// forget the oldest finished jobs beyond `kept`. Returns whether it changed.
    fn finalize(&mut self, cell: &JobCell, end: End, kept: usize) -> bool {
        {
            let mut status = lock(&cell.status);
            if status.state.is_final() {
                return false;
            }
            let (state, message) = match &end {
                End::Done(_) => (JobState::Done, "done".to_string()),
                End::Failed(e) => (JobState::Failed, e.message.clone()),
                End::Cancelled => (JobState::Cancelled, "cancelled".to_string()),
                End::TimedOut => (JobState::TimedOut, format!("stopped at its time limit of {} s", cell.time_limit_s)),
            };
            status.state = state;
            status.finished_unix_ms = Some(unix_ms());
            let fraction = if state == JobState::Done { Some(1.0) } else { status.progress.fraction };
            status.progress = Progress { fraction, message };
            match end {
                End::Done(output) => status.output = Some(Arc::new(output)),
                End::Failed(e) => status.error = Some(e),
                End::Cancelled => status.error = Some(JobError::new("cancelled", "cancelled by a DELETE request")),
                End::TimedOut => {
                    status.error = Some(JobError::new(
                        "timed_out",
                        format!("the job ran past its time limit of {} s", cell.time_limit_s),
                    ));
                }
            }
        }
        cell.notify();
        self.finished.push_back(cell.id);
        while self.finished.len() > kept {
            if let Some(old) = self.finished.pop_front() {
                self.jobs.remove(&old);
            }
        }
        true
    }
}

/// How a job ends.
enum End {
    Done(JobOutput),
    Failed(JobError),
    Cancelled,
    TimedOut,
}

impl JobManager {
    /// A manager with the job limits of `config` (optimize, simulate, sweep).
    pub fn new(config: &ServerConfig) -> Self {
        Self::with_limits([config.optimize, config.simulate, config.sweep], KEPT_FINISHED_JOBS)
    }

    /// A manager with `limits` per kind (optimize, simulate, sweep) keeping `kept_finished`
    /// finished jobs.
    pub fn with_limits(limits: [KindLimits; 3], kept_finished: usize) -> Self {
        let inner = Inner { limits, kept_finished, table: Mutex::new(Table::default()) };
        JobManager { inner: Arc::new(inner) }
    }

    /// The limits of `kind`.
    pub fn limits(&self, kind: JobKind) -> KindLimits {
        self.inner.limits[kind.index()]
    }

    /// Submit `work` as a job of `kind`: it starts at once when a slot is free, else waits in
    /// the kind's queue, else is refused. Call it from within a Tokio runtime (a request
    /// handler): the job's driver is a Tokio task.
    pub fn submit(&self, kind: JobKind, work: Work) -> Result<JobView, SubmitError> {
        let limits = self.limits(kind);
        let k = kind.index();
        let mut table = lock(&self.inner.table);
        let startable = table.running[k].len() < limits.concurrency;
        if !startable && table.queues[k].len() >= limits.queue {
            let retry_after_s = retry_after_s(&table.running[k]);
            return Err(SubmitError::QueueFull { kind, queued: table.queues[k].len(), retry_after_s });
        }
        table.next_id += 1;
        let cell = Arc::new(JobCell {
            id: JobId(table.next_id),
            kind,
            created_unix_ms: unix_ms(),
            time_limit_s: limits.time_limit_s,
            stop: AtomicBool::new(false),
            status: Mutex::new(Status {
                state: JobState::Queued,
                progress: Progress::message("queued"),
                started: None,
                finished_unix_ms: None,
                output: None,
                error: None,
            }),
            changed: watch::Sender::new(0),
        });
        table.jobs.insert(cell.id, cell.clone());
        if startable {
            start(&self.inner, &mut table, cell.clone(), work);
        } else {
            table.queues[k].push_back(Queued { cell: cell.clone(), work });
        }
        Ok(table.view(&cell, false))
    }

    /// Job `id` with its result and charts once done; `None` for an unknown or forgotten id.
    pub fn get(&self, id: JobId) -> Option<JobView> {
        let table = lock(&self.inner.table);
        table.jobs.get(&id).map(|cell| table.view(cell, true))
    }

    /// Job `id` without its result (the form of lists and events).
    pub fn summary(&self, id: JobId) -> Option<JobView> {
        let table = lock(&self.inner.table);
        table.jobs.get(&id).map(|cell| table.view(cell, false))
    }

    /// Every job kept, oldest first, without results.
    pub fn list(&self) -> Vec<JobView> {
        let table = lock(&self.inner.table);
        table.jobs.values().map(|cell| table.view(cell, false)).collect()
    }

    /// Cancel job `id`: a queued job leaves its queue, a running one has its stop flag raised;
    /// both become `cancelled` now. A finished job is left as it is. Returns the job (without
    /// its result), or `None` for an unknown id.
    pub fn cancel(&self, id: JobId) -> Option<JobView> {
        let mut table = lock(&self.inner.table);
        let cell = table.jobs.get(&id)?.clone();
        let state = lock(&cell.status).state;
        match state {
            JobState::Queued => {
                table.queues[cell.kind.index()].retain(|q| q.cell.id != id);
                table.finalize(&cell, End::Cancelled, self.inner.kept_finished);
                table.notify_queue(cell.kind);
            }
            JobState::Running => {
                cell.stop.store(true, Ordering::Relaxed);
                table.finalize(&cell, End::Cancelled, self.inner.kept_finished);
            }
            _ => {}
        }
        Some(table.view(&cell, false))
    }

    /// Cancel every queued and running job (the server shutting down).
    pub fn cancel_all(&self) {
        let ids: Vec<JobId> = lock(&self.inner.table).jobs.keys().copied().collect();
        for id in ids {
            self.cancel(id);
        }
    }

    /// A receiver that changes whenever job `id` changes state or progress (or its queue place).
    pub fn subscribe(&self, id: JobId) -> Option<watch::Receiver<u64>> {
        lock(&self.inner.table).jobs.get(&id).map(|cell| cell.changed.subscribe())
    }

    /// Workers of `kind` not yet returned (including stopped ones still finishing).
    pub fn running(&self, kind: JobKind) -> usize {
        lock(&self.inner.table).running[kind.index()].len()
    }

    /// Jobs of `kind` waiting for a slot.
    pub fn queued(&self, kind: JobKind) -> usize {
        lock(&self.inner.table).queues[kind.index()].len()
    }
}

/// Mark `cell` running, take a slot and hand its work to a driver task.
fn start(inner: &Arc<Inner>, table: &mut Table, cell: Arc<JobCell>, work: Work) {
    {
        let mut status = lock(&cell.status);
        status.state = JobState::Running;
        status.started = Some((unix_ms(), Instant::now()));
        status.progress = Progress::message("running");
    }
    cell.notify();
    table.running[cell.kind.index()].push(cell.clone());
    tokio::spawn(drive(inner.clone(), cell, work));
}

/// Run the work on a blocking thread under the time limit, then record how it ended and start
/// the next queued jobs of its kind.
async fn drive(inner: Arc<Inner>, cell: Arc<JobCell>, work: Work) {
    let limit = Duration::try_from_secs_f64(cell.time_limit_s).unwrap_or(Duration::MAX);
    let context = JobContext { cell: cell.clone(), deadline: Instant::now().checked_add(limit).unwrap_or_else(far) };
    let mut worker = tokio::task::spawn_blocking(move || work(&context));
    let joined = match tokio::time::timeout(limit, &mut worker).await {
        Ok(joined) => joined,
        Err(_elapsed) => {
            cell.stop.store(true, Ordering::Relaxed);
            lock(&inner.table).finalize(&cell, End::TimedOut, inner.kept_finished);
            worker.await
        }
    };
    let end = match joined {
        Ok(Ok(output)) => End::Done(output),
        Ok(Err(error)) => End::Failed(error),
        Err(join) => End::Failed(JobError::new("internal", format!("the job's worker stopped unexpectedly: {join}"))),
    };
    let mut table = lock(&inner.table);
    table.finalize(&cell, end, inner.kept_finished);
    let k = cell.kind.index();
    table.running[k].retain(|c| c.id != cell.id);
    let mut started = false;
    while table.running[k].len() < inner.limits[k].concurrency {
        let Some(next) = table.queues[k].pop_front() else { break };
        start(&inner, &mut table, next.cell, next.work);
        started = true;
    }
    if started {
        table.notify_queue(cell.kind);
    }
}

/// The soonest a running job ends at its limit, whole seconds, at least 1.
fn retry_after_s(running: &[Arc<JobCell>]) -> u64 {
    let left = running
        .iter()
        .filter_map(|cell| {
            let started = lock(&cell.status).started?.1;
            Some(cell.time_limit_s - started.elapsed().as_secs_f64())
        })
        .fold(f64::INFINITY, f64::min);
    if left.is_finite() { left.ceil().max(1.0) as u64 } else { 1 }
}

/// A deadline beyond any run (a time limit too large for `Instant`).
fn far() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

/// Milliseconds since the Unix epoch (0 on a clock before it).
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Lock `m`, recovering the data after a panic elsewhere (the job table stays usable).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
