//! Unit tests of the scenario form of the simulator (sampling, slices, request budget).

use super::*;

#[test]
fn lengths_round_and_keep_sigma() {
    assert_eq!(LengthDist::from_mean(299.6, None), LengthDist::Fixed { tokens: 300 });
    assert_eq!(LengthDist::from_mean(300.0, Some(0.0)), LengthDist::Fixed { tokens: 300 });
    assert!(matches!(LengthDist::from_mean(300.0, Some(0.5)), LengthDist::LogNormal { max: 6000, .. }));
    // A workload's spread: the lognormal of its cv (cv 1: σ = √ln 2), cut at its longest output.
    let catalog = Catalog::builtin().expect("catalog");
    let text = include_str!("../../../../../examples/quickstart.toml");
    let scenario = fleetplan_core::scenario::validate("quickstart.toml", text, &catalog).expect("valid");
    let Some(WorkloadSpec::Chat(chat)) =
        scenario.workloads.iter().map(|w| &w.spec).find(|s| s.kind() == WorkloadKind::Chat)
    else {
        panic!("chat")
    };
    assert!(matches!(output_lengths(chat, None), LengthDist::Fixed { .. }));
    let mut spread = chat.clone();
    (spread.request.output_tokens_cv, spread.request.output_tokens_max) = (1.0, Some(5000.0));
    let LengthDist::LogNormal { sigma, max, .. } = output_lengths(&spread, None) else { panic!("lognormal") };
    assert!((sigma - 2f64.ln().sqrt()).abs() < 1e-12 && max == 5000, "{sigma} {max}");
}

#[test]
fn slices_keep_the_load_per_replica_and_the_floor_of_replicas() {
    let catalog = Catalog::builtin().expect("catalog");
    let text = include_str!("../../../../../examples/quickstart.toml");
    let scenario = fleetplan_core::scenario::validate("quickstart.toml", text, &catalog).expect("valid");
    let evaluation = crate::eval::evaluate(&scenario, &catalog).expect("evaluates");
    let mut opts = ScenarioSimOptions {
        workload: None,
        quarter: None,
        hours: 24.0,
        sample_fraction: None,
        request_budget: 1000,
        routing: Routing::RoundRobin,
        failures: Some((DEFAULT_CHIP_MTBF_HOURS, DEFAULT_REPAIR_HOURS)),
        length_sigma: (None, None),
        sample_interval_s: None,
    };
    let full = build(&scenario, &catalog, &evaluation, &opts).expect("builds");
    assert_eq!(full.quarter, scenario.end());
    let p = &full.pools[0];
    // Automatic sampling never goes below MIN_SLICE_REPLICAS (or all of a smaller pool).
    assert!(p.replicas_simulated >= MIN_SLICE_REPLICAS.min(p.replicas), "{}", p.replicas_simulated);
    assert!(p.replicas_simulated <= p.replicas, "{} of {}", p.replicas_simulated, p.replicas);
    // The pool covers the evaluated capacity: replicas × chips per replica (decode and, when
    // disaggregated, prefill) ≥ chips allocated, with less than one decode replica to spare.
    let per = f64::from(p.layout.tp * p.layout.pp);
    let prefill_chips = p.prefill.map_or(0.0, |q| f64::from(q.replicas * q.layout.tp * q.layout.pp));
    assert!(f64::from(p.replicas) * per + prefill_chips >= p.accelerators - 1e-9, "{p:?}");
    assert!(f64::from(p.replicas - 1) * per < p.accelerators, "{p:?}");
    // An explicit fraction keeps the load per replica.
    opts.sample_fraction = Some(0.2);
    let slice = build(&scenario, &catalog, &evaluation, &opts).expect("builds");
    let s = &slice.pools[0];
    assert_eq!(s.replicas_simulated, (f64::from(p.replicas) * 0.2).round().max(1.0) as u32);
    let per_replica = |x: &PoolRun| x.simulated_mean_requests_per_s / f64::from(x.replicas_simulated);
    assert!((per_replica(s) - per_replica(p)).abs() < 1e-9 * per_replica(p));
    // A replica fails when any of its chips does.
    let Some(f) = s.config.failures else { panic!("failures") };
    assert!((f.replica_mtbf_s * per - DEFAULT_CHIP_MTBF_HOURS * 3600.0).abs() < 1e-6);
    // The simulated quarter's demand includes its growth: the last of four quarters at
    // +10 % a quarter carries 1.1³ times the first quarter's requests.
    opts.sample_fraction = None;
    opts.quarter = Some(scenario.start);
    let first = build(&scenario, &catalog, &evaluation, &opts).expect("builds");
    let requests = |run: &ScenarioSim| run.pools.iter().map(|p| p.mean_requests_per_s).sum::<f64>();
    let ratio = requests(&full) / requests(&first);
    assert!((ratio - 1.1f64.powi(3)).abs() < 1e-9, "{ratio}");
    opts.quarter = None;
    // Bad names and quarters are errors.
    opts.workload = Some("assistan".into());
    let e = build(&scenario, &catalog, &evaluation, &opts).unwrap_err();
    assert!(e.to_string().contains("did you mean `assistant`?"), "{e}");
    opts.workload = None;
    opts.quarter = Some(scenario.end().offset(1));
    assert!(matches!(build(&scenario, &catalog, &evaluation, &opts), Err(ScenarioSimError::Quarter { .. })));
}
