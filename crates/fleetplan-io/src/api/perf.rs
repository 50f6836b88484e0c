//! Performance questions as a front end asks them (`fleetplan perf infer|train`, Python
//! `fleetplan.perf.infer(...)` / `.train(...)`): the settings checked (request settings by the
//! scenario's own rules), the best configuration found by the models' searches, its 80 %
//! prediction interval, and the JSON documents.

use fleetplan_core::catalog::{
    Catalog, ChipId, EngineId, LlmId, LlmModel, NotALanguageModel, PredictionMode, UnknownId,
};
use fleetplan_core::scenario::RequestOptions;
use fleetplan_core::units::Precision;
use fleetplan_models::PerfError;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{
    self, Arrivals, Decoding, EngineError, InferenceQuery, Layout, LayoutResult, OperatingPoint, RequestShape,
    ServeMode, ServingStack, Slo,
};
use fleetplan_models::interval::{Interval, for_prediction};
use fleetplan_models::train::{LayoutConstraint, TrainEngine, TrainJob, TrainRates, TrainSearch, search_training};

/// A setting `perf` cannot use. Argument names are the CLI's flags without dashes.
#[derive(Debug, thiserror::Error)]
pub enum PerfInputError {
    /// An id the catalog does not hold (`chip`, `model`, `engine`).
    #[error("{argument}: {err}")]
    Unknown {
        /// The argument it was given to.
        argument: &'static str,
        /// The lookup error with its suggestion.
        err: UnknownId,
    },
    /// A diffusion model where a language model is needed.
    #[error("{argument}: {}", wrong.message(&format!("`{command}` needs")))]
    NotLanguageModel {
        /// The argument (`model`).
        argument: &'static str,
        /// The command asking (`perf infer`).
        command: &'static str,
        /// What the id names instead.
        wrong: NotALanguageModel,
    },
    /// A request setting out of its range (the scenario's rule for the same field).
    #[error("{argument} must be {expected}, got {}", fleetplan_core::format::given(*value))]
    Setting {
        /// The argument: `input`, `output-cv`, `output-max`, `beams`, `mtp-draft-tokens` or
        /// `mtp-acceptance`.
        argument: &'static str,
        /// What is valid.
        expected: String,
        /// The value given.
        value: f64,
    },
    /// Draft tokens without an acceptance rate.
    #[error("mtp-draft-tokens needs mtp-acceptance (the share of draft tokens accepted, e.g. 0.8)")]
    DraftsWithoutAcceptance,
    /// A burst or closed loop in a serving mode other than offline.
    #[error(
        "requests and concurrency describe a benchmark run, modelled in the offline scenario, not `{}`",
        .0.as_str()
    )]
    BenchmarkNotOffline(ServeMode),
    /// A fixed layout needing more chips than given.
    #[error("tp {tp} × pp {pp} × dp {dp} = {needed} chips exceeds chips {chips}")]
    LayoutTooLarge {
        /// Tensor parallelism.
        tp: u32,
        /// Pipeline stages.
        pp: u32,
        /// Data parallelism.
        dp: u32,
        /// Chips the layout needs.
        needed: u32,
        /// Chips given.
        chips: u32,
    },
    /// An engine version without an engine.
    #[error("engine-version needs engine (the version of which engine?)")]
    VersionWithoutEngine,
    /// An engine that does not serve on the chip (or is a training framework).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// What the performance model refuses (fit, layout, precision ...).
    #[error(transparent)]
    Perf(PerfError),
}

impl From<PerfError> for PerfInputError {
    fn from(e: PerfError) -> Self {
        match e {
            PerfError::Unknown(err) => {
                let argument = if err.kind == "accelerator" { "chip" } else { "model" };
                PerfInputError::Unknown { argument, err }
            }
            other => PerfInputError::Perf(other),
        }
    }
}

/// The language model `id` given to `argument` of `command`: unknown ids and diffusion models
/// are refused with the scenario validator's words.
pub fn language_model(
    catalog: &Catalog,
    argument: &'static str,
    command: &'static str,
    id: &str,
) -> Result<LlmId, PerfInputError> {
    if let Some(wrong) = catalog.not_a_language_model(id) {
        return Err(PerfInputError::NotLanguageModel { argument, command, wrong });
    }
    catalog.resolve_llm(id).map_err(|err| PerfInputError::Unknown { argument, err })
}

/// The serving engine a request runs (`engine`, or the chip vendor's default).
#[derive(Debug, Clone)]
pub struct EngineChoice {
    /// Its stack on the chip.
    pub stack: ServingStack,
    /// The catalog engine (`None` when the catalog names none for the vendor).
    pub engine: Option<EngineId>,
    /// How output names it: "TensorRT-LLM (default for nvidia)", "vLLM 0.6.0".
    pub line: String,
}

/// The serving engine `name` (at `version`) on `chip`, or the chip vendor's default when none
/// is named. An unknown name, a training framework or an engine that does not run on the
/// chip's vendor is refused.
pub fn serving_engine(
    catalog: &Catalog,
    name: Option<&str>,
    version: Option<&str>,
    chip: &ChipId,
) -> Result<EngineChoice, PerfInputError> {
    let vendor = catalog[chip].vendor.to_ascii_lowercase();
    let Some(name) = name else {
        if version.is_some() {
            return Err(PerfInputError::VersionWithoutEngine);
        }
        let engine = catalog.default_engine_for(chip);
        let line = match &engine {
            Some(engine) => format!("{} (default for {vendor})", catalog[engine].name),
            None => format!("generic (the catalog names no serving engine for {vendor})"),
        };
        return Ok(EngineChoice { stack: ServingStack::default_for(catalog, chip), engine, line });
    };
    let engine = catalog.resolve_engine(name).map_err(|err| PerfInputError::Unknown { argument: "engine", err })?;
    let entry = &catalog[&engine];
    let stack = ServingStack::new(entry, version, &catalog[chip])?;
    let line = match version {
        Some(version) => format!("{} {version}", entry.name),
        None => format!("{} (latest described release)", entry.name),
    };
    Ok(EngineChoice { stack, engine: Some(engine), line })
}

/// Fixed parallelism degrees; unset ones are searched.
#[derive(Debug, Clone, Copy, Default)]
pub struct FixedLayout {
    /// Tensor parallelism.
    pub tp: Option<u32>,
    /// Pipeline stages.
    pub pp: Option<u32>,
    /// Data parallelism.
    pub dp: Option<u32>,
    /// Expert parallelism.
    pub ep: Option<u32>,
}

/// How requests decode and arrive beyond their mean lengths (a scenario chat workload's fields
/// of the same names, and a benchmark run's burst or concurrency).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSettings {
    /// Coefficient of variation of output lengths (default 0).
    pub output_cv: Option<f64>,
    /// Longest output, tokens.
    pub output_max: Option<f64>,
    /// Beam width (default 1).
    pub beams: Option<u32>,
    /// Draft tokens per step of speculative decoding (default 0).
    pub mtp_draft_tokens: Option<u32>,
    /// Acceptance rate of one draft token.
    pub mtp_acceptance: Option<f64>,
    /// A finite burst of this many requests.
    pub requests: Option<u32>,
    /// A closed loop with this many requests in flight.
    pub concurrency: Option<u32>,
}

impl RequestSettings {
    /// The request shape for mean lengths `input`/`output` (tokens) with a prefix-cached share
    /// `cached_fraction`, these settings checked against the scenario's ranges
    /// ([`RequestOptions::problems`]) and `model`'s context.
    pub fn shape(
        &self,
        input: f64,
        output: f64,
        cached_fraction: f64,
        model: &LlmModel,
    ) -> Result<RequestShape, PerfInputError> {
        let options = RequestOptions {
            output_tokens_cv: self.output_cv.unwrap_or(0.0),
            output_tokens_max: self.output_max,
            beams: self.beams.unwrap_or(1),
            mtp_draft_tokens: self.mtp_draft_tokens.unwrap_or(0),
            mtp_acceptance: self.mtp_acceptance.unwrap_or(0.0),
        };
        if let Some(problem) = options.problems(input, output, f64::from(model.max_context_tokens)).first() {
            let argument = match problem.field {
                "input_tokens_per_request" => "input",
                "output_tokens_cv" => "output-cv",
                "output_tokens_max" => "output-max",
                "beams" => "beams",
                "mtp_draft_tokens" => "mtp-draft-tokens",
                _ => "mtp-acceptance",
            };
            return Err(PerfInputError::Setting { argument, expected: problem.expected.clone(), value: problem.value });
        }
        if options.mtp_draft_tokens > 0 && self.mtp_acceptance.is_none() {
            return Err(PerfInputError::DraftsWithoutAcceptance);
        }
        let mut shape = RequestShape::new(input, output, cached_fraction);
        shape.output_tokens_cv = options.output_tokens_cv;
        shape.output_tokens_max = options.output_tokens_max;
        shape.decoding = Decoding {
            beams: options.beams,
            draft_tokens: options.mtp_draft_tokens,
            acceptance: options.mtp_acceptance,
        };
        shape.arrivals = match (self.requests, self.concurrency) {
            (Some(requests), _) => Arrivals::Burst { requests: f64::from(requests) },
            (None, Some(concurrency)) => Arrivals::Closed { concurrency: f64::from(concurrency) },
            (None, None) => Arrivals::Steady,
        };
        shape.check()?;
        Ok(shape)
    }
}

/// One `perf infer` question.
#[derive(Debug, Clone)]
pub struct InferRequest {
    /// Accelerator id.
    pub chip: String,
    /// Chips in the serving instance.
    pub chips: u32,
    /// Language-model id.
    pub model: String,
    /// Weights/activations precision.
    pub precision: Precision,
    /// KV-cache precision (default: the engine's).
    pub kv_precision: Option<Precision>,
    /// Mean prompt tokens per request.
    pub input: f64,
    /// Mean generated tokens per request.
    pub output: f64,
    /// Share of prompt tokens served from a prefix cache, 0 ≤ x < 1.
    pub cached_fraction: f64,
    /// Output spread, decoding and arrivals.
    pub request: RequestSettings,
    /// Serving mode (default: offline for a benchmark run, else what the limits imply).
    pub mode: Option<ServeMode>,
    /// p99 time-to-first-token limit, ms.
    pub ttft_p99_ms: Option<f64>,
    /// p99 time-per-output-token limit, ms.
    pub tpot_p99_ms: Option<f64>,
    /// Serving engine id (default: the vendor's).
    pub engine: Option<String>,
    /// Its release.
    pub engine_version: Option<String>,
    /// Fixed parallelism degrees.
    pub layout: FixedLayout,
    /// Also compute the latency–throughput curve of the chosen layout.
    pub curve: bool,
}

/// A `perf infer` answer: the best configuration with its figures, the engine, the request,
/// the optional curve and the 80 % interval of the main throughput.
#[derive(Debug)]
pub struct InferReport {
    /// The question.
    pub request: InferRequest,
    /// The model's canonical id.
    pub model_id: String,
    /// KV-cache precision used.
    pub kv_precision: Precision,
    /// The serving engine.
    pub engine: EngineChoice,
    /// The request shape modelled.
    pub workload: RequestShape,
    /// Serving mode used.
    pub mode: ServeMode,
    /// The latency limits.
    pub slo: Slo,
    /// Best layout and operating point.
    pub result: LayoutResult,
    /// Latency–throughput curve of the chosen layout (when asked for).
    pub curve: Option<Vec<OperatingPoint>>,
    /// Main throughput figure per chip (output tokens/s, input tokens/s in prefill mode).
    pub main_per_chip: f64,
    /// Its 80 % prediction interval.
    pub interval: Option<Interval>,
}

/// The serving mode: `mode`, else offline for a burst or closed loop (a benchmark run), else
/// what the latency limits imply. A burst or closed loop in another mode is refused.
fn serve_mode(mode: Option<ServeMode>, request: &RequestShape, slo: &Slo) -> Result<ServeMode, PerfInputError> {
    let benchmark = request.arrivals != Arrivals::Steady;
    match mode {
        Some(mode) if benchmark && mode != ServeMode::Offline => Err(PerfInputError::BenchmarkNotOffline(mode)),
        Some(mode) => Ok(mode),
        None if benchmark => Ok(ServeMode::Offline),
        None => Ok(ServeMode::implied_by(slo)),
    }
}

/// What chip `chip` delivers serving `model` (`fleetplan perf infer`).
pub fn infer(catalog: &Catalog, a: &InferRequest) -> Result<InferReport, PerfInputError> {
    let model = &catalog[&language_model(catalog, "model", "perf infer", &a.model)?];
    let chip = catalog.resolve_chip(&a.chip).map_err(|err| PerfInputError::Unknown { argument: "chip", err })?;
    let engine = serving_engine(catalog, a.engine.as_deref(), a.engine_version.as_deref(), &chip)?;
    let rates = ChipRates::of_chip(catalog, &chip, a.precision)?;
    let workload = a.request.shape(a.input, a.output, a.cached_fraction, model)?;
    let slo = Slo { ttft_p99_ms: a.ttft_p99_ms, tpot_p99_ms: a.tpot_p99_ms };
    let mode = serve_mode(a.mode, &workload, &slo)?;
    // The engine's KV default, the one `validate` and scenario workloads use.
    let kv_precision = a.kv_precision.unwrap_or_else(|| engine.stack.default_kv_precision(a.precision));
    let query = InferenceQuery {
        model,
        rates,
        stack: engine.stack,
        kv_precision,
        chips: a.chips,
        request: workload,
        mode,
        slo,
    };
    let l = a.layout;
    let result = if l.tp.is_some() || l.pp.is_some() || l.dp.is_some() || l.ep.is_some() {
        let (tp, pp) = (l.tp.unwrap_or(1), l.pp.unwrap_or(1));
        let dp = l.dp.unwrap_or_else(|| (a.chips / (tp * pp)).max(1));
        let layout = Layout { tp, pp, dp, ep: l.ep.unwrap_or(1) };
        if layout.chips() > a.chips {
            return Err(PerfInputError::LayoutTooLarge { tp, pp, dp, needed: layout.chips(), chips: a.chips });
        }
        let e = query.engine(layout)?;
        infer::best_for_layout(&e, &workload, mode, &slo, a.chips, None)?
    } else {
        infer::search(&query)?
    };
    let curve = if a.curve {
        let mut curve = Vec::new();
        let e = query.engine(result.layout)?;
        infer::best_for_layout(&e, &workload, mode.without_limits(), &Slo::default(), a.chips, Some(&mut curve))?;
        Some(curve)
    } else {
        None
    };
    let engine_id = engine.engine.as_ref().map(|e| catalog[e].id.as_str());
    let class = catalog.prediction_class(&catalog[&chip], model.is_moe(), mode.into(), engine_id);
    let main_per_chip = mode.throughput_per_chip(&result.best);
    let interval = for_prediction(catalog, &class, main_per_chip, true);
    Ok(InferReport {
        request: a.clone(),
        model_id: model.id.clone(),
        kv_precision,
        engine,
        workload,
        mode,
        slo,
        result,
        curve,
        main_per_chip,
        interval,
    })
}

/// An interval in JSON: the figure it applies to, low, high, and the table entry used.
pub fn interval_json(interval: Option<&Interval>, value: f64) -> serde_json::Value {
    interval.map_or(
        serde_json::Value::Null,
        |i| serde_json::json!({"value": value, "low": i.low, "high": i.high, "level": i.level, "cases": i.cases}),
    )
}

impl InferReport {
    /// The JSON document (`fleetplan perf infer --format json`).
    pub fn document(&self) -> serde_json::Value {
        let a = &self.request;
        serde_json::json!({
            "chip": a.chip, "model": self.model_id, "precision": a.precision, "kv_precision": self.kv_precision,
            "engine": self.engine.engine, "engine_version": a.engine_version,
            "engine_description": self.engine.line, "stack": self.engine.stack,
            "chips": a.chips, "scenario": self.mode, "workload": self.workload, "slo": self.slo,
            "result": self.result, "curve": self.curve,
            "interval": interval_json(self.interval.as_ref(), self.main_per_chip),
        })
    }
}

/// One `perf train` question.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// Accelerator id.
    pub chip: String,
    /// Chips in the job.
    pub chips: u32,
    /// Language-model id.
    pub model: String,
    /// Training precision.
    pub precision: Precision,
    /// Sequence length, tokens.
    pub seq_len: f64,
    /// Tokens to train on.
    pub tokens: f64,
    /// Global batch, tokens per step (default: 8 × pp micro-batches per replica).
    pub global_batch_tokens: Option<f64>,
    /// Fixed parallelism degrees.
    pub layout: FixedLayout,
}

/// A `perf train` answer: the layout search, FLOPs and the 80 % intervals of tokens/s, MFU and
/// time to train.
#[derive(Debug)]
pub struct TrainReport {
    /// The question.
    pub request: TrainRequest,
    /// The model's canonical id.
    pub model_id: String,
    /// Model FLOPs per token.
    pub model_flops_per_token: f64,
    /// The search and its best layout.
    pub search: TrainSearch,
    /// Interval of tokens/s.
    pub tokens_interval: Option<Interval>,
    /// Interval of MFU, percent.
    pub mfu_interval: Option<Interval>,
    /// Time to train, days.
    pub days: f64,
    /// Its interval.
    pub days_interval: Option<Interval>,
}

/// The fastest layout of `model` on `chips` × `chip` that fits (`fleetplan perf train`).
pub fn train(catalog: &Catalog, a: &TrainRequest) -> Result<TrainReport, PerfInputError> {
    let model = &catalog[&language_model(catalog, "model", "perf train", &a.model)?];
    let chip = catalog.accelerator(&a.chip).map_err(|err| PerfInputError::Unknown { argument: "chip", err })?;
    let rates = TrainRates::from_catalog(catalog, &a.chip, a.precision)?;
    let job = TrainJob { seq_len: a.seq_len, global_batch_tokens: a.global_batch_tokens, tokens: a.tokens };
    let engine = TrainEngine::new(model, rates, job)?;
    let l = a.layout;
    let c = LayoutConstraint { tp: l.tp, pp: l.pp, dp: l.dp, ep: l.ep, ..LayoutConstraint::default() };
    let search = search_training(&engine, model, a.chips, &c)?;
    let class = catalog.prediction_class(chip, model.is_moe(), PredictionMode::Training, None);
    let days = search.best.time_to_train_h / 24.0;
    Ok(TrainReport {
        request: a.clone(),
        model_id: model.id.clone(),
        model_flops_per_token: engine.model_flops_per_token(),
        tokens_interval: for_prediction(catalog, &class, search.best.tokens_per_s, true),
        mfu_interval: for_prediction(catalog, &class, search.best.mfu * 100.0, true),
        days_interval: for_prediction(catalog, &class, days, false),
        days,
        search,
    })
}

impl TrainReport {
    /// The JSON document (`fleetplan perf train --format json`).
    pub fn document(&self) -> serde_json::Value {
        let (a, best) = (&self.request, &self.search.best);
        serde_json::json!({
            "chip": a.chip, "model": self.model_id, "precision": a.precision, "chips": a.chips,
            "model_flops_per_token": self.model_flops_per_token,
            "total_model_flops": self.model_flops_per_token * a.tokens,
            "search": self.search,
            "interval": {
                "tokens_per_s": interval_json(self.tokens_interval.as_ref(), best.tokens_per_s),
                "mfu_percent": interval_json(self.mfu_interval.as_ref(), best.mfu * 100.0),
                "time_to_train_days": interval_json(self.days_interval.as_ref(), self.days),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> InferRequest {
        InferRequest {
            chip: "h100-sxm".into(),
            chips: 8,
            model: "llama-3.1-70b".into(),
            precision: Precision::Bf16,
            kv_precision: None,
            input: 1000.0,
            output: 200.0,
            cached_fraction: 0.0,
            request: RequestSettings::default(),
            mode: None,
            ttft_p99_ms: None,
            tpot_p99_ms: None,
            engine: None,
            engine_version: None,
            layout: FixedLayout::default(),
            curve: false,
        }
    }

    #[test]
    fn settings_are_refused_with_their_argument() {
        let catalog = Catalog::builtin().unwrap();
        let mut r = request();
        r.request.output_cv = Some(20.0);
        let err = infer(&catalog, &r).unwrap_err();
        assert!(matches!(err, PerfInputError::Setting { argument: "output-cv", .. }), "{err}");
        let mut r = request();
        r.chip = "h100-sxmm".into();
        let err = infer(&catalog, &r).unwrap_err();
        assert!(
            matches!(&err, PerfInputError::Unknown { argument: "chip", err } if err.suggestion.as_deref() == Some("h100-sxm"))
        );
        let mut r = request();
        r.layout = FixedLayout { tp: Some(8), pp: Some(2), ..FixedLayout::default() };
        assert!(matches!(infer(&catalog, &r).unwrap_err(), PerfInputError::LayoutTooLarge { needed: 16, .. }));
    }

    #[test]
    fn a_burst_runs_offline_and_its_document_echoes_the_request() {
        let catalog = Catalog::builtin().unwrap();
        let mut r = request();
        r.request.requests = Some(64);
        let report = infer(&catalog, &r).unwrap();
        assert_eq!(report.mode, ServeMode::Offline);
        let doc = report.document();
        assert_eq!(doc["chip"], "h100-sxm");
        assert!(doc["curve"].is_null());
        r.mode = Some(ServeMode::Server);
        assert!(matches!(infer(&catalog, &r).unwrap_err(), PerfInputError::BenchmarkNotOffline(_)));
    }
}
