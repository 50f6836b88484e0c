//! Money the evaluator and the planner must count alike: a `price_usd` on a chip entry is per
//! accelerator (also when the catalog packages the chip in a default system), a fixed fleet's
//! cash spend per calendar year is checked against `[budget] per_year` and reported as
//! `spend_by_year`, and a data-centre build's capex is paid during its construction in both.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, validate};
use fleetplan_engines::eval::{Evaluation, ViolationKind, evaluate};
use fleetplan_engines::plan::{Plan, PlanOptions, plan};

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

fn scenario(text: &str) -> Scenario {
    validate("t.toml", text, &catalog()).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn run(s: &Scenario) -> Plan {
    let o = PlanOptions { explain: false, ..PlanOptions::default() };
    plan(s, &catalog(), &o).unwrap_or_else(|e| panic!("{e}"))
}

fn eval(s: &Scenario) -> Evaluation {
    evaluate(s, &catalog()).unwrap_or_else(|e| panic!("{e}"))
}

/// A chat app in `{REGION}` served from site `a`; `{Q}` quarters, `{SITE}` extra site lines,
/// `{HARDWARE}` the options or fleet, `{BUDGET}` extra budget lines.
const BASE: &str = r#"
[scenario]
name = "money"
currency = "USD"
start = "2025Q1"
quarters = {Q}
[buyer]
name = "b"
headquarters = "{HQ}"
[budget]
total = 1e11
{BUDGET}
[[site]]
id = "a"
region = "{REGION}"
{SITE}
{HARDWARE}
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
precision = "{PRECISION}"
daily_users = 2e7
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 100
growth_per_quarter = 0.0
user_regions = { {REGION} = 1.0 }
unserved_penalty = 1e6
"#;

fn us(quarters: u32, site: &str, hardware: &str, budget: &str) -> String {
    BASE.replace("{Q}", &quarters.to_string())
        .replace("{HQ}", "US")
        .replace("{REGION}", "us")
        .replace("{PRECISION}", "fp8")
        .replace("{SITE}", site)
        .replace("{HARDWARE}", hardware)
        .replace("{BUDGET}", budget)
}

/// Price per H100 given on a chip entry; the catalog packages the H100 in an 8-GPU HGX system
/// whose host costs more than this, so reading it per system priced the chips at 0.
const PRICE_USD: f64 = 25_000.0;

#[test]
fn a_chip_price_is_per_accelerator_in_the_evaluator() {
    let fleet = format!(
        "[[fleet]]\nchip = \"h100-sxm\"\nsite = \"a\"\nmode = \"buy\"\ncount = 1024\nfrom = \"2025Q1\"\nprice_usd = {PRICE_USD}\n"
    );
    let e = eval(&scenario(&us(4, "available_mw = 500", &fleet, "")));
    let holding = &e.holdings[0];
    assert_eq!(holding.system.as_deref(), Some("hgx-h100-8"), "the chip is priced in its default system");
    let capex = &holding.cost.capex_usd;
    assert!((capex.accelerators - 1024.0 * PRICE_USD).abs() < 1e-6 * capex.accelerators, "{capex:?}");
    // Hosts, network and storage come on top of the chips.
    assert!(capex.servers > 0.0 && capex.network > 0.0 && capex.storage > 0.0, "{capex:?}");
    assert!(capex.total() > 1024.0 * PRICE_USD);
    // The same price on a system entry is per 8-GPU system.
    let systems =
        fleet.replace("chip = \"h100-sxm\"", "system = \"hgx-h100-8\"").replace("count = 1024", "count = 128");
    let per_system = eval(&scenario(&us(4, "available_mw = 500", &systems, "")));
    let capex = &per_system.holdings[0].cost.capex_usd;
    let hardware = capex.accelerators + capex.servers;
    assert!((hardware - 128.0 * PRICE_USD).abs() < 1e-6 * hardware, "{capex:?}");
}

#[test]
fn a_chip_price_is_per_accelerator_in_the_planner() {
    let option = format!("[[option]]\nchip = \"h100-sxm\"\nsites = [\"a\"]\nmode = \"buy\"\nprice_usd = {PRICE_USD}\n");
    let p = run(&scenario(&us(4, "available_mw = 500", &option, "")));
    let bought: f64 = p.purchases.iter().map(|h| h.accelerators as f64).sum();
    assert!(bought > 0.0, "{:?}", p.purchases);
    // Cash of the first quarter: the purchase (chips at the price, hosts, network, storage)
    // and a quarter of opex, so more than the chips alone.
    let first = p.spend_by_quarter[0].1;
    assert!(first > bought * PRICE_USD, "{first} for {bought} chips at {PRICE_USD}");
    // And the planner's capex agrees with the evaluator's on the planned fleet.
    let e = p.evaluation.as_ref().expect("the plan is evaluated");
    let chips: f64 = e.holdings.iter().map(|h| h.cost.capex_usd.accelerators).sum();
    assert!((chips - bought * PRICE_USD).abs() < 1e-6 * chips, "{chips} vs {}", bought * PRICE_USD);
}

#[test]
fn a_year_over_its_cap_is_a_budget_violation_and_spend_is_reported_by_year() {
    let fleet = "[[fleet]]\nchip = \"h100-sxm\"\nsite = \"a\"\nmode = \"buy\"\ncount = 512\nfrom = \"2025Q1\"\n\
                 [[fleet]]\nchip = \"h100-sxm\"\nsite = \"a\"\nmode = \"buy\"\ncount = 1024\nfrom = \"2026Q2\"\n";
    let uncapped = eval(&scenario(&us(8, "available_mw = 500", fleet, "")));
    let by_year = &uncapped.spend_by_year;
    assert_eq!(by_year.keys().map(String::as_str).collect::<Vec<_>>(), ["2025", "2026"]);
    let sum: f64 = by_year.values().sum();
    assert!((sum - uncapped.spend.total).abs() < 1e-9 * sum, "{by_year:?} vs {}", uncapped.spend.total);
    let (y2025, y2026) = (by_year["2025"], by_year["2026"]);
    assert!(y2026 > y2025, "the larger purchase is in 2026: {by_year:?}");
    // Caps between the two years' spend: 2026 breaks its cap, 2025 keeps its own.
    let cap = 0.5 * (y2025 + y2026);
    let budget = format!("per_year = {{ 2025 = {cap}, 2026 = {cap} }}");
    let capped = eval(&scenario(&us(8, "available_mw = 500", fleet, &budget)));
    let years: Vec<_> = capped.violations.iter().filter(|v| v.subject.starts_with("budget.per_year")).collect();
    assert_eq!(years.len(), 1, "{years:?}");
    assert_eq!((years[0].kind, years[0].subject.as_str()), (ViolationKind::Budget, "budget.per_year.2026"));
    assert!(years[0].message.contains("2026") && !years[0].fix.is_empty(), "{:?}", years[0]);
    // Uncapped: no such violation.
    assert!(!uncapped.violations.iter().any(|v| v.subject.starts_with("budget.per_year")));
}

/// One site in China (lead time 15 months = 5 quarters) with no power at the start; the chips
/// need a build.
fn cn(quarters: u32) -> String {
    let option = "[[option]]\nchip = \"ascend-910c\"\nsites = [\"a\"]\nmode = \"buy\"\nprice_usd = 25000\n";
    BASE.replace("{Q}", &quarters.to_string())
        .replace("{HQ}", "CN")
        .replace("{REGION}", "cn")
        .replace("{PRECISION}", "bf16")
        .replace("{SITE}", "available_mw = 0\nbuildable_mw = 200")
        .replace("{HARDWARE}", option)
        .replace("{BUDGET}", "")
}

#[test]
fn a_planned_build_re_evaluates_with_the_planners_cash_per_quarter() {
    let s = scenario(&cn(12));
    let p = run(&s);
    assert!(!p.builds.is_empty(), "the plan builds");
    let e = eval(&p.scenario_with_fleet(&s));
    let built: f64 = e.sites.iter().map(|x| x.built_mw).sum();
    assert!(built > 0.0, "the evaluator builds too");
    // The construction is paid before the power comes online, in both.
    let first_online = p.builds.iter().map(|(_, q, _)| *q).min().unwrap();
    let total = p.spend_total;
    for ((quarter, planned), line) in p.spend_by_quarter.iter().zip(&e.spend.by_quarter) {
        assert_eq!(*quarter, line.quarter);
        if *quarter < first_online {
            assert!(line.buildings > 0.0, "{quarter}: the evaluator pays no construction before {first_online}");
        }
        // Within the planner's linearisation (network priced per accelerator, counts rounded
        // up to whole units).
        let tolerance = 0.05 * planned + 0.002 * total;
        assert!(
            (line.total() - planned).abs() <= tolerance,
            "{quarter}: planner {planned:.4e} vs evaluator {:.4e}",
            line.total()
        );
    }
}
