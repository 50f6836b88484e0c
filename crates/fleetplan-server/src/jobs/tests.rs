//! Unit tests of the job manager: queue order, a full queue, cancellation of queued and
//! running jobs, the time limit, progress, the bounded history, a panicking worker.

use super::manager::{JobContext, JobManager, Work};
use super::types::{JobError, JobId, JobKind, JobOutput, JobState, JobView, SubmitError};
use crate::config::KindLimits;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn manager(concurrency: usize, queue: usize, time_limit_s: f64, kept: usize) -> JobManager {
    let limits = KindLimits::new(concurrency, queue, time_limit_s);
    JobManager::with_limits([limits, limits, limits], kept)
}

fn output(n: usize) -> JobOutput {
    JobOutput { result_json: format!("{{\"n\": {n}}}"), charts_json: "[]".into(), plan_toml: None }
}

/// Work that returns `n` at once.
fn quick(n: usize) -> Work {
    Box::new(move |_: &JobContext| Ok(output(n)))
}

/// Work that waits until `gate` opens (or its stop flag is raised), then returns `n`; `exited`
/// counts workers that returned.
fn gated(n: usize, gate: &Arc<AtomicBool>, exited: &Arc<AtomicUsize>) -> Work {
    let (gate, exited) = (gate.clone(), exited.clone());
    Box::new(move |ctx: &JobContext| {
        while !gate.load(Ordering::Relaxed) && !ctx.should_stop() {
            std::thread::sleep(Duration::from_millis(5));
        }
        exited.fetch_add(1, Ordering::Relaxed);
        Ok(output(n))
    })
}

/// Poll job `id` until `done` holds (at most 20 s).
async fn wait_for(m: &JobManager, id: JobId, done: impl Fn(&JobView) -> bool) -> JobView {
    let start = Instant::now();
    loop {
        let view = m.get(id).expect("job known");
        if done(&view) {
            return view;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "job {id} stuck: {view:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_final(m: &JobManager, id: JobId) -> JobView {
    wait_for(m, id, |v| v.state.is_final()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_jobs_start_in_submission_order() {
    let m = manager(1, 8, 30.0, 64);
    let (gate, exited) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let first = m.submit(JobKind::Optimize, gated(0, &gate, &exited)).expect("accepted");
    assert_eq!(first.state, JobState::Running);
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut ids = Vec::new();
    for n in 1..=4 {
        let order = order.clone();
        let work: Work = Box::new(move |_: &JobContext| {
            order.lock().expect("order").push(n);
            Ok(output(n))
        });
        let view = m.submit(JobKind::Optimize, work).expect("accepted");
        assert_eq!((view.state, view.queue_position), (JobState::Queued, Some(n)));
        ids.push(view.id);
    }
    // Another kind has its own slots: it runs while optimize jobs wait.
    let other = m.submit(JobKind::Sweep, quick(9)).expect("accepted");
    assert_eq!(wait_final(&m, other.id).await.state, JobState::Done);
    assert_eq!(m.summary(ids[3]).expect("known").queue_position, Some(4));
    gate.store(true, Ordering::Relaxed);
    for (n, id) in ids.iter().enumerate() {
        let view = wait_final(&m, *id).await;
        assert_eq!(view.state, JobState::Done);
        assert_eq!(view.result(), Some(format!("{{\"n\": {}}}", n + 1).as_str()));
    }
    assert_eq!(*order.lock().expect("order"), vec![1, 2, 3, 4]);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_with_a_retry_time() {
    let m = manager(1, 2, 30.0, 64);
    let (gate, exited) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let running = m.submit(JobKind::Simulate, gated(0, &gate, &exited)).expect("runs");
    for n in 1..=2 {
        m.submit(JobKind::Simulate, gated(n, &gate, &exited)).expect("queued");
    }
    let refused = m.submit(JobKind::Simulate, quick(3)).unwrap_err();
    let SubmitError::QueueFull { kind, queued, retry_after_s } = refused.clone();
    assert_eq!((kind, queued), (JobKind::Simulate, 2));
    assert!((1..=30).contains(&retry_after_s), "{retry_after_s}");
    assert!(refused.to_string().contains("simulate queue is full"), "{refused}");
    assert_eq!(m.list().len(), 3, "a refused job is not recorded");
    gate.store(true, Ordering::Relaxed);
    wait_final(&m, running.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_queued_job_never_runs() {
    let m = manager(1, 8, 30.0, 64);
    let (gate, exited) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let running = m.submit(JobKind::Sweep, gated(0, &gate, &exited)).expect("runs");
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let victim = m
        .submit(
            JobKind::Sweep,
            Box::new(move |_: &JobContext| {
                flag.store(true, Ordering::Relaxed);
                Ok(output(1))
            }),
        )
        .expect("queued");
    let after = m.submit(JobKind::Sweep, quick(2)).expect("queued");
    assert_eq!(m.summary(after.id).expect("known").queue_position, Some(2));
    let cancelled = m.cancel(victim.id).expect("known");
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert!(cancelled.finished_unix_ms.is_some() && cancelled.started_unix_ms.is_none());
    assert_eq!(cancelled.error.as_ref().map(|e| e.code), Some("cancelled"));
    assert_eq!(m.summary(after.id).expect("known").queue_position, Some(1), "the queue moved up");
    gate.store(true, Ordering::Relaxed);
    assert_eq!(wait_final(&m, after.id).await.state, JobState::Done);
    assert_eq!(wait_final(&m, running.id).await.state, JobState::Done);
    assert!(!ran.load(Ordering::Relaxed), "the cancelled job's work never ran");
    // Cancelling a finished job leaves it as it was; an unknown id is None.
    assert_eq!(m.cancel(after.id).expect("known").state, JobState::Done);
    assert!(m.cancel(JobId(999)).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_running_job_ends_at_once_and_its_worker_stops() {
    let m = manager(1, 8, 30.0, 64);
    let (gate, exited) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let running = m.submit(JobKind::Optimize, gated(0, &gate, &exited)).expect("runs");
    let next = m.submit(JobKind::Optimize, quick(1)).expect("queued");
    let cancelled = m.cancel(running.id).expect("known");
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert!(cancelled.started_unix_ms.is_some() && cancelled.finished_unix_ms.is_some());
    // The worker sees its stop flag and returns; its result is dropped; the slot goes on.
    assert_eq!(wait_final(&m, next.id).await.state, JobState::Done);
    assert_eq!(exited.load(Ordering::Relaxed), 1);
    let view = m.get(running.id).expect("known");
    assert_eq!(view.state, JobState::Cancelled);
    assert!(view.result().is_none(), "a stopped worker's result is dropped");
    assert!(!gate.load(Ordering::Relaxed), "it stopped on its flag, not the gate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_past_its_limit_times_out_at_the_limit() {
    let m = manager(1, 8, 0.3, 64);
    let (gate, exited) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let slow = m.submit(JobKind::Simulate, gated(0, &gate, &exited)).expect("runs");
    let view = wait_final(&m, slow.id).await;
    assert_eq!(view.state, JobState::TimedOut);
    assert_eq!(view.error.as_ref().map(|e| e.code), Some("timed_out"));
    let ran_ms = view.finished_unix_ms.expect("finished") - view.started_unix_ms.expect("started");
    assert!((250..=3000).contains(&ran_ms), "timed out after {ran_ms} ms (limit 300 ms)");
    // A quick job under the same limit finishes normally.
    let quick_job = m.submit(JobKind::Simulate, quick(1)).expect("runs");
    assert_eq!(wait_final(&m, quick_job.id).await.state, JobState::Done);
    assert_eq!(exited.load(Ordering::Relaxed), 1, "the timed-out worker saw its stop flag");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_reported_and_signalled() {
    let m = manager(1, 8, 30.0, 64);
    let gate = Arc::new(AtomicBool::new(false));
    let open = gate.clone();
    let work: Work = Box::new(move |ctx: &JobContext| {
        ctx.report(Some(0.5), "half way");
        while !open.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        ctx.report(Some(7.0), "clamped");
        assert!(ctx.remaining_s() > 0.0 && ctx.remaining_s() <= 30.0);
        Ok(output(0))
    });
    let job = m.submit(JobKind::Sweep, work).expect("runs");
    let mut changes = m.subscribe(job.id).expect("known");
    let view = wait_for(&m, job.id, |v| v.progress.fraction.is_some()).await;
    assert_eq!((view.progress.fraction, view.progress.message.as_str()), (Some(0.5), "half way"));
    changes.borrow_and_update();
    gate.store(true, Ordering::Relaxed);
    tokio::time::timeout(Duration::from_secs(10), changes.changed()).await.expect("signalled").expect("open");
    let done = wait_final(&m, job.id).await;
    assert_eq!((done.state, done.progress.fraction), (JobState::Done, Some(1.0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_last_finished_jobs_are_kept() {
    let m = manager(2, 8, 30.0, 3);
    let mut ids = Vec::new();
    for n in 0..6 {
        let id = m.submit(JobKind::Optimize, quick(n)).expect("accepted").id;
        wait_final(&m, id).await;
        ids.push(id);
    }
    let kept: Vec<JobId> = m.list().iter().map(|v| v.id).collect();
    assert_eq!(kept, ids[3..].to_vec());
    assert!(m.get(ids[0]).is_none() && m.subscribe(ids[0]).is_none());
    assert!(m.list().iter().all(|v| v.result().is_none()), "lists carry no results");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_panicking_workers_fail_the_job_and_free_the_slot() {
    let m = manager(1, 8, 30.0, 64);
    let failing = m
        .submit(JobKind::Optimize, Box::new(|_: &JobContext| Err(JobError::new("plan_failed", "no plan"))))
        .expect("runs");
    let panicking = m
        .submit(JobKind::Optimize, Box::new(|_: &JobContext| -> Result<JobOutput, JobError> { panic!("boom") }))
        .expect("queued");
    let after = m.submit(JobKind::Optimize, quick(1)).expect("queued");
    let view = wait_final(&m, failing.id).await;
    assert_eq!((view.state, view.error.map(|e| e.code)), (JobState::Failed, Some("plan_failed")));
    let view = wait_final(&m, panicking.id).await;
    assert_eq!((view.state, view.error.map(|e| e.code)), (JobState::Failed, Some("internal")));
    assert_eq!(wait_final(&m, after.id).await.state, JobState::Done);
    assert_eq!(m.running(JobKind::Optimize), 0);
}
