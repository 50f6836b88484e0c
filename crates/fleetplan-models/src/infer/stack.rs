//! The serving stack: what the inference model takes from a serving engine (catalog
//! `engines.toml`) running on one chip — the cap on running requests per replica, the extra
//! per-step host overhead, the KV reservation policy, the layouts the engine runs and its
//! overlap, precision and decoding features — as one `Copy` value.
//!
//! The layout search runs only layouts the stack runs ([`ServingStack::runs`]); the step time
//! and batch limits see the stack through [`ServingStack::apply`], which sets the running-request
//! cap and adds the engine's step overhead to the chip family's. The step features
//! (`kv_reservation`, `two_batch_overlap`, `fp8_attention`) reach the engine through
//! `InferenceQuery::step_options`; `mtp` is carried for the mechanisms that use it.

use crate::hw::ChipRates;
use crate::infer::layout::Layout;
use fleetplan_core::catalog::{
    Accelerator, Catalog, ChipId, EngineId, EngineRole, KvReservation, MoeLayout, PipelineRule, ServingEngine,
};
use fleetplan_core::units::Precision;
use serde::Serialize;

/// Why an engine cannot serve on a chip.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The version is not a release number (it must start with a digit, e.g. `0.10.1`).
    #[error("engine version `{version}` is not a release number (expected e.g. `0.10.1` or `v1.0`)")]
    Version {
        /// The version as given.
        version: String,
    },
    /// The engine is a training framework.
    #[error("engine `{engine}` is a training framework, not a serving engine")]
    NotServing {
        /// Engine id.
        engine: String,
    },
    /// The engine does not run on chips of this vendor.
    #[error("engine `{engine}` does not run on {vendor} chips like `{chip}` (it runs on: {runs_on})")]
    NotOnVendor {
        /// Engine id.
        engine: String,
        /// Chip id.
        chip: String,
        /// The chip's vendor.
        vendor: String,
        /// The engine's vendors, comma-separated.
        runs_on: String,
    },
}

/// The numbers the inference model needs from one serving engine on one chip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ServingStack {
    /// Most running requests per replica (the engine's default for the chip, or a configured /
    /// published cap).
    pub max_running_requests: f64,
    /// Host overhead per step added to the chip family's fixed step cost, s.
    pub step_overhead_s: f64,
    /// KV reservation policy at admission.
    pub kv_reservation: KvReservation,
    /// Runs MoE experts inside a tensor-parallel replica (`ep ≤ tp`).
    pub moe_tp: bool,
    /// Runs wide expert parallelism with data-parallel attention (`ep > tp`).
    pub moe_ep: bool,
    /// Where pipeline stages run.
    pub pipeline: PipelineRule,
    /// Overlaps the expert all-to-all with compute (two micro-batches per step).
    pub two_batch_overlap: bool,
    /// Runs attention at FP8 when the KV cache is FP8.
    pub fp8_attention: bool,
    /// Runs multi-token-prediction / speculative decoding.
    pub mtp: bool,
    /// Keeps the KV cache at the activation precision by default (`--kv-cache-dtype auto`: vLLM,
    /// SGLang) instead of 8 bits in 8/4-bit runs; see [`ServingStack::default_kv_precision`].
    pub kv_cache_auto: bool,
    /// Runs prefill and decode in separate pools (P/D disaggregation), a configuration the
    /// rating may choose ([`crate::infer::config`]).
    pub pd_disaggregation: bool,
    /// Engine-specific multiplier on kernel rates (1.0 unless calibrated).
    pub efficiency: f64,
}

impl ServingStack {
    /// The stack for catalogs without any serving engine: a running-request cap of 256 (vLLM's
    /// classic `max_num_seqs`), no extra overhead, paged KV, every MoE layout, pipelines only
    /// across scale-up domains, no optional features.
    pub const GENERIC: ServingStack = ServingStack {
        max_running_requests: 256.0,
        step_overhead_s: 0.0,
        kv_reservation: KvReservation::Expected,
        moe_tp: true,
        moe_ep: true,
        pipeline: PipelineRule::AcrossDomainOnly,
        two_batch_overlap: false,
        fp8_attention: false,
        mtp: false,
        kv_cache_auto: false,
        pd_disaggregation: false,
        efficiency: 1.0,
    };

    /// The stack of `engine` at release `version` (latest when `None`) on `chip`: an error when
    /// the engine is a training framework or does not run on the chip's vendor.
    pub fn new(engine: &ServingEngine, version: Option<&str>, chip: &Accelerator) -> Result<ServingStack, EngineError> {
        if let Some(version) = version
            && !fleetplan_core::catalog::is_version(version)
        {
            return Err(EngineError::Version { version: version.to_string() });
        }
        let traits = match (&engine.serving, engine.role) {
            (Some(traits), EngineRole::Serving) => traits.at_version(version),
            _ => return Err(EngineError::NotServing { engine: engine.id.clone() }),
        };
        if !engine.runs_on_vendor(&chip.vendor) {
            return Err(EngineError::NotOnVendor {
                engine: engine.id.clone(),
                chip: chip.id.clone(),
                vendor: chip.vendor.clone(),
                runs_on: engine.vendors.join(", "),
            });
        }
        Ok(ServingStack {
            max_running_requests: f64::from(traits.max_running_requests_on(chip.mem_gb).max(1)),
            step_overhead_s: traits.step_overhead_us * 1e-6,
            kv_reservation: traits.kv_reservation,
            moe_tp: traits.moe_layouts.contains(&MoeLayout::Tp),
            moe_ep: traits.moe_layouts.contains(&MoeLayout::Ep),
            pipeline: traits.pipeline,
            two_batch_overlap: traits.two_batch_overlap,
            fp8_attention: traits.fp8_attention,
            mtp: traits.mtp,
            kv_cache_auto: traits.kv_cache_auto,
            pd_disaggregation: traits.pd_disaggregation,
            efficiency: traits.efficiency,
        })
    }

    /// KV-cache precision the stack uses when a run does not set one, for weights and
    /// activations at `precision`: the activation precision (16-bit; FP16 for FP16 runs) for an
    /// engine whose `--kv-cache-dtype` defaults to `auto` (vLLM, SGLang: an FP8 checkpoint keeps a
    /// BF16 KV cache), otherwise [`default_kv_precision`](crate::shape::default_kv_precision)
    /// (8-bit KV for 8/4-bit runs, as TensorRT-LLM's FP8 checkpoints and MLPerf submissions run).
    pub fn default_kv_precision(&self, precision: Precision) -> Precision {
        match (self.kv_cache_auto, precision) {
            (true, Precision::Fp16) => Precision::Fp16,
            (true, _) => Precision::Bf16,
            (false, p) => crate::shape::default_kv_precision(p),
        }
    }

    /// The stack of the default (best-tuned) serving engine for `chip`'s vendor at its latest
    /// release; [`ServingStack::GENERIC`] when the catalog has no engine for the vendor. It
    /// stands for a tuned deployment, which sets an 8-bit KV cache in 8/4-bit runs (AMD's MLPerf
    /// vLLM runs with FP8 KV, Intel's vLLM-Gaudi FP8 recipe with `--kv-cache-dtype fp8_inc`), so
    /// `kv_cache_auto` is off whatever the engine's own default.
    pub fn default_for(catalog: &Catalog, chip: &ChipId) -> ServingStack {
        let stack = catalog
            .default_engine_for(chip)
            .and_then(|engine| ServingStack::new(&catalog[&engine], None, &catalog[chip]).ok())
            .unwrap_or(ServingStack::GENERIC);
        ServingStack { kv_cache_auto: false, ..stack }
    }

    /// The stack of `engine` (at `version`) on `chip`, or the chip's default when no engine is
    /// named (the version then is ignored: it belongs to a named engine).
    pub fn for_chip(
        catalog: &Catalog,
        engine: Option<&EngineId>,
        version: Option<&str>,
        chip: &ChipId,
    ) -> Result<ServingStack, EngineError> {
        match engine {
            Some(engine) => ServingStack::new(&catalog[engine], version, &catalog[chip]),
            None => Ok(ServingStack::default_for(catalog, chip)),
        }
    }

    /// The same stack with the running-request cap set to `max_running_requests` (a configured
    /// or published cap, e.g. a validation case's `max_batch`).
    pub fn with_max_running_requests(self, max_running_requests: u32) -> ServingStack {
        ServingStack { max_running_requests: f64::from(max_running_requests.max(1)), ..self }
    }

    /// Chip rates as this stack runs them: its running-request cap, the family's fixed step cost
    /// plus the engine's, and kernel rates (GEMM, attention, memory) times its efficiency.
    /// Apply once, to rates made from the catalog ([`ChipRates::new`]).
    pub fn apply(&self, rates: ChipRates) -> ChipRates {
        ChipRates {
            max_running_requests: self.max_running_requests,
            step_overhead_s: rates.step_overhead_s + self.step_overhead_s,
            gemm_flops: rates.gemm_flops * self.efficiency,
            moe_gemm_flops: rates.moe_gemm_flops * self.efficiency,
            attn_flops: rates.attn_flops * self.efficiency,
            mem_bw: rates.mem_bw * self.efficiency,
            ..rates
        }
    }

    /// Whether the engine runs `layout` for a model (MoE when `moe`) on chips with scale-up
    /// domains of `scaleup_domain` chips. MoE: the expert layout must be one the engine runs
    /// (`ep > tp` is wide EP, else experts inside the replica). Pipeline stages (any model) only
    /// when the engine pipelines anywhere or each stage's tensor-parallel group fills a scale-up
    /// domain, so stage boundaries cross domains (inside a domain engines use TP instead).
    pub fn runs(&self, layout: &Layout, moe: bool, scaleup_domain: f64) -> bool {
        let experts_ok = !moe || if layout.expert_group() > layout.tp { self.moe_ep } else { self.moe_tp };
        let pipeline_ok =
            layout.pp <= 1 || self.pipeline == PipelineRule::Anywhere || f64::from(layout.tp) >= scaleup_domain;
        experts_ok && pipeline_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::builtin().unwrap()
    }

    fn stack(catalog: &Catalog, engine: &str, version: Option<&str>, chip: &str) -> Result<ServingStack, EngineError> {
        ServingStack::new(catalog.engine(engine).unwrap(), version, catalog.accelerator(chip).unwrap())
    }

    #[test]
    fn versions_pick_their_overrides() {
        let c = catalog();
        let v05 = stack(&c, "vllm", Some("0.5.3"), "h100-sxm").unwrap();
        let v06 = stack(&c, "vllm", Some("0.6.0"), "h100-sxm").unwrap();
        let v1 = stack(&c, "vllm", Some("0.10.2"), "h100-sxm").unwrap();
        assert!(v05.step_overhead_s > v06.step_overhead_s && v06.step_overhead_s > v1.step_overhead_s);
        assert_eq!((v05.max_running_requests, v06.max_running_requests), (256.0, 256.0));
        // V1 on an 80 GB device: 1024; on a 64 GB Ascend 910B (vLLM-Ascend): 256.
        assert_eq!(v1.max_running_requests, 1024.0);
        assert_eq!(stack(&c, "vllm", None, "ascend-910b").unwrap().max_running_requests, 256.0);
        assert!(!v05.moe_ep && v1.moe_ep);
        // No version: the latest release, with every override (0.11's dual-batch overlap too).
        let latest = stack(&c, "vllm", None, "h100-sxm").unwrap();
        assert!(latest.two_batch_overlap && !v1.two_batch_overlap);
        assert_eq!(latest, ServingStack { two_batch_overlap: true, ..v1 });
    }

    #[test]
    fn the_default_is_the_vendors_best_tuned_engine() {
        let c = catalog();
        let chip = |id: &str| c.resolve_chip(id).unwrap();
        let trtllm = stack(&c, "trtllm", None, "h100-sxm").unwrap();
        assert_eq!(ServingStack::default_for(&c, &chip("h100-sxm")), trtllm);
        // TensorRT-LLM as benchmarked (MAX_UTILIZATION) holds what requests use; JetStream
        // preallocates each slot for the longest output.
        assert_eq!(trtllm.kv_reservation, KvReservation::Expected);
        assert_eq!(stack(&c, "jetstream", None, "tpu-v5e").unwrap().kv_reservation, KvReservation::Maximum);
        // The vendor default is vLLM on AMD, as a tuned deployment: an 8-bit KV cache in 8-bit runs.
        let vllm = stack(&c, "vllm", None, "mi300x").unwrap();
        assert!(vllm.kv_cache_auto);
        assert_eq!(ServingStack::default_for(&c, &chip("mi300x")), ServingStack { kv_cache_auto: false, ..vllm });
        assert_eq!(vllm.default_kv_precision(Precision::Fp8), Precision::Bf16);
        assert_eq!(vllm.default_kv_precision(Precision::Fp16), Precision::Fp16);
        assert_eq!(trtllm.default_kv_precision(Precision::Fp8), Precision::Fp8);
        assert_eq!(
            ServingStack::default_for(&c, &chip("ascend-910c")),
            stack(&c, "mindie", None, "ascend-910c").unwrap()
        );
        let without_engines = Catalog { engines: Vec::new(), ..c.clone() };
        assert_eq!(ServingStack::default_for(&without_engines, &chip("h100-sxm")), ServingStack::GENERIC);
    }

    #[test]
    fn wrong_role_or_vendor_is_an_error() {
        let c = catalog();
        assert!(matches!(stack(&c, "megatron", None, "h100-sxm"), Err(EngineError::NotServing { .. })));
        let err = stack(&c, "trtllm", None, "mi300x").unwrap_err();
        assert_eq!(err.to_string(), "engine `trtllm` does not run on AMD chips like `mi300x` (it runs on: nvidia)");
        assert!(stack(&c, "other", None, "mlu590").is_ok());
    }

    #[test]
    fn layouts_follow_the_engines_rules() {
        let c = catalog();
        let vllm_v0 = stack(&c, "vllm", Some("0.6.0"), "h100-sxm").unwrap();
        let sglang = stack(&c, "sglang", None, "h100-sxm").unwrap();
        let layout = |tp, pp, dp, ep| Layout { tp, pp, dp, ep };
        // MoE: wide EP only where the engine runs it; experts inside the replica always here.
        assert!(!vllm_v0.runs(&layout(1, 1, 8, 8), true, 8.0));
        assert!(sglang.runs(&layout(1, 1, 8, 8), true, 8.0));
        assert!(vllm_v0.runs(&layout(8, 1, 1, 1), true, 8.0));
        // No pipeline inside one 8-chip domain (dense or MoE); across domains once TP fills one.
        assert!(!sglang.runs(&layout(1, 8, 1, 1), false, 8.0));
        assert!(!sglang.runs(&layout(1, 2, 4, 1), true, 8.0));
        assert!(sglang.runs(&layout(8, 2, 1, 1), true, 8.0));
        assert!(!sglang.runs(&layout(4, 4, 1, 1), false, 8.0));
        assert!(sglang.runs(&layout(8, 2, 1, 1), false, 8.0));
        assert!(sglang.runs(&layout(2, 1, 4, 1), false, 8.0));
        let anywhere = ServingStack { pipeline: PipelineRule::Anywhere, ..sglang };
        assert!(anywhere.runs(&layout(1, 8, 1, 1), false, 8.0));
    }

    #[test]
    fn apply_sets_the_cap_and_adds_the_overhead() {
        let c = catalog();
        let rates = ChipRates::of_chip(&c, &c.resolve_chip("h100-sxm").unwrap(), fleetplan_core::units::Precision::Fp8)
            .unwrap();
        let v06 = stack(&c, "vllm", Some("0.6.0"), "h100-sxm").unwrap().with_max_running_requests(630);
        let applied = v06.apply(rates);
        assert_eq!(applied.max_running_requests, 630.0);
        assert!((applied.step_overhead_s - rates.step_overhead_s - 1e-3).abs() < 1e-12);
        assert_eq!(applied.gemm_flops, rates.gemm_flops);
    }

    #[test]
    fn a_version_that_is_not_a_release_number_is_refused() {
        let catalog = Catalog::builtin().unwrap();
        let vllm = catalog.engine("vllm").unwrap();
        let h100 = catalog.accelerator("h100-sxm").unwrap();
        let err = ServingStack::new(vllm, Some("banana"), h100).unwrap_err();
        assert!(err.to_string().contains("`banana` is not a release number"), "{err}");
        assert!(ServingStack::new(vllm, Some("v0.10.1"), h100).is_ok());
    }
}
