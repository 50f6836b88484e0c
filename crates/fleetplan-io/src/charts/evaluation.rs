//! Charts of one evaluation: spend by category × region, accelerators by chip × site per
//! quarter, capacity against peak demand per workload kind, accelerators busy and idle at the
//! peak hour per quarter, and cost per million tokens by chip and site.

use super::draw::{self, HATCH, HRow, HSegment, Line, LinePanel, Series, Stacked};
use super::palette::{DEMAND, chip_colour, region_colour};
use super::svg::{LegendItem, Svg, Swatch, finite};
use super::{Chart, pct};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::{human, money};
use fleetplan_engines::eval::Evaluation;
use std::collections::BTreeMap;

/// The five charts of an evaluation, in reading order.
pub fn evaluation_charts(e: &Evaluation, catalog: &Catalog) -> Vec<Chart> {
    vec![
        spend_by_category_region(e),
        accelerators_by_chip_site(e, catalog),
        capacity_vs_demand(e),
        idle_by_quarter(e, catalog),
        cost_per_million_tokens(e, catalog),
    ]
}

/// Quarter labels of the horizon.
pub(crate) fn quarter_labels(e: &Evaluation) -> Vec<String> {
    e.quarters.iter().map(|q| q.quarter.to_string()).collect()
}

/// "2025Q1–2027Q4" (or one quarter).
pub(crate) fn horizon(e: &Evaluation) -> String {
    match (e.quarters.first(), e.quarters.last()) {
        (Some(a), Some(b)) if a.quarter != b.quarter => format!("{}–{}", a.quarter, b.quarter),
        (Some(a), _) => a.quarter.to_string(),
        _ => "no quarters".into(),
    }
}

/// Region of each site of the evaluation.
pub(crate) fn site_regions(e: &Evaluation) -> BTreeMap<String, String> {
    e.sites.iter().map(|s| (s.site.clone(), s.region.clone())).collect()
}

/// Spend over the horizon by category (x) stacked by region; regions largest first.
fn spend_by_category_region(e: &Evaluation) -> Chart {
    let id = "spend-by-category-region";
    let regions_of = site_regions(e);
    // region → category amounts.
    let mut by_region: BTreeMap<String, [f64; 8]> = BTreeMap::new();
    let mut names: Vec<&'static str> = Vec::new();
    for (site, cats) in e.spend_by_site_and_category() {
        let region = regions_of.get(&site).cloned().unwrap_or(site);
        let slot = by_region.entry(region).or_insert([0.0; 8]);
        for (k, (name, v)) in cats.iter().enumerate() {
            slot[k] += finite(*v);
            if names.len() <= k {
                names.push(name);
            }
        }
    }
    let category_totals: Vec<f64> = (0..names.len()).map(|k| by_region.values().map(|v| v[k]).sum()).collect();
    let shown: Vec<usize> = (0..names.len()).filter(|k| category_totals[*k] > 0.0).collect();
    let mut regions: Vec<(String, f64)> = by_region.iter().map(|(r, v)| (r.clone(), v.iter().sum())).collect();
    regions.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: f64 = regions.iter().map(|r| r.1).sum();
    let cur = &e.currency;
    let title =
        match (shown.iter().max_by(|a, b| category_totals[**a].total_cmp(&category_totals[**b])), regions.first()) {
            (Some(k), Some((region, amount))) if total > 0.0 => format!(
                "{} spent over {}{}: {} on {}, {} in {region}",
                money(total, cur),
                horizon(e),
                budget_share(total, e.spend.budget),
                pct(category_totals[*k] / total),
                names[*k],
                pct(amount / total)
            ),
            _ => "Nothing is spent over the horizon".into(),
        };
    let svg = Svg::new(
        id,
        &title,
        &format!(
            "Spend over the horizon by category, stacked by region of the site; {cur}. Capex when paid, opex while in service."
        ),
    );
    if shown.is_empty() {
        return Chart::new(id, title, svg.empty("no spend in the horizon"));
    }
    let x: Vec<String> = shown.iter().map(|k| names[*k].to_string()).collect();
    let series: Vec<Series> = regions
        .iter()
        .map(|(r, _)| Series { key: r.clone(), label: r.clone(), colour: region_colour(r).into() })
        .collect();
    let values: Vec<Vec<Vec<f64>>> =
        regions.iter().map(|(r, _)| vec![shown.iter().map(|k| by_region[r][*k]).collect()]).collect();
    let tops: Vec<Vec<String>> = vec![shown.iter().map(|k| money(category_totals[*k], cur)).collect()];
    let tip = |s: &Series, _: &str, x: &str, v: f64| format!("{x} in {}: {}", s.label, money(v, cur));
    let panels = [String::new()];
    let c = Stacked {
        unit: cur,
        x: &x,
        panels: &panels,
        series: &series,
        values: &values,
        tip: &tip,
        top_labels: &tops,
        reference: None,
    };
    Chart::new(id, title, draw::stacked(svg, &c))
}

/// ", 88 % of the budget" when there is a budget.
fn budget_share(total: f64, budget: f64) -> String {
    if budget > 0.0 { format!(" ({} of the budget)", pct(total / budget)) } else { String::new() }
}

/// Accelerators in service per quarter, one panel per site, stacked by chip.
fn accelerators_by_chip_site(e: &Evaluation, catalog: &Catalog) -> Chart {
    let id = "accelerators-by-chip-site";
    let x = quarter_labels(e);
    let mut sites: Vec<String> = Vec::new();
    let mut chips: BTreeMap<String, u64> = BTreeMap::new();
    for s in &e.sites {
        if !sites.contains(&s.site) {
            sites.push(s.site.clone());
        }
        for (chip, n) in &s.accelerators_by_chip {
            *chips.entry(chip.clone()).or_default() += n;
        }
    }
    sites.retain(|site| e.sites.iter().any(|s| &s.site == site && s.accelerators > 0));
    let mut chip_order: Vec<(String, u64)> = chips.into_iter().collect();
    chip_order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let last = e.quarters.last();
    let held = last.map_or(0, |q| q.accelerators);
    let last_q = last.map(|q| q.quarter);
    let lead = chip_order.iter().map(|(chip, _)| {
        let n: u64 =
            e.sites.iter().filter(|s| Some(s.quarter) == last_q).filter_map(|s| s.accelerators_by_chip.get(chip)).sum();
        (chip.clone(), n)
    });
    let lead = lead.max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
    let title = match (last, lead) {
        (Some(q), Some((chip, n))) if held > 0 => format!(
            "{} accelerators in service by {} across {} site{}; {} of them {chip}",
            human(held as f64),
            q.quarter,
            sites.len(),
            if sites.len() == 1 { "" } else { "s" },
            pct(n as f64 / held as f64)
        ),
        _ => "No accelerators in service".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "Accelerators in service per quarter, one panel per site, stacked by chip (colour = vendor, shade = chip).",
    );
    if sites.is_empty() {
        return Chart::new(id, title, svg.empty("no accelerators in the horizon"));
    }
    let series: Vec<Series> = chip_order
        .iter()
        .map(|(c, _)| Series { key: c.clone(), label: c.clone(), colour: chip_colour(catalog, c) })
        .collect();
    let values: Vec<Vec<Vec<f64>>> = chip_order
        .iter()
        .map(|(chip, _)| {
            sites
                .iter()
                .map(|site| {
                    e.quarters
                        .iter()
                        .map(|q| {
                            e.sites
                                .iter()
                                .filter(|s| &s.site == site && s.quarter == q.quarter)
                                .filter_map(|s| s.accelerators_by_chip.get(chip))
                                .sum::<u64>() as f64
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let tip =
        |s: &Series, site: &str, q: &str, v: f64| format!("{} at {site}, {q}: {} accelerators", s.label, human(v));
    let c = Stacked {
        unit: "accelerators",
        x: &x,
        panels: &sites,
        series: &series,
        values: &values,
        tip: &tip,
        top_labels: &[],
        reference: None,
    };
    Chart::new(id, title, draw::stacked(svg, &c))
}

/// Peak demand and capacity allocated at the SLO per quarter, one panel per workload kind (its
/// own unit), the shortfall shaded.
fn capacity_vs_demand(e: &Evaluation) -> Chart {
    let id = "capacity-vs-demand";
    let x = quarter_labels(e);
    let mut kinds: Vec<(String, String)> = Vec::new();
    for w in &e.workloads {
        if !kinds.iter().any(|k| k.0 == w.kind) {
            kinds.push((w.kind.clone(), w.unit.clone()));
        }
    }
    let mut worst: Option<(f64, String, String)> = None;
    let mut met = 0;
    let panels: Vec<LinePanel> = kinds
        .iter()
        .map(|(kind, unit)| {
            let sum = |f: &dyn Fn(&fleetplan_engines::eval::WorkloadQuarter) -> f64| -> Vec<f64> {
                e.quarters
                    .iter()
                    .map(|q| {
                        e.workloads
                            .iter()
                            .filter(|w| &w.kind == kind && w.quarter == q.quarter)
                            .map(|w| finite(f(w)))
                            .sum()
                    })
                    .collect()
            };
            let (demand, capacity) = (sum(&|w| w.demand_peak_per_s), sum(&|w| w.capacity_per_s));
            for (i, (d, c)) in demand.iter().zip(&capacity).enumerate() {
                let short = if *d > 0.0 { 1.0 - c / d } else { 0.0 };
                if short > worst.as_ref().map_or(1e-3, |w| w.0) {
                    worst = Some((short, kind.clone(), x[i].clone()));
                }
            }
            LinePanel {
                label: kind.clone(),
                unit: unit.clone(),
                // Demand drawn last: its dashes stay visible where capacity meets it.
                lines: vec![
                    Line {
                        series: Series {
                            key: "capacity".into(),
                            label: "capacity allocated at the SLO".into(),
                            colour: "#2a6f97".into(),
                        },
                        dashed: false,
                        values: capacity.into_iter().map(Some).collect(),
                    },
                    Line {
                        series: Series {
                            key: "peak-demand".into(),
                            label: "peak demand".into(),
                            colour: DEMAND.into(),
                        },
                        dashed: true,
                        values: demand.into_iter().map(Some).collect(),
                    },
                ],
                band: Some((1, 0)),
                fmt: human,
            }
        })
        .collect();
    for (i, q) in e.quarters.iter().enumerate() {
        let short = e
            .workloads
            .iter()
            .filter(|w| w.quarter == q.quarter)
            .any(|w| w.capacity_per_s < w.demand_peak_per_s * 0.999);
        if !short && i < x.len() {
            met += 1;
        }
    }
    let title = match &worst {
        Some((short, kind, q)) => format!(
            "Peak demand fully met in {met} of {} quarters; worst: {kind} {} short in {q}",
            x.len(),
            pct(*short)
        ),
        None if !kinds.is_empty() => format!("Capacity meets peak demand in all {} quarters", x.len()),
        None => "No serving workloads".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "Peak-hour demand and the capacity allocated to it at the SLOs, summed per workload kind; a quarter counts as met when every workload is.",
    );
    if panels.is_empty() {
        return Chart::new(id, title, svg.empty("no serving workloads"));
    }
    Chart::new(id, title, draw::lines(svg, &x, &panels))
}

/// Accelerators at the peak hour per quarter: busy ones stacked by chip, idle ones hatched on
/// top, the idle share above each bar.
fn idle_by_quarter(e: &Evaluation, catalog: &Catalog) -> Chart {
    let id = "idle-by-quarter";
    let x = quarter_labels(e);
    let mut chips: Vec<String> = e.idle.iter().map(|p| p.chip.clone()).collect();
    chips.sort();
    chips.dedup();
    let busy = |chip: &str, q: fleetplan_core::scenario::Quarter| -> f64 {
        e.idle
            .iter()
            .filter(|p| p.chip == chip && p.quarter == q)
            .map(|p| p.accelerators.saturating_sub(p.idle_accelerators) as f64)
            .sum()
    };
    let mut series: Vec<Series> = chips
        .iter()
        .map(|c| Series { key: c.clone(), label: format!("{c} busy"), colour: chip_colour(catalog, c) })
        .collect();
    let mut values: Vec<Vec<Vec<f64>>> =
        chips.iter().map(|c| vec![e.quarters.iter().map(|q| busy(c, q.quarter)).collect()]).collect();
    series.push(Series { key: "idle".into(), label: "idle at the peak hour".into(), colour: HATCH.into() });
    values.push(vec![e.quarters.iter().map(|q| q.idle_accelerators as f64).collect()]);
    // The idle share above the bar, from 1 % (smaller shares would only add noise).
    let tops =
        vec![e.quarters.iter().map(|q| if q.idle_share >= 0.01 { pct(q.idle_share) } else { String::new() }).collect()];
    let worst = e
        .quarters
        .iter()
        .filter(|q| q.accelerators > 0)
        .max_by(|a, b| a.idle_share.total_cmp(&b.idle_share).then(b.quarter.cmp(&a.quarter)));
    let idle_cost: f64 = e.quarters.iter().map(|q| finite(q.idle_cost)).sum();
    let title = match worst {
        Some(q) if q.idle_share > 0.0 => format!(
            "{} of {} accelerators idle at the peak in {} (worst quarter); idle capacity costs {} over the horizon",
            pct(q.idle_share),
            human(q.accelerators as f64),
            q.quarter,
            money(idle_cost, &e.currency)
        ),
        Some(_) => "No accelerator is idle at the peak hour in any quarter".into(),
        None => "No accelerators in service".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "Accelerators at each quarter's peak hour: busy (training or serving) by chip, idle hatched; idle share above the bar.",
    );
    if worst.is_none() {
        return Chart::new(id, title, svg.empty("no accelerators in the horizon"));
    }
    let tip = |s: &Series, _: &str, q: &str, v: f64| format!("{q}: {} {}", human(v), s.label);
    let panels = [String::new()];
    let c = Stacked {
        unit: "accelerators",
        x: &x,
        panels: &panels,
        series: &series,
        values: &values,
        tip: &tip,
        top_labels: &tops,
        reference: None,
    };
    Chart::new(id, title, draw::stacked(svg, &c))
}

/// Cost per million output tokens (chat; per item otherwise) of the largest workload by chip
/// and site, cheapest first, against the workload's price when it has one.
fn cost_per_million_tokens(e: &Evaluation, catalog: &Catalog) -> Chart {
    let id = "cost-per-million-tokens";
    let cur = &e.currency;
    let main = e
        .workloads
        .iter()
        .filter(|w| w.kind == "chat")
        .max_by(|a, b| a.demand_peak_per_s.total_cmp(&b.demand_peak_per_s).then(b.workload.cmp(&a.workload)));
    let chat = main.is_some();
    let main = main.or_else(|| e.workloads.iter().max_by(|a, b| a.demand_peak_per_s.total_cmp(&b.demand_peak_per_s)));
    let name = main.map_or(String::new(), |w| w.workload.clone());
    let per = if chat { "M output tokens" } else { "item" };
    let mut bars: Vec<(String, String, f64)> = e
        .unit_costs
        .iter()
        .filter(|u| u.workload == name)
        .filter_map(|u| {
            if chat { u.per_million_output_tokens } else { u.per_item }
                .map(|c| (u.chip.clone(), u.site.clone(), finite(c)))
        })
        .collect();
    bars.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let price = e
        .workloads
        .iter()
        .filter(|w| w.workload == name)
        .find_map(|w| if chat { w.price_per_million_output_tokens } else { w.price_per_item });
    let title = match (bars.first(), bars.last()) {
        (Some(a), Some(b)) => {
            let spread = if b.2 > 1.05 * a.2 {
                format!(", up to {:.1}× that on {} at {}", b.2 / a.2, b.0, b.1)
            } else {
                String::new()
            };
            let versus = match price {
                Some(p) if a.2 > 0.0 => format!("; the price, {}, is {:.1}× that cost", money(p, cur), p / a.2),
                _ => String::new(),
            };
            format!("{name} costs {} per {per} at best, on {} at {}{spread}{versus}", money(a.2, cur), a.0, a.1)
        }
        _ => "No unit costs: no workload is served".into(),
    };
    // A price far above every cost is written, not drawn: as a line it would flatten the bars.
    let highest = bars.last().map_or(0.0, |b| b.2);
    let off_scale = price.is_some_and(|p| p > 3.0 * highest);
    let svg = Svg::new(
        id,
        &title,
        &format!(
            "Cost per {per} of {name} at full load, by chip and site (TCO per accelerator-hour ÷ rate at the SLO); {cur}.{}",
            if off_scale {
                format!(" The price, {}, is off this scale.", money(price.unwrap_or(0.0), cur))
            } else {
                String::new()
            }
        ),
    );
    if bars.is_empty() {
        return Chart::new(id, title, svg.empty("no unit costs"));
    }
    let mut legend: Vec<LegendItem> = Vec::new();
    let rows: Vec<HRow> = bars
        .iter()
        .map(|(chip, site, cost)| {
            let colour = chip_colour(catalog, chip);
            if !legend.iter().any(|l| &l.label == chip) {
                legend.push(LegendItem { label: chip.clone(), colour: colour.clone(), swatch: Swatch::Box });
            }
            let series = Series { key: chip.clone(), label: chip.clone(), colour };
            let tip = format!("{chip} at {site}: {} per {per}", money(*cost, cur));
            HRow {
                label: format!("{chip} @ {site}"),
                segments: vec![HSegment { series, from: 0.0, to: *cost, tip }],
                value_label: money(*cost, cur),
            }
        })
        .collect();
    let unit = format!("{cur} per {per}");
    let reference = price.filter(|_| !off_scale).map(|p| (p, "price"));
    Chart::new(id, title, draw::hbars(svg, &unit, &rows, reference, &legend))
}
