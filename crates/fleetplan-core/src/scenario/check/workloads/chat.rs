//! Chat workloads: users (daily, or monthly × ratio), requests, tokens, latency targets and the
//! serving engine.

use super::CheckedEntry;
use crate::catalog::{Catalog, EngineId, EngineRole, LlmId, is_version};
use crate::scenario::check::{Checker, list};
use crate::scenario::{ChatWorkload, Serving, WorkloadSpec};
use crate::units::Precision;

/// Check the chat-specific fields and assemble the workload from the parts checked before.
pub(super) fn check(
    checker: &mut Checker,
    checked: &CheckedEntry,
    catalog: &Catalog,
    model: Option<LlmId>,
    precision: Precision,
    serving: Option<Serving>,
) -> Option<WorkloadSpec> {
    let entry = checked.entry;
    let daily_users = daily_users(checker, checked);
    let requests = checked.need(checker, &entry.requests_per_user_per_day, "requests_per_user_per_day");
    let input = checked.need(checker, &entry.input_tokens_per_request, "input_tokens_per_request");
    let output = checked.need(checker, &entry.output_tokens_per_request, "output_tokens_per_request");
    let ttft = checked.need(checker, &entry.ttft_p99_ms, "ttft_p99_ms");
    let tpot = checked.need(checker, &entry.tpot_p99_ms, "tpot_p99_ms");
    let (engine, engine_version) = engine(checker, checked, catalog)?;
    Some(WorkloadSpec::Chat(ChatWorkload {
        model: model?,
        precision,
        daily_users: daily_users?,
        requests_per_user_per_day: requests?,
        input_tokens_per_request: input?,
        output_tokens_per_request: output?,
        ttft_p99_ms: ttft?,
        tpot_p99_ms: tpot?,
        engine,
        engine_version,
        serving: serving?,
    }))
}

/// The optional serving engine (a serving-role catalog engine) and its release, each `None`
/// when not given; `None` after reporting a problem with either.
fn engine(
    checker: &mut Checker,
    checked: &CheckedEntry,
    catalog: &Catalog,
) -> Option<(Option<EngineId>, Option<String>)> {
    let (entry, path) = (checked.entry, checked.path);
    let engine = match &entry.engine {
        None => Some(None),
        Some(name) => match catalog.resolve_engine(name.get()) {
            Ok(id) if catalog[&id].role == EngineRole::Serving => Some(Some(id)),
            Ok(_) => {
                let serving: Vec<String> =
                    catalog.engines.iter().filter(|e| e.role == EngineRole::Serving).map(|e| e.id.clone()).collect();
                checker.error(
                    name.span(),
                    &format!("{path}.engine"),
                    format!("engine `{}` is a training framework; chat workloads need a serving engine", name.get()),
                    "not a serving engine",
                    format!("use one of: {}", list(&serving)),
                );
                None
            }
            Err(err) => {
                checker.unknown(name.span(), &format!("{path}.engine"), &err);
                None
            }
        },
    };
    let version = match &entry.engine_version {
        None => Some(None),
        Some(version) if entry.engine.is_none() => {
            checker.error(
                version.span(),
                &format!("{path}.engine_version"),
                "`engine_version` needs `engine`: the version of which engine?".into(),
                "no engine named",
                "add `engine = \"vllm\"` (or another serving engine), or drop the version".into(),
            );
            None
        }
        Some(version) if !is_version(version.get()) => {
            checker.error(
                version.span(),
                &format!("{path}.engine_version"),
                format!("engine version `{}` must be dotted numbers like \"0.6.0\"", version.get()),
                "not a version",
                "write the release as published, e.g. \"0.10.2\"".into(),
            );
            None
        }
        Some(version) => Some(Some(version.get().clone())),
    };
    Some((engine?, version?))
}

/// Daily users: `daily_users`, or `monthly_users` × `daily_to_monthly_ratio` (not both).
fn daily_users(checker: &mut Checker, checked: &CheckedEntry) -> Option<f64> {
    let (entry, path) = (checked.entry, checked.path);
    match (&entry.daily_users, &entry.monthly_users, &entry.daily_to_monthly_ratio) {
        (Some(daily), None, None) => {
            checker.positive(daily, &format!("{path}.daily_users"), "daily users").then_some(**daily)
        }
        (None, Some(monthly), Some(ratio)) => {
            let monthly_ok = checker.positive(monthly, &format!("{path}.monthly_users"), "monthly users");
            let ratio_ok = if ratio.is_finite() && **ratio > 0.0 && **ratio <= 1.0 {
                true
            } else {
                let written = checker.written(&ratio.span());
                checker.error(
                    ratio.span(),
                    &format!("{path}.daily_to_monthly_ratio"),
                    format!("daily/monthly user ratio must be in (0, 1], got {written}"),
                    "out of range",
                    "typical apps have 0.1–0.6 daily users per monthly user".into(),
                );
                false
            };
            (monthly_ok && ratio_ok).then(|| **monthly * **ratio)
        }
        (Some(daily), _, _) => {
            checker.error(
                daily.span(),
                &format!("{path}.daily_users"),
                "give `daily_users` or `monthly_users` with `daily_to_monthly_ratio`, not both".into(),
                "conflicting user counts",
                "keep one way of stating users".into(),
            );
            None
        }
        _ => {
            checker.error(
                entry.entry_span.clone(),
                path,
                format!(
                    "chat workload `{}` needs `daily_users`, or `monthly_users` with `daily_to_monthly_ratio`",
                    entry.id.get()
                ),
                "missing users",
                "add `daily_users = <number>`".into(),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::scenario::{WorkloadSpec, validate};

    const SCENARIO: &str = r#"
[scenario]
name = "t"
currency = "USD"
start = "2025Q1"
quarters = 2
[buyer]
name = "b"
headquarters = "US"
[budget]
total = 1e9
[[site]]
id = "s1"
region = "us"
available_mw = 10
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
daily_users = 1e6
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 400
ttft_p99_ms = 1000
tpot_p99_ms = 50
"#;

    fn with(lines: &str) -> String {
        format!("{SCENARIO}{lines}\n")
    }

    #[test]
    fn a_named_serving_engine_resolves_with_its_version() {
        let catalog = Catalog::builtin().unwrap();
        let s = validate("t.toml", &with("engine = \"vllm\"\nengine_version = \"0.6.0\""), &catalog).unwrap();
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        assert_eq!(chat.engine.as_ref().map(|e| e.as_str()), Some("vllm"));
        assert_eq!(chat.engine_version.as_deref(), Some("0.6.0"));
        let s = validate("t.toml", SCENARIO, &catalog).unwrap();
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        assert!(chat.engine.is_none() && chat.engine_version.is_none());
    }

    #[test]
    fn unknown_training_or_versionless_engines_are_reported() {
        let catalog = Catalog::builtin().unwrap();
        let message = |lines: &str| {
            let diags = validate("t.toml", &with(lines), &catalog).unwrap_err();
            assert_eq!(diags.len(), 1, "{diags:#?}");
            (diags[0].message.clone(), diags[0].help.clone().unwrap_or_default())
        };
        let (m, help) = message("engine = \"vlm\"");
        assert_eq!(m, "unknown engine `vlm`");
        assert!(help.contains("did you mean `vllm`?") && help.contains("fleetplan catalog engines"), "{help}");
        assert!(message("engine = \"megatron\"").0.contains("is a training framework"));
        assert!(message("engine_version = \"0.6\"").0.contains("needs `engine`"));
        assert!(message("engine = \"vllm\"\nengine_version = \"latest\"").0.contains("dotted numbers"));
    }
}
