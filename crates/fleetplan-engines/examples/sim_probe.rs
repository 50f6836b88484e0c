//! Quick probe: run the standalone case and print the summary (used while developing).
use fleetplan_core::catalog::Catalog;
use fleetplan_engines::sim::{LengthDist, RateProfile, Routing, SloTargets, Standalone, simulate};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let qps: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(75.0);
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let catalog = Catalog::builtin().expect("catalog");
    let s = Standalone {
        chip: catalog.resolve_chip("h100-sxm").expect("chip"),
        chips: 8,
        tp: 2,
        pp: 1,
        model: catalog.resolve_llm("llama-2-70b").expect("model"),
        precision: "fp8".parse().unwrap(),
        input: LengthDist::Fixed { tokens: 300 },
        output: LengthDist::Fixed { tokens: 290 },
        rate: RateProfile::constant(qps),
        requests: n,
        routing: Routing::RoundRobin,
        slo: SloTargets::default(),
        failures: None,
        prefill_replicas: None,
        sample_interval_s: None,
    };
    println!("{:?}", s.analytical(&catalog).unwrap());
    let cfg = s.config(&catalog).unwrap();
    let t = std::time::Instant::now();
    let r = simulate(&cfg, 1).unwrap();
    let el = t.elapsed().as_secs_f64();
    println!("{:#?}", r.summary());
    println!("steps {} wall {:.3}s  {:.0} req/s", r.steps, el, n as f64 / el);
}
