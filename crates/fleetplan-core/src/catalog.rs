//! The built-in catalog: accelerators, systems, models, regions, cost parameters and
//! export-control rules, as TOML data files embedded in the binary (`catalog/*.toml` in this
//! crate), each entry with a `source` and a `confidence`.
//!
//! Users add or override entries with files in the same format ([`Catalog::apply_override`]);
//! an entry whose id already exists replaces the built-in one and the replacement is reported as
//! an [`OverrideNote`].
//!
//! Lookups by id string (`accelerator`, `llm`, …) return an [`UnknownId`] with a did-you-mean
//! when the id is unknown (one helper builds it for every kind, cost entries included);
//! `Catalog::resolve_*` turns a checked id into a typed handle ([`ChipId`], [`SystemId`],
//! [`LlmId`], [`DiffusionId`], [`RegionId`], [`EngineId`]; `ids.rs`) that indexes the catalog
//! infallibly.

mod ids;
mod load;
mod locate;
mod types;

pub use ids::{ChipId, DiffusionId, EngineId, LlmId, NotALanguageModel, RegionId, SystemId};
pub use load::{BUILTIN_FILES, CatalogFile, OverrideNote};
pub use types::*;

use crate::diagnostic::Diagnostic;
use crate::suggest::did_you_mean;

/// All catalog entries, after built-in files and user overrides are merged. Entries keep file
/// order; lookups go through the `*_by_id` methods, which also resolve model aliases.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Catalog {
    /// Accelerators (GPUs, NPUs, TPUs), one per chip SKU.
    pub accelerators: Vec<Accelerator>,
    /// How accelerators are packaged and sold (servers, racks, pod slices).
    pub systems: Vec<System>,
    /// Transformer language models (dense and MoE).
    pub llms: Vec<LlmModel>,
    /// Image and video diffusion models.
    pub diffusion_models: Vec<DiffusionModel>,
    /// Data-center regions (sites are placed in a region).
    pub regions: Vec<Region>,
    /// Cost parameters (network, servers, depreciation, leases, FX, references).
    pub costs: CostParams,
    /// Export-control and related policy rules, as dated data.
    pub rules: Vec<Rule>,
    /// Performance-model efficiency parameters per chip family (see docs/performance-model.md).
    pub perf_families: Vec<PerfFamily>,
    /// Serving engines and training frameworks (`engines.toml`).
    pub engines: Vec<ServingEngine>,
    /// Training efficiency parameters per chip family (`perf-training.toml`).
    pub training_families: Vec<TrainingFamily>,
    /// 80 % prediction intervals of the performance model per class of prediction and pooled
    /// level (fitted from the public validation cases; see `fleetplan_models::interval`).
    pub intervals: Vec<IntervalEntry>,
}

/// Something a user named that the catalog does not hold.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown {kind} id `{id}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
pub struct UnknownId {
    /// What kind of entry was looked up ("accelerator", "model", ...).
    pub kind: &'static str,
    /// The id as given.
    pub id: String,
    /// The closest known id, if any is plausibly meant.
    pub suggestion: Option<String>,
    /// All known ids of this kind (for "expected one of").
    pub known: Vec<String>,
}

/// The error for `id` missing among the `known` ids of `kind`, with the closest known id as a
/// suggestion (the one home of this for every catalog lookup by id).
pub(crate) fn unknown_id<'a>(kind: &'static str, id: &str, known: impl Iterator<Item = &'a str> + Clone) -> UnknownId {
    UnknownId {
        kind,
        id: id.to_string(),
        suggestion: did_you_mean(id, known.clone()).map(str::to_string),
        known: known.map(str::to_string).collect(),
    }
}

impl Catalog {
    /// The built-in catalog, parsed from the embedded data files.
    ///
    /// Errors only if an embedded file is broken, which the catalog tests rule out.
    pub fn builtin() -> Result<Catalog, Vec<Diagnostic>> {
        let mut catalog = Catalog::default();
        let mut problems = Vec::new();
        for (name, text) in BUILTIN_FILES {
            match CatalogFile::parse(&format!("builtin:{name}"), text) {
                Ok(file) => {
                    catalog.merge(file, &format!("builtin:{name}"));
                }
                Err(mut d) => problems.append(&mut d),
            }
        }
        if problems.is_empty() { Ok(catalog) } else { Err(problems) }
    }

    /// Apply a user catalog file (same format as the built-in files). Entries with a new id are
    /// added; entries with an existing id replace the old one and are reported.
    pub fn apply_override(&mut self, source_name: &str, text: &str) -> Result<Vec<OverrideNote>, Vec<Diagnostic>> {
        let file = CatalogFile::parse(source_name, text)?;
        let notes = self.merge(file, source_name);
        let problems = self.integrity_problems();
        if problems.is_empty() {
            Ok(notes)
        } else {
            Err(problems.iter().map(|m| locate::integrity_diagnostic(source_name, text, m)).collect())
        }
    }

    /// Accelerator by id.
    pub fn accelerator(&self, id: &str) -> Result<&Accelerator, UnknownId> {
        self.accelerators
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| unknown_id("accelerator", id, self.accelerators.iter().map(|a| a.id.as_str())))
    }

    /// System by id.
    pub fn system(&self, id: &str) -> Result<&System, UnknownId> {
        self.systems
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| unknown_id("system", id, self.systems.iter().map(|s| s.id.as_str())))
    }

    /// Language model by id or alias (e.g. `deepseek-r1` → `deepseek-v3`).
    pub fn llm(&self, id: &str) -> Result<&LlmModel, UnknownId> {
        self.llms
            .iter()
            .find(|m| m.id == id || m.aliases.iter().any(|a| a == id))
            .ok_or_else(|| unknown_id("model", id, self.llms.iter().map(|m| m.id.as_str())))
    }

    /// Diffusion model by id.
    pub fn diffusion(&self, id: &str) -> Result<&DiffusionModel, UnknownId> {
        self.diffusion_models
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| unknown_id("diffusion model", id, self.diffusion_models.iter().map(|m| m.id.as_str())))
    }

    /// Region by id.
    pub fn region(&self, id: &str) -> Result<&Region, UnknownId> {
        self.regions
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| unknown_id("region", id, self.regions.iter().map(|r| r.id.as_str())))
    }

    /// Rule by id.
    pub fn rule(&self, id: &str) -> Result<&Rule, UnknownId> {
        self.rules
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| unknown_id("rule", id, self.rules.iter().map(|r| r.id.as_str())))
    }

    /// Training efficiencies of the perf family `id`, if `perf-training.toml` (or an override)
    /// has an entry for it; families without one train at their inference efficiencies.
    pub fn training_family(&self, id: &str) -> Option<&TrainingFamily> {
        self.training_families.iter().find(|f| f.id == id)
    }

    /// Performance family by id.
    pub fn perf_family(&self, id: &str) -> Result<&PerfFamily, UnknownId> {
        self.perf_families
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| unknown_id("perf family", id, self.perf_families.iter().map(|f| f.id.as_str())))
    }

    /// Serving engine or training framework by id.
    pub fn engine(&self, id: &str) -> Result<&ServingEngine, UnknownId> {
        self.engines
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| unknown_id("engine", id, self.engines.iter().map(|e| e.id.as_str())))
    }

    /// The default (best-tuned) serving engine for chips of `vendor` (case-insensitive): the
    /// serving engine naming the vendor in `default_for_vendors`, else the `"*"` fallback;
    /// `None` when the catalog has neither.
    pub fn default_serving_engine(&self, vendor: &str) -> Option<&ServingEngine> {
        self.default_engine(vendor, EngineRole::Serving)
    }

    /// The default engine of `role` for chips of `vendor` (case-insensitive): the engine naming
    /// the vendor in `default_for_vendors`, else the role's `"*"` fallback.
    pub fn default_engine(&self, vendor: &str, role: EngineRole) -> Option<&ServingEngine> {
        let of_role = || self.engines.iter().filter(|e| e.role == role);
        of_role().find(|e| e.is_default_for(vendor)).or_else(|| of_role().find(|e| e.is_fallback_default()))
    }

    /// The interval class of a prediction on `chip` for a model that is (or not) `moe`, in
    /// `mode`, run by `engine` — or, when `None`, by the chip vendor's default engine for the
    /// role, so that a prediction naming no engine and one naming the default share a class.
    pub fn prediction_class(
        &self,
        chip: &Accelerator,
        moe: bool,
        mode: PredictionMode,
        engine: Option<&str>,
    ) -> PredictionClass {
        let training = mode == PredictionMode::Training;
        let role = if training { EngineRole::Training } else { EngineRole::Serving };
        let engine = engine
            .map(str::to_string)
            .or_else(|| self.default_engine(&chip.vendor, role).map(|e| e.id.clone()))
            .unwrap_or_else(|| "default".to_string());
        PredictionClass { family: chip.perf_family.clone(), kind: PredictionKind::of(training, moe), engine, mode }
    }

    /// The interval entry of exactly `key`, if the table has one.
    pub fn interval(&self, key: &IntervalKey) -> Option<&IntervalEntry> {
        self.intervals
            .iter()
            .find(|e| e.family == key.family && e.kind == key.kind && e.engine == key.engine && e.mode == key.mode)
    }

    /// The most specific interval entry for `class` (its own, else its family × kind's, its
    /// kind's, or the root's), and `None` only when the table has none of them.
    pub fn interval_for(&self, class: &PredictionClass) -> Option<&IntervalEntry> {
        class.levels().iter().find_map(|key| self.interval(key))
    }

    /// Problems that make the merged catalog inconsistent: duplicate ids, non-positive or
    /// non-finite quantities, missing sources, dangling references. Empty when all is well.
    pub fn integrity_problems(&self) -> Vec<String> {
        types::integrity_problems(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_and_is_consistent() {
        let catalog = Catalog::builtin().expect("built-in catalog parses");
        assert!(!catalog.accelerators.is_empty());
        let problems = catalog.integrity_problems();
        assert!(problems.is_empty(), "integrity problems:\n{}", problems.join("\n"));
    }

    #[test]
    fn unknown_id_suggests() {
        let catalog = Catalog::builtin().unwrap();
        let err = catalog.accelerator("h100_sxm").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("h100-sxm"));
    }

    #[test]
    fn override_replaces_and_reports() {
        let mut catalog = Catalog::builtin().unwrap();
        let chip =
            toml::to_string(&CatalogFileOut { accelerator: vec![catalog.accelerator("h100-sxm").unwrap().clone()] })
                .unwrap();
        let text = chip.replace("tdp_w = 700.0", "tdp_w = 650.0");
        let notes = catalog.apply_override("mine.toml", &text).unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].id, "h100-sxm");
        assert_eq!(catalog.accelerator("h100-sxm").unwrap().tdp_w, 650.0);
    }

    #[derive(serde::Serialize)]
    struct CatalogFileOut {
        accelerator: Vec<Accelerator>,
    }

    #[test]
    fn a_second_default_engine_for_a_vendor_is_rejected() {
        let mut catalog = Catalog::builtin().unwrap();
        let text = "[[engine]]\nid = \"mine\"\nname = \"Mine\"\nrole = \"training\"\nvendors = [\"nvidia\"]\n\
                    default_for_vendors = [\"nvidia\"]\nsource = \"test\"\nconfidence = \"estimate\"\n";
        let err = catalog.apply_override("mine.toml", text).unwrap_err();
        assert!(err[0].message.contains("both the default training engine for vendor `nvidia`"), "{err:?}");
        let serving_without_table = text.replace("training", "serving").replace("[\"nvidia\"]\nsource", "[]\nsource");
        let err = Catalog::builtin().unwrap().apply_override("mine.toml", &serving_without_table).unwrap_err();
        assert!(err[0].message.contains("needs an `[engine.serving]` table"), "{err:?}");
    }

    #[test]
    fn override_errors_point_into_the_file() {
        let mut catalog = Catalog::builtin().unwrap();
        let err = catalog.apply_override("mine.toml", "[[accelerator]]\nid = \"x\"\nbogus = 1\n").unwrap_err();
        assert!(err[0].span.is_some());
        assert_eq!(err[0].source_name, "mine.toml");
    }
}
