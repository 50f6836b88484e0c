//! Fleet cases (`[[fleet_case]]` in a validation file; format: "Fleet cases" in
//! shared/validation/README.md): a scenario file plus one published fleet outcome (accelerators,
//! cost per day, tokens per day) and a tolerance. This module only reads them from TOML text;
//! the fleet metrics are computed by `fleetplan_engines::fleet` and the scenario files are read
//! by the front end (the `scenario` path is relative to the case file).

use super::Certainty;
use fleetplan_core::diagnostic::{Diagnostic, from_toml_error};
use fleetplan_core::suggest::did_you_mean;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// What a fleet case compares: one figure of the whole fleet on the scenario's first quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FleetMetric {
    /// Serving accelerators in use in the busiest hour.
    AcceleratorsPeak,
    /// Serving accelerators in use, averaged over the 24 hours of the day.
    AcceleratorsAverage,
    /// Cost per day charged to inference (average serving accelerators × hourly cost × 24), in
    /// the scenario currency.
    CostPerDay,
    /// Output tokens served per day.
    OutputTokensPerDay,
    /// Input (prompt) tokens served per day.
    InputTokensPerDay,
}

impl FleetMetric {
    /// Every metric, in the order the format lists them.
    pub const ALL: [FleetMetric; 5] = [
        FleetMetric::AcceleratorsPeak,
        FleetMetric::AcceleratorsAverage,
        FleetMetric::CostPerDay,
        FleetMetric::OutputTokensPerDay,
        FleetMetric::InputTokensPerDay,
    ];

    /// Name as written in a case file.
    pub fn as_str(self) -> &'static str {
        match self {
            FleetMetric::AcceleratorsPeak => "accelerators_peak",
            FleetMetric::AcceleratorsAverage => "accelerators_average",
            FleetMetric::CostPerDay => "cost_per_day",
            FleetMetric::OutputTokensPerDay => "output_tokens_per_day",
            FleetMetric::InputTokensPerDay => "input_tokens_per_day",
        }
    }

    /// The metric named `name`, if any.
    pub fn parse(name: &str) -> Option<FleetMetric> {
        FleetMetric::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// One published fleet outcome, its metric resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetCase {
    /// Unique id.
    pub id: String,
    /// Scenario path as written (relative to the case file), with its span.
    pub scenario: Spanned<String>,
    /// What is compared.
    pub metric: FleetMetric,
    /// The published figure, in the metric's unit.
    pub value: f64,
    /// Accepted relative error (e.g. 0.15).
    pub tolerance: f64,
    /// Where the figure comes from.
    pub source: String,
    /// How sure the source is.
    pub certainty: Certainty,
    /// Caveats.
    pub notes: Option<String>,
}

/// A `[[fleet_case]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFleetCase {
    id: String,
    scenario: Spanned<String>,
    metric: Spanned<String>,
    value: Spanned<f64>,
    tolerance: Spanned<f64>,
    source: String,
    certainty: Certainty,
    #[serde(default)]
    notes: Option<String>,
}

/// The file as the fleet-case reader sees it: per-chip `[[case]]` tables are read elsewhere.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetCaseFile {
    #[serde(default)]
    fleet_case: Vec<RawFleetCase>,
    #[serde(default, rename = "case")]
    _case: serde::de::IgnoredAny,
}

/// Fleet cases read from one text: the usable ones and the problems of the others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FleetCaseSet {
    /// Cases whose every field is valid.
    pub cases: Vec<FleetCase>,
    /// Problems of the rejected cases (unknown metric, value or tolerance out of range,
    /// duplicate id), each located; the other cases still run.
    pub problems: Vec<Diagnostic>,
}

/// Parse the `[[fleet_case]]` tables of a validation file. A syntax or missing-field error
/// rejects the whole file; a bad value rejects only its case.
pub fn parse_fleet_cases(source_name: &str, text: &str) -> Result<FleetCaseSet, Vec<Diagnostic>> {
    let de = toml::Deserializer::parse(text).map_err(|e| vec![from_toml_error(source_name, None, &e)])?;
    let file: FleetCaseFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        vec![from_toml_error(source_name, Some(path), e.inner())]
    })?;
    let mut set = FleetCaseSet::default();
    let mut seen = std::collections::BTreeSet::new();
    for (i, raw) in file.fleet_case.into_iter().enumerate() {
        let problem = |field: &str, span: std::ops::Range<usize>, message: String, help: String| {
            Diagnostic::error(source_name, message)
                .with_span(Some(span))
                .with_path(format!("fleet_case[{i}].{field}"))
                .with_help(help)
        };
        let before = set.problems.len();
        let metric = FleetMetric::parse(raw.metric.get_ref());
        if metric.is_none() {
            let names: Vec<&str> = FleetMetric::ALL.iter().map(|m| m.as_str()).collect();
            let hint = did_you_mean(raw.metric.get_ref(), names.iter().copied())
                .map_or(String::new(), |s| format!("did you mean `{s}`? "));
            set.problems.push(problem(
                "metric",
                raw.metric.span(),
                format!("fleet case `{}`: unknown metric `{}`", raw.id, raw.metric.get_ref()),
                format!("{hint}valid metrics: {}", names.join(", ")),
            ));
        }
        let value = *raw.value.get_ref();
        if !(value.is_finite() && value > 0.0 && value <= super::MAX_MEASURED_VALUE) {
            set.problems.push(problem(
                "value",
                raw.value.span(),
                format!(
                    "fleet case `{}`: value must be a positive number up to 1e15, got {}",
                    raw.id,
                    fleetplan_core::format::given(value)
                ),
                "the published figure in the metric's unit, e.g. 2224".into(),
            ));
        }
        let tolerance = *raw.tolerance.get_ref();
        if !(tolerance.is_finite() && (0.0..=10.0).contains(&tolerance)) {
            set.problems.push(problem(
                "tolerance",
                raw.tolerance.span(),
                format!(
                    "fleet case `{}`: tolerance must be a relative error between 0 and 10, got {tolerance}",
                    raw.id
                ),
                "a fraction of the published value, e.g. 0.15 for ±15 %".into(),
            ));
        }
        if !seen.insert(raw.id.clone()) {
            set.problems.push(
                Diagnostic::error(source_name, format!("fleet case `{}`: duplicate id", raw.id))
                    .with_path(format!("fleet_case[{i}].id"))
                    .with_help("give every case its own id"),
            );
        }
        if let (Some(metric), true) = (metric, set.problems.len() == before) {
            set.cases.push(FleetCase {
                id: raw.id,
                scenario: raw.scenario,
                metric,
                value,
                tolerance,
                source: raw.source,
                certainty: raw.certainty,
                notes: raw.notes,
            });
        }
    }
    Ok(set)
}

/// A fleet case's prediction against its published figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetCaseResult {
    /// Case id.
    pub id: String,
    /// What is compared.
    pub metric: FleetMetric,
    /// The case's scenario path as written (relative to the case file).
    pub scenario: String,
    /// The published figure.
    pub published: f64,
    /// Accepted relative error.
    pub tolerance: f64,
    /// What the model gives, when it could compute it.
    pub predicted: Option<f64>,
    /// (predicted − published) / published.
    pub error: Option<f64>,
    /// Whether |error| ≤ tolerance (false when there is no prediction).
    pub within_tolerance: bool,
    /// How the figure was obtained, or why it could not be.
    pub detail: String,
}

impl FleetCaseResult {
    /// Compare `predicted` with the case's published figure; `detail` says how the figure was
    /// obtained (or, when `predicted` is `None`, why there is none).
    pub fn new(case: &FleetCase, predicted: Option<f64>, detail: impl Into<String>) -> FleetCaseResult {
        let detail = detail.into();
        let (predicted, detail) = match predicted {
            Some(p) if !p.is_finite() => (None, format!("the model gives a non-finite figure ({detail})")),
            other => (other, detail),
        };
        let error = predicted.map(|p| (p - case.value) / case.value);
        FleetCaseResult {
            id: case.id.clone(),
            metric: case.metric,
            scenario: case.scenario.get_ref().clone(),
            published: case.value,
            tolerance: case.tolerance,
            predicted,
            error,
            within_tolerance: error.is_some_and(|e| e.abs() <= case.tolerance),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE: &str = r#"
[[case]]
id = "chip"
whatever = "per-chip cases are read by parse_cases"

[[fleet_case]]
id = "a"
scenario = "s.toml"
metric = "accelerators_peak"
value = 2224
tolerance = 0.15
source = "day 6"
certainty = "high"

[[fleet_case]]
id = "b"
scenario = "s.toml"
metric = "acelerators_average"
value = 1814
tolerance = 0.15
source = "day 6"
certainty = "high"
"#;

    #[test]
    fn a_bad_metric_rejects_only_its_case_with_a_suggestion() {
        let set = parse_fleet_cases("cases.toml", CASE).unwrap();
        assert_eq!(set.cases.len(), 1);
        assert_eq!(set.cases[0].metric, FleetMetric::AcceleratorsPeak);
        assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
        let d = &set.problems[0];
        assert!(d.message.contains("acelerators_average"), "{d:?}");
        assert!(d.help.as_deref().unwrap().contains("did you mean `accelerators_average`"), "{d:?}");
        assert_eq!(&CASE[d.span.clone().unwrap()], "\"acelerators_average\"");
    }

    #[test]
    fn value_and_tolerance_are_checked_and_ids_unique() {
        let text = CASE.replace("acelerators_average", "accelerators_average").replace("value = 1814", "value = -1");
        let set = parse_fleet_cases("c.toml", &text).unwrap();
        assert_eq!(set.cases.len(), 1);
        assert!(set.problems[0].message.contains("positive"), "{:?}", set.problems);
        let huge = CASE.replace("acelerators_average", "accelerators_average").replace("value = 1814", "value = 1e300");
        let set = parse_fleet_cases("c.toml", &huge).unwrap();
        assert!(set.problems[0].message.contains("up to 1e15, got 1e300"), "{:?}", set.problems);
        let dup = CASE.replace("acelerators_average", "accelerators_average").replace("id = \"b\"", "id = \"a\"");
        let set = parse_fleet_cases("c.toml", &dup).unwrap();
        assert!(set.problems[0].message.contains("duplicate"), "{:?}", set.problems);
    }

    #[test]
    fn missing_fields_reject_the_file() {
        let err = parse_fleet_cases("c.toml", "[[fleet_case]]\nid = \"x\"\n").unwrap_err();
        assert!(err[0].message.contains("missing field"), "{err:?}");
    }

    #[test]
    fn results_compare_with_the_tolerance() {
        let set = parse_fleet_cases("cases.toml", CASE).unwrap();
        let case = &set.cases[0];
        let near = FleetCaseResult::new(case, Some(2224.0 * 1.1), "planned");
        assert!(near.within_tolerance && (near.error.unwrap() - 0.1).abs() < 1e-12);
        assert!(!FleetCaseResult::new(case, Some(2224.0 * 1.2), "planned").within_tolerance);
        assert!(FleetCaseResult::new(case, Some(f64::NAN), "x").predicted.is_none());
        let none = FleetCaseResult::new(case, None, "no plan");
        assert!(!none.within_tolerance && none.predicted.is_none() && none.detail == "no plan");
    }
}
