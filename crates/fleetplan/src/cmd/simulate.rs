//! `fleetplan simulate`: discrete-event serving simulation, printing latency percentiles,
//! throughput, goodput and SLO attainment, with an optional CSV time series and SVG charts.
//!
//! Two forms: a scenario file (`fleetplan simulate FILE`: one chat workload on the fleet the
//! evaluation gives it, per user region and chip, sampled to a representative slice when the
//! day is too large; docs/simulator.md), or a standalone deployment named by flags (chip ×
//! chips, model, layout, Poisson or trace arrivals; the MLPerf-server-like case).
//!
//! A progress bar appears on stderr when a run takes over a second and stderr is a terminal; it
//! never touches stdout or the results.

use super::args::{parse_precision, perf_failure, positive, unknown, user_error, within};
use super::evaluate::evaluate_scenario;
use super::{Failure, condensed_table, input_failure, load_scenario, out, to_json};
use crate::ui;
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::Quarter;
use fleetplan_core::units::Precision;
use fleetplan_engines::sim::scenario::{
    DEFAULT_REPAIR_HOURS, ScenarioSim, ScenarioSimError, ScenarioSimOptions, ScenarioSummary, chip_failures,
};
use fleetplan_engines::sim::{Analytical, Percentiles, Routing, Sample, SimResult, SimSummary};
use fleetplan_io::api::perf::PerfInputError;
use fleetplan_io::api::simulate::{
    DEFAULT_SCENARIO_REQUEST_BUDGET, StandaloneError, StandaloneRequest, StandaloneSim, scenario_document,
};
use fleetplan_io::charts::{SimPool, timeseries_charts};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Arguments of `fleetplan simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario file with a `[[fleet]]` (scenario form); without it, the standalone flags
    /// (--chip, --model, ...) describe the deployment.
    pub file: Option<PathBuf>,
    /// Scenario form: chat workload id to simulate (default: the only chat workload).
    #[arg(long)]
    pub workload: Option<String>,
    /// Scenario form: hours of traffic, from local midnight of the workload's diurnal profile.
    #[arg(long, default_value_t = 24.0, value_parser = positive)]
    pub hours: f64,
    /// Scenario form: quarter whose demand and fleet are simulated, e.g. 2025Q3 (default: the
    /// last quarter of the horizon).
    #[arg(long, value_parser = parse_quarter)]
    pub quarter: Option<Quarter>,
    /// Scenario form: share of each pool's replicas (and of its traffic) to simulate, 0–1
    /// (default: automatic, keeping one replication near --requests requests).
    #[arg(long, value_parser = fraction)]
    pub sample_fraction: Option<f64>,
    /// Scenario form: no replica failures (default: failures at --mtbf-hours, or the default
    /// per-chip MTBF from Meta's Llama 3 cluster, 50,000 h).
    #[arg(long)]
    pub no_failures: bool,
    /// Accelerator id (see `fleetplan catalog chips`).
    #[arg(long)]
    pub chip: Option<String>,
    /// Chips in total; replicas = chips / (tp × pp).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub chips: u32,
    /// Tensor-parallel degree of a replica.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub tp: u32,
    /// Pipeline stages of a replica.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub pp: u32,
    /// Model id (see `fleetplan catalog models`).
    #[arg(long)]
    pub model: Option<String>,
    /// Weights/activations precision: bf16, fp16, fp8, int8, fp4, w4a16.
    #[arg(long, default_value = "bf16", value_parser = parse_precision)]
    pub precision: Precision,
    /// Mean arrival rate, requests/s (Poisson).
    #[arg(long, default_value_t = 10.0, value_parser = positive)]
    pub qps: f64,
    /// Prompt tokens per request (the mean when --input-sigma is given).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub input: u32,
    /// Generated tokens per request (the mean when --output-sigma is given).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub output: u32,
    /// Lognormal prompt lengths with this log-space standard deviation (default: fixed).
    #[arg(long, value_parser = non_negative)]
    pub input_sigma: Option<f64>,
    /// Lognormal output lengths with this log-space standard deviation (default: fixed; for a
    /// scenario workload, the lognormal of its `output_tokens_cv`).
    #[arg(long, value_parser = non_negative)]
    pub output_sigma: Option<f64>,
    /// Requests to simulate (standalone form, default 100,000); in the scenario form, the
    /// request budget of one replication that sets the automatic sample (default 1,000,000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,
    /// Replay a trace instead of Poisson arrivals (CSV: arrival_s,input_tokens,output_tokens).
    #[arg(long, value_name = "FILE.csv")]
    pub trace: Option<PathBuf>,
    /// Root seed; replication i runs with a seed derived from (seed, i).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Independent replications, run in parallel.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: u32,
    /// Routing policy: round-robin, least-work or shortest-queue.
    #[arg(long, default_value = "round-robin", value_parser = parse_routing)]
    pub routing: Routing,
    /// Per-request time-to-first-token target, ms (SLO attainment and goodput).
    #[arg(long, value_parser = within("ttft_p99_ms"))]
    pub ttft_p99_ms: Option<f64>,
    /// Per-request time-per-output-token target, ms.
    #[arg(long, value_parser = within("tpot_p99_ms"))]
    pub tpot_p99_ms: Option<f64>,
    /// Mean time between failures of one chip, hours (a replica fails when any chip does).
    #[arg(long, value_parser = positive)]
    pub mtbf_hours: Option<f64>,
    /// Time to repair a failed replica, hours.
    #[arg(long, default_value_t = DEFAULT_REPAIR_HOURS, value_parser = non_negative)]
    pub repair_hours: f64,
    /// Disaggregate: use this many replicas as the prefill pool, the rest decode.
    #[arg(long)]
    pub prefill_replicas: Option<u32>,
    /// Write the time series (queue, running, completions, utilisation, KV use) of the first
    /// replication to this CSV file.
    #[arg(long, value_name = "FILE.csv")]
    pub timeseries: Option<PathBuf>,
    /// Time-series interval, s (default 1 s standalone, 60 s for a scenario).
    #[arg(long, value_parser = positive)]
    pub interval_s: Option<f64>,
    /// Directory to write timeseries.csv, queue.svg and utilization.svg into (created if
    /// missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[command(flatten)]
    pub print: super::args::FormatArg,
}

fn parse_quarter(s: &str) -> Result<Quarter, String> {
    s.parse()
}

fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v > 0.0 && v <= 1.0 { Ok(v) } else { Err(format!("must be a fraction in (0, 1], got `{s}`")) }
}

fn parse_routing(s: &str) -> Result<Routing, String> {
    Routing::parse(s).ok_or_else(|| format!("unknown routing `{s}`; expected one of {}", Routing::NAMES.join(", ")))
}

fn non_negative(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v >= 0.0 { Ok(v) } else { Err(format!("must be a number ≥ 0, got `{s}`")) }
}

fn standalone_err(e: StandaloneError) -> Failure {
    match e {
        StandaloneError::Unknown { argument, err } => unknown(&format!("--{argument}"), &err),
        other => user_error(other),
    }
}

/// Run `fleetplan simulate`.
pub fn run(catalog: &Catalog, a: &SimulateArgs) -> Result<(), Failure> {
    match &a.file {
        Some(file) => run_scenario(catalog, a, file),
        None => run_standalone(catalog, a),
    }
}

/// Progress on stderr: a bar that appears once a run has taken a second, only when stderr is a
/// terminal. It counts completed requests against the expected total and never writes stdout.
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: AtomicBool,
}

impl Progress {
    fn new(expected_requests: f64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let total = if expected_requests.is_finite() { expected_requests.max(1.0) as u64 } else { 1 };
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} simulating [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} requests ({per_sec}, ETA {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, start: Instant::now(), shown: AtomicBool::new(false) }
    }

    /// Count `n` more completed requests (called from the simulation threads).
    fn add(&self, n: u64) {
        let Some(bar) = &self.bar else { return };
        bar.inc(n);
        if self.start.elapsed() > Duration::from_secs(1) && !self.shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn interval(a: &SimulateArgs, default_s: f64) -> Option<f64> {
    (a.timeseries.is_some() || a.out.is_some()).then(|| a.interval_s.unwrap_or(default_s))
}

fn run_standalone(catalog: &Catalog, a: &SimulateArgs) -> Result<(), Failure> {
    let (Some(chip), Some(model)) = (&a.chip, &a.model) else {
        return Err(user_error(
            "give a scenario file, or --chip and --model for a standalone run (e.g. --chip h100-sxm --model llama-2-70b)",
        ));
    };
    let request = StandaloneRequest {
        chip: chip.clone(),
        chips: a.chips,
        tp: a.tp,
        pp: a.pp,
        model: model.clone(),
        precision: a.precision,
        qps: a.qps,
        input: a.input,
        output: a.output,
        input_sigma: a.input_sigma,
        output_sigma: a.output_sigma,
        requests: a.requests,
        routing: a.routing,
        ttft_p99_ms: a.ttft_p99_ms,
        tpot_p99_ms: a.tpot_p99_ms,
        mtbf_hours: a.mtbf_hours,
        repair_hours: a.repair_hours,
        prefill_replicas: a.prefill_replicas,
        sample_interval_s: interval(a, 1.0),
    };
    let setup = request.setup(catalog).map_err(|e| match e {
        PerfInputError::Unknown { argument, err } => unknown(&format!("--{argument}"), &err),
        other => perf_failure(other),
    })?;
    let mut sim = StandaloneSim::new(catalog, &setup).map_err(standalone_err)?;
    if let Some(path) = &a.trace {
        sim.replay(fleetplan_io::trace::read_trace(path).map_err(input_failure)?);
    }
    let progress = Progress::new(sim.expected_requests(a.replications));
    let run = sim.run(a.seed, a.replications, &|n| progress.add(n));
    progress.finish();
    let run = run.map_err(standalone_err)?;
    let Some(summary) = &run.summary else { return Err(Failure::Internal("no replications ran".into())) };
    let runs = &run.runs;
    let series = [("all".to_string(), runs[0].series.as_slice())];
    let pools = [SimPool { label: "all".into(), chip: chip.clone(), runs }];
    write_outputs(a, catalog, &series, &pools)?;
    if a.print.is_json() {
        out(&to_json(&run.document(request.echo()))?);
        return Ok(());
    }
    let (max_requests, analytical) = (run.sim.config.max_requests, run.sim.analytical.as_ref());
    print_text(a, chip, model, &max_requests, summary, analytical, runs);
    Ok(())
}

fn scenario_err(e: ScenarioSimError) -> Failure {
    match e {
        ScenarioSimError::UnknownWorkload { given, suggestion, known } => {
            ui::error(format!(
                "--workload: no chat workload `{given}` in the scenario{}",
                suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
            ));
            if !known.is_empty() {
                ui::help(format!("expected one of: {}", known.join(", ")));
            }
            Failure::User
        }
        other => user_error(other),
    }
}

fn run_scenario(catalog: &Catalog, a: &SimulateArgs, file: &Path) -> Result<(), Failure> {
    for (flag, given) in [("--chip", a.chip.is_some()), ("--model", a.model.is_some()), ("--trace", a.trace.is_some())]
    {
        if given {
            return Err(user_error(format!(
                "{flag} describes a standalone run; with a scenario file the fleet and workload come from the file"
            )));
        }
    }
    let loaded = load_scenario(catalog, file)?;
    let evaluation = evaluate_scenario(catalog, &loaded)?;
    let s = loaded.scenario;
    let opts = ScenarioSimOptions {
        workload: a.workload.clone(),
        quarter: a.quarter,
        hours: a.hours,
        sample_fraction: a.sample_fraction,
        request_budget: a.requests.unwrap_or(DEFAULT_SCENARIO_REQUEST_BUDGET),
        routing: a.routing,
        failures: chip_failures(a.no_failures, a.mtbf_hours, a.repair_hours),
        length_sigma: (a.input_sigma, a.output_sigma),
        sample_interval_s: interval(a, 60.0),
    };
    let sim = fleetplan_engines::sim::scenario::build(&s, catalog, &evaluation, &opts).map_err(scenario_err)?;
    let progress = Progress::new(sim.expected_requests * f64::from(a.replications));
    let results = fleetplan_engines::sim::scenario::run(&sim, a.seed, a.replications, &|n| progress.add(n));
    progress.finish();
    let results = results.map_err(user_error)?;
    let Some(summaries) = sim.summarize(&results) else {
        return Err(Failure::Internal("no replications ran".into()));
    };
    let labels: Vec<String> = sim.pools.iter().map(|p| format!("{}/{}", p.region, p.chip)).collect();
    let series: Vec<(String, &[Sample])> =
        labels.iter().zip(&results).map(|(l, runs)| (l.clone(), runs[0].series.as_slice())).collect();
    let pools: Vec<SimPool> = labels
        .iter()
        .zip(sim.pools.iter().zip(&results))
        .map(|(label, (p, runs))| SimPool { label: label.clone(), chip: p.chip.clone(), runs })
        .collect();
    write_outputs(a, catalog, &series, &pools)?;
    if a.print.is_json() {
        out(&to_json(&scenario_document(&s, &sim, &opts, a.seed, a.replications, &summaries))?);
        return Ok(());
    }
    print_scenario_text(a, &s.name, &sim, &opts, &summaries);
    Ok(())
}

/// A simulated span for people: seconds below two minutes, minutes below two hours, else hours.
fn simulated_span(seconds: f64) -> String {
    match seconds {
        x if x < 120.0 => format!("{x:.0} s"),
        x if x < 7200.0 => format!("{:.1} min", x / 60.0),
        x => format!("{:.1} h", x / 3600.0),
    }
}

fn print_scenario_text(
    a: &SimulateArgs,
    scenario: &str,
    sim: &ScenarioSim,
    opts: &ScenarioSimOptions,
    summaries: &ScenarioSummary,
) {
    let (s, pools, fleet_rps) = (&summaries.fleet, &summaries.pools, summaries.fleet_throughput_rps);
    // Where the request budget stopped arrivals early, say what was simulated, not what was asked.
    let capped = sim.pools.iter().any(|p| p.config.max_requests > 0) && s.simulated_s < sim.hours * 3600.0 * 0.999;
    let traffic = if capped {
        format!(
            "the first {} of {} h of traffic from local midnight (arrivals stopped at the request budget of {})",
            simulated_span(s.simulated_s),
            sim.hours,
            opts.request_budget
        )
    } else {
        format!("{} h of traffic from local midnight", sim.hours)
    };
    out(&format!(
        "{scenario}: workload `{}` ({}) in {}, {traffic}, routing {}, seed {}, {} replication(s)",
        sim.workload,
        sim.model,
        sim.quarter,
        Routing::NAMES[a.routing as usize],
        a.seed,
        a.replications
    ));
    match opts.failures {
        Some((m, r)) => out(&format!("failures: MTBF {m} h per chip, repair {r} h")),
        None => out("failures: none"),
    }
    let mut t = condensed_table();
    t.set_header(vec![
        "users",
        "chip",
        "sites",
        "layout",
        "chips",
        "replicas",
        "simulated",
        "req/s (pool)",
        "req/s (sim)",
        "p99 TTFT ms",
        "p99 TPOT ms",
        "SLO met",
        "util",
    ]);
    for (p, ps) in sim.pools.iter().zip(pools) {
        let l = p.layout;
        t.add_row(vec![
            p.region.clone(),
            format!("{} ({})", p.chip, p.precision),
            p.sites.join(", "),
            pool_layout(&l, p.prefill.as_ref()),
            format!("{:.1}", p.accelerators),
            p.replicas.to_string(),
            p.replicas_simulated.to_string(),
            format!("{:.2}", p.mean_requests_per_s),
            format!("{:.2}", p.simulated_mean_requests_per_s),
            ms(ps.ttft.p99_s),
            ms(ps.tpot.p99_s),
            format!("{:.2} %", ps.slo_attainment * 100.0),
            format!("{:.1} %", ps.utilization * 100.0),
        ]);
    }
    out(&t.to_string());
    let simulated: u32 = sim.pools.iter().map(|p| p.replicas_simulated).sum();
    let replicas: u32 = sim.pools.iter().map(|p| p.replicas).sum();
    if simulated < replicas {
        out(&format!(
            "sampled: {simulated} of {replicas} replicas simulated, each pool's traffic scaled alike (same load per \
             replica); counts and throughputs below are of the simulated slice"
        ));
    }
    for u in &sim.unserved {
        out(&format!(
            "unserved: users in {} ({:.2} req/s mean) have no capacity on this fleet and are not simulated",
            u.region, u.mean_requests_per_s
        ));
    }
    out(&latency_table(s));
    out(&format!(
        "throughput: {:.2} req/s, {:.0} output tok/s, {:.0} input tok/s over {:.0} s simulated; whole fleet ≈ {:.2} \
         req/s",
        s.throughput_rps, s.output_tokens_per_s, s.input_tokens_per_s, s.simulated_s, fleet_rps
    ));
    out(&format!(
        "SLO attainment: {:.2} % of requests meet TTFT and TPOT targets (goodput {:.2} req/s)",
        s.slo_attainment * 100.0,
        s.goodput_rps
    ));
    out(&requests_line(s));
}

fn ms(v: f64) -> String {
    format!("{:.1}", v * 1e3)
}

fn row(name: &str, p: &Percentiles, f: fn(f64) -> String) -> Vec<String> {
    vec![name.to_string(), f(p.p50_s), f(p.p90_s), f(p.p99_s), f(p.p999_s), f(p.mean_s), f(p.max_s)]
}

fn latency_table(s: &SimSummary) -> String {
    let mut t = condensed_table();
    t.set_header(vec!["latency", "p50", "p90", "p99", "p99.9", "mean", "max"]);
    t.add_row(row("TTFT (ms)", &s.ttft, ms));
    t.add_row(row("TPOT (ms)", &s.tpot, ms));
    t.add_row(row("E2E (s)", &s.e2e, |v| format!("{v:.2}")));
    t.add_row(row("queue wait (ms)", &s.queue_wait, ms));
    t.to_string()
}

fn requests_line(s: &SimSummary) -> String {
    format!(
        "requests: {} arrived, {} completed, {} dropped, {} retried after {} failures, {} preemptions; mean in \
         system {:.1}, mean waiting {:.1}; replica utilisation {:.1} %",
        s.requests_arrived,
        s.requests_completed,
        s.requests_dropped,
        s.requests_retried,
        s.failures,
        s.preemptions,
        s.mean_in_system,
        s.mean_waiting,
        s.utilization * 100.0
    )
}

fn print_text(
    a: &SimulateArgs,
    chip: &str,
    model: &str,
    requests: &u64,
    s: &SimSummary,
    an: Option<&Analytical>,
    runs: &[SimResult],
) {
    let replicas = runs[0].replicas;
    let arrivals = if a.trace.is_some() { "trace".to_string() } else { format!("Poisson {} req/s", a.qps) };
    out(&format!(
        "{model} ({}) on {} × {chip}: {replicas} replicas of tp {} × pp {}, {arrivals}, {requests} requests × {} \
         replication(s), seed {}",
        a.precision, a.chips, a.tp, a.pp, a.replications, a.seed
    ));
    out(&latency_table(s));
    out(&format!(
        "throughput: {:.2} req/s, {:.0} output tok/s, {:.0} input tok/s over {:.0} s simulated",
        s.throughput_rps, s.output_tokens_per_s, s.input_tokens_per_s, s.simulated_s
    ));
    if a.ttft_p99_ms.is_some() || a.tpot_p99_ms.is_some() {
        out(&format!(
            "SLO attainment: {:.2} % of requests (goodput {:.2} req/s); p99 TTFT {}, p99 TPOT {}",
            s.slo_attainment * 100.0,
            s.goodput_rps,
            verdict(s.ttft.p99_s, a.ttft_p99_ms),
            verdict(s.tpot.p99_s, a.tpot_p99_ms)
        ));
    }
    out(&requests_line(s));
    if let Some(an) = an {
        out(&format!(
            "analytical (performance engine): single-request TTFT {} ms, TPOT {} ms; max {:.2} req/s at batch {:.0} \
             per replica",
            ms(an.ttft_single_s),
            ms(an.tpot_single_s),
            an.max_requests_per_s,
            an.max_batch
        ));
    }
    if runs.len() > 1 {
        let p99: Vec<f64> = runs.iter().map(|r| r.ttft.quantile(0.99)).collect();
        let lo = p99.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = p99.iter().copied().fold(0.0, f64::max);
        out(&format!("p99 TTFT across replications: {} – {} ms", ms(lo), ms(hi)));
    }
}

fn verdict(p99_s: f64, limit_ms: Option<f64>) -> String {
    match limit_ms {
        Some(l) if p99_s * 1e3 <= l => format!("{} ms ≤ {l} ms (met)", ms(p99_s)),
        Some(l) => format!("{} ms > {l} ms (missed)", ms(p99_s)),
        None => format!("{} ms", ms(p99_s)),
    }
}

/// The time series of the first replication, one block of rows per pool.
fn series_csv(series: &[(String, &[Sample])]) -> String {
    let mut text = String::from("pool,t_s,waiting,running,completed,utilization,kv_usage,replicas_up\n");
    for (pool, rows) in series {
        for s in *rows {
            text.push_str(&format!(
                "{pool},{:.3},{},{},{},{:.4},{:.4},{}\n",
                s.t_s, s.waiting, s.running, s.completed, s.utilization, s.kv_usage, s.replicas_up
            ));
        }
    }
    text
}

/// The time-series charts (queue length, utilisation) of the pools: `fleetplan_io::charts`.
fn charts(catalog: &Catalog, pools: &[SimPool]) -> Result<(String, String), String> {
    let charts = timeseries_charts(catalog, pools);
    let svg = |id: &str| charts.iter().find(|c| c.id == id).map(|c| c.svg.clone()).ok_or("no time series recorded");
    Ok((svg("sim-queue")?, svg("sim-utilization")?))
}

fn write_outputs(
    a: &SimulateArgs,
    catalog: &Catalog,
    series: &[(String, &[Sample])],
    pools: &[SimPool],
) -> Result<(), Failure> {
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|e| user_error(format!("cannot write `{}`: {e}", path.display())))
    };
    if let Some(path) = &a.timeseries {
        write(path, &series_csv(series))?;
    }
    if let Some(dir) = &a.out {
        let (queue, util) = charts(catalog, pools).map_err(Failure::Internal)?;
        let mut staged = super::outdir::StagedOut::new(dir)?;
        staged.write("timeseries.csv", series_csv(series))?;
        staged.write("queue.svg", queue)?;
        staged.write("utilization.svg", util)?;
        staged.commit()?;
        ui::status(format!("wrote timeseries.csv, queue.svg and utilization.svg to {}", dir.display()));
    }
    Ok(())
}

/// A pool's layout for the table: "tp4 pp1" (with "ep…" for wide EP); a disaggregated pool's
/// decode layout and, after "+", its prefill replicas' ("prefill 3 × tp1 pp1 ep16").
fn pool_layout(
    l: &fleetplan_models::infer::Layout,
    prefill: Option<&fleetplan_engines::sim::scenario::PrefillPool>,
) -> String {
    let text = |l: &fleetplan_models::infer::Layout| {
        if l.ep > l.tp { format!("tp{} pp{} ep{}", l.tp, l.pp, l.ep) } else { format!("tp{} pp{}", l.tp, l.pp) }
    };
    match prefill {
        None => text(l),
        Some(p) => format!("decode {} + prefill {} × {}", text(l), p.replicas, text(&p.layout)),
    }
}
