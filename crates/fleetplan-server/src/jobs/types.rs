//! The vocabulary of jobs: kinds, states, ids, progress, what a finished job holds, why one
//! failed, and the `Job` JSON object of the API (docs/serve.md, "Jobs").

use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// What a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// The planner (`fleetplan optimize`).
    Optimize,
    /// A scenario's serving simulation (`fleetplan simulate FILE`).
    Simulate,
    /// A Monte Carlo sweep (`fleetplan sweep`).
    Sweep,
}

impl JobKind {
    /// Every kind, in the order of their queues.
    pub const ALL: [JobKind; 3] = [JobKind::Optimize, JobKind::Simulate, JobKind::Sweep];

    /// The kind's name in JSON and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Optimize => "optimize",
            JobKind::Simulate => "simulate",
            JobKind::Sweep => "sweep",
        }
    }

    /// Index of the kind's queue.
    pub(crate) fn index(self) -> usize {
        match self {
            JobKind::Optimize => 0,
            JobKind::Simulate => 1,
            JobKind::Sweep => 2,
        }
    }
}

/// Where a job is in its life. `queued` → `running` → one of the final states; a queued job
/// can also go straight to `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a slot of its kind.
    Queued,
    /// Its worker runs.
    Running,
    /// Finished with a result (an infeasible plan is `done` too: its document says why).
    Done,
    /// Finished with an error (`error` says why).
    Failed,
    /// Cancelled by a `DELETE` request.
    Cancelled,
    /// Ran past its time limit.
    TimedOut,
}

impl JobState {
    /// Whether the job has ended (no more events follow).
    pub fn is_final(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Running)
    }
}

/// A job's id: a number shown as `j-000001` (six digits at least), unique per server run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "j-{:06}", self.0)
    }
}

impl JobId {
    /// The id written `text` (`j-` and digits), or `None` for anything else.
    pub fn parse(text: &str) -> Option<JobId> {
        let digits = text.strip_prefix("j-")?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(JobId)
    }
}

impl Serialize for JobId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How far a job has come.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// Fraction done, 0–1, when the work can tell (a sweep counts runs, a simulation requests;
    /// the planner cannot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    /// What it is doing, for people.
    pub message: String,
}

impl Progress {
    /// A progress with no fraction.
    pub fn message(message: impl Into<String>) -> Self {
        Progress { fraction: None, message: message.into() }
    }
}

/// What a finished job returns: the CLI's `--format json` document and the charts drawn from
/// it (`fleetplan_io::charts`), both as JSON text (the document byte for byte as the CLI prints
/// it: numbers cleaned, field order kept).
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutput {
    /// The command's JSON document (PlanDocument, the scenario simulation document, SweepSummary).
    pub result_json: String,
    /// The charts, a JSON array of `{id, title, svg}`.
    pub charts_json: String,
    /// An optimize job's plan as a scenario file (`optimize --out DIR`'s plan.toml): the
    /// dashboard opens it in the editor to evaluate, simulate or sweep the planned fleet.
    pub plan_toml: Option<String>,
}

/// Why a job did not finish with a result: the `error` object of a `failed`, `cancelled` or
/// `timed_out` job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobError {
    /// snake_case code (`plan_failed`, `simulate_failed`, `sweep_failed`, `cancelled`,
    /// `timed_out`, `internal`).
    pub code: &'static str,
    /// What happened, for people.
    pub message: String,
}

impl JobError {
    /// An error with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        JobError { code, message: message.into() }
    }
}

/// The `Job` object of the API: a snapshot of one job. `result` and `charts` are present only
/// in the full view of a `done` job (`GET /api/jobs/{id}`), never in lists or events.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    /// Id, `j-000001`.
    pub id: JobId,
    /// What it runs.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// Queued jobs: 1 for the next of its kind to start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<usize>,
    /// How far it has come.
    pub progress: Progress,
    /// When it was submitted, ms since the Unix epoch.
    pub created_unix_ms: u64,
    /// When its worker started, ms since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_unix_ms: Option<u64>,
    /// When it reached its final state, ms since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_unix_ms: Option<u64>,
    /// Longest it may run, from start to final state, s.
    pub time_limit_s: f64,
    /// `result` and `charts` of a done job (full view only; written by [`JobView::to_json`]).
    #[serde(skip)]
    pub(crate) output: Option<Arc<JobOutput>>,
    /// Why it failed, was cancelled or timed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
}

impl JobView {
    /// The result document of a done job, JSON text (full view only).
    pub fn result(&self) -> Option<&str> {
        self.output.as_ref().map(|o| o.result_json.as_str())
    }

    /// The `Job` object as JSON text, with `result` and `charts` spliced in as the documents'
    /// own text when the view carries them.
    pub fn to_json(&self) -> String {
        let head = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string());
        match (&self.output, head.strip_suffix('}')) {
            (Some(output), Some(open)) => {
                let plan = output.plan_toml.as_deref().map_or(String::new(), |t| {
                    format!(",\n\"plan_toml\": {}", serde_json::Value::String(t.to_string()))
                });
                format!("{open},\"result\": {},\n\"charts\": {}{plan}}}", output.result_json, output.charts_json)
            }
            _ => head,
        }
    }
}

/// A job refused at submission.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubmitError {
    /// The kind's queue is full (503 `queue_full` with `Retry-After`).
    #[error("the {} queue is full ({queued} jobs waiting); retry in {retry_after_s} s", kind.as_str())]
    QueueFull {
        /// The kind.
        kind: JobKind,
        /// Jobs waiting.
        queued: usize,
        /// When a slot may free up: the soonest a running job of the kind reaches its limit, s.
        retry_after_s: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse() {
        assert_eq!(JobId(1).to_string(), "j-000001");
        assert_eq!(JobId(1_234_567).to_string(), "j-1234567");
        assert_eq!(JobId::parse("j-000042"), Some(JobId(42)));
        for bad in ["", "j-", "42", "j-4x", "j--1", "k-000001", "j-+1"] {
            assert_eq!(JobId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn views_leave_out_what_is_not_there() {
        let view = JobView {
            id: JobId(3),
            kind: JobKind::Sweep,
            state: JobState::Queued,
            queue_position: Some(2),
            progress: Progress::message("queued"),
            created_unix_ms: 5,
            started_unix_ms: None,
            finished_unix_ms: None,
            time_limit_s: 300.0,
            output: None,
            error: None,
        };
        let json: serde_json::Value = serde_json::from_str(&view.to_json()).expect("valid JSON");
        assert_eq!(
            json,
            serde_json::json!({"id": "j-000003", "kind": "sweep", "state": "queued", "queue_position": 2,
                "progress": {"message": "queued"}, "created_unix_ms": 5, "time_limit_s": 300.0})
        );
        let done = JobView {
            state: JobState::Done,
            queue_position: None,
            output: Some(Arc::new(JobOutput {
                result_json: "{\n  \"ok\": true\n}".into(),
                charts_json: "[]".into(),
                plan_toml: None,
            })),
            ..view
        };
        assert!(serde_json::to_value(&done).expect("serialises").get("result").is_none(), "serde leaves it out");
        let json: serde_json::Value = serde_json::from_str(&done.to_json()).expect("valid JSON");
        assert_eq!(json["result"], serde_json::json!({"ok": true}));
        assert_eq!(json["charts"], serde_json::json!([]));
        assert!(json.get("queue_position").is_none());
    }
}
