//! Serving rate of one (workload, chip) pair at the workload's SLO: LLM chat through the
//! inference engine's layout search (with the workload's serving engine, or the chip vendor's
//! default), image and video through the generation model.

use super::{Rate, RateLayout, RateProblem, ServingConfig};
use fleetplan_core::catalog::{Accelerator, Catalog, ChipId, IntervalKey, PerfFamily, PredictionMode};
use fleetplan_core::scenario::{ChatWorkload, GenerationWorkload, Workload, WorkloadSpec};
use fleetplan_core::units::Precision;
use fleetplan_models::error::PerfError;
use fleetplan_models::generation::generation_within;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{self, Configuration, InferenceQuery, LayoutResult, ServeMode, ServingStack, Slo};
use fleetplan_models::interval::Interval;

/// Rate of `workload` on chip `chip_id` at the workload's SLO (a zero rate with a
/// [`RateProblem`] when the pair cannot serve it).
pub fn rate(catalog: &Catalog, workload: &Workload, chip_id: &ChipId) -> Rate {
    let chip = &catalog[chip_id];
    let Ok(family) = catalog.perf_family(&chip.perf_family) else {
        return Rate::zero(
            &workload.id,
            chip_id.as_str(),
            Precision::Bf16,
            RateProblem::NoPerfFamily { chip: chip_id.to_string() },
        );
    };
    match &workload.spec {
        WorkloadSpec::Chat(chat) => chat_rate(catalog, &workload.id, chat, chip_id),
        WorkloadSpec::Image(generation) | WorkloadSpec::Video(generation) => {
            generation_rate(catalog, &workload.id, generation, chip, family)
        }
        WorkloadSpec::Training(_) => {
            Rate::zero(&workload.id, chip_id.as_str(), Precision::Bf16, RateProblem::TrainingNotServed)
        }
    }
}

/// Chat: the serving configuration with the fewest chip-seconds per request at the workload's
/// SLO ([`infer::best_configuration`]: aggregated instances of every size up to and across the
/// scale-up domain and, where the serving engine runs it, disaggregated prefill/decode pools),
/// at its best operating point. The workload's serving engine (or the chip vendor's default)
/// sets the running-request cap, step overhead and the layouts searched; an engine that does
/// not run on the chip gives a zero rate saying so.
fn chat_rate(catalog: &Catalog, workload_id: &str, chat: &ChatWorkload, chip_id: &ChipId) -> Rate {
    let chip = &catalog[chip_id];
    let precision = serving_precision(chip, chat.precision);
    let query = match chat_query(catalog, chat, chip_id, precision) {
        Ok(query) => query,
        Err(e) => return Rate::zero(workload_id, &chip.id, precision, e.into()),
    };
    // The aggregated and disaggregated searches run side by side.
    let found = match infer::best_configuration_with(&query, |a, b| rayon::join(a, b), |p, d| rayon::join(p, d)) {
        Ok(found) => found,
        Err(e) => {
            let problem = RateProblem::NoInstanceMeetsSlo {
                model: chat.model.to_string(),
                chip: chip.id.clone(),
                last_error: Some(e),
            };
            return Rate::zero(workload_id, &chip.id, precision, problem);
        }
    };
    let serving = ServingConfig::of(&found.configuration);
    let input_cost_share = match &found.configuration {
        Configuration::Aggregated(pool) => {
            prefill_chip_share(&InferenceQuery { chips: pool.instance_chips, ..query }, &pool.result)
        }
        Configuration::Disaggregated { prefill_chip_share, .. } => *prefill_chip_share,
    };
    let (instance_chips, layout) = serving.decode_instance();
    Rate {
        workload: workload_id.to_string(),
        chip: chip.id.clone(),
        precision: precision.as_str().to_string(),
        per_chip_per_s: found.output_tokens_per_s_per_chip,
        input_per_chip_per_s: found.input_tokens_per_s_per_chip,
        input_cost_share,
        instance_chips,
        layout: RateLayout::Parallel(layout),
        serving: Some(serving),
        ttft_p99_ms: Some(found.ttft_p99_ms),
        tpot_p99_ms: Some(found.tpot_p99_ms),
        latency_s: None,
        problem: None,
    }
}

/// The inference question of a chat workload on a chip at `precision`: the model, the chip's
/// rates, the serving stack (the workload's engine or the chip vendor's default) with its
/// default KV precision, the request shape and the SLO; the chip count and mode are set by the
/// configuration search. The one home of this translation for the rating and the simulator.
pub fn chat_query<'a>(
    catalog: &'a Catalog,
    chat: &ChatWorkload,
    chip_id: &ChipId,
    precision: Precision,
) -> Result<InferenceQuery<'a>, PerfError> {
    let rates = ChipRates::of_chip(catalog, chip_id, precision)?;
    let stack = ServingStack::for_chip(catalog, chat.engine.as_ref(), chat.engine_version.as_deref(), chip_id)?;
    Ok(InferenceQuery {
        model: &catalog[&chat.model],
        rates,
        stack,
        // The engine's own default (vLLM, SGLang: the model's 16-bit dtype), as `validate` and `perf` use.
        kv_precision: stack.default_kv_precision(precision),
        chips: 1,
        request: infer::RequestShape::for_chat(chat),
        mode: ServeMode::Server,
        slo: Slo { ttft_p99_ms: Some(chat.ttft_p99_ms), tpot_p99_ms: Some(chat.tpot_p99_ms) },
    })
}

/// Share of chip time a disaggregated deployment of the same layout would spend on prompts
/// (for cost per input token); 0 when it cannot be computed.
fn prefill_chip_share(query: &InferenceQuery<'_>, found: &LayoutResult) -> f64 {
    let no_limits = Slo::default();
    query
        .engine(found.layout)
        .ok()
        .and_then(|engine| {
            let prefill =
                infer::best_for_layout(&engine, &query.request, ServeMode::Prefill, &no_limits, query.chips, None)
                    .ok()?;
            let decode =
                infer::best_for_layout(&engine, &query.request, ServeMode::Decode, &no_limits, query.chips, None)
                    .ok()?;
            Some(
                infer::disaggregated(
                    &query.request,
                    prefill.best.input_tokens_per_s_per_chip,
                    decode.best.output_tokens_per_s_per_chip,
                )
                .prefill_chip_share,
            )
        })
        .filter(|share| share.is_finite())
        .unwrap_or(0.0)
}

/// Image and video: the largest batch that meets the p99 target (a batch of one when none does).
fn generation_rate(
    catalog: &Catalog,
    workload_id: &str,
    generation: &GenerationWorkload,
    chip: &Accelerator,
    family: &PerfFamily,
) -> Rate {
    let precision = Precision::Bf16;
    let model = &catalog[&generation.model];
    let result = ChipRates::new(chip, family, precision)
        .and_then(|chip_rates| generation_within(model, &chip_rates, generation.steps, generation.latency_p99_s));
    match result {
        Ok(found) => Rate {
            workload: workload_id.to_string(),
            chip: chip.id.clone(),
            precision: precision.as_str().to_string(),
            per_chip_per_s: found.items_per_s_per_chip,
            input_per_chip_per_s: 0.0,
            input_cost_share: 0.0,
            instance_chips: 1,
            layout: RateLayout::Batch(found.batch),
            serving: None,
            ttft_p99_ms: None,
            tpot_p99_ms: None,
            latency_s: Some(found.batch_latency_s),
            problem: generation.latency_p99_s.filter(|target_s| found.batch_latency_s > *target_s).map(|target_s| {
                RateProblem::OverLatencyTarget {
                    batch: found.batch,
                    chip: chip.id.clone(),
                    batch_latency_s: found.batch_latency_s,
                    target_s,
                }
            }),
        },
        Err(e) => Rate::zero(workload_id, &chip.id, precision, e.into()),
    }
}

/// The precision a chat workload runs at on `chip`: its own when the chip has that rate; an
/// 8-bit request on a chip without FP8 but with INT8 (Ascend 910B/910C) runs W8A8 INT8, as
/// Huawei's DeepSeek deployments do; anything else falls back to BF16.
fn serving_precision(chip: &Accelerator, wanted: Precision) -> Precision {
    if chip.dense_tflops(wanted).is_some() {
        wanted
    } else if wanted.weight_bits() <= 8 && chip.dense_tflops(Precision::Int8).is_some() {
        Precision::Int8
    } else {
        Precision::Bf16
    }
}

/// `rate` at the low end of its 80 % prediction interval (`[performance] capacity = "low"`):
/// chat rates use the interval of their class (the chip's perf family, dense or MoE inference,
/// the workload's engine or the chip vendor's default, server mode), image and video rates the root interval (no calibration
/// class of their own). Output and input rates scale together; a zero rate stays zero.
pub(super) fn at_low_end(catalog: &Catalog, workload: &Workload, mut rate: Rate) -> Rate {
    if !(rate.per_chip_per_s.is_finite() && rate.per_chip_per_s > 0.0) {
        return rate;
    }
    let entry = match (&workload.spec, catalog.accelerator(&rate.chip)) {
        (WorkloadSpec::Chat(chat), Ok(chip)) => catalog.interval_for(&catalog.prediction_class(
            chip,
            catalog[&chat.model].is_moe(),
            PredictionMode::Server,
            chat.engine.as_ref().map(|e| catalog[e].id.as_str()),
        )),
        _ => catalog.interval(&IntervalKey::all()),
    };
    if let Some(entry) = entry {
        let factor = Interval::around(entry, 1.0, true).low;
        rate.per_chip_per_s *= factor;
        rate.input_per_chip_per_s *= factor;
    }
    rate
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetplan_core::scenario::validate;

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
model = "llama-3.1-8b"
precision = "fp8"
daily_users = 1e6
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 400
ttft_p99_ms = 2000
tpot_p99_ms = 100
"#;

    fn chat_rate_of(engine_lines: &str, chip: &str) -> Rate {
        let catalog = Catalog::builtin().unwrap();
        let scenario = validate("t.toml", &format!("{SCENARIO}{engine_lines}\n"), &catalog).unwrap();
        rate(&catalog, &scenario.workloads[0], &catalog.resolve_chip(chip).unwrap())
    }

    #[test]
    fn the_workloads_engine_sets_the_stack_and_the_default_is_the_vendors() {
        let default = chat_rate_of("", "h100-sxm");
        let trtllm = chat_rate_of("engine = \"trtllm\"", "h100-sxm");
        assert!(default.problem.is_none() && default.per_chip_per_s > 0.0);
        assert_eq!(default.per_chip_per_s, trtllm.per_chip_per_s);
        // vLLM 0.6: 256 running requests and 1 ms more per step than TensorRT-LLM's stack.
        let old_vllm = chat_rate_of("engine = \"vllm\"\nengine_version = \"0.6.0\"", "h100-sxm");
        assert!(old_vllm.per_chip_per_s > 0.0 && old_vllm.per_chip_per_s < trtllm.per_chip_per_s);
    }

    #[test]
    fn an_eight_bit_workload_runs_int8_on_a_chip_without_fp8() {
        let catalog = Catalog::builtin().unwrap();
        let ascend = &catalog[&catalog.resolve_chip("ascend-910c").unwrap()];
        let h100 = &catalog[&catalog.resolve_chip("h100-sxm").unwrap()];
        assert_eq!(serving_precision(ascend, Precision::Fp8), Precision::Int8);
        assert_eq!(serving_precision(h100, Precision::Fp8), Precision::Fp8);
        assert_eq!(serving_precision(ascend, Precision::Fp4), Precision::Int8);
        let rate = chat_rate_of("", "ascend-910c");
        assert_eq!(rate.precision, "int8");
    }

    #[test]
    fn an_engine_that_does_not_run_on_the_chip_gives_no_rate() {
        let rate = chat_rate_of("engine = \"trtllm\"", "mi300x");
        assert_eq!(rate.per_chip_per_s, 0.0);
        let problem = rate.problem.map(|p| p.to_string()).unwrap_or_default();
        assert!(problem.contains("does not run on AMD chips"), "{problem}");
    }
}
