//! A scenario simulation in jobs (one pool's replication each) for `fleetplan.distributed
//! .simulate_fleet`: list the jobs, run some (a Ray task) and return their results as bytes,
//! or gather results into the simulation's document. The jobs are
//! `fleetplan_engines::sim::scenario::jobs`, the ones the in-process run is made of, so the
//! gathered document equals `fleetplan.simulate(...)`'s for the same seed.

use crate::errors;
use fleetplan_engines::sim::scenario::{ScenarioSim, jobs};
use fleetplan_engines::sim::{Histogram, Sample, SimResult};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// What part of a simulation to do.
#[derive(FromPyObject)]
pub enum Stage {
    /// List the jobs, `[(pool, replication), ...]`.
    #[pyo3(transparent)]
    List(ListJobs),
    /// Run these jobs and return `[(pool, replication, bytes), ...]`.
    #[pyo3(transparent)]
    Run(RunJobs),
    /// Gather these results into the document.
    #[pyo3(transparent)]
    Gather(GatherJobs),
}

/// `{"list": True}`.
#[derive(FromPyObject)]
pub struct ListJobs {
    #[pyo3(item("list"))]
    list: bool,
}

/// `{"run": [(pool, replication), ...]}`.
#[derive(FromPyObject)]
pub struct RunJobs {
    #[pyo3(item("run"))]
    jobs: Vec<(usize, u64)>,
}

/// `{"gather": [(pool, replication, bytes), ...]}`.
#[derive(FromPyObject)]
pub struct GatherJobs {
    #[pyo3(item("gather"))]
    results: Vec<(usize, u64, Vec<u8>)>,
}

/// A stage's outcome: a Python value to return, or results to summarise.
pub enum Staged {
    /// Return this.
    Done(PyObject),
    /// Summarise these (per pool, replications in order).
    Gathered(Vec<Vec<SimResult>>),
}

/// Do `stage` of `sim`.
pub fn stage(py: Python<'_>, sim: &ScenarioSim, seed: u64, replications: u32, stage: Stage) -> PyResult<Staged> {
    match stage {
        Stage::List(ListJobs { list }) => {
            let listed = if list { jobs::jobs(sim, replications) } else { Vec::new() };
            Ok(Staged::Done(listed.into_py_any(py)?))
        }
        Stage::Run(RunJobs { jobs: asked }) => {
            for &job in &asked {
                jobs::check_job(sim, job).map_err(|e| errors::input(py, e))?;
            }
            let done: Vec<SimResult> =
                py.allow_threads(|| asked.iter().map(|&job| jobs::run_job(sim, seed, job, None)).collect());
            let out: Vec<(usize, u64, Bound<'_, PyBytes>)> =
                asked.iter().zip(&done).map(|(&(k, i), r)| (k, i, PyBytes::new(py, &encode(r)))).collect();
            Ok(Staged::Done(out.into_py_any(py)?))
        }
        Stage::Gather(GatherJobs { results }) => {
            let mut finished = Vec::with_capacity(results.len());
            for (k, i, data) in results {
                jobs::check_job(sim, (k, i)).map_err(|e| errors::input(py, e))?;
                let r = decode(&data).ok_or_else(|| errors::input(py, "not the bytes of a simulation result"))?;
                finished.push(((k, i), r));
            }
            // Replications of a pool in index order, as the in-process run keeps them.
            finished.sort_by_key(|((k, i), _)| (*k, *i));
            let expected = jobs::jobs(sim, replications);
            if finished.iter().map(|(job, _)| *job).ne(expected.iter().copied()) {
                return Err(errors::input(py, "the results are not one per job of the simulation"));
            }
            let gathered = jobs::gather(sim, finished).map_err(|e| errors::input(py, e))?;
            Ok(Staged::Gathered(gathered))
        }
    }
}

fn put_u(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_hist(out: &mut Vec<u8>, h: &Histogram) {
    let (counts, count, sum, min, max) = h.parts();
    put_u(out, counts.len() as u64);
    counts.iter().for_each(|c| put_u(out, *c));
    put_u(out, count);
    [sum, min, max].iter().for_each(|v| put_f(out, *v));
}

/// A simulation result as bytes (little-endian u64/f64, every field in declaration order).
fn encode(r: &SimResult) -> Vec<u8> {
    let mut out = Vec::new();
    for h in [&r.ttft, &r.tpot, &r.e2e, &r.queue_wait] {
        put_hist(&mut out, h);
    }
    for v in [
        r.arrived,
        r.completed,
        r.dropped,
        r.retried,
        r.preemptions,
        r.failures,
        r.slo_met,
        r.input_tokens,
        r.output_tokens,
        r.steps,
        u64::from(r.replicas),
    ] {
        put_u(&mut out, v);
    }
    for v in [r.duration_s, r.area_in_system, r.area_waiting, r.total_wait_s, r.busy_s, r.window_s.0, r.window_s.1] {
        put_f(&mut out, v);
    }
    put_u(&mut out, r.series.len() as u64);
    for s in &r.series {
        put_f(&mut out, s.t_s);
        [s.waiting, s.running, s.completed].iter().for_each(|v| put_u(&mut out, *v));
        put_f(&mut out, s.utilization);
        put_f(&mut out, s.kv_usage);
        put_u(&mut out, u64::from(s.replicas_up));
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u(&mut self) -> Option<u64> {
        let (head, rest) = (self.0.get(..8)?, self.0.get(8..)?);
        self.0 = rest;
        Some(u64::from_le_bytes(head.try_into().ok()?))
    }
    fn f(&mut self) -> Option<f64> {
        self.u().map(f64::from_bits)
    }
    fn count(&mut self, size: usize) -> Option<usize> {
        let n = usize::try_from(self.u()?).ok()?;
        (n.checked_mul(size)? <= self.0.len()).then_some(n)
    }
    fn hist(&mut self) -> Option<Histogram> {
        let n = self.count(8)?;
        let counts = (0..n).map(|_| self.u()).collect::<Option<Vec<u64>>>()?;
        Histogram::from_parts(counts, self.u()?, self.f()?, self.f()?, self.f()?)
    }
}

fn decode(data: &[u8]) -> Option<SimResult> {
    let mut r = Reader(data);
    let (ttft, tpot, e2e, queue_wait) = (r.hist()?, r.hist()?, r.hist()?, r.hist()?);
    let mut u = [0u64; 11];
    for v in &mut u {
        *v = r.u()?;
    }
    let mut f = [0f64; 7];
    for v in &mut f {
        *v = r.f()?;
    }
    let n = r.count(56)?;
    let series = (0..n)
        .map(|_| {
            Some(Sample {
                t_s: r.f()?,
                waiting: r.u()?,
                running: r.u()?,
                completed: r.u()?,
                utilization: r.f()?,
                kv_usage: r.f()?,
                replicas_up: u32::try_from(r.u()?).ok()?,
            })
        })
        .collect::<Option<Vec<Sample>>>()?;
    let result = SimResult {
        ttft,
        tpot,
        e2e,
        queue_wait,
        arrived: u[0],
        completed: u[1],
        dropped: u[2],
        retried: u[3],
        preemptions: u[4],
        failures: u[5],
        slo_met: u[6],
        input_tokens: u[7],
        output_tokens: u[8],
        steps: u[9],
        replicas: u32::try_from(u[10]).ok()?,
        duration_s: f[0],
        area_in_system: f[1],
        area_waiting: f[2],
        total_wait_s: f[3],
        busy_s: f[4],
        window_s: (f[5], f[6]),
        series,
    };
    r.0.is_empty().then_some(result)
}
