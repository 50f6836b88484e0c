//! `[objective]`: what the planner optimises, which needs a workload of the matching kind.

use super::Checker;
use crate::scenario::file::{ObjectiveKind, ScenarioFile, WorkloadKind};

/// Check `[objective]` against the workloads of the file.
pub(super) fn check(checker: &mut Checker, file: &ScenarioFile) -> ObjectiveKind {
    let objective = *file.objective.kind;
    let span = file.objective.kind.span();
    let has = |kinds: &[WorkloadKind]| file.workload.iter().any(|w| kinds.contains(&w.kind));
    match objective {
        ObjectiveKind::MaxTraining if !has(&[WorkloadKind::Training]) => checker.error(
            span,
            "objective.kind",
            "objective `max-training` but the scenario has no training workload".into(),
            "no training run",
            "add a `[[workload]]` with kind = \"training\" or choose another objective".into(),
        ),
        ObjectiveKind::MaxServed if !has(&[WorkloadKind::Chat, WorkloadKind::Image, WorkloadKind::Video]) => checker
            .error(
                span,
                "objective.kind",
                "objective `max-served` but the scenario has no chat, image or video workload".into(),
                "nothing to serve",
                "add a serving workload or choose another objective".into(),
            ),
        _ => {}
    }
    objective
}
