//! Parsing catalog files (built-in and user overrides) and merging them.

use super::Catalog;
use super::types::*;
use crate::diagnostic::{Diagnostic, from_toml_error};
use serde::Deserialize;

/// The embedded catalog files, `(file name, text)`, in load order.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("perf.toml", include_str!("../../catalog/perf.toml")),
    ("perf-training.toml", include_str!("../../catalog/perf-training.toml")),
    ("chips.toml", include_str!("../../catalog/chips.toml")),
    ("systems.toml", include_str!("../../catalog/systems.toml")),
    ("models.toml", include_str!("../../catalog/models.toml")),
    ("regions.toml", include_str!("../../catalog/regions.toml")),
    ("costs.toml", include_str!("../../catalog/costs.toml")),
    ("rules.toml", include_str!("../../catalog/rules.toml")),
    ("engines.toml", include_str!("../../catalog/engines.toml")),
    ("intervals.toml", include_str!("../../catalog/intervals.toml")),
];

/// One catalog file: any mix of entry arrays. Built-in files and user `--catalog` files share
/// this format.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// `[[accelerator]]` entries.
    #[serde(default)]
    pub accelerator: Vec<Accelerator>,
    /// `[[system]]` entries.
    #[serde(default)]
    pub system: Vec<System>,
    /// `[[llm]]` entries.
    #[serde(default)]
    pub llm: Vec<LlmModel>,
    /// `[[diffusion]]` entries.
    #[serde(default)]
    pub diffusion: Vec<DiffusionModel>,
    /// `[[region]]` entries.
    #[serde(default)]
    pub region: Vec<Region>,
    /// `[[rule]]` entries.
    #[serde(default)]
    pub rule: Vec<Rule>,
    /// `[[perf_family]]` entries.
    #[serde(default)]
    pub perf_family: Vec<PerfFamily>,
    /// `[[engine]]` entries (serving engines and training frameworks).
    #[serde(default)]
    pub engine: Vec<ServingEngine>,
    /// `[[perf_training]]` entries (training efficiencies per perf family).
    #[serde(default)]
    pub perf_training: Vec<TrainingFamily>,
    /// `[[interval]]` entries (prediction intervals of the performance model, fitted by
    /// `fleetplan validate --fit-intervals`).
    #[serde(default)]
    pub interval: Vec<IntervalEntry>,
    /// `[[fx]]` entries.
    #[serde(default)]
    pub fx: Vec<FxRate>,
    /// `[[fabric]]` entries (scale-out network technologies).
    #[serde(default)]
    pub fabric: Vec<NetworkFabric>,
    /// `[[cost_factor]]` entries (scalar cost parameters).
    #[serde(default)]
    pub cost_factor: Vec<CostFactor>,
    /// `[[depreciation]]` entries (life per asset class).
    #[serde(default)]
    pub depreciation: Vec<Depreciation>,
    /// `[[lease]]` entries (dated USD per accelerator-hour by chip, region and basis).
    #[serde(default)]
    pub lease: Vec<LeasePrice>,
    /// `[[purchase_price]]` entries (dated USD per accelerator or per system).
    #[serde(default)]
    pub purchase_price: Vec<PurchasePrice>,
    /// `[[capex_reference]]` entries (company capex figures).
    #[serde(default)]
    pub capex_reference: Vec<CapexReference>,
    /// `[[context_fact]]` entries (dated facts for examples).
    #[serde(default)]
    pub context_fact: Vec<ContextFact>,
    /// `[[diurnal_profile]]` entries (default 24-hour demand profiles).
    #[serde(default)]
    pub diurnal_profile: Vec<DiurnalProfile>,
}

/// A user catalog entry replaced a built-in (or earlier) entry with the same id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OverrideNote {
    /// Kind of entry ("accelerator", "region", ...).
    pub kind: &'static str,
    /// The id that was replaced.
    pub id: String,
    /// Where the replacement came from.
    pub source_name: String,
}

impl CatalogFile {
    /// Parse a catalog file; on failure return diagnostics pointing into `text`.
    pub fn parse(source_name: &str, text: &str) -> Result<CatalogFile, Vec<Diagnostic>> {
        let de = toml::Deserializer::parse(text).map_err(|e| vec![from_toml_error(source_name, None, &e)])?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            vec![from_toml_error(source_name, Some(path), e.inner())]
        })
    }
}

/// Insert or replace entries by id, recording replacements.
fn upsert<T>(
    existing: &mut Vec<T>,
    new: Vec<T>,
    id_of: impl Fn(&T) -> &str,
    kind: &'static str,
    source_name: &str,
    notes: &mut Vec<OverrideNote>,
) {
    for entry in new {
        if let Some(slot) = existing.iter_mut().find(|e| id_of(e) == id_of(&entry)) {
            notes.push(OverrideNote { kind, id: id_of(&entry).to_string(), source_name: source_name.to_string() });
            *slot = entry;
        } else {
            existing.push(entry);
        }
    }
}

impl Catalog {
    /// Merge a parsed file into the catalog; returns the ids it replaced.
    pub(crate) fn merge(&mut self, file: CatalogFile, source_name: &str) -> Vec<OverrideNote> {
        let mut notes = Vec::new();
        let n = &mut notes;
        upsert(&mut self.accelerators, file.accelerator, |e| &e.id, "accelerator", source_name, n);
        upsert(&mut self.systems, file.system, |e| &e.id, "system", source_name, n);
        upsert(&mut self.llms, file.llm, |e| &e.id, "model", source_name, n);
        upsert(&mut self.diffusion_models, file.diffusion, |e| &e.id, "model", source_name, n);
        upsert(&mut self.regions, file.region, |e| &e.id, "region", source_name, n);
        upsert(&mut self.rules, file.rule, |e| &e.id, "rule", source_name, n);
        upsert(&mut self.perf_families, file.perf_family, |e| &e.id, "perf family", source_name, n);
        upsert(&mut self.engines, file.engine, |e| &e.id, "engine", source_name, n);
        upsert(&mut self.training_families, file.perf_training, |e| &e.id, "training family", source_name, n);
        upsert(&mut self.intervals, file.interval, |e| &e.id, "interval", source_name, n);
        upsert(&mut self.costs.fx, file.fx, |e| &e.id, "fx rate", source_name, n);
        upsert(&mut self.costs.fabrics, file.fabric, |e| &e.id, "network fabric", source_name, n);
        upsert(&mut self.costs.factors, file.cost_factor, |e| &e.id, "cost factor", source_name, n);
        upsert(&mut self.costs.depreciation, file.depreciation, |e| &e.id, "depreciation", source_name, n);
        upsert(&mut self.costs.leases, file.lease, |e| &e.id, "lease", source_name, n);
        upsert(&mut self.costs.purchases, file.purchase_price, |e| &e.id, "purchase price", source_name, n);
        upsert(&mut self.costs.capex_references, file.capex_reference, |e| &e.id, "capex reference", source_name, n);
        upsert(&mut self.costs.context_facts, file.context_fact, |e| &e.id, "context fact", source_name, n);
        upsert(&mut self.costs.diurnal_profiles, file.diurnal_profile, |e| &e.id, "diurnal profile", source_name, n);
        notes
    }
}
