//! Charts of every result, as self-contained SVG strings: the one chart module of the static
//! reports (`fleetplan evaluate --out`, `sweep --out`, `simulate --out`) and of the dashboard
//! (`fleetplan serve`). docs/charts.md is the written style: answer-first titles computed from
//! the data, units on the axes, one colour per chip vendor (shades per chip) and per region
//! everywhere ([`palette`]), idle capacity hatched or shaded, no grids.
//!
//! Every chart is an `<svg class="fp-chart" role="img" aria-label=TITLE>` with no script, no
//! external reference and no event handler; every data mark carries `class="fp-mark"`,
//! `data-series`, `data-x`, `data-value` and a `<title>` child (the native tooltip; the dashboard
//! draws a nicer one from the data attributes). Numbers are guarded: no NaN or inf is ever
//! written. Output is deterministic (same input, same bytes).

mod compare;
mod draw;
mod evaluation;
pub mod palette;
mod plan;
mod simulation;
mod svg;
mod sweep;
#[cfg(test)]
mod tests;

pub use compare::compare_charts;
pub use evaluation::evaluation_charts;
pub use plan::plan_charts;
pub use simulation::{
    SimPool, scenario_simulation_charts, simulation_charts, standalone_simulation_charts, timeseries_charts,
};
pub use sweep::{drawn_outputs, sweep_charts};

use serde::Serialize;

/// One chart: a stable id, its answer-first title and the SVG.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Stable kebab-case id, e.g. `spend-by-category-region` (the same chart of another result
    /// has the same id).
    pub id: String,
    /// The answer-first title (also the SVG's `aria-label` and first line).
    pub title: String,
    /// A complete `<svg …>…</svg>` element.
    pub svg: String,
}

impl Chart {
    /// A chart from its id, title and SVG.
    pub(crate) fn new(id: &str, title: String, svg: String) -> Chart {
        Chart { id: id.to_string(), title, svg }
    }
}

/// A percentage for titles and labels: "12 %", "0.4 %", "100 %".
pub(crate) fn pct(fraction: f64) -> String {
    let p = 100.0 * svg::finite(fraction);
    if p.abs() >= 10.0 || p == p.round() { format!("{:.0} %", p + 0.0) } else { format!("{p:.1} %") }
}
