//! Load test over loopback, bounded in count and time (it stops by itself):
//!
//! - `/api/evaluate` requests from concurrent clients: every one answers 200; p50/p99 latency
//!   printed;
//! - `/api/optimize` jobs submitted at once: every one accepted (202, most of them queued),
//!   none lost (each reaches `done` and is listed), none ran past its limit (started → finished
//!   within `time_limit_s`).
//!
//! The CI slice (`cargo test -p fleetplan-server --test load`) runs 100 evaluate requests from
//! 10 clients and 8 optimize jobs. The full size is by hand, in release:
//!
//! ```text
//! cargo test --release -p fleetplan-server --test load -- --ignored --nocapture
//! ```
//!
//! 500 requests from 50 clients and 20 optimize jobs; counts and the scenario can be changed
//! with `FLEETPLAN_LOAD_REQUESTS`, `FLEETPLAN_LOAD_CLIENTS`, `FLEETPLAN_LOAD_JOBS` and
//! `FLEETPLAN_LOAD_SCENARIO` (`bytedance`, the default, or `quickstart`). Numbers go to
//! docs/benchmarks.md, "Dashboard server".

use fleetplan_core::catalog::Catalog;
use fleetplan_server::ServerConfig;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const QUICKSTART: &str = include_str!("../../../examples/quickstart.toml");
const BYTEDANCE: &str = include_str!("../../../examples/bytedance-2025.toml");

/// What one load run does.
#[derive(Debug, Clone)]
struct Plan {
    /// `/api/evaluate` requests in all.
    requests: usize,
    /// Clients sending them at once.
    clients: usize,
    /// `/api/optimize` jobs submitted at once.
    jobs: usize,
    /// Name and text of the scenario.
    scenario: (&'static str, &'static str),
    /// Longest the whole run may take.
    deadline: Duration,
}

/// Latencies of the evaluate phase.
#[derive(Debug)]
struct EvaluateReport {
    count: usize,
    errors: Vec<String>,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    wall_s: f64,
}

/// What the optimize phase saw.
#[derive(Debug)]
struct OptimizeReport {
    accepted: usize,
    queued_at_submission: usize,
    done: usize,
    longest_run_s: f64,
    time_limit_s: f64,
    wall_s: f64,
}

fn scenario(name: &str) -> (&'static str, &'static str) {
    match name {
        "quickstart" => ("quickstart.toml", QUICKSTART),
        _ => ("bytedance-2025.toml", BYTEDANCE),
    }
}

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

/// Nearest-rank quantile of sorted `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn start() -> (String, tokio::sync::oneshot::Sender<()>) {
    let catalog = Arc::new(Catalog::builtin().expect("built-in catalog"));
    let mut config = ServerConfig::new(catalog);
    config.bind = "127.0.0.1:0".parse().expect("address");
    let bound = fleetplan_server::bind(&config).await.expect("binds");
    let base = format!("http://{}", bound.info().addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));
    (base, stop)
}

/// `plan.requests` evaluate requests from `plan.clients` clients, each taking the next request
/// until none is left.
async fn evaluate_phase(client: &reqwest::Client, base: &str, plan: &Plan) -> EvaluateReport {
    let next = Arc::new(AtomicUsize::new(0));
    let body = Arc::new(json!({"name": plan.scenario.0, "text": plan.scenario.1}));
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..plan.clients {
        let (client, url, next, body, total) =
            (client.clone(), format!("{base}/api/evaluate"), next.clone(), body.clone(), plan.requests);
        clients.push(tokio::spawn(async move {
            let mut seen: Vec<Result<f64, String>> = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let t = Instant::now();
                let outcome = match client.post(&url).json(&*body).send().await {
                    Ok(r) if r.status() == 200 => match r.json::<Value>().await {
                        Ok(doc) if doc["result"].is_object() && doc["charts"].is_array() => Ok(()),
                        Ok(doc) => Err(format!("unexpected body: {:.200}", doc.to_string())),
                        Err(e) => Err(format!("unreadable body: {e}")),
                    },
                    Ok(r) => Err(format!("status {}: {:.200}", r.status(), r.text().await.unwrap_or_default())),
                    Err(e) => Err(format!("request failed: {e}")),
                };
                seen.push(outcome.map(|()| t.elapsed().as_secs_f64() * 1000.0));
            }
            seen
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for c in clients {
        for outcome in c.await.expect("client task") {
            match outcome {
                Ok(ms) => latencies.push(ms),
                Err(e) => errors.push(e),
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    EvaluateReport {
        count: latencies.len() + errors.len(),
        errors,
        p50_ms: quantile(&latencies, 0.50),
        p99_ms: quantile(&latencies, 0.99),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        wall_s: started.elapsed().as_secs_f64(),
    }
}

/// Submit `plan.jobs` optimize jobs at once, then poll each until it ends.
async fn optimize_phase(client: &reqwest::Client, base: &str, plan: &Plan) -> OptimizeReport {
    let started = Instant::now();
    let body = json!({"name": plan.scenario.0, "text": plan.scenario.1, "settings": {"time_limit_s": 60}});
    let submits = (0..plan.jobs).map(|_| {
        let (client, url, body) = (client.clone(), format!("{base}/api/optimize"), body.clone());
        tokio::spawn(async move {
            let r = client.post(&url).json(&body).send().await.expect("submitted");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.expect("JSON"))
        })
    });
    let mut ids = Vec::new();
    let mut queued_at_submission = 0;
    for s in submits.collect::<Vec<_>>() {
        let (status, job) = s.await.expect("submit task");
        assert_eq!(status, 202, "every job is accepted: {job}");
        queued_at_submission += usize::from(job["state"] == "queued");
        ids.push(job["id"].as_str().expect("id").to_string());
    }
    let (mut done, mut longest_run_s, mut time_limit_s) = (0, 0.0f64, 0.0f64);
    for id in &ids {
        let job = loop {
            let job: Value =
                client.get(format!("{base}/api/jobs/{id}")).send().await.expect("polled").json().await.expect("JSON");
            if !matches!(job["state"].as_str(), Some("queued" | "running")) {
                break job;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(job["state"], "done", "every job finishes: {job}");
        assert!(job["result"]["feasible"].is_boolean(), "a plan document: {job}");
        let ms = |f: &str| job[f].as_u64().unwrap_or_else(|| panic!("{f} in {job}"));
        let ran_s = (ms("finished_unix_ms") - ms("started_unix_ms")) as f64 / 1000.0;
        time_limit_s = job["time_limit_s"].as_f64().expect("limit");
        assert!(ran_s <= time_limit_s, "job {id} ran {ran_s} s, past its {time_limit_s} s limit");
        longest_run_s = longest_run_s.max(ran_s);
        done += 1;
    }
    let listed: Value =
        client.get(format!("{base}/api/jobs")).send().await.expect("listed").json().await.expect("JSON");
    let listed: Vec<&str> = listed["jobs"].as_array().expect("jobs").iter().filter_map(|j| j["id"].as_str()).collect();
    assert!(ids.iter().all(|id| listed.contains(&id.as_str())), "no job lost from the list");
    OptimizeReport {
        accepted: ids.len(),
        queued_at_submission,
        done,
        longest_run_s,
        time_limit_s,
        wall_s: started.elapsed().as_secs_f64(),
    }
}

async fn run(plan: Plan) {
    let (base, _stop) = start().await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(plan.clients).build().expect("client");
    let work = async {
        let e = evaluate_phase(&client, &base, &plan).await;
        let o = optimize_phase(&client, &base, &plan).await;
        (e, o)
    };
    let (e, o) = tokio::time::timeout(plan.deadline, work).await.expect("the load run finishes within its deadline");
    println!(
        "load: {} ({} build), {} cores",
        plan.scenario.0,
        if cfg!(debug_assertions) { "debug" } else { "release" },
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    println!(
        "evaluate: {} requests from {} clients, {} errors; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.1} s, {:.1} requests/s",
        e.count,
        plan.clients,
        e.errors.len(),
        e.p50_ms,
        e.p99_ms,
        e.max_ms,
        e.wall_s,
        e.count as f64 / e.wall_s
    );
    println!(
        "optimize: {} jobs accepted ({} queued at submission), {} done, longest run {:.2} s (limit {} s); all finished in {:.1} s",
        o.accepted, o.queued_at_submission, o.done, o.longest_run_s, o.time_limit_s, o.wall_s
    );
    assert!(e.errors.is_empty(), "{} of {} evaluate requests failed, e.g. {}", e.errors.len(), e.count, e.errors[0]);
    assert_eq!(e.count, plan.requests);
    assert_eq!((o.accepted, o.done), (plan.jobs, plan.jobs));
}

/// The CI slice: 100 evaluate requests from 10 clients, 8 optimize jobs (the quickstart).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn load_ci_slice() {
    run(Plan {
        requests: 100,
        clients: 10,
        jobs: 8,
        scenario: scenario("quickstart"),
        deadline: Duration::from_secs(240),
    })
    .await;
}

/// The full size, by hand in release: 500 requests from 50 clients, 20 optimize jobs (counts
/// from the environment, module docs).
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
#[ignore = "full-size load test: run by hand in release (module docs)"]
async fn load_full_size() {
    let plan = Plan {
        requests: env_count("FLEETPLAN_LOAD_REQUESTS", 500),
        clients: env_count("FLEETPLAN_LOAD_CLIENTS", 50),
        jobs: env_count("FLEETPLAN_LOAD_JOBS", 20),
        scenario: scenario(&std::env::var("FLEETPLAN_LOAD_SCENARIO").unwrap_or_default()),
        deadline: Duration::from_secs(600),
    };
    run(plan).await;
}
