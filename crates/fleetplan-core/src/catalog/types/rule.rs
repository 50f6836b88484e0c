//! Export-control and related policy rules as dated data.

use super::common::Provenance;
use crate::catalog::Catalog;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One dated rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Catalog id, e.g. `oct2023`.
    pub id: String,
    /// Readable name with citation.
    pub name: String,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl Rule {
    pub(crate) fn problems(&self, _catalog: &Catalog) -> Vec<String> {
        Vec::new()
    }
}
