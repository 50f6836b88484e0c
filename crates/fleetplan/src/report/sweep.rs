//! report.html of `fleetplan sweep`: a self-contained offline page with a tornado chart of the
//! chosen output, distribution charts (histograms with p5/p50/p95 marks) of the main outputs,
//! and the summary tables. The charts are `fleetplan_io::charts::sweep_charts` (inline SVG, no
//! scripts, fonts or images).

use super::{PAGE_CSS, esc, figures};
use crate::cmd::sweep::SweepSummary;
use fleetplan_core::format::num;
use fleetplan_engines::sweep::Sweep;
use fleetplan_io::charts::sweep_charts;
use std::fmt::Write;

/// The whole report page.
pub fn html(s: &SweepSummary, result: &Sweep) -> String {
    let mut page = String::new();
    let title = format!("Sweep: {}", s.scenario);
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{PAGE_CSS}</style></head><body><h1>{t}</h1>",
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
    let charts = sweep_charts(s, result);
    let (tornado, distributions) = charts.split_at(charts.len().min(1));
    page.push_str("<h2>Tornado</h2>");
    page.push_str(&figures(tornado));
    page.push_str(&tornado_table(s));
    page.push_str("<h2>Distributions</h2>");
    page.push_str(&figures(distributions));
    page.push_str(&outputs_table(s));
    page.push_str(&probabilities_table(s));
    page.push_str("</body></html>\n");
    page
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
