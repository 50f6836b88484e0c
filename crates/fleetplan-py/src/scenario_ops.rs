//! Operations on a scenario: evaluate its fleet, plan it, check a file. Each calls the same
//! library functions as the CLI command of the same name, with the GIL released.

use crate::errors;
use crate::handles::{Doc, PyCatalog, PyDocument, PyScenario};
use fleetplan_core::catalog::UnknownId;
use fleetplan_core::scenario::Quarter;
use fleetplan_engines::eval::evaluate as evaluate_fleet;
use fleetplan_engines::plan::{self, Backend};
use fleetplan_engines::sim::scenario::{
    self as sim_scenario, DEFAULT_REPAIR_HOURS, ScenarioSimError, ScenarioSimOptions, chip_failures,
};
use fleetplan_io::LoadError;
use fleetplan_io::api::diagnostics::check_document;
use fleetplan_io::api::plan::{PlanDocument, PlanSettingError, parse_objective, parse_path, plan_options};
use fleetplan_io::api::settings;
use fleetplan_io::api::simulate::{DEFAULT_SCENARIO_REQUEST_BUDGET, scenario_document};
use pyo3::prelude::*;
use std::path::PathBuf;

/// Evaluate the scenario's fixed fleet (`fleetplan evaluate`).
#[pyfunction]
pub fn evaluate(py: Python<'_>, scenario: &PyScenario) -> PyResult<PyDocument> {
    let e = py
        .allow_threads(|| evaluate_fleet(&scenario.loaded.scenario, &scenario.catalog))
        .map_err(|e| errors::input(py, format!("{}: {e}", scenario.loaded.input.name)))?;
    Ok(PyDocument { doc: Doc::Evaluation(Box::new(e)), ok: true })
}

/// Seconds per Rust-side `evaluate` of `scenario`, the mean of `repeat` calls made inside the
/// module (no Python in between): the reference the Python call overhead is measured against.
#[pyfunction]
pub fn bench_evaluate(py: Python<'_>, scenario: &PyScenario, repeat: u32) -> PyResult<f64> {
    let repeat = repeat.max(1);
    py.allow_threads(|| {
        let started = std::time::Instant::now();
        for _ in 0..repeat {
            let e = evaluate_fleet(&scenario.loaded.scenario, &scenario.catalog);
            std::hint::black_box(&e);
        }
        Ok(started.elapsed().as_secs_f64() / f64::from(repeat))
    })
}

/// Plan what to buy or lease (`fleetplan optimize`). An infeasible scenario still returns the
/// plan under the smallest relaxation, with `ok` false.
#[pyfunction]
#[pyo3(signature = (scenario, objective = None, solver = "microlp", gap = plan::DEFAULT_MIP_GAP, time_limit_s = plan::DEFAULT_TIME_LIMIT_S, explain = true, path = "auto"))]
#[allow(clippy::too_many_arguments)]
pub fn optimize(
    py: Python<'_>,
    scenario: &PyScenario,
    objective: Option<&str>,
    solver: &str,
    gap: f64,
    time_limit_s: f64,
    explain: bool,
    path: &str,
) -> PyResult<PyDocument> {
    let backend = Backend::parse(solver).map_err(|e| errors::input(py, format!("solver: {e}")))?;
    let setting = |name: &str, e: PlanSettingError| errors::input(py, format!("{name}: {e}"));
    let objective = objective.map(parse_objective).transpose().map_err(|e| setting("objective", e))?;
    let path = parse_path(path).map_err(|e| setting("path", e))?;
    let options = plan_options(objective, backend, gap, time_limit_s, explain, path).map_err(|e| match e {
        PlanSettingError::Gap(_) => setting("gap", e),
        _ => setting("time_limit_s", e),
    })?;
    let (s, catalog) = (&scenario.loaded.scenario, &*scenario.catalog);
    let p = py
        .allow_threads(|| plan::plan(s, catalog, &options))
        .map_err(|e| errors::input(py, format!("{}: {e}", scenario.loaded.input.name)))?;
    let text = py.allow_threads(|| fleetplan_core::output::to_json_pretty(&PlanDocument::new(s, catalog, &p)));
    let text = text.map_err(|e| errors::internal(py, e))?;
    Ok(PyDocument { doc: Doc::Text(text), ok: p.feasible })
}

/// Check a scenario file without raising (`fleetplan check --format json`): the document
/// `{ok, file, problems, diagnostics}`; a file that cannot be read raises `ReadError`.
#[pyfunction]
pub fn check(py: Python<'_>, catalog: &PyCatalog, path: PathBuf) -> PyResult<PyDocument> {
    let result = py.allow_threads(|| fleetplan_io::scenario::read_scenario(&path, &catalog.catalog));
    let doc = match &result {
        Ok(loaded) => check_document(&loaded.input.name, None),
        Err(LoadError::Invalid(d)) => check_document(&d.input.name, Some(d)),
        Err(read) => return Err(errors::load(py, read)),
    };
    Ok(PyDocument { doc: Doc::Text(crate::handles::to_json(py, &doc)?), ok: result.is_ok() })
}

/// A scenario's chat workload served by the fleet its evaluation allocates (`fleetplan
/// simulate FILE`). `stage` (`fleetplan.distributed.simulate_fleet`): `{"list": True}` gives the
/// (pool, replication) jobs, `{"run": jobs}` runs them and gives their results as bytes,
/// `{"gather": results}` gives the document of gathered results (see `simjobs.rs`).
#[pyfunction]
#[pyo3(signature = (scenario, workload = None, hours = 24.0, quarter = None, sample_fraction = None,
    failures = true, mtbf_hours = None, repair_hours = None, requests = None, seed = 1, replications = 1,
    routing = "round-robin", input_sigma = None, output_sigma = None, stage = None))]
#[allow(clippy::too_many_arguments)]
pub fn simulate_scenario(
    py: Python<'_>,
    scenario: &PyScenario,
    workload: Option<String>,
    hours: f64,
    quarter: Option<&str>,
    sample_fraction: Option<f64>,
    failures: bool,
    mtbf_hours: Option<f64>,
    repair_hours: Option<f64>,
    requests: Option<u64>,
    seed: u64,
    replications: u32,
    routing: &str,
    input_sigma: Option<f64>,
    output_sigma: Option<f64>,
    stage: Option<crate::simjobs::Stage>,
) -> PyResult<PyObject> {
    let quarter =
        quarter.map(|q| q.parse::<Quarter>().map_err(|e| errors::input(py, format!("quarter: {e}")))).transpose()?;
    if let Some(f) = sample_fraction
        && !(f > 0.0 && f <= 1.0)
    {
        return Err(errors::input(py, format!("sample_fraction must be a fraction in (0, 1], got `{f}`")));
    }
    let opts = ScenarioSimOptions {
        workload,
        quarter,
        hours: settings::positive(hours, &fleetplan_core::format::given(hours))
            .map_err(|e| errors::input(py, format!("hours {e}")))?,
        sample_fraction,
        request_budget: requests.unwrap_or(DEFAULT_SCENARIO_REQUEST_BUDGET),
        routing: crate::requests::routing(py, routing)?,
        failures: chip_failures(!failures, mtbf_hours, repair_hours.unwrap_or(DEFAULT_REPAIR_HOURS)),
        length_sigma: (input_sigma, output_sigma),
        sample_interval_s: None,
    };
    let (s, catalog, name) = (&scenario.loaded.scenario, &*scenario.catalog, &scenario.loaded.input.name);
    let evaluation =
        py.allow_threads(|| evaluate_fleet(s, catalog)).map_err(|e| errors::input(py, format!("{name}: {e}")))?;
    let sim = py.allow_threads(|| sim_scenario::build(s, catalog, &evaluation, &opts)).map_err(|e| match e {
        ScenarioSimError::UnknownWorkload { given, suggestion, known } => {
            let err = UnknownId { kind: "chat workload", id: given, suggestion, known };
            errors::unknown(py, "workload", &err)
        }
        other => errors::input(py, other),
    })?;
    let results = match stage {
        None => py
            .allow_threads(|| sim_scenario::run(&sim, seed, replications, &|_| {}))
            .map_err(|e| errors::input(py, e))?,
        Some(stage) => match crate::simjobs::stage(py, &sim, seed, replications, stage)? {
            crate::simjobs::Staged::Done(object) => return Ok(object),
            crate::simjobs::Staged::Gathered(results) => results,
        },
    };
    let Some(summaries) = sim.summarize(&results) else {
        return Err(errors::internal(py, "no replications ran"));
    };
    Ok(PyDocument::of(py, &scenario_document(s, &sim, &opts, seed, replications, &summaries))?
        .into_pyobject(py)?
        .into_any()
        .unbind())
}
