//! Small valid random scenarios for the engine target: the planner's own generator
//! (`fleetplan gen-scenario`, `plan::generate`) at a random small size and seed, with its demand
//! scaled by a random factor, and a random installed fleet of chips that ship before 2025 so
//! that `evaluate` and the scenario form of `simulate` have something to run on.

use super::inputs::{Rng, non_finite_in_debug};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{self, Scenario};
use fleetplan_engines::eval::evaluate;
use fleetplan_engines::plan::generate::{GenSpec, generate};
use fleetplan_engines::plan::{PlanError, PlanOptions, plan};
use fleetplan_engines::sim::Routing;
use fleetplan_engines::sim::scenario::{ScenarioSimOptions, build, run};

/// Chips available before 2025Q1 that an installed fleet may hold.
const FLEET_CHIPS: [&str; 5] = ["a100-sxm-80g", "h100-sxm", "h200", "mi300x", "l40s"];

/// Planner time limit per solve in the fuzz, s (the case's own time limit is larger).
const PLAN_TIME_LIMIT_S: f64 = 5.0;

/// Request budget of a case's simulation: enough for every pool to admit, batch, queue, fail
/// and recover (the slice keeps at least 8 replicas a pool), small enough that the simulation
/// is not most of a case (2,000 made it about two thirds).
const SIM_REQUESTS: u64 = 300;

/// What one engine case did, for the summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct EngineTally {
    /// Generated scenarios that validated.
    pub valid: u64,
    /// Generated scenarios the validator rejected (the generator strayed out of range: not a
    /// finding, but counted so a generator that never validates shows).
    pub rejected: u64,
    /// Evaluations, plans and simulations that ran to a result.
    pub evaluated: u64,
    /// Plans made.
    pub planned: u64,
    /// Plans microlp made only on a later numerical attempt (`plan/model/scaled.rs`: a looser
    /// feasibility guard or the model as written), not a finding but worth watching.
    pub plan_fallbacks: u64,
    /// Simulations run.
    pub simulated: u64,
    /// Typed errors returned by an engine (not findings).
    pub engine_errors: u64,
}

/// Multiply every `KEY = NUMBER` value of `text` for the given keys by `factor`.
fn scale_field(text: &str, key: &str, factor: f64) -> String {
    let prefix = format!("{key} = ");
    text.lines()
        .map(|line| match line.strip_prefix(&prefix).and_then(|v| v.trim().parse::<f64>().ok()) {
            Some(v) => format!("{prefix}{:e}", (v * factor).max(1.0).round()),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The site ids a generated scenario declares.
fn site_ids(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("id = \"site-"))
        .map(|rest| format!("site-{}", rest.trim_end_matches('"')))
        .collect()
}

/// A random small scenario text (valid in intent; the caller validates it).
pub fn scenario_text(rng: &mut Rng, catalog: &Catalog) -> String {
    let spec = GenSpec {
        sites: 1 + rng.below(3),
        chips: 1 + rng.below(4),
        quarters: 1 + rng.below(6) as u32,
        workloads: 1 + rng.below(5),
        seed: rng.next_u64(),
    };
    let mut text = generate(&spec, catalog).expect("the built-in catalog has priced chips");
    let factor = rng.log_uniform(1e-3, 1e3);
    text = scale_field(&text, "daily_users", factor);
    text = scale_field(&text, "items_per_day", factor);
    let sites = site_ids(&text);
    for _ in 0..1 + rng.below(3) {
        let chip = rng.pick(&FLEET_CHIPS);
        let site = rng.pick(&sites);
        let count = 8 * (1 + rng.below(512));
        let mode = if rng.chance(0.5) { "buy" } else { "lease" };
        text.push_str(&format!(
            "\n[[fleet]]\nchip = \"{chip}\"\nsite = \"{site}\"\ncount = {count}\nmode = \"{mode}\"\nfrom = \"2024Q4\"\n"
        ));
    }
    text
}

/// Fail with the field context when `debug` holds a non-finite number.
fn finite(what: &str, debug: &str) -> Result<(), String> {
    match non_finite_in_debug(debug) {
        Some(context) => Err(format!("non-finite value in {what}: …{context}…")),
        None => Ok(()),
    }
}

/// Whether the stage `name` runs: `FLEETPLAN_FUZZ_STAGES` lists them (comma-separated, of
/// `plan`, `evaluate`, `simulate`; default all three).
fn stage(name: &str) -> bool {
    std::env::var("FLEETPLAN_FUZZ_STAGES").map_or(true, |v| v.split(',').any(|s| s.trim() == name))
}

/// Evaluate, plan and simulate one scenario; Err is a finding (non-finite output).
pub fn run_engines(s: &Scenario, catalog: &Catalog, rng: &mut Rng, tally: &mut EngineTally) -> Result<(), String> {
    let options = PlanOptions { time_limit_s: PLAN_TIME_LIMIT_S, ..PlanOptions::default() };
    match stage("plan").then(|| plan(s, catalog, &options)) {
        None => {}
        Some(Ok(p)) => {
            tally.planned += 1;
            if p.solver.model_form.is_some_and(|form| form != "scaled") {
                tally.plan_fallbacks += 1;
            }
            finite("plan", &format!("{p:?}"))?;
        }
        // A solver failure on a valid scenario is a bug (an infeasible one is a result, not an
        // error): a finding.
        Some(Err(e @ PlanError::Solver(_))) => return Err(format!("the planner failed on a valid scenario: {e}")),
        Some(Err(e)) => {
            tally.engine_errors += 1;
            if std::env::var_os("FLEETPLAN_FUZZ_VERBOSE").is_some() {
                println!("plan: {e}");
            }
        }
    }
    if !stage("evaluate") && !stage("simulate") {
        return Ok(());
    }
    let evaluation = match evaluate(s, catalog) {
        Ok(e) => e,
        Err(e) => {
            tally.engine_errors += 1;
            if std::env::var_os("FLEETPLAN_FUZZ_VERBOSE").is_some() {
                println!("evaluate: {e}");
            }
            return Ok(());
        }
    };
    tally.evaluated += 1;
    finite("evaluation", &format!("{evaluation:?}"))?;
    if !stage("simulate") {
        return Ok(());
    }
    let opts = ScenarioSimOptions {
        workload: None,
        quarter: None,
        // At most an hour: the slice floor (8 replicas a pool) can make a large app's hour
        // hundreds of thousands of requests whatever the budget (docs/benchmarks.md, Fuzzing).
        hours: rng.log_uniform(0.05, 1.0),
        sample_fraction: None,
        request_budget: SIM_REQUESTS,
        routing: *rng.pick(&[Routing::RoundRobin, Routing::LeastWork, Routing::ShortestQueue]),
        failures: rng.chance(0.3).then(|| (rng.log_uniform(100.0, 100_000.0), 1.0)),
        length_sigma: (None, None),
        sample_interval_s: None,
    };
    // Only scenarios with exactly one chat workload, or the first one named: `build` rejects
    // the rest with a typed error, which is fine.
    let opts = ScenarioSimOptions {
        workload: s.workloads.iter().find(|w| w.spec.kind() == scenario::WorkloadKind::Chat).map(|w| w.id.to_string()),
        ..opts
    };
    match build(s, catalog, &evaluation, &opts) {
        Ok(sim) => match run(&sim, rng.next_u64(), 1, &|_| {}) {
            Ok(results) => {
                tally.simulated += 1;
                if let Some(summary) = sim.summarize(&results) {
                    finite("simulation summary", &format!("{summary:?}"))?;
                }
            }
            Err(e) => {
                tally.engine_errors += 1;
                if std::env::var_os("FLEETPLAN_FUZZ_VERBOSE").is_some() {
                    println!("simulate run: {e}");
                }
            }
        },
        Err(e) => {
            tally.engine_errors += 1;
            if std::env::var_os("FLEETPLAN_FUZZ_VERBOSE").is_some() {
                println!("simulate build: {e}");
            }
        }
    }
    Ok(())
}
