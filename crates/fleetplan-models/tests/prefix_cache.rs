//! A prefix cache (`cached_input_fraction`): cached prompt tokens cost no prefill compute, only
//! the read of their KV by the attention of the tokens computed after them.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::units::Precision;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{
    self, InferenceEngine, InferenceQuery, Layout, RequestShape, ServeMode, ServingStack, Slo,
};

fn engine(catalog: &Catalog) -> InferenceEngine {
    let rates = ChipRates::from_catalog(catalog, "h100-sxm", Precision::Fp8).unwrap();
    let model = catalog.llm("llama-3.1-70b").unwrap();
    InferenceEngine::new(model, rates, Precision::Fp8, Layout { tp: 8, pp: 1, dp: 1, ep: 1 }).unwrap()
}

#[test]
fn half_the_prompt_cached_halves_the_prefill_compute_of_a_request() {
    let catalog = Catalog::builtin().unwrap();
    let e = engine(&catalog);
    let compute_s = |cached: f64| {
        let request = RequestShape::new(8000.0, 200.0, cached);
        // One request's prefill: its computed tokens in one step.
        e.step_breakdown(&e.prefill_load(request.computed_input(), &request)).compute_s
    };
    let (full, half) = (compute_s(0.0), compute_s(0.5));
    // Linear layers halve; attention over the cached half is still computed for the new tokens
    // (3/8 of the pairs of a full prompt's 1/2), so a little more than half remains.
    let ratio = half / full;
    assert!((0.5..0.65).contains(&ratio), "compute with half the prompt cached: {ratio:.3} of the full prompt's");
}

#[test]
fn a_prefill_pool_serves_about_twice_the_prompt_tokens_with_half_cached() {
    let catalog = Catalog::builtin().unwrap();
    let chip = catalog.resolve_chip("h100-sxm").unwrap();
    let rate = |cached: f64| {
        let query = InferenceQuery {
            model: catalog.llm("llama-3.1-70b").unwrap(),
            rates: ChipRates::of_chip(&catalog, &chip, Precision::Fp8).unwrap(),
            stack: ServingStack::default_for(&catalog, &chip),
            kv_precision: Precision::Fp8,
            chips: 8,
            request: RequestShape::new(4000.0, 200.0, cached),
            mode: ServeMode::Prefill,
            // Saturated: under a TTFT limit the pool also queues, and the shorter service of a
            // cached prompt lets it run fuller too (more than the compute ratio).
            slo: Slo::default(),
        };
        infer::search(&query).unwrap().best.input_tokens_per_s_per_chip
    };
    let ratio = rate(0.5) / rate(0.0);
    assert!((1.6..2.1).contains(&ratio), "prompt tokens/s with half cached: {ratio:.2}× the uncached");
}
