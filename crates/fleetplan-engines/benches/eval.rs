//! Speed of fleet evaluation: the ByteDance example end to end (demand, costs, performance
//! searches, allocation, compliance, budget), without report writing. Target ≤ 50 ms.
//! Run: `cargo bench -p fleetplan-engines --bench eval`.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::validate;
use fleetplan_engines::eval::evaluate;

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 20)]
fn evaluate_bytedance_2025(bencher: divan::Bencher) {
    let catalog = Catalog::builtin().expect("catalog");
    let text = include_str!("../../../examples/bytedance-2025.toml");
    let scenario = validate("bytedance-2025.toml", text, &catalog).expect("valid example");
    bencher.bench(|| evaluate(divan::black_box(&scenario), &catalog).expect("evaluates"));
}
