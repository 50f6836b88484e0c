//! The charts of the evaluate and compare answers. Placeholder until `fleetplan_io::charts`
//! (the shared chart module) is merged: each function is one line the integrator swaps for
//! `fleetplan_io::charts::evaluation_charts` / `compare_charts`.

use fleetplan_core::catalog::Catalog;
use fleetplan_engines::eval::Evaluation;

/// Charts of one evaluation (none until `fleetplan_io::charts` is merged).
pub fn evaluation_charts(_evaluation: &Evaluation, _catalog: &Catalog) -> Vec<serde_json::Value> {
    Vec::new()
}

/// Charts of a comparison (none until `fleetplan_io::charts` is merged).
pub fn compare_charts(_columns: &[(&str, &Evaluation)], _catalog: &Catalog) -> Vec<serde_json::Value> {
    Vec::new()
}
