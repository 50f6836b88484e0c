//! Typed handles for catalog entries: ids that have been checked against a catalog.
//!
//! A handle ([`ChipId`], [`SystemId`], [`LlmId`], [`DiffusionId`], [`RegionId`]) can only be made
//! by resolving a user-given string with `Catalog::resolve_*` (scenario validation does this), so
//! code below `core::scenario` never holds an unknown id and never has a lookup that can fail:
//! `&catalog[&chip_id]` gives the entry. A handle keeps the entry's position and its canonical id
//! (model aliases are resolved to the canonical id); it serialises as the id string, so JSON
//! output is the same as with plain strings. Handles order, compare and hash by id, display as
//! the id and compare equal to an id string; they do not deref or borrow as `str`, so code
//! cannot treat one as a string by accident: `as_str()` says so when it means to.
//!
//! **Invariant:** a handle is valid for the catalog it was resolved against and for any catalog
//! derived from it by overrides (overrides replace entries in place or append, never remove).
//! Indexing another catalog with it is a programming error and panics with a message saying so.

use super::{Accelerator, Catalog, DiffusionModel, LlmModel, Region, System, UnknownId};
use crate::handle::typed_handle;

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

    /// Handles of every accelerator, in catalog order.
    pub fn chip_ids(&self) -> impl Iterator<Item = ChipId> + '_ {
        self.accelerators.iter().enumerate().map(|(index, chip)| ChipId::new(index, &chip.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
