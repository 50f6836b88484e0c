//! Chat workloads: users (daily, or monthly × ratio), requests, tokens, latency targets and the
//! serving engine.

use super::CheckedEntry;
use crate::catalog::{Catalog, EngineId, EngineRole, LlmId, is_version};
use crate::scenario::check::{Checker, list};
use crate::scenario::{ChatWorkload, RequestOptions, Serving, Spanned, WorkloadSpec};
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
    let request = request_options(checker, checked, catalog, model.as_ref(), input, output);
    let cached_input_fraction = cached_input_fraction(checker, checked);
    Some(WorkloadSpec::Chat(ChatWorkload {
        model: model?,
        precision,
        daily_users: daily_users?,
        requests_per_user_per_day: requests?,
        input_tokens_per_request: input?,
        output_tokens_per_request: output?,
        cached_input_fraction: cached_input_fraction?,
        request: request?,
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

/// The optional output spread and decoding settings, each checked against its range
/// ([`RequestOptions::problems`]) at its own span; `mtp_acceptance` is required with draft
/// tokens. The longest output is checked against the model's context once the model, input and
/// output are known. `None` after reporting a problem.
fn request_options(
    checker: &mut Checker,
    checked: &CheckedEntry,
    catalog: &Catalog,
    model: Option<&LlmId>,
    input: Option<f64>,
    output: Option<f64>,
) -> Option<RequestOptions> {
    let (entry, path) = (checked.entry, checked.path);
    // Whole numbers are read as i64 so that a negative count gets a range error, not a type error.
    let count = |value: &Option<Spanned<i64>>, default: u32| {
        value.as_ref().map_or(default, |v| u32::try_from(**v).unwrap_or(u32::MAX))
    };
    let options = RequestOptions {
        output_tokens_cv: entry.output_tokens_cv.as_ref().map_or(0.0, |v| **v),
        output_tokens_max: entry.output_tokens_max.as_ref().map(|v| **v),
        beams: entry.beams.as_ref().map_or(1, |v| u32::try_from(**v).unwrap_or(0)),
        mtp_draft_tokens: count(&entry.mtp_draft_tokens, 0),
        mtp_acceptance: entry.mtp_acceptance.as_ref().map_or(0.0, |v| **v),
    };
    // Without a model or mean lengths the longest output cannot be checked (already reported).
    let context = model.map_or(f64::INFINITY, |m| f64::from(catalog[m].max_context_tokens));
    let (input, output) = (input.unwrap_or(0.0), output.unwrap_or(0.0));
    let mut ok = true;
    for problem in options.problems(input, output, context) {
        let span = match problem.field {
            "input_tokens_per_request" => entry.input_tokens_per_request.as_ref().map(Spanned::span),
            "output_tokens_cv" => entry.output_tokens_cv.as_ref().map(Spanned::span),
            "output_tokens_max" => entry.output_tokens_max.as_ref().map(Spanned::span),
            "beams" => entry.beams.as_ref().map(Spanned::span),
            "mtp_draft_tokens" => entry.mtp_draft_tokens.as_ref().map(Spanned::span),
            _ => entry.mtp_acceptance.as_ref().map(Spanned::span),
        };
        let span = span.unwrap_or_else(|| entry.entry_span.clone());
        let written = checker.written(&span);
        checker.error(
            span,
            &format!("{path}.{}", problem.field),
            format!("`{}` must be {}, got {written}", problem.field, problem.expected),
            "out of range",
            help(problem.field),
        );
        ok = false;
    }
    if let Some(drafts) = &entry.mtp_draft_tokens
        && **drafts > 0
        && entry.mtp_acceptance.is_none()
    {
        checker.error(
            drafts.span(),
            &format!("{path}.mtp_acceptance"),
            format!("`mtp_draft_tokens = {}` needs `mtp_acceptance`: how many drafts are accepted?", **drafts),
            "no acceptance rate",
            "add `mtp_acceptance = <0–1>` (DeepSeek-V3 MTP: about 0.85 for one draft token)".into(),
        );
        ok = false;
    }
    ok.then_some(options)
}

/// The share of prompt tokens served from a prefix cache: 0 when not given, else a number
/// `0 ≤ x < 1` (at 1 nothing would be computed, and the prefill rate would be unbounded).
/// `None` after reporting a value out of range.
fn cached_input_fraction(checker: &mut Checker, checked: &CheckedEntry) -> Option<f64> {
    let Some(value) = &checked.entry.cached_input_fraction else { return Some(0.0) };
    if value.is_finite() && (0.0..1.0).contains(&**value) {
        return Some(**value);
    }
    let written = checker.written(&value.span());
    checker.error(
        value.span(),
        &format!("{}.cached_input_fraction", checked.path),
        format!("`cached_input_fraction` must be at least 0 and below 1, got {written}"),
        "out of range",
        "the share of prompt tokens that hit the prefix cache, e.g. 0.563 (DeepSeek's reported hit rate)".into(),
    );
    None
}

/// What each request setting means, for the help line of its range error.
fn help(field: &str) -> String {
    match field {
        "input_tokens_per_request" => "a serving request's prompt and output must fit the model's context window",
        "output_tokens_cv" => "standard deviation / mean of output lengths; 0 = all equal, ~1 for chat data sets",
        "output_tokens_max" => "the longest output a request may have, in tokens",
        "beams" => "beam width: 1 = greedy or sampling (MLPerf GPT-J uses 4)",
        "mtp_draft_tokens" => "draft tokens proposed per decode step (0 = no speculative decoding; engines use 1–7)",
        _ => "the share of draft tokens accepted, e.g. 0.8",
    }
    .to_string()
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

    use super::super::TEST_HEADER;

    const WORKLOAD: &str = r#"
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
        format!("{TEST_HEADER}{WORKLOAD}{lines}\n")
    }

    #[test]
    fn a_named_serving_engine_resolves_with_its_version() {
        let catalog = Catalog::builtin().unwrap();
        let s = validate("t.toml", &with("engine = \"vllm\"\nengine_version = \"0.6.0\""), &catalog).unwrap();
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        assert_eq!(chat.engine.as_ref().map(|e| e.as_str()), Some("vllm"));
        assert_eq!(chat.engine_version.as_deref(), Some("0.6.0"));
        let s = validate("t.toml", &with(""), &catalog).unwrap();
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        assert!(chat.engine.is_none() && chat.engine_version.is_none());
    }

    #[test]
    fn output_spread_beams_and_drafts_resolve_with_defaults() {
        let catalog = Catalog::builtin().unwrap();
        let lines =
            "output_tokens_cv = 1.2\noutput_tokens_max = 4000\nbeams = 4\nmtp_draft_tokens = 2\nmtp_acceptance = 0.8";
        let s = validate("t.toml", &with(lines), &catalog).unwrap();
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        let r = chat.request;
        assert_eq!((r.output_tokens_cv, r.output_tokens_max, r.beams), (1.2, Some(4000.0), 4));
        assert_eq!((r.mtp_draft_tokens, r.mtp_acceptance), (2, 0.8));
        let s = validate("t.toml", &with(""), &catalog).unwrap();
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        assert_eq!(chat.request, crate::scenario::RequestOptions::default());
    }

    #[test]
    fn request_settings_out_of_range_are_located_with_their_range() {
        let catalog = Catalog::builtin().unwrap();
        let problem = |lines: &str| {
            let text = with(lines);
            let diags = validate("t.toml", &text, &catalog).unwrap_err();
            assert_eq!(diags.len(), 1, "{diags:#?}");
            let span = diags[0].span.clone().unwrap();
            (diags[0].path.clone().unwrap_or_default(), diags[0].message.clone(), text[span].to_string())
        };
        let (path, message, at) = problem("beams = 0");
        assert_eq!((path.as_str(), at.as_str()), ("workload[0].beams", "0"));
        assert_eq!(message, "`beams` must be a whole number from 1 to 16, got 0");
        assert!(problem("beams = -3").1.contains("got -3"));
        assert!(problem("output_tokens_cv = 11").1.contains("from 0 to 10, got 11"));
        assert!(problem("mtp_draft_tokens = 17\nmtp_acceptance = 0.5").1.contains("from 0 to 16, got 17"));
        assert!(problem("mtp_acceptance = 1.5").1.contains("fraction from 0 to 1, got 1.5"));
        // Longest output: at least the mean (400), at most llama-3.1-8b's 131,072 context minus 1,000.
        assert!(problem("output_tokens_max = 300").1.contains("got 300"));
        let (_, message, at) = problem("output_tokens_max = 130073");
        assert!(message.contains("131072 − 1000 = 130072") && at == "130073", "{message}");
        assert!(validate("t.toml", &with("output_tokens_max = 130072"), &catalog).is_ok());
        let (path, message, at) = problem("mtp_draft_tokens = 2");
        assert_eq!((path.as_str(), at.as_str()), ("workload[0].mtp_acceptance", "2"));
        assert!(message.contains("needs `mtp_acceptance`"), "{message}");
    }

    #[test]
    fn the_cached_input_fraction_defaults_to_zero_and_must_be_below_one() {
        let catalog = Catalog::builtin().unwrap();
        let fraction = |lines: &str| {
            let s = validate("t.toml", &with(lines), &catalog).map_err(|d| d[0].message.clone())?;
            let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
            Ok::<f64, String>(chat.cached_input_fraction)
        };
        assert_eq!(fraction(""), Ok(0.0));
        assert_eq!(fraction("cached_input_fraction = 0.563"), Ok(0.563));
        for bad in ["1", "1.5", "-0.1", "nan"] {
            let message = fraction(&format!("cached_input_fraction = {bad}")).unwrap_err();
            assert!(message.contains("at least 0 and below 1"), "{bad}: {message}");
        }
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
