//! Chat workloads: users (daily, or monthly × ratio), requests, tokens and latency targets.

use super::CheckedEntry;
use crate::catalog::LlmId;
use crate::scenario::check::Checker;
use crate::scenario::{ChatWorkload, Serving, WorkloadSpec};
use crate::units::Precision;

/// Check the chat-specific fields and assemble the workload from the parts checked before.
pub(super) fn check(
    checker: &mut Checker,
    checked: &CheckedEntry,
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
    Some(WorkloadSpec::Chat(ChatWorkload {
        model: model?,
        precision,
        daily_users: daily_users?,
        requests_per_user_per_day: requests?,
        input_tokens_per_request: input?,
        output_tokens_per_request: output?,
        ttft_p99_ms: ttft?,
        tpot_p99_ms: tpot?,
        serving: serving?,
    }))
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
