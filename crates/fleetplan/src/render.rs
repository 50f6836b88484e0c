//! Transitional re-export for commands that still import `crate::render::print_diagnostics`
//! (cmd/optimize.rs, cmd/simulate.rs); rendering lives in `fleetplan_io::render` and printing
//! in [`crate::ui`]. Delete this file once those imports point at `crate::ui`.

pub use crate::ui::print_diagnostics;
