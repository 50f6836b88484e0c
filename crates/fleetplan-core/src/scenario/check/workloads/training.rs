//! Training runs: tokens, sequence length (within the model's context), start and deadline
//! within the horizon.

use super::CheckedEntry;
use crate::catalog::{Catalog, LlmId};
use crate::scenario::check::Checker;
use crate::scenario::check::header::Horizon;
use crate::scenario::{TrainingRun, WorkloadSpec};
use crate::units::{Date, Precision};

/// Sequence length when none is given, tokens.
const DEFAULT_SEQ_LEN: u32 = 4096;

/// Check the training-specific fields and assemble the run from the model checked before.
pub(super) fn check(
    checker: &mut Checker,
    checked: &CheckedEntry,
    catalog: &Catalog,
    model: Option<LlmId>,
    precision: Precision,
    horizon: &Horizon,
) -> Option<WorkloadSpec> {
    let entry = checked.entry;
    let tokens = checked.need(checker, &entry.tokens, "tokens");
    let seq_len = seq_len(checker, checked, catalog, model.as_ref());
    let (first_day, last_day) = (horizon.start.first_day(), horizon.end.last_day());
    let run_start = entry.start.as_ref().map_or(first_day, |d| **d);
    if let Some(start) = &entry.start
        && (**start < first_day || **start > last_day)
    {
        checker.error(
            start.span(),
            &format!("{}.start", checked.path),
            format!("start date {} is outside the horizon {}", **start, horizon.label),
            "outside the horizon",
            format!("use a date between {first_day} and {last_day}"),
        );
    }
    let deadline = deadline(checker, checked, horizon, run_start);
    Some(WorkloadSpec::Training(TrainingRun {
        model: model?,
        precision,
        tokens: tokens?,
        seq_len: seq_len?,
        start: run_start,
        deadline: deadline?,
    }))
}

/// The sequence length: positive and within the model's context.
fn seq_len(checker: &mut Checker, checked: &CheckedEntry, catalog: &Catalog, model: Option<&LlmId>) -> Option<u32> {
    let path = checked.path;
    let Some(given) = &checked.entry.seq_len else { return Some(DEFAULT_SEQ_LEN) };
    if **given == 0 {
        checker.error(
            given.span(),
            &format!("{path}.seq_len"),
            "sequence length 0".into(),
            "zero",
            "give the training sequence length in tokens, e.g. 4096".into(),
        );
        return None;
    }
    if let Some(model) = model.map(|id| &catalog[id])
        && **given > model.max_context_tokens
    {
        checker.error(
            given.span(),
            &format!("{path}.seq_len"),
            format!(
                "sequence length {} exceeds {}'s context of {} tokens",
                **given, model.id, model.max_context_tokens
            ),
            "too long",
            format!("use at most {} tokens", model.max_context_tokens),
        );
    }
    Some(**given)
}

/// The deadline: required, within the horizon, after the start.
fn deadline(checker: &mut Checker, checked: &CheckedEntry, horizon: &Horizon, run_start: Date) -> Option<Date> {
    let (entry, path) = (checked.entry, checked.path);
    let (first_day, last_day) = (horizon.start.first_day(), horizon.end.last_day());
    match &entry.deadline {
        None => {
            checker.error(
                entry.entry_span.clone(),
                &format!("{path}.deadline"),
                format!("training workload `{}` needs `deadline`", entry.id.get()),
                "missing field",
                "add `deadline = 2025-12-31` (a date within the horizon)".into(),
            );
            None
        }
        Some(deadline) if **deadline < first_day || **deadline > last_day => {
            checker.error(
                deadline.span(),
                &format!("{path}.deadline"),
                format!("deadline {} is outside the horizon {}", **deadline, horizon.label),
                "outside the horizon",
                format!("use a date between {first_day} and {last_day}"),
            );
            None
        }
        Some(deadline) if **deadline <= run_start => {
            checker.error(
                deadline.span(),
                &format!("{path}.deadline"),
                format!("deadline {} is not after the start {run_start}", **deadline),
                "before the start",
                "the deadline must come after the start date".into(),
            );
            None
        }
        Some(deadline) => Some(**deadline),
    }
}
