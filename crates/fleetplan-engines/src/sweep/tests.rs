use super::*;
use crate::eval::evaluate;
use fleetplan_core::uncertainty::{Distribution, UncertainInput};
use proptest::prelude::*;

const QUICKSTART: &str = include_str!("../../../../examples/quickstart.toml");
const BYTEDANCE: &str = include_str!("../../../../examples/bytedance-2025.toml");

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog")
}

/// The quickstart with its fleet bought in the first quarter of the horizon, so that the
/// chip's price is part of the spend.
fn quickstart_bought_in_horizon(catalog: &Catalog) -> Scenario {
    let text = QUICKSTART.replace("from = \"2024Q4\"", "from = \"2025Q1\"");
    assert_ne!(text, QUICKSTART, "the quickstart's fleet entry changed; update this test");
    fleetplan_core::scenario::validate("quickstart.toml", &text, catalog).expect("valid")
}

fn input(path: &str, distribution: Distribution) -> UncertainInput {
    UncertainInput {
        path: path.into(),
        nominal: distribution.median(),
        distribution,
        affects: Affects::Cost,
        origin: InputOrigin::Scenario,
    }
}

fn settings(samples: usize, seed: u64) -> SweepSettings {
    SweepSettings { samples, seed, mode: SweepMode::Evaluate, plan: PlanOptions::default() }
}

fn run(scenario: &Scenario, catalog: &Catalog, model: &UncertaintyModel, samples: usize, seed: u64) -> Sweep {
    sweep(scenario, catalog, model, &settings(samples, seed), &|| {}).expect("sweep runs")
}

#[test]
fn with_every_input_fixed_each_sample_is_the_evaluation() {
    let catalog = catalog();
    for (name, text) in [("quickstart.toml", QUICKSTART), ("bytedance-2025.toml", BYTEDANCE)] {
        let scenario = fleetplan_core::scenario::validate(name, text, &catalog).expect("valid");
        let expected = of_evaluation(&evaluate(&scenario, &catalog).expect("evaluates"));
        let result = run(&scenario, &catalog, &UncertaintyModel::with_inputs(vec![]), 3, 1);
        assert!(result.rates_reused && result.training_reused);
        assert_eq!(result.outputs.len(), expected.len(), "{name}");
        for row in result.output_values.iter().chain([&result.nominal]) {
            for output in &expected {
                let j = result.output_index(&output.name).expect("every output has a column");
                assert_eq!(row[j], Some(output.value), "{name}: {}", output.name);
            }
        }
        for spread in result.spreads.iter().flatten() {
            assert!(spread.width() == 0.0, "{name}: a fixed world has no spread");
        }
    }
}

#[test]
fn the_tornado_ranks_the_input_with_the_wider_spread_first() {
    let catalog = catalog();
    let scenario = quickstart_bought_in_horizon(&catalog);
    let price = "catalog.accelerator.h100-sxm.price_usd";
    let power = "site.us-east.power_usd_per_kwh";
    let wide_price = UncertaintyModel::with_inputs(vec![
        input(power, Distribution::Uniform { low: 0.079, high: 0.081 }),
        input(price, Distribution::Uniform { low: 10_000.0, high: 40_000.0 }),
    ]);
    let wide_power = UncertaintyModel::with_inputs(vec![
        input(power, Distribution::Uniform { low: 0.01, high: 0.6 }),
        input(price, Distribution::Uniform { low: 24_900.0, high: 25_100.0 }),
    ]);
    for (model, first) in [(wide_price, price), (wide_power, power)] {
        let result = run(&scenario, &catalog, &model, 8, 3);
        let spend = result.output_index("spend_total").expect("spend column");
        let bars = result.tornado(spend);
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0].input, first, "{bars:?}");
        assert!(bars[0].swing > bars[1].swing);
    }
}

#[test]
fn the_result_does_not_depend_on_the_thread_count() {
    let catalog = catalog();
    let scenario = quickstart_bought_in_horizon(&catalog);
    let model = UncertaintyModel::with_inputs(vec![
        input("catalog.accelerator.h100-sxm.price_usd", Distribution::Triangular { low: 2e4, mode: 2.5e4, high: 4e4 }),
        input("site.us-east.power_usd_per_kwh", Distribution::LogNormal { median: 0.08, sigma: 0.3 }),
    ]);
    let in_pool = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        pool.install(|| run(&scenario, &catalog, &model, 24, 11))
    };
    let one = in_pool(1);
    assert_eq!(one, in_pool(3));
    let spend = one.output_index("spend_total").expect("spend");
    let correlation = one.correlations[spend][0].expect("defined");
    assert!(correlation > 0.5, "spend rises with the chip price: {correlation}");
    for spread in one.spreads.iter().flatten() {
        assert!(spread.p5 <= spread.p50 && spread.p50 <= spread.p95, "{spread:?}");
    }
}

#[test]
fn throughput_factors_scale_the_cached_rates() {
    let catalog = catalog();
    let scenario = fleetplan_core::scenario::validate("quickstart.toml", QUICKSTART, &catalog).expect("valid");
    let table = fleet_rates(&scenario, &catalog);
    let model = UncertaintyModel::with_inputs(vec![]);
    let mut sampled = model.apply(&[], &scenario, &catalog).expect("applies");
    let chip = scenario.fleet[0].hardware.chip.clone();
    sampled.throughput_factor.insert(chip, 2.0);
    let doubled = scaled(&table, &sampled);
    assert!(!table.is_empty());
    for (key, rate) in &table {
        assert_eq!(doubled[key].per_chip_per_s, rate.per_chip_per_s * 2.0);
        assert_eq!(doubled[key].input_per_chip_per_s, rate.input_per_chip_per_s * 2.0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Doubling the spread of a price never narrows the spend distribution (p95 − p5).
    #[test]
    fn a_wider_price_never_narrows_spend(
        median in 15_000.0f64..40_000.0,
        sigma in 0.01f64..0.4,
        seed in 0u64..1000,
    ) {
        let catalog = catalog();
        let scenario = quickstart_bought_in_horizon(&catalog);
        let price = "catalog.accelerator.h100-sxm.price_usd";
        let distribution = Distribution::LogNormal { median, sigma };
        let widths: Vec<f64> = [distribution.clone(), distribution.widened(2.0)]
            .into_iter()
            .map(|d| {
                let result = run(&scenario, &catalog, &UncertaintyModel::with_inputs(vec![input(price, d)]), 24, seed);
                let spend = result.output_index("spend_total").expect("spend");
                result.spreads[spend].expect("defined").width()
            })
            .collect();
        prop_assert!(widths[1] >= widths[0], "{widths:?}");
        prop_assert!(widths[0] > 0.0, "the price moves the spend");
    }
}

#[test]
fn searches_are_redone_only_for_inputs_that_change_them() {
    let catalog = catalog();
    let scenario = fleetplan_core::scenario::validate("bytedance-2025.toml", BYTEDANCE, &catalog).expect("valid");
    let training = scenario
        .workloads
        .iter()
        .find(|w| matches!(w.spec, WorkloadSpec::Training(_)))
        .expect("the example has a training run");
    let with = |path: &str, affects: Affects| UncertainInput {
        affects,
        ..input(path, Distribution::Uniform { low: 1.0, high: 2.0 })
    };
    let tokens = with(&format!("workload.{}.tokens", training.id), Affects::Demand);
    assert!(needs_training_search(&tokens, &scenario) && !needs_rate_search(&tokens));
    let efficiency = with("efficiency.nvidia-hopper", Affects::Throughput);
    assert!(!needs_rate_search(&efficiency) && !needs_training_search(&efficiency, &scenario));
    let latency = with("workload.cici.ttft_p99_ms", Affects::Throughput);
    assert!(needs_rate_search(&latency) && !needs_training_search(&latency, &scenario));
    let price = with("catalog.accelerator.h20.price_usd", Affects::Cost);
    assert!(!needs_rate_search(&price) && !needs_training_search(&price, &scenario));
    let other = with("workload.cici.weight", Affects::Other);
    assert!(needs_rate_search(&other) && needs_training_search(&other, &scenario));
}

#[test]
fn a_sampled_plan_buys_for_the_sampled_efficiency() {
    let catalog = catalog();
    let mut scenario = fleetplan_core::scenario::validate("quickstart.toml", QUICKSTART, &catalog).expect("valid");
    // Nothing held: the plan buys or leases all it serves with.
    scenario.fleet.clear();
    let options = PlanOptions { explain: false, ..PlanOptions::default() };
    let nominal = plan::plan(&scenario, &catalog, &options).expect("plans");
    // Every chip the scenario may buy at half its modelled throughput.
    let halved: std::collections::BTreeMap<_, _> =
        scenario.options.iter().map(|o| (o.hardware.chip.clone(), 0.5)).collect();
    let slow = plan::plan_sampled(&scenario, &catalog, &options, &halved).expect("plans");
    let accelerators = |p: &plan::Plan| p.purchases.iter().map(|l| l.accelerators).sum::<u64>();
    assert!(
        accelerators(&slow) > accelerators(&nominal),
        "half the throughput needs more chips: {} vs {}",
        accelerators(&slow),
        accelerators(&nominal)
    );
    // The evaluator's check of the sampled plan uses the same factors: it finds it serves.
    let evaluation = slow.evaluation.as_ref().expect("checked");
    assert!(evaluation.workloads.iter().all(|w| w.coverage_peak > 0.99), "served at the sampled rates");
}

#[test]
fn a_raised_stop_flag_ends_the_sweep_between_runs() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let catalog = catalog();
    let scenario = quickstart_bought_in_horizon(&catalog);
    let model = UncertaintyModel::with_inputs(vec![input(
        "catalog.accelerator.h100-sxm.price_usd",
        Distribution::Uniform { low: 20_000.0, high: 40_000.0 },
    )]);
    let total = runs(&model, 200);
    // Not raised: the sweep runs every run, as `sweep` does.
    let (stop, done) = (AtomicBool::new(false), AtomicUsize::new(0));
    let full = sweep_until(
        &scenario,
        &catalog,
        &model,
        &settings(200, 3),
        &|| {
            done.fetch_add(1, Ordering::Relaxed);
        },
        &stop,
    )
    .expect("runs");
    assert_eq!(done.load(Ordering::Relaxed), total);
    assert_eq!(full, run(&scenario, &catalog, &model, 200, 3));
    // Raised after the fifth finished run: the runs not yet started are skipped.
    let done = AtomicUsize::new(0);
    let stopped = sweep_until(
        &scenario,
        &catalog,
        &model,
        &settings(200, 3),
        &|| {
            if done.fetch_add(1, Ordering::Relaxed) + 1 >= 5 {
                stop.store(true, Ordering::Relaxed);
            }
        },
        &stop,
    );
    assert_eq!(stopped.unwrap_err(), SweepError::Stopped);
    let ran = done.load(Ordering::Relaxed);
    assert!(ran < total / 2, "{ran} of {total} runs ran after the stop");
}
