//! Validation-case files (`fleetplan validate`; format in shared/validation/README.md): read,
//! parse, and check every chip and model id against the catalog; fleet cases (`[[fleet_case]]`)
//! with their scenario files, read relative to the case file.

use crate::scenario::{LoadedScenario, read_scenario};
use crate::source::{Diagnosed, LoadError, SourceText, read_source};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::diagnostic::Diagnostic;
use fleetplan_models::validation::fleet::{FleetCase, parse_fleet_cases};
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

/// A fleet case with its scenario read and validated.
#[derive(Debug)]
pub struct LoadedFleetCase {
    /// The case.
    pub case: FleetCase,
    /// Its scenario.
    pub scenario: LoadedScenario,
}

/// The fleet cases of one file: those ready to run and the problems of the others.
#[derive(Debug, Default)]
pub struct FleetCaseSet {
    /// Cases whose fields are valid and whose scenario loaded.
    pub cases: Vec<LoadedFleetCase>,
    /// Problems of the other cases, each with the text it points into: the case file (unknown
    /// metric, bad value, a scenario file that cannot be read) or the case's scenario file (its
    /// own diagnostics). The other cases still run.
    pub rejected: Vec<Diagnosed>,
}

/// Read the `[[fleet_case]]` tables of the case file at `path` and each case's scenario (its
/// `scenario` path is relative to the case file). A syntax or missing-field error rejects the
/// file; any other problem rejects only its case.
pub fn read_fleet_cases(path: &Path, catalog: &Catalog) -> Result<FleetCaseSet, LoadError> {
    let input = read_source(path)?;
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(load_fleet_cases(input, base, catalog)?)
}

/// The fleet cases of a text already in memory; scenario paths are read relative to `base`.
pub fn load_fleet_cases(input: SourceText, base: &Path, catalog: &Catalog) -> Result<FleetCaseSet, Diagnosed> {
    let parsed = match parse_fleet_cases(&input.name, &input.text) {
        Ok(parsed) => parsed,
        Err(diagnostics) => return Err(Diagnosed { input, diagnostics }),
    };
    let mut set = FleetCaseSet::default();
    let mut case_problems = parsed.problems;
    for case in parsed.cases {
        let scenario_path = base.join(case.scenario.get_ref());
        match read_scenario(&scenario_path, catalog) {
            Ok(scenario) => set.cases.push(LoadedFleetCase { case, scenario }),
            Err(LoadError::Read(e)) => case_problems.push(
                Diagnostic::error(&input.name, format!("fleet case `{}`: {e}", case.id))
                    .with_span(Some(case.scenario.span()))
                    .with_label("no such scenario file")
                    .with_help("the scenario path is relative to the case file"),
            ),
            Err(LoadError::Invalid(diagnosed)) => {
                case_problems.push(
                    Diagnostic::error(
                        &input.name,
                        format!("fleet case `{}`: scenario `{}` has problems (below)", case.id, diagnosed.input.name),
                    )
                    .with_span(Some(case.scenario.span())),
                );
                set.rejected.push(diagnosed);
            }
        }
    }
    if !case_problems.is_empty() {
        set.rejected.insert(0, Diagnosed { input, diagnostics: case_problems });
    }
    Ok(set)
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
    fn fleet_cases_load_their_scenarios_and_a_missing_one_is_located() {
        let catalog = Catalog::builtin().unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fleetplan/tests/data");
        let set = read_fleet_cases(&dir.join("fleet-cases.toml"), &catalog).unwrap();
        assert!(set.cases.len() >= 2, "{} cases", set.cases.len());
        assert!(set.rejected.is_empty(), "{:?}", set.rejected);
        let text = std::fs::read_to_string(dir.join("fleet-cases.toml")).unwrap();
        let line = text.find("scenario = \"").unwrap();
        let first = line + text[line..].find("deepseek-2025-02.toml").unwrap();
        let broken = format!("{}deepseek-2025-03.toml{}", &text[..first], &text[first + 21..]);
        let set = load_fleet_cases(SourceText::new("cases.toml", broken.clone()), &dir, &catalog).unwrap();
        assert_eq!(set.rejected.len(), 1);
        let d = &set.rejected[0].diagnostics[0];
        assert!(d.message.contains("cannot read") && d.message.contains("deepseek-2025-03.toml"), "{d:?}");
        assert!(broken[d.span.clone().unwrap()].contains("deepseek-2025-03.toml"));
        assert!(!set.cases.is_empty(), "the other cases still run");
    }

    #[test]
    fn syntax_errors_come_before_id_checks() {
        let catalog = Catalog::builtin().unwrap();
        let err = parse_case_source(SourceText::new("cases.toml", "[[case]]\nid = \"x\"\n"), &catalog).unwrap_err();
        assert!(err.diagnostics[0].message.contains("missing field"), "{:?}", err.diagnostics);
    }
}
