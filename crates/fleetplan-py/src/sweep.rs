//! Monte Carlo sweeps from Python: `fleetplan.sweep` (in process) and the pieces
//! `fleetplan.distributed.sweep` sends to Ray tasks (`sweep_chunk`) and gathers
//! (`sweep_gather`). Both go through `fleetplan_engines::sweep::chunk` (run samples
//! `[start, end)`, then assemble), so a split run gives the in-process rows exactly.

use crate::errors;
use crate::handles::{PyScenario, to_json};
use fleetplan_core::output::clean_number;
use fleetplan_core::uncertainty::UncertaintyModel;
use fleetplan_engines::sweep::chunk::{self, SampleRuns};
use fleetplan_engines::sweep::{Absent, Output, Sweep, SweepMode};
use fleetplan_io::api::sweep::{MAX_SAMPLES, SweepSummary, sweep_settings, unknown_output_message};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::collections::HashMap;

/// A sweep's result: the summary document (`fleetplan sweep --format json`) and the samples.
#[pyclass(module = "fleetplan._native", name = "Sweep", frozen)]
pub struct PySweep {
    sweep: Sweep,
    json: String,
}

#[pymethods]
impl PySweep {
    /// Always true (a sweep that fails raises).
    #[getter]
    fn ok(&self) -> bool {
        true
    }

    /// The summary as JSON text, identical to `fleetplan sweep --format json`.
    fn json(&self) -> String {
        self.json.clone()
    }

    /// The samples table as (column names, columns): `sample`, the input paths, the output
    /// names (samples.csv's columns); `None` where an output is undefined in a sample.
    fn samples_columns(&self, py: Python<'_>) -> (Vec<String>, Vec<Vec<Option<f64>>>) {
        py.allow_threads(|| {
            let s = &self.sweep;
            let mut names = vec!["sample".to_string()];
            names.extend(s.inputs.iter().map(|i| i.path.clone()));
            names.extend(s.outputs.iter().map(|o| o.name.clone()));
            let clean = |v: f64| Some(clean_number(v)).filter(|v| v.is_finite());
            let mut columns = vec![(0..s.input_values.len()).map(|i| Some(i as f64)).collect()];
            columns.extend((0..s.inputs.len()).map(|i| s.input_values.iter().map(|row| clean(row[i])).collect()));
            columns.extend(
                (0..s.outputs.len()).map(|j| s.output_values.iter().map(|row| row[j].and_then(clean)).collect()),
            );
            (names, columns)
        })
    }
}

/// Samples `[start, end)` of one draw and their named outputs, as a Ray task returns them.
/// Pickles as compact bytes (`to_bytes` / `sweep_chunk_from_bytes`).
#[pyclass(module = "fleetplan._native", name = "SweepChunk", frozen)]
pub struct PySweepChunk {
    runs: SampleRuns,
}

#[pymethods]
impl PySweepChunk {
    /// Index of the first sample.
    #[getter]
    fn start(&self) -> usize {
        self.runs.start
    }

    /// Samples held.
    fn __len__(&self) -> usize {
        self.runs.outputs.len()
    }

    /// The chunk as bytes (what Ray moves between processes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &encode(&self.runs))
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = py.import("fleetplan._native")?.getattr("sweep_chunk_from_bytes")?;
        Ok((from_bytes, (self.to_bytes(py),)))
    }
}

/// A chunk from the bytes of `SweepChunk.to_bytes`.
#[pyfunction]
pub fn sweep_chunk_from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PySweepChunk> {
    decode(data).map(|runs| PySweepChunk { runs }).ok_or_else(|| errors::input(py, "not the bytes of a sweep chunk"))
}

/// What every sweep call needs: the model, the settings, the scenario's name for messages.
struct Setup {
    model: UncertaintyModel,
    settings: fleetplan_engines::sweep::SweepSettings,
}

fn setup(py: Python<'_>, scenario: &PyScenario, samples: usize, seed: u64, mode: &str) -> PyResult<Setup> {
    let name = &scenario.loaded.input.name;
    if samples == 0 || samples > MAX_SAMPLES {
        return Err(errors::input(py, format!("samples must be 1 to {MAX_SAMPLES}, got {samples}")));
    }
    let mode = match mode {
        "evaluate" => SweepMode::Evaluate,
        "optimize" => SweepMode::Optimize,
        other => return Err(errors::input(py, format!("mode must be `evaluate` or `optimize`, got `{other}`"))),
    };
    let model = UncertaintyModel::from_scenario(&scenario.loaded.scenario, &scenario.catalog)
        .map_err(|e| errors::input(py, format!("{name}: {e}")))?;
    Ok(Setup { model, settings: sweep_settings(samples, seed, mode) })
}

/// The result object of a finished sweep, with the tornado of `output`.
fn finish(py: Python<'_>, scenario: &PyScenario, sweep: Sweep, output: &str) -> PyResult<PySweep> {
    let j = sweep
        .output_index(output)
        .ok_or_else(|| errors::input(py, format!("output {}", unknown_output_message(&sweep, output))))?;
    let s = &scenario.loaded.scenario;
    let summary = SweepSummary::new(&s.name, &s.currency, &sweep, j);
    let json = to_json(py, &summary)?;
    Ok(PySweep { sweep, json })
}

/// Monte Carlo sweep over the scenario's uncertain inputs (`fleetplan sweep`).
#[pyfunction]
#[pyo3(signature = (scenario, samples = 1000, seed = 0, mode = "evaluate", output = "spend_total"))]
pub fn sweep(
    py: Python<'_>,
    scenario: &PyScenario,
    samples: usize,
    seed: u64,
    mode: &str,
    output: &str,
) -> PyResult<PySweep> {
    let Setup { model, settings } = setup(py, scenario, samples, seed, mode)?;
    let (s, catalog, name) = (&scenario.loaded.scenario, &*scenario.catalog, &scenario.loaded.input.name);
    let result = py
        .allow_threads(|| chunk::sweep_in_one_piece(s, catalog, &model, &settings, &|| {}))
        .map_err(|e| errors::input(py, format!("{name}: {e}")))?;
    finish(py, scenario, result, output)
}

/// Samples `[start, end)` of the `(seed, samples)` draw (one Ray task's share).
#[pyfunction]
#[pyo3(signature = (scenario, samples, seed, mode, start, end))]
pub fn sweep_chunk(
    py: Python<'_>,
    scenario: &PyScenario,
    samples: usize,
    seed: u64,
    mode: &str,
    start: usize,
    end: usize,
) -> PyResult<PySweepChunk> {
    let Setup { model, settings } = setup(py, scenario, samples, seed, mode)?;
    let (s, catalog, name) = (&scenario.loaded.scenario, &*scenario.catalog, &scenario.loaded.input.name);
    let runs = py
        .allow_threads(|| chunk::run_samples(s, catalog, &model, &settings, start..end, &|| {}))
        .map_err(|e| errors::input(py, format!("{name}: {e}")))?;
    Ok(PySweepChunk { runs })
}

/// The sweep from chunks covering `0..samples` in order (the nominal run and the swings run
/// here).
#[pyfunction]
#[pyo3(signature = (scenario, samples, seed, mode, chunks, output = "spend_total"))]
pub fn sweep_gather(
    py: Python<'_>,
    scenario: &PyScenario,
    samples: usize,
    seed: u64,
    mode: &str,
    chunks: Vec<PyRef<'_, PySweepChunk>>,
    output: &str,
) -> PyResult<PySweep> {
    let Setup { model, settings } = setup(py, scenario, samples, seed, mode)?;
    let pieces: Vec<SampleRuns> = chunks.iter().map(|c| c.runs.clone()).collect();
    let (s, catalog, name) = (&scenario.loaded.scenario, &*scenario.catalog, &scenario.loaded.input.name);
    let result = py
        .allow_threads(|| chunk::assemble(s, catalog, &model, &settings, pieces, &|| {}))
        .map_err(|e| errors::input(py, format!("{name}: {e}")))?;
    finish(py, scenario, result, output)
}

/// Bytes of a chunk: start, rows, inputs, the input values; the output names (with whether an
/// absent one counts 0); per row the (name index, value) pairs. Little-endian u64 and f64.
fn encode(runs: &SampleRuns) -> Vec<u8> {
    let mut out = Vec::new();
    let u = |out: &mut Vec<u8>, v: usize| out.extend_from_slice(&(v as u64).to_le_bytes());
    let width = runs.input_values.first().map_or(0, Vec::len);
    u(&mut out, runs.start);
    u(&mut out, runs.outputs.len());
    u(&mut out, width);
    for row in &runs.input_values {
        row.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&Output> = Vec::new();
    for o in runs.outputs.iter().flatten() {
        if !index.contains_key(o.name.as_str()) {
            index.insert(&o.name, names.len());
            names.push(o);
        }
    }
    u(&mut out, names.len());
    for o in &names {
        u(&mut out, o.name.len());
        out.extend_from_slice(o.name.as_bytes());
        out.push(u8::from(o.absent == Absent::Zero));
    }
    for row in &runs.outputs {
        u(&mut out, row.len());
        for o in row {
            u(&mut out, index[o.name.as_str()]);
            out.extend_from_slice(&o.value.to_le_bytes());
        }
    }
    out
}

/// A reader over the bytes of [`encode`]; `None` at the first thing out of place.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn u(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.take(8)?.try_into().ok()?)).ok()
    }
    fn f(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    /// A count of items of at least `size` bytes each that the remaining bytes can hold.
    fn count(&mut self, size: usize) -> Option<usize> {
        let n = self.u()?;
        (n.checked_mul(size)? <= self.0.len()).then_some(n)
    }
}

fn decode(data: &[u8]) -> Option<SampleRuns> {
    let mut r = Reader(data);
    let start = r.u()?;
    let rows = r.count(8)?;
    let width = r.u()?;
    rows.checked_mul(width)?.checked_mul(8).filter(|b| *b <= r.0.len())?;
    let input_values = (0..rows).map(|_| (0..width).map(|_| r.f()).collect()).collect::<Option<Vec<Vec<f64>>>>()?;
    let count = r.count(9)?;
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        let len = r.count(1)?;
        let name = String::from_utf8(r.take(len)?.to_vec()).ok()?;
        let absent = if r.take(1)?[0] == 1 { Absent::Zero } else { Absent::Undefined };
        names.push((name, absent));
    }
    let mut outputs = Vec::with_capacity(rows);
    for _ in 0..rows {
        let n = r.count(16)?;
        let row = (0..n)
            .map(|_| {
                let (name, absent) = names.get(r.u()?)?;
                Some(Output { name: name.clone(), value: r.f()?, absent: *absent })
            })
            .collect::<Option<Vec<Output>>>()?;
        outputs.push(row);
    }
    r.0.is_empty().then_some(SampleRuns { start, input_values, outputs })
}
