//! Request bodies that carry scenario text, and the documents built from them: check,
//! evaluate, compare. The text is only ever parsed: no scenario field names a file (the core
//! parser does no I/O), so posted text cannot make the server read anything.

use super::charts;
use crate::error::ApiError;
use axum::http::StatusCode;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::output::to_json_pretty;
use fleetplan_engines::eval::{Evaluation, evaluate};
use fleetplan_io::SourceText;
use fleetplan_io::scenario::validate_source;

/// Name diagnostics use for posted text without a name.
pub const DEFAULT_NAME: &str = "scenario.toml";

/// Longest name kept from a request, characters (it is only a label in messages).
const MAX_NAME_CHARS: usize = 120;

/// Most scenarios one comparison takes.
pub const MAX_COMPARE: usize = 6;

/// `{"name"?: str, "text": str}`: a scenario text and the name its diagnostics use.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInput {
    /// Label of the text in diagnostics (e.g. the file it was loaded from); never opened.
    pub name: Option<String>,
    /// The scenario, TOML.
    pub text: String,
}

/// `{"scenarios": [ScenarioInput, …]}` (2 to [`MAX_COMPARE`]).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareInput {
    /// The scenarios, in column order.
    pub scenarios: Vec<ScenarioInput>,
}

impl ScenarioInput {
    /// The label: control characters dropped, at most [`MAX_NAME_CHARS`], [`DEFAULT_NAME`]
    /// when empty.
    pub fn label(&self) -> String {
        let clean: String =
            self.name.as_deref().unwrap_or("").chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
        if clean.trim().is_empty() { DEFAULT_NAME.to_string() } else { clean }
    }

    fn source(self) -> SourceText {
        SourceText::new(self.label(), self.text)
    }
}

/// The `check --format json` document of `input` (200 whether or not it is valid).
pub fn check_document(catalog: &Catalog, input: ScenarioInput) -> Result<String, ApiError> {
    let name = input.label();
    let doc = match validate_source(input.source(), catalog) {
        Ok(_) => fleetplan_io::api::diagnostics::check_document(&name, None),
        Err(diagnosed) => fleetplan_io::api::diagnostics::check_document(&name, Some(&diagnosed)),
    };
    Ok(to_json_pretty(&doc)?)
}

/// Validate and evaluate one scenario: 422 `invalid_scenario` with diagnostics, or 422
/// `evaluation_failed` when the evaluator refuses it (e.g. no fleet).
fn evaluate_input(catalog: &Catalog, input: ScenarioInput) -> Result<Evaluation, ApiError> {
    let loaded = validate_source(input.source(), catalog).map_err(|d| ApiError::invalid_scenario(&d))?;
    evaluate(&loaded.scenario, catalog).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "evaluation_failed", format!("{}: {e}", loaded.input.name))
    })
}

/// `{"result": <evaluate --format json>, "charts": [...]}`; the result is byte-for-byte the
/// CLI's document.
pub fn evaluate_document(catalog: &Catalog, input: ScenarioInput) -> Result<String, ApiError> {
    let e = evaluate_input(catalog, input)?;
    let charts = charts::evaluation_charts(&e, catalog);
    Ok(format!("{{\"result\": {},\n\"charts\": {}}}", to_json_pretty(&e)?, to_json_pretty(&charts)?))
}

/// `{"result": <compare --format json>, "charts": [...]}` of 2 to [`MAX_COMPARE`] scenarios;
/// an invalid one is 422 naming it (`scenario`, `index`).
pub fn compare_document(catalog: &Catalog, input: CompareInput) -> Result<String, ApiError> {
    let n = input.scenarios.len();
    if !(2..=MAX_COMPARE).contains(&n) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("compare takes 2 to {MAX_COMPARE} scenarios, got {n}"),
        ));
    }
    let mut evaluations = Vec::with_capacity(n);
    for (index, scenario) in input.scenarios.into_iter().enumerate() {
        let name = scenario.label();
        let e = evaluate_input(catalog, scenario).map_err(|err| {
            let message = format!("scenario {} (`{name}`): {}", index + 1, err.message);
            ApiError { message, ..err }.with("scenario", name.clone().into()).with("index", index.into())
        })?;
        evaluations.push(e);
    }
    let doc = fleetplan_io::api::compare::compare_document(&evaluations, catalog);
    let columns: Vec<(&str, &Evaluation)> = evaluations.iter().map(|e| (e.scenario.as_str(), e)).collect();
    let charts = charts::compare_charts(&columns, catalog);
    Ok(format!("{{\"result\": {},\n\"charts\": {}}}", to_json_pretty(&doc)?, to_json_pretty(&charts)?))
}
