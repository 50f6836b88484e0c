//! Fuzz harness (cargo-fuzz needs a nightly toolchain; this is a plain test binary driven by
//! seeded generators, so it runs on stable and in CI).
//!
//! Targets, each a `#[test]`:
//! - `reader_scenario`: `fleetplan_core::scenario::validate` on mutated examples, valid and
//!   broken fixtures, and random TOML;
//! - `reader_trace`: the simulator's trace reader (`sim::parse_trace`) on random and mutated CSV;
//! - `reader_cases`: the validation-case reader with its id check
//!   (`fleetplan_io::cases::parse_case_source`) on mutated calibration cases and random TOML;
//! - `reader_catalog`: the catalog override reader (`CatalogFile::parse`, then
//!   `Catalog::apply_override` on a copy of the built-in catalog) on mutated built-in entries;
//! - `engines`: small valid random scenarios (`scenarios.rs`) through `evaluate`, `plan`
//!   (optimize) and the scenario form of `simulate`.
//!
//! Each case asserts: no panic (caught per case and reported with its index), a per-case time
//! limit (a watchdog thread ends the process with the case's index when one runs over), and on
//! success no non-finite number in the result (its `{:?}` rendering holds no `inf`/`NaN`).
//!
//! Case `i` of a target is generated from the seed `case_seed(target salt, i)` alone, so a run
//! resumes (or is split over processes) at any index and one case is reproduced by
//! `FLEETPLAN_FUZZ_START=i FLEETPLAN_FUZZ_CASES=1`. Knobs (environment):
//! - `FLEETPLAN_FUZZ_START`: first case index (default 0);
//! - `FLEETPLAN_FUZZ_CASES`: cases per reader target (default 300: a few seconds in CI);
//! - `FLEETPLAN_FUZZ_ENGINE_CASES`: engine cases (default 2);
//! - `FLEETPLAN_FUZZ_DUMP=DIR`: write each engine case's scenario to `DIR/engine-case-I.toml`
//!   (to rerun a finding through the CLI);
//! - `FLEETPLAN_FUZZ_STAGES`: the engine stages to run, comma-separated of `plan`, `evaluate`,
//!   `simulate` (default all; e.g. `plan` to check only the planner);
//! - `FLEETPLAN_FUZZ_SLOW_MS=N`: print every case that takes N ms or more (profiling).
//!
//! A long run (figures in docs/benchmarks.md, "Fuzzing"):
//! `FLEETPLAN_FUZZ_CASES=2500000 FLEETPLAN_FUZZ_ENGINE_CASES=0 cargo test --release -p fleetplan
//! --test fuzz -- --nocapture`.

mod inputs;
mod scenarios;

use fleetplan_core::catalog::{BUILTIN_FILES, Catalog, CatalogFile};
use inputs::{Rng, case_seed, mutate_some, non_finite_in_debug, random_toml, random_trace};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Time limit of one reader case (a hang, not a slow case: a reader case takes microseconds).
const READER_LIMIT: Duration = Duration::from_secs(10);
/// Time limit of one engine case (evaluate + plan with a 5 s solver limit + a short simulation).
const ENGINE_LIMIT: Duration = Duration::from_secs(120);
/// Findings printed in full per target.
const MAX_PRINTED_FINDINGS: usize = 20;

fn knob(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v} is not a whole number")),
        Err(_) => default,
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::builtin().expect("built-in catalog"))
}

/// Every `.toml` text in `dir` (sorted by name), empty when the directory is missing.
fn texts_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.retain(|p| p.extension().is_some_and(|x| x == "toml"));
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// One running case per target, watched by one thread that ends the process when a case runs
/// past its limit (a hang cannot be caught in-process any other way).
struct Slot {
    name: &'static str,
    limit: Duration,
    /// Index of the running case, u64::MAX when idle.
    index: AtomicU64,
    /// When it started, ns since the watchdog's epoch.
    started_ns: AtomicU64,
}

struct Watchdog {
    epoch: Instant,
    slots: Mutex<Vec<Arc<Slot>>>,
}

fn watchdog() -> &'static Watchdog {
    static DOG: OnceLock<Watchdog> = OnceLock::new();
    DOG.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let dog = watchdog();
                let now = dog.epoch.elapsed().as_nanos() as u64;
                for slot in dog.slots.lock().unwrap().iter() {
                    let index = slot.index.load(Ordering::SeqCst);
                    let started = slot.started_ns.load(Ordering::SeqCst);
                    if index != u64::MAX && now.saturating_sub(started) > slot.limit.as_nanos() as u64 {
                        eprintln!(
                            "FUZZ HANG: target {} case {index} ran over {:?}; reproduce with FLEETPLAN_FUZZ_START={index} FLEETPLAN_FUZZ_CASES=1 (or FLEETPLAN_FUZZ_ENGINE_CASES=1)",
                            slot.name, slot.limit
                        );
                        std::process::exit(3);
                    }
                }
            }
        });
        Watchdog { epoch: Instant::now(), slots: Mutex::new(Vec::new()) }
    })
}

/// What one case did.
enum Outcome {
    /// The input was accepted and its result checked.
    Accepted,
    /// The input was rejected with a diagnostic or a typed error.
    Rejected,
}

/// Run cases `start..start + count` of one target; returns the findings (panics, slow cases,
/// failed checks), each naming its case index.
fn run_target(
    name: &'static str,
    salt: u64,
    count: u64,
    limit: Duration,
    mut case: impl FnMut(u64, &mut Rng) -> Result<Outcome, String>,
) -> Vec<String> {
    let start = knob("FLEETPLAN_FUZZ_START", 0);
    let slow_ms = knob("FLEETPLAN_FUZZ_SLOW_MS", u64::MAX);
    let dog = watchdog();
    let slot = Arc::new(Slot { name, limit, index: AtomicU64::new(u64::MAX), started_ns: AtomicU64::new(0) });
    dog.slots.lock().unwrap().push(slot.clone());
    let (mut accepted, mut rejected, mut findings) = (0u64, 0u64, Vec::new());
    let began = Instant::now();
    for index in start..start.saturating_add(count) {
        slot.started_ns.store(dog.epoch.elapsed().as_nanos() as u64, Ordering::SeqCst);
        slot.index.store(index, Ordering::SeqCst);
        let mut rng = Rng::new(case_seed(salt, index));
        let t = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| case(index, &mut rng)));
        let took = t.elapsed();
        match result {
            Ok(Ok(Outcome::Accepted)) => accepted += 1,
            Ok(Ok(Outcome::Rejected)) => rejected += 1,
            Ok(Err(problem)) => findings.push(format!("{name} case {index}: {problem}")),
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                findings.push(format!("{name} case {index}: panic: {msg}"));
            }
        }
        if took > limit {
            findings.push(format!("{name} case {index}: took {took:?} (limit {limit:?})"));
        }
        if took.as_millis() as u64 >= slow_ms {
            println!("  slow: {name} case {index} took {:.0} ms", took.as_secs_f64() * 1e3);
        }
    }
    slot.index.store(u64::MAX, Ordering::SeqCst);
    let secs = began.elapsed().as_secs_f64();
    println!(
        "fuzz {name}: cases {start}..{} ({count}), accepted {accepted}, rejected {rejected}, findings {}, {secs:.1} s ({:.1} µs/case)",
        start.saturating_add(count),
        findings.len(),
        secs * 1e6 / count.max(1) as f64
    );
    for f in findings.iter().take(MAX_PRINTED_FINDINGS) {
        println!("  FINDING {f}");
    }
    findings
}

fn assert_no_findings(name: &str, findings: &[String]) {
    assert!(
        findings.is_empty(),
        "{name}: {} findings (first: {}); reproduce one with FLEETPLAN_FUZZ_START=<case> FLEETPLAN_FUZZ_CASES=1",
        findings.len(),
        findings[0]
    );
}

/// Err when the `{:?}` rendering of an accepted value holds a non-finite number.
fn finite(what: &str, debug: &str) -> Result<Outcome, String> {
    match non_finite_in_debug(debug) {
        Some(context) => Err(format!("accepted with a non-finite value in {what}: …{context}…")),
        None => Ok(Outcome::Accepted),
    }
}

/// Seed texts of `seeds`, mutated; 1 in 10 cases is random TOML instead.
fn mutated_or_random(rng: &mut Rng, seeds: &[String]) -> String {
    if seeds.is_empty() || rng.chance(0.1) {
        return random_toml(rng);
    }
    let seed = rng_pick(rng, seeds);
    mutate_some(rng, seed)
}

fn rng_pick<'a>(rng: &mut Rng, seeds: &'a [String]) -> &'a str {
    &seeds[rng.below(seeds.len())]
}

#[test]
fn reader_scenario() {
    // Valid seeds (examples, valid fixtures) get half the cases, so that mutated texts often
    // still pass and reach the engines' checks; broken and hostile fixtures the other half.
    let mut valid = texts_in(&manifest_dir().join("../../examples"));
    valid.extend(texts_in(&manifest_dir().join("tests/valid")));
    let mut broken = texts_in(&manifest_dir().join("tests/broken"));
    broken.extend(texts_in(&manifest_dir().join("tests/hostile/files")));
    assert!(valid.len() >= 4 && broken.len() >= 10, "seed texts not found");
    let findings = run_target("reader_scenario", 0x5CE0, knob("FLEETPLAN_FUZZ_CASES", 300), READER_LIMIT, |_, rng| {
        let seeds = if rng.chance(0.5) { &valid } else { &broken };
        let text = mutated_or_random(rng, seeds);
        match fleetplan_core::scenario::validate("fuzz.toml", &text, catalog()) {
            Ok(s) => finite("the scenario", &format!("{s:?}")),
            Err(d) if d.is_empty() => Err("rejected without a diagnostic".into()),
            Err(_) => Ok(Outcome::Rejected),
        }
    });
    assert_no_findings("reader_scenario", &findings);
}

#[test]
fn reader_trace() {
    let findings = run_target("reader_trace", 0x72AC, knob("FLEETPLAN_FUZZ_CASES", 300), READER_LIMIT, |_, rng| {
        let base = random_trace(rng);
        let text = if rng.chance(0.5) { base } else { mutate_some(rng, &base) };
        match fleetplan_engines::sim::parse_trace("fuzz.csv", &text) {
            Ok(rows) => {
                if let Some(row) = rows.iter().find(|r| !r.arrival_s.is_finite()) {
                    return Err(format!("accepted a non-finite arrival {row:?} from {text:?}"));
                }
                Ok(Outcome::Accepted)
            }
            Err(d) if d.is_empty() => Err("rejected without a diagnostic".into()),
            Err(_) => Ok(Outcome::Rejected),
        }
    });
    assert_no_findings("reader_trace", &findings);
}

/// The `[[case]]` blocks of a case file, one text each.
fn case_blocks(text: &str) -> Vec<String> {
    text.split("\n[[case]]").skip(1).map(|b| format!("[[case]]{b}")).collect()
}

#[test]
fn reader_cases() {
    let data = manifest_dir().join("../fleetplan-models/tests/data");
    let mut seeds = Vec::new();
    for file in ["calibration.toml", "calibration-extended.toml"] {
        seeds.extend(case_blocks(&std::fs::read_to_string(data.join(file)).expect("calibration cases")));
    }
    assert!(seeds.len() >= 10, "case seeds not found");
    let findings = run_target("reader_cases", 0xCA5E, knob("FLEETPLAN_FUZZ_CASES", 300), READER_LIMIT, |_, rng| {
        // One to three cases per file, so duplicate ids and cross-case problems arise too.
        let mut text = mutated_or_random(rng, &seeds);
        for _ in 0..rng.below(3) {
            text.push('\n');
            let seed = rng_pick(rng, &seeds);
            text.push_str(&mutate_some(rng, seed));
        }
        let input = fleetplan_io::SourceText::new("fuzz-cases.toml", text);
        match fleetplan_io::cases::parse_case_source(input, catalog()) {
            Ok(set) if set.cases.is_empty() => Ok(Outcome::Rejected),
            Ok(set) => finite("the cases", &format!("{:?}", set.cases)),
            Err(d) if d.diagnostics.is_empty() => Err("rejected without a diagnostic".into()),
            Err(_) => Ok(Outcome::Rejected),
        }
    });
    assert_no_findings("reader_cases", &findings);
}

/// The entries of the built-in catalog files, one text each (`[[kind]]` block).
fn catalog_entries() -> Vec<String> {
    let mut entries = Vec::new();
    for (_, text) in BUILTIN_FILES {
        entries.extend(text.split("\n[[").skip(1).map(|b| format!("[[{b}")));
    }
    entries
}

#[test]
fn reader_catalog() {
    let seeds = catalog_entries();
    assert!(seeds.len() >= 50, "catalog entries not found");
    let findings = run_target("reader_catalog", 0xCA7A, knob("FLEETPLAN_FUZZ_CASES", 300), READER_LIMIT, |_, rng| {
        let text = mutated_or_random(rng, &seeds);
        match CatalogFile::parse("fuzz-catalog.toml", &text) {
            Ok(file) => {
                let mut copy = catalog().clone();
                match copy.apply_override("fuzz-catalog.toml", &text) {
                    Ok(_) => finite("the override", &format!("{file:?}")),
                    Err(d) if d.is_empty() => Err("override rejected without a diagnostic".into()),
                    Err(_) => Ok(Outcome::Rejected),
                }
            }
            Err(d) if d.is_empty() => Err("rejected without a diagnostic".into()),
            Err(_) => Ok(Outcome::Rejected),
        }
    });
    assert_no_findings("reader_catalog", &findings);
}

/// Seed salt of the engine target.
const ENGINE_SALT: u64 = 0xE161;

/// Engine cases on which the planner's default backend (microlp) once failed numerically on a
/// valid scenario: "Singular matrix" (238, 1486, 3527, 3528, 1000044) and "exactly integral
/// solution failed feasibility validation after slack-basis retry" (the others; 200–699 are
/// every such case of that range). Fixed by the scaled model (`plan/model/scaled.rs`);
/// 2039004 and 2090186 (the 10^5-case campaign of 2026-11-30) fail on every form of the exact
/// model and are planned by the fallback to the relaxation path (`plan::NUMERICAL_FALLBACK`).
const PLANNER_REGRESSIONS: [u64; 15] =
    [238, 254, 277, 297, 420, 428, 513, 571, 616, 1486, 3527, 3528, 1_000_044, 2_039_004, 2_090_186];

#[test]
fn engines_planner_regressions() {
    let options = fleetplan_engines::plan::PlanOptions { time_limit_s: 5.0, ..Default::default() };
    for index in PLANNER_REGRESSIONS {
        let mut rng = Rng::new(case_seed(ENGINE_SALT, index));
        let text = scenarios::scenario_text(&mut rng, catalog());
        let s = fleetplan_core::scenario::validate("fuzz-engine.toml", &text, catalog())
            .unwrap_or_else(|d| panic!("engine case {index} no longer validates: {d:?}"));
        match fleetplan_engines::plan::plan(&s, catalog(), &options) {
            Ok(p) => assert!(p.solver.model_form.is_some(), "engine case {index}"),
            Err(e) => panic!("engine case {index}: the planner failed on a valid scenario: {e}"),
        }
    }
}

#[test]
fn engines() {
    let tally = Arc::new(Mutex::new(scenarios::EngineTally::default()));
    let t = tally.clone();
    let findings =
        run_target("engines", ENGINE_SALT, knob("FLEETPLAN_FUZZ_ENGINE_CASES", 2), ENGINE_LIMIT, move |index, rng| {
            let text = scenarios::scenario_text(rng, catalog());
            if let Some(dir) = std::env::var_os("FLEETPLAN_FUZZ_DUMP") {
                // Keep the scenario, to rerun a finding through the CLI.
                let _ = std::fs::write(PathBuf::from(dir).join(format!("engine-case-{index}.toml")), &text);
            }
            let mut tally = t.lock().unwrap_or_else(|e| e.into_inner());
            match fleetplan_core::scenario::validate("fuzz-engine.toml", &text, catalog()) {
                Ok(s) => {
                    tally.valid += 1;
                    scenarios::run_engines(&s, catalog(), rng, &mut tally).map(|()| Outcome::Accepted)
                }
                Err(_) => {
                    tally.rejected += 1;
                    Ok(Outcome::Rejected)
                }
            }
        });
    println!("fuzz engines: {:?}", tally.lock().unwrap_or_else(|e| e.into_inner()));
    assert_no_findings("engines", &findings);
}
