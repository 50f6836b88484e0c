//! Catalog entry types, one module per kind, and the integrity checks that span kinds.

mod accelerator;
mod common;
mod cost;
mod country;
mod engine;
mod interval;
mod model;
mod perf_family;
mod perf_training;
mod price;
mod region;
mod rule;
mod system;

pub use accelerator::*;
pub use common::*;
pub use cost::*;
pub use country::*;
pub use engine::*;
pub use interval::*;
pub use model::*;
pub use perf_family::*;
pub use perf_training::*;
pub use price::*;
pub use region::*;
pub use rule::*;
pub use system::*;

use super::Catalog;
use std::collections::{BTreeMap, BTreeSet};

/// Every integrity problem in the merged catalog, as readable sentences.
pub(crate) fn integrity_problems(catalog: &Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let all_ids = catalog
        .accelerators
        .iter()
        .map(|e| ("accelerator", e.id.as_str(), &e.provenance))
        .chain(catalog.systems.iter().map(|e| ("system", e.id.as_str(), &e.provenance)))
        .chain(catalog.llms.iter().map(|e| ("model", e.id.as_str(), &e.provenance)))
        .chain(catalog.diffusion_models.iter().map(|e| ("model", e.id.as_str(), &e.provenance)))
        .chain(catalog.regions.iter().map(|e| ("region", e.id.as_str(), &e.provenance)))
        .chain(catalog.rules.iter().map(|e| ("rule", e.id.as_str(), &e.provenance)))
        .chain(catalog.perf_families.iter().map(|e| ("perf family", e.id.as_str(), &e.provenance)))
        .chain(catalog.engines.iter().map(|e| ("engine", e.id.as_str(), &e.provenance)))
        .chain(catalog.training_families.iter().map(|e| ("training family", e.id.as_str(), &e.provenance)))
        .chain(catalog.intervals.iter().map(|e| ("interval", e.id.as_str(), &e.provenance)));
    for (kind, id, provenance) in all_ids {
        if !seen.insert((kind, id)) {
            problems.push(format!("duplicate {kind} id `{id}`"));
        }
        if !is_valid_id(id) {
            problems.push(format!("{kind} id `{id}` must be lowercase letters, digits, '.' and '-'"));
        }
        if provenance.source.trim().is_empty() {
            problems.push(format!("{kind} `{id}` has an empty `source`"));
        }
    }
    for alias in catalog.llms.iter().flat_map(|m| m.aliases.iter()) {
        if catalog.llms.iter().any(|m| &m.id == alias) {
            problems.push(format!("model alias `{alias}` shadows a model id"));
        }
    }
    problems.extend(catalog.accelerators.iter().flat_map(|a| a.problems(catalog)));
    problems.extend(catalog.systems.iter().flat_map(|s| s.problems(catalog)));
    problems.extend(catalog.llms.iter().flat_map(|m| m.problems()));
    problems.extend(catalog.diffusion_models.iter().flat_map(|m| m.problems()));
    problems.extend(catalog.regions.iter().flat_map(|r| r.problems()));
    problems.extend(catalog.costs.problems(catalog));
    problems.extend(catalog.rules.iter().flat_map(|r| r.problems(catalog)));
    problems.extend(catalog.perf_families.iter().flat_map(|f| f.problems()));
    problems.extend(catalog.training_families.iter().flat_map(|f| f.problems(catalog)));
    problems.extend(catalog.engines.iter().flat_map(|e| e.problems()));
    problems.extend(engine_default_problems(catalog));
    problems.extend(catalog.intervals.iter().flat_map(|i| i.problems()));
    for entry in &catalog.intervals {
        if let Some(family) = &entry.family
            && catalog.perf_family(family).is_err()
            && !catalog.perf_families.is_empty()
        {
            problems.push(format!("interval `{}`: unknown perf family `{family}`", entry.id));
        }
    }
    problems
}

/// Engine defaults across entries: at most one default engine per vendor and role (and one
/// `"*"` fallback per role), and every accelerator vendor has a default serving engine.
fn engine_default_problems(catalog: &Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    let mut claimed: BTreeMap<(&'static str, String), &str> = BTreeMap::new();
    for engine in &catalog.engines {
        for vendor in &engine.default_for_vendors {
            let key = (engine.role.as_str(), vendor.to_ascii_lowercase());
            if let Some(other) = claimed.insert(key, engine.id.as_str()) {
                problems.push(format!(
                    "engines `{other}` and `{}` are both the default {} engine for vendor `{vendor}`",
                    engine.id,
                    engine.role.as_str()
                ));
            }
        }
    }
    if catalog.engines.is_empty() {
        return problems;
    }
    let vendors: BTreeSet<&str> = catalog.accelerators.iter().map(|a| a.vendor.as_str()).collect();
    for vendor in vendors {
        if catalog.default_serving_engine(vendor).is_none() {
            problems.push(format!(
                "accelerator vendor `{vendor}` has no default serving engine (name it in an engine's `default_for_vendors`)"
            ));
        }
    }
    problems
}

/// Catalog ids are lowercase ASCII letters, digits, `-` and `.` (e.g. `h100-sxm`, `tpu-v5e`,
/// `llama-3.1-8b`), starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}
