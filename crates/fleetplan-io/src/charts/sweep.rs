//! Charts of a sweep: the tornado of the chosen output (each input's swing from its p5 to its
//! p95 around the nominal) and the distributions of the main outputs (histograms with p5, p50
//! and p95 marked).

use super::Chart;
use super::draw::{self, HRow, HSegment, Histogram, Series, bin_shares};
use super::palette::{HIGH, LOW};
use super::svg::{LegendItem, Svg, Swatch, finite};
use crate::api::sweep::SweepSummary;
use fleetplan_core::format::{money, num};
use fleetplan_engines::sweep::Sweep;

/// Bars of the tornado chart.
const TORNADO_BARS: usize = 15;
/// Bins of a histogram.
const BINS: usize = 24;
/// Distribution charts drawn (the tornado output first, then spend, TCO, costs per unit).
const DISTRIBUTIONS: usize = 6;

/// The tornado chart, then one histogram per output of [`drawn_outputs`].
pub fn sweep_charts(summary: &SweepSummary, result: &Sweep) -> Vec<Chart> {
    let mut charts = vec![tornado(summary)];
    for name in drawn_outputs(summary) {
        let Some(j) = result.output_index(&name) else { continue };
        let values: Vec<f64> = result.output_values.iter().filter_map(|row| row.get(j).copied().flatten()).collect();
        if let Some(Some(spread)) = result.spreads.get(j) {
            charts.push(distribution(summary, &name, &values, spread));
        }
    }
    charts
}

/// The outputs whose distributions are drawn: the tornado's, spend, TCO (or economic cost),
/// then costs per unit; at most six.
pub fn drawn_outputs(s: &SweepSummary) -> Vec<String> {
    let mut names = vec![s.tornado.output.clone()];
    let wanted = ["spend_total", "tco_total", "economic_cost"];
    let more = s.outputs.iter().map(|o| o.name.clone()).filter(|n| {
        wanted.contains(&n.as_str()) || n.starts_with("cost_per_m_tokens.") || n.starts_with("cost_per_item.")
    });
    for name in more {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.truncate(DISTRIBUTIONS);
    names
}

/// How an output's values read: money for spend, TCO and costs, a percentage for coverage and
/// probabilities, a plain number otherwise.
fn formatter(output: &str) -> (fn(f64, &str) -> String, &'static str) {
    let money_like = ["spend", "tco", "economic_cost", "cost_per"].iter().any(|p| output.starts_with(p));
    let share = output.starts_with("coverage.") || output.starts_with("miss_") || output == "policy_violation";
    if money_like {
        (|v, cur| money(v, cur), "money")
    } else if share {
        (|v, _| format!("{:.1} %", 100.0 * v), "share")
    } else {
        (|v, _| num(v), "number")
    }
}

/// The tornado: one row per input (largest swing on top), a bar from the nominal output to the
/// output at the input's p5 (blue) and at its p95 (orange).
fn tornado(s: &SweepSummary) -> Chart {
    let id = "sweep-tornado";
    let cur = s.currency.as_str();
    let (fmt, _) = formatter(&s.tornado.output);
    let out = &s.tornado.output;
    let nominal = finite(s.tornado.nominal.unwrap_or(0.0));
    // Inputs that do not move the output are left out (named in the subtitle by count).
    let bars: Vec<_> = s.tornado.bars.iter().filter(|b| b.swing > 0.0).take(TORNADO_BARS).collect();
    let still = s.tornado.bars.iter().filter(|b| b.swing <= 0.0 || !b.swing.is_finite()).count();
    let title = match bars.first() {
        Some(b) => format!(
            "{out} (nominal {}) swings most with {}: {} to {} over its p5–p95",
            fmt(nominal, cur),
            b.input,
            fmt(b.output_at_low, cur),
            fmt(b.output_at_high, cur)
        ),
        None => format!("{out}: no input moves it"),
    };
    let unmoved =
        if still > 0 { format!(" {still} input(s) that do not move it are left out.") } else { String::new() };
    let svg = Svg::new(
        id,
        &title,
        &format!(
            "{out} with each uncertain input at its 5th (blue) and 95th (orange) percentile, the others nominal; largest swing on top.{unmoved}"
        ),
    );
    if bars.is_empty() {
        return Chart::new(id, title, svg.empty("no uncertain inputs"));
    }
    let legend = [
        LegendItem { label: "input at its p5".into(), colour: LOW.into(), swatch: Swatch::Box },
        LegendItem { label: "input at its p95".into(), colour: HIGH.into(), swatch: Swatch::Box },
    ];
    let rows: Vec<HRow> = bars
        .iter()
        .map(|b| {
            let seg = |key: &str, colour: &str, at: f64, input: f64| HSegment {
                series: Series { key: key.into(), label: key.into(), colour: colour.into() },
                from: nominal,
                to: finite(at),
                tip: format!("{} = {}: {out} {}", b.input, num(input), fmt(at, cur)),
            };
            HRow {
                label: b.input.clone(),
                segments: vec![
                    seg("p5", LOW, b.output_at_low, b.input_low),
                    seg("p95", HIGH, b.output_at_high, b.input_high),
                ],
                value_label: format!("swing {}", fmt(b.swing, cur)),
            }
        })
        .collect();
    let unit = if formatter(out).1 == "money" { format!("{out}, {cur}") } else { out.clone() };
    Chart::new(id, title, draw::hbars_on(svg, &unit, &rows, Some((nominal, "nominal")), &legend, false))
}

/// A histogram of one output over the samples with p5, p50 and p95 marked.
fn distribution(s: &SweepSummary, name: &str, values: &[f64], spread: &fleetplan_engines::sweep::Spread) -> Chart {
    let id = format!("sweep-distribution-{}", name.replace(['.', '/', '_'], "-"));
    let cur = s.currency.as_str();
    let (fmt, kind) = formatter(name);
    let title = format!(
        "{name}: median {}, 90 % of samples between {} and {}",
        fmt(spread.p50, cur),
        fmt(spread.p5, cur),
        fmt(spread.p95, cur)
    );
    let svg = Svg::new(
        &id,
        &title,
        &format!("Distribution of {name} over {} samples; dashed: p5, p50, p95.", spread.samples),
    );
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let series = Series { key: name.to_string(), label: name.to_string(), colour: "#2a6f97".into() };
    let unit = if kind == "money" { format!("{name}, {cur}") } else { name.to_string() };
    let h = Histogram {
        unit: &unit,
        lo,
        hi,
        series: vec![(series, bin_shares(values, lo, hi, BINS))],
        markers: vec![("p5".into(), spread.p5), ("p50".into(), spread.p50), ("p95".into(), spread.p95)],
        fmt: num,
    };
    Chart::new(&id, title, draw::histogram(svg, &h))
}
