//! Charts of a plan: accelerators bought and leased by chip per quarter, MW built per site,
//! served share per workload, spend per year against the yearly caps, and the marginal values
//! of the binding constraints; then the charts of the evaluator's check of the plan.

use super::draw::{self, HRow, HSegment, Series, Stacked};
use super::evaluation::evaluation_charts;
use super::palette::{SHORTFALL, category_colour, hardware_colour, region_colour, shade};
use super::svg::{LegendItem, Svg, Swatch, finite};
use super::{Chart, pct};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::{human, money};
use fleetplan_core::scenario::{Mode, Quarter, Scenario};
use fleetplan_engines::plan::Plan;
use fleetplan_engines::plan::notes::{Explanation, Gain};
use std::collections::BTreeMap;

/// The plan's own five charts, then [`evaluation_charts`] of the evaluator's check of the plan
/// (when the plan was verified).
pub fn plan_charts(s: &Scenario, catalog: &Catalog, p: &Plan) -> Vec<Chart> {
    let mut charts = vec![purchases(s, catalog, p), builds(s, p), served(p), spend_by_year(s, p), marginal_values(p)];
    if let Some(e) = &p.evaluation {
        charts.extend(evaluation_charts(e, catalog));
    }
    charts
}

/// The scenario's quarters.
fn horizon(s: &Scenario) -> Vec<Quarter> {
    (0..i64::from(s.quarters)).map(|k| s.start.offset(k)).collect()
}

/// Accelerators the plan adds per quarter (when they enter service), bought and leased panels,
/// stacked by hardware.
fn purchases(s: &Scenario, catalog: &Catalog, p: &Plan) -> Chart {
    let id = "plan-purchases";
    let quarters = horizon(s);
    let x: Vec<String> = quarters.iter().map(Quarter::to_string).collect();
    let mut hardware: BTreeMap<String, u64> = BTreeMap::new();
    for h in &p.purchases {
        *hardware.entry(h.hardware.clone()).or_default() += h.accelerators;
    }
    let mut order: Vec<(String, u64)> = hardware.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let count = |mode: Mode| p.purchases.iter().filter(|h| h.mode == mode).map(|h| h.accelerators).sum::<u64>() as f64;
    let (bought, leased) = (count(Mode::Buy), count(Mode::Lease));
    let total = bought + leased;
    let title = match order.first() {
        Some((hw, n)) if total > 0.0 => format!(
            "The plan adds {} accelerators ({} bought, {} leased); {} of them {hw}",
            human(total),
            human(bought),
            human(leased),
            pct(*n as f64 / total)
        ),
        _ => "The plan buys and leases nothing".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "Accelerators added per quarter (when they enter service), bought and leased, stacked by chip or system (colour = vendor, shade = chip).",
    );
    if order.is_empty() {
        return Chart::new(id, title, svg.empty("no purchases or leases"));
    }
    let panels = vec!["bought".to_string(), "leased".to_string()];
    let series: Vec<Series> = order
        .iter()
        .map(|(hw, _)| Series { key: hw.clone(), label: hw.clone(), colour: hardware_colour(catalog, hw) })
        .collect();
    let values: Vec<Vec<Vec<f64>>> = order
        .iter()
        .map(|(hw, _)| {
            [Mode::Buy, Mode::Lease]
                .iter()
                .map(|mode| {
                    quarters
                        .iter()
                        .map(|q| {
                            p.purchases
                                .iter()
                                .filter(|h| &h.hardware == hw && h.mode == *mode && h.from == *q)
                                .map(|h| h.accelerators as f64)
                                .sum()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let tip =
        |s: &Series, panel: &str, q: &str, v: f64| format!("{} {panel} for {q}: {} accelerators", s.label, human(v));
    let c = Stacked {
        unit: "accelerators",
        x: &x,
        panels: &panels,
        series: &series,
        values: &values,
        tip: &tip,
        top_labels: &[],
        reference: None,
    };
    Chart::new(id, title, draw::stacked(svg, &c))
}

/// MW coming online per quarter from the plan's builds, stacked by site (the site's region
/// colour, shaded per site within a region).
fn builds(s: &Scenario, p: &Plan) -> Chart {
    let id = "plan-builds";
    let quarters = horizon(s);
    let x: Vec<String> = quarters.iter().map(Quarter::to_string).collect();
    let mut sites: Vec<String> = p.builds.iter().map(|b| b.0.clone()).collect();
    sites.sort();
    sites.dedup();
    let mw_of = |site: &str| p.builds.iter().filter(|b| b.0 == site).map(|b| finite(b.2)).sum::<f64>();
    let total: f64 = sites.iter().map(|site| mw_of(site)).sum();
    let lead = sites.iter().max_by(|a, b| mw_of(a).total_cmp(&mw_of(b)).then(b.cmp(a)));
    let title = match lead {
        Some(site) if total > 0.0 => format!(
            "The plan builds {} MW of IT power; {} MW of it at {site}",
            human(total.round()),
            human(mw_of(site).round())
        ),
        _ => "The plan builds no data-centre power: the sites' power suffices".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "MW of IT power coming online per quarter from the builds the plan decides (each decided a lead time earlier), stacked by site; colour = region.",
    );
    if sites.is_empty() {
        return Chart::new(id, title, svg.empty("no builds"));
    }
    let region_of = |site: &str| s.sites.iter().find(|x| x.id == site).map_or(String::new(), |x| x.region.to_string());
    let series: Vec<Series> = sites
        .iter()
        .map(|site| {
            let region = region_of(site);
            let same: Vec<&str> =
                s.sites.iter().filter(|x| x.region.as_str() == region).map(|x| x.id.as_str()).collect();
            let k = same.iter().position(|x| x == site).unwrap_or(0);
            Series {
                key: site.clone(),
                label: format!("{site} ({region})"),
                colour: shade(region_colour(&region), 0.3 * k as f64),
            }
        })
        .collect();
    let values: Vec<Vec<Vec<f64>>> = sites
        .iter()
        .map(|site| {
            vec![
                quarters
                    .iter()
                    .map(|q| p.builds.iter().filter(|b| &b.0 == site && b.1 == *q).map(|b| finite(b.2)).sum())
                    .collect(),
            ]
        })
        .collect();
    let tip = |s: &Series, _: &str, q: &str, v: f64| format!("{}: {} MW online in {q}", s.label, human(v));
    let panels = [String::new()];
    let c = Stacked {
        unit: "MW",
        x: &x,
        panels: &panels,
        series: &series,
        values: &values,
        tip: &tip,
        top_labels: &[],
        reference: None,
    };
    Chart::new(id, title, draw::stacked(svg, &c))
}

/// Served share of each workload in its worst quarter (the evaluator's figure when verified),
/// the unserved rest in red.
fn served(p: &Plan) -> Chart {
    let id = "plan-served";
    let mut workloads: Vec<String> = p.served.iter().map(|l| l.workload.clone()).collect();
    workloads.dedup();
    let mut seen = Vec::new();
    workloads.retain(|w| {
        if seen.contains(w) {
            false
        } else {
            seen.push(w.clone());
            true
        }
    });
    let worst: Vec<(String, f64, String)> = workloads
        .iter()
        .map(|w| {
            let lines = p.served.iter().filter(|l| &l.workload == w && l.demand_peak_per_s > 0.0);
            let low = lines
                .map(|l| (finite(l.evaluated.unwrap_or(l.served)).clamp(0.0, 1.0), l.quarter))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            low.map_or((w.clone(), 1.0, "-".into()), |(v, q)| (w.clone(), v, q.to_string()))
        })
        .collect();
    let full = worst.iter().filter(|w| w.1 >= 0.999).count();
    let least = worst.iter().min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let title = match least {
        Some((w, v, q)) if *v < 0.999 => {
            format!("{full} of {} workloads fully served in every quarter; {w} only {} in {q}", worst.len(), pct(*v))
        }
        Some(_) => format!("All {} workloads fully served at the peak in every quarter", worst.len()),
        None => "The plan serves no workload".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "Share of each workload's peak demand served in its worst quarter (the evaluator's check of the plan when verified); unserved part in red.",
    );
    if worst.is_empty() {
        return Chart::new(id, title, svg.empty("no serving workloads"));
    }
    let legend = [
        LegendItem { label: "served".into(), colour: "#2a6f97".into(), swatch: Swatch::Box },
        LegendItem { label: "unserved".into(), colour: SHORTFALL.into(), swatch: Swatch::Box },
    ];
    let rows: Vec<HRow> = worst
        .iter()
        .map(|(w, v, q)| {
            let served = Series { key: "served".into(), label: "served".into(), colour: "#2a6f97".into() };
            let unserved = Series { key: "unserved".into(), label: "unserved".into(), colour: SHORTFALL.into() };
            let mut segments = vec![HSegment {
                series: served,
                from: 0.0,
                to: 100.0 * v,
                tip: format!("{w}: {} served in {q}", pct(*v)),
            }];
            if *v < 0.999 {
                segments.push(HSegment {
                    series: unserved,
                    from: 100.0 * v,
                    to: 100.0,
                    tip: format!("{w}: {} unserved in {q}", pct(1.0 - v)),
                });
            }
            HRow { label: w.clone(), segments, value_label: format!("{} ({q})", pct(*v)) }
        })
        .collect();
    Chart::new(id, title, draw::hbars(svg, "% of peak demand served", &rows, None, &legend))
}

/// Cash spend per calendar year by category (from the evaluator's check; the plan's own yearly
/// totals otherwise) against the yearly caps.
fn spend_by_year(s: &Scenario, p: &Plan) -> Chart {
    let id = "plan-spend-by-year";
    let cur = &p.currency;
    let years: Vec<String> = p.spend_by_year.keys().cloned().collect();
    let caps: Vec<Option<f64>> =
        years.iter().map(|y| y.parse::<i32>().ok().and_then(|y| s.budget.per_year.get(&y).copied())).collect();
    let (series, values): (Vec<Series>, Vec<Vec<Vec<f64>>>) = match &p.evaluation {
        Some(e) => {
            let names: Vec<&'static str> = e.spend.by_category().iter().map(|c| c.0).collect();
            let series = names
                .iter()
                .map(|n| Series { key: n.to_string(), label: n.to_string(), colour: category_colour(n).into() })
                .collect();
            let values = (0..names.len())
                .map(|k| {
                    vec![
                        years
                            .iter()
                            .map(|y| {
                                e.spend
                                    .by_quarter
                                    .iter()
                                    .filter(|l| &l.quarter.year.to_string() == y)
                                    .map(|l| finite(l.categories()[k].1))
                                    .sum()
                            })
                            .collect(),
                    ]
                })
                .collect();
            (series, values)
        }
        None => (
            vec![Series { key: "spend".into(), label: "spend".into(), colour: category_colour("accelerators").into() }],
            vec![vec![years.iter().map(|y| finite(p.spend_by_year[y])).collect()]],
        ),
    };
    let tightest = years
        .iter()
        .zip(&caps)
        .filter_map(|(y, c)| c.filter(|c| *c > 0.0).map(|c| (y, p.spend_by_year[y] / c)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)));
    let budget = s.budget.total;
    let title = match tightest {
        Some((y, share)) => format!(
            "{} of the {} budget spent; {y} uses {} of its yearly cap",
            money(p.spend_total, cur),
            money(budget, cur),
            pct(share)
        ),
        None => format!(
            "{} of the {} budget spent ({})",
            money(p.spend_total, cur),
            money(budget, cur),
            pct(p.spend_total / budget.max(1e-9))
        ),
    };
    let svg = Svg::new(
        id,
        &title,
        &format!(
            "Cash spend per calendar year by category (capex when paid, opex while in service); dashed: the year's budget cap; {cur}."
        ),
    );
    if years.is_empty() {
        return Chart::new(id, title, svg.empty("no spend"));
    }
    let tops = vec![years.iter().map(|y| money(p.spend_by_year[y], cur)).collect()];
    let tip = |s: &Series, _: &str, y: &str, v: f64| format!("{y}, {}: {}", s.label, money(v, cur));
    let panels = [String::new()];
    let reference = caps.iter().any(Option::is_some).then_some((caps.as_slice(), "yearly cap"));
    let c = Stacked {
        unit: cur,
        x: &years,
        panels: &panels,
        series: &series,
        values: &values,
        tip: &tip,
        top_labels: &tops,
        reference,
    };
    Chart::new(id, title, draw::stacked(svg, &c))
}

/// The marginal values the planner found: what relaxing each binding constraint would gain,
/// largest first (savings in the currency, or points of demand served, or training compute).
fn marginal_values(p: &Plan) -> Chart {
    let id = "plan-marginal-values";
    let cur = &p.currency;
    let mut gains: Vec<(String, f64, &'static str)> = p
        .explanations
        .iter()
        .filter_map(|x| match x {
            Explanation::Marginal(m) => Some(m),
            Explanation::Binding(_) => None,
        })
        .map(|m| {
            let relax = m.relax.to_string().replace('`', "");
            match &m.gain {
                Gain::Saving { horizon, .. } => (relax, finite(*horizon), "saving"),
                Gain::MoreServed { points, .. } => (relax, finite(*points), "points served"),
                Gain::MoreTraining { flop } => (relax, finite(*flop) / 1e21, "ZFLOP"),
                Gain::NoSaving => (relax, 0.0, "saving"),
            }
        })
        .collect();
    gains.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let kind = gains.first().map_or("saving", |g| g.2);
    gains.retain(|g| g.2 == kind);
    let text = |v: f64| match kind {
        "saving" => money(v, cur),
        "points served" => format!("+{v:.2} points"),
        _ => format!("+{v:.3} ZFLOP"),
    };
    let bindings = p.explanations.iter().filter(|x| matches!(x, Explanation::Binding(_))).count();
    let title = match gains.first() {
        Some((relax, v, _)) if *v > 0.0 => {
            format!("{bindings} constraint(s) bind; the most valuable relaxation: {relax}, {}", text(*v))
        }
        Some(_) => format!("{bindings} constraint(s) bind, but relaxing any of them would gain nothing"),
        None => format!("{bindings} constraint(s) bind; no marginal values computed"),
    };
    let unit = match kind {
        "saving" => format!("{cur} saved over the horizon"),
        "points served" => "points of weighted peak demand served".into(),
        _ => "ZFLOP of training compute".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        &format!("What relaxing each binding constraint would gain (an LP re-solve per relaxation): {unit}."),
    );
    if gains.is_empty() {
        return Chart::new(id, title, svg.empty("no marginal values"));
    }
    let rows: Vec<HRow> = gains
        .iter()
        .map(|(relax, v, _)| {
            let series = Series { key: "gain".into(), label: "gain".into(), colour: "#2a6f97".into() };
            HRow {
                label: relax.clone(),
                segments: vec![HSegment { series, from: 0.0, to: *v, tip: format!("{relax}: {}", text(*v)) }],
                value_label: text(*v),
            }
        })
        .collect();
    Chart::new(id, title, draw::hbars(svg, &unit, &rows, None, &[]))
}
