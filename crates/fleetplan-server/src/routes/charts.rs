//! The charts of the evaluate and compare answers: `fleetplan_io::charts` (the chart module the
//! static report uses too), as JSON values `{id, title, svg}`.

use fleetplan_core::catalog::Catalog;
use fleetplan_engines::eval::Evaluation;

/// Charts of one evaluation.
pub fn evaluation_charts(evaluation: &Evaluation, catalog: &Catalog) -> Vec<serde_json::Value> {
    values(fleetplan_io::charts::evaluation_charts(evaluation, catalog))
}

/// Charts of a comparison.
pub fn compare_charts(columns: &[(&str, &Evaluation)], catalog: &Catalog) -> Vec<serde_json::Value> {
    values(fleetplan_io::charts::compare_charts(columns, catalog))
}

fn values(charts: Vec<fleetplan_io::charts::Chart>) -> Vec<serde_json::Value> {
    charts.into_iter().filter_map(|c| serde_json::to_value(c).ok()).collect()
}
