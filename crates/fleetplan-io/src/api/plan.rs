//! The planner's settings as a front end receives them, checked, and the plan's JSON document
//! (`fleetplan optimize --format json`, Python `fleetplan.optimize(...).to_dict()`).

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{ObjectiveKind, Scenario};
use fleetplan_engines::eval::{Evaluation, PoolIdle, Violation};
use fleetplan_engines::fleet::{ValleySummary, valley_summary};
use fleetplan_engines::plan::{Backend, Plan, PlanOptions, PlanPath};
use serde::Serialize;

/// Longest time limit per solve accepted, s (a week: beyond any planning run, and far inside
/// what a `Duration` holds, which a 1e308 limit overflowed).
pub const MAX_TIME_LIMIT_S: f64 = 7.0 * 86_400.0;

/// A planner setting out of its range; `Display` is the sentence after the setting's name
/// (`--gap` on the command line, `gap=` in Python).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanSettingError {
    /// The relative MIP gap is not a fraction in [0, 1).
    #[error("{} is not a fraction in [0, 1), e.g. 0.005 for 0.5 %", fleetplan_core::format::given(*.0))]
    Gap(f64),
    /// The time limit is not a positive number of seconds up to a week.
    #[error("{} must be a positive number of seconds, at most {} (a week)", fleetplan_core::format::given(*.0), MAX_TIME_LIMIT_S)]
    TimeLimit(f64),
    /// A name that is no objective.
    #[error("unknown objective `{}`; valid: {}", .0, OBJECTIVES.map(ObjectiveKind::as_str).join(", "))]
    Objective(String),
    /// A name that is no solve path.
    #[error("unknown solve path `{0}`; valid: auto, exact, relaxation")]
    Path(String),
}

/// Every objective, in the order they are listed.
pub const OBJECTIVES: [ObjectiveKind; 4] =
    [ObjectiveKind::MinTco, ObjectiveKind::MaxServed, ObjectiveKind::MaxTraining, ObjectiveKind::MaxMargin];

/// The objective named `name` as in files (`min-tco`, ...).
pub fn parse_objective(name: &str) -> Result<ObjectiveKind, PlanSettingError> {
    OBJECTIVES.into_iter().find(|o| o.as_str() == name).ok_or_else(|| PlanSettingError::Objective(name.to_string()))
}

/// The solve path named `name`: `auto`, `exact` or `relaxation`.
pub fn parse_path(name: &str) -> Result<PlanPath, PlanSettingError> {
    match name {
        "auto" => Ok(PlanPath::Auto),
        "exact" => Ok(PlanPath::Exact),
        "relaxation" => Ok(PlanPath::Relaxation),
        other => Err(PlanSettingError::Path(other.to_string())),
    }
}

/// The planner's options from a front end's settings: objective (default: the scenario's),
/// backend, relative MIP gap (fraction), time limit per solve (s), explanations on or off and
/// the solve path. The gap and time limit are checked here, for every front end.
#[allow(clippy::needless_update)]
pub fn plan_options(
    objective: Option<ObjectiveKind>,
    backend: Backend,
    gap: f64,
    time_limit_s: f64,
    explain: bool,
    path: PlanPath,
) -> Result<PlanOptions, PlanSettingError> {
    if !(gap.is_finite() && (0.0..1.0).contains(&gap)) {
        return Err(PlanSettingError::Gap(gap));
    }
    if !(time_limit_s.is_finite() && time_limit_s > 0.0 && time_limit_s <= MAX_TIME_LIMIT_S) {
        return Err(PlanSettingError::TimeLimit(time_limit_s));
    }
    // Options this function does not set (none today; a later planner option) keep their
    // defaults, and a front end sets them on the result.
    Ok(PlanOptions {
        objective,
        backend,
        mip_gap: gap,
        time_limit_s,
        explain,
        verify: true,
        path,
        ..PlanOptions::default()
    })
}

/// The plan as JSON: every field of [`Plan`], and from the evaluator's check of the plan the
/// fraction of accelerators idle at the peak hour per quarter (`idle_share_by_quarter`), idle
/// accelerators per site, chip and quarter (`idle`) and the `idle` advisories (`advisories`).
#[derive(Serialize)]
pub struct PlanDocument<'a> {
    /// The plan.
    #[serde(flatten)]
    pub plan: &'a Plan,
    /// Fraction of accelerators idle at the peak hour, one per quarter of the horizon.
    pub idle_share_by_quarter: Vec<f64>,
    /// Idle accelerators per (site, chip) pool and quarter, with their cost.
    pub idle: &'a [PoolIdle],
    /// Pools more than 20 % idle in a quarter, with the cost of the idle part.
    pub advisories: &'a [Violation],
    /// The diurnal valley's fields (`inference_cost_per_day`, `accelerators_peak`,
    /// `accelerators_average`, `valley_by_quarter`) at the top level.
    #[serde(flatten)]
    pub valley: Option<ValleySummary>,
    /// Robust plans: futures served and the cost of robustness (docs/planner.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust: Option<&'a fleetplan_engines::plan::robust::RobustReport>,
}

impl<'a> PlanDocument<'a> {
    /// The document of `plan`, made for scenario `s`.
    pub fn new(s: &Scenario, catalog: &Catalog, plan: &'a Plan) -> PlanDocument<'a> {
        let e = plan.evaluation.as_ref();
        PlanDocument {
            plan,
            idle_share_by_quarter: e.map(Evaluation::idle_share_by_quarter).unwrap_or_default(),
            idle: e.map_or(&[], |e| &e.idle),
            advisories: e.map_or(&[], |e| &e.advisories),
            valley: valley_of(s, catalog, plan),
            robust: None,
        }
    }
}

/// The valley of the evaluator's check of the plan (docs/planner.md, "Diurnal valley filling").
pub fn valley_of(s: &Scenario, catalog: &Catalog, p: &Plan) -> Option<ValleySummary> {
    p.evaluation.as_ref().and_then(|e| valley_summary(&p.scenario_with_fleet(s), catalog, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_out_of_range_are_refused() {
        let ok = |g, t| plan_options(None, Backend::Microlp, g, t, false, PlanPath::Auto);
        assert!(ok(0.005, 60.0).is_ok());
        assert_eq!(ok(1.0, 60.0).unwrap_err(), PlanSettingError::Gap(1.0));
        assert!(matches!(ok(0.0, 1e308).unwrap_err(), PlanSettingError::TimeLimit(_)));
        assert!(matches!(ok(f64::NAN, 1.0).unwrap_err(), PlanSettingError::Gap(_)));
        assert_eq!(parse_objective("max-margin"), Ok(ObjectiveKind::MaxMargin));
        assert!(parse_objective("max-tco").unwrap_err().to_string().contains("valid: min-tco, max-served"));
        assert!(parse_path("exact").is_ok() && parse_path("fast").is_err());
    }
}

/// Why a plan could not be written as a scenario file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanTomlError {
    /// The scenario text the plan was made from no longer parses (its diagnostics).
    #[error("the scenario text does not parse")]
    Parse(Vec<fleetplan_core::diagnostic::Diagnostic>),
    /// The TOML writer refused the file (a bug).
    #[error("cannot write the plan as TOML: {0}")]
    Toml(String),
}

/// The scenario file `text` (named `source_name`) with the plan's fleet and objective in place,
/// as TOML text: what `fleetplan optimize --out DIR` writes to DIR/plan.toml, which `evaluate`,
/// `simulate` and `sweep` accept unchanged (the dashboard's "open the plan").
pub fn plan_toml(source_name: &str, text: &str, p: &Plan) -> Result<String, PlanTomlError> {
    use fleetplan_core::scenario::{self, ScenarioFile, Spanned};
    let mut file: ScenarioFile = scenario::parse_file(source_name, text).map_err(PlanTomlError::Parse)?;
    file.fleet = p.holdings.iter().map(fleet_entry).collect();
    file.objective.kind = Spanned::bare(p.objective);
    let body = toml::to_string(&file).map_err(|e| PlanTomlError::Toml(e.to_string()))?;
    Ok(format!(
        "# Plan written by `fleetplan optimize {source_name}` (objective {}, solver {}).\n# The [[fleet]] below is the plan: holdings from before the horizon are existing capacity.\n\n{body}",
        p.objective.as_str(),
        p.solver.backend
    ))
}

/// One holding of a plan as a `[[fleet]]` entry of a scenario file.
fn fleet_entry(h: &fleetplan_core::scenario::Holding) -> fleetplan_core::scenario::file::FleetEntry {
    use fleetplan_core::scenario::Spanned;
    fleetplan_core::scenario::file::FleetEntry {
        chip: h.hardware.system.is_none().then(|| Spanned::bare(h.hardware.chip.to_string())),
        system: h.hardware.system.as_ref().map(|id| Spanned::bare(id.to_string())),
        site: Spanned::bare(h.site.to_string()),
        count: Spanned::bare(h.units),
        mode: Spanned::bare(h.mode),
        from: Spanned::bare(h.from),
        until: Some(Spanned::bare(h.until)),
        price_usd: h.price_usd.map(Spanned::bare),
        lease_usd_per_hour: h.lease_usd_per_hour.map(Spanned::bare),
        training: h.training.as_ref().map(|id| Spanned::bare(id.to_string())),
        entry_span: 0..0,
    }
}
