//! Scenario files: read, parse and validate against the catalog, keeping the source text (the
//! planner writes the plan back into it; diagnostics point into it).

use crate::source::{Diagnosed, LoadError, SourceText, read_source};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{self, Scenario};
use std::path::Path;

/// A validated scenario and the text it came from.
#[derive(Debug)]
pub struct LoadedScenario {
    /// The scenario, every id checked against the catalog.
    pub scenario: Scenario,
    /// The file as read; `input.name` is the path as given.
    pub input: SourceText,
}

/// Parse and validate a scenario text already in memory.
pub fn validate_source(input: SourceText, catalog: &Catalog) -> Result<LoadedScenario, Diagnosed> {
    match scenario::validate(&input.name, &input.text, catalog) {
        Ok(scenario) => Ok(LoadedScenario { scenario, input }),
        Err(diagnostics) => Err(Diagnosed { input, diagnostics }),
    }
}

/// Read, parse and validate the scenario file at `path`.
pub fn read_scenario(path: &Path, catalog: &Catalog) -> Result<LoadedScenario, LoadError> {
    let input = read_source(path)?;
    Ok(validate_source(input, catalog)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo_file(relative: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
    }

    #[test]
    fn an_example_reads_and_validates() {
        let catalog = Catalog::builtin().unwrap();
        let loaded = read_scenario(&repo_file("examples/quickstart.toml"), &catalog).unwrap();
        assert!(loaded.input.name.ends_with("examples/quickstart.toml"));
        assert!(!loaded.scenario.workloads.is_empty());
        assert!(loaded.input.text.contains("[[workload]]") || loaded.input.text.contains("[workload"));
    }

    #[test]
    fn a_broken_scenario_returns_diagnostics_with_its_text() {
        let catalog = Catalog::builtin().unwrap();
        let path = repo_file("crates/fleetplan/tests/broken/unknown-chip.toml");
        let Err(LoadError::Invalid(diagnosed)) = read_scenario(&path, &catalog) else {
            panic!("unknown-chip.toml must be rejected with diagnostics");
        };
        assert_eq!(diagnosed.input.text, std::fs::read_to_string(&path).unwrap());
        assert!(diagnosed.to_string().ends_with("problem(s) found"), "{diagnosed}");
        let rendered = diagnosed.render(crate::RenderStyle::Plain);
        assert!(rendered.contains("unknown-chip.toml:"), "{rendered}");
    }

    #[test]
    fn text_in_memory_validates_under_its_own_name() {
        let catalog = Catalog::builtin().unwrap();
        let err = validate_source(SourceText::new("upload.toml", "not toml ="), &catalog).unwrap_err();
        assert_eq!(err.input.name, "upload.toml");
        assert!(err.diagnostics.iter().all(|d| d.source_name == "upload.toml"));
    }

    #[test]
    fn a_missing_scenario_is_a_read_error() {
        let catalog = Catalog::builtin().unwrap();
        let err = read_scenario(Path::new("/nonexistent/s.toml"), &catalog).unwrap_err();
        assert!(matches!(err, LoadError::Read(_)), "{err:?}");
    }
}
