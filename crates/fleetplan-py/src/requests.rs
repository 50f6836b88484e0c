//! Requests named by keywords: `perf.infer`, `perf.train`, `simulate` (standalone), `policy.check`
//! and `validate`. Keyword values are parsed with the library's parsers, checked with the
//! library's range checks (`fleetplan_io::api::settings`), and handed to the same
//! `fleetplan_io::api` functions the CLI commands call.

use crate::errors;
use crate::handles::{PyCatalog, PyDocument};
use fleetplan_core::units::{Date, Precision};
use fleetplan_engines::sim::Routing;
use fleetplan_io::api::perf::{FixedLayout, InferRequest, PerfInputError, RequestSettings, TrainRequest};
use fleetplan_io::api::policy::{PolicyInputError, PolicySwitches};
use fleetplan_io::api::settings;
use fleetplan_io::api::simulate::{StandaloneError, StandaloneRequest, StandaloneSim};
use fleetplan_io::api::validate::{ValidateError, ValidationReport, read_case_files, run_fleet_cases};
use fleetplan_models::infer::ServeMode;
use pyo3::prelude::*;
use std::path::PathBuf;

/// A `perf`/`simulate` problem as a Python exception (an unknown id as `UnknownIdError`).
pub fn perf_error(py: Python<'_>, e: PerfInputError) -> PyErr {
    match e {
        PerfInputError::Unknown { argument, err } => errors::unknown(py, argument, &err),
        other => errors::input(py, other),
    }
}

/// `value` of keyword `name` checked positive (and within `field`'s physical range).
fn checked(py: Python<'_>, name: &str, field: Option<&str>, value: f64) -> PyResult<f64> {
    let given = fleetplan_core::format::given(value);
    let r = match field {
        Some(field) => settings::within(field, value, &given),
        None => settings::positive(value, &given),
    };
    r.map_err(|e| errors::input(py, format!("{name} {e}")))
}

fn checked_opt(py: Python<'_>, name: &str, field: Option<&str>, value: Option<f64>) -> PyResult<Option<f64>> {
    value.map(|v| checked(py, name, field, v)).transpose()
}

/// A precision named `name` (bf16, fp16, fp8, int8, fp4, w4a16).
pub fn precision(py: Python<'_>, keyword: &str, name: &str) -> PyResult<Precision> {
    name.parse().map_err(|e: String| errors::input(py, format!("{keyword}: {e}")))
}

/// Parallelism degrees as given.
fn layout(tp: Option<u32>, pp: Option<u32>, dp: Option<u32>, ep: Option<u32>) -> FixedLayout {
    FixedLayout { tp, pp, dp, ep }
}

/// What a chip delivers serving a language model (`fleetplan perf infer`).
#[pyfunction]
#[pyo3(signature = (catalog, chip, model, chips = 8, precision = "bf16", kv_precision = None, input = 1000.0,
    output = 200.0, cached_input_fraction = 0.0, output_cv = None, output_max = None, beams = None,
    mtp_draft_tokens = None, mtp_acceptance = None, requests = None, concurrency = None, scenario = None,
    ttft_p99_ms = None, tpot_p99_ms = None, engine = None, engine_version = None, tp = None, pp = None, dp = None,
    ep = None, curve = false))]
#[allow(clippy::too_many_arguments)]
pub fn perf_infer(
    py: Python<'_>,
    catalog: &PyCatalog,
    chip: String,
    model: String,
    chips: u32,
    precision: &str,
    kv_precision: Option<&str>,
    input: f64,
    output: f64,
    cached_input_fraction: f64,
    output_cv: Option<f64>,
    output_max: Option<f64>,
    beams: Option<u32>,
    mtp_draft_tokens: Option<u32>,
    mtp_acceptance: Option<f64>,
    requests: Option<u32>,
    concurrency: Option<u32>,
    scenario: Option<&str>,
    ttft_p99_ms: Option<f64>,
    tpot_p99_ms: Option<f64>,
    engine: Option<String>,
    engine_version: Option<String>,
    tp: Option<u32>,
    pp: Option<u32>,
    dp: Option<u32>,
    ep: Option<u32>,
    curve: bool,
) -> PyResult<PyDocument> {
    let mode = scenario
        .map(|s| {
            ServeMode::parse(s).ok_or_else(|| {
                errors::input(
                    py,
                    format!("scenario: unknown scenario `{s}`; expected one of offline, server, prefill, decode"),
                )
            })
        })
        .transpose()?;
    let request = InferRequest {
        chip,
        chips,
        model,
        precision: self::precision(py, "precision", precision)?,
        kv_precision: kv_precision.map(|p| self::precision(py, "kv_precision", p)).transpose()?,
        input: checked(py, "input", None, input)?,
        output: checked(py, "output", None, output)?,
        cached_fraction: cached_input_fraction,
        request: RequestSettings {
            output_cv,
            output_max,
            beams,
            mtp_draft_tokens,
            mtp_acceptance,
            requests,
            concurrency,
        },
        mode,
        ttft_p99_ms: checked_opt(py, "ttft_p99_ms", Some("ttft_p99_ms"), ttft_p99_ms)?,
        tpot_p99_ms: checked_opt(py, "tpot_p99_ms", Some("tpot_p99_ms"), tpot_p99_ms)?,
        engine,
        engine_version,
        layout: layout(tp, pp, dp, ep),
        curve,
    };
    let cat = &catalog.catalog;
    let report = py.allow_threads(|| fleetplan_io::api::perf::infer(cat, &request)).map_err(|e| perf_error(py, e))?;
    PyDocument::of(py, &report.document())
}

/// The fastest training layout that fits (`fleetplan perf train`).
#[pyfunction]
#[pyo3(signature = (catalog, chip, model, chips, precision = "bf16", seq_len = 8192.0, tokens = 1e12,
    global_batch_tokens = None, tp = None, pp = None, dp = None, ep = None))]
#[allow(clippy::too_many_arguments)]
pub fn perf_train(
    py: Python<'_>,
    catalog: &PyCatalog,
    chip: String,
    model: String,
    chips: u32,
    precision: &str,
    seq_len: f64,
    tokens: f64,
    global_batch_tokens: Option<f64>,
    tp: Option<u32>,
    pp: Option<u32>,
    dp: Option<u32>,
    ep: Option<u32>,
) -> PyResult<PyDocument> {
    let request = TrainRequest {
        chip,
        chips,
        model,
        precision: self::precision(py, "precision", precision)?,
        seq_len: checked(py, "seq_len", Some("input_tokens_per_request"), seq_len)?,
        tokens: checked(py, "tokens", Some("tokens"), tokens)?,
        global_batch_tokens: checked_opt(py, "global_batch_tokens", Some("tokens"), global_batch_tokens)?,
        layout: layout(tp, pp, dp, ep),
    };
    let cat = &catalog.catalog;
    let report = py.allow_threads(|| fleetplan_io::api::perf::train(cat, &request)).map_err(|e| perf_error(py, e))?;
    PyDocument::of(py, &report.document())
}

/// A routing policy named `name`.
pub fn routing(py: Python<'_>, name: &str) -> PyResult<Routing> {
    Routing::parse(name).ok_or_else(|| {
        errors::input(py, format!("routing: unknown routing `{name}`; expected one of {}", Routing::NAMES.join(", ")))
    })
}

/// A standalone serving simulation (`fleetplan simulate --chip ... --model ...`).
#[pyfunction]
#[pyo3(signature = (catalog, chip, model, chips = 8, tp = 1, pp = 1, precision = "bf16", qps = 10.0, input = 1000,
    output = 200, input_sigma = None, output_sigma = None, requests = None, trace = None, seed = 1, replications = 1,
    routing = "round-robin", ttft_p99_ms = None, tpot_p99_ms = None, mtbf_hours = None, repair_hours = None,
    prefill_replicas = None))]
#[allow(clippy::too_many_arguments)]
pub fn simulate_standalone(
    py: Python<'_>,
    catalog: &PyCatalog,
    chip: String,
    model: String,
    chips: u32,
    tp: u32,
    pp: u32,
    precision: &str,
    qps: f64,
    input: u32,
    output: u32,
    input_sigma: Option<f64>,
    output_sigma: Option<f64>,
    requests: Option<u64>,
    trace: Option<PathBuf>,
    seed: u64,
    replications: u32,
    routing: &str,
    ttft_p99_ms: Option<f64>,
    tpot_p99_ms: Option<f64>,
    mtbf_hours: Option<f64>,
    repair_hours: Option<f64>,
    prefill_replicas: Option<u32>,
) -> PyResult<PyDocument> {
    let request = StandaloneRequest {
        chip,
        chips,
        tp,
        pp,
        model,
        precision: self::precision(py, "precision", precision)?,
        qps: checked(py, "qps", None, qps)?,
        input,
        output,
        input_sigma,
        output_sigma,
        requests,
        routing: self::routing(py, routing)?,
        ttft_p99_ms: checked_opt(py, "ttft_p99_ms", Some("ttft_p99_ms"), ttft_p99_ms)?,
        tpot_p99_ms: checked_opt(py, "tpot_p99_ms", Some("tpot_p99_ms"), tpot_p99_ms)?,
        mtbf_hours: checked_opt(py, "mtbf_hours", None, mtbf_hours)?,
        repair_hours: repair_hours.unwrap_or(fleetplan_engines::sim::scenario::DEFAULT_REPAIR_HOURS),
        prefill_replicas,
        sample_interval_s: None,
    };
    let cat = &catalog.catalog;
    let setup = request.setup(cat).map_err(|e| perf_error(py, e))?;
    let mut sim = py.allow_threads(|| StandaloneSim::new(cat, &setup)).map_err(|e| standalone_error(py, e))?;
    if let Some(path) = trace {
        sim.replay(fleetplan_io::trace::read_trace(&path).map_err(|e| errors::load(py, &e))?);
    }
    let run = py.allow_threads(|| sim.run(seed, replications, &|_| {})).map_err(|e| standalone_error(py, e))?;
    if run.summary.is_none() {
        return Err(errors::internal(py, "no replications ran"));
    }
    PyDocument::of(py, &run.document(request.echo()))
}

fn standalone_error(py: Python<'_>, e: StandaloneError) -> PyErr {
    match e {
        StandaloneError::Unknown { argument, err } => errors::unknown(py, argument, &err),
        other => errors::input(py, other),
    }
}

/// May a buyer own (or lease) a chip at a site on a date? (`fleetplan policy check`)
#[pyfunction]
#[pyo3(signature = (catalog, chip, site, buyer_hq, date, buyer_attributes = Vec::new(), lease = false,
    assume_licences = false, disable_rules = Vec::new(), enable_rules = Vec::new(), grant_rules = Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub fn policy_check(
    py: Python<'_>,
    catalog: &PyCatalog,
    chip: &str,
    site: &str,
    buyer_hq: &str,
    date: &str,
    buyer_attributes: Vec<String>,
    lease: bool,
    assume_licences: bool,
    disable_rules: Vec<String>,
    enable_rules: Vec<String>,
    grant_rules: Vec<String>,
) -> PyResult<PyDocument> {
    let date: Date = date.parse().map_err(|e: String| errors::input(py, format!("date: {e}")))?;
    let switches = PolicySwitches {
        buyer_hq: buyer_hq.trim().to_ascii_uppercase(),
        buyer_attributes,
        date,
        lease,
        assume_licences,
        disable_rules,
        enable_rules,
        grant_rules,
    };
    match fleetplan_io::api::policy::check(&catalog.catalog, chip, site, &switches) {
        Ok(answer) => PyDocument::of(py, &answer),
        Err(mut problems) => Err(match problems.remove(0) {
            // The first problem raises; the others are in its message.
            PolicyInputError::Unknown { argument, err } if problems.is_empty() => errors::unknown(py, argument, &err),
            first => {
                let rest: Vec<String> = problems.iter().map(ToString::to_string).collect();
                let text = std::iter::once(first.to_string()).chain(rest).collect::<Vec<_>>().join("; ");
                match first {
                    PolicyInputError::Unknown { argument, err } => errors::unknown_with(py, argument, &err, &text),
                    _ => errors::input(py, text),
                }
            }
        }),
    }
}

/// Predict published measurements (`fleetplan validate FILE...`). Cases with unknown ids are
/// left out and listed in `rejected` (the document is still returned, with `ok` false).
#[pyfunction]
pub fn validate(py: Python<'_>, catalog: &PyCatalog, files: Vec<PathBuf>) -> PyResult<(PyDocument, Vec<String>)> {
    let cat = &catalog.catalog;
    let set = py.allow_threads(|| read_case_files(&files, cat, true)).map_err(|e| match e {
        ValidateError::Load(load) => errors::load(py, &load),
        no_cases => errors::input(py, no_cases),
    })?;
    let report = py.allow_threads(|| {
        let fleet = run_fleet_cases(&set.fleet_cases, cat, &|_| {});
        ValidationReport::new(cat, set.results, fleet)
    });
    let rejected: Vec<String> = set.rejected.iter().map(|d| d.render(fleetplan_io::RenderStyle::Plain)).collect();
    let mut doc = PyDocument::of(py, &report.document())?;
    doc.ok = rejected.is_empty();
    Ok((doc, rejected))
}
