//! Fleet evaluation end to end: the ByteDance example, export-control flags with their rule,
//! power and budget violations, coverage and cost per token.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::policy::VerdictKind;
use fleetplan_core::scenario::{Scenario, validate};
use fleetplan_engines::eval::{ViolationKind, evaluate};

fn load(text: &str) -> (Scenario, Catalog) {
    let catalog = Catalog::builtin().expect("catalog");
    let s = validate("t.toml", text, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    (s, catalog)
}

const BYTEDANCE: &str = include_str!("../../../examples/bytedance-2025.toml");

const SMALL: &str = r#"
[scenario]
name = "small"
currency = "CNY"
start = "2025Q1"
quarters = 4
[buyer]
name = "b"
headquarters = "CN"
[fx]
CNY = 7.2
[budget]
total = 5e9
[[budget.share]]
group = "overseas"
regions = ["sg"]
min = 0.4
max = 0.6
[[site]]
id = "cn-1"
region = "cn"
available_mw = 2
[[site]]
id = "sg-1"
region = "sg"
available_mw = 5
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
daily_users = 1e6
requests_per_user_per_day = 5
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 100
user_regions = { cn = 1.0 }
[[fleet]]
chip = "h100-sxm"
site = "cn-1"
count = 256
mode = "buy"
from = "2025Q1"
[[fleet]]
chip = "h20"
site = "cn-1"
count = 64
mode = "buy"
from = "2024Q4"
[[fleet]]
chip = "h20"
site = "cn-1"
count = 8
mode = "buy"
from = "2025Q3"
"#;

#[test]
fn h100_owned_in_china_by_china_hq_buyer_is_flagged_with_its_rule() {
    let (s, c) = load(SMALL);
    let e = evaluate(&s, &c).unwrap();
    let h100 = e.holdings.iter().find(|h| h.chip == "h100-sxm").unwrap();
    let worst = h100.worst().unwrap();
    assert_ne!(worst.verdict, VerdictKind::Allowed, "{worst:#?}");
    let rule = worst.rule.as_deref().expect("deciding rule named");
    assert!(!rule.is_empty());
    let flagged: Vec<_> = e
        .violations
        .iter()
        .filter(|v| v.kind == ViolationKind::ExportControl && v.subject.contains("h100-sxm"))
        .collect();
    // An owned holding is judged once, at acquisition, and flagged once.
    assert_eq!(flagged.len(), 1, "flagged once at acquisition: {flagged:#?}");
    assert_eq!(h100.compliance.len(), 4, "verdict carried through every quarter in service");
    assert!(h100.compliance.iter().all(|c| c.verdict == worst.verdict));
    assert!(flagged[0].message.contains(rule), "{}", flagged[0].message);
    assert!(!flagged[0].fix.is_empty());
    // The H20 bought in 2024Q4 (before the April 2025 licence requirement) stays allowed in
    // every quarter, including after the rule: export controls bite at acquisition.
    let h20 = e.holdings.iter().find(|h| h.chip == "h20").unwrap();
    assert!(h20.compliance.iter().all(|c| c.verdict == VerdictKind::Allowed), "{:#?}", h20.compliance);
    // An H20 bought in 2025Q3, after the April 2025 rule, needs a licence.
    let late = e.holdings.iter().filter(|h| h.chip == "h20").nth(1).unwrap();
    assert_eq!(late.compliance[0].verdict, VerdictKind::LicenceRequired, "{:#?}", late.compliance);
}

#[test]
fn small_fleet_spend_power_and_shares_are_consistent() {
    let (s, c) = load(SMALL);
    let e = evaluate(&s, &c).unwrap();
    // Only the H100s are bought inside the horizon (Q1): their capex is Q1's capex.
    let h100 = e.holdings.iter().find(|h| h.chip == "h100-sxm").unwrap();
    let q1 = &e.spend.by_quarter[0];
    let capex_q1 = q1.accelerators + q1.servers + q1.network + q1.storage;
    assert!((capex_q1 - 7.2 * h100.cost.capex_usd.total()).abs() < 1e-3 * capex_q1);
    // Nothing is spent in Singapore: the overseas share (40-60 %) is violated.
    assert!(e.violations.iter().any(|v| v.kind == ViolationKind::BudgetShare), "{:#?}", e.violations);
    // 256 H100 + 64 H20 with hosts draw more than 2 MW? (256 × ~1.3 kW + 64 × ~0.7 kW ≈ 0.38 MW: no.)
    assert!(e.sites.iter().filter(|x| x.site == "cn-1").all(|x| x.it_mw < 2.0));
    assert!(!e.violations.iter().any(|v| v.kind == ViolationKind::Power));
    // Demand is served in China and cost per token is finite and positive.
    let w = &e.workloads[0];
    assert!(w.coverage_peak > 0.999, "{w:#?}");
    let out = w.cost_per_million_output_tokens.unwrap();
    let inp = w.cost_per_million_input_tokens.unwrap();
    assert!(out > 0.0 && out.is_finite() && inp > 0.0 && inp.is_finite(), "{out} {inp}");
    assert!(w.headroom > 0.0);
    // Yearly TCO adds depreciation and opex.
    assert_eq!(e.yearly.len(), 1);
    assert!(e.yearly[0].tco() > 0.0 && e.yearly[0].tco2 > 0.0);
}

#[test]
fn power_shortfall_and_unserved_demand_are_flagged_with_fixes() {
    let text =
        SMALL.replace("available_mw = 2", "available_mw = 0.1").replace("daily_users = 1e6", "daily_users = 5e8");
    let (s, c) = load(&text);
    let e = evaluate(&s, &c).unwrap();
    let power: Vec<_> = e.violations.iter().filter(|v| v.kind == ViolationKind::Power).collect();
    assert!(!power.is_empty());
    assert!(power.iter().all(|v| !v.fix.is_empty()));
    let demand: Vec<_> = e.violations.iter().filter(|v| v.kind == ViolationKind::Demand).collect();
    assert!(!demand.is_empty());
    assert!(demand[0].fix.contains("accelerators"), "{}", demand[0].fix);
    assert!(e.workloads[0].coverage_peak < 1.0);
}

#[test]
fn bytedance_example_evaluates_end_to_end() {
    let (s, c) = load(BYTEDANCE);
    let t = std::time::Instant::now();
    let e = evaluate(&s, &c).unwrap();
    eprintln!("evaluated in {:?}", t.elapsed());
    assert_eq!(e.quarters.len(), 12);
    assert_eq!(e.holdings.len(), s.fleet.len());
    assert!(e.spend.total > 0.0);
    assert!(e.workloads.iter().any(|w| w.workload.starts_with("doubao/") && w.capacity_per_s > 0.0), "{:#?}", e.rates);
    assert_eq!(e.training.len(), 9);
    // serde_json writes non-finite numbers as null: every float must be finite.
    let text = format!("{e:?}");
    assert!(!text.contains("NaN") && !text.contains("inf,") && !text.contains("inf }"), "non-finite value");
    for v in &e.violations {
        eprintln!("{:?} {:?} {}: {} -> {}", v.kind, v.quarter.map(|q| q.to_string()), v.subject, v.message, v.fix);
    }
    for w in &e.workloads {
        eprintln!(
            "{} {} cap {:.3e} dem {:.3e} cov {:.3} out {:?} in {:?} item {:?}",
            w.workload,
            w.quarter,
            w.capacity_per_s,
            w.demand_peak_per_s,
            w.coverage_peak,
            w.cost_per_million_output_tokens,
            w.cost_per_million_input_tokens,
            w.cost_per_item
        );
    }
    eprintln!("{:#?}", e.training);
    eprintln!("{:#?}", e.spend.groups);
    eprintln!("spend {:.3e} budget {:.3e}", e.spend.total, e.spend.budget);
}
