//! Serving engines and training frameworks: the software that runs a model on a chip.
//!
//! The same chip and model differ between TensorRT-LLM, vLLM and SGLang mostly through a few
//! documented mechanics, which an entry states as data: the cap on running requests per replica,
//! the per-step host (scheduler) overhead, how KV cache is reserved for a request, which parallel
//! layouts the engine runs, and overlap / precision / decoding features. Behaviour that changed
//! between releases is written as `versions` overrides picked by a version string
//! ([`ServingTraits::at_version`]). An engine-specific `efficiency` multiplier stays 1.0 until at
//! least three calibration cases stand behind it (issue 9).

use super::common::Provenance;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The vendor wildcard in `vendors` / `default_for_vendors`: any chip vendor (for
/// `default_for_vendors`: any vendor no other engine of the same role claims).
pub const ANY_VENDOR: &str = "*";

/// What an engine entry is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EngineRole {
    /// An inference serving engine (TensorRT-LLM, vLLM, SGLang, ...).
    Serving,
    /// A training framework (Megatron, MaxText, DeepSpeed).
    Training,
}

impl EngineRole {
    /// Lowercase name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineRole::Serving => "serving",
            EngineRole::Training => "training",
        }
    }
}

/// How a serving engine reserves KV cache for a request it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KvReservation {
    /// Paged cache grown on demand (vLLM, SGLang): a request holds the KV of the tokens it has,
    /// on average its time-weighted mean context.
    #[default]
    Expected,
    /// Input plus the maximum output reserved at admission (TensorRT-LLM's default
    /// `GUARANTEED_NO_EVICT` capacity scheduler).
    Maximum,
}

impl KvReservation {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            KvReservation::Expected => "expected",
            KvReservation::Maximum => "maximum",
        }
    }
}

/// A way of laying out the expert layers of an MoE model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MoeLayout {
    /// Experts inside one tensor-parallel replica (sharded or distributed over its TP ranks).
    Tp,
    /// Wide expert parallelism: several attention-data-parallel replicas share one set of
    /// experts through all-to-all dispatch and combine.
    Ep,
}

impl MoeLayout {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            MoeLayout::Tp => "tp",
            MoeLayout::Ep => "ep",
        }
    }
}

/// Where a serving engine runs pipeline parallelism (for dense and MoE models alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PipelineRule {
    /// Pipeline stages only across scale-up domains: each stage's tensor-parallel group fills
    /// a whole domain (inside a domain the engine uses tensor parallelism instead).
    AcrossDomainOnly,
    /// Pipeline stages anywhere, also inside one scale-up domain.
    Anywhere,
}

impl PipelineRule {
    /// Name as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            PipelineRule::AcrossDomainOnly => "across_domain_only",
            PipelineRule::Anywhere => "anywhere",
        }
    }
}

/// One serving engine or training framework (catalog `[[engine]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServingEngine {
    /// Catalog id, e.g. `trtllm`, `vllm`, `megatron`.
    pub id: String,
    /// Readable name, e.g. "TensorRT-LLM".
    pub name: String,
    /// Serving engine or training framework.
    pub role: EngineRole,
    /// Chip vendors it runs on, lowercase, matched against the accelerator's `vendor`
    /// case-insensitively (e.g. `["nvidia"]`); `"*"` = any vendor.
    pub vendors: Vec<String>,
    /// Vendors for which it is the default (best-tuned) engine of its role; `"*"` = the
    /// fallback for vendors no other engine claims.
    #[serde(default)]
    pub default_for_vendors: Vec<String>,
    /// Serving mechanics (present exactly when `role = "serving"`; TOML table
    /// `[engine.serving]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<ServingTraits>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// The documented mechanics of a serving engine (for its oldest described release; see
/// `versions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServingTraits {
    /// Default cap on running (decoding) requests per replica (vLLM `max_num_seqs`,
    /// TensorRT-LLM `max_batch_size`, SGLang `max_running_requests`).
    pub max_running_requests_default: u32,
    /// The default cap on chips with at least `large_memory_min_gb` of memory, when the engine
    /// picks a larger default there (vLLM V1: 1024 on ≥ 70 GiB devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_running_requests_large_memory: Option<u32>,
    /// Chip memory from which `max_running_requests_large_memory` applies, GB (decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_memory_min_gb: Option<f64>,
    /// Hard cap on running requests per replica, if the engine has one (a configured or
    /// published cap is clamped to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_running_requests_limit: Option<u32>,
    /// Per-step host (scheduler, input preparation, sampling bookkeeping) overhead added to the
    /// chip family's fixed step cost, microseconds. The family's figure is calibrated on the
    /// best-tuned engines, which therefore carry 0 here.
    pub step_overhead_us: f64,
    /// KV reservation policy at admission.
    pub kv_reservation: KvReservation,
    /// Expert layouts it runs for MoE models.
    pub moe_layouts: Vec<MoeLayout>,
    /// Where it runs pipeline stages: only across scale-up domains (the usual deployment), or
    /// anywhere.
    pub pipeline: PipelineRule,
    /// Whether it overlaps the expert all-to-all with compute by splitting a step into two
    /// micro-batches (SGLang two-batch overlap, TensorRT-LLM wide-EP overlap).
    pub two_batch_overlap: bool,
    /// Whether it runs multi-token-prediction / speculative decoding.
    pub mtp: bool,
    /// Whether it runs attention at FP8 when the KV cache is FP8 (FP8 FMHA, FlashMLA-FP8).
    pub fp8_attention: bool,
    /// Whether its default KV-cache precision is `auto`, the model's activation dtype (16-bit
    /// even for 8/4-bit weights unless the run sets an 8-bit KV cache: vLLM and SGLang
    /// `--kv-cache-dtype auto`); false: 8-bit KV in 8/4-bit runs (TensorRT-LLM's FP8 checkpoints).
    #[serde(default)]
    pub kv_cache_auto: bool,
    /// Whether it serves with prefill and decode in separate pools (P/D disaggregation: the KV
    /// cache moves from a prefill instance to a decode instance), so the rating may choose such
    /// a configuration.
    #[serde(default)]
    pub pd_disaggregation: bool,
    /// Engine-specific throughput multiplier on kernel rates (1.0 unless ≥ 3 calibration cases
    /// support another value).
    #[serde(default = "one")]
    pub efficiency: f64,
    /// Behaviour changes by release, each applying to versions ≥ its `since`; listed in
    /// ascending order. With no version given, every override applies (the latest release).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<EngineVersion>,
}

fn one() -> f64 {
    1.0
}

/// Overrides of [`ServingTraits`] from one release on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EngineVersion {
    /// First release with this behaviour, dotted (e.g. `"0.8"`), compared numerically.
    pub since: String,
    /// New `max_running_requests_default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_running_requests_default: Option<u32>,
    /// New `max_running_requests_large_memory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_running_requests_large_memory: Option<u32>,
    /// New `large_memory_min_gb`, GB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_memory_min_gb: Option<f64>,
    /// New `step_overhead_us`, microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_overhead_us: Option<f64>,
    /// New `kv_reservation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_reservation: Option<KvReservation>,
    /// New `moe_layouts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe_layouts: Option<Vec<MoeLayout>>,
    /// New `two_batch_overlap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_batch_overlap: Option<bool>,
    /// New `mtp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtp: Option<bool>,
    /// New `fp8_attention`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp8_attention: Option<bool>,
    /// New `pd_disaggregation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pd_disaggregation: Option<bool>,
    /// New `efficiency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    /// What changed in this release and where that is documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Compare two dotted version strings numerically (`0.10` > `0.9`). A leading `v` is ignored;
/// each component counts by its leading digits (`0.4.9.post2` = 0.4.9.0, `1.0.0rc4` = 1.0.0);
/// missing components are 0, so `0.8` = `0.8.0`.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (a, b) = (version_parts(a), version_parts(b));
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| a.get(i).copied().unwrap_or(0).cmp(&b.get(i).copied().unwrap_or(0)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Numeric components of a version string (see [`compare_versions`]).
fn version_parts(version: &str) -> Vec<u64> {
    let trimmed = version.trim();
    let trimmed = trimmed.strip_prefix(['v', 'V']).unwrap_or(trimmed);
    trimmed
        .split(['.', '-', '+', '_'])
        .map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().unwrap_or(0)
        })
        .collect()
}

/// Whether a version string starts with a digit (after an optional `v`): one that
/// [`compare_versions`] reads meaningfully.
pub fn is_version(version: &str) -> bool {
    let trimmed = version.trim();
    trimmed.strip_prefix(['v', 'V']).unwrap_or(trimmed).starts_with(|c: char| c.is_ascii_digit())
}

impl ServingTraits {
    /// The traits of release `version`: every override whose `since` ≤ `version` applied in
    /// ascending order; with `None`, all of them (the latest release). The result has no
    /// `versions`.
    pub fn at_version(&self, version: Option<&str>) -> ServingTraits {
        let mut resolved = ServingTraits { versions: Vec::new(), ..self.clone() };
        let mut overrides: Vec<&EngineVersion> = self
            .versions
            .iter()
            .filter(|v| version.is_none_or(|wanted| compare_versions(&v.since, wanted) != Ordering::Greater))
            .collect();
        overrides.sort_by(|a, b| compare_versions(&a.since, &b.since));
        for o in overrides {
            resolved.apply(o);
        }
        resolved
    }

    /// Apply one release's overrides.
    fn apply(&mut self, o: &EngineVersion) {
        if let Some(v) = o.max_running_requests_default {
            self.max_running_requests_default = v;
        }
        if let Some(v) = o.max_running_requests_large_memory {
            self.max_running_requests_large_memory = Some(v);
        }
        if let Some(v) = o.large_memory_min_gb {
            self.large_memory_min_gb = Some(v);
        }
        if let Some(v) = o.step_overhead_us {
            self.step_overhead_us = v;
        }
        if let Some(v) = o.kv_reservation {
            self.kv_reservation = v;
        }
        if let Some(v) = &o.moe_layouts {
            self.moe_layouts.clone_from(v);
        }
        if let Some(v) = o.two_batch_overlap {
            self.two_batch_overlap = v;
        }
        if let Some(v) = o.mtp {
            self.mtp = v;
        }
        if let Some(v) = o.fp8_attention {
            self.fp8_attention = v;
        }
        if let Some(v) = o.pd_disaggregation {
            self.pd_disaggregation = v;
        }
        if let Some(v) = o.efficiency {
            self.efficiency = v;
        }
    }

    /// Default running-request cap on a chip with `mem_gb` of memory (the large-memory default
    /// where it applies), clamped to the hard limit.
    pub fn max_running_requests_on(&self, mem_gb: f64) -> u32 {
        let large = match (self.max_running_requests_large_memory, self.large_memory_min_gb) {
            (Some(cap), Some(min_gb)) if mem_gb >= min_gb => Some(cap),
            _ => None,
        };
        let cap = large.unwrap_or(self.max_running_requests_default);
        self.max_running_requests_limit.map_or(cap, |limit| cap.min(limit))
    }
}

impl ServingEngine {
    /// Whether it runs on chips of `vendor` (case-insensitive; `"*"` matches every vendor).
    pub fn runs_on_vendor(&self, vendor: &str) -> bool {
        self.vendors.iter().any(|v| v == ANY_VENDOR || v.eq_ignore_ascii_case(vendor))
    }

    /// Whether it is the named default for `vendor` (not counting the `"*"` fallback).
    pub fn is_default_for(&self, vendor: &str) -> bool {
        self.default_for_vendors.iter().any(|v| v.eq_ignore_ascii_case(vendor))
    }

    /// Whether it is the fallback default for vendors no engine names.
    pub fn is_fallback_default(&self) -> bool {
        self.default_for_vendors.iter().any(|v| v == ANY_VENDOR)
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        let id = &self.id;
        let mut p = Vec::new();
        if self.vendors.is_empty() {
            p.push(format!("engine `{id}`: `vendors` must name at least one chip vendor (or \"*\")"));
        }
        for v in self.vendors.iter().chain(&self.default_for_vendors) {
            if v != ANY_VENDOR && (v.is_empty() || v.chars().any(|c| c.is_ascii_uppercase())) {
                p.push(format!("engine `{id}`: vendor `{v}` must be a lowercase vendor name or \"*\""));
            }
        }
        for v in &self.default_for_vendors {
            if v != ANY_VENDOR && !self.runs_on_vendor(v) {
                p.push(format!("engine `{id}`: default for vendor `{v}`, which is not among its `vendors`"));
            }
        }
        match (self.role, &self.serving) {
            (EngineRole::Serving, None) => {
                p.push(format!("engine `{id}`: a serving engine needs an `[engine.serving]` table"));
            }
            (EngineRole::Training, Some(_)) => {
                p.push(format!("engine `{id}`: a training framework has no `[engine.serving]` table"));
            }
            (EngineRole::Serving, Some(traits)) => p.extend(traits.problems(id)),
            (EngineRole::Training, None) => {}
        }
        p
    }
}

impl ServingTraits {
    fn problems(&self, id: &str) -> Vec<String> {
        let mut p = Vec::new();
        check_values(
            &mut p,
            id,
            "",
            Values {
                max_running_requests_default: Some(self.max_running_requests_default),
                max_running_requests_large_memory: self.max_running_requests_large_memory,
                large_memory_min_gb: self.large_memory_min_gb,
                step_overhead_us: Some(self.step_overhead_us),
                efficiency: Some(self.efficiency),
                moe_layouts: Some(&self.moe_layouts),
            },
        );
        if self.max_running_requests_large_memory.is_some() != self.large_memory_min_gb.is_some() {
            p.push(format!(
                "engine `{id}`: give `max_running_requests_large_memory` and `large_memory_min_gb` together"
            ));
        }
        if let Some(limit) = self.max_running_requests_limit
            && limit < self.max_running_requests_default
        {
            p.push(format!(
                "engine `{id}`: `max_running_requests_limit` {limit} is below the default {}",
                self.max_running_requests_default
            ));
        }
        let mut previous: Option<&str> = None;
        for v in &self.versions {
            let at = format!(" (versions since {})", v.since);
            if !is_version(&v.since) {
                p.push(format!("engine `{id}`: version `since = \"{}\"` must start with a digit", v.since));
            }
            if let Some(prev) = previous
                && compare_versions(prev, &v.since) != Ordering::Less
            {
                p.push(format!("engine `{id}`: `versions` must be in ascending order of `since`{at}"));
            }
            previous = Some(&v.since);
            check_values(
                &mut p,
                id,
                &at,
                Values {
                    max_running_requests_default: v.max_running_requests_default,
                    max_running_requests_large_memory: v.max_running_requests_large_memory,
                    large_memory_min_gb: v.large_memory_min_gb,
                    step_overhead_us: v.step_overhead_us,
                    efficiency: v.efficiency,
                    moe_layouts: v.moe_layouts.as_deref(),
                },
            );
        }
        p
    }
}

/// The checked values of a traits table or one version override.
struct Values<'a> {
    max_running_requests_default: Option<u32>,
    max_running_requests_large_memory: Option<u32>,
    large_memory_min_gb: Option<f64>,
    step_overhead_us: Option<f64>,
    efficiency: Option<f64>,
    moe_layouts: Option<&'a [MoeLayout]>,
}

fn check_values(p: &mut Vec<String>, id: &str, at: &str, v: Values<'_>) {
    for (field, cap) in [
        ("max_running_requests_default", v.max_running_requests_default),
        ("max_running_requests_large_memory", v.max_running_requests_large_memory),
    ] {
        if cap == Some(0) {
            p.push(format!("engine `{id}`: `{field}` must be at least 1{at}"));
        }
    }
    if let Some(gb) = v.large_memory_min_gb
        && !(gb.is_finite() && gb > 0.0)
    {
        p.push(format!("engine `{id}`: `large_memory_min_gb` must be a positive number, got {gb}{at}"));
    }
    if let Some(us) = v.step_overhead_us
        && !(us.is_finite() && us >= 0.0)
    {
        p.push(format!(
            "engine `{id}`: `step_overhead_us` must be a non-negative number of microseconds, got {us}{at}"
        ));
    }
    if let Some(e) = v.efficiency
        && !(e.is_finite() && e > 0.0 && e <= 2.0)
    {
        p.push(format!("engine `{id}`: `efficiency` must be in (0, 2], got {e}{at}"));
    }
    if v.moe_layouts.is_some_and(<[MoeLayout]>::is_empty) {
        p.push(format!("engine `{id}`: `moe_layouts` must name at least one layout (tp, ep){at}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("0.10", "0.9"), Ordering::Greater);
        assert_eq!(compare_versions("0.8", "0.8.0"), Ordering::Equal);
        assert_eq!(compare_versions("v0.9.2", "0.9.10"), Ordering::Less);
        assert_eq!(compare_versions("0.4.9.post2", "0.4.9"), Ordering::Equal);
        assert_eq!(compare_versions("1.0.0rc4", "0.21"), Ordering::Greater);
        assert!(is_version("v0.6.0") && is_version("2.1RC1") && !is_version("latest"));
    }

    fn traits() -> ServingTraits {
        ServingTraits {
            max_running_requests_default: 256,
            max_running_requests_large_memory: None,
            large_memory_min_gb: None,
            max_running_requests_limit: None,
            step_overhead_us: 4000.0,
            kv_reservation: KvReservation::Expected,
            moe_layouts: vec![MoeLayout::Tp],
            pipeline: PipelineRule::Anywhere,
            two_batch_overlap: false,
            mtp: false,
            fp8_attention: false,
            kv_cache_auto: false,
            pd_disaggregation: false,
            efficiency: 1.0,
            versions: vec![
                EngineVersion { since: "0.6".into(), step_overhead_us: Some(1000.0), ..EngineVersion::empty() },
                EngineVersion {
                    since: "0.8".into(),
                    step_overhead_us: Some(0.0),
                    max_running_requests_large_memory: Some(1024),
                    large_memory_min_gb: Some(75.0),
                    mtp: Some(true),
                    ..EngineVersion::empty()
                },
            ],
        }
    }

    impl EngineVersion {
        fn empty() -> EngineVersion {
            EngineVersion {
                since: String::new(),
                max_running_requests_default: None,
                max_running_requests_large_memory: None,
                large_memory_min_gb: None,
                step_overhead_us: None,
                kv_reservation: None,
                moe_layouts: None,
                two_batch_overlap: None,
                mtp: None,
                fp8_attention: None,
                pd_disaggregation: None,
                efficiency: None,
                notes: None,
            }
        }
    }

    #[test]
    fn overrides_apply_up_to_the_version_and_all_without_one() {
        let t = traits();
        assert_eq!(t.at_version(Some("0.5.3")).step_overhead_us, 4000.0);
        assert_eq!(t.at_version(Some("0.6.0")).step_overhead_us, 1000.0);
        assert_eq!(t.at_version(Some("0.7.3")).step_overhead_us, 1000.0);
        let v1 = t.at_version(Some("0.10.2"));
        assert_eq!(v1.step_overhead_us, 0.0);
        assert!(v1.mtp && v1.versions.is_empty());
        assert_eq!(t.at_version(None), v1);
        // The large-memory default applies from its threshold on.
        assert_eq!(v1.max_running_requests_on(80.0), 1024);
        assert_eq!(v1.max_running_requests_on(64.0), 256);
        assert_eq!(t.at_version(Some("0.6")).max_running_requests_on(80.0), 256);
    }

    #[test]
    fn the_hard_limit_clamps_the_default() {
        let mut t = traits().at_version(None);
        t.max_running_requests_limit = Some(512);
        assert_eq!(t.max_running_requests_on(141.0), 512);
    }

    #[test]
    fn problems_name_bad_values() {
        let mut t = traits();
        t.versions.swap(0, 1);
        t.step_overhead_us = -1.0;
        t.moe_layouts.clear();
        let p = t.problems("x").join("\n");
        assert!(p.contains("ascending"), "{p}");
        assert!(p.contains("step_overhead_us"), "{p}");
        assert!(p.contains("moe_layouts"), "{p}");
    }
}
