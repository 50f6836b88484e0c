//! What every front end (the CLI, the Python package, the web server) returns for one request: the structured
//! result and the JSON document of it, built once here so that `fleetplan … --format json` and
//! the Python package's `to_dict()` are the same document. Front ends only choose where the
//! text goes and how tables look.

pub mod catalog;
pub mod compare;
pub mod diagnostics;
pub mod perf;
pub mod plan;
pub mod policy;
pub mod settings;
pub mod simulate;
pub mod sweep;
pub mod validate;
