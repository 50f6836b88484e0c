//! `[objective]`: what the planner optimises, which needs a workload of the matching kind, and
//! the discount rate of its capital charge.

use super::Checker;
use crate::scenario::file::{ObjectiveKind, ScenarioFile, WorkloadKind};
use crate::scenario::{DEFAULT_DISCOUNT_RATE_PER_YEAR, Scenario};

/// Check `[objective]` against the workloads of the file: the objective and the discount rate
/// per year (fraction).
pub(super) fn check(checker: &mut Checker, file: &ScenarioFile) -> (ObjectiveKind, f64) {
    let objective = *file.objective.kind;
    let span = file.objective.kind.span();
    let kinds: Vec<WorkloadKind> = file.workload.iter().map(|w| *w.kind).collect();
    let priced = file.workload.iter().any(|w| {
        w.price_per_m_input_tokens.is_some() || w.price_per_m_output_tokens.is_some() || w.price_per_item.is_some()
    });
    if let Some(problem) = objective_problem(objective, &kinds, priced) {
        checker.error(span, "objective.kind", problem.to_string(), problem.label(), problem.help().into());
    }
    let discount_rate = match &file.objective.discount_rate {
        Some(rate) if checker.fraction(rate, "objective.discount_rate", "a discount rate") => **rate,
        _ => DEFAULT_DISCOUNT_RATE_PER_YEAR,
    };
    (objective, discount_rate)
}

/// An objective with nothing to optimise in a scenario: the one home of the rule, used by the
/// file's `[objective]` check and by the planner for an objective given elsewhere (a flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ObjectiveProblem {
    /// `max-training` without a training workload.
    #[error("objective `max-training` but the scenario has no training workload")]
    NoTraining,
    /// `max-served` without a serving workload.
    #[error("objective `max-served` but the scenario has no chat, image or video workload")]
    NothingToServe,
    /// `max-margin` without a price.
    #[error("objective `max-margin` but no workload has a price")]
    NoPrice,
}

impl ObjectiveProblem {
    /// Short caret label.
    pub fn label(self) -> &'static str {
        match self {
            ObjectiveProblem::NoTraining => "no training run",
            ObjectiveProblem::NothingToServe => "nothing to serve",
            ObjectiveProblem::NoPrice => "no revenue",
        }
    }

    /// What to do.
    pub fn help(self) -> &'static str {
        match self {
            ObjectiveProblem::NoTraining => "add a `[[workload]]` with kind = \"training\" or choose another objective",
            ObjectiveProblem::NothingToServe => "add a serving workload or choose another objective",
            ObjectiveProblem::NoPrice => {
                "give serving workloads `price_per_m_output_tokens` (chat) or `price_per_item` (image, video), or choose \
                 another objective"
            }
        }
    }
}

/// The problem of optimising `objective` over workloads of `kinds` (`priced`: some workload has
/// a price), if any.
fn objective_problem(objective: ObjectiveKind, kinds: &[WorkloadKind], priced: bool) -> Option<ObjectiveProblem> {
    let has = |wanted: &[WorkloadKind]| kinds.iter().any(|k| wanted.contains(k));
    match objective {
        ObjectiveKind::MaxTraining if !has(&[WorkloadKind::Training]) => Some(ObjectiveProblem::NoTraining),
        ObjectiveKind::MaxServed if !has(&[WorkloadKind::Chat, WorkloadKind::Image, WorkloadKind::Video]) => {
            Some(ObjectiveProblem::NothingToServe)
        }
        ObjectiveKind::MaxMargin if !priced => Some(ObjectiveProblem::NoPrice),
        _ => None,
    }
}

impl Scenario {
    /// Why `objective` has nothing to optimise in this scenario, if so ([`ObjectiveProblem`]).
    pub fn objective_problem(&self, objective: ObjectiveKind) -> Option<ObjectiveProblem> {
        let kinds: Vec<WorkloadKind> = self.workloads.iter().map(|w| w.spec.kind()).collect();
        let priced = self.workloads.iter().any(|w| w.price_per_unit().is_some());
        objective_problem(objective, &kinds, priced)
    }
}
