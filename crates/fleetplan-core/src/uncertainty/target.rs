//! Dotted paths of uncertain inputs: what each names in the scenario or catalog, its nominal
//! value, its physical range and how a sampled value is written. The one home of the path
//! vocabulary (docs/uncertainty.md, "Paths").

use super::Affects;
use crate::catalog::Catalog;
use crate::scenario::{Scenario, Workload, WorkloadSpec, limits};

/// Numeric fields of a workload that a path may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WField {
    DailyUsers,
    RequestsPerUser,
    InputTokens,
    OutputTokens,
    CachedInput,
    TtftMs,
    TpotMs,
    ItemsPerDay,
    LatencyS,
    Growth,
    GrowthMultiplier,
    PriceInput,
    PriceOutput,
    PriceItem,
    UnservedPenalty,
    Weight,
    Tokens,
}

/// Which workload kinds a field applies to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kinds {
    Chat,
    Generation,
    Serving,
    Training,
}

/// (name, field, kinds, affects, lower bound, lower bound inclusive, upper bound when no limit
/// in `scenario::limits`).
type WorkloadFieldRow = (&'static str, WField, Kinds, Affects, f64, bool, f64);

const WORKLOAD_FIELDS: &[WorkloadFieldRow] = &[
    ("daily_users", WField::DailyUsers, Kinds::Chat, Affects::Demand, 0.0, false, f64::MAX),
    ("requests_per_user_per_day", WField::RequestsPerUser, Kinds::Chat, Affects::Demand, 0.0, false, f64::MAX),
    ("input_tokens_per_request", WField::InputTokens, Kinds::Chat, Affects::Throughput, 0.0, false, f64::MAX),
    ("output_tokens_per_request", WField::OutputTokens, Kinds::Chat, Affects::Throughput, 0.0, false, f64::MAX),
    ("cached_input_fraction", WField::CachedInput, Kinds::Chat, Affects::Throughput, 0.0, true, 0.99),
    ("ttft_p99_ms", WField::TtftMs, Kinds::Chat, Affects::Throughput, 0.0, false, f64::MAX),
    ("tpot_p99_ms", WField::TpotMs, Kinds::Chat, Affects::Throughput, 0.0, false, f64::MAX),
    ("items_per_day", WField::ItemsPerDay, Kinds::Generation, Affects::Demand, 0.0, false, f64::MAX),
    ("latency_p99_s", WField::LatencyS, Kinds::Generation, Affects::Throughput, 0.0, false, f64::MAX),
    ("growth_per_quarter", WField::Growth, Kinds::Serving, Affects::Demand, -1.0, false, 10.0),
    ("growth_multiplier", WField::GrowthMultiplier, Kinds::Serving, Affects::Demand, 0.0, true, 100.0),
    ("price_per_m_input_tokens", WField::PriceInput, Kinds::Chat, Affects::Cost, 0.0, true, 1e9),
    ("price_per_m_output_tokens", WField::PriceOutput, Kinds::Chat, Affects::Cost, 0.0, true, 1e9),
    ("price_per_item", WField::PriceItem, Kinds::Generation, Affects::Cost, 0.0, true, 1e9),
    ("unserved_penalty", WField::UnservedPenalty, Kinds::Serving, Affects::Cost, 0.0, true, 1e9),
    ("weight", WField::Weight, Kinds::Serving, Affects::Other, 0.0, false, f64::MAX),
    ("tokens", WField::Tokens, Kinds::Training, Affects::Demand, 0.0, false, f64::MAX),
];

/// What a path names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A workload field; `id` is the workload id as written (a mix expands to several).
    Workload { id: String, field: WField },
    /// `site.<id>.power_usd_per_kwh`, `pue`, `available_mw`, `buildable_mw`.
    Site { index: usize, field: &'static str },
    /// `option.<name>.price_usd` or `lease_usd_per_hour`.
    Option { index: usize, lease: bool },
    /// `budget.total`.
    BudgetTotal,
    /// `objective.discount_rate`.
    DiscountRate,
    /// `policy.assume_licences_granted` (1 = every licence granted).
    Licences,
    /// `policy.granted_rules.<rule>` (1 = the rule's licence granted).
    Granted(String),
    /// `policy.disabled_rules.<rule>` (1 = the rule disabled).
    Disabled(String),
    /// `catalog.accelerator.<id>.price_usd`: the chip's base price; its dated purchase points
    /// move by the same ratio.
    ChipPrice(String),
    /// `catalog.lease.<chip>.usd_per_accel_hour`: every lease point of the chip moves by the
    /// ratio of the sampled to the nominal price.
    Lease(String),
    /// `catalog.region.<id>.power_usd_per_kwh` (the domestic-chip price moves by the same ratio).
    RegionPower(String),
    /// `efficiency.<family or chip>`: throughput factor of these chip ids.
    Efficiency(Vec<String>),
}

/// A resolved path: what it names, its unit's physical range and what it affects.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    pub kind: Kind,
    pub affects: Affects,
    /// Lower bound of the field.
    pub min: f64,
    /// Whether `min` itself is allowed (else values must exceed it).
    pub min_inclusive: bool,
    /// Upper bound of the field.
    pub max: f64,
}

impl Target {
    fn new(kind: Kind, affects: Affects, min: f64, min_inclusive: bool, max: f64) -> Target {
        Target { kind, affects, min, min_inclusive, max }
    }

    /// Whether the input is a 0/1 switch (takes a Bernoulli distribution).
    pub fn is_switch(&self) -> bool {
        matches!(self.kind, Kind::Licences | Kind::Granted(_) | Kind::Disabled(_))
    }

    /// `value` moved into the field's range: below an exclusive lower bound to the nearest value
    /// above it (a millionth of the nominal above the bound), above the max to the max.
    pub fn clamp(&self, value: f64, nominal: f64) -> f64 {
        let floor = if self.min_inclusive { self.min } else { self.min + (nominal - self.min).abs().max(1e-9) * 1e-6 };
        if value.is_nan() { nominal } else { value.clamp(floor, self.max.max(floor)) }
    }

    /// Human words for the range, e.g. "> 0 and ≤ 1e9".
    pub fn range_words(&self) -> String {
        let low = if self.min_inclusive { format!("≥ {}", self.min) } else { format!("> {}", self.min) };
        let max = if self.max >= 1e6 { format!("{:e}", self.max) } else { crate::format::given(self.max) };
        if self.max < f64::MAX { format!("{low} and ≤ {max}") } else { low }
    }
}

/// Why a path does not resolve.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PathProblem {
    /// What is wrong.
    pub message: String,
    /// The valid paths at the level that failed (for did-you-mean and the help).
    pub candidates: Vec<String>,
}

fn problem(message: String, candidates: Vec<String>) -> PathProblem {
    PathProblem { message, candidates }
}

/// The upper bound of a field from `scenario::limits`, else `fallback`.
fn limit(field: &str, fallback: f64) -> f64 {
    limits::field_limit(field).map_or(fallback, |l| l.max)
}

/// Workload ids as written (a mix's expanded workloads under their parent's id), in order.
pub(crate) fn workload_ids(scenario: &Scenario) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for w in &scenario.workloads {
        let id = w.mix.as_ref().map_or(w.id.clone(), |m| m.of.clone());
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The resolved workloads a workload id as written stands for.
pub(crate) fn workloads_of<'a>(scenario: &'a Scenario, id: &'a str) -> impl Iterator<Item = &'a Workload> + 'a {
    scenario.workloads.iter().filter(move |w| w.id == id || w.mix.as_ref().is_some_and(|m| m.of == id))
}

fn kinds_of(spec: &WorkloadSpec) -> [Kinds; 2] {
    match spec {
        WorkloadSpec::Chat(_) => [Kinds::Chat, Kinds::Serving],
        WorkloadSpec::Image(_) | WorkloadSpec::Video(_) => [Kinds::Generation, Kinds::Serving],
        WorkloadSpec::Training(_) => [Kinds::Training, Kinds::Training],
    }
}

/// Resolve a dotted path against the scenario and catalog.
pub(crate) fn resolve(path: &str, scenario: &Scenario, catalog: &Catalog) -> Result<Target, PathProblem> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    match head {
        "workload" => resolve_workload(rest, scenario),
        "site" => resolve_site(rest, scenario),
        "option" => resolve_option(rest, scenario),
        "budget" if rest == "total" => Ok(Target::new(Kind::BudgetTotal, Affects::Cost, 0.0, false, limits::MAX_MONEY)),
        "objective" if rest == "discount_rate" => Ok(Target::new(Kind::DiscountRate, Affects::Cost, 0.0, true, 1.0)),
        "policy" => resolve_policy(rest, catalog),
        "catalog" => resolve_catalog(rest, catalog),
        "efficiency" => resolve_efficiency(rest, catalog),
        _ => Err(problem(format!("`{path}` names no uncertain input"), top_level_paths())),
    }
}

fn top_level_paths() -> Vec<String> {
    [
        "workload.<id>.<field>",
        "site.<id>.<field>",
        "option.<name>.<field>",
        "budget.total",
        "objective.discount_rate",
        "policy.assume_licences_granted",
        "policy.granted_rules.<rule>",
        "policy.disabled_rules.<rule>",
        "catalog.accelerator.<id>.price_usd",
        "catalog.lease.<chip>.usd_per_accel_hour",
        "catalog.region.<id>.power_usd_per_kwh",
        "efficiency.<chip family or chip id>",
    ]
    .map(String::from)
    .to_vec()
}

/// Split `id.field` at the last dot (ids may contain dots, field names do not).
fn split_last(rest: &str) -> (&str, &str) {
    rest.rsplit_once('.').unwrap_or((rest, ""))
}

fn resolve_workload(rest: &str, scenario: &Scenario) -> Result<Target, PathProblem> {
    let (id, field) = split_last(rest);
    let ids = workload_ids(scenario);
    let Some(first) = workloads_of(scenario, id).next() else {
        let message = format!("no workload `{id}` in the scenario");
        return Err(problem(message, ids.iter().map(|i| format!("workload.{i}.{field}")).collect()));
    };
    let kinds = kinds_of(&first.spec);
    let valid: Vec<&WorkloadFieldRow> = WORKLOAD_FIELDS.iter().filter(|row| kinds.contains(&row.2)).collect();
    match valid.iter().find(|row| row.0 == field) {
        Some(&&(name, wfield, _, affects, min, inclusive, max)) => Ok(Target::new(
            Kind::Workload { id: id.to_string(), field: wfield },
            affects,
            min,
            inclusive,
            limit(name, max),
        )),
        None => Err(problem(
            format!("`{field}` is not an uncertain field of {} workload `{id}`", first.spec.kind().as_str()),
            valid.iter().map(|row| format!("workload.{id}.{}", row.0)).collect(),
        )),
    }
}

fn resolve_site(rest: &str, scenario: &Scenario) -> Result<Target, PathProblem> {
    const FIELDS: [(&str, f64, bool, f64, Affects); 4] = [
        ("power_usd_per_kwh", 0.0, false, 100.0, Affects::Cost),
        ("pue", 1.0, true, 3.0, Affects::Cost),
        ("available_mw", 0.0, true, 1e5, Affects::Other),
        ("buildable_mw", 0.0, true, 1e5, Affects::Other),
    ];
    let (id, field) = split_last(rest);
    let Some(index) = scenario.sites.iter().position(|s| s.id == id) else {
        let message = format!("no site `{id}` in the scenario");
        return Err(problem(message, scenario.sites.iter().map(|s| format!("site.{}.{field}", s.id)).collect()));
    };
    match FIELDS.iter().find(|f| f.0 == field) {
        Some(&(name, min, inclusive, max, affects)) => {
            Ok(Target::new(Kind::Site { index, field: name }, affects, min, inclusive, limit(name, max)))
        }
        None => Err(problem(
            format!("`{field}` is not an uncertain field of a site"),
            FIELDS.iter().map(|f| format!("site.{id}.{}", f.0)).collect(),
        )),
    }
}

fn resolve_option(rest: &str, scenario: &Scenario) -> Result<Target, PathProblem> {
    let (name, field) = split_last(rest);
    let Some(index) = scenario.options.iter().position(|o| o.name == name) else {
        let message = format!("no option named `{name}` in the scenario");
        return Err(problem(message, scenario.options.iter().map(|o| format!("option.{}.{field}", o.name)).collect()));
    };
    let lease = scenario.options[index].mode == crate::scenario::Mode::Lease;
    let valid = if lease { "lease_usd_per_hour" } else { "price_usd" };
    if field != valid {
        let mode = if lease { "a lease" } else { "a buy" };
        return Err(problem(
            format!("`{field}` is not an uncertain field of {mode} option"),
            vec![format!("option.{name}.{valid}")],
        ));
    }
    Ok(Target::new(Kind::Option { index, lease }, Affects::Cost, 0.0, false, limit(valid, f64::MAX)))
}

fn resolve_policy(rest: &str, catalog: &Catalog) -> Result<Target, PathProblem> {
    let switch = |kind| Ok(Target::new(kind, Affects::Policy, 0.0, true, 1.0));
    if rest == "assume_licences_granted" {
        return switch(Kind::Licences);
    }
    let rules = || catalog.rules.iter().map(|r| r.id.clone());
    for (list, make) in [
        ("granted_rules", Kind::Granted as fn(String) -> Kind),
        ("disabled_rules", Kind::Disabled as fn(String) -> Kind),
    ] {
        if let Some(rule) = rest.strip_prefix(list).and_then(|r| r.strip_prefix('.')) {
            return match catalog.rule(rule) {
                Ok(_) => switch(make(rule.to_string())),
                Err(_) => Err(problem(
                    format!("no catalog rule `{rule}`"),
                    rules().map(|r| format!("policy.{list}.{r}")).collect(),
                )),
            };
        }
    }
    Err(problem(
        format!("`policy.{rest}` is not an uncertain policy switch"),
        ["policy.assume_licences_granted", "policy.granted_rules.<rule>", "policy.disabled_rules.<rule>"]
            .map(String::from)
            .to_vec(),
    ))
}

fn resolve_catalog(rest: &str, catalog: &Catalog) -> Result<Target, PathProblem> {
    let (table, tail) = rest.split_once('.').unwrap_or((rest, ""));
    let (id, field) = split_last(tail);
    let chips = || catalog.accelerators.iter().map(|a| a.id.clone());
    let (expected, known, kind, max): (&str, Vec<String>, Kind, f64) = match table {
        "accelerator" => ("price_usd", chips().collect(), Kind::ChipPrice(id.to_string()), 1e9),
        "lease" => ("usd_per_accel_hour", chips().collect(), Kind::Lease(id.to_string()), 1e6),
        "region" => (
            "power_usd_per_kwh",
            catalog.regions.iter().map(|r| r.id.clone()).collect(),
            Kind::RegionPower(id.to_string()),
            100.0,
        ),
        _ => {
            return Err(problem(
                format!("`catalog.{table}` is not a catalog table with uncertain values"),
                [
                    "catalog.accelerator.<id>.price_usd",
                    "catalog.lease.<chip>.usd_per_accel_hour",
                    "catalog.region.<id>.power_usd_per_kwh",
                ]
                .map(String::from)
                .to_vec(),
            ));
        }
    };
    if !known.iter().any(|k| k == id) {
        return Err(problem(
            format!("no catalog {table} `{id}`"),
            known.iter().map(|k| format!("catalog.{table}.{k}.{expected}")).collect(),
        ));
    }
    if field != expected {
        return Err(problem(
            format!("`{field}` is not an uncertain field of catalog.{table}"),
            vec![format!("catalog.{table}.{id}.{expected}")],
        ));
    }
    Ok(Target::new(kind, Affects::Cost, 0.0, false, max))
}

fn resolve_efficiency(name: &str, catalog: &Catalog) -> Result<Target, PathProblem> {
    let chips: Vec<String> = if catalog.accelerators.iter().any(|a| a.id == name) {
        vec![name.to_string()]
    } else {
        catalog.accelerators.iter().filter(|a| a.perf_family == name).map(|a| a.id.clone()).collect()
    };
    if chips.is_empty() {
        let families = catalog.perf_families.iter().map(|f| format!("efficiency.{}", f.id));
        let ids = catalog.accelerators.iter().map(|a| format!("efficiency.{}", a.id));
        return Err(problem(format!("`{name}` is neither a chip family nor a chip id"), families.chain(ids).collect()));
    }
    Ok(Target::new(Kind::Efficiency(chips), Affects::Throughput, 0.0, false, 10.0))
}

/// Whether an efficiency path names a single chip (it then wins over its family's).
pub(crate) fn names_chip(path: &str, catalog: &Catalog) -> bool {
    path.strip_prefix("efficiency.").is_some_and(|id| catalog.accelerators.iter().any(|a| a.id == id))
}
