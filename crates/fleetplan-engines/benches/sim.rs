//! Simulator speed: the MLPerf-server-like standalone case (8 × H100 SXM, Llama-2-70B FP8,
//! tp 2, 75 requests/s, 300 → 290 tokens). Run with `cargo bench -p fleetplan-engines`.

use fleetplan_core::catalog::Catalog;
use fleetplan_engines::sim::{LengthDist, RateProfile, Routing, SimConfig, SloTargets, Standalone, simulate};

fn main() {
    divan::main();
}

fn config(requests: u64) -> SimConfig {
    let catalog = Catalog::builtin().expect("built-in catalog");
    Standalone {
        chip: catalog.resolve_chip("h100-sxm").expect("chip"),
        chips: 8,
        tp: 2,
        pp: 1,
        model: catalog.resolve_llm("llama-2-70b").expect("model"),
        precision: "fp8".parse().expect("precision"),
        input: LengthDist::Fixed { tokens: 300 },
        output: LengthDist::Fixed { tokens: 290 },
        rate: RateProfile::constant(75.0),
        requests,
        routing: Routing::RoundRobin,
        slo: SloTargets::default(),
        failures: None,
        prefill_replicas: None,
        sample_interval_s: None,
    }
    .config(&catalog)
    .expect("standalone config")
}

/// Simulated requests per iteration are reported as items (divan prints items/s).
#[divan::bench(args = [100_000])]
fn standalone(bencher: divan::Bencher, requests: u64) {
    let cfg = config(requests);
    bencher.counter(divan::counter::ItemsCount::new(requests as usize)).bench(|| {
        let r = simulate(divan::black_box(&cfg), 1).expect("runs");
        divan::black_box(r.completed)
    });
}
