//! Speed of a Monte Carlo sweep in evaluate mode: the ByteDance example with its uncertainty
//! model (the `[uncertainty]` section and catalog defaults), 1,000 samples per iteration (the
//! rate table searched once, each sample evaluated with it). Target: 10,000 samples ≤ 60 s on
//! 2 cores (docs/benchmarks.md, "Sweep").
//! Run: `cargo bench -p fleetplan-engines --bench sweep`.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::validate;
use fleetplan_core::uncertainty::UncertaintyModel;
use fleetplan_engines::plan::PlanOptions;
use fleetplan_engines::sweep::{SweepMode, SweepSettings, sweep};

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 3)]
fn sweep_bytedance_1000_samples(bencher: divan::Bencher) {
    let catalog = Catalog::builtin().expect("catalog");
    let text = include_str!("../../../examples/bytedance-2025.toml");
    let scenario = validate("bytedance-2025.toml", text, &catalog).expect("valid example");
    let model = UncertaintyModel::from_scenario(&scenario, &catalog).expect("uncertainty model");
    let settings = SweepSettings { samples: 1000, seed: 7, mode: SweepMode::Evaluate, plan: PlanOptions::default() };
    bencher.bench(|| sweep(divan::black_box(&scenario), &catalog, &model, &settings, &|| {}).expect("sweeps"));
}
