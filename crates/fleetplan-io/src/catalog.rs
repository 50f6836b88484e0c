//! The catalog a run uses: the built-in catalog with the user's override files (`--catalog
//! FILE`, same format as the built-in one) applied in order. Which built-in entries an override
//! replaced comes back as [`OverrideNote`] values for the front end to show.

use crate::source::{Diagnosed, ReadError, SourceText, read_source};
use fleetplan_core::catalog::{Catalog, OverrideNote};
use fleetplan_core::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// Why the catalog could not be put together.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The embedded catalog does not load: a bug in fleetplan, not in the user's input.
    #[error("built-in catalog is broken: {0:?}")]
    Builtin(Vec<Diagnostic>),
    /// An override file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// An override file does not parse, or leaves the catalog inconsistent.
    #[error(transparent)]
    Invalid(#[from] Diagnosed),
}

/// A catalog with every override applied, and what the overrides replaced.
#[derive(Debug)]
pub struct LoadedCatalog {
    /// The catalog to use.
    pub catalog: Catalog,
    /// Built-in (or earlier override) entries replaced, in the order the files were applied.
    pub overrides: Vec<OverrideNote>,
}

/// The embedded catalog, without overrides.
pub fn builtin_catalog() -> Result<Catalog, CatalogError> {
    Catalog::builtin().map_err(CatalogError::Builtin)
}

/// Apply one override text to `catalog`; returns the entries it replaced.
pub fn apply_override(catalog: &mut Catalog, input: SourceText) -> Result<Vec<OverrideNote>, Diagnosed> {
    catalog.apply_override(&input.name, &input.text).map_err(|diagnostics| Diagnosed { input, diagnostics })
}

/// Read one override file and apply it to `catalog`; returns the entries it replaced.
pub fn apply_override_file(catalog: &mut Catalog, path: &Path) -> Result<Vec<OverrideNote>, CatalogError> {
    let input = read_source(path)?;
    Ok(apply_override(catalog, input)?)
}

/// The built-in catalog with the override files at `paths` applied in order.
///
/// Front ends that report each file's replacements as soon as it is applied (the CLI) call
/// [`builtin_catalog`] and [`apply_override_file`] themselves.
pub fn load_catalog(paths: &[PathBuf]) -> Result<LoadedCatalog, CatalogError> {
    let mut catalog = builtin_catalog()?;
    let mut overrides = Vec::new();
    for path in paths {
        overrides.extend(apply_override_file(&mut catalog, path)?);
    }
    Ok(LoadedCatalog { catalog, overrides })
}

/// The sentence that reports one replaced entry: ``region `cn` overridden by FILE``.
pub fn override_message(note: &OverrideNote) -> String {
    format!("{} `{}` overridden by {}", note.kind, note.id, note.source_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in `cn` region (the first entry of the embedded regions file) as an override
    /// text with its PUE changed.
    fn cn_override(pue: &str) -> String {
        let (_, regions) = fleetplan_core::catalog::BUILTIN_FILES
            .iter()
            .find(|(name, _)| *name == "regions.toml")
            .expect("regions.toml is embedded");
        let start = regions.find("[[region]]\nid = \"cn\"").expect("cn is the first region");
        let end = regions[start + 1..].find("[[region]]").map_or(regions.len(), |i| start + 1 + i);
        regions[start..end].replace("pue = 1.3\n", &format!("pue = {pue}\n"))
    }

    #[test]
    fn the_builtin_catalog_loads_without_overrides() {
        let loaded = load_catalog(&[]).unwrap();
        assert!(loaded.overrides.is_empty());
        assert!(loaded.catalog.accelerator("h100-sxm").is_ok());
    }

    #[test]
    fn an_override_replaces_the_entry_and_says_so() {
        let mut catalog = builtin_catalog().unwrap();
        let notes = apply_override(&mut catalog, SourceText::new("cn.toml", cn_override("1.11"))).unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(override_message(&notes[0]), "region `cn` overridden by cn.toml");
        assert_eq!(catalog.region("cn").unwrap().pue, 1.11);
    }

    #[test]
    fn a_broken_override_comes_back_with_its_text() {
        let mut catalog = builtin_catalog().unwrap();
        let text = "[[region]]\nid = \"cn\"\npue = \"x\"\n";
        let err = apply_override(&mut catalog, SourceText::new("bad.toml", text)).unwrap_err();
        assert_eq!(err.input.text, text);
        assert!(!err.diagnostics.is_empty());
        assert!(err.render(crate::RenderStyle::Plain).contains("bad.toml:3:7"));
    }

    #[test]
    fn an_override_value_beyond_any_real_one_is_refused() {
        let (_, chips) = fleetplan_core::catalog::BUILTIN_FILES
            .iter()
            .find(|(name, _)| *name == "chips.toml")
            .expect("chips.toml is embedded");
        let start = chips.find("id = \"h100-sxm\"").and_then(|i| chips[..i].rfind("[[")).expect("h100 entry");
        let end = chips[start + 1..].find("\n[[").map_or(chips.len(), |i| start + 1 + i);
        let entry = &chips[start..end];
        let tdp = entry.lines().find(|l| l.starts_with("tdp_w")).expect("tdp_w line");
        let text = entry.replace(tdp, "tdp_w = 1e308");
        let mut catalog = builtin_catalog().unwrap();
        let err = apply_override(&mut catalog, SourceText::new("big.toml", text)).unwrap_err();
        let rendered = err.render(crate::RenderStyle::Plain);
        // The renderer wraps long messages: compare with the line breaks and frame taken out.
        let flat = rendered.split_whitespace().filter(|w| *w != "│").collect::<Vec<_>>().join(" ");
        assert!(flat.contains("`tdp_w` = 1e308 is beyond any real value"), "{rendered}");
        assert!(rendered.contains("big.toml:20:9"), "located at the value: {rendered}");
    }

    #[test]
    fn a_missing_override_file_is_a_read_error() {
        let err = load_catalog(&[PathBuf::from("/nonexistent/override.toml")]).unwrap_err();
        assert!(matches!(err, CatalogError::Read(_)), "{err:?}");
    }
}
