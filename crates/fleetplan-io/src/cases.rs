//! Validation-case files (`fleetplan validate`; format in shared/validation/README.md): read,
//! parse, and check every chip and model id against the catalog.

use crate::source::{Diagnosed, LoadError, SourceText, read_source};
use fleetplan_core::catalog::Catalog;
use fleetplan_models::validation::{Case, parse_cases, split_known};
use std::path::Path;

/// Cases read from one file: those whose ids resolve (to be predicted) and the problems of the
/// others (unknown chip or model ids, with did-you-mean).
#[derive(Debug)]
pub struct CaseSet {
    /// Cases whose chip and model ids are in the catalog.
    pub cases: Vec<Case>,
    /// The rejected cases' diagnostics and the text they point into, when any case was rejected.
    pub rejected: Option<Diagnosed>,
}

/// Parse a case text already in memory and check its ids. A syntax or field error rejects the
/// whole file; an unknown id rejects only its case.
pub fn parse_case_source(input: SourceText, catalog: &Catalog) -> Result<CaseSet, Diagnosed> {
    let cases = match parse_cases(&input.name, &input.text) {
        Ok(cases) => cases,
        Err(diagnostics) => return Err(Diagnosed { input, diagnostics }),
    };
    let (cases, unknown) = split_known(&input.name, cases, catalog);
    let rejected = (!unknown.is_empty()).then_some(Diagnosed { input, diagnostics: unknown });
    Ok(CaseSet { cases, rejected })
}

/// Read the case file at `path`, parse it and check its ids.
pub fn read_cases(path: &Path, catalog: &Catalog) -> Result<CaseSet, LoadError> {
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
        let set = read_cases(&calibration(), &catalog).unwrap();
        assert!(set.cases.len() > 5, "{} cases", set.cases.len());
        assert!(set.rejected.is_none());
    }

    #[test]
    fn unknown_ids_come_back_as_diagnostics() {
        let catalog = Catalog::builtin().unwrap();
        let text = std::fs::read_to_string(calibration()).unwrap();
        let first = text.find("chip = \"h100-sxm\"").unwrap();
        let broken = format!("{}chip = \"h100-sxmm\"{}", &text[..first], &text[first + 17..]);
        let total = parse_case_source(SourceText::new("cases.toml", text), &catalog).unwrap().cases.len();
        let set = parse_case_source(SourceText::new("cases.toml", broken), &catalog).unwrap();
        let err = set.rejected.expect("the case with the misspelt chip is rejected");
        assert_eq!(err.diagnostics.len(), 1, "{:?}", err.diagnostics);
        assert!(err.diagnostics[0].message.contains("h100-sxmm"), "{:?}", err.diagnostics);
        assert!(err.diagnostics[0].help.as_deref().unwrap_or("").contains("did you mean `h100-sxm`"));
        assert_eq!(set.cases.len(), total - 1, "the other cases are still predicted");
    }

    #[test]
    fn syntax_errors_come_before_id_checks() {
        let catalog = Catalog::builtin().unwrap();
        let err = parse_case_source(SourceText::new("cases.toml", "[[case]]\nid = \"x\"\n"), &catalog).unwrap_err();
        assert!(err.diagnostics[0].message.contains("missing field"), "{:?}", err.diagnostics);
    }
}
