//! report.html of `fleetplan sweep`: a self-contained offline page with a tornado chart of the
//! chosen output, distribution charts (histograms with p5/p50/p95 marks) of the main outputs,
//! and the summary tables. Charts are inline SVG written here (no scripts, fonts or images).

use super::esc;
use crate::cmd::sweep::SweepSummary;
use fleetplan_core::format::{axis_tick, num};
use fleetplan_engines::sweep::{Spread, Sweep};
use std::fmt::Write;

const W: f64 = 760.0;
const LOW_COLOUR: &str = "#1f77b4";
const HIGH_COLOUR: &str = "#ff7f0e";
/// Bars of the tornado chart.
const TORNADO_BARS: usize = 15;
/// Bins of a histogram.
const BINS: usize = 24;
/// Distribution charts drawn (the tornado output first, then spend, TCO, costs per unit).
const DISTRIBUTIONS: usize = 6;

/// An SVG coordinate with one decimal (0 for a non-finite value).
fn f(x: f64) -> String {
    format!("{:.1}", if x.is_finite() { x } else { 0.0 })
}

/// Horizontal position of `v` on an axis from `lo` to `hi` drawn between `x0` and `x1`.
fn scale(v: f64, lo: f64, hi: f64, x0: f64, x1: f64) -> f64 {
    if hi > lo { x0 + (v - lo) / (hi - lo) * (x1 - x0) } else { (x0 + x1) / 2.0 }
}

/// The tornado chart: one row per input (largest swing on top), a bar from the output at the
/// input's p5 (blue) and at its p95 (orange) to the nominal output, a line at the nominal.
pub fn tornado_svg(s: &SweepSummary) -> String {
    let bars: Vec<_> = s.tornado.bars.iter().take(TORNADO_BARS).collect();
    let nominal = s.tornado.nominal.unwrap_or(0.0);
    let values = bars.iter().flat_map(|b| [b.output_at_low, b.output_at_high]).chain([nominal]);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (x0, x1, top, row) = (330.0, W - 30.0, 40.0, 24.0);
    let height = top + row * bars.len().max(1) as f64 + 40.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="sans-serif" font-size="12">"#,
        h = f(height)
    );
    let _ = write!(
        svg,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{}" y="20" font-size="16" text-anchor="middle">Tornado: {} (p5 blue, p95 orange)</text>"#,
        f(W / 2.0),
        esc(&s.tornado.output)
    );
    for (k, bar) in bars.iter().enumerate() {
        let y = top + row * k as f64;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            f(x0 - 8.0),
            f(y + 15.0),
            esc(&short(&bar.input))
        );
        for (value, colour) in [(bar.output_at_low, LOW_COLOUR), (bar.output_at_high, HIGH_COLOUR)] {
            let (a, b) = (scale(value, lo, hi, x0, x1), scale(nominal, lo, hi, x0, x1));
            let _ = write!(
                svg,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}"/>"#,
                f(a.min(b)),
                f(y + 3.0),
                f((a - b).abs().max(1.0)),
                f(row - 6.0)
            );
        }
    }
    let xn = scale(nominal, lo, hi, x0, x1);
    let bottom = top + row * bars.len().max(1) as f64;
    let _ =
        write!(svg, r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="black"/>"#, f(top - 4.0), f(bottom), x = f(xn));
    axis(&mut svg, lo, hi, x0, x1, bottom);
    svg.push_str("</svg>");
    svg
}

/// A label cut to fit the tornado's label column (46 characters; the tables have the whole path).
fn short(label: &str) -> String {
    if label.chars().count() <= 46 { label.to_string() } else { label.chars().take(45).collect::<String>() + "…" }
}

/// An x axis with ticks at both ends and the middle.
fn axis(svg: &mut String, lo: f64, hi: f64, x0: f64, x1: f64, y: f64) {
    let _ = write!(svg, r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="black"/>"#, f(x0), f(x1), y = f(y));
    for v in [lo, (lo + hi) / 2.0, hi] {
        let x = scale(v, lo, hi, x0, x1);
        let _ = write!(
            svg,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="black"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            f(y),
            f(y + 5.0),
            f(y + 18.0),
            esc(&axis_tick(v)),
            x = f(x)
        );
    }
}

/// A histogram of `values` with vertical lines at p5, p50 and p95.
pub fn histogram_svg(title: &str, values: &[f64], spread: &Spread) -> String {
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
    let mut counts = [0usize; BINS];
    for v in values {
        let bin = if hi > lo { (((v - lo) / (hi - lo)) * BINS as f64) as usize } else { BINS / 2 };
        counts[bin.min(BINS - 1)] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (x0, x1, top, bottom) = (60.0, W - 30.0, 40.0, 240.0);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="280" viewBox="0 0 {W} 280" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="{}" y="20" font-size="16" text-anchor="middle">{}</text>"#,
        f(W / 2.0),
        esc(title)
    );
    let width = (x1 - x0) / BINS as f64;
    for (k, count) in counts.iter().enumerate() {
        let h = *count as f64 / most * (bottom - top);
        let _ = write!(
            svg,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#1f77b4" fill-opacity="0.75"/>"##,
            f(x0 + width * k as f64 + 1.0),
            f(bottom - h),
            f(width - 2.0),
            f(h)
        );
    }
    for (label, v) in [("p5", spread.p5), ("p50", spread.p50), ("p95", spread.p95)] {
        let x = f(scale(v, lo, hi, x0, x1));
        let _ = write!(
            svg,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{HIGH_COLOUR}" stroke-width="2"/><text x="{x}" y="{}" text-anchor="middle">{label}</text>"#,
            f(top),
            f(bottom),
            f(top - 4.0)
        );
    }
    axis(&mut svg, lo, hi, x0, x1, bottom);
    svg.push_str("</svg>");
    svg
}

/// The outputs whose distributions are drawn: the tornado's, spend, TCO (or economic cost),
/// then costs per unit; at most [`DISTRIBUTIONS`].
fn drawn_outputs(s: &SweepSummary) -> Vec<String> {
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

/// The whole report page.
pub fn html(s: &SweepSummary, result: &Sweep) -> Result<String, String> {
    let mut page = String::new();
    let title = format!("Sweep: {}", s.scenario);
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}</style></head><body><h1>{t}</h1>",
        t = esc(&title)
    );
    let _ = write!(
        page,
        "<p>{} samples (seed {}), {} mode, {} uncertain inputs; money in {}.{}</p>",
        s.samples,
        s.seed,
        s.mode.as_str(),
        s.inputs.len(),
        esc(&s.currency),
        if s.rates_searched_once { " Serving rates searched once and scaled per sample." } else { "" }
    );
    page.push_str("<h2>Tornado</h2>");
    page.push_str(&tornado_svg(s));
    page.push_str(&tornado_table(s));
    page.push_str("<h2>Distributions</h2>");
    for name in drawn_outputs(s) {
        let Some(j) = result.output_index(&name) else { continue };
        let values: Vec<f64> = result.output_values.iter().filter_map(|row| row[j]).collect();
        if let Some(spread) = result.spreads[j] {
            page.push_str(&histogram_svg(&name, &values, &spread));
        }
    }
    page.push_str(&outputs_table(s));
    page.push_str(&probabilities_table(s));
    page.push_str("</body></html>\n");
    Ok(page)
}

fn cell(v: Option<f64>) -> String {
    v.map_or("-".into(), num)
}

/// Every output except coverage per quarter and violation counts (those are in summary.json).
fn outputs_table(s: &SweepSummary) -> String {
    let mut t = String::from(
        "<h2>Outputs</h2><table><tr><th>output</th><th>nominal</th><th>p5</th><th>p50</th><th>p95</th><th>mean</th></tr>",
    );
    for o in s.outputs.iter().filter(|o| !o.name.starts_with("coverage.")) {
        let sp = o.spread.as_ref();
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&o.name),
            cell(o.nominal),
            cell(sp.map(|x| x.p5)),
            cell(sp.map(|x| x.p50)),
            cell(sp.map(|x| x.p95)),
            cell(sp.map(|x| x.mean))
        );
    }
    t.push_str("</table>");
    t
}

/// The tornado's bars with the whole input paths.
fn tornado_table(s: &SweepSummary) -> String {
    let mut t = String::from(
        "<table><tr><th>input</th><th>p5</th><th>p95</th><th>output at p5</th><th>output at p95</th><th>swing</th></tr>",
    );
    for bar in &s.tornado.bars {
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&bar.input),
            num(bar.input_low),
            num(bar.input_high),
            num(bar.output_at_low),
            num(bar.output_at_high),
            num(bar.swing)
        );
    }
    t.push_str("</table>");
    t
}

fn probabilities_table(s: &SweepSummary) -> String {
    let mut t = String::from(
        "<h2>Probabilities</h2><table><tr><th>workload</th><th>P(misses demand)</th><th>P(misses SLO)</th></tr>",
    );
    for (w, p) in &s.probability_miss_demand {
        let slo = s.probability_miss_slo.get(w).map_or("-".into(), |p| format!("{:.1} %", 100.0 * p));
        let _ = write!(t, "<tr><td>{}</td><td>{:.1} %</td><td>{slo}</td></tr>", esc(w), 100.0 * p);
    }
    t.push_str("</table>");
    if let Some(p) = s.probability_policy_violation {
        let _ = write!(t, "<p>Probability of an export-control violation: {:.1} %</p>", 100.0 * p);
    }
    t
}
