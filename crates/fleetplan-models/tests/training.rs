//! Training model v2: physics tests of each mechanism (context parallelism, hierarchical
//! data-parallel reduction, any-divisor layouts and their errors, FLOPs counting, LoRA), the
//! training-only calibration gate on both public files, and the ablation table (`cargo test -p
//! fleetplan-models --test training -- --ignored --nocapture training_ablation`).

use fleetplan_core::catalog::Catalog;
use fleetplan_core::units::Precision;
use fleetplan_models::error::{LayoutError, PerfError};
use fleetplan_models::shape::LlmShape;
use fleetplan_models::train::{
    FlopsCounting, LayoutConstraint, Mechanisms, Recompute, TrainEngine, TrainJob, TrainLayout, TrainRates,
    flat_all_reduce_s, hierarchical_all_reduce_s, search_training, training_layouts,
};
use fleetplan_models::validation::{
    CaseKind, CaseResult, Finetune, check_ids, parse_cases, predict_all_with, summarize,
};

const CALIBRATION: &str = include_str!("data/calibration.toml");
const EXTENDED: &str = include_str!("data/calibration-extended.toml");

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

fn engine(model: &str, chip: &str, precision: Precision, seq_len: f64, finetune: Option<Finetune>) -> TrainEngine {
    let catalog = catalog();
    let rates = TrainRates::from_catalog(&catalog, chip, precision).unwrap();
    let job = TrainJob { seq_len, global_batch_tokens: Some(64.0 * seq_len), tokens: 1e9 };
    TrainEngine::with_options(catalog.llm(model).unwrap(), rates, job, finetune, Mechanisms::default()).unwrap()
}

fn layout(tp: u32, cp: u32, pp: u32, dp: u32) -> TrainLayout {
    TrainLayout { tp, cp, pp, dp, ep: 1, zero: 0, recompute: Recompute::Selective, micro_batch: 1, virtual_stages: 1 }
}

#[test]
fn context_parallelism_divides_activation_memory_by_cp() {
    let e = engine("llama-3.1-70b", "h100-sxm", Precision::Bf16, 131_072.0, None);
    let one = e.activation_bytes_per_chip(&layout(8, 1, 1, 8)).unwrap();
    for cp in [2u32, 4, 8] {
        let split = e.activation_bytes_per_chip(&layout(8, cp, 1, 8)).unwrap();
        assert!((one / split - f64::from(cp)).abs() < 1e-9, "cp {cp}: {one:e} / {split:e}");
    }
}

#[test]
fn long_context_training_fits_with_context_parallelism() {
    let catalog = catalog();
    let model = catalog.llm("llama-3.1-8b").unwrap();
    let rates = TrainRates::from_catalog(&catalog, "h100-sxm", Precision::Bf16).unwrap();
    let job = TrainJob { seq_len: 131_072.0, global_batch_tokens: None, tokens: 1e9 };
    let e = TrainEngine::new(model, rates, job).unwrap();
    let without = LayoutConstraint { tp: Some(8), cp: Some(1), ..LayoutConstraint::default() };
    let with = LayoutConstraint { tp: Some(8), cp: Some(8), ..LayoutConstraint::default() };
    let slow = search_training(&e, model, 64, &without);
    let fast = search_training(&e, model, 64, &with).expect("128K tokens fit with cp 8");
    if let Ok(slow) = slow {
        assert!(fast.best.tokens_per_s >= slow.best.tokens_per_s * 0.99);
    }
    // Free search finds a context-parallel layout on its own.
    let free = search_training(&e, model, 64, &LayoutConstraint::default()).unwrap();
    assert!(free.best.fits && free.best.mfu > 0.1, "{:?}", free.best);
}

#[test]
fn hierarchical_all_reduce_is_never_slower_than_the_flat_ring() {
    let catalog = catalog();
    for chip in ["h100-sxm", "gb200", "tpu-v5p", "tpu-v6e", "mi300x", "a100-sxm-80g"] {
        let rates = TrainRates::from_catalog(&catalog, chip, Precision::Bf16).unwrap().chip;
        for group in [2.0, 8.0, 16.0, 64.0, 512.0, 4096.0] {
            for in_domain in [1.0, 2.0, 4.0, 8.0, 72.0, 256.0] {
                let bytes = 2.0 * 5e9;
                let flat_bw = if group <= in_domain { rates.scaleup_bw } else { rates.scaleout_bw };
                let flat = flat_all_reduce_s(&rates, bytes, group, flat_bw);
                let hier = hierarchical_all_reduce_s(&rates, bytes, group, in_domain);
                assert!(hier <= flat * (1.0 + 1e-12), "{chip} group {group} in {in_domain}: {hier} > {flat}");
            }
        }
        // 8 ranks per node across 64 nodes: the cross-node shard is 8× smaller.
        let flat = flat_all_reduce_s(&rates, 1e10, 512.0, rates.scaleout_bw);
        let hier = hierarchical_all_reduce_s(&rates, 1e10, 512.0, 8.0);
        if rates.scaleup_bw > 2.0 * rates.scaleout_bw {
            assert!(hier < flat / 2.0, "{chip}: {hier} vs {flat}");
        }
    }
}

#[test]
fn any_tp_dividing_the_heads_is_searched() {
    let catalog = catalog();
    let model = catalog.llm("gpt-3-175b").unwrap();
    let mut tps = std::collections::BTreeSet::new();
    training_layouts(model, 96, &LayoutConstraint::default(), |l| {
        tps.insert(l.tp);
    });
    assert!(tps.contains(&3) && tps.contains(&12) && tps.contains(&6), "{tps:?}");
    let rates = TrainRates::from_catalog(&catalog, "h100-sxm", Precision::Bf16).unwrap();
    let job = TrainJob { seq_len: 2048.0, global_batch_tokens: Some(1536.0 * 2048.0), tokens: 1e9 };
    let e = TrainEngine::new(model, rates, job).unwrap();
    let fixed = LayoutConstraint { tp: Some(12), ..LayoutConstraint::default() };
    let found = search_training(&e, model, 96 * 8, &fixed).expect("tp 12 works for 96 heads");
    assert_eq!(found.best.layout.tp, 12);
    // An uneven pipeline (96 layers over 7 stages) is a layout too.
    let uneven = LayoutConstraint { pp: Some(7), ..LayoutConstraint::default() };
    assert!(search_training(&e, model, 7 * 64, &uneven).is_ok());
}

#[test]
fn impossible_constraints_name_the_rule_they_break() {
    let catalog = catalog();
    let model = catalog.llm("gpt-3-175b").unwrap();
    let rates = TrainRates::from_catalog(&catalog, "h100-sxm", Precision::Bf16).unwrap();
    let job = TrainJob { seq_len: 2048.0, global_batch_tokens: None, tokens: 1e9 };
    let e = TrainEngine::new(model, rates, job).unwrap();
    let search = |c: LayoutConstraint, chips: u32| search_training(&e, model, chips, &c).unwrap_err();
    let tp7 = search(LayoutConstraint { tp: Some(7), ..LayoutConstraint::default() }, 56);
    assert!(matches!(tp7, PerfError::Layout(LayoutError::TpNotDividingHeads { tp: 7, .. })), "{tp7}");
    let count = search(LayoutConstraint { tp: Some(4), pp: Some(8), dp: Some(8), ..LayoutConstraint::default() }, 512);
    assert!(matches!(count, PerfError::Layout(LayoutError::TrainChipCount { .. })), "{count}");
    let deep = search(LayoutConstraint { pp: Some(200), ..LayoutConstraint::default() }, 200);
    assert!(matches!(deep, PerfError::Layout(LayoutError::PpExceedsLayers { .. })), "{deep}");
    for error in [tp7, count, deep] {
        assert!(!error.to_string().contains("none of 0"), "{error}");
    }
    // Too few chips: the memory error says how much the smallest layout needs.
    let small = search(LayoutConstraint::default(), 1);
    assert!(small.to_string().contains("GB per chip"), "{small}");
}

#[test]
fn flops_counting_follows_the_source_definition() {
    let e = engine("llama-2-70b", "h100-sxm", Precision::Bf16, 4096.0, None);
    let catalog = catalog();
    let model = catalog.llm("llama-2-70b").unwrap();
    let shape = LlmShape::new(model);
    let six_n = e.model_flops_per_token_counted(FlopsCounting::SixNd, Recompute::None);
    assert!((six_n - 3.0 * shape.forward_gemm_flops_per_token()).abs() < 1.0);
    // Causal attention per token: 2 (QKᵀ and AV) × 2 FLOPs × (s+1)/2 keys × d_attn per layer
    // forward, × 3 for the backward: 6 · L · d_attn · (s+1).
    let d_attn = f64::from(model.heads * model.head_dim);
    let attention = 6.0 * f64::from(model.layers) * d_attn * (4096.0 + 1.0);
    let with_attention = e.model_flops_per_token_counted(FlopsCounting::WithAttention, Recompute::None);
    assert!((with_attention - six_n - attention).abs() / attention < 1e-9);
    // Full recomputation adds one forward: (8N + 8·L·d·(s+1)) vs 6N + 6·L·d·(s+1).
    let recompute = e.model_flops_per_token_counted(FlopsCounting::WithRecompute, Recompute::Full);
    assert!((recompute / with_attention - 4.0 / 3.0).abs() < 1e-9);
}

#[test]
fn lora_costs_about_four_n_and_holds_no_optimizer_state() {
    let full = engine("llama-2-70b", "mi300x", Precision::Fp8, 8192.0, None);
    let lora = engine("llama-2-70b", "mi300x", Precision::Fp8, 8192.0, Some(Finetune::Lora));
    let gemm_full = full.model_flops_per_token_counted(FlopsCounting::SixNd, Recompute::None);
    let gemm_lora = lora.model_flops_per_token_counted(FlopsCounting::SixNd, Recompute::None);
    assert!((gemm_lora / gemm_full - 2.0 / 3.0).abs() < 1e-9);
    let l = layout(1, 1, 1, 8);
    let p_full = full.point(&l).unwrap();
    let p_lora = lora.point(&l).unwrap();
    assert!(p_lora.memory_gb_per_chip < p_full.memory_gb_per_chip / 3.0);
    assert!(p_lora.tokens_per_s > p_full.tokens_per_s);
}

/// Training cases of both public files whose ids the catalog knows.
fn training_results(mechanisms: &Mechanisms) -> (Vec<CaseResult>, usize) {
    let catalog = catalog();
    let mut results = Vec::new();
    let mut rejected = 0;
    for (name, text) in [("calibration.toml", CALIBRATION), ("calibration-extended.toml", EXTENDED)] {
        let cases: Vec<_> =
            parse_cases(name, text).unwrap().into_iter().filter(|c| c.kind == CaseKind::Training).collect();
        let (known, unknown) = fleetplan_models::validation::split_known(name, cases, &catalog);
        rejected += unknown.len();
        let _ = check_ids(name, &known, &catalog);
        results.extend(predict_all_with(&known, &catalog, mechanisms));
    }
    (results, rejected)
}

#[test]
fn training_cases_within_targets() {
    let (results, _) = training_results(&Mechanisms::default());
    let report: String = results
        .iter()
        .map(|r| format!("{:<58} {:>+8.1}%  {}\n", r.id, r.error.unwrap_or(f64::NAN) * 100.0, r.detail))
        .collect();
    println!("{report}");
    let s = summarize(&results);
    assert_eq!(s.count, results.len(), "every training case must be predicted:\n{report}");
    assert!(s.median_abs_error <= 0.10, "median |error| {:.3} > 0.10\n{report}", s.median_abs_error);
    assert!(s.p90_abs_error <= 0.30, "p90 |error| {:.3} > 0.30\n{report}", s.p90_abs_error);
}

#[test]
#[ignore = "prints the ablation table; run with --ignored --nocapture"]
fn training_ablation() {
    let (all_on, _) = training_results(&Mechanisms::default());
    let s = summarize(&all_on);
    println!("{:<22} {:>5} {:>9} {:>8}", "mechanism off", "cases", "median %", "p90 %");
    println!("{:<22} {:>5} {:>9.1} {:>8.1}", "(none)", s.count, s.median_abs_error * 100.0, s.p90_abs_error * 100.0);
    for (name, mechanisms) in Mechanisms::each_off() {
        let (results, _) = training_results(&mechanisms);
        let s = summarize(&results);
        println!("{:<22} {:>5} {:>9.1} {:>8.1}", name, s.count, s.median_abs_error * 100.0, s.p90_abs_error * 100.0);
    }
}
