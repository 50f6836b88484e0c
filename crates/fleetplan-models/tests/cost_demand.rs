//! Demand model against hand calculations: 75 M daily users, image and video apps, residency,
//! training chips by deadline.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, WorkloadSpec, validate};
use fleetplan_models::demand::*;

const SCENARIO: &str = r#"
[scenario]
name = "demand"
currency = "USD"
start = "2025Q1"
quarters = 4
[buyer]
name = "b"
headquarters = "CN"
[budget]
total = 1e9
[[site]]
id = "s1"
region = "cn"
available_mw = 10
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
daily_users = 75e6
requests_per_user_per_day = 8
input_tokens_per_request = 1500
output_tokens_per_request = 400
ttft_p99_ms = 2000
tpot_p99_ms = 80
growth_per_quarter = 0.32
user_regions = { cn = 0.8, sg = 0.2 }
diurnal = [2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 7, 6, 6, 6, 6, 7, 8, 9, 9, 7, 4]
[[workload]]
id = "clips"
kind = "video"
model = "wan2.1-t2v-14b"
items_per_day = 864000
user_regions = { cn = 1.0 }
[[workload]]
id = "run"
kind = "training"
model = "llama-3.1-8b"
tokens = 1e12
seq_len = 4096
start = 2025-04-01
deadline = 2025-06-30
"#;

fn scenario(catalog: &Catalog) -> Scenario {
    validate("demand.toml", SCENARIO, catalog).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn seventy_five_million_daily_users_match_hand_calculation() {
    let catalog = Catalog::builtin().unwrap();
    let s = scenario(&catalog);
    let demand = serving_demand(&s.workloads, &catalog, s.start, s.quarters);
    let chat: Vec<_> = demand.iter().filter(|d| d.workload == "chat").collect();
    assert_eq!(chat.len(), 8, "2 regions × 4 quarters");
    // 75 M users × 8 requests × 400 output tokens / 86,400 s = 2,777,777.8 output tokens/s;
    // × 1,500 / 400 for input = 10,416,666.7 input tokens/s.
    let out = 75e6 * 8.0 * 400.0 / 86_400.0;
    let inp = 75e6 * 8.0 * 1500.0 / 86_400.0;
    assert!(close(out, 2_777_777.777_777_8));
    // Profile sums to 119, peaks at 9: peak / mean = 9 × 24 / 119.
    let peak = 9.0 * 24.0 / 119.0;
    let cn_q1 = chat.iter().find(|d| d.region == "cn" && d.quarter.to_string() == "2025Q1").unwrap();
    assert!(close(cn_q1.mean_per_s, 0.8 * out), "{}", cn_q1.mean_per_s);
    assert!(close(cn_q1.mean_input_tokens_per_s, 0.8 * inp));
    assert!(close(cn_q1.peak_per_s, 0.8 * out * peak));
    assert!(close(cn_q1.peak_input_tokens_per_s, 0.8 * inp * peak));
    // Growth 32 % per quarter: Q4 is 1.32³ × Q1.
    let sg_q4 = chat.iter().find(|d| d.region == "sg" && d.quarter.to_string() == "2025Q4").unwrap();
    assert!(close(sg_q4.mean_per_s, 0.2 * out * 1.32_f64.powi(3)));
    assert!(close(sg_q4.peak_per_s, 0.2 * out * 1.32_f64.powi(3) * peak));
    // Daily tokens: 75 M × 8 × 400 = 240 bn output tokens a day.
    let daily: f64 = chat.iter().filter(|d| d.quarter == s.start).map(|d| d.mean_per_s * 86_400.0).sum();
    assert!(close(daily, 240e9));
}

#[test]
fn video_items_become_items_and_video_seconds_per_second() {
    let catalog = Catalog::builtin().unwrap();
    let s = scenario(&catalog);
    let demand = serving_demand(&s.workloads, &catalog, s.start, s.quarters);
    let clip = catalog.diffusion("wan2.1-t2v-14b").unwrap().clip_seconds.unwrap();
    let q1 = demand.iter().find(|d| d.workload == "clips" && d.quarter == s.start).unwrap();
    // 864,000 clips a day = 10 clips/s; no profile given → the catalog default profile.
    assert!(close(q1.mean_per_s, 10.0));
    assert!(close(q1.mean_video_s_per_s, 10.0 * clip));
    let default = catalog.costs.diurnal_profile("default").unwrap();
    let sum: f64 = default.hourly_weights.iter().sum();
    let max = default.hourly_weights.iter().copied().fold(0.0, f64::max);
    assert!(close(q1.peak_per_s, 10.0 * max * 24.0 / sum));
}

#[test]
fn training_needs_chips_by_deadline() {
    let catalog = Catalog::builtin().unwrap();
    let s = scenario(&catalog);
    let WorkloadSpec::Training(run) = &s.workloads[2].spec else { panic!("training") };
    // 2025-04-01 to 2025-06-30 inclusive = 91 days = 7,862,400 s; 1e12 tokens → 127,187.2 tokens/s;
    // at 1,000 tokens/s per chip → 128 chips.
    let need = training_need(run, 1000.0).unwrap();
    assert!(close(need.window_s, 91.0 * 86_400.0));
    assert!(close(need.tokens_per_s_needed, 1e12 / (91.0 * 86_400.0)));
    assert_eq!(need.chips_needed, 128);
    assert!(training_need(run, 0.0).is_none());
}

#[test]
fn residency_keeps_chinese_users_in_china_unless_cross_border() {
    let catalog = Catalog::builtin().unwrap();
    let cn = catalog.region("cn").unwrap();
    let sg = catalog.region("sg").unwrap();
    let my = catalog.region("my-johor").unwrap();
    assert!(may_serve(cn, cn, false));
    assert!(!may_serve(cn, sg, false));
    assert!(!may_serve(sg, cn, false));
    assert!(may_serve(sg, my, false));
    assert!(may_serve(cn, sg, true));
}
