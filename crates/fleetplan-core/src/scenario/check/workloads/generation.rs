//! Image and video generation workloads: items per day, latency target, denoising steps.

use super::CheckedEntry;
use crate::catalog::DiffusionId;
use crate::scenario::check::{Checker, opt};
use crate::scenario::file::WorkloadKind;
use crate::scenario::{GenerationWorkload, Serving, WorkloadSpec};

/// Check the generation-specific fields and assemble the workload from the parts checked before.
pub(super) fn check(
    checker: &mut Checker,
    checked: &CheckedEntry,
    model: Option<DiffusionId>,
    serving: Option<Serving>,
) -> Option<WorkloadSpec> {
    let (entry, path) = (checked.entry, checked.path);
    let items = checked.need(checker, &entry.items_per_day, "items_per_day");
    if let Some(latency) = &entry.latency_p99_s {
        checker.positive(latency, &format!("{path}.latency_p99_s"), "a latency target");
    }
    if let Some(steps) = &entry.steps
        && **steps == 0
    {
        checker.error(
            steps.span(),
            &format!("{path}.steps"),
            "0 denoising steps".into(),
            "zero",
            "give at least 1 step or drop the field to use the model's default".into(),
        );
    }
    let workload = GenerationWorkload {
        model: model?,
        items_per_day: items?,
        latency_p99_s: opt(&entry.latency_p99_s),
        steps: entry.steps.as_ref().map(|s| **s),
        serving: serving?,
    };
    Some(if *entry.kind == WorkloadKind::Image { WorkloadSpec::Image(workload) } else { WorkloadSpec::Video(workload) })
}
