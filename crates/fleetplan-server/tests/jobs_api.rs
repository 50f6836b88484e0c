//! API tests of the job endpoints over loopback: submit and poll to `done`, the event stream
//! ending with the final state, cancellation, the time limit, a full queue (503 + Retry-After),
//! 404 for unknown jobs, 422 for an invalid scenario and 400 for bad settings or JSON.

use fleetplan_core::catalog::Catalog;
use fleetplan_server::jobs::{JobKind, JobManager};
use fleetplan_server::{KindLimits, ServerConfig};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const QUICKSTART: &str = include_str!("../../../examples/quickstart.toml");
const BYTEDANCE: &str = include_str!("../../../examples/bytedance-2025.toml");
/// Samples of a sweep that runs for minutes (stopped long before).
const LONG_SWEEP: u64 = 20_000;

/// A server on a free loopback port; stops when dropped.
struct Server {
    base: String,
    jobs: Arc<JobManager>,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

async fn start(tune: impl FnOnce(&mut ServerConfig)) -> Server {
    let catalog = Arc::new(Catalog::builtin().expect("built-in catalog"));
    let mut config = ServerConfig::new(catalog);
    config.bind = "127.0.0.1:0".parse().expect("address");
    tune(&mut config);
    let bound = fleetplan_server::bind(&config).await.expect("binds");
    let base = format!("http://{}", bound.info().addr);
    let jobs = bound.state().jobs.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));
    Server { base, jobs, client: reqwest::Client::new(), stop: Some(stop) }
}

impl Server {
    /// Start the server's graceful shutdown (as Ctrl-C does).
    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, reqwest::header::HeaderMap, Value) {
        let r = self.client.post(format!("{}{path}", self.base)).json(body).send().await.expect("sent");
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.json().await.expect("JSON body"))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(format!("{}{path}", self.base)).send().await.expect("sent");
        (r.status().as_u16(), r.json().await.expect("JSON body"))
    }

    async fn delete(&self, path: &str) -> (u16, Value) {
        let r = self.client.delete(format!("{}{path}", self.base)).send().await.expect("sent");
        (r.status().as_u16(), r.json().await.expect("JSON body"))
    }

    /// Submit a job; asserts 202 and returns its id.
    async fn submit(&self, kind: &str, text: &str, settings: Value) -> String {
        let (status, headers, job) =
            self.post(&format!("/api/{kind}"), &json!({"text": text, "settings": settings})).await;
        assert_eq!(status, 202, "{job}");
        let id = job["id"].as_str().expect("id").to_string();
        assert_eq!(headers.get("location").and_then(|v| v.to_str().ok()), Some(format!("/api/jobs/{id}").as_str()));
        assert_eq!(job["kind"], kind);
        assert!(job.get("result").is_none());
        id
    }

    /// Poll job `id` until it is final (at most 120 s).
    async fn wait_final(&self, id: &str) -> Value {
        let start = Instant::now();
        loop {
            let (status, job) = self.get(&format!("/api/jobs/{id}")).await;
            assert_eq!(status, 200, "{job}");
            if !matches!(job["state"].as_str(), Some("queued" | "running")) {
                return job;
            }
            assert!(start.elapsed() < Duration::from_secs(120), "job {id} did not finish: {job}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until no worker of `kind` runs (stopped workers have returned).
    async fn wait_idle(&self, kind: JobKind) {
        let start = Instant::now();
        while self.jobs.running(kind) > 0 {
            assert!(start.elapsed() < Duration::from_secs(60), "a stopped {kind:?} worker kept running");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The job's charts: a non-empty list of SVG charts with data marks.
fn assert_charts(job: &Value) {
    let charts = job["charts"].as_array().unwrap_or_else(|| panic!("charts in {job}"));
    assert!(!charts.is_empty(), "{} has charts", job["kind"]);
    for chart in charts {
        let svg = chart["svg"].as_str().expect("svg");
        assert!(chart["id"].is_string() && chart["title"].is_string(), "{chart}");
        assert!(svg.starts_with("<svg") && svg.contains("fp-chart"), "{}", chart["id"]);
    }
    assert!(charts.iter().any(|c| c["svg"].as_str().is_some_and(|s| s.contains("data-value"))), "marks with data");
}

fn ms(job: &Value, field: &str) -> u64 {
    job[field].as_u64().unwrap_or_else(|| panic!("{field} in {job}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_optimize_job_runs_to_the_plan_document() {
    let server = start(|_| {}).await;
    let id = server.submit("optimize", QUICKSTART, json!({"gap": 0.01, "time_limit_s": 20})).await;
    let job = server.wait_final(&id).await;
    assert_eq!(job["state"], "done", "{job}");
    // The CLI's document: the plan with its solver figures and the evaluator's check.
    let result = &job["result"];
    assert_eq!(result["feasible"], true);
    assert_eq!(result["objective"], "min-tco");
    assert!(result["solver"].is_object() && result["idle_share_by_quarter"].is_array(), "{result}");
    assert_charts(&job);
    assert_eq!(job["progress"]["fraction"], 1.0);
    // The plan as a scenario file (`optimize --out`'s plan.toml): it checks clean and its
    // `[[fleet]]` holds the existing capacity and every purchase line of the plan (none here:
    // the quickstart's fleet suffices).
    let plan_file = job["plan_toml"].as_str().expect("plan_toml");
    let (status, _, checked) = server.post("/api/check", &json!({"name": "plan.toml", "text": plan_file})).await;
    assert_eq!((status, &checked["ok"]), (200, &json!(true)), "{checked}");
    let purchases = result["purchases"].as_array().map_or(0, Vec::len);
    let fleet_entries = plan_file.lines().filter(|l| *l == "[[fleet]]").count();
    assert!(fleet_entries >= purchases.max(1), "{fleet_entries} [[fleet]] for {purchases} purchases");
    let (started, finished) = (ms(&job, "started_unix_ms"), ms(&job, "finished_unix_ms"));
    assert!(ms(&job, "created_unix_ms") <= started && started <= finished);
    assert!((finished - started) as f64 <= job["time_limit_s"].as_f64().expect("limit") * 1000.0);
    // Listed without its result.
    let (status, list) = server.get("/api/jobs").await;
    assert_eq!(status, 200);
    let listed = list["jobs"].as_array().expect("jobs").iter().find(|j| j["id"] == id.as_str()).expect("listed");
    assert!(listed.get("result").is_none() && listed["state"] == "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_jobs_return_the_scenario_document_or_say_what_is_wrong() {
    let server = start(|_| {}).await;
    let settings = json!({"hours": 1, "requests": 2000, "seed": 3, "replications": 2});
    let id = server.submit("simulate", QUICKSTART, settings).await;
    let job = server.wait_final(&id).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!((job["result"]["seed"].as_u64(), job["result"]["replications"].as_u64()), (Some(3), Some(2)));
    assert!(job["result"]["pools"].as_array().is_some_and(|p| !p.is_empty()), "{}", job["result"]);
    assert_charts(&job);
    // An unknown workload fails the job with the valid names.
    let id = server.submit("simulate", QUICKSTART, json!({"workload": "assistan", "hours": 1})).await;
    let job = server.wait_final(&id).await;
    assert_eq!((job["state"].as_str(), job["error"]["code"].as_str()), (Some("failed"), Some("unknown_workload")));
    assert!(job["error"]["message"].as_str().is_some_and(|m| m.contains("did you mean `assistant`")), "{job}");
}

/// The events of job `id` until the stream ends (at most 120 s).
async fn events(server: &Server, id: &str) -> Vec<Value> {
    let mut r = server.client.get(format!("{}/api/jobs/{id}/events", server.base)).send().await.expect("sent");
    assert_eq!(r.status(), 200);
    let kind = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = r.chunk().await.expect("reads") {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read).await.expect("the stream ends by itself");
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| serde_json::from_str(data.trim()).expect("each event is a Job"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_reports_progress_and_ends_with_the_final_state() {
    let server = start(|_| {}).await;
    let id = server.submit("sweep", QUICKSTART, json!({"samples": 3000, "seed": 1})).await;
    let seen = events(&server, &id).await;
    assert!(seen.len() >= 2, "{seen:?}");
    let last = seen.last().expect("events");
    assert_eq!(last["state"], "done", "{last}");
    assert!(last.get("result").is_none(), "events carry no result");
    assert!(seen.iter().all(|e| e["id"] == id.as_str()));
    // Progress only grows.
    let fractions: Vec<f64> = seen.iter().filter_map(|e| e["progress"]["fraction"].as_f64()).collect();
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    // The finished job's stream is one event, the final state.
    let again = events(&server, &id).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["state"], "done");
    // The result is the sweep summary.
    let (_, job) = server.get(&format!("/api/jobs/{id}")).await;
    assert_eq!((job["result"]["samples"].as_u64(), job["result"]["mode"].as_str()), (Some(3000), Some("evaluate")));
    assert_charts(&job);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_jobs_end_at_once_and_their_workers_stop() {
    let server = start(|c| c.sweep = KindLimits::new(1, 8, 300.0)).await;
    let running = server.submit("sweep", BYTEDANCE, json!({"samples": LONG_SWEEP})).await;
    let queued = server.submit("sweep", BYTEDANCE, json!({"samples": LONG_SWEEP})).await;
    let (_, job) = server.get(&format!("/api/jobs/{queued}")).await;
    assert_eq!((job["state"].as_str(), job["queue_position"].as_u64()), (Some("queued"), Some(1)), "{job}");
    // The queued one leaves its queue and never starts.
    let (status, job) = server.delete(&format!("/api/jobs/{queued}")).await;
    assert_eq!((status, job["state"].as_str()), (200, Some("cancelled")), "{job}");
    assert!(job.get("started_unix_ms").is_none() && job.get("finished_unix_ms").is_some());
    // The running one is cancelled now; its worker stops between two runs.
    let (status, job) = server.delete(&format!("/api/jobs/{running}")).await;
    assert_eq!((status, job["state"].as_str()), (200, Some("cancelled")), "{job}");
    assert_eq!(job["error"]["code"], "cancelled");
    server.wait_idle(JobKind::Sweep).await;
    let (_, job) = server.get(&format!("/api/jobs/{running}")).await;
    assert!(job["state"] == "cancelled" && job.get("result").is_none(), "{job}");
    let (_, job) = server.get(&format!("/api/jobs/{queued}")).await;
    assert!(job["state"] == "cancelled" && job.get("started_unix_ms").is_none(), "never started: {job}");
    // Cancelling again changes nothing.
    let (status, job) = server.delete(&format!("/api/jobs/{running}")).await;
    assert_eq!((status, job["state"].as_str()), (200, Some("cancelled")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_past_its_limit_times_out_and_a_full_queue_refuses() {
    let server = start(|c| c.sweep = KindLimits::new(1, 1, 1.0)).await;
    let long = json!({"samples": LONG_SWEEP});
    let first = server.submit("sweep", BYTEDANCE, long.clone()).await;
    let second = server.submit("sweep", BYTEDANCE, long.clone()).await;
    let body = json!({"text": BYTEDANCE, "settings": long});
    let (status, headers, error) = server.post("/api/sweep", &body).await;
    assert_eq!((status, error["error"]["code"].as_str()), (503, Some("queue_full")), "{error}");
    let retry: u64 = headers.get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).expect("Retry-After");
    assert!((1..=1).contains(&retry), "{retry}");
    for id in [&first, &second] {
        let job = server.wait_final(id).await;
        assert_eq!((job["state"].as_str(), job["error"]["code"].as_str()), (Some("timed_out"), Some("timed_out")));
        let ran_ms = ms(&job, "finished_unix_ms") - ms(&job, "started_unix_ms");
        assert!((900..=3000).contains(&ran_ms), "{ran_ms} ms under a 1 s limit");
    }
    server.wait_idle(JobKind::Sweep).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_jobs_are_404() {
    let server = start(|_| {}).await;
    for path in ["/api/jobs/j-999999", "/api/jobs/nonsense", "/api/jobs/j-999999/events", "/api/jobs/..%2F..%2Fetc"] {
        let (status, body) = server.get(path).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{path}: {body}");
    }
    let (status, body) = server.delete("/api/jobs/j-000042").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_scenario_is_422_with_located_diagnostics() {
    let server = start(|_| {}).await;
    let broken = QUICKSTART.replacen("[[fleet]]", "[[fleet]]\nchip = \"h100-sxmm\"\n", 1);
    assert_ne!(broken, QUICKSTART);
    for kind in ["optimize", "simulate", "sweep"] {
        let body = json!({"name": "mine.toml", "text": broken});
        let (status, _, error) = server.post(&format!("/api/{kind}"), &body).await;
        assert_eq!((status, error["error"]["code"].as_str()), (422, Some("invalid_scenario")), "{kind}: {error}");
        let diagnostics = error["error"]["diagnostics"].as_array().expect("diagnostics");
        assert!(!diagnostics.is_empty());
        assert!(
            diagnostics.iter().all(|d| d["file"] == "mine.toml" && d["line"].as_u64().is_some_and(|l| l > 0)),
            "{error}"
        );
    }
    assert!(server.jobs.list().is_empty(), "nothing was queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_and_bad_json_are_400() {
    let server = start(|_| {}).await;
    let cases = [
        ("optimize", json!({"gap": 2}), "gap"),
        ("optimize", json!({"objective": "max-tco"}), "valid: min-tco"),
        ("optimize", json!({"gapp": 0.1}), "unknown field `gapp`"),
        ("simulate", json!({"hours": -1}), "hours"),
        ("simulate", json!({"quarter": "2025Q9"}), "quarter"),
        ("sweep", json!({"samples": 0}), "samples"),
        ("sweep", json!({"mode": "plan"}), "evaluate, optimize"),
        ("sweep", json!("many"), "invalid type"),
    ];
    for (kind, settings, says) in cases {
        let (status, _, error) =
            server.post(&format!("/api/{kind}"), &json!({"text": QUICKSTART, "settings": settings})).await;
        assert_eq!(
            (status, error["error"]["code"].as_str()),
            (400, Some("bad_settings")),
            "{kind} {settings}: {error}"
        );
        let message = error["error"]["message"].as_str().expect("message");
        assert!(message.contains(says), "{message}");
    }
    let r = server
        .client
        .post(format!("{}/api/optimize", server.base))
        .header("content-type", "application/json")
        .body("{\"text\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    let error: Value = r.json().await.expect("JSON");
    assert_eq!(error["error"]["code"], "bad_json");
    let (status, _, error) = server.post("/api/optimize", &json!({"text": QUICKSTART, "extra": 1})).await;
    assert_eq!((status, error["error"]["code"].as_str()), (400, Some("bad_json")), "{error}");
    assert!(server.jobs.list().is_empty(), "nothing was queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_cancels_the_jobs_and_stops_their_workers() {
    let mut server = start(|c| c.sweep = KindLimits::new(1, 8, 300.0)).await;
    let running = server.submit("sweep", BYTEDANCE, json!({"samples": LONG_SWEEP})).await;
    let queued = server.submit("sweep", BYTEDANCE, json!({"samples": LONG_SWEEP})).await;
    server.shut_down();
    server.wait_idle(JobKind::Sweep).await;
    for id in [running, queued] {
        let id = fleetplan_server::jobs::JobId::parse(&id).expect("id");
        assert_eq!(server.jobs.summary(id).expect("kept").state, fleetplan_server::jobs::JobState::Cancelled);
    }
    assert_eq!(server.jobs.queued(JobKind::Sweep), 0);
}
