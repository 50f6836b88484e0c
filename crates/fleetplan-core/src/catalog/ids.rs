//! Typed handles for catalog entries: ids that have been checked against a catalog.
//!
//! A handle ([`ChipId`], [`SystemId`], [`LlmId`], [`DiffusionId`], [`RegionId`], [`EngineId`])
//! can only be made by resolving a user-given string with `Catalog::resolve_*` (scenario
//! validation does this), so code below `core::scenario` never holds an unknown id and never has
//! a lookup that can fail: `&catalog[&chip_id]` gives the entry. A handle keeps the entry's
//! position and its canonical id (model aliases are resolved to the canonical id); it serialises
//! as the id string, so JSON output is the same as with plain strings. Handles order, compare and hash by id, display as
//! the id and compare equal to an id string; they do not deref or borrow as `str`, so code
//! cannot treat one as a string by accident: `as_str()` says so when it means to.
//!
//! **Invariant:** a handle is valid for the catalog it was resolved against and for any catalog
//! derived from it by overrides (overrides replace entries in place or append, never remove).
//! Indexing another catalog with it is a programming error and panics with a message saying so.

use super::{Accelerator, Catalog, DiffusionModel, LlmModel, Region, ServingEngine, System, UnknownId};
use crate::handle::typed_handle;

/// A language model was asked for (a chat or training workload, `simulate --model`,
/// `perf infer --model`) and the id names a diffusion model: the one wording of that mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotALanguageModel {
    /// The id as given.
    pub id: String,
    /// What the diffusion model generates: "image" or "video".
    pub modality: &'static str,
}

impl NotALanguageModel {
    /// "model `flux.1-dev` is a diffusion (image) model, but {needs} a language model", with
    /// `needs` saying who asked ("chat workloads need", "`simulate` needs").
    pub fn message(&self, needs: &str) -> String {
        format!("model `{}` is a diffusion ({}) model, but {needs} a language model", self.id, self.modality)
    }
}

impl Catalog {
    /// `Some` when `id` is not a language model but names a diffusion model.
    pub fn not_a_language_model(&self, id: &str) -> Option<NotALanguageModel> {
        if self.llm(id).is_ok() {
            return None;
        }
        let diffusion = self.diffusion(id).ok()?;
        let modality = match diffusion.modality {
            super::Modality::Image => "image",
            super::Modality::Video => "video",
        };
        Some(NotALanguageModel { id: id.to_string(), modality })
    }
}

typed_handle!(
    /// An accelerator id checked against the catalog.
    ChipId, Accelerator, Catalog, accelerators, "accelerator", "a catalog it was not resolved against"
);
typed_handle!(
    /// A system id checked against the catalog.
    SystemId, System, Catalog, systems, "system", "a catalog it was not resolved against"
);
typed_handle!(
    /// A language-model id checked against the catalog (aliases resolved to the canonical id).
    LlmId, LlmModel, Catalog, llms, "model", "a catalog it was not resolved against"
);
typed_handle!(
    /// A diffusion-model id checked against the catalog.
    DiffusionId, DiffusionModel, Catalog, diffusion_models, "diffusion model", "a catalog it was not resolved against"
);
typed_handle!(
    /// A region id checked against the catalog.
    RegionId, Region, Catalog, regions, "region", "a catalog it was not resolved against"
);

typed_handle!(
    /// A serving-engine or training-framework id checked against the catalog.
    EngineId, ServingEngine, Catalog, engines, "engine", "a catalog it was not resolved against"
);

/// Position of the entry with canonical id `id` (present: it was just found by id).
fn position<T>(entries: &[T], id: impl Fn(&T) -> bool) -> usize {
    entries.iter().position(id).unwrap_or(usize::MAX)
}

impl Catalog {
    /// Check an accelerator id given by a user and return its handle.
    pub fn resolve_chip(&self, id: &str) -> Result<ChipId, UnknownId> {
        let entry = self.accelerator(id)?;
        Ok(ChipId::new(position(&self.accelerators, |e| e.id == entry.id), &entry.id))
    }

    /// Check a system id given by a user and return its handle.
    pub fn resolve_system(&self, id: &str) -> Result<SystemId, UnknownId> {
        let entry = self.system(id)?;
        Ok(SystemId::new(position(&self.systems, |e| e.id == entry.id), &entry.id))
    }

    /// Check a language-model id or alias given by a user and return the canonical handle.
    pub fn resolve_llm(&self, id: &str) -> Result<LlmId, UnknownId> {
        let entry = self.llm(id)?;
        Ok(LlmId::new(position(&self.llms, |e| e.id == entry.id), &entry.id))
    }

    /// Check a diffusion-model id given by a user and return its handle.
    pub fn resolve_diffusion(&self, id: &str) -> Result<DiffusionId, UnknownId> {
        let entry = self.diffusion(id)?;
        Ok(DiffusionId::new(position(&self.diffusion_models, |e| e.id == entry.id), &entry.id))
    }

    /// Check a region id given by a user and return its handle.
    pub fn resolve_region(&self, id: &str) -> Result<RegionId, UnknownId> {
        let entry = self.region(id)?;
        Ok(RegionId::new(position(&self.regions, |e| e.id == entry.id), &entry.id))
    }

    /// Check a serving-engine or training-framework id given by a user and return its handle.
    pub fn resolve_engine(&self, id: &str) -> Result<EngineId, UnknownId> {
        let entry = self.engine(id)?;
        Ok(EngineId::new(position(&self.engines, |e| e.id == entry.id), &entry.id))
    }

    /// Handle of the default serving engine for `chip`'s vendor (see
    /// [`Catalog::default_serving_engine`]); `None` when the catalog has none for it.
    pub fn default_engine_for(&self, chip: &ChipId) -> Option<EngineId> {
        let entry = self.default_serving_engine(&self[chip].vendor)?;
        Some(EngineId::new(position(&self.engines, |e| e.id == entry.id), &entry.id))
    }

    /// Handles of every accelerator, in catalog order.
    pub fn chip_ids(&self) -> impl Iterator<Item = ChipId> + '_ {
        self.accelerators.iter().enumerate().map(|(index, chip)| ChipId::new(index, &chip.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::EngineRole;

    #[test]
    fn handles_resolve_index_and_serialise_as_ids() {
        let catalog = Catalog::builtin().unwrap();
        let chip = catalog.resolve_chip("h100-sxm").unwrap();
        assert_eq!(catalog[&chip].id, "h100-sxm");
        assert_eq!(serde_json::to_string(&chip).unwrap(), "\"h100-sxm\"");
        let r1 = catalog.resolve_llm("deepseek-r1").unwrap();
        assert_eq!(r1.as_str(), "deepseek-v3");
        assert_eq!(catalog[&r1].id, "deepseek-v3");
        let err = catalog.resolve_region("cnn").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("cn"));
        assert!(catalog.chip_ids().all(|id| catalog[&id].id == id.as_str()));
    }

    #[test]
    fn engines_resolve_and_every_vendor_has_its_default() {
        let catalog = Catalog::builtin().unwrap();
        let vllm = catalog.resolve_engine("vllm").unwrap();
        assert_eq!(catalog[&vllm].name, "vLLM");
        let err = catalog.resolve_engine("vlm").unwrap_err();
        assert_eq!((err.kind, err.suggestion.as_deref()), ("engine", Some("vllm")));
        let default = |chip: &str| catalog.default_engine_for(&catalog.resolve_chip(chip).unwrap()).unwrap();
        for (chip, engine) in [
            ("h100-sxm", "trtllm"),
            ("gb200", "trtllm"),
            ("mi300x", "vllm"),
            ("gaudi3", "vllm"),
            ("ascend-910b", "mindie"),
            ("tpu-v6e", "jetstream"),
            ("mlu590", "vllm"),
        ] {
            assert_eq!(default(chip), engine, "{chip}");
        }
        // A vendor no engine names falls back to the `*` engine.
        assert_eq!(catalog.default_serving_engine("Acme").map(|e| e.id.as_str()), Some("other"));
        // Training frameworks are never the serving default.
        assert!(catalog.engines.iter().filter(|e| e.role == EngineRole::Training).all(|e| e.serving.is_none()));
    }

    #[test]
    fn handles_stay_valid_after_an_override_appends() {
        let mut catalog = Catalog::builtin().unwrap();
        let chip = catalog.resolve_chip("h20").unwrap();
        let mut extra = catalog[&chip].clone();
        extra.id = "h20-custom".into();
        catalog.accelerators.insert(0, extra);
        // The position moved: the lookup falls back to the id.
        assert_eq!(catalog[&chip].id, "h20");
    }
}
