//! Result types of a fleet evaluation. Money is in the scenario currency unless a name says
//! `usd`; rates are per second; power in MW.

use fleetplan_core::catalog::{ChipId, RegionId};
use fleetplan_core::policy::VerdictKind;
use fleetplan_core::scenario::{Mode, Quarter, SiteId};
use fleetplan_models::cost::HoldingCost;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::rating::{Rate, RateLayout, RateProblem, TrainingEval, UnitCost};

/// Everything [`super::evaluate`] finds out about a fixed fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Scenario name.
    pub scenario: String,
    /// Scenario currency (ISO 4217); money fields are in it.
    pub currency: String,
    /// Units of the currency per USD used for every conversion.
    pub currency_per_usd: f64,
    /// Which end of the rates' 80 % prediction intervals sized serving capacity (`low`: the
    /// conservative end, scenario `[performance] capacity`).
    pub capacity: fleetplan_core::scenario::CapacityBasis,
    /// Fleet-wide figures per quarter.
    pub quarters: Vec<QuarterSummary>,
    /// Every holding with its cost and export-control status.
    pub holdings: Vec<HoldingEval>,
    /// Accelerators and power per site and quarter.
    pub sites: Vec<SiteQuarter>,
    /// Demand, capacity, coverage and cost per serving workload and quarter.
    pub workloads: Vec<WorkloadQuarter>,
    /// Training runs: where they run, how many chips, when they finish.
    pub training: Vec<TrainingEval>,
    /// Per-chip throughput of each (workload, chip) pair at the workload's SLO.
    pub rates: Vec<Rate>,
    /// Cost per token / item at full load by workload, chip and site.
    pub unit_costs: Vec<UnitCost>,
    /// Spend against the budget.
    pub spend: SpendReport,
    /// Cash spend per calendar year of the horizon (year → scenario currency; the quarters of
    /// the year inside the horizon), as `fleetplan optimize` reports it; checked against
    /// `[budget] per_year`.
    pub spend_by_year: BTreeMap<String, f64>,
    /// Total cost of ownership and carbon per calendar year of the horizon.
    pub yearly: Vec<YearTco>,
    /// Every violated constraint, with what would fix it.
    pub violations: Vec<Violation>,
    /// Accelerators idle at the peak hour per (site, chip) pool and quarter, with their cost.
    pub idle: Vec<PoolIdle>,
    /// Findings that break no constraint but cost money (kind `idle`: a pool more than 20 %
    /// idle in a quarter), with what would fix them.
    pub advisories: Vec<Violation>,
}

impl Evaluation {
    /// Output tokens per day the fleet can serve at the SLOs in the last quarter (sum over chat
    /// workloads of allocated capacity × 86,400 s).
    pub fn chat_capacity_tokens_per_day(&self) -> f64 {
        let Some(last) = self.quarters.last() else { return 0.0 };
        self.workloads
            .iter()
            .filter(|w| w.kind == "chat" && w.quarter == last.quarter)
            .map(|w| w.capacity_per_s * fleetplan_core::scenario::SECONDS_PER_DAY)
            .sum()
    }

    /// Fraction of the fleet's accelerators idle at the peak hour, one per quarter of the
    /// horizon (0 for a quarter without accelerators).
    pub fn idle_share_by_quarter(&self) -> Vec<f64> {
        self.quarters.iter().map(|q| q.idle_share).collect()
    }
}

/// Fleet-wide figures of one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterSummary {
    /// Quarter.
    pub quarter: Quarter,
    /// Accelerators in service.
    pub accelerators: u64,
    /// Accelerators neither training nor needed for serving at the peak hour.
    pub idle_accelerators: u64,
    /// `idle_accelerators` / `accelerators`, fraction 0–1 (0 without accelerators).
    pub idle_share: f64,
    /// Cost of the idle accelerators in the quarter (their share of their pools' TCO).
    pub idle_cost: f64,
    /// Nameplate IT load of the fleet, MW.
    pub it_mw: f64,
    /// IT power built at the fleet's sites, MW.
    pub available_mw: f64,
    /// Spend in the quarter.
    pub spend: f64,
}

/// Export-control answer for one holding in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterVerdict {
    /// Quarter judged.
    pub quarter: Quarter,
    /// Allowed, licence required or prohibited.
    pub verdict: VerdictKind,
    /// Deciding rule id.
    pub rule: Option<String>,
    /// Citation of the deciding rule.
    pub citation: Option<String>,
    /// Why.
    pub reason: String,
}

/// One `[[fleet]]` holding, priced and judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldingEval {
    /// Position in the scenario's fleet list.
    pub index: usize,
    /// Readable label.
    pub label: String,
    /// Accelerator id.
    pub chip: String,
    /// System id (named, or the catalog default used for host cost and power).
    pub system: Option<String>,
    /// Site id.
    pub site: String,
    /// Region id of the site.
    pub region: String,
    /// Accelerators.
    pub accelerators: u64,
    /// Owned or leased.
    pub mode: Mode,
    /// First quarter in service.
    pub from: Quarter,
    /// Last quarter in service.
    pub until: Quarter,
    /// Scale-out fabric id.
    pub fabric: String,
    /// TCO per accelerator-hour, USD.
    pub usd_per_accelerator_hour: f64,
    /// Cost breakdown, USD.
    pub cost: HoldingCost,
    /// Export-control status per quarter in service within the horizon.
    pub compliance: Vec<QuarterVerdict>,
}

impl HoldingEval {
    /// The most restrictive verdict over the horizon, with its entry.
    pub fn worst(&self) -> Option<&QuarterVerdict> {
        self.compliance.iter().max_by_key(|v| (v.verdict, std::cmp::Reverse(v.quarter)))
    }
}

/// Accelerators and power of one site in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteQuarter {
    /// Site id.
    pub site: String,
    /// Region id.
    pub region: String,
    /// Quarter.
    pub quarter: Quarter,
    /// Accelerators in service.
    pub accelerators: u64,
    /// Accelerators in service by chip id.
    pub accelerators_by_chip: BTreeMap<String, u64>,
    /// Nameplate IT load, MW.
    pub it_mw: f64,
    /// IT power built by this quarter (initial + built so far), MW.
    pub available_mw: f64,
    /// IT power built in this quarter, MW.
    pub built_mw: f64,
    /// Cash paid in this quarter for data-centre builds at the site, scenario currency: the
    /// builds the evaluator adds, paid evenly during construction (the lead-time quarters before
    /// they come online), and the committed builds' capex (`[[site.build]]`).
    pub build_capex: f64,
}

/// Coverage of one user region's demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionCoverage {
    /// Region id of the users.
    pub region: String,
    /// Demand in the busiest hour, workload unit per second.
    pub demand_peak_per_s: f64,
    /// Mean demand, workload unit per second.
    pub demand_mean_per_s: f64,
    /// Capacity allocated to these users, workload unit per second.
    pub capacity_per_s: f64,
    /// Served / demanded in the busiest hour.
    pub coverage_peak: f64,
    /// Served / demanded over the day (hour by hour with the profile).
    pub coverage_daily: f64,
}

/// One serving workload in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadQuarter {
    /// Workload id.
    pub workload: String,
    /// chat, image or video.
    pub kind: String,
    /// Quarter.
    pub quarter: Quarter,
    /// Unit of the rates ("output tokens/s", "images/s", "clips/s").
    pub unit: String,
    /// Demand in the busiest hour (sum over regions).
    pub demand_peak_per_s: f64,
    /// Mean demand.
    pub demand_mean_per_s: f64,
    /// Capacity allocated at the SLO.
    pub capacity_per_s: f64,
    /// Mean served rate over the day.
    pub served_mean_per_s: f64,
    /// Served per day (output tokens, images or clips).
    pub served_per_day: f64,
    /// Served / demanded in the busiest hour.
    pub coverage_peak: f64,
    /// Served / demanded over the day.
    pub coverage_daily: f64,
    /// (Allocated capacity + capacity of idle eligible chips) / peak demand − 1.
    pub headroom: f64,
    /// Accelerators allocated.
    pub accelerators: f64,
    /// Accelerators of `best_chip` that would close the peak shortfall.
    pub extra_chips_needed: f64,
    /// The chip with the highest per-chip rate for this workload among those held.
    pub best_chip: Option<String>,
    /// Chat: cost per million output tokens served.
    pub cost_per_million_output_tokens: Option<f64>,
    /// Chat: cost per million input tokens served.
    pub cost_per_million_input_tokens: Option<f64>,
    /// Image, video: cost per item.
    pub cost_per_item: Option<f64>,
    /// Video: cost per second of video.
    pub cost_per_video_second: Option<f64>,
    /// Cost per day of the accelerators allocated to this workload (scenario currency): what the
    /// costs per unit above divide.
    pub cost_per_day: f64,
    /// Chat: the workload's price per million output tokens (scenario currency), when it has one.
    pub price_per_million_output_tokens: Option<f64>,
    /// Chat: the workload's price per million input tokens, when it has one.
    pub price_per_million_input_tokens: Option<f64>,
    /// Image, video: the workload's price per item, when it has one.
    pub price_per_item: Option<f64>,
    /// Revenue per day of what is served at the workload's prices (every input token at the
    /// input price, cached or not), when it has a price.
    pub revenue_per_day: Option<f64>,
    /// Revenue − cost per day, when the workload has a price.
    pub margin_per_day: Option<f64>,
    /// Coverage by user region.
    pub regions: Vec<RegionCoverage>,
    /// The serving LP's split: accelerators of each (site, chip) pool devoted to this workload's
    /// demand from each user region (regions in demand order, then site, then chip).
    pub allocation: Vec<PoolAllocation>,
}

/// Accelerators of one (site, chip) pool that the serving allocation devotes to one workload's
/// demand from one user region in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolAllocation {
    /// Region of the users served.
    pub user_region: RegionId,
    /// Site of the pool.
    pub site: SiteId,
    /// Accelerator of the pool.
    pub chip: ChipId,
    /// Accelerators allocated (fractional: the LP's share of the pool at the peak hour).
    pub accelerators: f64,
}

/// Accelerators of one (site, chip) pool at one quarter's peak hour: reserved for training,
/// allocated to serving, or idle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolIdle {
    /// Site id.
    pub site: String,
    /// Chip id.
    pub chip: String,
    /// Quarter.
    pub quarter: Quarter,
    /// Accelerators in service.
    pub accelerators: u64,
    /// Accelerators reserved by training runs.
    pub training_accelerators: u64,
    /// Accelerators the serving split allocates at the peak hour (fractional).
    pub serving_accelerators: f64,
    /// Accelerators neither training nor serving at the peak hour (whole chips).
    pub idle_accelerators: u64,
    /// `idle_accelerators` / `accelerators`, fraction 0–1.
    pub idle_share: f64,
    /// What the idle accelerators cost in the quarter: their share of the pool's TCO (scenario
    /// currency).
    pub idle_cost: f64,
}

/// Kinds of violated constraints (and of advisories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// A holding is not allowed under export controls.
    ExportControl,
    /// Demand is not served.
    Demand,
    /// A latency target cannot be met on a chip.
    Latency,
    /// A training run misses its deadline.
    Training,
    /// A site lacks power.
    Power,
    /// Total or per-quarter budget exceeded.
    Budget,
    /// A budget group share is out of bounds.
    BudgetShare,
    /// A price is missing.
    MissingPrice,
    /// Holdings added in a quarter exceed the supply cap of the options that offer them.
    Supply,
    /// Advisory: a (site, chip) pool is more than 20 % idle at a quarter's peak hour.
    Idle,
}

impl ViolationKind {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::ExportControl => "export-control",
            ViolationKind::Demand => "demand",
            ViolationKind::Latency => "latency",
            ViolationKind::Training => "training",
            ViolationKind::Power => "power",
            ViolationKind::Budget => "budget",
            ViolationKind::BudgetShare => "budget-share",
            ViolationKind::MissingPrice => "missing-price",
            ViolationKind::Supply => "supply",
            ViolationKind::Idle => "idle",
        }
    }
}

/// A violated constraint and what would fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// What kind of constraint.
    pub kind: ViolationKind,
    /// What it concerns (holding, site, workload, budget field).
    pub subject: String,
    /// Quarter, when it is quarter-specific.
    pub quarter: Option<Quarter>,
    /// What is wrong, with the numbers.
    pub message: String,
    /// What would fix it.
    pub fix: String,
}

/// Spend of one quarter by category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendLine {
    /// Quarter.
    pub quarter: Quarter,
    /// Accelerator capex.
    pub accelerators: f64,
    /// Server capex.
    pub servers: f64,
    /// Network capex.
    pub network: f64,
    /// Storage capex.
    pub storage: f64,
    /// Data-center build capex.
    pub buildings: f64,
    /// Electricity.
    pub electricity: f64,
    /// Maintenance.
    pub maintenance: f64,
    /// Lease payments.
    pub leases: f64,
}

impl SpendLine {
    /// A quarter with nothing spent yet.
    pub fn new(quarter: Quarter) -> SpendLine {
        SpendLine {
            quarter,
            accelerators: 0.0,
            servers: 0.0,
            network: 0.0,
            storage: 0.0,
            buildings: 0.0,
            electricity: 0.0,
            maintenance: 0.0,
            leases: 0.0,
        }
    }

    /// Category names and amounts, in display order.
    pub fn categories(&self) -> [(&'static str, f64); 8] {
        [
            ("accelerators", self.accelerators),
            ("servers", self.servers),
            ("network", self.network),
            ("storage", self.storage),
            ("buildings", self.buildings),
            ("electricity", self.electricity),
            ("maintenance", self.maintenance),
            ("leases", self.leases),
        ]
    }

    /// Total of the quarter.
    pub fn total(&self) -> f64 {
        self.categories().iter().map(|c| c.1).sum()
    }
}

/// Spend at one site over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteSpend {
    /// Site id.
    pub site: String,
    /// Amount.
    pub amount: f64,
}

/// Spend of a budget group against its bounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSpend {
    /// Group name.
    pub group: String,
    /// Amount spent at its sites.
    pub amount: f64,
    /// Share of total spend.
    pub share: f64,
    /// Lower bound, fraction.
    pub min: f64,
    /// Upper bound, fraction.
    pub max: f64,
    /// Soft target share, fraction (reported against, never a violation).
    pub target: Option<f64>,
    /// Within bounds.
    pub ok: bool,
}

/// Spend over the horizon: capex of purchases in the horizon, data-center builds, and opex
/// (electricity, maintenance, leases) while in service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendReport {
    /// Total spend.
    pub total: f64,
    /// Budget total.
    pub budget: f64,
    /// Per quarter by category.
    pub by_quarter: Vec<SpendLine>,
    /// Per site.
    pub by_site: Vec<SiteSpend>,
    /// Per budget group.
    pub groups: Vec<GroupSpend>,
}

impl SpendReport {
    /// Totals per category over the horizon.
    pub fn by_category(&self) -> Vec<(&'static str, f64)> {
        let mut out: Vec<(&'static str, f64)> = SpendLine::new(Quarter { year: 0, q: 1 }).categories().to_vec();
        for q in &self.by_quarter {
            for (slot, (_, v)) in out.iter_mut().zip(q.categories()) {
                slot.1 += v;
            }
        }
        out
    }
}

/// Total cost of ownership of one calendar year (the quarters of it inside the horizon).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct YearTco {
    /// Calendar year.
    pub year: i32,
    /// Quarters of the year inside the horizon.
    pub quarters: u32,
    /// Straight-line depreciation (incl. the facility charge of owned IT load).
    pub depreciation: f64,
    /// Electricity.
    pub electricity: f64,
    /// Maintenance.
    pub maintenance: f64,
    /// Leases.
    pub leases: f64,
    /// Data-center build capex (cash, not in `tco`).
    pub build_capex: f64,
    /// Energy at the meter, MWh.
    pub energy_mwh: f64,
    /// Emissions, tonnes CO2e.
    pub tco2: f64,
}

impl YearTco {
    /// Depreciation + electricity + maintenance + leases.
    pub fn tco(&self) -> f64 {
        self.depreciation + self.electricity + self.maintenance + self.leases
    }
}
