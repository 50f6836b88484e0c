//! Checks of single numeric settings given to a front end (a CLI flag, a Python keyword): a
//! positive finite number, within the scenario file's physical range of the field of the same
//! meaning (`fleetplan_core::scenario::limits`, one table for files, flags and keywords).

/// A setting out of range; `Display` is the sentence after the setting's name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    /// Not a finite number above zero.
    #[error("must be a positive number, got `{0}`")]
    NotPositive(String),
    /// Beyond any real value of the field.
    #[error("{given} is beyond any real value: at most {max:e} ({why})")]
    Beyond {
        /// The value as given.
        given: String,
        /// The field's largest value.
        max: f64,
        /// Why no real input exceeds it.
        why: &'static str,
    },
}

/// `value` (written `given`) when it is finite and above zero.
pub fn positive(value: f64, given: &str) -> Result<f64, RangeError> {
    if value.is_finite() && value > 0.0 { Ok(value) } else { Err(RangeError::NotPositive(given.to_string())) }
}

/// `value` (written `given`) when it is positive and within the physical range of scenario
/// field `field` (e.g. `ttft_p99_ms`, `tokens`).
pub fn within(field: &str, value: f64, given: &str) -> Result<f64, RangeError> {
    let v = positive(value, given)?;
    match fleetplan_core::scenario::limits::field_limit(field) {
        Some(limit) if v > limit.max => {
            Err(RangeError::Beyond { given: given.to_string(), max: limit.max, why: limit.why })
        }
        _ => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_the_scenario_limits() {
        assert_eq!(positive(2.0, "2"), Ok(2.0));
        assert!(matches!(positive(f64::NAN, "nan"), Err(RangeError::NotPositive(_))));
        assert!(matches!(within("tokens", 1e300, "1e300"), Err(RangeError::Beyond { .. })));
        assert_eq!(within("tokens", 1e12, "1e12"), Ok(1e12));
    }
}
