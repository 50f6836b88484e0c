//! Fields shared by every catalog entry: where a value comes from and how sure we are.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How much to trust a catalog value, following the data pack's legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Vendor spec sheet, vendor docs, government text, company filing.
    Official,
    /// Reputable press report or named analyst quoted by press.
    Press,
    /// Secondary aggregator, blog, spec database.
    Secondary,
    /// Our estimate or arithmetic from other values (derivation stated in `source` or `notes`).
    Estimate,
}

impl Confidence {
    /// Lowercase name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Official => "official",
            Confidence::Press => "press",
            Confidence::Secondary => "secondary",
            Confidence::Estimate => "estimate",
        }
    }
}

/// Source and confidence of a catalog entry. Flattened into every entry, so files write
/// `source = "..."`, `confidence = "official"` and optionally `notes = "..."` at entry level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    /// URL(s) or derivation the values come from (several URLs separated by " ; ").
    pub source: String,
    /// How sure the values are.
    pub confidence: Confidence,
    /// Caveats, conflicts between sources and how they were resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Largest positive number a catalog field accepts, in the field's unit (10¹⁵: above every
/// real figure — TFLOPS, GB, W, USD, tokens — so a 1e308 override is an error, not an inf later).
pub const MAX_CATALOG_VALUE: f64 = 1e15;

/// Push a problem if `value` is not finite, > 0 and at most [`MAX_CATALOG_VALUE`].
pub(crate) fn check_positive(problems: &mut Vec<String>, kind: &str, id: &str, field: &str, value: f64) {
    if !(value.is_finite() && value > 0.0) {
        problems.push(format!("{kind} `{id}`: `{field}` must be a positive number, got {value}"));
    } else if value > MAX_CATALOG_VALUE {
        problems.push(format!(
            "{kind} `{id}`: `{field}` = {} is beyond any real value (at most {MAX_CATALOG_VALUE:e})",
            crate::format::given(value)
        ));
    }
}

/// Push a problem if `value` is present and not finite and > 0.
pub(crate) fn check_positive_opt(problems: &mut Vec<String>, kind: &str, id: &str, field: &str, value: Option<f64>) {
    if let Some(v) = value {
        check_positive(problems, kind, id, field, v);
    }
}
