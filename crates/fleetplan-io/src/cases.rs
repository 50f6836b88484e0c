//! Validation-case files (`fleetplan validate`; format in shared/validation/README.md): read,
//! parse, and check every chip and model id against the catalog.

use crate::source::{Diagnosed, LoadError, SourceText, read_source};
use fleetplan_core::catalog::Catalog;
use fleetplan_models::validation::{Case, check_ids, parse_cases};
use std::path::Path;

/// Parse a case text already in memory and check its ids; parse problems are reported before
/// (and instead of) unknown ids.
pub fn parse_case_source(input: SourceText, catalog: &Catalog) -> Result<Vec<Case>, Diagnosed> {
    let cases = match parse_cases(&input.name, &input.text) {
        Ok(cases) => cases,
        Err(diagnostics) => return Err(Diagnosed { input, diagnostics }),
    };
    let unknown = check_ids(&input.name, &cases, catalog);
    if unknown.is_empty() { Ok(cases) } else { Err(Diagnosed { input, diagnostics: unknown }) }
}

/// Read the case file at `path`, parse it and check its ids.
pub fn read_cases(path: &Path, catalog: &Catalog) -> Result<Vec<Case>, LoadError> {
    let input = read_source(path)?;
    Ok(parse_case_source(input, catalog)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn calibration() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fleetplan-models/tests/data/calibration.toml")
    }

    #[test]
    fn the_calibration_cases_load() {
        let catalog = Catalog::builtin().unwrap();
        let cases = read_cases(&calibration(), &catalog).unwrap();
        assert!(cases.len() > 5, "{} cases", cases.len());
    }

    #[test]
    fn unknown_ids_come_back_as_diagnostics() {
        let catalog = Catalog::builtin().unwrap();
        let text = std::fs::read_to_string(calibration()).unwrap();
        let first = text.find("chip = \"h100-sxm\"").unwrap();
        let broken = format!("{}chip = \"h100-sxmm\"{}", &text[..first], &text[first + 17..]);
        let err = parse_case_source(SourceText::new("cases.toml", broken), &catalog).unwrap_err();
        assert_eq!(err.diagnostics.len(), 1, "{:?}", err.diagnostics);
        assert!(err.diagnostics[0].message.contains("h100-sxmm"), "{:?}", err.diagnostics);
    }

    #[test]
    fn syntax_errors_come_before_id_checks() {
        let catalog = Catalog::builtin().unwrap();
        let err = parse_case_source(SourceText::new("cases.toml", "[[case]]\nid = \"x\"\n"), &catalog).unwrap_err();
        assert!(err.diagnostics[0].message.contains("missing field"), "{:?}", err.diagnostics);
    }
}
