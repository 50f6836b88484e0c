//! Prediction intervals of the performance model: how far published measurements fall from the
//! model's predictions, per class of prediction, as `[[interval]]` catalog entries.
//!
//! The entries are not written by hand: `fleetplan validate --fit-intervals FILE...` fits them
//! from the residuals of the public validation cases (`fleetplan_models::interval`), and a test
//! fails when the committed table (`catalog/intervals.toml`) differs from a re-fit, so a model
//! change without a re-fit is caught. Residuals are `ln(predicted / measured)` in the orientation
//! of a rate (for a time, `ln(measured / predicted)`), so a positive residual means "the model is
//! too optimistic" whatever the metric.

use super::common::Provenance;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a prediction is of: inference or training, of a dense or a mixture-of-experts model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PredictionKind {
    /// Serving a dense model.
    InferenceDense,
    /// Serving a mixture-of-experts model.
    InferenceMoe,
    /// Training a dense model.
    TrainingDense,
    /// Training a mixture-of-experts model.
    TrainingMoe,
}

impl PredictionKind {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            PredictionKind::InferenceDense => "inference-dense",
            PredictionKind::InferenceMoe => "inference-moe",
            PredictionKind::TrainingDense => "training-dense",
            PredictionKind::TrainingMoe => "training-moe",
        }
    }

    /// The kind of a prediction from whether it is training and whether the model is MoE.
    pub fn of(training: bool, moe: bool) -> PredictionKind {
        match (training, moe) {
            (false, false) => PredictionKind::InferenceDense,
            (false, true) => PredictionKind::InferenceMoe,
            (true, false) => PredictionKind::TrainingDense,
            (true, true) => PredictionKind::TrainingMoe,
        }
    }
}

/// How the predicted figure was produced: a serving mode, or training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PredictionMode {
    /// Throughput with every request queued at once.
    Offline,
    /// Throughput under p99 latency limits.
    Server,
    /// Prefill-only pool of a disaggregated deployment.
    Prefill,
    /// Decode-only pool of a disaggregated deployment.
    Decode,
    /// A training job.
    Training,
}

impl PredictionMode {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            PredictionMode::Offline => "offline",
            PredictionMode::Server => "server",
            PredictionMode::Prefill => "prefill",
            PredictionMode::Decode => "decode",
            PredictionMode::Training => "training",
        }
    }
}

/// The class of one prediction: chip perf family × workload kind × engine × mode. Interval
/// entries exist for the classes with calibration cases and for their pooled parents.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct PredictionClass {
    /// Perf family of the chip (e.g. `nvidia-hopper`).
    pub family: String,
    /// Inference/training × dense/MoE.
    pub kind: PredictionKind,
    /// Serving or training engine id, or `default` when the prediction names none.
    pub engine: String,
    /// Serving mode, or training.
    pub mode: PredictionMode,
}

/// The key of an interval entry: a class with the parts a pooled level leaves out set to `None`.
/// Four levels, from the most specific: class, family × kind, kind, all.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IntervalKey {
    /// Perf family, or any.
    pub family: Option<String>,
    /// Workload kind, or any.
    pub kind: Option<PredictionKind>,
    /// Engine id, or any.
    pub engine: Option<String>,
    /// Mode, or any.
    pub mode: Option<PredictionMode>,
}

impl IntervalKey {
    /// The root key: every prediction.
    pub fn all() -> IntervalKey {
        IntervalKey { family: None, kind: None, engine: None, mode: None }
    }

    /// The entry id of this key: `all`, `KIND`, `KIND.FAMILY` or `KIND.FAMILY.ENGINE.MODE`.
    pub fn id(&self) -> String {
        let parts: Vec<&str> = [
            self.kind.map(PredictionKind::as_str),
            self.family.as_deref(),
            self.engine.as_deref(),
            self.mode.map(PredictionMode::as_str),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() { "all".to_string() } else { parts.join(".") }
    }
}

impl PredictionClass {
    /// The keys of this class's levels, most specific first: class, family × kind, kind, all.
    pub fn levels(&self) -> [IntervalKey; 4] {
        let kind = Some(self.kind);
        let family = Some(self.family.clone());
        [
            IntervalKey { family: family.clone(), kind, engine: Some(self.engine.clone()), mode: Some(self.mode) },
            IntervalKey { family, kind, engine: None, mode: None },
            IntervalKey { family: None, kind, engine: None, mode: None },
            IntervalKey::all(),
        ]
    }
}

/// `[[interval]]`: the 80 % prediction interval of one class or pooled level, in log space:
/// a measurement `m` of a prediction `p` of this class falls, 80 % of the time, where the rate-
/// oriented residual `ln(p / m)` lies within `centre_ln ± half_width_ln`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntervalEntry {
    /// `all`, `KIND`, `KIND.FAMILY` or `KIND.FAMILY.ENGINE.MODE` (must match the key fields).
    pub id: String,
    /// Workload kind, absent at the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PredictionKind>,
    /// Perf family, absent at the root and kind levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Engine id (`default` when cases name none), only at the class level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Mode, only at the class level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<PredictionMode>,
    /// Calibration residuals behind this entry.
    pub cases: u32,
    /// Centre of the residuals, ln(predicted / measured) (0 unless enough cases show a bias).
    pub centre_ln: f64,
    /// Half-width of the 80 % interval around the centre, in ln units (0.2 ≈ ±20 %).
    pub half_width_ln: f64,
    /// Source, confidence and notes (the fit's command and data).
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl IntervalEntry {
    /// The key this entry stands for.
    pub fn key(&self) -> IntervalKey {
        IntervalKey { family: self.family.clone(), kind: self.kind, engine: self.engine.clone(), mode: self.mode }
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let expected = self.key().id();
        if self.id != expected {
            p.push(format!("interval `{}`: id must be `{expected}` (from its kind, family, engine and mode)", self.id));
        }
        if !self.centre_ln.is_finite() {
            p.push(format!("interval `{}`: `centre_ln` must be finite, got {}", self.id, self.centre_ln));
        }
        if !(self.half_width_ln.is_finite() && self.half_width_ln >= 0.0) {
            p.push(format!("interval `{}`: `half_width_ln` must be ≥ 0, got {}", self.id, self.half_width_ln));
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_go_from_class_to_all_with_readable_ids() {
        let class = PredictionClass {
            family: "nvidia-hopper".into(),
            kind: PredictionKind::InferenceMoe,
            engine: "sglang".into(),
            mode: PredictionMode::Decode,
        };
        let ids: Vec<String> = class.levels().iter().map(IntervalKey::id).collect();
        assert_eq!(
            ids,
            ["inference-moe.nvidia-hopper.sglang.decode", "inference-moe.nvidia-hopper", "inference-moe", "all"]
        );
    }
}
