//! Cost parameters: network fabrics, server overheads, depreciation lives, maintenance, lease
//! prices, FX rates and reference capex figures.

use super::common::Provenance;
use crate::catalog::Catalog;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// All cost parameters of the catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CostParams {
    /// FX rates.
    #[serde(default)]
    pub fx: Vec<FxRate>,
}

/// Units of a currency per US dollar at a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FxRate {
    /// Catalog id, e.g. `cny-2025`.
    pub id: String,
    /// ISO 4217 currency code, e.g. "CNY".
    pub currency: String,
    /// Units of `currency` per USD.
    pub per_usd: f64,
    /// Year the rate is for.
    pub year: i32,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl CostParams {
    pub(crate) fn problems(&self, _catalog: &Catalog) -> Vec<String> {
        Vec::new()
    }
}
