//! Argument parsing shared by commands: clap value parsers for flags several commands take,
//! and the errors about flag values (unknown ids, out-of-range settings).

use super::Failure;
use crate::ui;
use fleetplan_core::catalog::UnknownId;
use fleetplan_core::units::Precision;

/// Clap value parser for `--precision` and `--kv-precision`: bf16, fp16, fp8, int8, fp4, w4a16.
pub fn parse_precision(s: &str) -> Result<Precision, String> {
    s.parse()
}

/// Clap value parser for a finite number > 0.
pub fn positive(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v > 0.0 { Ok(v) } else { Err(format!("must be a positive number, got `{s}`")) }
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
