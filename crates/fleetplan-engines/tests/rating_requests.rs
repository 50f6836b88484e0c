//! The serving rate of a chat workload sees its request settings (output spread, beams, MTP)
//! and its engine's KV-cache default, the same one `perf infer` and `validate` use.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Workload, WorkloadSpec, validate};
use fleetplan_core::units::Precision;
use fleetplan_engines::rating::rate;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{self, InferenceQuery, RequestShape, ServeMode, ServingStack, Slo};

const SCENARIO: &str = r#"
[scenario]
name = "t"
currency = "USD"
start = "2025Q1"
quarters = 2
[buyer]
name = "b"
headquarters = "US"
[budget]
total = 1e9
[[site]]
id = "s1"
region = "us"
available_mw = 10
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-70b"
precision = "fp8"
daily_users = 1e6
requests_per_user_per_day = 10
input_tokens_per_request = 2000
output_tokens_per_request = 1000
ttft_p99_ms = 3000
tpot_p99_ms = 60
"#;

fn workload(catalog: &Catalog, lines: &str) -> Workload {
    let text = format!("{SCENARIO}{lines}\n");
    let scenario = validate("t.toml", &text, catalog).unwrap_or_else(|d| panic!("{d:#?}"));
    scenario.workloads[0].clone()
}

fn per_chip(catalog: &Catalog, lines: &str) -> f64 {
    let chip = catalog.resolve_chip("h100-sxm").unwrap();
    let r = rate(catalog, &workload(catalog, lines), &chip);
    assert!(r.problem.is_none(), "{lines}: {:?}", r.problem);
    r.per_chip_per_s
}

#[test]
fn beams_spread_and_drafts_change_the_rate() {
    let catalog = Catalog::builtin().unwrap();
    let plain = per_chip(&catalog, "");
    let beams = per_chip(&catalog, "beams = 4");
    assert!(beams < 0.8 * plain, "4 beams {beams} vs 1 beam {plain}");
    let spread = per_chip(&catalog, "output_tokens_cv = 2.0");
    assert!(spread < plain, "cv 2 {spread} vs equal lengths {plain}");
    let mtp = per_chip(&catalog, "mtp_draft_tokens = 2\nmtp_acceptance = 0.8");
    assert!(mtp > plain, "MTP {mtp} vs none {plain}");
}

#[test]
fn a_named_vllm_keeps_a_16_bit_kv_cache_like_validate() {
    let catalog = Catalog::builtin().unwrap();
    let chip = catalog.resolve_chip("h100-sxm").unwrap();
    let named = workload(&catalog, "engine = \"vllm\"");
    let WorkloadSpec::Chat(chat) = &named.spec else { panic!("chat") };
    let stack = ServingStack::for_chip(&catalog, chat.engine.as_ref(), None, &chip).unwrap();
    assert_eq!(stack.default_kv_precision(Precision::Fp8), Precision::Bf16);
    // The rating's figure is the configuration search at the stack's KV default, not at an
    // 8-bit cache.
    let searched = |kv_precision| {
        let query = InferenceQuery {
            model: &catalog[&chat.model],
            rates: ChipRates::of_chip(&catalog, &chip, Precision::Fp8).unwrap(),
            stack,
            kv_precision,
            chips: catalog[&chip].scaleup_domain,
            request: RequestShape::for_chat(chat),
            mode: ServeMode::Server,
            slo: Slo { ttft_p99_ms: Some(chat.ttft_p99_ms), tpot_p99_ms: Some(chat.tpot_p99_ms) },
        };
        infer::best_configuration(&query).unwrap().output_tokens_per_s_per_chip
    };
    let rated = rate(&catalog, &named, &chip).per_chip_per_s;
    assert_eq!(rated, searched(Precision::Bf16));
    assert_ne!(rated, searched(Precision::Fp8));
}
