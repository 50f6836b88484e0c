//! The optional fields each workload kind accepts, and the check that an entry sets no others.

use crate::scenario::check::Checker;
use crate::scenario::file::{WorkloadEntry, WorkloadKind};
use std::ops::Range;

/// Report every field set on `entry` that its kind does not accept; `true` when there is none.
pub(super) fn check(checker: &mut Checker, entry: &WorkloadEntry, path: &str) -> bool {
    let kind = *entry.kind;
    let mut ok = true;
    for (field, span) in set_fields(entry) {
        if !allowed_fields(kind).contains(&field) {
            ok = false;
            checker.error(
                span,
                &format!("{path}.{field}"),
                format!("`{field}` does not apply to {} workloads", kind.as_str()),
                "not for this kind",
                format!(
                    "fields for {} workloads: id, name, kind, model, {}",
                    kind.as_str(),
                    allowed_fields(kind).join(", ")
                ),
            );
        }
    }
    ok
}

/// Fields each workload kind accepts (besides id, name, kind, model).
fn allowed_fields(kind: WorkloadKind) -> &'static [&'static str] {
    const SERVING: [&str; 7] = [
        "diurnal",
        "growth_per_quarter",
        "growth_by_quarter",
        "user_regions",
        "cross_border",
        "weight",
        "unserved_penalty",
    ];
    match kind {
        WorkloadKind::Chat => &[
            "mix",
            "precision",
            "daily_users",
            "monthly_users",
            "daily_to_monthly_ratio",
            "requests_per_user_per_day",
            "input_tokens_per_request",
            "output_tokens_per_request",
            "cached_input_fraction",
            "output_tokens_cv",
            "output_tokens_max",
            "beams",
            "mtp_draft_tokens",
            "mtp_acceptance",
            "ttft_p99_ms",
            "tpot_p99_ms",
            "engine",
            "engine_version",
            "price_per_m_input_tokens",
            "price_per_m_output_tokens",
            SERVING[0],
            SERVING[1],
            SERVING[2],
            SERVING[3],
            SERVING[4],
            SERVING[5],
            SERVING[6],
        ],
        WorkloadKind::Image | WorkloadKind::Video => &[
            "items_per_day",
            "latency_p99_s",
            "steps",
            "price_per_item",
            SERVING[0],
            SERVING[1],
            SERVING[2],
            SERVING[3],
            SERVING[4],
            SERVING[5],
            SERVING[6],
        ],
        WorkloadKind::Training => &["precision", "tokens", "seq_len", "start", "deadline"],
    }
}

/// The optional fields of a workload entry that are set, with their spans.
fn set_fields(entry: &WorkloadEntry) -> Vec<(&'static str, Range<usize>)> {
    let mut set = Vec::new();
    macro_rules! if_set {
        ($($name:ident),*) => { $( if let Some(x) = &entry.$name { set.push((stringify!($name), x.span())); } )* };
    }
    if_set!(
        mix,
        precision,
        daily_users,
        monthly_users,
        daily_to_monthly_ratio,
        requests_per_user_per_day,
        input_tokens_per_request,
        output_tokens_per_request,
        cached_input_fraction,
        output_tokens_cv,
        output_tokens_max,
        beams,
        mtp_draft_tokens,
        mtp_acceptance,
        ttft_p99_ms,
        tpot_p99_ms,
        engine,
        engine_version,
        items_per_day,
        latency_p99_s,
        steps,
        diurnal,
        growth_per_quarter,
        growth_by_quarter,
        weight,
        unserved_penalty,
        price_per_m_input_tokens,
        price_per_m_output_tokens,
        price_per_item,
        tokens,
        seq_len,
        start,
        deadline
    );
    if let Some(shares) = &entry.user_regions {
        let span = shares.values().next().map_or(entry.entry_span.clone(), |v| v.span());
        set.push(("user_regions", span));
    }
    if entry.cross_border.is_some() {
        set.push(("cross_border", entry.entry_span.clone()));
    }
    set
}
