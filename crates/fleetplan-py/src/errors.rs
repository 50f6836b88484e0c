//! fleetplan's errors as Python exceptions. The exception classes live in the pure-Python
//! module `fleetplan._errors` (with their attributes and docstrings); this file only hands
//! each error's data to `fleetplan._errors._make(kind, payload)`.

use fleetplan_core::catalog::UnknownId;
use fleetplan_io::catalog::CatalogError;
use fleetplan_io::{Diagnosed, LoadError, ReadError, RenderStyle};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Build the exception `kind` of `fleetplan._errors` from `message` and extra attributes.
fn make(py: Python<'_>, kind: &str, message: &str, attrs: Bound<'_, PyDict>) -> PyErr {
    let made =
        py.import("fleetplan._errors").and_then(|m| m.getattr("_make")).and_then(|f| f.call1((kind, message, attrs)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// An input text with problems: `ScenarioError` with every diagnostic located (file, dotted
/// path, line, column, message, help) and the rendered text `fleetplan check` prints.
pub fn diagnosed(py: Python<'_>, d: &Diagnosed) -> PyErr {
    let attrs = PyDict::new(py);
    let built = (|| -> PyResult<()> {
        attrs.set_item("file", &d.input.name)?;
        attrs.set_item("rendered", d.render(RenderStyle::Plain))?;
        let json = serde_json::to_string(&d.located()).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        attrs.set_item("diagnostics_json", json)?;
        Ok(())
    })();
    if let Err(e) = built {
        return e;
    }
    make(py, "scenario", &d.to_string(), attrs)
}

/// A file that could not be read: `ReadError` (an `OSError`) with its `filename`.
pub fn read(py: Python<'_>, e: &ReadError) -> PyErr {
    let attrs = PyDict::new(py);
    if let Err(err) = attrs.set_item("filename", e.path.display().to_string()) {
        return err;
    }
    make(py, "read", &e.to_string(), attrs)
}

/// A file that could not be used: `ReadError` or `ScenarioError`.
pub fn load(py: Python<'_>, e: &LoadError) -> PyErr {
    match e {
        LoadError::Read(e) => read(py, e),
        LoadError::Invalid(d) => diagnosed(py, d),
    }
}

/// The catalog could not be put together.
pub fn catalog(py: Python<'_>, e: &CatalogError) -> PyErr {
    match e {
        CatalogError::Builtin(_) => internal(py, e),
        CatalogError::Read(e) => read(py, e),
        CatalogError::Invalid(d) => diagnosed(py, d),
    }
}

/// An unknown id given to `argument` (e.g. `chip`): `UnknownIdError` with the suggestion and
/// the known ids.
pub fn unknown(py: Python<'_>, argument: &str, e: &UnknownId) -> PyErr {
    unknown_with(py, argument, e, &format!("{argument}: {e}"))
}

/// [`unknown`] with its own message (when other problems are named with it).
pub fn unknown_with(py: Python<'_>, argument: &str, e: &UnknownId, message: &str) -> PyErr {
    let attrs = PyDict::new(py);
    let built = (|| -> PyResult<()> {
        attrs.set_item("argument", argument)?;
        attrs.set_item("kind", e.kind)?;
        attrs.set_item("id", &e.id)?;
        attrs.set_item("suggestion", e.suggestion.as_deref())?;
        attrs.set_item("known", e.known.clone())?;
        Ok(())
    })();
    if let Err(err) = built {
        return err;
    }
    make(py, "unknown", message, attrs)
}

/// A bad argument value or a request the engines refuse (what the CLI exits 2 for):
/// `InputError` (a `ValueError`).
pub fn input(py: Python<'_>, message: impl std::fmt::Display) -> PyErr {
    make(py, "input", &message.to_string(), PyDict::new(py))
}

/// A bug in fleetplan (what the CLI exits 1 for): `InternalError` (a `RuntimeError`).
pub fn internal(py: Python<'_>, message: impl std::fmt::Display) -> PyErr {
    make(py, "internal", &message.to_string(), PyDict::new(py))
}
