//! The named outputs of one sample: what an evaluation (or a plan) of a sampled world is
//! summarised by. Names are stable across samples of one sweep; money is in the scenario
//! currency.

use crate::eval::{Evaluation, ViolationKind};
use crate::plan::Plan;

/// One named output value of a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Name, e.g. `spend_total`, `coverage.doubao.2025Q3`, `buy.h20-cn.cn-north.2025Q2`.
    pub name: String,
    /// Value (finite).
    pub value: f64,
    /// What a sample without this output means: 0 (a plan that does not choose an option) or
    /// undefined (a cost per token where nothing is served).
    pub absent: Absent,
}

/// What a sample that lacks an output stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// Zero (counts and quantities of choices).
    Zero,
    /// Undefined: the sample is left out of that output's statistics.
    Undefined,
}

fn push(out: &mut Vec<Output>, name: String, value: f64, absent: Absent) {
    if value.is_finite() {
        out.push(Output { name, value, absent });
    }
}

/// Every violation kind (advisories excluded), in the order counts are reported.
pub const VIOLATION_KINDS: [ViolationKind; 9] = [
    ViolationKind::ExportControl,
    ViolationKind::Demand,
    ViolationKind::Latency,
    ViolationKind::Training,
    ViolationKind::Power,
    ViolationKind::Budget,
    ViolationKind::BudgetShare,
    ViolationKind::MissingPrice,
    ViolationKind::Supply,
];

/// Fails to compile when a violation kind is added without listing it above.
const fn _every_kind_listed(kind: ViolationKind) {
    match kind {
        ViolationKind::ExportControl
        | ViolationKind::Demand
        | ViolationKind::Latency
        | ViolationKind::Training
        | ViolationKind::Power
        | ViolationKind::Budget
        | ViolationKind::BudgetShare
        | ViolationKind::MissingPrice
        | ViolationKind::Supply
        | ViolationKind::Idle => {}
    }
}

/// Whether a violation of `kind` with `subject` concerns `workload` (demand misses name it
/// "W (region)", latency misses "W on chip").
fn names_workload(kind: ViolationKind, subject: &str, workload: &str) -> bool {
    let rest = subject.strip_prefix(workload);
    match kind {
        ViolationKind::Demand => rest.is_some_and(|r| r.starts_with(" (")),
        ViolationKind::Latency => rest.is_some_and(|r| r.starts_with(" on ")),
        _ => false,
    }
}

/// The outputs of an evaluation: spend (total and per calendar year), TCO, cost per million
/// output tokens (chat) or per item (image, video) per workload over the horizon (cost of the
/// allocated accelerators over what they serve), coverage of peak demand per workload and
/// quarter, whether each workload misses its demand (a demand violation in some quarter) or
/// its SLO (a held chip cannot serve it at the SLO), whether an export-control violation
/// exists, and the count of violations of each kind.
pub fn of_evaluation(eval: &Evaluation) -> Vec<Output> {
    let mut out = Vec::new();
    push(&mut out, "spend_total".into(), eval.spend.total, Absent::Undefined);
    for (year, amount) in &eval.spend_by_year {
        push(&mut out, format!("spend.{year}"), *amount, Absent::Undefined);
    }
    push(&mut out, "tco_total".into(), eval.yearly.iter().map(|y| y.tco()).sum(), Absent::Undefined);
    let mut workloads: Vec<(&str, &str)> = Vec::new();
    for line in &eval.workloads {
        if !workloads.iter().any(|(w, _)| *w == line.workload) {
            workloads.push((&line.workload, &line.kind));
        }
    }
    for (workload, kind) in &workloads {
        let lines = || eval.workloads.iter().filter(|l| l.workload == *workload);
        let cost_per_day: f64 = lines().map(|l| l.cost_per_day).sum();
        let served_per_day: f64 = lines().map(|l| l.served_per_day).sum();
        if served_per_day > 0.0 {
            let (name, per) = if *kind == "chat" { ("cost_per_m_tokens", 1e6) } else { ("cost_per_item", 1.0) };
            push(&mut out, format!("{name}.{workload}"), cost_per_day / served_per_day * per, Absent::Undefined);
        }
    }
    for line in &eval.workloads {
        push(&mut out, format!("coverage.{}.{}", line.workload, line.quarter), line.coverage_peak, Absent::Undefined);
    }
    for (workload, _) in &workloads {
        for (name, kind) in [("miss_demand", ViolationKind::Demand), ("miss_slo", ViolationKind::Latency)] {
            let missed = eval.violations.iter().any(|v| v.kind == kind && names_workload(kind, &v.subject, workload));
            push(&mut out, format!("{name}.{workload}"), f64::from(u8::from(missed)), Absent::Undefined);
        }
    }
    let policy = eval.violations.iter().any(|v| v.kind == ViolationKind::ExportControl);
    push(&mut out, "policy_violation".into(), f64::from(u8::from(policy)), Absent::Undefined);
    for kind in VIOLATION_KINDS {
        let count = eval.violations.iter().filter(|v| v.kind == kind).count();
        push(&mut out, format!("violations.{}", kind.as_str()), count as f64, Absent::Undefined);
    }
    out
}

/// The outputs of a plan: spend, economic cost, whether it is feasible as written, and the
/// accelerators of each purchase or lease (`buy.OPTION.SITE.QUARTER`, `lease.…`, by first
/// quarter in service) and the MW of each build (`build.SITE.QUARTER`); a plan that does not
/// choose one counts 0 for it.
pub fn of_plan(plan: &Plan) -> Vec<Output> {
    let mut out = Vec::new();
    push(&mut out, "spend_total".into(), plan.spend_total, Absent::Undefined);
    for (year, amount) in &plan.spend_by_year {
        push(&mut out, format!("spend.{year}"), *amount, Absent::Undefined);
    }
    push(&mut out, "economic_cost".into(), plan.economic_cost, Absent::Undefined);
    push(&mut out, "feasible".into(), f64::from(u8::from(plan.feasible)), Absent::Undefined);
    let mut choices: Vec<(String, f64)> = Vec::new();
    for holding in &plan.purchases {
        let name = format!("{}.{}.{}.{}", holding.mode.as_str(), holding.option, holding.site, holding.from);
        add(&mut choices, name, holding.accelerators as f64);
    }
    for (site, quarter, mw) in &plan.builds {
        add(&mut choices, format!("build.{site}.{quarter}"), *mw);
    }
    for (name, value) in choices {
        push(&mut out, name, value, Absent::Zero);
    }
    out
}

fn add(choices: &mut Vec<(String, f64)>, name: String, value: f64) {
    match choices.iter_mut().find(|(n, _)| *n == name) {
        Some(slot) => slot.1 += value,
        None => choices.push((name, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_matched_to_their_workload_only() {
        assert!(names_workload(ViolationKind::Demand, "chat (cn)", "chat"));
        assert!(!names_workload(ViolationKind::Demand, "chat2 (cn)", "chat"));
        assert!(names_workload(ViolationKind::Latency, "chat on h20", "chat"));
        assert!(!names_workload(ViolationKind::Latency, "chat (cn)", "chat"));
        assert!(!names_workload(ViolationKind::Budget, "chat", "chat"));
    }
}
