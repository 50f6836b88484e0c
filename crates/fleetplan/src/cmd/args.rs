//! Argument parsing shared by commands: clap value parsers for flags several commands take,
//! and the errors about flag values (unknown ids, out-of-range settings).

use super::Failure;
use crate::ui;
use fleetplan_core::catalog::UnknownId;
use fleetplan_core::units::Precision;
use fleetplan_io::api::perf::PerfInputError;

/// What a command prints on stdout: tables for people, or JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TableOrJson {
    /// Tables and sentences.
    #[default]
    Table,
    /// One JSON document.
    Json,
}

/// `--format table|json`, with `--json` kept as its short alias: the one machine-readable flag
/// every command takes.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct FormatArg {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

impl FormatArg {
    /// Whether JSON was asked for (`--format json` or `--json`).
    pub fn is_json(&self) -> bool {
        self.json || self.format == TableOrJson::Json
    }
}

/// Clap value parser for `--precision` and `--kv-precision`: bf16, fp16, fp8, int8, fp4, w4a16.
pub fn parse_precision(s: &str) -> Result<Precision, String> {
    s.parse()
}

/// Clap value parser for a finite number > 0.
pub fn positive(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    fleetplan_io::api::settings::positive(v, s).map_err(|e| e.to_string())
}

/// Clap value parser for a positive number within the scenario's physical range of `field`
/// (`core::scenario::limits`: one table for files and flags), e.g. `--tokens` ≤ 1e16.
pub fn within(field: &'static str) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
        fleetplan_io::api::settings::within(field, v, s).map_err(|e| e.to_string())
    }
}

/// Print `error: MSG` and fail with exit code 2.
pub fn user_error(msg: impl std::fmt::Display) -> Failure {
    ui::error(msg);
    Failure::User
}

/// An unknown id given to `flag`: `error: FLAG: ...` with did-you-mean, then
/// `  help: expected one of: ...`; exit code 2.
pub fn unknown(flag: &str, err: &UnknownId) -> Failure {
    ui::unknown_id(flag, err);
    Failure::User
}

/// Print a `perf` or `simulate` setting problem with its flag (and help) and fail with exit
/// code 2. An unknown chip is listed with every known id (`unknown_listing`), an unknown model
/// or engine named with its flag.
pub fn perf_failure(e: PerfInputError) -> Failure {
    match e {
        PerfInputError::Unknown { argument: "chip", err } => unknown_listing(err),
        PerfInputError::Unknown { argument, err } => unknown(&format!("--{argument}"), &err),
        PerfInputError::NotLanguageModel { argument, command, wrong } => {
            ui::error(format!("--{argument}: {}", wrong.message(&format!("`{command}` needs"))));
            ui::help(format!(
                "name a language model (`fleetplan catalog models` lists them); `fleetplan perf gen --model {}` rates {} generation",
                wrong.id, wrong.modality
            ));
            Failure::User
        }
        PerfInputError::Setting { .. } => user_error(format!("--{e}")),
        PerfInputError::DraftsWithoutAcceptance => {
            user_error("--mtp-draft-tokens needs --mtp-acceptance (the share of draft tokens accepted, e.g. 0.8)")
        }
        PerfInputError::BenchmarkNotOffline(mode) => user_error(format!(
            "--requests and --concurrency describe a benchmark run, modelled in the offline scenario, not `{}`",
            mode.as_str()
        )),
        PerfInputError::LayoutTooLarge { tp, pp, dp, needed, chips } => {
            user_error(format!("tp {tp} × pp {pp} × dp {dp} = {needed} chips exceeds --chips {chips}"))
        }
        PerfInputError::VersionWithoutEngine => {
            user_error("--engine-version needs --engine (the version of which engine?)")
        }
        PerfInputError::Engine(_) | PerfInputError::Perf(_) => user_error(e),
    }
}

/// An unknown id named without its flag (`fleetplan perf`): the error with did-you-mean, then
/// `  known KIND ids: ...`; exit code 2.
pub fn unknown_listing(err: UnknownId) -> Failure {
    let list = err.known.join(", ");
    user_error(format!("{err}\n  known {} ids: {list}", err.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_numbers_only() {
        assert_eq!(positive("2.5"), Ok(2.5));
        assert_eq!(positive("0"), Err("must be a positive number, got `0`".to_string()));
        assert_eq!(positive("inf"), Err("must be a positive number, got `inf`".to_string()));
        assert_eq!(positive("x"), Err("`x` is not a number".to_string()));
    }

    #[test]
    fn precisions_parse_by_name() {
        assert_eq!(parse_precision("fp8"), Ok(Precision::Fp8));
        assert!(parse_precision("fp7").is_err());
    }
}
