//! Catalog defaults: distributions for the catalog values a scenario uses (docs/uncertainty.md,
//! "Catalog defaults").

use super::Distribution;
use crate::catalog::Catalog;
use crate::scenario::Scenario;

/// (path, distribution) of every catalog default that applies to `scenario`.
pub(crate) fn catalog_defaults(_scenario: &Scenario, _catalog: &Catalog) -> Vec<(String, Distribution)> {
    Vec::new()
}
