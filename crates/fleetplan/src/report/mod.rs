//! Reports of a fleet evaluation: a self-contained offline `report.html` with inline SVG charts,
//! `evaluation.json` and CSV tables. Only the front end renders; the engines return values.

pub mod samples;
pub mod sweep;

use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::num;
use fleetplan_engines::eval::{Evaluation, Violation};
use fleetplan_io::charts::{Chart, evaluation_charts};
use std::fmt::Write;

/// Escape text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Optional money/number, `-` when absent.
pub fn opt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| if v.abs() < 1.0 { format!("{v:.4}") } else { format!("{v:.2}") })
}

/// The idle section: accelerators per (site, chip) pool and quarter at the peak hour, and the
/// pools more than 20 % idle (advisories) with the cost of their idle part.
fn idle_html(h: &mut String, e: &Evaluation) {
    let cur = &e.currency;
    let _ = writeln!(
        h,
        "<h2>Idle capacity</h2>\n<p>Idle: accelerators neither reserved for training nor allocated to serving at the quarter's peak hour; cost: their share of the pool's TCO in the quarter ({cur}).</p>\n<table><tr><th class=l>site</th><th class=l>chip</th><th class=l>quarter</th><th>accelerators</th><th>training</th><th>serving</th><th>idle</th><th>idle share</th><th>idle cost</th></tr>"
    );
    for p in &e.idle {
        let cls = if p.idle_share > fleetplan_engines::eval::IDLE_ADVISORY_SHARE { "bad" } else { "ok" };
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{}</td><td class={cls}>{:.1} %</td><td>{}</td></tr>",
            esc(&p.site),
            esc(&p.chip),
            p.quarter,
            p.accelerators,
            p.training_accelerators,
            p.serving_accelerators.round() + 0.0, // rounded, then `+ 0.0`: never "-0"
            p.idle_accelerators,
            100.0 * p.idle_share,
            num(p.idle_cost)
        );
    }
    h.push_str("</table>\n");
    findings_html(h, "Advisories", &e.advisories);
}

/// A table of violations or advisories under a heading.
fn findings_html(h: &mut String, title: &str, findings: &[Violation]) {
    let _ = writeln!(
        h,
        "<h2>{title}</h2>\n<table><tr><th class=l>kind</th><th class=l>quarter</th><th class=l>subject</th><th class=l>problem</th><th class=l>fix</th></tr>"
    );
    for v in findings {
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td></tr>",
            v.kind.as_str(),
            v.quarter.map_or("-".into(), |q| q.to_string()),
            esc(&v.subject),
            esc(&v.message),
            esc(&v.fix)
        );
    }
    h.push_str("</table>\n");
}

/// The charts of a report page, each in a `<figure>` (the chart's title is inside its SVG).
pub fn figures(charts: &[Chart]) -> String {
    let mut h = String::new();
    for chart in charts {
        let _ = writeln!(h, "<figure class=\"chart\" id=\"{}\">\n{}\n</figure>", esc(&chart.id), chart.svg);
    }
    h
}

/// CSS of the report pages: tables, and charts that scale down with the page.
pub const PAGE_CSS: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1000px;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}\
td.l,th.l{text-align:left}.bad{color:#b00}.ok{color:#070}figure{margin:1.5em 0}svg.fp-chart{max-width:100%;height:auto}";

/// The self-contained HTML report (inline CSS and SVG, no scripts, no external resources).
pub fn html(e: &Evaluation, catalog: &Catalog) -> String {
    let mut h = String::new();
    let cur = &e.currency;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>fleetplan evaluation: {}</title>\n<style>{PAGE_CSS}</style></head><body>\n<h1>Fleet evaluation: {}</h1>\n",
        esc(&e.scenario),
        esc(&e.scenario)
    );
    let _ = writeln!(
        h,
        "<p>Currency {cur} ({} per USD). Spend {} of budget {} ({:.1} %). {} violation(s), {} advisory(ies).</p>",
        e.currency_per_usd,
        num(e.spend.total),
        num(e.spend.budget),
        100.0 * e.spend.total / e.spend.budget.max(1e-12),
        e.violations.len(),
        e.advisories.len()
    );
    h.push_str("<h2>Charts</h2>\n");
    h.push_str(&figures(&evaluation_charts(e, catalog)));
    h.push_str("<h2>Quarters</h2>\n<table><tr><th class=l>quarter</th><th>accelerators</th><th>idle</th><th>idle share</th><th>idle cost</th><th>IT MW</th><th>built MW</th><th>spend</th></tr>\n");
    for q in &e.quarters {
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td>{}</td><td>{}</td><td>{:.1} %</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td></tr>",
            q.quarter,
            q.accelerators,
            q.idle_accelerators,
            100.0 * q.idle_share,
            num(q.idle_cost),
            q.it_mw,
            q.available_mw,
            num(q.spend)
        );
    }
    h.push_str("</table>\n<h2>Workloads</h2>\n<table><tr><th class=l>workload</th><th class=l>quarter</th><th class=l>unit</th><th>peak demand</th><th>capacity</th><th>coverage peak</th><th>coverage day</th><th>headroom</th><th>cost / M out</th><th>cost / M in</th><th>cost / item</th><th>price / M out</th><th>price / M in</th><th>price / item</th><th>margin / day</th></tr>\n");
    for w in &e.workloads {
        let cls = if w.coverage_peak < 0.999 { "bad" } else { "ok" };
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td class={cls}>{:.1} %</td><td>{:.1} %</td><td>{:.0} %</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&w.workload),
            w.quarter,
            esc(&w.unit),
            num(w.demand_peak_per_s),
            num(w.capacity_per_s),
            100.0 * w.coverage_peak,
            100.0 * w.coverage_daily,
            (100.0 * w.headroom).round() + 0.0, // rounded, then `+ 0.0`: never "-0"
            opt(w.cost_per_million_output_tokens),
            opt(w.cost_per_million_input_tokens),
            opt(w.cost_per_item),
            opt(w.price_per_million_output_tokens),
            opt(w.price_per_million_input_tokens),
            opt(w.price_per_item),
            w.margin_per_day.map_or("-".into(), num)
        );
    }
    h.push_str("</table>\n<h2>Holdings and export-control status</h2>\n<table><tr><th class=l>holding</th><th>accelerators</th><th class=l>fabric</th><th>USD / accel-h</th><th class=l>worst verdict</th><th class=l>rule</th></tr>\n");
    for x in &e.holdings {
        let w = x.worst();
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td>{}</td><td class=l>{}</td><td>{:.2}</td><td class=l>{}</td><td class=l>{}</td></tr>",
            esc(&x.label),
            x.accelerators,
            esc(&x.fabric),
            x.usd_per_accelerator_hour,
            w.map_or("-".into(), |v| v.verdict.to_string()),
            esc(w.and_then(|v| v.rule.as_deref()).unwrap_or("-"))
        );
    }
    h.push_str("</table>\n<h2>Training</h2>\n<table><tr><th class=l>run</th><th class=l>site</th><th class=l>chip</th><th>chips needed</th><th>tokens/s/chip</th><th>MFU</th><th class=l>completes</th><th class=l>deadline</th></tr>\n");
    for t in &e.training {
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{:.0}</td><td>{:.2}</td><td class=l>{}</td><td class=l>{}</td></tr>",
            esc(&t.workload),
            esc(&t.site),
            esc(&t.chip),
            t.chips_needed,
            t.tokens_per_s_per_chip,
            t.mfu,
            t.completion.map_or("not in horizon".into(), |d| d.to_string()),
            t.deadline
        );
    }
    h.push_str("</table>\n");
    findings_html(&mut h, "Violations", &e.violations);
    idle_html(&mut h, e);
    h.push_str("</body></html>\n");
    h
}

/// Quote a CSV field when needed.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A CSV cell: a float written as text is rounded at the output boundary
/// (`fleetplan_core::output::csv_number`: no float noise, no `NaN`); other text as it is.
fn csv_cell(s: &str) -> String {
    let integer = s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    match s.parse::<f64>() {
        // `-0` (a float's negative zero printed without decimals) is written as 0.
        Ok(x) if !integer || x == 0.0 => fleetplan_core::output::csv_number(x),
        _ => csv_field(s),
    }
}

fn csv(rows: Vec<Vec<String>>) -> String {
    let mut s = String::new();
    for r in rows {
        s.push_str(&r.iter().map(|f| csv_cell(f)).collect::<Vec<_>>().join(","));
        s.push('\n');
    }
    s
}

/// A CSV header row.
fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn o(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

/// CSV tables: `(file name, contents)`.
pub fn csv_tables(e: &Evaluation) -> Vec<(&'static str, String)> {
    let mut workloads = vec![header(&[
        "workload",
        "kind",
        "quarter",
        "unit",
        "demand_peak_per_s",
        "demand_mean_per_s",
        "capacity_per_s",
        "coverage_peak",
        "coverage_daily",
        "headroom",
        "accelerators",
        "cost_per_million_output_tokens",
        "cost_per_million_input_tokens",
        "cost_per_item",
        "cost_per_video_second",
        "cost_per_day",
        "price_per_million_output_tokens",
        "price_per_million_input_tokens",
        "price_per_item",
        "revenue_per_day",
        "margin_per_day",
    ])];
    for w in &e.workloads {
        workloads.push(vec![
            w.workload.clone(),
            w.kind.clone(),
            w.quarter.to_string(),
            w.unit.clone(),
            w.demand_peak_per_s.to_string(),
            w.demand_mean_per_s.to_string(),
            w.capacity_per_s.to_string(),
            w.coverage_peak.to_string(),
            w.coverage_daily.to_string(),
            w.headroom.to_string(),
            w.accelerators.to_string(),
            o(w.cost_per_million_output_tokens),
            o(w.cost_per_million_input_tokens),
            o(w.cost_per_item),
            o(w.cost_per_video_second),
            w.cost_per_day.to_string(),
            o(w.price_per_million_output_tokens),
            o(w.price_per_million_input_tokens),
            o(w.price_per_item),
            o(w.revenue_per_day),
            o(w.margin_per_day),
        ]);
    }
    let mut sites = vec![header(&[
        "site",
        "region",
        "quarter",
        "accelerators",
        "it_mw",
        "available_mw",
        "built_mw",
        "build_capex",
    ])];
    for s in &e.sites {
        sites.push(vec![
            s.site.clone(),
            s.region.clone(),
            s.quarter.to_string(),
            s.accelerators.to_string(),
            s.it_mw.to_string(),
            s.available_mw.to_string(),
            s.built_mw.to_string(),
            s.build_capex.to_string(),
        ]);
    }
    let mut holdings = vec![header(&[
        "index",
        "chip",
        "system",
        "site",
        "region",
        "accelerators",
        "mode",
        "from",
        "until",
        "fabric",
        "capex_usd",
        "tco_usd_per_year",
        "usd_per_accelerator_hour",
        "it_mw",
        "tco2_per_year",
        "worst_verdict",
        "rule",
    ])];
    for h in &e.holdings {
        let w = h.worst();
        holdings.push(vec![
            h.index.to_string(),
            h.chip.clone(),
            h.system.clone().unwrap_or_default(),
            h.site.clone(),
            h.region.clone(),
            h.accelerators.to_string(),
            h.mode.as_str().to_string(),
            h.from.to_string(),
            h.until.to_string(),
            h.fabric.clone(),
            h.cost.capex_usd.total().to_string(),
            h.cost.tco_usd_per_year().to_string(),
            h.usd_per_accelerator_hour.to_string(),
            h.cost.it_mw().to_string(),
            h.cost.tco2_per_year.to_string(),
            w.map_or(String::new(), |v| v.verdict.to_string()),
            w.and_then(|v| v.rule.clone()).unwrap_or_default(),
        ]);
    }
    let mut spend = vec![
        std::iter::once("quarter".to_string())
            .chain(e.spend.by_category().iter().map(|c| c.0.to_string()))
            .chain(std::iter::once("total".to_string()))
            .collect::<Vec<_>>(),
    ];
    for q in &e.spend.by_quarter {
        spend.push(
            std::iter::once(q.quarter.to_string())
                .chain(q.categories().iter().map(|c| c.1.to_string()))
                .chain(std::iter::once(q.total().to_string()))
                .collect(),
        );
    }
    let mut idle = vec![header(&[
        "site",
        "chip",
        "quarter",
        "accelerators",
        "training_accelerators",
        "serving_accelerators",
        "idle_accelerators",
        "idle_share",
        "idle_cost",
    ])];
    for p in &e.idle {
        idle.push(vec![
            p.site.clone(),
            p.chip.clone(),
            p.quarter.to_string(),
            p.accelerators.to_string(),
            p.training_accelerators.to_string(),
            p.serving_accelerators.to_string(),
            p.idle_accelerators.to_string(),
            p.idle_share.to_string(),
            p.idle_cost.to_string(),
        ]);
    }
    let mut violations = vec![header(&["kind", "quarter", "subject", "message", "fix"])];
    // Advisories follow the violations, told apart by their kind (`idle`).
    for v in e.violations.iter().chain(&e.advisories) {
        violations.push(vec![
            v.kind.as_str().to_string(),
            v.quarter.map_or(String::new(), |q| q.to_string()),
            v.subject.clone(),
            v.message.clone(),
            v.fix.clone(),
        ]);
    }
    vec![
        ("workloads.csv", csv(workloads)),
        ("sites.csv", csv(sites)),
        ("holdings.csv", csv(holdings)),
        ("spend.csv", csv(spend)),
        ("violations.csv", csv(violations)),
        ("idle.csv", csv(idle)),
    ]
}
