//! Validation cases: published measurements in the format of `shared/validation/README.md`,
//! read from TOML text (with spans for error messages), predicted with the performance models
//! from the catalog and the case's own settings, and summarised (median / p90 / max |error|).
//!
//! Nothing here is fitted per case: predictions use the catalog's global perf-family parameters.

use crate::error::{LayoutError, PerfError, SettingError};
use crate::hw::ChipRates;
use crate::infer::{self, Arrivals, Decoding, InferenceQuery, Layout, RequestShape, ServeMode, ServingStack, Slo};
use crate::train::{self, LayoutConstraint, Mechanisms, TrainEngine, TrainJob, TrainPoint, TrainRates};
use fleetplan_core::catalog::{Catalog, PredictionClass, PredictionMode};
use fleetplan_core::diagnostic::{Diagnostic, from_toml_error};
use fleetplan_core::scenario::limits::MAX_ACCELERATORS;
use fleetplan_core::units::Precision;
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub mod fleet;

/// Case kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseKind {
    /// Serving measurement.
    Inference,
    /// Training measurement.
    Training,
}

/// What a case measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Generated tokens/s per chip.
    OutputTokensPerSPerChip,
    /// Prompt tokens/s per chip.
    InputTokensPerSPerChip,
    /// Model FLOPs utilisation, % of dense BF16 peak.
    MfuPercent,
    /// Achieved TFLOP/s per chip.
    TflopsPerChip,
    /// Chip-hours of the whole job.
    ChipHours,
    /// Wall-clock minutes of the job.
    Minutes,
}

/// How sure the source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// Well-documented figure.
    High,
    /// Some settings estimated.
    Medium,
}

pub use crate::train::{Finetune, FlopsCounting};

/// One published measurement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique id.
    pub id: String,
    /// Inference or training.
    pub kind: CaseKind,
    /// Catalog accelerator id.
    pub chip: Spanned<String>,
    /// Chips in the instance or job.
    pub n_chips: u32,
    /// Catalog model id.
    pub model: Spanned<String>,
    /// Weights/activations precision.
    pub precision: Precision,
    /// Measured metric.
    pub metric: Metric,
    /// Measured value in the metric's unit.
    pub value: f64,
    /// Inference serving mode (TOML key `scenario`).
    #[serde(default)]
    pub scenario: Option<ServeMode>,
    /// Mean prompt tokens.
    #[serde(default)]
    pub input_tokens: Option<f64>,
    /// Mean generated tokens.
    #[serde(default)]
    pub output_tokens: Option<f64>,
    /// Prefix-cache hit share of prompt tokens.
    #[serde(default)]
    pub cached_input_fraction: Option<f64>,
    /// p99 TTFT limit, ms.
    #[serde(default)]
    pub ttft_p99_ms: Option<f64>,
    /// p99 TPOT limit, ms.
    #[serde(default)]
    pub tpot_p99_ms: Option<f64>,
    /// Published tensor parallelism.
    #[serde(default)]
    pub tp: Option<u32>,
    /// Published pipeline parallelism.
    #[serde(default)]
    pub pp: Option<u32>,
    /// Published expert parallelism.
    #[serde(default)]
    pub ep: Option<u32>,
    /// Published data parallelism.
    #[serde(default)]
    pub dp: Option<u32>,
    /// Training sequence length.
    #[serde(default)]
    pub seq_len: Option<u32>,
    /// Training tokens of the job.
    #[serde(default)]
    pub tokens: Option<f64>,
    /// Serving or training software that produced the figure (catalog engine id).
    #[serde(default)]
    pub engine: Option<Spanned<String>>,
    /// The engine's version as published (e.g. `"0.6.0"`).
    #[serde(default)]
    pub engine_version: Option<String>,
    /// KV-cache precision when it differs from `precision`.
    #[serde(default)]
    pub kv_precision: Option<Precision>,
    /// Beam width of beam-search decoding (1 = greedy/sampling).
    #[serde(default)]
    pub beams: Option<u32>,
    /// Draft tokens per step of speculative / multi-token-prediction decoding.
    #[serde(default)]
    pub mtp_draft_tokens: Option<u32>,
    /// Mean acceptance rate of one draft token, 0–1.
    #[serde(default)]
    pub mtp_acceptance: Option<f64>,
    /// Coefficient of variation of output lengths (0 = all equal; absent = unknown).
    #[serde(default)]
    pub output_tokens_cv: Option<f64>,
    /// Longest allowed output, tokens.
    #[serde(default)]
    pub output_tokens_max: Option<f64>,
    /// A finite burst: this many requests submitted at once, timed until the last finishes.
    #[serde(default)]
    pub requests: Option<u32>,
    /// A closed-loop benchmark keeping this many requests in flight.
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// The engine's published cap on running requests per instance.
    #[serde(default)]
    pub max_batch: Option<u32>,
    /// Training context-parallel degree.
    #[serde(default)]
    pub cp: Option<u32>,
    /// Training sequences per optimizer step.
    #[serde(default)]
    pub global_batch: Option<u32>,
    /// Training micro-batch size, sequences.
    #[serde(default)]
    pub micro_batch: Option<u32>,
    /// Training virtual pipeline stages per rank.
    #[serde(default)]
    pub vp: Option<u32>,
    /// Fine-tuning method when only adapters are trained.
    #[serde(default)]
    pub finetune: Option<Finetune>,
    /// How the source counts model FLOPs.
    #[serde(default)]
    pub flops_counting: Option<FlopsCounting>,
    /// The published time includes periodic evaluation (MLPerf Training).
    #[serde(default)]
    pub includes_evaluation: Option<bool>,
    /// Where the figure comes from.
    pub source: String,
    /// How sure.
    pub certainty: Certainty,
    /// Caveats.
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Case>,
    /// Fleet cases, read by [`fleet::parse_fleet_cases`].
    #[serde(default, rename = "fleet_case")]
    _fleet_case: serde::de::IgnoredAny,
}

/// Largest measured value a case may give (tokens/s, items/s or seconds): 10¹⁵, beyond any
/// measurement of one system.
pub const MAX_MEASURED_VALUE: f64 = 1e15;

/// Parse a validation file. Errors point into `text` (file:line:col via the span).
pub fn parse_cases(source_name: &str, text: &str) -> Result<Vec<Case>, Vec<Diagnostic>> {
    let de = toml::Deserializer::parse(text).map_err(|e| vec![from_toml_error(source_name, None, &e)])?;
    let file: CaseFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        vec![from_toml_error(source_name, Some(path), e.inner())]
    })?;
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in file.case.iter().enumerate() {
        if !seen.insert(c.id.as_str()) {
            problems.push(
                Diagnostic::error(source_name, format!("case `{}`: duplicate id", c.id))
                    .with_path(format!("case[{i}].id")),
            );
        }
        if !(c.value.is_finite() && c.value > 0.0 && c.value <= MAX_MEASURED_VALUE) {
            problems.push(
                Diagnostic::error(
                    source_name,
                    format!("case `{}`: value must be a positive number up to 1e15, got {}", c.id, short(c.value)),
                )
                .with_path(format!("case[{i}].value")),
            );
        }
        if c.n_chips == 0 || u64::from(c.n_chips) > MAX_ACCELERATORS {
            problems.push(
                Diagnostic::error(
                    source_name,
                    format!("case `{}`: n_chips must be from 1 to {MAX_ACCELERATORS}, got {}", c.id, c.n_chips),
                )
                .with_path(format!("case[{i}].n_chips")),
            );
        }
        problems.extend(optional_field_problems(source_name, i, c));
    }
    for d in problems.iter_mut().filter(|d| d.span.is_none()) {
        let located =
            d.path.as_deref().and_then(case_field).and_then(|(i, field)| {
                file.case.get(i).and_then(|c| field_value_span(text, c.chip.span().start, field))
            });
        d.span = located;
    }
    if problems.is_empty() { Ok(file.case) } else { Err(problems) }
}

/// `case[3].value` → (3, "value").
fn case_field(path: &str) -> Option<(usize, &str)> {
    let (index, field) = path.strip_prefix("case[")?.split_once("].")?;
    Some((index.parse().ok()?, field))
}

/// The span of `field`'s value (`field = value` on its own line) in the `[[case]]` table that
/// holds byte `inside`, so a range error points at file:line:col; `None` when not written there.
fn field_value_span(text: &str, inside: usize, field: &str) -> Option<std::ops::Range<usize>> {
    let start = text.get(..inside)?.rfind("[[")?;
    let end = text[inside..].find("\n[[").map_or(text.len(), |i| inside + i);
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let value = line.trim_start().strip_prefix(field).and_then(|rest| rest.trim_start().strip_prefix('='));
        if let Some(value) = value {
            let written = value.trim_start();
            let from = offset + line.len() - written.len();
            let len = written.split('#').next().unwrap_or(written).trim_end().len();
            return Some(from..from + len);
        }
        offset += line.len();
    }
    None
}

/// A number for a message: plain up to a million, scientific beyond (so 1e308 stays short).
fn short(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e6 { format!("{v}") } else { format!("{v:e}") }
}

/// Out-of-range optional settings of case `i`: each names the field, the value and the valid
/// range, so that a nonsensical setting is a file error (exit 2), not an unexplained skip.
fn optional_field_problems(source_name: &str, i: usize, c: &Case) -> Vec<Diagnostic> {
    let counts = [
        ("beams", c.beams, infer::MAX_BEAMS),
        ("mtp_draft_tokens", c.mtp_draft_tokens.map(|k| k.saturating_add(1)), infer::MAX_DRAFT_TOKENS + 1),
        ("requests", c.requests, u32::MAX),
        ("concurrency", c.concurrency, u32::MAX),
        ("max_batch", c.max_batch, u32::MAX),
        ("cp", c.cp, u32::MAX),
        ("global_batch", c.global_batch, u32::MAX),
        ("micro_batch", c.micro_batch, u32::MAX),
        ("vp", c.vp, u32::MAX),
    ];
    let mut out = Vec::new();
    for (field, value, max) in counts {
        if let Some(v) = value
            && !(1..=max).contains(&v)
        {
            let shown = if field == "mtp_draft_tokens" { v - 1 } else { v };
            let range = if field == "mtp_draft_tokens" {
                format!("0 to {}", infer::MAX_DRAFT_TOKENS)
            } else {
                format!("1 to {max}")
            };
            out.push(
                Diagnostic::error(source_name, format!("case `{}`: {field} = {shown} is out of range", c.id))
                    .with_path(format!("case[{i}].{field}"))
                    .with_help(format!("give a whole number from {range}")),
            );
        }
    }
    let reals = [
        ("mtp_acceptance", c.mtp_acceptance, 0.0, 1.0),
        ("output_tokens_cv", c.output_tokens_cv, 0.0, infer::MAX_OUTPUT_TOKENS_CV),
        ("output_tokens_max", c.output_tokens_max, 1.0, 10_000_000.0),
        // Physical ranges (docs/performance-model.md): request lengths up to 10⁸ tokens, far
        // beyond any context; latency targets up to about a day.
        ("input_tokens", c.input_tokens, 1.0, 1e8),
        ("output_tokens", c.output_tokens, 1.0, 1e8),
        ("cached_input_fraction", c.cached_input_fraction, 0.0, 1.0),
        ("ttft_p99_ms", c.ttft_p99_ms, 1e-3, 1e8),
        ("tpot_p99_ms", c.tpot_p99_ms, 1e-3, 1e8),
        // Training tokens up to 10¹⁶, as a scenario's training workload (core scenario limits);
        // NaN and infinity were accepted (fuzz reader_cases 15673, 256138).
        ("tokens", c.tokens, 1.0, 1e16),
    ];
    for (field, value, low, high) in reals {
        if let Some(v) = value
            && !(v.is_finite() && (low..=high).contains(&v))
        {
            out.push(
                Diagnostic::error(source_name, format!("case `{}`: {field} = {} is out of range", c.id, short(v)))
                    .with_path(format!("case[{i}].{field}"))
                    .with_help(format!("give a number from {low} to {high}")),
            );
        }
    }
    out
}

/// Check every case's chip and model ids against the catalog; unknown ids are errors naming the
/// case, pointing at the id, with a did-you-mean suggestion.
pub fn check_ids(source_name: &str, cases: &[Case], catalog: &Catalog) -> Vec<Diagnostic> {
    cases.iter().flat_map(|c| case_id_problems(source_name, c, catalog)).collect()
}

/// Split cases into those whose ids all resolve (to be predicted) and the diagnostics of the
/// others, so that one bad case does not stop the rest from being predicted.
pub fn split_known(source_name: &str, cases: Vec<Case>, catalog: &Catalog) -> (Vec<Case>, Vec<Diagnostic>) {
    let mut known = Vec::with_capacity(cases.len());
    let mut problems = Vec::new();
    for c in cases {
        let mine = case_id_problems(source_name, &c, catalog);
        if mine.is_empty() {
            known.push(c);
        } else {
            problems.extend(mine);
        }
    }
    (known, problems)
}

fn case_id_problems(source_name: &str, c: &Case, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Err(e) = catalog.accelerator(c.chip.get_ref()) {
        out.push(unknown_diag(source_name, c, "chip", &c.chip, &e));
    }
    if let Err(e) = catalog.llm(c.model.get_ref()) {
        out.push(unknown_diag(source_name, c, "model", &c.model, &e));
    }
    if let Some(engine) = &c.engine
        && let Err(e) = catalog.engine(engine.get_ref())
    {
        out.push(unknown_diag(source_name, c, "engine", engine, &e));
    }
    out
}

fn unknown_diag(
    source_name: &str,
    c: &Case,
    what: &str,
    id: &Spanned<String>,
    e: &fleetplan_core::catalog::UnknownId,
) -> Diagnostic {
    let help = match &e.suggestion {
        Some(s) => format!("did you mean `{s}`? known {what}s: {}", e.known.join(", ")),
        None => format!("known {what}s: {}", e.known.join(", ")),
    };
    Diagnostic::error(source_name, format!("case `{}`: unknown {what} id `{}`", c.id, id.get_ref()))
        .with_span(Some(id.span()))
        .with_label(format!("not a catalog {what}"))
        .with_help(help)
}

/// Prediction of one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    /// Case id.
    pub id: String,
    /// Measured metric.
    pub metric: Metric,
    /// Measured value.
    pub measured: f64,
    /// Predicted value, or `None` when the case cannot be modelled.
    pub predicted: Option<f64>,
    /// `(predicted − measured) / measured`.
    pub error: Option<f64>,
    /// What the prediction used (layout, batch, binding) or why it could not be modelled.
    pub detail: String,
    /// Class of the prediction (for its interval; `crate::interval`), when the case's chip,
    /// model and mode are known.
    pub class: Option<PredictionClass>,
}

/// Median, p90 and max of |error| over the modelled cases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ValidationSummary {
    /// Cases modelled.
    pub count: usize,
    /// Median |error| (fraction).
    pub median_abs_error: f64,
    /// 90th percentile |error| (fraction, nearest-rank).
    pub p90_abs_error: f64,
    /// Largest |error| (fraction).
    pub max_abs_error: f64,
}

/// Summarise the errors of the modelled cases (NaN-free: zeros when nothing was modelled).
pub fn summarize(results: &[CaseResult]) -> ValidationSummary {
    let mut abs_errors: Vec<f64> = results.iter().filter_map(|r| r.error.map(f64::abs)).collect();
    abs_errors.sort_by(f64::total_cmp);
    let count = abs_errors.len();
    if count == 0 {
        return ValidationSummary { count: 0, median_abs_error: 0.0, p90_abs_error: 0.0, max_abs_error: 0.0 };
    }
    let middle = count / 2;
    let median = if count % 2 == 1 { abs_errors[middle] } else { (abs_errors[middle - 1] + abs_errors[middle]) / 2.0 };
    let rank = ((0.9 * count as f64).ceil() as usize).clamp(1, count);
    ValidationSummary {
        count,
        median_abs_error: median,
        p90_abs_error: abs_errors[rank - 1],
        max_abs_error: abs_errors[count - 1],
    }
}

/// Predict every case (ids must have been checked with [`check_ids`]).
pub fn predict_all(cases: &[Case], catalog: &Catalog) -> Vec<CaseResult> {
    cases.iter().map(|c| predict(c, catalog)).collect()
}

/// Predict every case with the training model's `mechanisms` switched as given (ablations).
pub fn predict_all_with(cases: &[Case], catalog: &Catalog, mechanisms: &Mechanisms) -> Vec<CaseResult> {
    cases.iter().map(|c| predict_with(c, catalog, mechanisms)).collect()
}

/// Predict one case.
pub fn predict(c: &Case, catalog: &Catalog) -> CaseResult {
    predict_with(c, catalog, &Mechanisms::default())
}

/// Predict one case with the training model's `mechanisms` switched as given.
pub fn predict_with(c: &Case, catalog: &Catalog, mechanisms: &Mechanisms) -> CaseResult {
    let outcome = match c.kind {
        CaseKind::Inference => predict_inference(c, catalog),
        CaseKind::Training => predict_training(c, catalog, mechanisms),
    };
    let (predicted, detail) = match outcome {
        Ok((v, d)) if v.is_finite() => (Some(v), d),
        Ok((_, d)) => (None, format!("not modelled: non-finite prediction ({d})")),
        Err(e) => (None, format!("not modelled: {e}")),
    };
    CaseResult {
        id: c.id.clone(),
        metric: c.metric,
        measured: c.value,
        predicted,
        error: predicted.map(|p| (p - c.value) / c.value),
        detail,
        class: class_of(c, catalog),
    }
}

/// Class of a case's prediction: its chip's perf family, inference/training × dense/MoE, its
/// engine (`default` when it names none) and its mode.
pub fn class_of(c: &Case, catalog: &Catalog) -> Option<PredictionClass> {
    let chip = catalog.accelerator(c.chip.get_ref()).ok()?;
    let moe = catalog.llm(c.model.get_ref()).ok()?.is_moe();
    let mode = if c.kind == CaseKind::Training { PredictionMode::Training } else { c.scenario?.into() };
    Some(catalog.prediction_class(chip, moe, mode, c.engine.as_ref().map(|e| e.get_ref().as_str())))
}

fn need<T: Copy>(value: Option<T>, field: &'static str) -> Result<T, PerfError> {
    value.ok_or(PerfError::Setting(SettingError::CaseLacks(field)))
}

/// The published layout's degrees as the detail line names them (`tp1 pp1 dp8 ep1`).
fn degrees(tp: u32, pp: u32, dp: u32, ep: u32) -> String {
    format!("tp{tp} pp{pp} dp{dp} ep{ep}")
}

/// The best layout result for an inference case: its published layout when it gives one
/// (checked against the case's chip count), else the layout search.
fn inference_result(c: &Case, query: &InferenceQuery<'_>) -> Result<infer::LayoutResult, PerfError> {
    let published = c.tp.is_some() || c.pp.is_some() || c.dp.is_some() || c.ep.is_some();
    if !published {
        return infer::search(query);
    }
    let tp = c.tp.unwrap_or(1);
    let pp = c.pp.unwrap_or(1);
    let dp = c.dp.unwrap_or_else(|| (c.n_chips / (tp * pp)).max(1));
    let layout = Layout { tp, pp, dp, ep: c.ep.unwrap_or(1) };
    if layout.chips() != c.n_chips {
        return Err(
            LayoutError::ChipCountMismatch { tp, pp, dp, layout_chips: layout.chips(), case_chips: c.n_chips }.into()
        );
    }
    let engine = query.engine(layout)?;
    infer::best_for_layout(&engine, &query.request, query.mode, &query.slo, c.n_chips, None)
}

/// The serving stack of an inference case: its engine at its version (the chip vendor's default
/// engine when it names none), with its published `max_batch` as the running-request cap.
fn case_stack(c: &Case, catalog: &Catalog) -> Result<ServingStack, PerfError> {
    let chip = catalog.resolve_chip(c.chip.get_ref())?;
    let engine = c.engine.as_ref().map(|e| catalog.resolve_engine(e.get_ref())).transpose()?;
    let stack = ServingStack::for_chip(catalog, engine.as_ref(), c.engine_version.as_deref(), &chip)?;
    Ok(c.max_batch.map_or(stack, |cap| stack.with_max_running_requests(cap)))
}

/// The request shape a case describes: mean lengths, output spread (unknown: the prior of the
/// benchmark kind, [`Arrivals::unknown_output_spread`]) and longest output, beams, MTP drafts and their
/// acceptance (0 when only the draft length is given), and a finite burst (`requests`) or a
/// closed loop (`concurrency`; a burst wins when both are given).
fn case_request(c: &Case) -> Result<RequestShape, PerfError> {
    let mut request = RequestShape::new(
        need(c.input_tokens, "input_tokens")?,
        need(c.output_tokens, "output_tokens")?,
        c.cached_input_fraction.unwrap_or(0.0),
    );
    request.decoding = Decoding {
        beams: c.beams.unwrap_or(1),
        draft_tokens: c.mtp_draft_tokens.unwrap_or(0),
        acceptance: c.mtp_acceptance.unwrap_or(0.0),
    };
    request.arrivals = match (c.requests, c.concurrency) {
        (Some(requests), _) => Arrivals::Burst { requests: f64::from(requests) },
        (None, Some(concurrency)) => Arrivals::Closed { concurrency: f64::from(concurrency) },
        (None, None) => Arrivals::Steady,
    };
    let (prior_cv, prior_max) = request.arrivals.unknown_output_spread(request.output_tokens);
    request.output_tokens_cv = c.output_tokens_cv.unwrap_or(prior_cv);
    // The prior's longest output goes with the prior's spread only: a published spread without a
    // maximum keeps the default tail (`RequestShape::max_output`).
    request.output_tokens_max = c.output_tokens_max.or(if c.output_tokens_cv.is_none() { prior_max } else { None });
    Ok(request)
}

fn predict_inference(c: &Case, catalog: &Catalog) -> Result<(f64, String), PerfError> {
    let model = catalog.llm(c.model.get_ref())?;
    let rates = ChipRates::from_catalog(catalog, c.chip.get_ref(), c.precision)?;
    let mode = need(c.scenario, "scenario")?;
    let request = case_request(c)?;
    let slo = Slo { ttft_p99_ms: c.ttft_p99_ms, tpot_p99_ms: c.tpot_p99_ms };
    let stack = case_stack(c, catalog)?;
    let kv_precision = c.kv_precision.unwrap_or_else(|| stack.default_kv_precision(c.precision));
    let query = InferenceQuery { model, rates, stack, kv_precision, chips: c.n_chips, request, mode, slo };
    let result = inference_result(c, &query)?;
    let best = &result.best;
    let value = match c.metric {
        Metric::OutputTokensPerSPerChip => best.output_tokens_per_s_per_chip,
        Metric::InputTokensPerSPerChip => best.input_tokens_per_s_per_chip,
        metric => return Err(SettingError::NotInferenceMetric(metric).into()),
    };
    Ok((value, inference_detail(&result)))
}

/// What an inference prediction used: layout, batch, TPOT and binding resource.
fn inference_detail(result: &infer::LayoutResult) -> String {
    let layout = result.layout;
    let best = &result.best;
    let degrees = degrees(layout.tp, layout.pp, layout.dp, layout.ep);
    format!("{degrees} batch {:.0} TPOT {:.1} ms, {}", best.batch, best.tpot_ms, best.binding.as_str())
}

fn predict_training(c: &Case, catalog: &Catalog, mechanisms: &Mechanisms) -> Result<(f64, String), PerfError> {
    let model = catalog.llm(c.model.get_ref())?;
    let rates = TrainRates::from_catalog(catalog, c.chip.get_ref(), c.precision)?;
    let seq_len = f64::from(need(c.seq_len, "seq_len")?);
    let published = mechanisms.published_schedule;
    let global_batch_tokens = c.global_batch.filter(|_| published).map(|sequences| f64::from(sequences) * seq_len);
    let job = TrainJob { seq_len, global_batch_tokens, tokens: c.tokens.unwrap_or(0.0) };
    let engine = TrainEngine::with_options(model, rates, job, c.finetune, *mechanisms)?;
    let maxtext = c.engine.as_ref().is_some_and(|e| e.get_ref() == "maxtext");
    let constraint = LayoutConstraint {
        tp: c.tp,
        pp: c.pp.or(if maxtext { Some(1) } else { None }),
        dp: c.dp,
        ep: c.ep,
        cp: c.cp,
        micro_batch: c.micro_batch.filter(|_| published),
        virtual_stages: c.vp.filter(|_| published),
        no_pipeline: maxtext,
    };
    let best = train::search_training(&engine, model, c.n_chips, &constraint)?.best;
    let counting = c.flops_counting.unwrap_or(FlopsCounting::WithAttention);
    let counted_tflops = if mechanisms.flops_counting {
        engine.tflops_per_chip_counted(&best, counting)
    } else {
        best.hardware_tflops_per_chip
    };
    let evaluation = if c.includes_evaluation == Some(true) && mechanisms.evaluation_overhead {
        1.0 + train::EVALUATION_OVERHEAD_FRACTION
    } else {
        1.0
    };
    let value = match c.metric {
        Metric::MfuPercent if mechanisms.flops_counting => counted_tflops * 1e12 / rates.chip.bf16_peak_flops * 100.0,
        Metric::MfuPercent => best.mfu * 100.0,
        Metric::TflopsPerChip => counted_tflops,
        Metric::ChipHours => {
            need(c.tokens, "tokens")?;
            best.chip_hours * evaluation
        }
        Metric::Minutes => {
            need(c.tokens, "tokens")?;
            best.time_to_train_h * 60.0 * evaluation
        }
        metric => return Err(SettingError::NotTrainingMetric(metric).into()),
    };
    Ok((value, training_detail(&best)))
}

/// What a training prediction used: layout, ZeRO, recomputation, micro-batch, virtual stages,
/// MFU and bubble.
fn training_detail(point: &TrainPoint) -> String {
    let layout = point.layout;
    let degrees = degrees(layout.tp, layout.pp, layout.dp, layout.ep);
    format!(
        "{degrees} cp{} zero{} {:?} mb{} v{}, MFU {:.1}%, bubble {:.0}%, comm {:.0}%",
        layout.cp,
        layout.zero,
        layout.recompute,
        layout.micro_batch,
        layout.virtual_stages,
        point.mfu * 100.0,
        point.bubble_fraction * 100.0,
        point.comm_s / point.step_s * 100.0
    )
}
