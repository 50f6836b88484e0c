//! Tests of the chart module on the examples: every chart is well-formed SVG with finite
//! numbers and data marks, colours follow the palette in every chart, titles carry the figures
//! computed here independently, stacked segments add up to their totals. `gallery` (ignored)
//! writes every chart of the ByteDance example into HTML pages to look at.

use super::palette::{chip_colour, region_colour};
use super::*;
use crate::api::sweep::SweepSummary;
use crate::scenario::read_scenario;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::{human, money};
use fleetplan_core::scenario::Scenario;
use fleetplan_engines::eval::{Evaluation, evaluate};
use fleetplan_engines::plan::{Plan, PlanOptions, plan};
use fleetplan_engines::sim::Routing;
use fleetplan_engines::sim::scenario::{ScenarioSimOptions, build};
use std::path::PathBuf;

const EXAMPLES: [&str; 4] =
    ["quickstart.toml", "bytedance-2025.toml", "deepseek-2025-02.toml", "us-hyperscaler-2025.toml"];

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn load(name: &str) -> (Catalog, Scenario) {
    let catalog = Catalog::builtin().unwrap();
    let scenario = read_scenario(&example(name), &catalog).unwrap().scenario;
    (catalog, scenario)
}

/// The example's evaluation; None for an example without a fleet (nothing to evaluate).
fn evaluated(name: &str) -> Option<(Catalog, Scenario, Evaluation)> {
    let (catalog, scenario) = load(name);
    let e = evaluate(&scenario, &catalog).ok()?;
    Some((catalog, scenario, e))
}

fn planned(name: &str) -> (Catalog, Scenario, Plan) {
    let (catalog, scenario) = load(name);
    let p = plan(&scenario, &catalog, &PlanOptions::default()).unwrap();
    (catalog, scenario, p)
}

/// One element of an SVG: its name, attributes and whether it has a `<title>` child.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    titled: bool,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.0 == name).map(|a| a.1.as_str())
    }
}

/// Parse `svg` as XML far enough to check it: tags balance, attributes are quoted, text holds
/// no raw `<`. Returns every element in document order.
fn parse(svg: &str) -> Vec<Element> {
    let mut stack: Vec<usize> = Vec::new();
    let mut elements: Vec<Element> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(!text.contains('>'), "stray `>` in text: {text}");
        let close = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().unwrap_or_else(|| panic!("`</{name}>` closes nothing"));
            assert_eq!(elements[top].name, name, "`</{name}>` closes `<{}>`", elements[top].name);
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().unwrap().to_string();
        let mut attrs = Vec::new();
        let mut a = tag[name.len()..].trim();
        while !a.is_empty() {
            let eq = a.find("=\"").unwrap_or_else(|| panic!("unquoted attribute in <{tag}>"));
            let end = a[eq + 2..].find('"').expect("unterminated attribute") + eq + 2;
            attrs.push((a[..eq].trim().to_string(), a[eq + 2..end].to_string()));
            a = a[end + 1..].trim();
        }
        if name == "title"
            && let Some(parent) = stack.last()
        {
            elements[*parent].titled = true;
        }
        elements.push(Element { name, attrs, titled: false });
        if !self_closing {
            stack.push(elements.len() - 1);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {:?}", stack.iter().map(|i| &elements[*i].name).collect::<Vec<_>>());
    elements
}

/// Everything a chart must be: a root `fp-chart` with role and label, no script, no event
/// handler, no external reference, finite numbers everywhere, data on every mark.
fn check(chart: &Chart) -> Vec<Element> {
    let svg = &chart.svg;
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{}", chart.id);
    let elements = parse(svg);
    let root = &elements[0];
    assert_eq!(root.attr("class"), Some("fp-chart"));
    assert_eq!(root.attr("role"), Some("img"));
    assert!(root.attr("aria-label").is_some_and(|l| !l.is_empty()), "{}", chart.id);
    assert!(root.attr("viewBox").is_some());
    for e in &elements {
        assert!(
            !["script", "foreignObject", "image", "a", "style"].contains(&e.name.as_str()),
            "{}: <{}>",
            chart.id,
            e.name
        );
        for (name, value) in &e.attrs {
            assert!(!name.starts_with("on"), "{}: event handler {name}", chart.id);
            assert!(!name.contains("href"), "{}: reference {name}", chart.id);
            assert!(!value.contains("NaN") && !value.contains("inf"), "{}: {name}={value}", chart.id);
            if ["x", "y", "width", "height", "cx", "cy", "x1", "x2", "y1", "y2", "data-value"].contains(&name.as_str())
            {
                let v: f64 = value.parse().unwrap_or_else(|_| panic!("{}: {name}={value} is not a number", chart.id));
                assert!(v.is_finite(), "{}: {name}={value}", chart.id);
            }
        }
        if e.attr("class") == Some("fp-mark") {
            for data in ["data-series", "data-value", "data-x"] {
                assert!(e.attr(data).is_some(), "{}: a mark without {data}", chart.id);
            }
            assert!(e.titled, "{}: a mark without a <title>", chart.id);
        }
    }
    elements
}

fn marks(elements: &[Element]) -> impl Iterator<Item = &Element> {
    elements.iter().filter(|e| e.attr("class") == Some("fp-mark"))
}

fn find<'a>(charts: &'a [Chart], id: &str) -> &'a Chart {
    charts.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no chart {id}"))
}

/// A percentage as the titles write it.
fn percent(fraction: f64) -> String {
    let p = 100.0 * fraction;
    if p.abs() >= 10.0 || p == p.round() { format!("{:.0} %", p + 0.0) } else { format!("{p:.1} %") }
}

#[test]
fn every_example_evaluation_renders_sound_charts_with_data() {
    let mut rendered = 0;
    for name in EXAMPLES {
        let Some((catalog, _, e)) = evaluated(name) else { continue };
        let charts = evaluation_charts(&e, &catalog);
        assert_eq!(charts.len(), 5, "{name}");
        let mut ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 5, "{name}: ids are unique");
        for chart in &charts {
            let elements = check(chart);
            assert!(chart.svg.contains(&format!("aria-label=\"{}\"", super::svg::esc(&chart.title))), "{}", chart.id);
            assert!(marks(&elements).count() > 0 || chart.svg.contains("no "), "{name}: {} has no marks", chart.id);
        }
        assert_eq!(charts, evaluation_charts(&e, &catalog), "{name}: deterministic");
        rendered += 1;
    }
    assert!(rendered >= 3, "only {rendered} examples evaluate");
}

#[test]
fn a_chip_and_a_region_have_one_colour_in_every_chart() {
    let (catalog, _, e) = evaluated("bytedance-2025.toml").unwrap();
    let (_, _, p) = planned("bytedance-2025.toml");
    let (_, _, quick) = evaluated("quickstart.toml").unwrap();
    let mut charts = evaluation_charts(&e, &catalog);
    charts.extend(plan_charts(&load("bytedance-2025.toml").1, &catalog, &p));
    charts.extend(compare_charts(&[("bytedance", &e), ("quickstart", &quick)], &catalog));
    let mut chips_seen = 0;
    for chart in &charts {
        let elements = check(chart);
        for m in marks(&elements) {
            let series = m.attr("data-series").unwrap();
            let fill = m.attr("fill").unwrap_or_default();
            if catalog.accelerator(series).is_ok() && !chart.id.starts_with("sim-") {
                assert_eq!(fill, chip_colour(&catalog, series), "{}: chip {series}", chart.id);
                chips_seen += 1;
            }
            if chart.id == "spend-by-category-region" {
                assert_eq!(fill, region_colour(series), "region {series}");
            }
        }
    }
    assert!(chips_seen > 20, "{chips_seen} chip marks");
    assert_ne!(chip_colour(&catalog, "h20"), chip_colour(&catalog, "ascend-910c"));
}

#[test]
fn titles_carry_the_figures_of_the_evaluation() {
    let (catalog, _, e) = evaluated("bytedance-2025.toml").unwrap();
    let charts = evaluation_charts(&e, &catalog);
    // Spend: the total over the quarters' lines.
    let total: f64 = e.spend.by_quarter.iter().map(|l| l.total()).sum();
    let spend = &find(&charts, "spend-by-category-region").title;
    assert!(spend.starts_with(&money(total, "CNY")), "{spend}");
    assert!(spend.contains(&format!("({} of the budget)", percent(total / e.spend.budget))), "{spend}");
    // Accelerators: the last quarter's count, summed from the sites.
    let last = e.quarters.last().unwrap().quarter;
    let held: u64 = e.sites.iter().filter(|s| s.quarter == last).map(|s| s.accelerators).sum();
    let fleet = &find(&charts, "accelerators-by-chip-site").title;
    assert!(fleet.starts_with(&format!("{} accelerators in service by {last}", human(held as f64))), "{fleet}");
    // Idle: the worst quarter, from the pools.
    let idle = |q| -> (u64, u64) {
        e.idle.iter().filter(|p| p.quarter == q).fold((0, 0), |(i, a), p| (i + p.idle_accelerators, a + p.accelerators))
    };
    let worst = e.quarters.iter().map(|q| (q.quarter, idle(q.quarter))).max_by(|a, b| {
        let share = |x: &(u64, u64)| x.0 as f64 / x.1.max(1) as f64;
        share(&a.1).total_cmp(&share(&b.1)).then(b.0.cmp(&a.0))
    });
    let (q, (i, a)) = worst.unwrap();
    let idle_title = &find(&charts, "idle-by-quarter").title;
    let expected =
        format!("{} of {} accelerators idle at the peak in {q}", percent(i as f64 / a as f64), human(a as f64));
    assert!(idle_title.starts_with(&expected), "{idle_title} (expected {expected})");
}

#[test]
fn stacked_segments_add_up_to_their_totals() {
    let (catalog, _, e) = evaluated("bytedance-2025.toml").unwrap();
    let charts = evaluation_charts(&e, &catalog);
    // Accelerators by chip × site: the segments of a quarter (all sites) are its fleet.
    let elements = check(find(&charts, "accelerators-by-chip-site"));
    for q in &e.quarters {
        let quarter = q.quarter.to_string();
        let sum: f64 = marks(&elements)
            .filter(|m| m.attr("data-x") == Some(quarter.as_str()))
            .map(|m| m.attr("data-value").unwrap().parse::<f64>().unwrap())
            .sum();
        assert!((sum - q.accelerators as f64).abs() < 0.5, "{quarter}: {sum} vs {}", q.accelerators);
    }
    // Spend: segment values add up to the spend, and heights are proportional to values
    // (the same px per currency unit in every bar).
    let elements = check(find(&charts, "spend-by-category-region"));
    let values: Vec<(f64, f64)> = marks(&elements)
        .map(|m| (m.attr("data-value").unwrap().parse().unwrap(), m.attr("height").unwrap().parse().unwrap()))
        .collect();
    let total: f64 = values.iter().map(|v| v.0).sum();
    assert!((total - e.spend.total).abs() <= 1e-4 * e.spend.total, "{total} vs {}", e.spend.total);
    let px_per_unit = values.iter().map(|v| v.1).sum::<f64>() / total;
    for (value, height) in &values {
        assert!((height - value * px_per_unit).abs() < 0.6 + 0.01 * height, "{height} px for {value}");
    }
    // Idle: busy + idle segments of each quarter are its accelerators.
    let elements = check(find(&charts, "idle-by-quarter"));
    for q in &e.quarters {
        let quarter = q.quarter.to_string();
        let sum: f64 = marks(&elements)
            .filter(|m| m.attr("data-x") == Some(quarter.as_str()))
            .map(|m| m.attr("data-value").unwrap().parse::<f64>().unwrap())
            .sum();
        assert!((sum - q.accelerators as f64).abs() < 0.5, "{quarter}: {sum} vs {}", q.accelerators);
    }
}

#[test]
fn plan_charts_show_the_plan() {
    let (catalog, s, p) = planned("bytedance-2025.toml");
    let charts = plan_charts(&s, &catalog, &p);
    assert_eq!(charts.len(), 5 + if p.evaluation.is_some() { 5 } else { 0 });
    for chart in &charts {
        check(chart);
    }
    let added: u64 = p.purchases.iter().map(|h| h.accelerators).sum();
    let title = &find(&charts, "plan-purchases").title;
    assert!(title.starts_with(&format!("The plan adds {} accelerators", human(added as f64))), "{title}");
    let elements = check(find(&charts, "plan-purchases"));
    let drawn: f64 = marks(&elements).map(|m| m.attr("data-value").unwrap().parse::<f64>().unwrap()).sum();
    assert!((drawn - added as f64).abs() < 0.5, "{drawn} vs {added}");
    let spend = &find(&charts, "plan-spend-by-year").title;
    assert!(spend.starts_with(&money(p.spend_total, &p.currency)), "{spend}");
}

#[test]
fn compare_charts_convert_to_one_currency() {
    let (catalog, _, bd) = evaluated("bytedance-2025.toml").unwrap();
    let (_, _, quick) = evaluated("quickstart.toml").unwrap();
    assert_ne!(bd.currency, quick.currency, "the test needs two currencies");
    let charts = compare_charts(&[("bytedance", &bd), ("quickstart", &quick)], &catalog);
    assert_eq!(charts.len(), 4);
    for chart in &charts {
        check(chart);
    }
    let spend = &find(&charts, "compare-spend").title;
    let usd = bd.spend.total / bd.currency_per_usd;
    assert!(spend.contains(&money(usd, "USD")), "{spend}");
}

#[test]
fn sweep_and_simulation_charts_render() {
    let (catalog, s) = load("bytedance-2025.toml");
    let model = fleetplan_core::uncertainty::UncertaintyModel::from_scenario(&s, &catalog).unwrap();
    let settings = crate::api::sweep::sweep_settings(8, 7, fleetplan_engines::sweep::SweepMode::Evaluate);
    let result = fleetplan_engines::sweep::sweep(&s, &catalog, &model, &settings, &|| {}).unwrap();
    let j = result.output_index("spend_total").unwrap();
    let summary = SweepSummary::new(&s.name, &s.currency, &result, j);
    let charts = sweep_charts(&summary, &result);
    assert!(charts.len() >= 2 && charts[0].id == "sweep-tornado");
    for chart in &charts {
        check(chart);
    }
    let (catalog, s, e) = evaluated("quickstart.toml").unwrap();
    let opts = ScenarioSimOptions {
        workload: None,
        quarter: None,
        hours: 0.25,
        sample_fraction: None,
        request_budget: 3_000,
        routing: Routing::RoundRobin,
        failures: None,
        length_sigma: (None, None),
        sample_interval_s: Some(30.0),
    };
    let sim = build(&s, &catalog, &e, &opts).unwrap();
    let runs = fleetplan_engines::sim::scenario::run(&sim, 7, 2, &|_| {}).unwrap();
    let charts = scenario_simulation_charts(&catalog, &sim, &runs);
    let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "sim-ttft-percentiles",
            "sim-tpot-percentiles",
            "sim-ttft-distribution",
            "sim-tpot-distribution",
            "sim-queue",
            "sim-utilization"
        ]
    );
    for chart in &charts {
        let elements = check(chart);
        assert!(marks(&elements).count() > 0, "{}", chart.id);
    }
}

#[test]
#[ignore = "writes HTML pages to look at: FLEETPLAN_CHART_GALLERY=DIR (default /tmp/fleetplan-charts)"]
fn gallery() {
    let dir = PathBuf::from(std::env::var("FLEETPLAN_CHART_GALLERY").unwrap_or("/tmp/fleetplan-charts".into()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two charts a page, so that a screenshot of a page shows them at full size.
    let page = |name: &str, charts: &[Chart]| {
        for (k, part) in charts.chunks(2).enumerate() {
            let body: String = part.iter().map(|c| format!("<figure>{}</figure>\n", c.svg)).collect();
            let html = format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{{font-family:sans-serif;max-width:1000px;margin:1em auto}}svg{{max-width:100%;height:auto}}</style></head><body>{body}</body></html>"
            );
            std::fs::write(dir.join(format!("{name}-{}.html", k + 1)), html).unwrap();
        }
    };
    for name in EXAMPLES.iter().filter(|n| !n.starts_with("bytedance")) {
        if let Some((catalog, _, e)) = evaluated(name) {
            page(&format!("evaluation-{}", name.trim_end_matches(".toml")), &evaluation_charts(&e, &catalog));
        }
    }
    let (catalog, s, e) = evaluated("bytedance-2025.toml").unwrap();
    page("evaluation", &evaluation_charts(&e, &catalog));
    let (_, _, p) = planned("bytedance-2025.toml");
    page("plan", &plan_charts(&s, &catalog, &p));
    let (_, _, quick) = evaluated("quickstart.toml").unwrap();
    let planned_e = p.evaluation.clone().unwrap();
    page("compare", &compare_charts(&[("as held", &e), ("planned", &planned_e), ("quickstart", &quick)], &catalog));
    let model = fleetplan_core::uncertainty::UncertaintyModel::from_scenario(&s, &catalog).unwrap();
    let settings = crate::api::sweep::sweep_settings(24, 7, fleetplan_engines::sweep::SweepMode::Evaluate);
    let result = fleetplan_engines::sweep::sweep(&s, &catalog, &model, &settings, &|| {}).unwrap();
    let summary = SweepSummary::new(&s.name, &s.currency, &result, result.output_index("spend_total").unwrap());
    page("sweep", &sweep_charts(&summary, &result));
    let planned_s = p.scenario_with_fleet(&s);
    let opts = ScenarioSimOptions {
        workload: Some("doubao/deepseek-v3".into()),
        quarter: None,
        hours: 1.0,
        sample_fraction: None,
        request_budget: 20_000,
        routing: Routing::RoundRobin,
        failures: None,
        length_sigma: (None, None),
        sample_interval_s: Some(60.0),
    };
    let sim = build(&planned_s, &catalog, &planned_e, &opts).unwrap();
    let runs = fleetplan_engines::sim::scenario::run(&sim, 7, 2, &|_| {}).unwrap();
    page("simulate", &scenario_simulation_charts(&catalog, &sim, &runs));
}

#[test]
#[should_panic(expected = "closes")]
fn the_checker_catches_unbalanced_tags() {
    parse(r#"<svg class="fp-chart"><g><rect/></svg></g>"#);
}

#[test]
#[should_panic(expected = "without a <title>")]
fn the_checker_catches_a_mark_without_its_tooltip() {
    let svg = r#"<svg class="fp-chart" role="img" aria-label="t" viewBox="0 0 1 1"><rect class="fp-mark" data-series="a" data-x="b" data-value="1"/></svg>"#;
    check(&Chart::new("t", "t".into(), svg.into()));
}
