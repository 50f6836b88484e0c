//! Scenario files: what a buyer wants to plan or evaluate (budget, horizon, sites, procurement
//! options, workloads, policy settings, objective, optionally a fixed fleet).
//!
//! [`validate`] turns the text of a scenario file into a resolved [`Scenario`] in three passes,
//! collecting every problem as a [`Diagnostic`] with the byte span of the offending value:
//!
//! 1. syntax, types and unknown fields ([`parse_file`], each section and entry on its own);
//! 2. semantics (positive budgets, shares, horizon, profiles, references between sections);
//! 3. catalog (chip, system, model, region and rule ids, model kinds), with did-you-mean.
//!
//! Passes 2 and 3 run together, so a file with a negative budget and an unknown chip gets both
//! errors at once. Validation resolves every id into a typed handle, so nothing below this
//! module holds an unknown id.
//!
//! Where things live:
//! - this file: [`validate`], [`json_schema`] and the resolved types ([`Scenario`], [`Site`],
//!   [`ProcurementOption`], [`Workload`], [`Holding`], …);
//! - [`file`](mod@file): the file format as written ([`file::ScenarioFile`], documented in
//!   docs/scenario.md; JSON Schema via [`json_schema`]); `parse`: pass 1;
//! - `check/`: passes 2 and 3, one file per section (`header`, `sites`, `budget`, `options`,
//!   `hardware`, `workloads/{chat,generation,training,serving,model,fields}`, `policy`, `fleet`,
//!   `objective`), orchestrated by `check/mod.rs`;
//! - `ids`: the scenario-local handles [`SiteId`] and [`WorkloadId`] (`&scenario[&site_id]`);
//!   the catalog handles live in [`crate::catalog`];
//! - `request`: a chat workload's output spread and decoding ([`RequestOptions`]) and the one
//!   home of their valid ranges;
//! - [`limits`]: the one home of the largest value each numeric field accepts;
//! - [`Quarter`] and [`Spanned`]: calendar quarters and values with their byte spans.

mod check;
pub mod file;
mod ids;
pub mod limits;
mod parse;
mod quarter;
pub mod request;
mod spanned;

pub use check::{MAX_QUARTERS, ObjectiveProblem};
pub use file::{CapacityBasis, Mode, ObjectiveKind, ScenarioFile, WorkloadKind};
pub use ids::{SiteId, WorkloadId};
pub use parse::parse_file;
pub use quarter::Quarter;
pub use request::{MAX_BEAMS, MAX_DRAFT_TOKENS, MAX_OUTPUT_TOKENS_CV, RequestOptions, RequestSettingProblem};
pub use spanned::Spanned;

/// Default discount rate per year of the planner's capital charge (assumption: a large
/// technology buyer's cost of capital, about 8 %; docs/planner.md).
pub const DEFAULT_DISCOUNT_RATE_PER_YEAR: f64 = 0.08;

use crate::catalog::{Catalog, ChipId, DiffusionId, EngineId, LlmId, RegionId, SystemId};
use crate::diagnostic::Diagnostic;
use crate::policy::PolicyOptions;
use crate::units::{Date, Precision};
use serde::Serialize;
use std::collections::BTreeMap;

/// Seconds per day, for turning daily demand into rates.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Parse and validate a scenario file against `catalog`. `source_name` is how diagnostics name
/// the input (usually the path as the user gave it). Returns every problem found, sorted by
/// position, when the file is not valid.
pub fn validate(source_name: &str, text: &str, catalog: &Catalog) -> Result<Scenario, Vec<Diagnostic>> {
    let file = parse_file(source_name, text)?;
    check::check(source_name, text, &file, catalog)
}

/// The JSON Schema of scenario files, pretty-printed (what `fleetplan schema` prints and
/// docs/scenario.schema.json holds).
pub fn json_schema() -> String {
    let mut s = serde_json::to_string_pretty(&parse::schema_value()).unwrap_or_default();
    s.push('\n');
    s
}

/// Sort diagnostics by position, then message, so output is deterministic.
pub(crate) fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let ka = a.span.as_ref().map_or((usize::MAX, usize::MAX), |s| (s.start, s.end));
        let kb = b.span.as_ref().map_or((usize::MAX, usize::MAX), |s| (s.start, s.end));
        ka.cmp(&kb).then_with(|| a.message.cmp(&b.message))
    });
}

/// A validated scenario: every id resolved into a typed handle (catalog entries: [`ChipId`],
/// [`SystemId`], [`LlmId`], [`DiffusionId`], [`RegionId`]; its own sites and workloads:
/// [`SiteId`], [`WorkloadId`]), defaults filled in, amounts in the units their names say. This is
/// what the evaluator and the planner consume; no lookup by a handle it holds can fail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// Description, if given.
    pub description: Option<String>,
    /// ISO 4217 code of the scenario currency (budgets are in it).
    pub currency: String,
    /// Units of the scenario currency per US dollar (1 for USD).
    pub currency_per_usd: f64,
    /// First quarter of the horizon.
    pub start: Quarter,
    /// Length of the horizon, quarters (≥ 1).
    pub quarters: u32,
    /// The buyer.
    pub buyer: Buyer,
    /// Spending limits.
    pub budget: Budget,
    /// Candidate sites, in file order.
    pub sites: Vec<Site>,
    /// Procurement options, in file order.
    pub options: Vec<ProcurementOption>,
    /// Workloads, in file order.
    pub workloads: Vec<Workload>,
    /// Export-control settings.
    pub policy: ScenarioPolicy,
    /// What the planner optimises.
    pub objective: ObjectiveKind,
    /// Discount rate per year of the planner's capital charge (`[objective] discount_rate`),
    /// fraction.
    pub discount_rate_per_year: f64,
    /// Which end of the serving rates' prediction intervals sizes capacity.
    pub capacity: CapacityBasis,
    /// Fixed holdings (empty when the scenario asks for a plan).
    pub fleet: Vec<Holding>,
    /// The resolved `[uncertainty]` section, when given (sweeps and robust plans read it through
    /// [`crate::uncertainty::UncertaintyModel::from_scenario`]; evaluate and optimize ignore it).
    pub uncertainty: Option<crate::uncertainty::UncertaintySpec>,
}

impl Scenario {
    /// The quarters of the horizon, in order.
    pub fn horizon(&self) -> Vec<Quarter> {
        (0..i64::from(self.quarters)).map(|i| self.start.offset(i)).collect()
    }

    /// Last quarter of the horizon.
    pub fn end(&self) -> Quarter {
        self.start.offset(i64::from(self.quarters) - 1)
    }

    /// Convert an amount in the scenario currency to US dollars.
    pub fn to_usd(&self, amount: f64) -> f64 {
        amount / self.currency_per_usd
    }

    /// Site by id string, for ids that did not come through validation (e.g. typed by a user);
    /// with a [`SiteId`], index instead: `&scenario[&site_id]`.
    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }
}

/// The organisation that buys or leases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Buyer {
    /// Name.
    pub name: String,
    /// ISO 3166 alpha-2 code of the headquarters country.
    pub headquarters: String,
    /// Attributes export-control rules select by (each known to some catalog rule).
    pub attributes: Vec<String>,
}

/// Spending limits, in the scenario currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    /// Total over the horizon (> 0), scenario currency.
    pub total: f64,
    /// Cap per quarter, one per quarter of the horizon, scenario currency.
    pub per_quarter: Option<Vec<f64>>,
    /// Cap per calendar year of the horizon (only the years given), scenario currency.
    pub per_year: BTreeMap<i32, f64>,
    /// Share bounds by group of sites.
    pub shares: Vec<BudgetShare>,
}

/// Bounds on the fraction of the total budget spent at a group of sites.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetShare {
    /// Group name, e.g. "overseas".
    pub group: String,
    /// Sites in the group (regions already expanded to their sites), sorted by id.
    pub sites: Vec<SiteId>,
    /// Smallest share, fraction 0–1.
    pub min: f64,
    /// Largest share, fraction 0–1.
    pub max: f64,
    /// Soft target share, fraction 0–1 (missing it is penalised, not infeasible).
    pub target: Option<f64>,
    /// Penalty per percentage point (of the budget total) missed of `target`, scenario currency.
    pub penalty_per_point: f64,
}

/// A candidate data-center site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// Unique id.
    pub id: String,
    /// Catalog region.
    pub region: RegionId,
    /// IT power built at the start of the horizon, MW.
    pub available_mw: f64,
    /// IT power that may be added during the horizon, MW.
    pub buildable_mw: f64,
    /// Electricity price override, USD per kWh.
    pub power_usd_per_kwh: Option<f64>,
    /// PUE override.
    pub pue: Option<f64>,
    /// Committed builds (announced campuses), in file order.
    pub builds: Vec<CommittedBuild>,
}

/// IT power committed before the plan: online from a quarter whatever the plan does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommittedBuild {
    /// IT MW added.
    pub mw: f64,
    /// First quarter online.
    pub online: Quarter,
    /// Capex still to pay, scenario currency (spent evenly over the region's lead time before
    /// `online`), when given.
    pub capex: Option<f64>,
}

/// What is bought or leased: a chip, possibly packaged in a catalog system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hardware {
    /// Catalog accelerator (for a system: the accelerator inside).
    pub chip: ChipId,
    /// Catalog system, when the option names a system.
    pub system: Option<SystemId>,
    /// Accelerators per unit counted in the file (1 for a chip, the system's count for a system).
    pub accelerators_per_unit: u32,
}

impl Hardware {
    /// The id as the user wrote it (system id if any, else chip id).
    pub fn id(&self) -> &str {
        self.system.as_ref().map_or(self.chip.as_str(), SystemId::as_str)
    }
}

/// Hardware that may be bought or leased at some sites.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcurementOption {
    /// Label (given, or built from hardware, mode and sites).
    pub name: String,
    /// What is procured.
    pub hardware: Hardware,
    /// Sites where it may be placed, in the order written.
    pub sites: Vec<SiteId>,
    /// Buy or lease.
    pub mode: Mode,
    /// Purchase price override, USD per unit (accelerator or system).
    pub price_usd: Option<f64>,
    /// Lease price override, USD per accelerator-hour.
    pub lease_usd_per_hour: Option<f64>,
    /// Supply cap, units (accelerators, or systems) added per quarter.
    pub max_per_quarter: Option<u64>,
    /// First quarter the option can be used: the later of `available_from` as written (default:
    /// the horizon start) and the chip's catalog `available` quarter.
    pub available_from: Quarter,
}

/// One source of demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    /// Unique id.
    pub id: String,
    /// Readable name.
    pub name: String,
    /// What the workload is.
    pub spec: WorkloadSpec,
    /// The chat workload of the file this one was expanded from, when it gives a `mix` of
    /// models (this workload is one model of the mix; its id is `WORKLOAD/MODEL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mix: Option<MixShare>,
}

/// Where a workload expanded from a model mix comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MixShare {
    /// Id of the workload in the file that gives the mix.
    pub of: String,
    /// Share of that workload's requests this model serves, fraction (0, 1].
    pub share: f64,
}

/// Kind-specific part of a workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WorkloadSpec {
    /// LLM chat app.
    Chat(ChatWorkload),
    /// Image generation.
    Image(GenerationWorkload),
    /// Video generation.
    Video(GenerationWorkload),
    /// Training run.
    Training(TrainingRun),
}

impl WorkloadSpec {
    /// The workload kind.
    pub fn kind(&self) -> WorkloadKind {
        match self {
            WorkloadSpec::Chat(_) => WorkloadKind::Chat,
            WorkloadSpec::Image(_) => WorkloadKind::Image,
            WorkloadSpec::Video(_) => WorkloadKind::Video,
            WorkloadSpec::Training(_) => WorkloadKind::Training,
        }
    }

    /// Catalog model id (canonical, aliases resolved).
    pub fn model(&self) -> &str {
        match self {
            WorkloadSpec::Chat(c) => c.model.as_str(),
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.model.as_str(),
            WorkloadSpec::Training(t) => t.model.as_str(),
        }
    }
}

/// How served demand is spread over the day, the year and the world.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Serving {
    /// 24 hourly weights, when given (else the catalog's default profile applies; the demand
    /// model in `fleetplan-models` turns either into a normalised profile).
    pub diurnal: Option<Vec<f64>>,
    /// Growth of each quarter transition, fractions: entry `i` takes quarter `i` to quarter
    /// `i + 1` of the horizon; the last entry holds for later quarters (one entry: constant).
    pub growth_per_quarter: Vec<f64>,
    /// Share of users per catalog region (sums to 1), ordered by region id.
    pub user_regions: BTreeMap<RegionId, f64>,
    /// Whether users may be served from another country.
    pub cross_border: bool,
    /// Weight under `max-served`.
    pub weight: f64,
    /// Penalty for unserved demand, scenario currency per million output tokens or per item.
    pub unserved_penalty: Option<f64>,
    /// Chat: list price per million input tokens, scenario currency.
    pub price_per_m_input_tokens: Option<f64>,
    /// Chat: list price per million output tokens, scenario currency.
    pub price_per_m_output_tokens: Option<f64>,
    /// Image, video: price per item, scenario currency.
    pub price_per_item: Option<f64>,
}

impl Serving {
    /// Demand multiplier in quarter `index` of the horizon (0 = first): the product of
    /// (1 + growth) over the quarter transitions before it.
    pub fn growth_factor(&self, index: u32) -> f64 {
        let steps = index.min(i32::MAX as u32) as usize;
        let given = self.growth_per_quarter.len().min(steps);
        let scheduled: f64 = self.growth_per_quarter[..given].iter().map(|g| 1.0 + g).product();
        let last = self.growth_per_quarter.last().copied().unwrap_or(0.0);
        scheduled * (1.0 + last).powi((steps - given).min(i32::MAX as usize) as i32)
    }

    /// Growth fraction from quarter `index` to the next (the schedule's last entry past its end).
    pub fn growth_rate_in(&self, index: u32) -> f64 {
        let at = (index as usize).min(self.growth_per_quarter.len().saturating_sub(1));
        self.growth_per_quarter.get(at).copied().unwrap_or(0.0)
    }
}

/// An LLM chat app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatWorkload {
    /// Catalog language model.
    pub model: LlmId,
    /// Serving precision.
    pub precision: Precision,
    /// Daily active users at the start of the horizon (given, or monthly × ratio).
    pub daily_users: f64,
    /// Requests per daily user per day.
    pub requests_per_user_per_day: f64,
    /// Prompt tokens per request.
    pub input_tokens_per_request: f64,
    /// Generated tokens per request (mean).
    pub output_tokens_per_request: f64,
    /// Share of prompt tokens served from a prefix cache, 0 ≤ x < 1 (default 0): those tokens
    /// cost only the read of their cached KV, no prefill compute.
    pub cached_input_fraction: f64,
    /// Output spread, beams and speculative decoding of the requests.
    pub request: RequestOptions,
    /// p99 time-to-first-token target, ms.
    pub ttft_p99_ms: f64,
    /// p99 time-per-output-token target, ms.
    pub tpot_p99_ms: f64,
    /// Serving engine named by the scenario (a serving-role catalog engine); `None` = each
    /// chip vendor's default engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineId>,
    /// Release of `engine` to model (`None` = the latest described).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Spread over day, time and regions.
    pub serving: Serving,
}

impl Workload {
    /// Revenue per unit of served demand at the workload's prices, scenario currency per
    /// million output tokens (chat: the output price plus the input price times input tokens
    /// per output token) or per item (image, video); `None` without a price or for training.
    /// The one home of "price per unit", used for the planner's revenue and unserved penalty.
    pub fn price_per_unit(&self) -> Option<f64> {
        match &self.spec {
            WorkloadSpec::Chat(c) => {
                let (input, output) = (c.serving.price_per_m_input_tokens, c.serving.price_per_m_output_tokens);
                if input.is_none() && output.is_none() {
                    return None;
                }
                let input_per_output = c.input_tokens_per_request / c.output_tokens_per_request.max(1e-9);
                Some(output.unwrap_or(0.0) + input.unwrap_or(0.0) * input_per_output)
            }
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => g.serving.price_per_item,
            WorkloadSpec::Training(_) => None,
        }
    }

    /// Price of demand left unserved, same unit as [`Self::price_per_unit`]: the explicit
    /// `unserved_penalty`, else the price per unit; `None` (must be served) without either.
    pub fn unserved_price(&self) -> Option<f64> {
        let serving = match &self.spec {
            WorkloadSpec::Chat(c) => &c.serving,
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => &g.serving,
            WorkloadSpec::Training(_) => return None,
        };
        serving.unserved_penalty.or_else(|| self.price_per_unit())
    }
}

impl ChatWorkload {
    /// Mean (input, output) tokens per second in quarter `index` of the horizon, all regions.
    pub fn mean_tokens_per_s(&self, index: u32) -> (f64, f64) {
        let requests_per_s =
            self.daily_users * self.serving.growth_factor(index) * self.requests_per_user_per_day / SECONDS_PER_DAY;
        (requests_per_s * self.input_tokens_per_request, requests_per_s * self.output_tokens_per_request)
    }
}

/// An image or video generation app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerationWorkload {
    /// Catalog diffusion model.
    pub model: DiffusionId,
    /// Items per day at the start of the horizon.
    pub items_per_day: f64,
    /// p99 seconds per item, if a target is set.
    pub latency_p99_s: Option<f64>,
    /// Denoising steps override.
    pub steps: Option<u32>,
    /// Spread over day, time and regions.
    pub serving: Serving,
}

impl GenerationWorkload {
    /// Mean items per second in quarter `index` of the horizon, all regions.
    pub fn mean_items_per_s(&self, index: u32) -> f64 {
        self.items_per_day * self.serving.growth_factor(index) / SECONDS_PER_DAY
    }
}

/// A training run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingRun {
    /// Catalog language model.
    pub model: LlmId,
    /// Training precision.
    pub precision: Precision,
    /// Tokens to train on.
    pub tokens: f64,
    /// Sequence length, tokens.
    pub seq_len: u32,
    /// Earliest start.
    pub start: Date,
    /// Must finish by.
    pub deadline: Date,
}

/// Export-control settings of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioPolicy {
    /// Judge every quarter at this date, if set (else each quarter at its first day).
    pub date: Option<Date>,
    /// Options handed to the policy engine.
    pub options: PolicyOptions,
}

/// A fixed holding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holding {
    /// What is held.
    pub hardware: Hardware,
    /// Where it is.
    pub site: SiteId,
    /// Units as written (accelerators, or systems when `hardware.system` is set).
    pub units: u64,
    /// Accelerators (units × accelerators per unit).
    pub accelerators: u64,
    /// Owned or leased.
    pub mode: Mode,
    /// First quarter in service (may precede the horizon).
    pub from: Quarter,
    /// Last quarter in service (default: end of the horizon).
    pub until: Quarter,
    /// Purchase price override, USD per unit.
    pub price_usd: Option<f64>,
    /// Lease price override, USD per accelerator-hour.
    pub lease_usd_per_hour: Option<f64>,
    /// Training workload these accelerators run (`training` on `[[fleet]]`), if given.
    pub training: Option<WorkloadId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
[scenario]
name = "t"
currency = "CNY"
start = "2025Q1"
quarters = 4
[buyer]
name = "b"
headquarters = "CN"
[budget]
total = 7.2e9
[[site]]
id = "s1"
region = "cn"
available_mw = 10
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
monthly_users = 75e6
daily_to_monthly_ratio = 0.4
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 432
ttft_p99_ms = 1000
tpot_p99_ms = 50
growth_per_quarter = 0.5
diurnal = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4]
"#;

    fn catalog() -> Catalog {
        Catalog::builtin().expect("built-in catalog")
    }

    #[test]
    fn valid_scenario_resolves_defaults_and_demand() {
        let c = catalog();
        let s = validate("t.toml", VALID, &c).unwrap_or_else(|d| panic!("{d:#?}"));
        // FX from the catalog for 2025, the workload's users from the HQ country.
        assert_eq!(Some(s.currency_per_usd), c.costs.fx_per_usd("CNY", 2025));
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        assert_eq!(chat.serving.user_regions.get(&c.resolve_region("cn").unwrap()), Some(&1.0));
        // 75 M × 0.4 = 30 M daily users; × 10 requests × 432 tokens / 86,400 s = 1.5 M tokens/s.
        assert_eq!(chat.daily_users, 30e6);
        let (input, output) = chat.mean_tokens_per_s(0);
        assert!((output - 1.5e6).abs() < 1e-6, "{output}");
        assert!((input - 30e6 * 10.0 * 1000.0 / 86_400.0).abs() < 1e-6);
        // Growth 50 % per quarter: quarter 2 has 2.25× the demand.
        assert!((chat.mean_tokens_per_s(2).1 - 1.5e6 * 2.25).abs() < 1e-3);
        assert_eq!(s.horizon().len(), 4);
        assert_eq!(s.end().to_string(), "2025Q4");
        assert_eq!(s.to_usd(7.2e9) * s.currency_per_usd, 7.2e9);
    }

    #[test]
    fn a_growth_schedule_compounds_and_its_last_value_holds() {
        let c = catalog();
        let text = VALID.replace("growth_per_quarter = 0.5", "growth_by_quarter = [1.0, 0.5]");
        let s = validate("t.toml", &text, &c).unwrap_or_else(|d| panic!("{d:#?}"));
        let WorkloadSpec::Chat(chat) = &s.workloads[0].spec else { panic!("chat") };
        let factors: Vec<f64> = (0..4).map(|q| chat.serving.growth_factor(q)).collect();
        // ×2 into Q2, ×1.5 into Q3, and the last value (×1.5) again into Q4.
        assert_eq!(factors, vec![1.0, 2.0, 3.0, 4.5]);
        assert_eq!(chat.serving.growth_rate_in(0), 1.0);
        assert_eq!(chat.serving.growth_rate_in(7), 0.5);
        // One constant rate is the same as a one-entry schedule.
        let constant = validate("t.toml", VALID, &c).unwrap();
        let WorkloadSpec::Chat(constant) = &constant.workloads[0].spec else { panic!("chat") };
        assert_eq!(constant.serving.growth_factor(3), 1.5f64.powi(3));
    }

    #[test]
    fn absurd_prices_and_penalties_are_located() {
        let c = catalog();
        for field in ["price_per_m_output_tokens", "unserved_penalty"] {
            let text = VALID.replace("growth_per_quarter = 0.5", &format!("growth_per_quarter = 0.5\n{field} = 1e308"));
            let diags = validate("t.toml", &text, &c).unwrap_err();
            assert_eq!(diags.len(), 1, "{diags:#?}");
            assert!(diags[0].message.contains("beyond any plausible value"), "{}", diags[0].message);
            assert_eq!(diags[0].span.clone().unwrap().start, text.find("1e308").unwrap());
            // The largest plausible value is accepted.
            let ok = VALID.replace("growth_per_quarter = 0.5", &format!("growth_per_quarter = 0.5\n{field} = 1e9"));
            assert!(validate("t.toml", &ok, &c).is_ok());
        }
    }

    #[test]
    fn growth_given_twice_or_out_of_range_is_located() {
        let c = catalog();
        let both = VALID.replace("growth_per_quarter = 0.5", "growth_per_quarter = 0.5\ngrowth_by_quarter = [0.1]");
        let diags = validate("t.toml", &both, &c).unwrap_err();
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert!(diags[0].message.contains("not both"), "{}", diags[0].message);
        let bad = VALID.replace("growth_per_quarter = 0.5", "growth_by_quarter = [0.1, -1.5]");
        let diags = validate("t.toml", &bad, &c).unwrap_err();
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(diags[0].span.clone().unwrap().start, bad.find("-1.5").unwrap());
        assert!(diags[0].path.as_deref().unwrap().ends_with("growth_by_quarter[1]"), "{:?}", diags[0].path);
    }

    #[test]
    fn spans_point_at_the_offending_value_and_all_problems_are_reported() {
        let text = VALID
            .replace("total = 7.2e9", "total = -1")
            .replace("region = \"cn\"", "region = \"cnn\"")
            .replace("model = \"llama-3.1-8b\"", "model = \"flux.1-dev\"");
        let diags = validate("t.toml", &text, &catalog()).unwrap_err();
        let at = |needle: &str| text.find(needle).unwrap();
        let spans: Vec<usize> = diags.iter().map(|d| d.span.clone().unwrap().start).collect();
        assert!(spans.contains(&(at("total = -1") + "total = ".len())), "{diags:#?}");
        assert!(spans.contains(&(at("\"cnn\""))), "{diags:#?}");
        assert!(spans.contains(&(at("\"flux.1-dev\""))), "{diags:#?}");
        assert_eq!(diags.len(), 3, "{diags:#?}");
        let region = diags.iter().find(|d| d.message.contains("cnn")).unwrap();
        assert!(region.help.as_deref().unwrap().contains("did you mean `cn`?"));
        // Sorted by position.
        assert!(spans.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn type_errors_in_two_entries_are_both_reported_with_unknown_fields() {
        let text = format!(
            "{VALID}\n[[site]]\nid = \"s2\"\nregion = \"cn\"\navailable_mw = \"ten\"\n\n[[site]]\nid = \"s3\"\nregion = \"cn\"\navailable_mw = 1\npower_usd_per_kwhh = 0.1\ncolour = 1\n\n[[fleet]]\nchip = \"h20\"\nsite = \"s1\"\ncount = -5\nmode = \"buy\"\nfrom = \"2025Q1\"\n"
        );
        let diags = validate("t.toml", &text, &catalog()).unwrap_err();
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(diags.len(), 4, "{messages:#?}");
        assert!(messages.iter().any(|m| m.contains("\"ten\"")));
        assert!(messages.iter().any(|m| m.contains("unknown field `power_usd_per_kwhh`")));
        assert!(messages.iter().any(|m| m.contains("unknown field `colour`")));
        assert!(messages.iter().any(|m| m.contains("-5")));
        let typo = diags.iter().find(|d| d.message.contains("power_usd_per_kwhh")).unwrap();
        assert!(typo.help.as_deref().unwrap().starts_with("did you mean `power_usd_per_kwh`?"));
        assert_eq!(typo.path.as_deref(), Some("site[2].power_usd_per_kwhh"));
        assert_eq!(&text[typo.span.clone().unwrap()], "power_usd_per_kwhh");
    }

    #[test]
    fn file_types_round_trip_through_toml() {
        let file = parse_file("t.toml", VALID).unwrap();
        let written = toml::to_string(&file).unwrap();
        let again = validate("again.toml", &written, &catalog()).unwrap();
        assert_eq!(again, validate("t.toml", VALID, &catalog()).unwrap());
    }

    #[test]
    fn schema_lists_every_section() {
        let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
        let sections = ["scenario", "buyer", "fx", "budget", "site", "option", "workload", "policy", "objective"];
        for s in sections.into_iter().chain(["performance", "fleet", "uncertainty"]) {
            assert!(schema["properties"].get(s).is_some(), "{s}");
        }
    }

    #[test]
    fn fleet_training_names_a_training_run_with_did_you_mean() {
        let run = "[[workload]]\nid = \"pretrain\"\nkind = \"training\"\nmodel = \"llama-3.1-8b\"\nprecision = \"bf16\"\ntokens = 1e12\nseq_len = 4096\nstart = 2025-01-01\ndeadline = 2025-12-31\n";
        let fleet = |t: &str| {
            format!(
                "{VALID}\n{run}\n[[fleet]]\nchip = \"h100-sxm\"\nsite = \"s1\"\ncount = 8\nmode = \"buy\"\nfrom = \"2025Q1\"\ntraining = \"{t}\"\n"
            )
        };
        let ok = validate("t.toml", &fleet("pretrain"), &catalog()).unwrap_or_else(|d| panic!("{d:#?}"));
        assert_eq!(ok.fleet[0].training.as_ref().map(|run| run.as_str()), Some("pretrain"));
        let text = fleet("pretrian");
        let diags = validate("t.toml", &text, &catalog()).unwrap_err();
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(d.path.as_deref(), Some("fleet[0].training"));
        assert_eq!(&text[d.span.clone().unwrap()], "\"pretrian\"");
        assert!(d.help.as_deref().unwrap().starts_with("did you mean `pretrain`?"), "{d:#?}");
    }
}
