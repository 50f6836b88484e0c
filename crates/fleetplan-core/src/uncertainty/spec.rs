//! The `[uncertainty]` section: as written in the scenario file ([`UncertaintySection`], part of
//! the JSON Schema) and as resolved by validation ([`UncertaintySpec`], held by
//! [`crate::scenario::Scenario::uncertainty`]). docs/uncertainty.md documents the format.

use super::Distribution;
use crate::scenario::Spanned;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// `[uncertainty]`: distributions of scenario and catalog numbers by dotted path, e.g.
/// `"workload.doubao.growth_per_quarter" = { lognormal = { median = 0.3, sigma = 0.2 } }`, and
/// rank correlations between them (`[[uncertainty.correlation]]`). Paths and their meaning:
/// docs/uncertainty.md.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct UncertaintySection {
    /// Rank (Spearman) correlations between two inputs of this section or catalog defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlation: Vec<CorrelationEntry>,
    /// Dotted path → distribution, e.g. `"budget.total" = { normal = { mean = 470e9, sd = 20e9 } }`.
    #[serde(flatten)]
    pub inputs: BTreeMap<String, DistributionEntry>,
    /// Byte spans of the path keys (filled by the parser; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub key_spans: BTreeMap<String, Range<usize>>,
    /// Byte span of each path's value (filled by the parser; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub value_spans: BTreeMap<String, Range<usize>>,
}

/// One distribution as written: exactly one of the fields (`p` is short for `bernoulli`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DistributionEntry {
    /// `{ normal = { mean = .., sd = .. } }`: normal, in the field's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal: Option<NormalParams>,
    /// `{ lognormal = { median = .., sigma = .. } }`: ln(x) normal, sigma in ln units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lognormal: Option<LogNormalParams>,
    /// `{ triangular = { low = .., mode = .., high = .. } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triangular: Option<TriangularParams>,
    /// `{ uniform = { low = .., high = .. } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniform: Option<UniformParams>,
    /// `{ bernoulli = { p = .. } }`: 1 (on) with probability p, for switches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bernoulli: Option<BernoulliParams>,
    /// `{ p = .. }`: short for `{ bernoulli = { p = .. } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<Spanned<f64>>,
}

/// Parameters of a normal distribution.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NormalParams {
    /// Mean, in the field's unit.
    pub mean: Spanned<f64>,
    /// Standard deviation, in the field's unit (≥ 0).
    pub sd: Spanned<f64>,
}

/// Parameters of a log-normal distribution.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LogNormalParams {
    /// Median, in the field's unit (> 0).
    pub median: Spanned<f64>,
    /// Standard deviation of ln(x), 0–5 (0.2 ≈ ±20 % at one σ).
    pub sigma: Spanned<f64>,
}

/// Parameters of a triangular distribution.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TriangularParams {
    /// Smallest value.
    pub low: Spanned<f64>,
    /// Most likely value (low ≤ mode ≤ high).
    pub mode: Spanned<f64>,
    /// Largest value.
    pub high: Spanned<f64>,
}

/// Parameters of a uniform distribution.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct UniformParams {
    /// Smallest value.
    pub low: Spanned<f64>,
    /// Largest value (≥ low).
    pub high: Spanned<f64>,
}

/// Parameters of a Bernoulli switch.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BernoulliParams {
    /// Probability that the switch is on, 0–1.
    pub p: Spanned<f64>,
}

/// `[[uncertainty.correlation]]`: a rank correlation between two inputs.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CorrelationEntry {
    /// Path of the first input (a path of this section, or of a catalog default).
    pub a: Spanned<String>,
    /// Path of the second input.
    pub b: Spanned<String>,
    /// Spearman rank correlation, −1 to 1.
    pub rho: Spanned<f64>,
}

impl DistributionEntry {
    /// The distributions given, by name (validation wants exactly one).
    pub fn given(&self) -> Vec<(&'static str, Distribution)> {
        let mut out = Vec::new();
        if let Some(n) = &self.normal {
            out.push(("normal", Distribution::Normal { mean: *n.mean, sd: *n.sd }));
        }
        if let Some(l) = &self.lognormal {
            out.push(("lognormal", Distribution::LogNormal { median: *l.median, sigma: *l.sigma }));
        }
        if let Some(t) = &self.triangular {
            out.push(("triangular", Distribution::Triangular { low: *t.low, mode: *t.mode, high: *t.high }));
        }
        if let Some(u) = &self.uniform {
            out.push(("uniform", Distribution::Uniform { low: *u.low, high: *u.high }));
        }
        if let Some(b) = &self.bernoulli {
            out.push(("bernoulli", Distribution::Bernoulli { p: *b.p }));
        }
        if let Some(p) = &self.p {
            out.push(("p", Distribution::Bernoulli { p: **p }));
        }
        out
    }
}

/// The resolved `[uncertainty]` section: every path checked against the scenario and catalog,
/// every distribution valid, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UncertaintySpec {
    /// The inputs the scenario declares (they override catalog defaults of the same path).
    pub inputs: Vec<SpecInput>,
    /// Rank correlations by path.
    pub correlations: Vec<SpecCorrelation>,
}

/// One declared input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecInput {
    /// Dotted path as written.
    pub path: String,
    /// Its distribution.
    pub distribution: Distribution,
}

/// One declared rank correlation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecCorrelation {
    /// Path of the first input.
    pub a: String,
    /// Path of the second input.
    pub b: String,
    /// Spearman rank correlation, −1 to 1.
    pub rho: f64,
}
