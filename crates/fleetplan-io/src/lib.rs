//! `fleetplan-io`: the one front-end layer between user files and the fleetplan libraries.
//!
//! The CLI today, and a Python package and a web server later, read their inputs through this
//! crate: the catalog with `--catalog` overrides ([`catalog`]), scenario files ([`scenario`]),
//! validation-case files ([`cases`]) and request traces ([`trace`]). Each reader returns a value
//! or a typed error; problems found in a file come back as a [`Diagnosed`] holding the
//! diagnostics together with the source text they point into, which [`render`] turns into
//! miette-style text (file:line:col, source line, caret, help).
//!
//! This crate and the binary are the only ones that touch the file system. Nothing here prints:
//! front ends decide where text goes (stderr, a JSON response, a Python exception).

pub mod api;
pub mod cases;
pub mod catalog;
pub mod charts;
pub mod render;
pub mod scenario;
pub mod source;
pub mod trace;

pub use catalog::{CatalogError, LoadedCatalog};
pub use render::RenderStyle;
pub use scenario::LoadedScenario;
pub use source::{Diagnosed, LoadError, MAX_INPUT_BYTES, ReadError, SourceText};
