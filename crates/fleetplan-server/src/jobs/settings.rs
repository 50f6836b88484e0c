//! The `settings` object of each job request, checked with the helpers the CLI and Python use
//! (`fleetplan_io::api::{plan, settings, sweep}`); a bad one is 400 `bad_settings`.

use fleetplan_core::scenario::Quarter;
use fleetplan_engines::plan::{self, Backend, PlanOptions};
use fleetplan_engines::sim::Routing;
use fleetplan_engines::sim::scenario::{DEFAULT_REPAIR_HOURS, ScenarioSimOptions, chip_failures};
use fleetplan_engines::sweep::{SweepMode, SweepSettings};
use fleetplan_io::api::plan::{PlanSettingError, parse_objective, parse_path, plan_options};
use fleetplan_io::api::settings::{RangeError, positive};
use fleetplan_io::api::simulate::DEFAULT_SCENARIO_REQUEST_BUDGET;
use fleetplan_io::api::sweep::{DEFAULT_TORNADO_OUTPUT, sweep_settings};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Most samples a sweep job takes (the CLI's cap is `api::sweep::MAX_SAMPLES`; a server keeps
/// every sample's row in memory while the job runs, so it takes fewer).
pub const MAX_SWEEP_SAMPLES: usize = 100_000;
/// Samples of a sweep job when none are given (the CLI's default).
pub const DEFAULT_SWEEP_SAMPLES: usize = 1000;
/// Longest simulated span of a simulate job, hours: the simulator's own bound (a quarter).
pub use fleetplan_engines::sim::scenario::MAX_SIM_HOURS;
/// Most replications of a simulate job (the CLI's range).
pub const MAX_REPLICATIONS: u32 = 10_000;
/// Interval of the time series a simulate job records for its charts, s (the CLI's scenario
/// default).
pub const SIM_SERIES_INTERVAL_S: f64 = 60.0;

/// A setting that cannot be used; `Display` names it (`settings.gap ...`) and says what is
/// valid.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Not an object of the kind's settings (unknown field, wrong type): the field's dotted
    /// path (empty for the object itself) and serde's message.
    #[error("settings{}: {message}", if path.is_empty() { String::new() } else { format!(".{path}") })]
    Shape {
        /// Where in `settings` (e.g. `samples`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A planner setting out of range or unknown (`objective`, `path`, `gap`, `time_limit_s`).
    #[error("settings.{name} {source}")]
    Plan {
        /// The setting.
        name: &'static str,
        /// Why.
        source: PlanSettingError,
    },
    /// `hours` is not a positive number.
    #[error("settings.hours {0}")]
    Hours(RangeError),
    /// `hours` is more than a quarter.
    #[error("settings.hours {0} is more than a quarter ({MAX_SIM_HOURS} h)")]
    HoursBeyond(String),
    /// `quarter` is not a quarter such as `2025Q3`.
    #[error("settings.quarter: {0}")]
    Quarter(String),
    /// `replications` out of range.
    #[error("settings.replications must be 1 to {MAX_REPLICATIONS}, got {0}")]
    Replications(u32),
    /// `requests` is zero.
    #[error("settings.requests must be at least 1")]
    NoRequests,
    /// `samples` out of range.
    #[error("settings.samples must be 1 to {MAX_SWEEP_SAMPLES}, got {0}")]
    Samples(u64),
    /// `mode` is neither `evaluate` nor `optimize`.
    #[error("settings.mode: unknown mode `{0}`; valid: evaluate, optimize")]
    Mode(String),
}

/// `settings` of `POST /api/optimize` (every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizeSettings {
    /// `min-tco`, `max-served`, `max-training` or `max-margin` (default: the scenario's).
    pub objective: Option<String>,
    /// Relative MIP gap, fraction in [0, 1).
    pub gap: Option<f64>,
    /// Time limit per solve, s (capped by the job's time left when it starts).
    pub time_limit_s: Option<f64>,
    /// Branch-and-bound nodes per solve.
    pub node_limit: Option<u64>,
    /// `auto`, `exact` or `relaxation`.
    pub path: Option<String>,
}

/// `settings` of `POST /api/simulate` (every field optional; the CLI's defaults).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateSettings {
    /// Chat workload id (default: the only chat workload).
    pub workload: Option<String>,
    /// Hours of traffic (default 24).
    pub hours: Option<f64>,
    /// Quarter, e.g. `2025Q3` (default: the last of the horizon).
    pub quarter: Option<String>,
    /// Request budget of one replication (default 1,000,000).
    pub requests: Option<u64>,
    /// Root seed (default 1).
    pub seed: Option<u64>,
    /// Replications (default 1).
    pub replications: Option<u32>,
}

/// `settings` of `POST /api/sweep` (every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRequestSettings {
    /// Monte Carlo samples (default 1000).
    pub samples: Option<u64>,
    /// Seed of the draw (default 0).
    pub seed: Option<u64>,
    /// `evaluate` (default) or `optimize`.
    pub mode: Option<String>,
    /// Output the tornado is drawn for (default `spend_total`).
    pub output: Option<String>,
}

/// A simulate job's checked settings.
#[derive(Debug, Clone)]
pub struct SimulatePlan {
    /// The simulator's options.
    pub options: ScenarioSimOptions,
    /// Root seed.
    pub seed: u64,
    /// Replications.
    pub replications: u32,
}

/// A sweep job's checked settings.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// Samples, seed, mode, planner settings.
    pub settings: SweepSettings,
    /// Output the tornado is drawn for.
    pub tornado_output: String,
}

/// `settings` (absent or `null`: every default) as `T`, or why not.
pub fn parse<T: DeserializeOwned + Default>(settings: Option<serde_json::Value>) -> Result<T, SettingsError> {
    match settings {
        None | Some(serde_json::Value::Null) => Ok(T::default()),
        Some(value) => serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            SettingsError::Shape {
                path: if path == "." { String::new() } else { path },
                message: e.into_inner().to_string(),
            }
        }),
    }
}

impl OptimizeSettings {
    /// The planner's options (the CLI's defaults and checks).
    pub fn options(&self) -> Result<PlanOptions, SettingsError> {
        let invalid = |name| move |source| SettingsError::Plan { name, source };
        let objective = self.objective.as_deref().map(parse_objective).transpose().map_err(invalid("objective"))?;
        let path = parse_path(self.path.as_deref().unwrap_or("auto")).map_err(invalid("path"))?;
        let gap = self.gap.unwrap_or(plan::DEFAULT_MIP_GAP);
        let time_limit_s = self.time_limit_s.unwrap_or(plan::DEFAULT_TIME_LIMIT_S);
        let mut options = plan_options(objective, Backend::Microlp, gap, time_limit_s, true, path)
            .map_err(|e| invalid(if matches!(e, PlanSettingError::Gap(_)) { "gap" } else { "time_limit_s" })(e))?;
        options.node_limit = Some(self.node_limit.unwrap_or(plan::DEFAULT_NODE_LIMIT));
        Ok(options)
    }
}

impl SimulateSettings {
    /// The simulator's options (the CLI's defaults: round-robin, failures at the default MTBF,
    /// the workload's lengths) with a time series for the charts.
    pub fn plan(&self) -> Result<SimulatePlan, SettingsError> {
        let hours = self.hours.unwrap_or(24.0);
        let given = fleetplan_core::format::given(hours);
        let hours = positive(hours, &given).map_err(SettingsError::Hours)?;
        if hours > MAX_SIM_HOURS {
            return Err(SettingsError::HoursBeyond(given));
        }
        let quarter =
            self.quarter.as_deref().map(|q| q.parse::<Quarter>().map_err(SettingsError::Quarter)).transpose()?;
        let replications = self.replications.unwrap_or(1);
        if !(1..=MAX_REPLICATIONS).contains(&replications) {
            return Err(SettingsError::Replications(replications));
        }
        let requests = self.requests.unwrap_or(DEFAULT_SCENARIO_REQUEST_BUDGET);
        if requests == 0 {
            return Err(SettingsError::NoRequests);
        }
        let options = ScenarioSimOptions {
            workload: self.workload.clone(),
            quarter,
            hours,
            sample_fraction: None,
            request_budget: requests,
            routing: Routing::RoundRobin,
            failures: chip_failures(false, None, DEFAULT_REPAIR_HOURS),
            length_sigma: (None, None),
            sample_interval_s: Some(SIM_SERIES_INTERVAL_S),
        };
        Ok(SimulatePlan { options, seed: self.seed.unwrap_or(1), replications })
    }
}

impl SweepRequestSettings {
    /// The sweep's settings (`api::sweep::sweep_settings`, as the CLI and Python run it).
    pub fn plan(&self) -> Result<SweepPlan, SettingsError> {
        let samples = self.samples.unwrap_or(DEFAULT_SWEEP_SAMPLES as u64);
        if !(1..=MAX_SWEEP_SAMPLES as u64).contains(&samples) {
            return Err(SettingsError::Samples(samples));
        }
        let mode = match self.mode.as_deref().unwrap_or("evaluate") {
            "evaluate" => SweepMode::Evaluate,
            "optimize" => SweepMode::Optimize,
            other => return Err(SettingsError::Mode(other.to_string())),
        };
        let settings = sweep_settings(samples as usize, self.seed.unwrap_or(0), mode);
        let tornado_output = self.output.clone().unwrap_or_else(|| DEFAULT_TORNADO_OUTPUT.to_string());
        Ok(SweepPlan { settings, tornado_output })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Option<serde_json::Value> {
        Some(serde_json::from_str(text).expect("json"))
    }

    #[test]
    fn defaults_are_the_clis() {
        let o = parse::<OptimizeSettings>(None).expect("empty").options().expect("defaults");
        assert_eq!((o.mip_gap, o.time_limit_s, o.node_limit), (0.005, 30.0, Some(plan::DEFAULT_NODE_LIMIT)));
        let s = parse::<SimulateSettings>(json("null")).expect("null").plan().expect("defaults");
        assert_eq!((s.seed, s.replications, s.options.hours), (1, 1, 24.0));
        let w = parse::<SweepRequestSettings>(json("{}")).expect("empty").plan().expect("defaults");
        assert_eq!(
            (w.settings.samples, w.settings.mode, w.tornado_output.as_str()),
            (1000, SweepMode::Evaluate, "spend_total")
        );
    }

    #[test]
    fn bad_settings_say_what_is_valid() {
        let err = |e: SettingsError| e.to_string();
        let o = |t| parse::<OptimizeSettings>(json(t)).and_then(|s| s.options()).map(|_| ()).map_err(err);
        assert!(o(r#"{"gapp": 1}"#).unwrap_err().contains("unknown field `gapp`"));
        assert!(o(r#"{"gap": 1.5}"#).unwrap_err().contains("gap 1.5 is not a fraction"));
        assert!(o(r#"{"gap": "x"}"#).unwrap_err().contains("settings.gap: invalid type"));
        // An absurd number is written as given, not as 309 digits.
        assert!(o(r#"{"gap": 1e308}"#).unwrap_err().contains("gap 1e308 is not a fraction"));
        assert!(o(r#"{"time_limit_s": -1}"#).unwrap_err().contains("time_limit_s"));
        assert!(o(r#"{"objective": "max-tco"}"#).unwrap_err().contains("valid: min-tco"));
        assert!(o(r#"{"path": "fast"}"#).unwrap_err().contains("auto, exact, relaxation"));
        assert!(o(r#"{"objective": "max-served", "path": "exact", "node_limit": 5}"#).is_ok());
        let s = |t| parse::<SimulateSettings>(json(t)).and_then(|s| s.plan()).map(|_| ()).map_err(err);
        assert!(s(r#"{"hours": 0}"#).unwrap_err().contains("hours"));
        assert!(s(r#"{"hours": 1e9}"#).unwrap_err().contains("more than a quarter"));
        assert!(s(r#"{"quarter": "2025Q5"}"#).unwrap_err().contains("quarter"));
        assert!(s(r#"{"replications": 0}"#).unwrap_err().contains("replications must be 1 to"));
        assert!(s(r#"{"requests": 0}"#).unwrap_err().contains("requests"));
        assert!(s(r#"{"quarter": "2025Q3", "hours": 2, "seed": 4}"#).is_ok());
        let w = |t| parse::<SweepRequestSettings>(json(t)).and_then(|s| s.plan()).map(|_| ()).map_err(err);
        assert!(w(r#"{"samples": 0}"#).unwrap_err().contains("samples must be 1 to"));
        // A wrong type names the setting.
        assert!(w(r#"{"samples": 1e15}"#).unwrap_err().starts_with("settings.samples: invalid type"));
        assert!(w(r#"{"seed": -1}"#).unwrap_err().starts_with("settings.seed: invalid value"));
        assert!(w(r#"{"samples": 1000001}"#).is_err());
        assert!(w(r#"{"mode": "plan"}"#).unwrap_err().contains("valid: evaluate, optimize"));
        assert!(w(r#"{"samples": 10, "mode": "optimize", "seed": 3}"#).is_ok());
    }
}
