//! Domain and data layer of fleetplan.
//!
//! Holds the vocabulary every other layer speaks: units and money, catalog entries (accelerators,
//! systems, models, regions, cost parameters, export-control rules) loaded from embedded TOML,
//! scenario files with multi-pass validation, and the export-control engine.
//!
//! **Architecture invariant:** this crate does no I/O and prints nothing. It parses strings it is
//! handed and returns values or typed errors ([`diagnostic::Diagnostic`]) that carry byte spans
//! into the text they came from; the front end renders them.

pub mod catalog;
pub mod diagnostic;
pub mod format;
mod handle;
pub mod output;
pub mod policy;
pub mod scenario;
pub mod suggest;
pub mod uncertainty;
pub mod units;
