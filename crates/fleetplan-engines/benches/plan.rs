//! Planner benchmarks (docs/benchmarks.md, "Planner"): the ByteDance example with the default
//! backend (target ≤ 1 s at ≤ 0.5 % gap) and generated scenarios of growing size.
//! Run: `cargo bench -p fleetplan-engines --bench plan` (add `--features highs` for HiGHS).

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Scenario, validate};
use fleetplan_engines::plan::generate::{GenSpec, generate};
use fleetplan_engines::plan::{Backend, PlanOptions, plan};

fn main() {
    divan::main();
}

fn load(text: &str, catalog: &Catalog) -> Scenario {
    validate("bench.toml", text, catalog).expect("valid scenario")
}

fn options(backend: Backend) -> PlanOptions {
    PlanOptions {
        backend,
        time_limit_s: 60.0,
        node_limit: Some(fleetplan_engines::plan::DEFAULT_NODE_LIMIT),
        mip_gap: 0.005,
        explain: false,
        verify: false,
        objective: None,
        path: Default::default(),
    }
}

#[divan::bench(sample_count = 10)]
fn bytedance_microlp(bencher: divan::Bencher) {
    let catalog = Catalog::builtin().unwrap();
    let s = load(include_str!("../../../examples/bytedance-2025.toml"), &catalog);
    bencher.bench(|| plan(&s, &catalog, &options(Backend::Microlp)).unwrap());
}

/// The same plan as `fleetplan optimize` makes it: with the explanations (binding constraints,
/// marginal values, re-solves) and the evaluator's check.
#[divan::bench(sample_count = 5)]
fn bytedance_microlp_explained(bencher: divan::Bencher) {
    let catalog = Catalog::builtin().unwrap();
    let s = load(include_str!("../../../examples/bytedance-2025.toml"), &catalog);
    let o = PlanOptions { explain: true, verify: true, ..options(Backend::Microlp) };
    bencher.bench(|| plan(&s, &catalog, &o).unwrap());
}

/// Generated scenarios: (sites, chips, quarters, workloads).
const SIZES: [(usize, usize, u32, usize); 3] = [(10, 10, 8, 10), (25, 20, 12, 20), (50, 20, 12, 20)];

#[divan::bench(args = SIZES, sample_count = 3)]
fn generated_microlp(bencher: divan::Bencher, size: (usize, usize, u32, usize)) {
    let catalog = Catalog::builtin().unwrap();
    let spec = GenSpec { sites: size.0, chips: size.1, quarters: size.2, workloads: size.3, seed: 1 };
    let s = load(&generate(&spec, &catalog).unwrap(), &catalog);
    bencher.bench(|| plan(&s, &catalog, &options(Backend::Microlp)).unwrap());
}

#[cfg(feature = "highs")]
#[divan::bench(args = SIZES, sample_count = 3)]
fn generated_highs(bencher: divan::Bencher, size: (usize, usize, u32, usize)) {
    let catalog = Catalog::builtin().unwrap();
    let spec = GenSpec { sites: size.0, chips: size.1, quarters: size.2, workloads: size.3, seed: 1 };
    let s = load(&generate(&spec, &catalog).unwrap(), &catalog);
    bencher.bench(|| plan(&s, &catalog, &options(Backend::Highs)).unwrap());
}
