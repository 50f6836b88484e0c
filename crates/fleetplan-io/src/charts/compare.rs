//! Charts comparing scenarios side by side: spend by category, accelerators by chip at the end
//! of the horizon, chat cost per million output tokens and chat capacity. Money is in the
//! scenarios' currency when they share one, else converted to USD with each one's rate.

use super::draw::{self, HRow, HSegment, Series, Stacked};
use super::palette::{category_colour, chip_colour};
use super::svg::{LegendItem, Svg, Swatch, finite};
use super::{Chart, pct};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::{human, money};
use fleetplan_engines::eval::Evaluation;
use std::collections::BTreeMap;

/// The comparison charts of `columns` (name, evaluation), in the order given.
pub fn compare_charts(columns: &[(&str, &Evaluation)], catalog: &Catalog) -> Vec<Chart> {
    let (currency, factors) = common_currency(columns);
    vec![
        spend(columns, &currency, &factors),
        accelerators(columns, catalog),
        cost_per_token(columns, &currency, &factors),
        capacity(columns),
    ]
}

/// The currency of the comparison and each column's factor into it.
fn common_currency(columns: &[(&str, &Evaluation)]) -> (String, Vec<f64>) {
    let first = columns.first().map_or("USD".to_string(), |c| c.1.currency.clone());
    if columns.iter().all(|c| c.1.currency == first) {
        (first, vec![1.0; columns.len()])
    } else {
        (
            "USD".into(),
            columns.iter().map(|c| if c.1.currency_per_usd > 0.0 { 1.0 / c.1.currency_per_usd } else { 0.0 }).collect(),
        )
    }
}

/// "A: x; B: y" as the lead of a title: the largest and the smallest.
fn extremes(values: &[(String, f64)]) -> Option<((String, f64), (String, f64))> {
    let hi = values.iter().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?.clone();
    let lo = values.iter().min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))?.clone();
    Some((hi, lo))
}

/// How much `hi` exceeds `lo`: "12 % above" up to twice, "3.4× " beyond.
fn more_than(hi: f64, lo: f64) -> String {
    let ratio = hi / lo;
    if ratio < 2.0 {
        format!("{} above", pct(ratio - 1.0))
    } else {
        format!("{}×", human((10.0 * ratio).round() / 10.0))
    }
}

/// Spend over each horizon by category, one bar per scenario.
fn spend(columns: &[(&str, &Evaluation)], cur: &str, factors: &[f64]) -> Chart {
    let id = "compare-spend";
    let x: Vec<String> = columns.iter().map(|c| c.0.to_string()).collect();
    let names: Vec<&'static str> =
        columns.first().map_or(Vec::new(), |c| c.1.spend.by_category().iter().map(|c| c.0).collect());
    let totals: Vec<(String, f64)> =
        columns.iter().zip(factors).map(|(c, f)| (c.0.to_string(), finite(c.1.spend.total) * f)).collect();
    let title = match extremes(&totals) {
        Some((hi, lo)) if columns.len() > 1 && lo.1 > 0.0 => format!(
            "{} spends the most, {}: {} {} ({})",
            hi.0,
            money(hi.1, cur),
            more_than(hi.1, lo.1),
            lo.0,
            money(lo.1, cur)
        ),
        Some((hi, lo)) if columns.len() > 1 && hi.1 > 0.0 => {
            format!("{} spends the most, {}; {} spends nothing", hi.0, money(hi.1, cur), lo.0)
        }
        Some((hi, _)) => format!("{} spends {}", hi.0, money(hi.1, cur)),
        None => "Nothing to compare".into(),
    };
    let svg = Svg::new(id, &title, &format!("Spend over each scenario's horizon by category; {cur}."));
    let series: Vec<Series> = names
        .iter()
        .map(|n| Series { key: n.to_string(), label: n.to_string(), colour: category_colour(n).into() })
        .collect();
    let values: Vec<Vec<Vec<f64>>> = (0..names.len())
        .map(|k| {
            vec![
                columns
                    .iter()
                    .zip(factors)
                    .map(|(c, f)| c.1.spend.by_category().get(k).map_or(0.0, |v| v.1 * f))
                    .collect(),
            ]
        })
        .collect();
    let tops = vec![totals.iter().map(|t| money(t.1, cur)).collect()];
    let tip = |s: &Series, _: &str, x: &str, v: f64| format!("{x}, {}: {}", s.label, money(v, cur));
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

/// Accelerators by chip in each scenario's last quarter.
fn accelerators(columns: &[(&str, &Evaluation)], catalog: &Catalog) -> Chart {
    let id = "compare-accelerators";
    let x: Vec<String> = columns.iter().map(|c| c.0.to_string()).collect();
    let held: Vec<BTreeMap<String, u64>> = columns
        .iter()
        .map(|(_, e)| {
            let last = e.quarters.last().map(|q| q.quarter);
            let mut chips = BTreeMap::new();
            for s in e.sites.iter().filter(|s| Some(s.quarter) == last) {
                for (chip, n) in &s.accelerators_by_chip {
                    *chips.entry(chip.clone()).or_insert(0) += n;
                }
            }
            chips
        })
        .collect();
    let mut chips: Vec<String> = held.iter().flat_map(|h| h.keys().cloned()).collect();
    chips.sort();
    chips.dedup();
    let totals: Vec<(String, f64)> =
        x.iter().zip(&held).map(|(n, h)| (n.clone(), h.values().sum::<u64>() as f64)).collect();
    let title = match extremes(&totals) {
        Some((hi, lo)) if columns.len() > 1 => {
            format!("{} ends with the most accelerators, {}, against {} in {}", hi.0, human(hi.1), human(lo.1), lo.0)
        }
        Some((hi, _)) => format!("{} ends with {} accelerators", hi.0, human(hi.1)),
        None => "Nothing to compare".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "Accelerators in service in each scenario's last quarter, stacked by chip (colour = vendor, shade = chip).",
    );
    let series: Vec<Series> =
        chips.iter().map(|c| Series { key: c.clone(), label: c.clone(), colour: chip_colour(catalog, c) }).collect();
    let values: Vec<Vec<Vec<f64>>> =
        chips.iter().map(|c| vec![held.iter().map(|h| h.get(c).copied().unwrap_or(0) as f64).collect()]).collect();
    let tops = vec![totals.iter().map(|t| human(t.1)).collect()];
    let tip = |s: &Series, _: &str, x: &str, v: f64| format!("{x}: {} {}", human(v), s.label);
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

/// Chat cost per million output tokens served in the last quarter: the cost per day of the
/// accelerators allocated to chat over the output tokens they serve per day.
fn chat_cost_per_million(e: &Evaluation) -> Option<f64> {
    let last = e.quarters.last()?.quarter;
    let chat = e.workloads.iter().filter(|w| w.kind == "chat" && w.quarter == last);
    let (cost, served) = chat.fold((0.0, 0.0), |(c, s), w| (c + finite(w.cost_per_day), s + finite(w.served_per_day)));
    (served > 0.0).then(|| cost / served * 1e6)
}

/// Chat cost per million output tokens per scenario.
fn cost_per_token(columns: &[(&str, &Evaluation)], cur: &str, factors: &[f64]) -> Chart {
    let id = "compare-cost-per-million-tokens";
    let costs: Vec<(String, f64)> = columns
        .iter()
        .zip(factors)
        .filter_map(|(c, f)| chat_cost_per_million(c.1).map(|v| (c.0.to_string(), v * f)))
        .collect();
    let missing: Vec<&str> = columns.iter().filter(|c| chat_cost_per_million(c.1).is_none()).map(|c| c.0).collect();
    let title = match extremes(&costs) {
        Some((hi, lo)) if costs.len() > 1 && lo.1 > 0.0 => format!(
            "{} serves chat cheapest, {} per M output tokens; {} pays {:.1}×",
            lo.0,
            money(lo.1, cur),
            hi.0,
            hi.1 / lo.1
        ),
        Some((one, _)) => format!("{} serves chat at {} per M output tokens", one.0, money(one.1, cur)),
        None => "No chat is served in the last quarter of any scenario".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        &format!(
            "Chat cost per million output tokens served in each scenario's last quarter (allocated accelerators' cost per day ÷ tokens served); {cur}.{}",
            if missing.is_empty() {
                String::new()
            } else {
                format!(" Not shown (no chat served): {}.", missing.join(", "))
            }
        ),
    );
    if costs.is_empty() {
        return Chart::new(id, title, svg.empty("no chat served"));
    }
    let rows: Vec<HRow> = costs
        .iter()
        .map(|(name, v)| {
            let series = Series { key: name.clone(), label: name.clone(), colour: "#2a6f97".into() };
            let tip = format!("{name}: {} per M output tokens", money(*v, cur));
            HRow {
                label: name.clone(),
                segments: vec![HSegment { series, from: 0.0, to: *v, tip }],
                value_label: money(*v, cur),
            }
        })
        .collect();
    Chart::new(id, title, draw::hbars(svg, &format!("{cur} per M output tokens"), &rows, None, &[]))
}

/// Chat capacity (output tokens per day at the SLOs) and peak-hour coverage in the last quarter.
fn capacity(columns: &[(&str, &Evaluation)]) -> Chart {
    let id = "compare-capacity";
    let values: Vec<(String, f64, f64)> = columns
        .iter()
        .map(|(name, e)| {
            let last = e.quarters.last().map(|q| q.quarter);
            let (demand, cap) = e
                .workloads
                .iter()
                .filter(|w| w.kind == "chat" && Some(w.quarter) == last)
                .fold((0.0, 0.0), |(d, c), w| (d + finite(w.demand_peak_per_s), c + finite(w.capacity_per_s)));
            let coverage = if demand > 0.0 { cap / demand } else { 1.0 };
            (name.to_string(), finite(e.chat_capacity_tokens_per_day()), coverage)
        })
        .collect();
    let pairs: Vec<(String, f64)> = values.iter().map(|v| (v.0.clone(), v.1)).collect();
    let title = match extremes(&pairs) {
        Some((hi, lo)) if columns.len() > 1 && lo.1 > 0.0 => format!(
            "{} serves the most chat, {} output tokens/day at the SLOs: {} {}",
            hi.0,
            human(hi.1),
            more_than(hi.1, lo.1),
            lo.0
        ),
        Some((hi, lo)) if columns.len() > 1 && hi.1 > 0.0 => format!(
            "{} serves the most chat, {} output tokens/day at the SLOs; {} serves none in its last quarter",
            hi.0,
            human(hi.1),
            lo.0
        ),
        Some((hi, _)) => format!("{} serves {} chat output tokens/day at the SLOs", hi.0, human(hi.1)),
        None => "Nothing to compare".into(),
    };
    let svg = Svg::new(
        id,
        &title,
        "Chat capacity allocated at the SLOs in each scenario's last quarter, output tokens per day; the share of peak demand covered at the right.",
    );
    let legend = [LegendItem { label: "chat capacity".into(), colour: "#2a6f97".into(), swatch: Swatch::Box }];
    let rows: Vec<HRow> = values
        .iter()
        .map(|(name, v, coverage)| {
            let series = Series { key: name.clone(), label: name.clone(), colour: "#2a6f97".into() };
            let tip = format!("{name}: {} output tokens/day, {} of peak demand", human(*v), pct(*coverage));
            HRow {
                label: name.clone(),
                segments: vec![HSegment { series, from: 0.0, to: *v, tip }],
                value_label: format!("{} ({} of peak)", human(*v), pct(*coverage)),
            }
        })
        .collect();
    Chart::new(id, title, draw::hbars(svg, "output tokens per day", &rows, None, &legend))
}
