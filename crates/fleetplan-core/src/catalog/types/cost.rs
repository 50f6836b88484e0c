//! Cost parameters: network fabrics, server overheads, depreciation lives, maintenance, FX rates
//! and reference capex figures; dated lease and purchase prices live in `price.rs`.
//!
//! Every kind is an array of entries with an `id` (so user catalog files can add or replace
//! single entries): `[[fabric]]`, `[[cost_factor]]`, `[[depreciation]]`, `[[lease]]`, `[[purchase_price]]`, `[[fx]]`,
//! `[[capex_reference]]` and `[[context_fact]]`. Scalar knobs (server overhead ratio,
//! maintenance share, ...) are `[[cost_factor]]` entries with well-known ids ([`factor_ids`]),
//! read through the typed accessors on [`CostParams`].

use super::common::{Provenance, check_positive, check_positive_opt};
use super::price::{LeasePrice, PurchasePrice};
use crate::catalog::{Catalog, UnknownId, unknown_id};
use crate::units::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// All cost parameters of the catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CostParams {
    /// Scale-out network fabrics (switches, NICs, optics), one per technology and speed.
    #[serde(default)]
    pub fabrics: Vec<NetworkFabric>,
    /// Scalar cost factors (server overhead ratio, maintenance share, ...), by well-known id.
    #[serde(default)]
    pub factors: Vec<CostFactor>,
    /// Depreciation lives per asset class.
    #[serde(default)]
    pub depreciation: Vec<Depreciation>,
    /// Dated lease (rental) prices per accelerator-hour, by chip, region and basis
    /// (`[[lease]]`; see [`CostParams::lease_quote`]).
    #[serde(default)]
    pub leases: Vec<LeasePrice>,
    /// Dated purchase prices of accelerators and systems (`[[purchase_price]]`; see
    /// [`CostParams::purchase_point`]).
    #[serde(default)]
    pub purchases: Vec<PurchasePrice>,
    /// FX rates.
    #[serde(default)]
    pub fx: Vec<FxRate>,
    /// Reference capex figures of hyperscalers and ByteDance (sanity checks, examples).
    #[serde(default)]
    pub capex_references: Vec<CapexReference>,
    /// Other dated facts useful for examples (ByteDance tokens per day, users, footprint, ...).
    #[serde(default)]
    pub context_facts: Vec<ContextFact>,
    /// Default 24-hour demand profiles (`[[diurnal_profile]]`), used when a workload gives none.
    #[serde(default)]
    pub diurnal_profiles: Vec<DiurnalProfile>,
}

/// Id of the `[[diurnal_profile]]` used when a workload gives no `diurnal` weights.
pub const DEFAULT_DIURNAL_PROFILE: &str = "default";

/// A 24-hour demand profile: relative demand per local hour 00–23 (any scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiurnalProfile {
    /// Catalog id; `default` is the one workloads without a profile use.
    pub id: String,
    /// 24 non-negative weights, hour 00 first (local time of the users).
    pub hourly_weights: Vec<f64>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Well-known ids of `[[cost_factor]]` entries that the built-in catalog must define.
pub mod factor_ids {
    /// Server price ÷ price of the accelerators in it (Epoch: 1.64).
    pub const SERVER_OVERHEAD_RATIO: &str = "server-overhead-ratio";
    /// Server power at load ÷ (chips × chip TDP), Hopper-class 8-GPU servers (1.82).
    pub const SERVER_POWER_RATIO: &str = "server-power-ratio";
    /// Yearly hardware maintenance and spares, fraction of hardware capex per year.
    pub const MAINTENANCE_SHARE_PER_YEAR: &str = "maintenance-share-per-year";
    /// Storage hardware capex, fraction of compute (server) hardware capex.
    pub const STORAGE_SHARE: &str = "storage-share";
    /// Yearly accelerator price decline after the catalog price year (optional; default 0).
    pub const ACCELERATOR_PRICE_DECLINE_PER_YEAR: &str = "accelerator-price-decline-per-year";
    /// Average IT power over nameplate power of a running fleet (optional; default 1).
    pub const IT_POWER_UTILISATION: &str = "it-power-utilisation";
    /// Markup on a lease price borrowed from another region (optional; default 0).
    pub const LEASE_REGIONAL_MARKUP: &str = "lease-regional-markup";
    /// Ids the built-in catalog must contain (checked by `CostParams::problems`).
    pub const REQUIRED: [&str; 4] =
        [SERVER_OVERHEAD_RATIO, SERVER_POWER_RATIO, MAINTENANCE_SHARE_PER_YEAR, STORAGE_SHARE];
}

/// A scale-out network technology at one link speed: what one switch, one NIC and one optical
/// link cost and draw. Topology (tiers, links per accelerator) is the cost model's job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkFabric {
    /// Catalog id, e.g. `ib-ndr-400`.
    pub id: String,
    /// Readable name, e.g. "InfiniBand NDR 400G (Quantum-2 QM9700, ConnectX-7)".
    pub name: String,
    /// Link speed of one switch port and one NIC port, Gb/s.
    pub port_gbps: f64,
    /// Ports per switch at `port_gbps` (64 for a QM9700 at 400G).
    pub switch_radix: u32,
    /// Price of one switch, USD (no optics).
    pub switch_price_usd: f64,
    /// Power of one switch at load without optics, W.
    pub switch_power_w: f64,
    /// Price of one NIC port at `port_gbps`, USD (one per accelerator on the scale-out network).
    pub nic_price_usd: f64,
    /// Price of one optical transceiver at `port_gbps`, USD (two per optical link).
    pub optic_price_usd: f64,
    /// Power of one optical transceiver, W.
    pub optic_power_w: f64,
    /// Price of the fibre or cable of one link, USD.
    pub cable_price_usd: f64,
    /// InfiniBand or Ethernet (when omitted: InfiniBand if the name says so, else Ethernet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technology: Option<FabricTechnology>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Link-layer technology of a scale-out fabric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FabricTechnology {
    /// InfiniBand (NVIDIA Quantum switches, ConnectX NICs).
    Infiniband,
    /// Ethernet with RDMA (RoCE).
    Ethernet,
}

impl FabricTechnology {
    /// Lowercase name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            FabricTechnology::Infiniband => "infiniband",
            FabricTechnology::Ethernet => "ethernet",
        }
    }
}

impl NetworkFabric {
    /// The fabric's technology: `technology` when given, else InfiniBand when the name says
    /// "InfiniBand", else Ethernet.
    pub fn technology(&self) -> FabricTechnology {
        self.technology.unwrap_or(if self.name.contains("InfiniBand") {
            FabricTechnology::Infiniband
        } else {
            FabricTechnology::Ethernet
        })
    }
}

/// One scalar cost parameter, e.g. the server overhead ratio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostFactor {
    /// Catalog id, e.g. `server-overhead-ratio` (see [`factor_ids`]).
    pub id: String,
    /// The value, in `unit`.
    pub value: f64,
    /// Unit of `value`, in words ("ratio", "fraction per year", "USD per GPU").
    pub unit: String,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Asset classes with their own depreciation life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AssetClass {
    /// Accelerators (GPUs, NPUs).
    Accelerators,
    /// Servers and racks around the accelerators (hosts, chassis).
    Servers,
    /// Scale-out network (switches, NICs, optics).
    Network,
    /// Storage systems.
    Storage,
    /// Data-center buildings, power and cooling plant.
    Buildings,
}

impl AssetClass {
    /// All classes, in display order.
    pub const ALL: [AssetClass; 5] = [
        AssetClass::Accelerators,
        AssetClass::Servers,
        AssetClass::Network,
        AssetClass::Storage,
        AssetClass::Buildings,
    ];

    /// Kebab-case name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetClass::Accelerators => "accelerators",
            AssetClass::Servers => "servers",
            AssetClass::Network => "network",
            AssetClass::Storage => "storage",
            AssetClass::Buildings => "buildings",
        }
    }
}

/// Straight-line depreciation life of one asset class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Depreciation {
    /// Catalog id; by convention the asset class name, e.g. `accelerators`.
    pub id: String,
    /// Which assets.
    pub asset: AssetClass,
    /// Useful life, years.
    pub years: f64,
    /// Low end of the plausible range, years (for sensitivity runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years_low: Option<f64>,
    /// High end of the plausible range, years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years_high: Option<f64>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// How an FX rate was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FxKind {
    /// A rate at (around) one date, e.g. one used by a press conversion.
    #[default]
    Point,
    /// A period-end close.
    Close,
    /// The planning average for a year (what scenarios convert with by default).
    PlanningAverage,
}

/// Units of a currency per US dollar at a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FxRate {
    /// Catalog id, e.g. `cny-2025-plan`.
    pub id: String,
    /// ISO 4217 currency code, e.g. "CNY".
    pub currency: String,
    /// Units of `currency` per USD.
    pub per_usd: f64,
    /// Year the rate is for.
    pub year: i32,
    /// Point, period close or planning average.
    #[serde(default)]
    pub kind: FxKind,
    /// Date of a point or close rate (first day of the month when only the month is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Whether a capex figure is a reported actual, guidance or a (press-reported) plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CapexKind {
    /// Reported spend.
    Actual,
    /// Company guidance.
    Guidance,
    /// A plan reported by press (not confirmed by the company).
    Plan,
}

/// A company's capital expenditure over a period, in billions of a currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapexReference {
    /// Catalog id, e.g. `microsoft-cy2024`.
    pub id: String,
    /// Company name.
    pub company: String,
    /// Period in words, e.g. "CY2024" or "FY2025 (Jul 2024 - Jun 2025)".
    pub period: String,
    /// Actual, guidance or plan.
    pub kind: CapexKind,
    /// Amount (mid-point of a range), billions of `currency`.
    pub amount_bn: f64,
    /// Low end when a range was reported, billions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_bn_low: Option<f64>,
    /// High end when a range was reported, billions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_bn_high: Option<f64>,
    /// ISO 4217 currency of the amount ("USD", "CNY").
    pub currency: String,
    /// Whether the figure is dated after 2025 (kept behind a post-2025 flag in scenarios).
    #[serde(default)]
    pub post_2025: bool,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// A dated number about a company or market, kept for examples and sanity checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextFact {
    /// Catalog id, e.g. `bytedance-tokens-2025-09`.
    pub id: String,
    /// Who or what it is about, e.g. "ByteDance".
    pub subject: String,
    /// What is measured, e.g. "Doubao LLM daily tokens".
    pub metric: String,
    /// The value, in `unit`.
    pub value: f64,
    /// Unit in words, e.g. "trillion tokens per day".
    pub unit: String,
    /// When, as reported ("2025-09", "2025-Q3", "2025").
    pub date: String,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl CostParams {
    /// Network fabric by id.
    pub fn fabric(&self, id: &str) -> Result<&NetworkFabric, UnknownId> {
        self.fabrics
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| unknown_id("network fabric", id, self.fabrics.iter().map(|f| f.id.as_str())))
    }

    /// Value of the cost factor `id` (see [`factor_ids`]).
    pub fn factor(&self, id: &str) -> Result<f64, UnknownId> {
        self.factors
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.value)
            .ok_or_else(|| unknown_id("cost factor", id, self.factors.iter().map(|f| f.id.as_str())))
    }

    /// Server power at load ÷ (chips × chip TDP) (dimensionless, ≥ 1).
    pub fn server_power_ratio(&self) -> Result<f64, UnknownId> {
        self.factor(factor_ids::SERVER_POWER_RATIO)
    }

    /// Server price ÷ accelerator price (dimensionless, ≥ 1).
    pub fn server_overhead_ratio(&self) -> Result<f64, UnknownId> {
        self.factor(factor_ids::SERVER_OVERHEAD_RATIO)
    }

    /// Yearly maintenance and spares as a fraction of hardware capex.
    pub fn maintenance_share_per_year(&self) -> Result<f64, UnknownId> {
        self.factor(factor_ids::MAINTENANCE_SHARE_PER_YEAR)
    }

    /// Yearly decline of accelerator prices after the catalog's `price_year`, fraction per year
    /// (0 when the catalog has no such factor).
    pub fn accelerator_price_decline_per_year(&self) -> f64 {
        self.factor(factor_ids::ACCELERATOR_PRICE_DECLINE_PER_YEAR).unwrap_or(0.0)
    }

    /// Average IT power drawn over nameplate (TDP-based) power of a running fleet, fraction
    /// (1 when the catalog has no such factor).
    pub fn it_power_utilisation(&self) -> f64 {
        self.factor(factor_ids::IT_POWER_UTILISATION).unwrap_or(1.0)
    }

    /// Demand profile by id (see [`DEFAULT_DIURNAL_PROFILE`]).
    pub fn diurnal_profile(&self, id: &str) -> Result<&DiurnalProfile, UnknownId> {
        self.diurnal_profiles
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| unknown_id("diurnal profile", id, self.diurnal_profiles.iter().map(|p| p.id.as_str())))
    }

    /// Storage capex as a fraction of compute hardware capex.
    pub fn storage_share(&self) -> Result<f64, UnknownId> {
        self.factor(factor_ids::STORAGE_SHARE)
    }

    /// Depreciation life of an asset class, years.
    pub fn depreciation_years(&self, asset: AssetClass) -> Result<f64, UnknownId> {
        self.depreciation
            .iter()
            .find(|d| d.asset == asset)
            .map(|d| d.years)
            .ok_or_else(|| unknown_id("depreciation class", asset.as_str(), AssetClass::ALL.iter().map(|a| a.as_str())))
    }

    /// The planning-average rate of `currency` for `year` (units per USD), falling back to the
    /// latest rate of that year of any kind; `None` when the catalog has no rate that year.
    pub fn fx_per_usd(&self, currency: &str, year: i32) -> Option<f64> {
        let of_year = || self.fx.iter().filter(|r| r.currency == currency && r.year == year);
        of_year()
            .find(|r| r.kind == FxKind::PlanningAverage)
            .or_else(|| of_year().max_by_key(|r| r.as_of))
            .map(|r| r.per_usd)
    }

    /// Integrity problems of the cost parameters (ids, provenance, ranges, references), in
    /// the order: provenance, fabrics, factors, depreciation, leases, FX and references, profiles.
    pub(crate) fn problems(&self, catalog: &Catalog) -> Vec<String> {
        let mut problems = Vec::new();
        self.provenance_problems(&mut problems);
        self.fabric_problems(&mut problems);
        self.factor_problems(&mut problems);
        self.depreciation_problems(&mut problems);
        self.price_problems(catalog, &mut problems);
        self.reference_problems(&mut problems);
        problems
    }

    /// Duplicate or malformed ids and empty sources.
    fn provenance_problems(&self, problems: &mut Vec<String>) {
        let mut seen = BTreeSet::new();
        let provenances = self
            .fabrics
            .iter()
            .map(|e| ("network fabric", e.id.as_str(), &e.provenance))
            .chain(self.factors.iter().map(|e| ("cost factor", e.id.as_str(), &e.provenance)))
            .chain(self.depreciation.iter().map(|e| ("depreciation", e.id.as_str(), &e.provenance)))
            .chain(self.leases.iter().map(|e| ("lease", e.id.as_str(), &e.provenance)))
            .chain(self.purchases.iter().map(|e| ("purchase price", e.id.as_str(), &e.provenance)))
            .chain(self.fx.iter().map(|e| ("fx rate", e.id.as_str(), &e.provenance)))
            .chain(self.capex_references.iter().map(|e| ("capex reference", e.id.as_str(), &e.provenance)))
            .chain(self.context_facts.iter().map(|e| ("context fact", e.id.as_str(), &e.provenance)))
            .chain(self.diurnal_profiles.iter().map(|e| ("diurnal profile", e.id.as_str(), &e.provenance)));
        for (kind, id, provenance) in provenances {
            if !seen.insert((kind, id)) {
                problems.push(format!("duplicate {kind} id `{id}`"));
            }
            if !super::is_valid_id(id) {
                problems.push(format!("{kind} id `{id}` must be lowercase letters, digits, '.' and '-'"));
            }
            if provenance.source.trim().is_empty() {
                problems.push(format!("{kind} `{id}` has an empty `source`"));
            }
        }
    }

    /// Network fabric quantities.
    fn fabric_problems(&self, problems: &mut Vec<String>) {
        for f in &self.fabrics {
            let k = "network fabric";
            let id = f.id.as_str();
            check_positive(problems, k, id, "port_gbps", f.port_gbps);
            check_positive(problems, k, id, "switch_price_usd", f.switch_price_usd);
            check_positive(problems, k, id, "switch_power_w", f.switch_power_w);
            check_positive(problems, k, id, "nic_price_usd", f.nic_price_usd);
            check_positive(problems, k, id, "optic_price_usd", f.optic_price_usd);
            check_positive(problems, k, id, "optic_power_w", f.optic_power_w);
            check_positive(problems, k, id, "cable_price_usd", f.cable_price_usd);
            if f.switch_radix < 2 {
                problems
                    .push(format!("network fabric `{id}`: `switch_radix` must be at least 2, got {}", f.switch_radix));
            }
        }
    }

    /// Cost factors: positive, all required present, ratios ≥ 1, fractions ≤ 1.
    fn factor_problems(&self, problems: &mut Vec<String>) {
        for f in &self.factors {
            check_positive(problems, "cost factor", &f.id, "value", f.value);
        }
        if !self.factors.is_empty() {
            for id in factor_ids::REQUIRED {
                if self.factor(id).is_err() {
                    problems.push(format!("cost factors: required factor `{id}` is missing"));
                }
            }
        }
        let ratio_at_least_one = [factor_ids::SERVER_OVERHEAD_RATIO, factor_ids::SERVER_POWER_RATIO];
        let fractions = [
            factor_ids::MAINTENANCE_SHARE_PER_YEAR,
            factor_ids::STORAGE_SHARE,
            factor_ids::ACCELERATOR_PRICE_DECLINE_PER_YEAR,
            factor_ids::IT_POWER_UTILISATION,
            factor_ids::LEASE_REGIONAL_MARKUP,
        ];
        for f in &self.factors {
            if ratio_at_least_one.contains(&f.id.as_str()) && f.value < 1.0 {
                problems
                    .push(format!("cost factor `{}`: a ratio of server to chip must be ≥ 1, got {}", f.id, f.value));
            }
            if fractions.contains(&f.id.as_str()) && f.value > 1.0 {
                problems.push(format!("cost factor `{}`: must be a fraction ≤ 1, got {}", f.id, f.value));
            }
        }
    }

    /// Depreciation: positive years within their range, one entry per asset class.
    fn depreciation_problems(&self, problems: &mut Vec<String>) {
        for d in &self.depreciation {
            let id = d.id.as_str();
            check_positive(problems, "depreciation", id, "years", d.years);
            check_positive_opt(problems, "depreciation", id, "years_low", d.years_low);
            check_positive_opt(problems, "depreciation", id, "years_high", d.years_high);
            if d.years_low.is_some_and(|l| l > d.years) || d.years_high.is_some_and(|h| h < d.years) {
                problems.push(format!("depreciation `{id}`: years {} must lie within years_low..years_high", d.years));
            }
        }
        let classes: Vec<AssetClass> = self.depreciation.iter().map(|d| d.asset).collect();
        for (i, a) in classes.iter().enumerate() {
            if classes[..i].contains(a) {
                problems.push(format!("depreciation: asset class `{}` is given more than once", a.as_str()));
            }
        }
        if !self.depreciation.is_empty() {
            for a in AssetClass::ALL {
                if !classes.contains(&a) {
                    problems.push(format!("depreciation: no entry for asset class `{}`", a.as_str()));
                }
            }
        }
    }

    /// FX rates, capex references, diurnal profiles and context facts.
    fn reference_problems(&self, problems: &mut Vec<String>) {
        for r in &self.fx {
            check_positive(problems, "fx rate", &r.id, "per_usd", r.per_usd);
            if !is_currency_code(&r.currency) {
                problems
                    .push(format!("fx rate `{}`: currency `{}` must be an ISO 4217 code like CNY", r.id, r.currency));
            }
            if r.as_of.is_some_and(|d| d.year != r.year) {
                problems.push(format!("fx rate `{}`: `as_of` is not in `year` {}", r.id, r.year));
            }
        }

        for c in &self.capex_references {
            let id = c.id.as_str();
            check_positive(problems, "capex reference", id, "amount_bn", c.amount_bn);
            check_positive_opt(problems, "capex reference", id, "amount_bn_low", c.amount_bn_low);
            check_positive_opt(problems, "capex reference", id, "amount_bn_high", c.amount_bn_high);
            if c.amount_bn_low.is_some_and(|l| l > c.amount_bn) || c.amount_bn_high.is_some_and(|h| h < c.amount_bn) {
                problems
                    .push(format!("capex reference `{id}`: amount_bn must lie within amount_bn_low..amount_bn_high"));
            }
            if !is_currency_code(&c.currency) {
                problems.push(format!("capex reference `{id}`: currency `{}` must be an ISO 4217 code", c.currency));
            }
        }

        for d in &self.diurnal_profiles {
            let ok = d.hourly_weights.len() == 24
                && d.hourly_weights.iter().all(|w| w.is_finite() && *w >= 0.0)
                && d.hourly_weights.iter().sum::<f64>() > 0.0;
            if !ok {
                problems.push(format!(
                    "diurnal profile `{}`: `hourly_weights` must be 24 non-negative numbers, not all zero",
                    d.id
                ));
            }
        }

        for f in &self.context_facts {
            if !f.value.is_finite() {
                problems.push(format!("context fact `{}`: `value` must be a finite number", f.id));
            }
        }
    }
}

/// Three ASCII capitals (ISO 4217 style).
fn is_currency_code(s: &str) -> bool {
    s.len() == 3 && s.chars().all(|c| c.is_ascii_uppercase())
}
