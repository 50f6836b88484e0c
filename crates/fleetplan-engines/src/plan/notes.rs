//! What the planner says about a plan, as structured values: binding constraints
//! ([`Binding`]), marginal values of relaxing them ([`Marginal`]), the smallest relaxation of
//! an infeasible scenario ([`Relaxation`]) and the repairs made after rounding
//! ([`RepairNote`]). Each renders its sentence through `Display` (amounts through
//! [`fleetplan_core::format`]) and serialises as that sentence, so front ends can match on the
//! values and still print or emit the same words.

use fleetplan_core::format::{money, mw};
use fleetplan_core::policy::VerdictKind;
use fleetplan_core::scenario::Quarter;
use serde::{Serialize, Serializer};
use std::fmt;

/// Serialise a value as its `Display` text (the plan JSON holds sentences).
macro_rules! serialize_as_text {
    ($($type:ty),*) => {$(
        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    )*};
}

serialize_as_text!(Explanation, Binding, Marginal, Relaxation, RepairNote);

/// A run of quarters named by its first and last (one quarter: its name alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarterSpan {
    /// First quarter.
    pub first: Quarter,
    /// Last quarter (the first again for a single quarter).
    pub last: Quarter,
}

impl fmt::Display for QuarterSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last { write!(f, "{}", self.first) } else { write!(f, "{}–{}", self.first, self.last) }
    }
}

/// Which bound of a share group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareBound {
    /// The group's minimum share of spend.
    Min,
    /// The group's maximum share of spend.
    Max,
}

impl ShareBound {
    /// "minimum" or "maximum".
    fn word(self) -> &'static str {
        match self {
            ShareBound::Min => "minimum",
            ShareBound::Max => "maximum",
        }
    }
}

/// One line of the plan's explanations: a binding constraint or a marginal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Explanation {
    /// A constraint the plan meets with no room left.
    Binding(Binding),
    /// What relaxing a binding constraint would gain.
    Marginal(Marginal),
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Explanation::Binding(binding) => binding.fmt(f),
            Explanation::Marginal(marginal) => marginal.fmt(f),
        }
    }
}

/// A constraint the plan meets with no room left (or a limit that shaped it).
#[derive(Debug, Clone, PartialEq)]
pub enum Binding {
    /// The budget total is spent (to 0.1 %).
    BudgetSpent {
        /// Spend over the horizon, `currency`.
        spend: f64,
        /// Budget total, `currency`.
        budget: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A quarter's budget cap is reached.
    QuarterCapReached {
        /// The quarter.
        quarter: Quarter,
        /// Its cap, `currency`.
        cap: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A year's budget cap (`[budget] per_year`) is reached.
    YearCapReached {
        /// The year.
        year: i32,
        /// Its cap, `currency`.
        cap: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A share group is at a bound of its share of spend.
    GroupShare {
        /// Group name.
        group: String,
        /// Which bound.
        bound: ShareBound,
        /// The bound, fraction of spend.
        share: f64,
    },
    /// A share group is held at its soft target (within half a point): the target, not cost
    /// alone, decides where that part of the spend goes.
    ShareTargetMet {
        /// Group name.
        group: String,
        /// The target, fraction of spend.
        target: f64,
    },
    /// A share group misses its soft target (more than half a point off).
    ShareTargetMissed {
        /// Group name.
        group: String,
        /// The group's share of spend, fraction.
        share: f64,
        /// The target, fraction.
        target: f64,
        /// Penalty the objective counts for the gap, `currency`.
        penalty: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A site draws all its power in some quarters.
    SitePowerUsed {
        /// Site id.
        site: String,
        /// Quarters at the limit (first to last).
        quarters: QuarterSpan,
        /// MW available at the end, including what was built, MW.
        available_mw: f64,
        /// MW built in the horizon.
        built_mw: f64,
    },
    /// A site may build but its lead time ends after the horizon.
    SiteCannotBuild {
        /// Site id.
        site: String,
        /// Lead time, quarters.
        lead_time_quarters: usize,
    },
    /// An option's supply cap is reached in some quarters.
    SupplyAtCap {
        /// Option name.
        option: String,
        /// Cap, accelerators per quarter.
        cap: f64,
        /// Quarters at the cap (first to last).
        quarters: QuarterSpan,
    },
    /// Export controls block an option at a site from some quarter on.
    ExportBlocked {
        /// Option name.
        option: String,
        /// Site id.
        site: String,
        /// First quarter blocked.
        from: Quarter,
        /// Last quarter blocked when the line can be used later in the horizon (else blocked to
        /// the end).
        until: Option<Quarter>,
        /// The policy engine's verdict.
        verdict: VerdictKind,
        /// Rule id ("-" when none).
        rule: String,
        /// Whether the scenario assumes licences are granted.
        licences_assumed: bool,
    },
    /// No procurable chip can run a training run.
    TrainingImpossible {
        /// Workload id of the run.
        run: String,
        /// Why, in words.
        reason: String,
    },
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Binding::BudgetSpent { spend, budget, currency } => {
                write!(f, "The budget is spent: {} of {}.", money(*spend, currency), money(*budget, currency))
            }
            Binding::QuarterCapReached { quarter, cap, currency } => {
                write!(f, "The {quarter} budget cap of {} is reached.", money(*cap, currency))
            }
            Binding::YearCapReached { year, cap, currency } => {
                write!(f, "The {year} budget cap of {} is reached.", money(*cap, currency))
            }
            Binding::ShareTargetMet { group, target } => write!(
                f,
                "Group `{group}` is held at its target share of spend ({:.0} %): the target decides where that spend goes.",
                target * 100.0
            ),
            Binding::GroupShare { group, bound, share } => {
                write!(f, "Group `{group}` is at its {} share of spend ({:.0} %).", bound.word(), share * 100.0)
            }
            Binding::ShareTargetMissed { group, share, target, penalty, currency } => write!(
                f,
                "Group `{group}` spends {:.1} % of the spend against a target of {:.0} % (penalty {}): closing the gap would cost more than the penalty or need capacity that serves nothing, which is never bought for a target.",
                share * 100.0,
                target * 100.0,
                money(*penalty, currency)
            ),
            Binding::SitePowerUsed { site, quarters, available_mw, built_mw } => {
                write!(f, "Site `{site}` uses all its power in {quarters} ({} MW available", mw(*available_mw))?;
                if *built_mw > 0.0 {
                    write!(f, ", {} MW of it built in the horizon", mw(*built_mw))?;
                }
                write!(f, ").")
            }
            Binding::SiteCannotBuild { site, lead_time_quarters } => write!(
                f,
                "Site `{site}` cannot build new power within the horizon (lead time {lead_time_quarters} quarters)."
            ),
            Binding::SupplyAtCap { option, cap, quarters } => {
                write!(f, "Supply of `{option}` is at its cap ({cap:.0} accelerators per quarter) in {quarters}.")
            }
            Binding::ExportBlocked { option, site, from, until, verdict, rule, licences_assumed } => write!(
                f,
                "`{option}` at `{site}` is not used {}: {verdict} under rule `{rule}`{}.",
                match until {
                    Some(last) if last == from => format!("in {from}"),
                    Some(last) => format!("in {from}–{last}"),
                    None => format!("from {from}"),
                },
                if *licences_assumed { "" } else { " (licences are not assumed)" }
            ),
            Binding::TrainingImpossible { run, reason } => write!(f, "Training run `{run}`: {reason}."),
        }
    }
}

/// A small relaxation of a binding constraint tried in an LP re-solve.
#[derive(Debug, Clone, PartialEq)]
pub enum Relax {
    /// One more MW at a site.
    OneMoreMw {
        /// Site id.
        site: String,
    },
    /// More budget (spread over the quarter caps, if any).
    MoreBudget {
        /// Added, `currency`.
        amount: f64,
        /// Scenario currency.
        currency: String,
    },
    /// More in one quarter's budget cap.
    MoreQuarterCap {
        /// Added, `currency`.
        amount: f64,
        /// The quarter.
        quarter: Quarter,
        /// Scenario currency.
        currency: String,
    },
    /// 10 % more supply of an option.
    MoreSupply {
        /// Option name.
        option: String,
    },
    /// A share group's bounds 1 point looser.
    LooserShares {
        /// Group name.
        group: String,
    },
}

impl fmt::Display for Relax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Relax::OneMoreMw { site } => write!(f, "1 more MW at `{site}`"),
            Relax::MoreBudget { amount, currency } => write!(f, "Another {}", money(*amount, currency)),
            Relax::MoreQuarterCap { amount, quarter, currency } => {
                write!(f, "{} more in {quarter}'s budget cap", money(*amount, currency))
            }
            Relax::MoreSupply { option } => write!(f, "10 % more supply of `{option}`"),
            Relax::LooserShares { group } => write!(f, "Loosening the `{group}` share bounds by 1 point"),
        }
    }
}

/// What a relaxation gains under the plan's objective.
#[derive(Debug, Clone, PartialEq)]
pub enum Gain {
    /// Min-TCO: no saving (within 1e-6 of the cost).
    NoSaving,
    /// Min-TCO: a saving.
    Saving {
        /// Over the horizon, `currency`.
        horizon: f64,
        /// Per year, `currency`.
        per_year: f64,
        /// Scenario currency.
        currency: String,
    },
    /// Max-served: more weighted peak demand served.
    MoreServed {
        /// Points (percent) of the weighted peak demand.
        points: f64,
        /// The workload that gains most, and its gain in points of its peak.
        top: Option<(String, f64)>,
    },
    /// Max-training: more training compute.
    MoreTraining {
        /// Added compute, FLOP (peak dense).
        flop: f64,
    },
}

/// The marginal value of relaxing a binding constraint (an LP re-solve).
#[derive(Debug, Clone, PartialEq)]
pub struct Marginal {
    /// The relaxation tried.
    pub relax: Relax,
    /// What it gains.
    pub gain: Gain,
}

impl fmt::Display for Marginal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let relax = &self.relax;
        match &self.gain {
            Gain::NoSaving => write!(f, "{relax} would not lower the cost."),
            Gain::Saving { horizon, per_year, currency } => write!(
                f,
                "{relax} would save {} over the horizon ({} per year).",
                money(*horizon, currency),
                money(*per_year, currency)
            ),
            Gain::MoreServed { points, top } => {
                write!(f, "{relax} would serve {points:.2} % more of the weighted peak demand")?;
                if let Some((workload, gain)) = top {
                    write!(f, " ({workload}: +{gain:.2} % of its peak)")?;
                }
                write!(f, ".")
            }
            Gain::MoreTraining { flop } => {
                write!(f, "{relax} would add {:.3} ZFLOP of training compute.", flop / 1e21)
            }
        }
    }
}

/// Why demand could not be served, for [`Relaxation::DemandShort`].
#[derive(Debug, Clone, PartialEq)]
pub enum ShortfallCause {
    /// No chip on offer meets the workload's SLO (the performance engine's words per chip).
    NoChipMeetsSlo {
        /// Why each chip misses it.
        misses: Vec<String>,
    },
    /// Not enough procurable capacity may serve these users.
    NotEnoughCapacity,
}

/// One change of the smallest relaxation that makes an infeasible scenario feasible.
#[derive(Debug, Clone, PartialEq)]
pub enum Relaxation {
    /// Raise the budget total.
    RaiseBudget {
        /// By, `currency`.
        by: f64,
        /// To, `currency`.
        to: f64,
        /// Scenario currency.
        currency: String,
    },
    /// Raise a quarter's budget cap.
    RaiseQuarterCap {
        /// The quarter.
        quarter: Quarter,
        /// By, `currency`.
        by: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A calendar year's budget cap is too low.
    RaiseYearCap {
        /// The year.
        year: i32,
        /// By, `currency`.
        by: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A share group cannot keep within a bound.
    GroupShare {
        /// Group name.
        group: String,
        /// Which bound.
        bound: ShareBound,
        /// Spend short of the minimum or over the maximum, `currency`.
        amount: f64,
        /// The bound, fraction of spend.
        share: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A site needs more IT power.
    MorePower {
        /// Site id.
        site: String,
        /// MW more.
        mw: f64,
        /// The site's available MW.
        available_mw: f64,
        /// The site's buildable MW.
        buildable_mw: f64,
        /// Lead time in quarters when it ends after the horizon.
        lead_time_beyond_horizon: Option<usize>,
    },
    /// An option needs more supply in a quarter.
    MoreSupply {
        /// Option name.
        option: String,
        /// Accelerators more.
        accelerators: f64,
        /// The quarter.
        quarter: Quarter,
    },
    /// A workload's users in a zone can be served only in part.
    DemandShort {
        /// Workload id.
        workload: String,
        /// User regions of the zone.
        regions: Vec<String>,
        /// Largest shortfall, fraction of the peak.
        shortfall: f64,
        /// Quarters short (first to last).
        quarters: QuarterSpan,
        /// Why.
        cause: ShortfallCause,
    },
    /// A training run cannot be placed.
    TrainingUnplaced {
        /// Workload id of the run.
        run: String,
    },
    /// The elastic model found nothing to relax (a bug).
    NoneFound,
}

impl fmt::Display for Relaxation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Relaxation::RaiseBudget { by, to, currency } => {
                write!(f, "raise budget.total by {} (to {})", money(*by, currency), money(*to, currency))
            }
            Relaxation::RaiseQuarterCap { quarter, by, currency } => {
                write!(f, "raise the {quarter} entry of budget.per_quarter by {}", money(*by, currency))
            }
            Relaxation::RaiseYearCap { year, by, currency } => {
                write!(f, "raise budget.per_year.{year} by {}", money(*by, currency))
            }
            Relaxation::GroupShare { group, bound, amount, share, currency } => {
                let amount = money(*amount, currency);
                let (change, remedy) = match bound {
                    ShareBound::Min => {
                        (format!("falls {amount} short of"), "lower its min, or add options at its sites")
                    }
                    ShareBound::Max => (format!("spends {amount} over"), "raise its max, or add options elsewhere"),
                };
                write!(f, "group `{group}` {change} its {:.0} % {} share: {remedy}", share * 100.0, bound.word())
            }
            Relaxation::MorePower { site, mw: more, available_mw, buildable_mw, lead_time_beyond_horizon } => {
                write!(
                    f,
                    "site `{site}` needs {} MW more IT power (available_mw {}, buildable_mw {}",
                    mw(*more),
                    mw(*available_mw),
                    mw(*buildable_mw)
                )?;
                if let Some(quarters) = lead_time_beyond_horizon {
                    write!(f, ", but new MW needs {quarters} quarters of lead time, more than the horizon")?;
                }
                write!(f, ")")
            }
            Relaxation::MoreSupply { option, accelerators, quarter } => write!(
                f,
                "option `{option}` needs {accelerators:.0} more accelerators of supply in {quarter} (max_per_quarter)"
            ),
            Relaxation::DemandShort { workload, regions, shortfall, quarters, cause } => {
                write!(
                    f,
                    "workload `{workload}` ({} users) can be served only {:.1} % of its peak in {quarters}",
                    regions.join(", "),
                    (1.0 - shortfall).max(0.0) * 100.0
                )?;
                match cause {
                    ShortfallCause::NoChipMeetsSlo { misses } => write!(
                        f,
                        ": no chip on offer meets its SLO ({}); relax the target, or offer faster chips",
                        misses.join("; ")
                    ),
                    ShortfallCause::NotEnoughCapacity => write!(
                        f,
                        ": add options that may serve these users at its SLO, relax the SLO, allow cross_border, or set unserved_penalty"
                    ),
                }
            }
            Relaxation::TrainingUnplaced { run } => write!(
                f,
                "training run `{run}` cannot be placed at one site by its deadline: add chips that run it, more power or budget, or move the deadline"
            ),
            Relaxation::NoneFound => {
                write!(f, "no single constraint could be relaxed to make the scenario feasible (please report this)")
            }
        }
    }
}

/// A change to the model after the evaluator found the rounded plan in violation.
#[derive(Debug, Clone, PartialEq)]
pub enum Repair {
    /// The rounded plan is over the budget: the budget was cut.
    OverBudget {
        /// The evaluator's price of the rounded plan, `currency`.
        priced: f64,
        /// Budget cut, `currency`.
        cut: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A quarter's spend is over its cap: the cap was cut.
    QuarterOverCap {
        /// The quarter.
        quarter: Quarter,
        /// Cap cut, `currency`.
        cut: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A calendar year's spend is over its cap (`[budget] per_year`): the cap was cut.
    YearOverCap {
        /// The year.
        year: i32,
        /// Cap cut, `currency`.
        cut: f64,
        /// Scenario currency.
        currency: String,
    },
    /// A site draws more power once rounded: its power was cut.
    SitePower {
        /// Site id.
        site: String,
        /// Cut, MW.
        cut_mw: f64,
    },
    /// A group is off its share bounds once rounded: the bounds were tightened.
    GroupShares {
        /// Group name.
        group: String,
        /// Tightening, points.
        points: f64,
    },
    /// The evaluator serves less than the model assigns: demand was raised.
    DemandRaised {
        /// Workload ids and the largest factor their demand was raised by.
        workloads: Vec<(String, f64)>,
    },
    /// The tightened model has no feasible plan; the last plan is kept.
    NoFeasiblePlan,
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Repair::OverBudget { priced, cut, currency } => write!(
                f,
                "the evaluator prices the rounded plan at {} (over the budget); re-solved with {} less budget",
                money(*priced, currency),
                money(*cut, currency)
            ),
            Repair::QuarterOverCap { quarter, cut, currency } => {
                write!(f, "{quarter} spend over its cap; re-solved with the cap {} lower", money(*cut, currency))
            }
            Repair::YearOverCap { year, cut, currency } => {
                write!(f, "{year} spend over its cap; re-solved with the cap {} lower", money(*cut, currency))
            }
            Repair::SitePower { site, cut_mw } => {
                write!(f, "`{site}` draws more power once rounded; re-solved with {cut_mw:.2} MW less there")
            }
            Repair::GroupShares { group, points } => write!(
                f,
                "group `{group}` is off its share bounds once rounded; re-solved with bounds {points:.1} points tighter"
            ),
            Repair::DemandRaised { workloads } => write!(
                f,
                "the evaluator splits pools in proportion to capacity and serves less than the model assigns; re-solved with demand raised for {}",
                workloads
                    .iter()
                    .map(|(w, factor)| format!("`{w}` (up to +{:.1} %)", (factor - 1.0) * 100.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Repair::NoFeasiblePlan => write!(
                f,
                "tightening the model to fix the evaluator's findings left no feasible plan; the last plan is kept"
            ),
        }
    }
}

/// A repair and the round (from 1) it was made in.
#[derive(Debug, Clone, PartialEq)]
pub struct RepairNote {
    /// Repair round, from 1.
    pub round: usize,
    /// What was changed.
    pub repair: Repair,
}

impl fmt::Display for RepairNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "round {}: {}", self.round, self.repair)
    }
}
