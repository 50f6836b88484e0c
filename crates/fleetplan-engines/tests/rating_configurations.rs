//! The serving configuration the rating chooses is the cheapest `perf infer` can find: for every
//! chat workload × chip of the examples, its output tokens/s per chip (chip-seconds per request
//! at the workload's token mix) is at least that of the best configuration found with the
//! functions `perf infer` runs — `infer::search` at every instance size (server mode), and,
//! where the engine runs P/D disaggregation, the best prefill pool (`--scenario prefill`) and
//! the best decode pool (`--scenario decode`) over every size, combined by
//! `infer::disaggregated`. And the issue's case: a DeepSeek-V3-size MoE on H20 is served
//! disaggregated, well above its best aggregated instance.

use fleetplan_core::catalog::{Catalog, ChipId};
use fleetplan_core::scenario::{Scenario, WorkloadSpec, validate};
use fleetplan_core::units::Precision;
use fleetplan_engines::rating::{Rate, ServingConfig, chat_query, rate};
use fleetplan_models::infer::{self, InferenceQuery, ServeMode, Slo};

/// Chips a scenario may serve from: its options' and its fleet's.
fn chips(scenario: &Scenario) -> Vec<ChipId> {
    let mut chips: Vec<ChipId> = scenario
        .options
        .iter()
        .map(|o| o.hardware.chip.clone())
        .chain(scenario.fleet.iter().map(|h| h.hardware.chip.clone()))
        .collect();
    chips.sort();
    chips.dedup();
    chips
}

/// Best output tokens/s per chip `perf infer`'s search finds for `query` at any size: the best
/// aggregated instance, and (where the stack runs it) the best prefill and decode pools combined.
fn best_perf_infer_finds(query: &InferenceQuery<'_>) -> f64 {
    let best = |mode: ServeMode, slo: Slo| {
        infer::instance_sizes(query.rates.scaleup_domain as u32)
            .into_iter()
            .filter_map(|chips| infer::search(&InferenceQuery { chips, mode, slo, ..*query }).ok())
            .map(|found| mode.throughput_per_chip(&found.best))
            .fold(0.0_f64, f64::max)
    };
    let aggregated = best(ServeMode::Server, query.slo);
    if !query.stack.pd_disaggregation {
        return aggregated;
    }
    let prefill = best(ServeMode::Prefill, query.slo);
    let decode = best(ServeMode::Decode, query.slo);
    let disaggregated = if prefill > 0.0 && decode > 0.0 {
        infer::disaggregated(&query.request, prefill, decode).output_tokens_per_s_per_chip
    } else {
        0.0
    };
    aggregated.max(disaggregated)
}

fn precision_of(rate: &Rate) -> Precision {
    rate.precision.parse().unwrap()
}

#[test]
fn every_example_chat_pair_is_rated_at_the_best_configuration_perf_infer_finds() {
    let catalog = Catalog::builtin().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut checked = 0;
    for path in files.iter().filter(|p| p.extension().is_some_and(|x| x == "toml")) {
        let text = std::fs::read_to_string(path).unwrap();
        let scenario = validate(&path.display().to_string(), &text, &catalog).unwrap();
        for workload in &scenario.workloads {
            let WorkloadSpec::Chat(chat) = &workload.spec else { continue };
            for chip in chips(&scenario) {
                let rated = rate(&catalog, workload, &chip);
                let Ok(query) = chat_query(&catalog, chat, &chip, precision_of(&rated)) else { continue };
                let best = best_perf_infer_finds(&query);
                let name = format!("{} {} on {chip}", path.display(), workload.id);
                assert!(
                    rated.per_chip_per_s >= best * (1.0 - 1e-9),
                    "{name}: rated {} < perf infer's best {best} ({:?})",
                    rated.per_chip_per_s,
                    rated.serving
                );
                assert_eq!(rated.problem.is_none(), best > 0.0, "{name}: {:?}", rated.problem);
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} pairs checked");
}

const DOUBAO: &str = r#"
[scenario]
name = "t"
currency = "USD"
start = "2025Q1"
quarters = 1
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
id = "doubao"
kind = "chat"
model = "deepseek-v3"
precision = "fp8"
daily_users = 1e6
requests_per_user_per_day = 8
input_tokens_per_request = 1500
output_tokens_per_request = 400
ttft_p99_ms = 2000
tpot_p99_ms = 80
"#;

#[test]
fn deepseek_v3_on_h20_is_served_disaggregated_above_its_best_aggregated_instance() {
    let catalog = Catalog::builtin().unwrap();
    let scenario = validate("t.toml", DOUBAO, &catalog).unwrap();
    let workload = &scenario.workloads[0];
    let WorkloadSpec::Chat(chat) = &workload.spec else { panic!("chat") };
    let h20 = catalog.resolve_chip("h20").unwrap();
    let rated = rate(&catalog, workload, &h20);
    let Some(ServingConfig::Disaggregated { prefill_chip_share, decode_chips, .. }) = rated.serving else {
        panic!("not disaggregated: {:?}", rated.serving)
    };
    assert!(prefill_chip_share > 0.0 && prefill_chip_share < 1.0 && decode_chips >= 16);
    let query = chat_query(&catalog, chat, &h20, Precision::Fp8).unwrap();
    let aggregated = infer::best_aggregated(&query).unwrap().output_tokens_per_s_per_chip;
    assert!(rated.per_chip_per_s > 1.2 * aggregated, "{} vs aggregated {aggregated}", rated.per_chip_per_s);
    // The input cost share is the prefill pool's share of the chips.
    assert_eq!(rated.input_cost_share, prefill_chip_share);
    // An engine without P/D disaggregation (JetStream does not run on H20; vLLM 0.8 predates it
    // in the catalog) is rated at its best aggregated instance.
    let old =
        validate("t.toml", &format!("{DOUBAO}engine = \"vllm\"\nengine_version = \"0.8.0\"\n"), &catalog).unwrap();
    let rated_old = rate(&catalog, &old.workloads[0], &h20);
    assert!(matches!(rated_old.serving, Some(ServingConfig::Aggregated { .. })), "{:?}", rated_old.serving);
}

#[test]
fn a_prefix_cache_raises_the_rate_of_a_prefill_heavy_workload() {
    let catalog = Catalog::builtin().unwrap();
    let h20 = catalog.resolve_chip("h20").unwrap();
    let per_chip = |lines: &str| {
        let scenario = validate("t.toml", &format!("{DOUBAO}{lines}\n"), &catalog).unwrap();
        rate(&catalog, &scenario.workloads[0], &h20).per_chip_per_s
    };
    let (none, half) = (per_chip(""), per_chip("cached_input_fraction = 0.5"));
    assert!(half > 1.1 * none, "cached 0.5: {half} vs none: {none}");
}
