//! `fleetplan._native`: the compiled half of the `fleetplan` Python package (python/fleetplan;
//! docs/python.md). Each function calls the same library code as the CLI command of the same
//! name (fleetplan-io for files and JSON documents, fleetplan-engines and fleetplan-models for
//! the work) with the GIL released, and returns a [`handles::PyDocument`] whose JSON is the
//! CLI's `--format json` output. No business logic lives here: argument values are handed to
//! the library functions, and errors become the exceptions of `fleetplan._errors`.
//!
//! The sweep (issue 11) is `sweep.rs`: the in-process sweep and the chunks that
//! `fleetplan.distributed` (a pure-Python module over Ray) runs as tasks and gathers.

mod errors;
mod handles;
mod requests;
mod scenario_ops;
mod simjobs;
mod sweep;

use pyo3::prelude::*;

/// The compiled module; the public API is the `fleetplan` package around it.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<handles::PyCatalog>()?;
    m.add_class::<handles::PyScenario>()?;
    m.add_class::<handles::PyDocument>()?;
    m.add_function(wrap_pyfunction!(handles::load_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_ops::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_ops::bench_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_ops::optimize, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_ops::check, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_ops::simulate_scenario, m)?)?;
    m.add_class::<sweep::PySweep>()?;
    m.add_class::<sweep::PySweepChunk>()?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep_chunk, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep_gather, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep_chunk_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(requests::perf_infer, m)?)?;
    m.add_function(wrap_pyfunction!(requests::perf_train, m)?)?;
    m.add_function(wrap_pyfunction!(requests::simulate_standalone, m)?)?;
    m.add_function(wrap_pyfunction!(requests::policy_check, m)?)?;
    m.add_function(wrap_pyfunction!(requests::validate, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
