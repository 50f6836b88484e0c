//! The checks every front door applies to the buyer and the rule switches of a policy
//! question (scenario `[buyer]`/`[policy]`, `fleetplan policy --buyer-hq/--enable-rule/...`):
//! one home for their logic and their wording, so a flag and a file field are judged alike.

use crate::catalog::is_country_code;

/// A buyer headquarters that is not an assigned ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not an ISO 3166 alpha-2 country code")]
pub struct BadCountryCode {
    /// The code as written.
    pub code: String,
    /// The code in capitals, when that is an assigned code (`cn` → `CN`).
    pub suggestion: Option<String>,
}

impl BadCountryCode {
    /// What would be valid, with the did-you-mean when there is one.
    pub fn help(&self) -> String {
        let hint = "use an assigned two-letter code in capitals, e.g. \"CN\" or \"US\"";
        match &self.suggestion {
            Some(s) => format!("did you mean `{s}`? {hint}"),
            None => hint.to_string(),
        }
    }
}

/// `Ok` when `code` is an assigned ISO 3166-1 alpha-2 code (capitals), else the error with a
/// suggestion.
pub fn check_headquarters(code: &str) -> Result<(), BadCountryCode> {
    if is_country_code(code) {
        return Ok(());
    }
    let upper = code.trim().to_ascii_uppercase();
    // Every two-letter string is one edit from some code, so only a case slip is suggested.
    let suggestion = is_country_code(&upper).then_some(upper);
    Err(BadCountryCode { code: code.to_string(), suggestion })
}

/// A rule listed both as enabled and as disabled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule `{id}` is both enabled and disabled")]
pub struct RuleSwitchConflict {
    /// The rule id.
    pub id: String,
}

impl RuleSwitchConflict {
    /// What would be valid, naming the two switches as the front door calls them
    /// (`enabled_rules`/`disabled_rules` in a file, `--enable-rule`/`--disable-rule` on the
    /// command line).
    pub fn help(&self, enable: &str, disable: &str) -> String {
        format!("list the rule in one of {enable} / {disable}")
    }
}

/// Each rule id of `enabled` that is also in `disabled`, with its index in `enabled`.
pub fn rule_switch_conflicts(enabled: &[&str], disabled: &[&str]) -> Vec<(usize, RuleSwitchConflict)> {
    enabled
        .iter()
        .enumerate()
        .filter(|(_, id)| disabled.contains(id))
        .map(|(index, id)| (index, RuleSwitchConflict { id: id.to_string() }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unassigned_codes_are_rejected_with_a_suggestion() {
        assert!(check_headquarters("CN").is_ok());
        let err = check_headquarters("XX").unwrap_err();
        assert_eq!(err.to_string(), "`XX` is not an ISO 3166 alpha-2 country code");
        assert_eq!(check_headquarters("cn").unwrap_err().suggestion.as_deref(), Some("CN"));
    }

    #[test]
    fn a_rule_both_enabled_and_disabled_is_a_conflict() {
        let found = rule_switch_conflicts(&["a", "b"], &["b"]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 1);
        assert_eq!(found[0].1.to_string(), "rule `b` is both enabled and disabled");
        assert_eq!(
            found[0].1.help("--enable-rule", "--disable-rule"),
            "list the rule in one of --enable-rule / --disable-rule"
        );
    }
}
