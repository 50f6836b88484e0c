//! `[objective]`: what the planner optimises, which needs a workload of the matching kind, and
//! the discount rate of its capital charge.

use super::Checker;
use crate::scenario::DEFAULT_DISCOUNT_RATE_PER_YEAR;
use crate::scenario::file::{ObjectiveKind, ScenarioFile, WorkloadKind};

/// Check `[objective]` against the workloads of the file: the objective and the discount rate
/// per year (fraction).
pub(super) fn check(checker: &mut Checker, file: &ScenarioFile) -> (ObjectiveKind, f64) {
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
        ObjectiveKind::MaxMargin
            if !file.workload.iter().any(|w| {
                w.price_per_m_input_tokens.is_some() || w.price_per_m_output_tokens.is_some() || w.price_per_item.is_some()
            }) =>
        {
            checker.error(
                span,
                "objective.kind",
                "objective `max-margin` but no workload has a price".into(),
                "no revenue",
                "give serving workloads `price_per_m_output_tokens` (chat) or `price_per_item` (image, video), or choose another objective".into(),
            )
        }
        _ => {}
    }
    let discount_rate = match &file.objective.discount_rate {
        Some(rate) if checker.fraction(rate, "objective.discount_rate", "a discount rate") => **rate,
        _ => DEFAULT_DISCOUNT_RATE_PER_YEAR,
    };
    (objective, discount_rate)
}
