//! `fleetplan perf infer|train|gen`: what a chip delivers for a workload — the best
//! configuration and its figures (and, for inference, the latency–throughput curve).

use super::args::{parse_precision, positive, serving_engine, unknown_listing as unknown, user_error};
use super::{Failure, condensed_table, out, to_json};
use clap::{Args, Subcommand};
use comfy_table::Table;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::units::Precision;
use fleetplan_models::PerfError;
use fleetplan_models::generation::generation;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{
    self, InferenceQuery, Layout, LayoutResult, OperatingPoint, RequestShape, ServeMode, Slo,
};
use fleetplan_models::shape::default_kv_precision;
use fleetplan_models::train::{LayoutConstraint, TrainEngine, TrainJob, search_training};

/// Subcommands of `fleetplan perf`.
#[derive(Debug, Subcommand)]
pub enum PerfCommand {
    /// LLM serving: best layout and batch, tokens/s per chip, TTFT/TPOT, binding resource.
    Infer(InferArgs),
    /// LLM training: fastest layout that fits, step time, MFU, time to train, chip-hours.
    Train(TrainArgs),
    /// Image/video generation: items/s and video-seconds/s per chip.
    Gen(GenArgs),
}

/// Arguments of `fleetplan perf infer`.
#[derive(Debug, Args)]
pub struct InferArgs {
    /// Accelerator id (see `fleetplan catalog chips`).
    #[arg(long)]
    pub chip: String,
    /// Chips in the serving instance.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub chips: u32,
    /// Model id.
    #[arg(long)]
    pub model: String,
    /// Weights/activations precision: bf16, fp16, fp8, int8, fp4, w4a16.
    #[arg(long, default_value = "bf16", value_parser = parse_precision)]
    pub precision: Precision,
    /// KV-cache precision (default: fp8 for 8/4-bit runs, bf16 otherwise).
    #[arg(long, value_parser = parse_precision)]
    pub kv_precision: Option<Precision>,
    /// Mean prompt tokens per request.
    #[arg(long, default_value_t = 1000.0, value_parser = positive)]
    pub input: f64,
    /// Mean generated tokens per request.
    #[arg(long, default_value_t = 200.0, value_parser = positive)]
    pub output: f64,
    /// Share of prompt tokens served from a prefix cache, 0–1.
    #[arg(long, default_value_t = 0.0)]
    pub cached_fraction: f64,
    /// offline, server, prefill or decode (default: server when a latency limit is given, else
    /// offline).
    #[arg(long, value_parser = parse_scenario)]
    pub scenario: Option<ServeMode>,
    /// p99 time-to-first-token limit, ms.
    #[arg(long, value_parser = positive)]
    pub ttft_p99_ms: Option<f64>,
    /// p99 time-per-output-token limit, ms.
    #[arg(long, value_parser = positive)]
    pub tpot_p99_ms: Option<f64>,
    /// Serving engine (see `fleetplan catalog engines`; default: the best-tuned engine for the
    /// chip's vendor): sets the running-request cap, step overhead and the layouts searched.
    #[arg(long)]
    pub engine: Option<String>,
    /// Release of `--engine` to model, e.g. 0.6.0 (default: the latest the catalog describes).
    #[arg(long, requires = "engine")]
    pub engine_version: Option<String>,
    /// Parallelism degrees to fix (the rest is searched).
    #[command(flatten)]
    pub layout: FixedLayoutArgs,
    /// Print the latency–throughput curve of the chosen layout.
    #[arg(long)]
    pub curve: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Parallelism degrees a user may fix for `perf infer` and `perf train`; unset ones are searched.
#[derive(Debug, Args)]
pub struct FixedLayoutArgs {
    /// Fix tensor parallelism (otherwise searched).
    #[arg(long)]
    pub tp: Option<u32>,
    /// Fix pipeline stages.
    #[arg(long)]
    pub pp: Option<u32>,
    /// Fix data parallelism (replicas; attention data-parallel ranks in wide-EP serving).
    #[arg(long)]
    pub dp: Option<u32>,
    /// Fix expert parallelism.
    #[arg(long)]
    pub ep: Option<u32>,
}

/// Arguments of `fleetplan perf train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Accelerator id.
    #[arg(long)]
    pub chip: String,
    /// Chips in the job.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub chips: u32,
    /// Model id.
    #[arg(long)]
    pub model: String,
    /// Training precision (GEMMs): bf16, fp16, fp8.
    #[arg(long, default_value = "bf16", value_parser = parse_precision)]
    pub precision: Precision,
    /// Sequence length, tokens.
    #[arg(long, default_value_t = 8192.0, value_parser = positive)]
    pub seq_len: f64,
    /// Tokens to train on.
    #[arg(long, default_value_t = 1e12, value_parser = positive)]
    pub tokens: f64,
    /// Global batch, tokens per step (default: 8 × pp micro-batches per replica).
    #[arg(long, value_parser = positive)]
    pub global_batch_tokens: Option<f64>,
    /// Parallelism degrees to fix (the rest is searched).
    #[command(flatten)]
    pub layout: FixedLayoutArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `fleetplan perf gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Accelerator id.
    #[arg(long)]
    pub chip: String,
    /// Diffusion model id.
    #[arg(long)]
    pub model: String,
    /// Precision of the denoiser.
    #[arg(long, default_value = "bf16", value_parser = parse_precision)]
    pub precision: Precision,
    /// Denoising steps (default: the model's).
    #[arg(long)]
    pub steps: Option<u32>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_scenario(s: &str) -> Result<ServeMode, String> {
    ServeMode::parse(s)
        .ok_or_else(|| format!("unknown scenario `{s}`; expected one of offline, server, prefill, decode"))
}

/// Run `fleetplan perf ...`.
pub fn run(catalog: &Catalog, args: &PerfCommand) -> Result<(), Failure> {
    match args {
        PerfCommand::Infer(a) => infer_cmd(catalog, a),
        PerfCommand::Train(a) => train_cmd(catalog, a),
        PerfCommand::Gen(a) => gen_cmd(catalog, a),
    }
}

fn perf_err(e: PerfError) -> Failure {
    match e {
        PerfError::Unknown(u) => unknown(u),
        other => user_error(other),
    }
}

fn infer_cmd(catalog: &Catalog, a: &InferArgs) -> Result<(), Failure> {
    let model = catalog.llm(&a.model).map_err(unknown)?;
    let chip = catalog.resolve_chip(&a.chip).map_err(unknown)?;
    let choice = serving_engine(catalog, a.engine.as_deref(), a.engine_version.as_deref(), &chip)?;
    let stack = choice.stack;
    let rates = ChipRates::of_chip(catalog, &chip, a.precision).map_err(perf_err)?;
    let workload = RequestShape::new(a.input, a.output, a.cached_fraction);
    workload.check().map_err(perf_err)?;
    let slo = Slo { ttft_p99_ms: a.ttft_p99_ms, tpot_p99_ms: a.tpot_p99_ms };
    let scenario = a.scenario.unwrap_or(ServeMode::implied_by(&slo));
    let kv = a.kv_precision.unwrap_or_else(|| default_kv_precision(a.precision));
    let query = InferenceQuery {
        model,
        rates,
        stack,
        kv_precision: kv,
        chips: a.chips,
        request: workload,
        mode: scenario,
        slo,
    };
    let fixed = a.layout.tp.is_some() || a.layout.pp.is_some() || a.layout.dp.is_some() || a.layout.ep.is_some();
    let result: LayoutResult = if fixed {
        let tp = a.layout.tp.unwrap_or(1);
        let pp = a.layout.pp.unwrap_or(1);
        let dp = a.layout.dp.unwrap_or_else(|| (a.chips / (tp * pp)).max(1));
        let layout = Layout { tp, pp, dp, ep: a.layout.ep.unwrap_or(1) };
        if layout.chips() > a.chips {
            return Err(user_error(format!(
                "tp {tp} × pp {pp} × dp {dp} = {} chips exceeds --chips {}",
                layout.chips(),
                a.chips
            )));
        }
        let e = query.engine(layout).map_err(perf_err)?;
        infer::best_for_layout(&e, &workload, scenario, &slo, a.chips, None).map_err(perf_err)?
    } else {
        infer::search(&query).map_err(perf_err)?
    };
    let mut curve = Vec::new();
    if a.curve {
        let e = query.engine(result.layout).map_err(perf_err)?;
        let no_slo = Slo::default();
        infer::best_for_layout(&e, &workload, scenario.without_limits(), &no_slo, a.chips, Some(&mut curve))
            .map_err(perf_err)?;
    }
    if a.json {
        let v = serde_json::json!({
            "chip": a.chip, "model": model.id, "precision": a.precision, "kv_precision": kv,
            "engine": choice.engine, "engine_version": a.engine_version, "engine_description": choice.line,
            "stack": stack,
            "chips": a.chips, "scenario": scenario, "workload": workload, "slo": slo,
            "result": result, "curve": if a.curve { Some(&curve) } else { None },
        });
        out(&to_json(&v)?);
        return Ok(());
    }
    let b = &result.best;
    let l = result.layout;
    let rows: Vec<(&str, String)> = vec![
        (
            "layout",
            format!(
                "tp {} × pp {} × dp {} (ep {}), {} of {} chips used",
                l.tp, l.pp, l.dp, l.ep, result.chips_used, result.chips_total
            ),
        ),
        ("batch per replica", format!("{:.0} (memory allows {:.0})", b.batch, result.max_batch_memory)),
        ("output tokens/s per chip", format!("{:.1}", b.output_tokens_per_s_per_chip)),
        ("input tokens/s per chip", format!("{:.1}", b.input_tokens_per_s_per_chip)),
        ("TPOT mean / p99", format!("{:.1} / {:.1} ms", b.tpot_ms, b.tpot_p99_ms)),
        ("TTFT mean / p99", format!("{:.1} / {:.1} ms", b.ttft_ms, b.ttft_p99_ms)),
        ("binding resource", b.binding.as_str().to_string()),
        (
            "step split",
            format!(
                "compute {:.1} ms, memory {:.1} ms, interconnect {:.1} ms, overhead {:.1} ms",
                b.step.compute_s * 1e3,
                b.step.memory_s * 1e3,
                b.step.comm_s * 1e3,
                b.step.overhead_s * 1e3
            ),
        ),
        ("weights per chip", format!("{:.1} GB", result.weights_gb_per_chip)),
        ("KV cache per token per chip", format!("{:.0} bytes ({kv})", result.kv_bytes_per_token_per_chip)),
    ];
    out(&format!(
        "{} on {} × {} ({}, {}), input {} / output {} tokens",
        model.id,
        a.chips,
        a.chip,
        a.precision,
        scenario.as_str(),
        a.input,
        a.output
    ));
    out(&format!("engine: {}", choice.line));
    out(&figures_table(rows).to_string());
    if a.curve {
        out(&curve_table(&curve, scenario));
    }
    Ok(())
}

/// A two-column `figure | value` table of one result.
fn figures_table(rows: Vec<(&str, String)>) -> Table {
    let mut t = condensed_table();
    t.set_header(["figure", "value"]);
    for (figure, value) in rows {
        t.add_row([figure.to_string(), value]);
    }
    t
}

fn curve_table(curve: &[OperatingPoint], scenario: ServeMode) -> String {
    let mut t = condensed_table();
    let prefill = scenario == ServeMode::Prefill;
    t.set_header([
        if prefill { "tokens/step" } else { "batch" },
        "TPOT ms",
        "TTFT ms",
        "output tok/s/chip",
        "input tok/s/chip",
        "binding",
    ]);
    for p in curve {
        t.add_row([
            format!("{:.0}", p.batch),
            format!("{:.1}", p.tpot_ms),
            format!("{:.1}", p.ttft_ms),
            format!("{:.1}", p.output_tokens_per_s_per_chip),
            format!("{:.1}", p.input_tokens_per_s_per_chip),
            p.binding.as_str().to_string(),
        ]);
    }
    format!("latency–throughput curve\n{t}")
}

fn train_cmd(catalog: &Catalog, a: &TrainArgs) -> Result<(), Failure> {
    let model = catalog.llm(&a.model).map_err(unknown)?;
    catalog.accelerator(&a.chip).map_err(unknown)?;
    let rates = ChipRates::from_catalog(catalog, &a.chip, a.precision).map_err(perf_err)?;
    let job = TrainJob { seq_len: a.seq_len, global_batch_tokens: a.global_batch_tokens, tokens: a.tokens };
    let engine = TrainEngine::new(model, rates, job).map_err(perf_err)?;
    let c = LayoutConstraint { tp: a.layout.tp, pp: a.layout.pp, dp: a.layout.dp, ep: a.layout.ep };
    let s = search_training(&engine, model, a.chips, &c).map_err(perf_err)?;
    if a.json {
        let v = serde_json::json!({
            "chip": a.chip, "model": model.id, "precision": a.precision, "chips": a.chips,
            "model_flops_per_token": engine.model_flops_per_token(),
            "total_model_flops": engine.model_flops_per_token() * a.tokens,
            "search": s,
        });
        out(&to_json(&v)?);
        return Ok(());
    }
    let p = &s.best;
    let l = p.layout;
    let rows: Vec<(&str, String)> = vec![
        (
            "layout",
            format!(
                "tp {} × pp {} × dp {} (ep {}), ZeRO-{}, recompute {:?}, micro-batch {}, {} virtual stages",
                l.tp, l.pp, l.dp, l.ep, l.zero, l.recompute, l.micro_batch, l.virtual_stages
            ),
        ),
        ("layouts searched / fitting", format!("{} / {}", s.layouts_evaluated, s.layouts_fitting)),
        ("model FLOPs per token", format!("{:.3e}", engine.model_flops_per_token())),
        ("total model FLOPs", format!("{:.3e}", engine.model_flops_per_token() * a.tokens)),
        (
            "step time",
            format!("{:.2} s ({:.0} tokens, {:.0} micro-batches)", p.step_s, p.tokens_per_step, p.microbatches),
        ),
        ("MFU", format!("{:.1} %", p.mfu * 100.0)),
        ("model TFLOP/s per chip", format!("{:.0}", p.model_tflops_per_chip)),
        ("pipeline bubble", format!("{:.1} %", p.bubble_fraction * 100.0)),
        ("exposed communication per step", format!("{:.2} s", p.comm_s)),
        ("memory per chip", format!("{:.1} GB", p.memory_gb_per_chip)),
        ("tokens/s", format!("{:.0}", p.tokens_per_s)),
        ("time to train", format!("{:.1} days", p.time_to_train_h / 24.0)),
        ("chip-hours", format!("{:.3e}", p.chip_hours)),
    ];
    out(&format!("training {} on {} × {} ({})", model.id, a.chips, a.chip, a.precision));
    out(&figures_table(rows).to_string());
    Ok(())
}

fn gen_cmd(catalog: &Catalog, a: &GenArgs) -> Result<(), Failure> {
    let model = catalog.diffusion(&a.model).map_err(unknown)?;
    catalog.accelerator(&a.chip).map_err(unknown)?;
    let rates = ChipRates::from_catalog(catalog, &a.chip, a.precision).map_err(perf_err)?;
    let g = generation(model, &rates, a.steps).map_err(perf_err)?;
    if a.json {
        let v = serde_json::json!({"chip": a.chip, "model": model.id, "precision": a.precision, "result": g});
        out(&to_json(&v)?);
        return Ok(());
    }
    let mut rows: Vec<(&str, String)> = vec![
        ("TFLOP per item", format!("{:.1}", g.tflop_per_item)),
        ("batch", g.batch.to_string()),
        ("batch latency", format!("{:.2} s", g.batch_latency_s)),
        ("items/s per chip", format!("{:.3}", g.items_per_s_per_chip)),
    ];
    if let Some(v) = g.video_seconds_per_s_per_chip {
        rows.push(("video-seconds/s per chip", format!("{v:.4}")));
    }
    rows.push(("memory per chip", format!("{:.1} GB", g.memory_gb)));
    out(&format!("{} on {} ({})", model.id, a.chip, a.precision));
    out(&figures_table(rows).to_string());
    Ok(())
}
