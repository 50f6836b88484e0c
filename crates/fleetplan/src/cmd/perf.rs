//! `fleetplan perf infer|train|gen`: what a chip delivers for a workload — the best
//! configuration and its figures (and, for inference, the latency–throughput curve).

use super::args::{parse_precision, perf_failure, positive, unknown_listing as unknown, user_error, within};
use super::{Failure, condensed_table, out, to_json};
use clap::{Args, Subcommand};
use comfy_table::Table;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::grouped;
use fleetplan_core::units::Precision;
use fleetplan_io::api::perf::{FixedLayout, InferRequest, RequestSettings, TrainRequest};
use fleetplan_models::PerfError;
use fleetplan_models::generation::generation;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{Arrivals, OperatingPoint, RequestShape, ServeMode};
use fleetplan_models::interval::Interval;

/// Subcommands of `fleetplan perf`.
#[derive(Debug, Subcommand)]
pub enum PerfCommand {
    /// LLM serving: best layout and batch, tokens/s per chip, TTFT/TPOT, binding resource.
    #[command(after_help = crate::help::PERF_INFER)]
    Infer(InferArgs),
    /// LLM training: fastest layout that fits, step time, MFU, time to train, chip-hours.
    #[command(after_help = crate::help::PERF_TRAIN)]
    Train(TrainArgs),
    /// Image/video generation: items/s and video-seconds/s per chip.
    #[command(after_help = crate::help::PERF_GEN)]
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
    /// KV-cache precision (default: the serving engine's: fp8 for 8/4-bit runs, bf16 otherwise;
    /// vLLM and SGLang keep the model's 16-bit dtype when named with --engine).
    #[arg(long, value_parser = parse_precision)]
    pub kv_precision: Option<Precision>,
    /// Mean prompt tokens per request.
    #[arg(long, default_value_t = 1000.0, value_parser = positive)]
    pub input: f64,
    /// Mean generated tokens per request.
    #[arg(long, default_value_t = 200.0, value_parser = positive)]
    pub output: f64,
    /// Share of prompt tokens served from a prefix cache, 0 ≤ x < 1 (a scenario chat
    /// workload's `cached_input_fraction`): cached tokens cost only the read of their KV.
    #[arg(long = "cached-input-fraction", visible_alias = "cached-fraction", default_value_t = 0.0)]
    pub cached_fraction: f64,
    /// Output spread and decoding method of the requests.
    #[command(flatten)]
    pub request: RequestArgs,
    /// offline, server, prefill or decode (default: server when a latency limit is given, else
    /// offline).
    #[arg(long, value_parser = parse_scenario)]
    pub scenario: Option<ServeMode>,
    /// p99 time-to-first-token limit, ms.
    #[arg(long, value_parser = within("ttft_p99_ms"))]
    pub ttft_p99_ms: Option<f64>,
    /// p99 time-per-output-token limit, ms.
    #[arg(long, value_parser = within("tpot_p99_ms"))]
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
    #[command(flatten)]
    pub print: super::args::FormatArg,
}

/// How requests decode and arrive in `perf infer`, beyond their mean lengths (the scenario chat
/// workload's fields of the same names, and a benchmark run's burst or concurrency).
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Coefficient of variation of output lengths, 0–10 (default 0: all equal).
    #[arg(long)]
    pub output_cv: Option<f64>,
    /// Longest output, tokens: at least --output, at most the model's context minus --input
    /// (default: output · (1 + 3 · cv)).
    #[arg(long)]
    pub output_max: Option<f64>,
    /// Beam width of beam search, 1–16 (default 1).
    #[arg(long)]
    pub beams: Option<u32>,
    /// Draft tokens per step of speculative / multi-token-prediction decoding, 0–16 (needs
    /// --mtp-acceptance when above 0).
    #[arg(long)]
    pub mtp_draft_tokens: Option<u32>,
    /// Mean acceptance rate of one draft token, 0–1.
    #[arg(long)]
    pub mtp_acceptance: Option<f64>,
    /// A finite burst: this many requests submitted at once to the whole instance, timed until
    /// the last finishes (offline scenario).
    #[arg(long, conflicts_with = "concurrency", value_parser = clap::value_parser!(u32).range(1..))]
    pub requests: Option<u32>,
    /// A closed loop keeping this many requests in flight across the instance (offline scenario).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: Option<u32>,
}

impl RequestArgs {
    /// The settings as the library takes them.
    fn settings(&self) -> RequestSettings {
        RequestSettings {
            output_cv: self.output_cv,
            output_max: self.output_max,
            beams: self.beams,
            mtp_draft_tokens: self.mtp_draft_tokens,
            mtp_acceptance: self.mtp_acceptance,
            requests: self.requests,
            concurrency: self.concurrency,
        }
    }
}

/// Parallelism degrees a user may fix for `perf infer` and `perf train`; unset ones are searched.
#[derive(Debug, Args, Clone, Copy)]
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
    /// Sequence length, tokens (at most 1e8).
    #[arg(long, default_value_t = 8192.0, value_parser = within("input_tokens_per_request"))]
    pub seq_len: f64,
    /// Tokens to train on (at most 1e16).
    #[arg(long, default_value_t = 1e12, value_parser = within("tokens"))]
    pub tokens: f64,
    /// Global batch, tokens per step (default: 8 × pp micro-batches per replica; at most 1e16).
    #[arg(long, value_parser = within("tokens"))]
    pub global_batch_tokens: Option<f64>,
    /// Parallelism degrees to fix (the rest is searched).
    #[command(flatten)]
    pub layout: FixedLayoutArgs,
    /// Print JSON.
    #[command(flatten)]
    pub print: super::args::FormatArg,
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
    #[command(flatten)]
    pub print: super::args::FormatArg,
}

impl From<FixedLayoutArgs> for FixedLayout {
    fn from(l: FixedLayoutArgs) -> Self {
        FixedLayout { tp: l.tp, pp: l.pp, dp: l.dp, ep: l.ep }
    }
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
    perf_failure(e.into())
}

fn infer_cmd(catalog: &Catalog, a: &InferArgs) -> Result<(), Failure> {
    let request = InferRequest {
        chip: a.chip.clone(),
        chips: a.chips,
        model: a.model.clone(),
        precision: a.precision,
        kv_precision: a.kv_precision,
        input: a.input,
        output: a.output,
        cached_fraction: a.cached_fraction,
        request: a.request.settings(),
        mode: a.scenario,
        ttft_p99_ms: a.ttft_p99_ms,
        tpot_p99_ms: a.tpot_p99_ms,
        engine: a.engine.clone(),
        engine_version: a.engine_version.clone(),
        layout: a.layout.into(),
        curve: a.curve,
    };
    let report = fleetplan_io::api::perf::infer(catalog, &request).map_err(perf_failure)?;
    if a.print.is_json() {
        out(&to_json(&report.document())?);
        return Ok(());
    }
    let (result, scenario, kv, interval) = (&report.result, report.mode, report.kv_precision, &report.interval);
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
        (
            "output tokens/s per chip",
            with_interval(b.output_tokens_per_s_per_chip, interval.as_ref().filter(|_| scenario != ServeMode::Prefill)),
        ),
        (
            "input tokens/s per chip",
            with_interval(b.input_tokens_per_s_per_chip, interval.as_ref().filter(|_| scenario == ServeMode::Prefill)),
        ),
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
        report.model_id,
        a.chips,
        a.chip,
        a.precision,
        scenario.as_str(),
        a.input,
        a.output
    ));
    if let Some(note) = request_note(&report.workload) {
        out(&note);
    }
    out(&format!("engine: {}", report.engine.line));
    out(&figures_table(rows).to_string());
    if let Some(curve) = &report.curve {
        out(&curve_table(curve, scenario));
    }
    Ok(())
}

/// The request settings beyond the mean lengths, when any differs from the default: "requests:
/// output cv 1, longest 4,000 tokens, 4 beams, 2 draft tokens at 0.8 acceptance, burst of 1,000".
fn request_note(request: &RequestShape) -> Option<String> {
    let mut parts = Vec::new();
    if request.output_tokens_cv > 0.0 || request.output_tokens_max.is_some() {
        parts.push(format!(
            "output cv {}, longest {} tokens",
            request.output_tokens_cv,
            grouped(request.max_output(), 0)
        ));
    }
    let d = &request.decoding;
    if d.beams > 1 {
        parts.push(format!("{} beams", d.beams));
    }
    if d.draft_tokens > 0 {
        parts.push(format!("{} draft tokens at {} acceptance", d.draft_tokens, d.acceptance));
    }
    match request.arrivals {
        Arrivals::Burst { requests } => parts.push(format!("burst of {}", grouped(requests, 0))),
        Arrivals::Closed { concurrency } => parts.push(format!("{} in flight (closed loop)", grouped(concurrency, 0))),
        Arrivals::Steady => {}
    }
    (!parts.is_empty()).then(|| format!("requests: {}", parts.join(", ")))
}

/// `value` with its 80 % interval, e.g. "2,650.3 (80 % interval 2,300–3,000)".
fn with_interval(value: f64, interval: Option<&Interval>) -> String {
    let decimals = if value.abs() >= 100.0 { 0 } else { 1 };
    match interval {
        Some(i) => {
            format!("{} (80 % interval {}–{})", grouped(value, 1), grouped(i.low, decimals), grouped(i.high, decimals))
        }
        None => grouped(value, 1),
    }
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
    let request = TrainRequest {
        chip: a.chip.clone(),
        chips: a.chips,
        model: a.model.clone(),
        precision: a.precision,
        seq_len: a.seq_len,
        tokens: a.tokens,
        global_batch_tokens: a.global_batch_tokens,
        layout: a.layout.into(),
    };
    let report = fleetplan_io::api::perf::train(catalog, &request).map_err(perf_failure)?;
    if a.print.is_json() {
        out(&to_json(&report.document())?);
        return Ok(());
    }
    let (s, days) = (&report.search, report.days);
    let (mfu_interval, tokens_interval, days_interval) =
        (&report.mfu_interval, &report.tokens_interval, &report.days_interval);
    let flops_per_token = report.model_flops_per_token;
    let p = &s.best;
    let l = p.layout;
    let rows: Vec<(&str, String)> = vec![
        (
            "layout",
            format!(
                "tp {} × cp {} × pp {} × dp {} (ep {}), ZeRO-{}, recompute {:?}, micro-batch {}, {} virtual stages",
                l.tp, l.cp, l.pp, l.dp, l.ep, l.zero, l.recompute, l.micro_batch, l.virtual_stages
            ),
        ),
        ("layouts searched / fitting", format!("{} / {}", s.layouts_evaluated, s.layouts_fitting)),
        ("model FLOPs per token", format!("{flops_per_token:.3e}")),
        ("total model FLOPs", format!("{:.3e}", flops_per_token * a.tokens)),
        (
            "step time",
            format!("{:.2} s ({:.0} tokens, {:.0} micro-batches)", p.step_s, p.tokens_per_step, p.microbatches),
        ),
        ("MFU %", with_interval(p.mfu * 100.0, mfu_interval.as_ref())),
        ("model TFLOP/s per chip", format!("{:.0}", p.model_tflops_per_chip)),
        ("pipeline bubble", format!("{:.1} %", p.bubble_fraction * 100.0)),
        ("exposed communication per step", format!("{:.2} s", p.comm_s)),
        ("memory per chip", format!("{:.1} GB", p.memory_gb_per_chip)),
        ("tokens/s", with_interval(p.tokens_per_s, tokens_interval.as_ref())),
        ("time to train, days", with_interval(days, days_interval.as_ref())),
        ("chip-hours", format!("{:.3e}", p.chip_hours)),
    ];
    out(&format!("training {} on {} × {} ({})", report.model_id, a.chips, a.chip, a.precision));
    out(&figures_table(rows).to_string());
    Ok(())
}

fn gen_cmd(catalog: &Catalog, a: &GenArgs) -> Result<(), Failure> {
    if catalog.diffusion(&a.model).is_err() && catalog.resolve_llm(&a.model).is_ok() {
        // A language model here is a mix-up of commands, not an unknown id.
        return Err(user_error(format!(
            "--model `{}` is a language model, not a diffusion model: `perf gen` rates image and video generation\n  rate its serving with `fleetplan perf infer --model {} --chip {}`",
            a.model, a.model, a.chip
        )));
    }
    let model = catalog.diffusion(&a.model).map_err(unknown)?;
    catalog.accelerator(&a.chip).map_err(unknown)?;
    let rates = ChipRates::from_catalog(catalog, &a.chip, a.precision).map_err(perf_err)?;
    let g = generation(model, &rates, a.steps).map_err(perf_err)?;
    if a.print.is_json() {
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
