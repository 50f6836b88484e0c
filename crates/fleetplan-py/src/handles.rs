//! The Python-visible handles: a catalog (built-in plus override files), a validated scenario,
//! and a result document.

use crate::errors;
use fleetplan_core::catalog::Catalog;
use fleetplan_engines::eval::Evaluation;
use fleetplan_io::catalog::{load_catalog, override_message};
use fleetplan_io::{LoadedScenario, SourceText};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// The catalog a run uses: the built-in catalog with override files applied in order.
///
/// >>> import fleetplan
/// >>> cat = fleetplan.Catalog()                       # built-in entries only
/// >>> cat = fleetplan.Catalog(extra=["my-prices.toml"])  # same format as the built-in files
#[pyclass(module = "fleetplan._native", name = "Catalog", frozen)]
pub struct PyCatalog {
    /// The catalog, shared with the scenarios loaded against it.
    pub catalog: Arc<Catalog>,
    /// What each override replaced: "region `cn` overridden by FILE".
    overrides: Vec<String>,
}

#[pymethods]
impl PyCatalog {
    /// The built-in catalog with the override files in `extra` applied in order.
    #[new]
    #[pyo3(signature = (extra = Vec::new()))]
    fn new(py: Python<'_>, extra: Vec<PathBuf>) -> PyResult<Self> {
        let loaded = py.allow_threads(|| load_catalog(&extra)).map_err(|e| errors::catalog(py, &e))?;
        Ok(PyCatalog {
            catalog: Arc::new(loaded.catalog),
            overrides: loaded.overrides.iter().map(override_message).collect(),
        })
    }

    /// What the override files replaced, one sentence each.
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.overrides.clone()
    }

    /// Accelerator ids, in catalog order.
    fn chips(&self) -> Vec<String> {
        self.catalog.accelerators.iter().map(|a| a.id.clone()).collect()
    }

    /// Region ids, in catalog order.
    fn regions(&self) -> Vec<String> {
        self.catalog.regions.iter().map(|r| r.id.clone()).collect()
    }

    /// Language-model ids, in catalog order.
    fn models(&self) -> Vec<String> {
        self.catalog.llms.iter().map(|m| m.id.clone()).collect()
    }

    fn __repr__(&self) -> String {
        format!("Catalog({} chips, {} overrides)", self.catalog.accelerators.len(), self.overrides.len())
    }
}

/// A validated scenario (every id resolved against its catalog) with the text it came from.
#[pyclass(module = "fleetplan._native", name = "Scenario", frozen)]
pub struct PyScenario {
    /// The catalog it was validated against.
    pub catalog: Arc<Catalog>,
    /// The scenario and its text.
    pub loaded: LoadedScenario,
}

#[pymethods]
impl PyScenario {
    /// The scenario's name (`[scenario] name`).
    #[getter]
    fn name(&self) -> String {
        self.loaded.scenario.name.clone()
    }

    /// The input's name: the path as given, or the label given with text.
    #[getter]
    fn file(&self) -> String {
        self.loaded.input.name.clone()
    }

    /// The scenario text.
    #[getter]
    fn text(&self) -> String {
        self.loaded.input.text.clone()
    }

    fn __repr__(&self) -> String {
        format!("Scenario({:?} from {:?})", self.loaded.scenario.name, self.loaded.input.name)
    }
}

/// Read (a path) or take (`text` with its `name`) a scenario and validate it against `catalog`.
#[pyfunction]
#[pyo3(signature = (catalog, path = None, text = None, name = "<string>"))]
pub fn load_scenario(
    py: Python<'_>,
    catalog: &PyCatalog,
    path: Option<PathBuf>,
    text: Option<String>,
    name: &str,
) -> PyResult<PyScenario> {
    let cat = Arc::clone(&catalog.catalog);
    let loaded = match (path, text) {
        (Some(path), None) => {
            py.allow_threads(|| fleetplan_io::scenario::read_scenario(&path, &cat)).map_err(|e| errors::load(py, &e))?
        }
        (None, Some(text)) => py
            .allow_threads(|| fleetplan_io::scenario::validate_source(SourceText::new(name, text), &cat))
            .map_err(|d| errors::diagnosed(py, &d))?,
        _ => return Err(errors::input(py, "give exactly one of path= and text=")),
    };
    Ok(PyScenario { catalog: cat, loaded })
}

/// What a document holds: an evaluation (serialised only when asked) or JSON text.
pub enum Doc {
    /// `evaluate`'s result, kept as the Rust value so that the call returns without
    /// serialising it.
    Evaluation(Box<Evaluation>),
    /// Every other result, as the JSON text the CLI prints.
    Text(String),
}

/// One result: its JSON text is the CLI's `--format json` output for the same request.
#[pyclass(module = "fleetplan._native", name = "Document", frozen)]
pub struct PyDocument {
    /// The result.
    pub doc: Doc,
    /// Whether the result is an acceptable answer (false: an infeasible plan, or rejected
    /// validation cases alongside the others).
    #[pyo3(get)]
    pub ok: bool,
}

impl PyDocument {
    /// A document from JSON text.
    pub fn text(text: String) -> Self {
        PyDocument { doc: Doc::Text(text), ok: true }
    }

    /// The JSON text of any serialisable result (floats cleaned as the CLI cleans them).
    pub fn of<T: serde::Serialize + ?Sized>(py: Python<'_>, value: &T) -> PyResult<Self> {
        Ok(Self::text(to_json(py, value)?))
    }
}

/// `value` as the CLI's JSON text; a non-finite number is a bug, named by its field.
pub fn to_json<T: serde::Serialize + ?Sized>(py: Python<'_>, value: &T) -> PyResult<String> {
    fleetplan_core::output::to_json_pretty(value).map_err(|e| errors::internal(py, e))
}

#[pymethods]
impl PyDocument {
    /// The result as JSON text, identical to the CLI's `--format json` output.
    fn json(&self, py: Python<'_>) -> PyResult<String> {
        match &self.doc {
            Doc::Evaluation(e) => py
                .allow_threads(|| fleetplan_core::output::to_json_pretty(e.as_ref()))
                .map_err(|x| errors::internal(py, x)),
            Doc::Text(t) => Ok(t.clone()),
        }
    }
}
