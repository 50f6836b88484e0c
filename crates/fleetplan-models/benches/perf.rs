//! Speed of the performance engine (docs/benchmarks.md): one inference step-time point, a full
//! inference configuration search, and a training-plan search over ≥ 8,000 layouts.
//!
//! Run: `cargo bench -p fleetplan-models --bench perf`

use fleetplan_core::catalog::Catalog;
use fleetplan_core::units::Precision;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{
    self, InferenceEngine, InferenceQuery, Layout, RequestShape, ServeMode, ServingStack, Slo,
};
use fleetplan_models::train::{LayoutConstraint, TrainEngine, TrainJob, search_training, training_layouts};
use std::hint::black_box;

fn main() {
    divan::main();
}

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

/// The FP8 inference engine of `model` on `chip` in `layout`.
fn fp8_engine(model: &str, chip: &str, layout: Layout) -> InferenceEngine {
    let cat = catalog();
    let rates = ChipRates::from_catalog(&cat, chip, Precision::Fp8).unwrap();
    InferenceEngine::new(cat.llm(model).unwrap(), rates, Precision::Fp8, layout).unwrap()
}

/// One inference point: continuous-batching step load + step time + throughput at one batch.
#[divan::bench]
fn inference_point(bencher: divan::Bencher) {
    let e = fp8_engine("llama-2-70b", "h100-sxm", Layout { tp: 2, pp: 1, dp: 4, ep: 1 });
    let w = RequestShape::new(300.0, 290.0, 0.0);
    bencher.bench_local(|| {
        let load = e.continuous_load(black_box(896.0), &w);
        black_box(load.decode_tokens / e.step_time_s(&load))
    });
}

/// One MoE wide-EP decode step (DeepSeek-V3 on 144 H800).
#[divan::bench]
fn inference_point_moe(bencher: divan::Bencher) {
    let e = fp8_engine("deepseek-v3", "h800", Layout { tp: 1, pp: 1, dp: 144, ep: 144 });
    let w = RequestShape::new(4383.0, 1210.0, 0.563);
    bencher.bench_local(|| {
        let load = e.decode_load(black_box(80.0), &w);
        black_box(e.step_time_s(&load))
    });
}

/// Full configuration search (layouts × batch) for one (model, chip, workload), server scenario.
#[divan::bench(args = ["llama-2-70b", "mixtral-8x7b"])]
fn inference_search(bencher: divan::Bencher, model: &str) {
    let cat = catalog();
    let m = cat.llm(model).unwrap();
    let r = ChipRates::from_catalog(&cat, "h100-sxm", Precision::Fp8).unwrap();
    let q = InferenceQuery {
        model: m,
        rates: r,
        stack: ServingStack::default_for(&cat, &cat.resolve_chip("h100-sxm").unwrap()),
        kv_precision: Precision::Fp8,
        chips: 8,
        request: RequestShape::new(300.0, 290.0, 0.0),
        mode: ServeMode::Server,
        slo: Slo { ttft_p99_ms: Some(2000.0), tpot_p99_ms: Some(200.0) },
    };
    bencher.bench_local(|| black_box(infer::search(black_box(&q)).unwrap()));
}

/// Training-plan search for Llama 3.1 405B on 16,384 H100 (≥ 8,000 layouts).
#[divan::bench]
fn training_search(bencher: divan::Bencher) {
    let cat = catalog();
    let m = cat.llm("llama-3.1-405b").unwrap();
    let r = ChipRates::from_catalog(&cat, "h100-sxm", Precision::Bf16).unwrap();
    let e = TrainEngine::new(m, r, TrainJob { seq_len: 8192.0, global_batch_tokens: None, tokens: 15.6e12 }).unwrap();
    let mut n = 0;
    training_layouts(m, 16384, &LayoutConstraint::default(), |_| n += 1);
    assert!(n >= 8000, "only {n} layouts");
    bencher.bench_local(|| black_box(search_training(&e, m, black_box(16384), &LayoutConstraint::default()).unwrap()));
}
