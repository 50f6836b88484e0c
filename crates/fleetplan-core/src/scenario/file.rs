//! The scenario file format as written by users: one struct per TOML section, every value that a
//! later check may point at wrapped in [`Spanned`]. These types define the JSON Schema
//! (`fleetplan schema`) and are documented field by field in `docs/scenario.md`.
//!
//! Unknown fields are not rejected by serde here: the parser collects them with `serde_ignored`
//! so that every unknown field in the file is reported with a did-you-mean, not only the first.
//! The schema still says `additionalProperties: false` (`schemars(deny_unknown_fields)`).

use super::Quarter;
use super::Spanned;
use crate::uncertainty::UncertaintySection;
use crate::units::{Date, Precision};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// A whole scenario file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields, title = "fleetplan scenario")]
pub struct ScenarioFile {
    /// Name, currency and planning horizon.
    pub scenario: ScenarioSection,
    /// Who buys (decides which export-control rules apply).
    pub buyer: BuyerSection,
    /// Exchange rates: currency code → units of that currency per US dollar. Overrides the
    /// catalog's FX rates; required for a scenario currency the catalog does not know.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fx: BTreeMap<String, Spanned<f64>>,
    /// Spending limits.
    pub budget: BudgetSection,
    /// Candidate data-center sites (`[[site]]`, at least one).
    #[serde(default)]
    pub site: Vec<SiteEntry>,
    /// Procurement options: what may be bought or leased where (`[[option]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub option: Vec<OptionEntry>,
    /// Demand: chat apps, image and video apps, training runs (`[[workload]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workload: Vec<WorkloadEntry>,
    /// Export-control settings.
    #[serde(default)]
    pub policy: PolicySection,
    /// What the planner optimises.
    #[serde(default)]
    pub objective: ObjectiveSection,
    /// How the performance model's figures are used (expected or conservative capacity).
    #[serde(default)]
    pub performance: PerformanceSection,
    /// Fixed holdings (`[[fleet]]`): evaluate this fleet instead of planning one; holdings from
    /// before the horizon are existing capacity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fleet: Vec<FleetEntry>,
    /// Uncertain inputs for sweeps and robust plans: distributions by dotted path and rank
    /// correlations (docs/uncertainty.md). Evaluate and optimize use the nominal values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<UncertaintySection>,
}

/// `[scenario]`: name, currency and horizon.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ScenarioSection {
    /// Short name shown in reports.
    pub name: String,
    /// One or two sentences on what the scenario models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO 4217 code of the currency budgets are given in (e.g. "CNY", "USD").
    pub currency: Spanned<String>,
    /// First quarter of the horizon, `YYYYQn`.
    pub start: Spanned<Quarter>,
    /// Length of the horizon in quarters (1–40).
    pub quarters: Spanned<u32>,
}

/// `[buyer]`: the organisation that buys or leases.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BuyerSection {
    /// Name, e.g. "ByteDance".
    pub name: String,
    /// ISO 3166 alpha-2 code of the country of the ultimate parent's headquarters (e.g. "CN").
    pub headquarters: Spanned<String>,
    /// Facts about the buyer that export-control rules select by, e.g. "listed-affiliate"
    /// (>= 50 % owned by Entity List parties) or "cn-h200-approved" (named by China for H200
    /// imports). The vocabulary is the attributes the catalog's rules name (`fleetplan catalog
    /// rules`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Spanned<String>>,
}

/// `[budget]`: spending limits, in the scenario currency.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BudgetSection {
    /// Total spend over the horizon, in units of `[scenario].currency` (> 0).
    pub total: Spanned<f64>,
    /// Optional spending cap per quarter, in units of `[scenario].currency`; one entry per
    /// quarter of the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_quarter: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Optional spending cap per calendar year, in units of `[scenario].currency`: a table of
    /// year → amount, e.g. `{ 2025 = 150e9, 2026 = 160e9 }` (years of the horizon; a year the
    /// table leaves out has no cap of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_year: Option<BTreeMap<String, Spanned<f64>>>,
    /// Share bounds by group of sites (`[[budget.share]]`), e.g. overseas 45–55 %.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share: Vec<ShareEntry>,
}

/// `[[budget.share]]`: bounds on the fraction of the total budget spent in a group of sites.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ShareEntry {
    /// Name of the group, e.g. "overseas".
    pub group: Spanned<String>,
    /// Site ids in the group (give `sites` or `regions`, not both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<Spanned<String>>>,
    /// Catalog region ids in the group: every site in these regions belongs to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<Spanned<String>>>,
    /// Smallest share of the total budget, fraction 0–1 (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Spanned<f64>>,
    /// Largest share of the total budget, fraction 0–1 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Spanned<f64>>,
    /// Soft target share of the spend, fraction 0–1: missing it costs `penalty_per_point` per
    /// percentage point instead of being infeasible (docs/planner.md, "Budget share targets").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Spanned<f64>>,
    /// With `target`: penalty per percentage point of the budget total by which the group's
    /// spend misses the target, in the scenario currency (default: 0.1 % of the budget total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_per_point: Option<Spanned<f64>>,
}

/// `[[site]]`: a candidate data-center site.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SiteEntry {
    /// Unique site id, referenced by options, fleet entries and budget groups.
    pub id: Spanned<String>,
    /// Catalog region id the site is in (e.g. "cn", "my-johor").
    pub region: Spanned<String>,
    /// IT power already built and available at the start of the horizon, MW (≥ 0).
    pub available_mw: Spanned<f64>,
    /// Additional IT power that may be built during the horizon, MW (≥ 0; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buildable_mw: Option<Spanned<f64>>,
    /// Electricity price override, USD per kWh (default: the region's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_usd_per_kwh: Option<Spanned<f64>>,
    /// Power usage effectiveness override, 1.0–3.0 (default: the region's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pue: Option<Spanned<f64>>,
    /// Committed builds (`[[site.build]]`): announced campuses whose power comes online in a
    /// given quarter, whatever the plan does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build: Vec<SiteBuildEntry>,
}

/// `[[site.build]]`: IT power committed before the plan, online from a quarter.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SiteBuildEntry {
    /// IT power the build adds, MW (> 0).
    pub mw: Spanned<f64>,
    /// First quarter the power is online, `YYYYQn`.
    pub online: Spanned<Quarter>,
    /// Build capex still to pay, in the scenario currency (optional; counted as cash spent
    /// evenly over the region's lead time before `online`, the part inside the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capex: Option<Spanned<f64>>,
}

/// Own (buy) or rent (lease) capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Buy and own the hardware (capex, depreciation).
    Buy,
    /// Lease capacity from an operator, paid per accelerator-hour.
    Lease,
}

impl Mode {
    /// Lowercase name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Buy => "buy",
            Mode::Lease => "lease",
        }
    }
}

/// `[[option]]`: hardware that may be bought or leased at some sites.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OptionEntry {
    /// Optional label shown in plans (default: chip or system id, mode and sites).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Catalog accelerator id (give `chip` or `system`, not both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip: Option<Spanned<String>>,
    /// Catalog system id (a server, rack or pod slice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<Spanned<String>>,
    /// Site ids where this option can be placed (at least one).
    pub sites: Spanned<Vec<Spanned<String>>>,
    /// `buy` or `lease`.
    pub mode: Spanned<Mode>,
    /// Purchase price override, USD per accelerator (per system when `system` is given); `buy` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<Spanned<f64>>,
    /// Lease price, USD per accelerator-hour; `lease` only (default: the catalog's lease price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_usd_per_hour: Option<Spanned<f64>>,
    /// Supply cap: units (accelerators, or systems when `system` is given) that can be added per
    /// quarter (default: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_quarter: Option<Spanned<u64>>,
    /// First quarter the option is available, `YYYYQn` (default: the start of the horizon, or
    /// the chip's catalog availability quarter when that is later; earlier than it is an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_from: Option<Spanned<Quarter>>,

    /// Byte span of the whole entry (filled by the parser; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub entry_span: Range<usize>,
}

/// What a workload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    /// An LLM chat app (or API) serving users: tokens in and out.
    Chat,
    /// An image-generation app.
    Image,
    /// A video-generation app.
    Video,
    /// A training run with a token budget and a deadline.
    Training,
}

impl WorkloadKind {
    /// Lowercase name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Chat => "chat",
            WorkloadKind::Image => "image",
            WorkloadKind::Video => "video",
            WorkloadKind::Training => "training",
        }
    }
}

/// `[[workload]]`: one source of demand. Which fields apply depends on `kind` (see
/// docs/scenario.md); a field that does not apply to the kind is an error.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WorkloadEntry {
    /// Unique workload id, e.g. "doubao".
    pub id: Spanned<String>,
    /// Readable name (default: the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `chat`, `image`, `video` or `training`.
    pub kind: Spanned<WorkloadKind>,
    /// Catalog model id: a language model for chat and training, a diffusion model of the
    /// matching modality for image and video. A chat workload may give `mix` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Spanned<String>>,
    /// Chat: a model mix instead of `model` (exactly one of the two): language models with the
    /// share of the workload's requests each serves (shares > 0, summing to 1). Validation
    /// expands the workload into one workload per model, with id `WORKLOAD/MODEL` and demand
    /// scaled by the share; every other setting is shared unless the entry overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix: Option<Spanned<Vec<MixEntry>>>,
    /// Numeric precision of weights and math (chat, training; default bf16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Spanned<Precision>>,

    /// Chat: daily active users at the start of the horizon (give this, or `monthly_users`
    /// with `daily_to_monthly_ratio`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_users: Option<Spanned<f64>>,
    /// Chat: monthly active users at the start of the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_users: Option<Spanned<f64>>,
    /// Chat: daily / monthly active users (0–1], used with `monthly_users`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_to_monthly_ratio: Option<Spanned<f64>>,
    /// Chat: requests (turns) per daily user per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_user_per_day: Option<Spanned<f64>>,
    /// Chat: prompt tokens per request (including context carried over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens_per_request: Option<Spanned<f64>>,
    /// Chat: generated tokens per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_per_request: Option<Spanned<f64>>,
    /// Chat: share of prompt tokens served from a prefix cache, 0 ≤ x < 1 (default 0): cached
    /// tokens cost only the read of their KV, no prefill compute (DeepSeek reports 56.3 % hits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_fraction: Option<Spanned<f64>>,
    /// Chat: coefficient of variation of output lengths (standard deviation / mean), 0–10
    /// (default 0: all outputs the mean length). A spread lengthens the context running requests
    /// hold (time-weighted: mean · (1 + cv²) / 2 generated tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_cv: Option<Spanned<f64>>,
    /// Chat: longest output, tokens: at least `output_tokens_per_request`, at most the model's
    /// context minus `input_tokens_per_request` (default: mean · (1 + 3 · cv)). Engines that
    /// reserve KV for the longest output at admission size their batch by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_max: Option<Spanned<f64>>,
    /// Chat: beam width of beam-search decoding, 1–16 (default 1: greedy or sampling). Each beam
    /// is decoded as its own sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beams: Option<Spanned<i64>>,
    /// Chat: draft tokens per decode step of speculative / multi-token-prediction decoding, 0–16
    /// (default 0). Needs `mtp_acceptance` when above 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtp_draft_tokens: Option<Spanned<i64>>,
    /// Chat: mean acceptance rate of one draft token, 0–1 (DeepSeek-V3 MTP reports 0.85–0.9
    /// for one draft token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtp_acceptance: Option<Spanned<f64>>,
    /// Chat: latency target, 99th-percentile time to first token, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_p99_ms: Option<Spanned<f64>>,
    /// Chat: latency target, 99th-percentile time per output token, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpot_p99_ms: Option<Spanned<f64>>,
    /// Chat: catalog serving engine (`trtllm`, `vllm`, `sglang`, ...; default: the best-tuned
    /// engine for each chip's vendor). Chips whose vendor the engine does not support get no
    /// rate for the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<Spanned<String>>,
    /// Chat: release of `engine` whose behaviour to model, dotted (e.g. "0.6.0"; default: the
    /// latest the catalog describes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<Spanned<String>>,

    /// Image, video: items (images, clips) generated per day at the start of the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_day: Option<Spanned<f64>>,
    /// Image, video: latency target, 99th-percentile seconds per item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p99_s: Option<Spanned<f64>>,
    /// Image, video: denoising steps (default: the model's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Spanned<u32>>,

    /// Chat, image, video: 24 non-negative hourly weights of demand (local time of the users),
    /// any scale; peak/mean of these gives the peak factor (default: the catalog's profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diurnal: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Chat, image, video: demand growth per quarter, fraction (0.1 = +10 % per quarter; > -1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth_per_quarter: Option<Spanned<f64>>,
    /// Chat, image, video: demand growth of each quarter of the horizon from the second on,
    /// fractions (> -1); the last value holds for later quarters. A schedule fitted to reported
    /// points, instead of one `growth_per_quarter` (give one or the other).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth_by_quarter: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Chat, image, video: share of users per catalog region id, fractions summing to 1
    /// (default: all users in the buyer's headquarters region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_regions: Option<BTreeMap<String, Spanned<f64>>>,
    /// Chat, image, video: may users in one country be served from sites in another (default
    /// false: users in China are served from Chinese sites, others from anywhere outside China).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_border: Option<bool>,
    /// Chat, image, video: weight of this workload's served demand under `max-served` (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Spanned<f64>>,
    /// Chat, image, video: penalty for demand left unserved, in the scenario currency per million
    /// output tokens (chat) or per item (image, video); absent = the workload's revenue per unit
    /// when it has a price, else all demand must be served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unserved_penalty: Option<Spanned<f64>>,
    /// Chat: list price per million input (prompt) tokens, scenario currency (≥ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_m_input_tokens: Option<Spanned<f64>>,
    /// Chat: list price per million output tokens, scenario currency (≥ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_m_output_tokens: Option<Spanned<f64>>,
    /// Image, video: price per item (image, clip), scenario currency (≥ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_item: Option<Spanned<f64>>,

    /// Training: tokens to train on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Spanned<f64>>,
    /// Training: sequence length, tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_len: Option<Spanned<u32>>,
    /// Training: earliest start date, `YYYY-MM-DD` (default: the start of the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Spanned<Date>>,
    /// Training: date the run must finish by, `YYYY-MM-DD`, within the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Spanned<Date>>,

    /// Byte span of the whole entry (filled by the parser; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub entry_span: Range<usize>,
    /// Byte spans of the keys of `user_regions` (filled by the parser; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub user_region_spans: BTreeMap<String, Range<usize>>,
}

/// One model of a chat workload's `mix`: `{ model = "qwen3-30b-a3b", share = 0.6 }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MixEntry {
    /// Catalog language model id.
    pub model: Spanned<String>,
    /// Share of the workload's requests this model serves, fraction (0, 1]; the shares of a mix
    /// sum to 1.
    pub share: Spanned<f64>,
    /// Numeric precision of this model's weights and math (default: the workload's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Spanned<Precision>>,
    /// Generated tokens per request of this model (default: the workload's
    /// `output_tokens_per_request`), e.g. longer for a reasoning model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_per_request: Option<Spanned<f64>>,
}

/// `[policy]`: export-control settings. The last three fields become
/// [`crate::policy::PolicyOptions`] (same names) once their rule ids are checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PolicySection {
    /// Judge every quarter by the rules in force on this date, `YYYY-MM-DD` (default: each
    /// quarter by the rules in force on its first day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Spanned<Date>>,
    /// Catalog rule ids to ignore ("what if this rule did not exist?").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled_rules: Vec<Spanned<String>>,
    /// Catalog rule ids to force on even after they were rescinded ("what if the diffusion rule
    /// had stood?").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enabled_rules: Vec<Spanned<String>>,
    /// Treat licence requirements as licences granted (presumption-of-denial still prohibits
    /// only when this is false).
    #[serde(default)]
    pub assume_licences_granted: bool,
    /// Catalog rule ids whose licence requirement is treated as granted, only these ("what if
    /// the approved H200 imports are licensed?"); outright prohibitions still hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub granted_rules: Vec<Spanned<String>>,
}

/// What the planner optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectiveKind {
    /// Least total cost of ownership that serves all demand and finishes all training runs.
    #[default]
    MinTco,
    /// Most (weighted) demand served within the budget.
    MaxServed,
    /// Most training compute within the budget.
    MaxTraining,
    /// Most margin: revenue of served demand at the workloads' prices − cost (unpriced
    /// workloads without an `unserved_penalty` must be served).
    MaxMargin,
}

impl ObjectiveKind {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectiveKind::MinTco => "min-tco",
            ObjectiveKind::MaxServed => "max-served",
            ObjectiveKind::MaxTraining => "max-training",
            ObjectiveKind::MaxMargin => "max-margin",
        }
    }
}

/// `[objective]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ObjectiveSection {
    /// `min-tco` (default), `max-served`, `max-training` or `max-margin`.
    #[serde(default)]
    pub kind: Spanned<ObjectiveKind>,
    /// Discount rate per year for the capital charge of purchases and builds (capital-recovery
    /// factor over the asset life), fraction 0–1 (default 0.08).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_rate: Option<Spanned<f64>>,
}

/// Which end of the performance model's prediction interval sizes serving capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CapacityBasis {
    /// The model's prediction (its expected value).
    #[default]
    Expected,
    /// The low end of the prediction's 80 % interval (from the calibration residuals of its
    /// class): conservative capacity, so a fleet sized on it meets demand even when the chips
    /// deliver less than predicted.
    Low,
}

impl CapacityBasis {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityBasis::Expected => "expected",
            CapacityBasis::Low => "low",
        }
    }
}

/// `[performance]`: how the performance model's figures are used.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PerformanceSection {
    /// `expected` (default): serving rates as predicted; `low`: the low end of each rate's 80 %
    /// prediction interval, for the evaluator and the planner.
    #[serde(default)]
    pub capacity: CapacityBasis,
}

/// `[[fleet]]`: a fixed holding of accelerators at a site.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FleetEntry {
    /// Catalog accelerator id (give `chip` or `system`, not both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip: Option<Spanned<String>>,
    /// Catalog system id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<Spanned<String>>,
    /// Site id where the holding sits.
    pub site: Spanned<String>,
    /// Number of accelerators (of systems when `system` is given), ≥ 1.
    pub count: Spanned<u64>,
    /// `buy` (owned) or `lease`.
    pub mode: Spanned<Mode>,
    /// First quarter in service, `YYYYQn`; before the horizon means existing capacity. Not
    /// before the chip's catalog availability quarter (`fleetplan catalog chips`).
    pub from: Spanned<Quarter>,
    /// Last quarter in service, `YYYYQn` (default: to the end of the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Spanned<Quarter>>,
    /// Purchase price override, USD per accelerator (per system when `system` is given); `buy` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<Spanned<f64>>,
    /// Lease price, USD per accelerator-hour; `lease` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_usd_per_hour: Option<Spanned<f64>>,
    /// Id of a training workload these accelerators run (the evaluator places the run on the
    /// holdings so marked; without any, it picks the pool with the most compute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<Spanned<String>>,

    /// Byte span of the whole entry (filled by the parser; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub entry_span: Range<usize>,
}
