//! `fleetplan simulate`: discrete-event serving simulation of a standalone deployment
//! (chip × chips, model, layout, Poisson or trace arrivals), printing latency percentiles,
//! throughput, goodput and SLO attainment, with an optional CSV time series.

use super::{Failure, out, read_input};
use crate::render::print_diagnostics;
use clap::Args;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use fleetplan_core::catalog::{Catalog, UnknownId};
use fleetplan_core::units::Precision;
use fleetplan_engines::sim::{
    Analytical, ArrivalSource, BuildError, Failures, LengthDist, Percentiles, RateProfile, Routing, SimResult,
    SloTargets, Standalone, Summary, parse_trace, run_replications,
};
use fleetplan_models::PerfError;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `fleetplan simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario file (scenario form; not available yet: use the standalone flags).
    pub file: Option<PathBuf>,
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
    /// Lognormal output lengths with this log-space standard deviation (default: fixed).
    #[arg(long, value_parser = non_negative)]
    pub output_sigma: Option<f64>,
    /// Requests to simulate.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: u64,
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
    #[arg(long, value_parser = positive)]
    pub ttft_p99_ms: Option<f64>,
    /// Per-request time-per-output-token target, ms.
    #[arg(long, value_parser = positive)]
    pub tpot_p99_ms: Option<f64>,
    /// Mean time between failures of one chip, hours (a replica fails when any chip does).
    #[arg(long, value_parser = positive)]
    pub mtbf_hours: Option<f64>,
    /// Time to repair a failed replica, hours.
    #[arg(long, default_value_t = 1.0, value_parser = non_negative)]
    pub repair_hours: f64,
    /// Disaggregate: use this many replicas as the prefill pool, the rest decode.
    #[arg(long)]
    pub prefill_replicas: Option<u32>,
    /// Write the time series (queue, running, completions, utilisation, KV use) of the first
    /// replication to this CSV file.
    #[arg(long, value_name = "FILE.csv")]
    pub timeseries: Option<PathBuf>,
    /// Time-series interval, s.
    #[arg(long, default_value_t = 1.0, value_parser = positive)]
    pub interval_s: f64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

fn parse_precision(s: &str) -> Result<Precision, String> {
    s.parse()
}

fn parse_routing(s: &str) -> Result<Routing, String> {
    Routing::parse(s).ok_or_else(|| format!("unknown routing `{s}`; expected one of {}", Routing::NAMES.join(", ")))
}

fn positive(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v > 0.0 { Ok(v) } else { Err(format!("must be a positive number, got `{s}`")) }
}

fn non_negative(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v >= 0.0 { Ok(v) } else { Err(format!("must be a number ≥ 0, got `{s}`")) }
}

fn user_error(msg: impl std::fmt::Display) -> Failure {
    eprintln!("error: {msg}");
    Failure::User
}

fn unknown(flag: &str, e: &UnknownId) -> Failure {
    eprintln!("error: {flag}: {e}");
    if !e.known.is_empty() {
        eprintln!("  help: expected one of: {}", e.known.join(", "));
    }
    Failure::User
}

fn build_err(e: BuildError) -> Failure {
    match e {
        BuildError::Perf(PerfError::Unknown(u)) => {
            let flag = if u.kind == "accelerator" { "--chip" } else { "--model" };
            unknown(flag, &u)
        }
        other => user_error(other),
    }
}

fn length(mean: u32, sigma: Option<f64>) -> LengthDist {
    match sigma {
        Some(s) if s > 0.0 => LengthDist::LogNormal { mean: f64::from(mean), sigma: s, max: mean.saturating_mul(20) },
        _ => LengthDist::Fixed { tokens: mean },
    }
}

/// Run `fleetplan simulate`.
pub fn run(catalog: &Catalog, a: &SimulateArgs) -> Result<(), Failure> {
    if let Some(file) = &a.file {
        return Err(user_error(format!(
            "the scenario form (`fleetplan simulate {}`) is not implemented yet; use the standalone flags \
             (--chip, --chips, --tp, --model, --precision, --qps, --input, --output, --requests)",
            file.display()
        )));
    }
    let (Some(chip), Some(model)) = (&a.chip, &a.model) else {
        return Err(user_error("give --chip and --model (e.g. --chip h100-sxm --model llama-2-70b)"));
    };
    catalog.accelerator(chip).map_err(|e| unknown("--chip", &e))?;
    catalog.llm(model).map_err(|e| unknown("--model", &e))?;
    let failures = a
        .mtbf_hours
        .map(|h| Failures { replica_mtbf_s: h * 3600.0 / f64::from(a.tp * a.pp), repair_s: a.repair_hours * 3600.0 });
    let setup = Standalone {
        chip: chip.clone(),
        chips: a.chips,
        tp: a.tp,
        pp: a.pp,
        model: model.clone(),
        precision: a.precision,
        input: length(a.input, a.input_sigma),
        output: length(a.output, a.output_sigma),
        rate: RateProfile::constant(a.qps),
        requests: a.requests,
        routing: a.routing,
        slo: SloTargets { ttft_s: a.ttft_p99_ms.map(|v| v / 1e3), tpot_s: a.tpot_p99_ms.map(|v| v / 1e3) },
        failures,
        prefill_replicas: a.prefill_replicas,
        sample_interval_s: a.timeseries.as_ref().map(|_| a.interval_s),
    };
    let mut cfg = setup.config(catalog).map_err(build_err)?;
    if let Some(path) = &a.trace {
        let text = read_input(path)?;
        let rows = parse_trace(&path.display().to_string(), &text).map_err(|d| {
            print_diagnostics(&text, &d);
            Failure::User
        })?;
        cfg.max_requests = rows.len() as u64;
        cfg.arrivals = ArrivalSource::Trace(Arc::from(rows));
    }
    let analytical = setup.analytical(catalog).ok();
    let runs = run_replications(&cfg, a.seed, a.replications).map_err(user_error)?;
    let mut total = runs[0].clone();
    for r in &runs[1..] {
        total.merge(r);
    }
    let summary = total.summary();
    if let Some(path) = &a.timeseries {
        write_series(path, &runs[0])?;
    }
    if a.json {
        let v = serde_json::json!({
            "chip": chip, "chips": a.chips, "tp": a.tp, "pp": a.pp, "model": model,
            "precision": a.precision, "qps": a.qps, "routing": a.routing,
            "requests_per_replication": cfg.max_requests, "replications": a.replications, "seed": a.seed,
            "summary": summary, "analytical": analytical,
            "p99_ttft_s_by_replication": runs.iter().map(|r| r.ttft.quantile(0.99)).collect::<Vec<_>>(),
        });
        out(&serde_json::to_string_pretty(&v).map_err(|e| Failure::Internal(e.to_string()))?);
        return Ok(());
    }
    print_text(a, chip, model, &cfg.max_requests, &summary, analytical.as_ref(), &runs);
    Ok(())
}

fn ms(v: f64) -> String {
    format!("{:.1}", v * 1e3)
}

fn row(name: &str, p: &Percentiles, f: fn(f64) -> String) -> Vec<String> {
    vec![name.to_string(), f(p.p50_s), f(p.p90_s), f(p.p99_s), f(p.p999_s), f(p.mean_s), f(p.max_s)]
}

fn print_text(
    a: &SimulateArgs,
    chip: &str,
    model: &str,
    requests: &u64,
    s: &Summary,
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
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["latency", "p50", "p90", "p99", "p99.9", "mean", "max"]);
    t.add_row(row("TTFT (ms)", &s.ttft, ms));
    t.add_row(row("TPOT (ms)", &s.tpot, ms));
    t.add_row(row("E2E (s)", &s.e2e, |v| format!("{v:.2}")));
    t.add_row(row("queue wait (ms)", &s.queue_wait, ms));
    out(&t.to_string());
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
    out(&format!(
        "requests: {} completed, {} dropped, {} retried after {} failures, {} preemptions; mean in system {:.1}, \
         mean waiting {:.1}; replica utilisation {:.1} %",
        s.requests_completed,
        s.requests_dropped,
        s.requests_retried,
        s.failures,
        s.preemptions,
        s.mean_in_system,
        s.mean_waiting,
        s.utilization * 100.0
    ));
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

fn write_series(path: &std::path::Path, r: &SimResult) -> Result<(), Failure> {
    let mut text = String::from("t_s,waiting,running,completed,utilization,kv_usage,replicas_up\n");
    for s in &r.series {
        text.push_str(&format!(
            "{:.3},{},{},{},{:.4},{:.4},{}\n",
            s.t_s, s.waiting, s.running, s.completed, s.utilization, s.kv_usage, s.replicas_up
        ));
    }
    std::fs::write(path, text).map_err(|e| user_error(format!("cannot write `{}`: {e}", path.display())))
}
