//! The disaggregated side of the configuration search queues as the aggregated server mode
//! does: a prefill pool's p99 TTFT is its queueing wait (M/M/c, Erlang C) plus its prefill plus
//! the KV-cache transfer to the decode pool, so it must run below saturation to meet a TTFT
//! limit; a decode pool under a TTFT limit keeps a free slot for 99 % of arrivals.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::units::Precision;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{self, InferenceEngine, Layout, LayoutResult, RequestShape, ServeMode, Slo};

fn engine_with(catalog: &Catalog, scaleout_scale: f64) -> InferenceEngine {
    let mut rates = ChipRates::from_catalog(catalog, "h100-sxm", Precision::Fp8).unwrap();
    rates.scaleout_bw *= scaleout_scale;
    let model = catalog.llm("llama-3.1-70b").unwrap();
    InferenceEngine::new(model, rates, Precision::Fp8, Layout { tp: 8, pp: 1, dp: 1, ep: 1 }).unwrap()
}

fn pool(engine: &InferenceEngine, request: &RequestShape, mode: ServeMode, slo: Slo) -> LayoutResult {
    infer::best_for_layout(engine, request, mode, &slo, 8, None).unwrap()
}

fn ttft(limit_ms: f64) -> Slo {
    Slo { ttft_p99_ms: Some(limit_ms), tpot_p99_ms: None }
}

#[test]
fn prefill_ttft_p99_rises_with_the_pools_utilisation() {
    let catalog = Catalog::builtin().unwrap();
    let engine = engine_with(&catalog, 1.0);
    let request = RequestShape::new(2000.0, 300.0, 0.0);
    let saturated = pool(&engine, &request, ServeMode::Prefill, Slo::default()).best;
    let mut last: Option<(f64, f64)> = None;
    for limit_ms in [400.0, 600.0, 1000.0, 2000.0, 4000.0] {
        let best = pool(&engine, &request, ServeMode::Prefill, ttft(limit_ms)).best;
        let utilisation = best.input_tokens_per_s_per_chip / saturated.input_tokens_per_s_per_chip;
        assert!(best.ttft_p99_ms <= limit_ms + 1e-9, "p99 TTFT {} over the {limit_ms} ms limit", best.ttft_p99_ms);
        assert!(utilisation > 0.0 && utilisation < 1.0, "at {limit_ms} ms the pool runs at {utilisation:.3}");
        if let Some((ttft_before, utilisation_before)) = last {
            assert!(
                best.ttft_p99_ms > ttft_before && utilisation > utilisation_before,
                "a {limit_ms} ms limit: p99 TTFT {} ms at {utilisation:.3} of saturation, before {ttft_before} ms at \
                 {utilisation_before:.3}",
                best.ttft_p99_ms
            );
        }
        last = Some((best.ttft_p99_ms, utilisation));
    }
}

#[test]
fn the_kv_transfer_scales_with_the_prompt_and_the_link() {
    let catalog = Catalog::builtin().unwrap();
    let (fast, slow) = (engine_with(&catalog, 1.0), engine_with(&catalog, 0.5));
    let per_token_s = fast.kv_bytes_per_token_per_chip() / fast.rates().scaleout_bw;
    let latency_s = fast.rates().collective_latency_s;
    for tokens in [1000.0, 4000.0, 16000.0] {
        let transfer_s = fast.kv_transfer_s(tokens) - latency_s;
        assert!((transfer_s / (tokens * per_token_s) - 1.0).abs() < 1e-12, "{tokens} tokens: {transfer_s} s");
        assert!(((slow.kv_transfer_s(tokens) - latency_s) / transfer_s - 2.0).abs() < 1e-9);
    }
    // The prefill pool's TTFT carries it: half the NIC bandwidth adds one more transfer time.
    for input in [1000.0, 8000.0] {
        let request = RequestShape::new(input, 300.0, 0.0);
        let at = |engine: &InferenceEngine| {
            let best = pool(engine, &request, ServeMode::Prefill, Slo::default()).best;
            (best.batch, best.ttft_ms)
        };
        let ((batch_fast, ttft_fast_ms), (batch_slow, ttft_slow_ms)) = (at(&fast), at(&slow));
        assert_eq!(batch_fast, batch_slow);
        let added_ms = (fast.kv_transfer_s(input) - latency_s) * 1e3;
        assert!(
            ((ttft_slow_ms - ttft_fast_ms) / added_ms - 1.0).abs() < 1e-6,
            "{input}: {ttft_slow_ms} vs {ttft_fast_ms}"
        );
    }
}

#[test]
fn a_decode_pool_under_a_ttft_limit_keeps_free_slots() {
    let catalog = Catalog::builtin().unwrap();
    let engine = engine_with(&catalog, 1.0);
    let request = RequestShape::new(2000.0, 300.0, 0.0);
    let tpot = Slo { ttft_p99_ms: None, tpot_p99_ms: Some(50.0) };
    let both = Slo { ttft_p99_ms: Some(2000.0), ..tpot };
    let (alone, queued) =
        (pool(&engine, &request, ServeMode::Decode, tpot).best, pool(&engine, &request, ServeMode::Decode, both).best);
    let utilisation = queued.output_tokens_per_s_per_chip / alone.output_tokens_per_s_per_chip;
    assert_eq!(alone.batch, queued.batch);
    // M/M/c with c = the batch: P(wait) = 1 % at the reported load.
    let offered = utilisation * queued.batch;
    assert!((infer::erlang_c(queued.batch, offered) - 0.01).abs() < 1e-6, "{utilisation} of {} slots", queued.batch);
    assert!(utilisation > 0.5 && utilisation < 1.0, "{utilisation}");
}
