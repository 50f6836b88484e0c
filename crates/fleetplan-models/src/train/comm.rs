//! Training communication: tensor-parallel collectives, context-parallel ring attention,
//! expert all-to-all and pipeline hand-offs per micro-batch, and the data-parallel gradient
//! reduction per step (flat ring or hierarchical, overlapped with compute).

use super::engine::TrainEngine;
use super::memory::ParamsPerChip;
use super::{Recompute, TorusLinks, TrainLayout};
use crate::hw::ChipRates;

/// A layout's parallel degrees as numbers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Degrees {
    pub tp: f64,
    pub cp: f64,
    pub pp: f64,
    pub dp: f64,
    /// Chips of one expert group (`max(ep, tp)`).
    pub expert_group: f64,
    pub virtual_stages: f64,
    /// `tp × cp × pp × dp`.
    pub chips: f64,
    /// Ring bandwidths on the chip's ICI torus slice (TPUs), `None` elsewhere.
    pub torus: Option<TorusLinks>,
}

impl Degrees {
    pub fn of(layout: &TrainLayout) -> Degrees {
        let (tp, cp, pp, dp) = (f64::from(layout.tp), f64::from(layout.cp), f64::from(layout.pp), f64::from(layout.dp));
        Degrees {
            tp,
            cp,
            pp,
            dp,
            expert_group: f64::from(layout.ep).max(tp),
            virtual_stages: f64::from(layout.virtual_stages),
            chips: tp * cp * pp * dp,
            torus: None,
        }
    }

    /// The degrees of `layout` on `engine`'s chips, with the torus ring bandwidths when the
    /// chip has an ICI torus (the slice is the job's chips up to one scale-up domain); `None`
    /// when tp fits no torus dimension of that slice.
    pub fn on_chips(layout: &TrainLayout, engine: &TrainEngine) -> Option<Degrees> {
        let mut degrees = Degrees::of(layout);
        let rates = &engine.rates;
        if let Some(torus) = rates.torus.filter(|_| engine.mechanisms.ici_torus) {
            let slice = layout.chips().min(rates.chip.scaleup_domain as u32);
            degrees.torus = Some(torus.links(slice, layout.tp)?);
        }
        Some(degrees)
    }
}

/// Communication of one micro-batch on one pipeline stage's critical path, s.
pub(super) struct MicrobatchComm {
    /// Tensor-parallel collectives.
    pub tp_s: f64,
    /// Expert all-to-alls (wide EP).
    pub ep_s: f64,
    /// Context-parallel KV exchange left exposed after overlapping attention.
    pub cp_s: f64,
    /// Pipeline point-to-point transfers.
    pub pipeline_s: f64,
}

impl MicrobatchComm {
    /// Communication of one micro-batch of `microbatch_tokens` (across its cp group).
    pub fn of(engine: &TrainEngine, layout: &TrainLayout, degrees: &Degrees, microbatch_tokens: f64) -> MicrobatchComm {
        let shape = &engine.shape;
        let rates = &engine.rates.chip;
        let Degrees { tp, cp, pp, .. } = *degrees;
        let chip_tokens = microbatch_tokens / cp;
        let forward_passes = if layout.recompute == Recompute::Full { 2.0 } else { 1.0 };
        let stage_layers = shape.layers / pp;
        let tp_s = if layout.tp > 1 {
            // Two all-reduce-equivalents (reduce-scatter + all-gather) per layer per pass, and
            // two in the backward.
            let bytes = chip_tokens * shape.hidden * 2.0;
            let per_all_reduce = match degrees.torus {
                Some(links) => flat_all_reduce_s(rates, bytes, tp, links.tp_bw),
                None => rates.all_reduce_s(bytes, tp),
            };
            stage_layers * 2.0 * (forward_passes + 1.0) * per_all_reduce
        } else {
            0.0
        };
        let ep_s = if shape.is_moe() && degrees.expert_group > tp && engine.mechanisms.expert_all_to_all {
            let dispatch_bytes = if rates.weight_bytes < 2.0 { 1.0 } else { 2.0 };
            let bytes_per_copy = shape.hidden * (dispatch_bytes + 2.0) / tp;
            // Dispatch + combine in each forward pass and in the backward (throughput kernels).
            shape.moe_layers / pp
                * (forward_passes + 1.0)
                * rates.expert_all_to_all_s(
                    0.0,
                    chip_tokens,
                    shape.active_experts,
                    bytes_per_copy,
                    degrees.expert_group,
                )
        } else {
            0.0
        };
        let cp_s = if layout.cp > 1 {
            stage_layers * ring_attention_exposed_s(engine, degrees, chip_tokens, forward_passes)
        } else {
            0.0
        };
        let pipeline_s = if layout.pp > 1 {
            let link_bw = rates.group_bw(tp * cp * pp);
            2.0 * degrees.virtual_stages
                * (chip_tokens * shape.hidden * 2.0 / tp / link_bw + rates.collective_latency_s)
        } else {
            0.0
        };
        MicrobatchComm { tp_s, ep_s, cp_s, pipeline_s }
    }
}

/// Exposed time of one layer's context-parallel ring attention for one micro-batch, s: each
/// chip passes its K and V chunk (`chip_tokens` tokens, heads split by tp) around the ring of
/// cp chips, `cp − 1` steps per forward pass and twice that in the backward (K, V and their
/// gradients), overlapped with the attention blocks it feeds (backward attention = 2 × forward).
fn ring_attention_exposed_s(engine: &TrainEngine, degrees: &Degrees, chip_tokens: f64, forward_passes: f64) -> f64 {
    let rates = &engine.rates.chip;
    let Degrees { tp, cp, .. } = *degrees;
    let bytes = (cp - 1.0) * chip_tokens * engine.kv_exchange_values / tp * 2.0;
    let exchange_s = bytes / rates.group_bw(tp * cp) + (cp - 1.0) * rates.collective_latency_s;
    let (_, _, attn_rate) = engine.rates.compute_rates(engine.mechanisms.training_efficiency);
    let attention_s = engine.attn_fwd_flops_tok / engine.shape.layers * chip_tokens / tp / attn_rate;
    let exposed = |comm: f64, compute: f64| {
        if engine.mechanisms.cp_overlap { (comm - compute).max(0.0) } else { comm }
    };
    forward_passes * exposed(exchange_s, attention_s) + exposed(2.0 * exchange_s, 2.0 * attention_s)
}

/// Share of ZeRO-3 / FSDP parameter gathers and gradient reduce-scatters hidden under compute.
/// The gathers are prefetched one layer ahead, but each layer's gather is issued per micro-batch
/// and contends with the GEMMs for memory bandwidth; the pure-FSDP TPU v6e MLPerf GPT-3 runs
/// (tp 1, 3 or 2 sequences per chip) are only explained with them mostly exposed. Global.
pub const ZERO3_GATHER_OVERLAP: f64 = 0.0;

/// Time of an all-reduce of `bytes` per chip over `group` chips of which `in_domain` share a
/// scale-up domain (consecutive ranks), s: the lesser of a flat ring (at the scale-out
/// bandwidth once the group leaves the domain) and the hierarchical form — reduce-scatter
/// inside the domain, all-reduce of the `1/in_domain` shard across domains (every chip on its
/// own NIC, so the whole node's NIC bandwidth works), all-gather inside. Never slower than the
/// flat ring. TPU pods: the scale-up domain is the ICI torus slice, whose per-chip ICI bandwidth
/// (all torus dimensions, both directions) the bidirectional-ring all-reduce reaches; slices talk
/// over DCN (the scale-out figure).
pub fn hierarchical_all_reduce_s(rates: &ChipRates, bytes: f64, group: f64, in_domain: f64) -> f64 {
    hierarchical_all_reduce_at_s(rates, bytes, group, in_domain, rates.scaleup_bw)
}

/// [`hierarchical_all_reduce_s`] with the steps inside the domain at `inner_bw` bytes/s per
/// direction (the chip's scale-up bandwidth on switched fabrics; on a TPU torus the rings of
/// the torus dimensions the group spans, [`TorusLinks::dp_bw`]).
pub fn hierarchical_all_reduce_at_s(rates: &ChipRates, bytes: f64, group: f64, in_domain: f64, inner_bw: f64) -> f64 {
    if group <= 1.0 || bytes <= 0.0 {
        return 0.0;
    }
    let inside = in_domain.clamp(1.0, group);
    let flat_bw = if group <= inside { inner_bw } else { rates.scaleout_bw };
    let flat = flat_all_reduce_s(rates, bytes, group, flat_bw);
    if group <= inside {
        return flat;
    }
    let domains = group / inside;
    let shard_step = (inside - 1.0) / inside * bytes / inner_bw;
    let across = flat_all_reduce_s(rates, bytes / inside, domains, rates.scaleout_bw);
    let inner_latency = if inside > 1.0 { 2.0 * rates.collective_latency_s } else { 0.0 };
    flat.min(2.0 * shard_step + across + inner_latency)
}

/// Ring all-reduce of `bytes` over `group` chips at `bw` bytes/s per direction, s.
pub fn flat_all_reduce_s(rates: &ChipRates, bytes: f64, group: f64, bw: f64) -> f64 {
    if group <= 1.0 {
        return 0.0;
    }
    2.0 * (group - 1.0) / group * bytes / bw + rates.collective_latency_s
}

impl TrainEngine {
    /// Data-parallel gradient reduction left exposed per step, s. The reduction group of the
    /// dense parameters is the `dp × cp` ranks holding the same shard (context-parallel ranks
    /// hold replicas too); expert parameters reduce over their own data-parallel degree.
    /// ZeRO 0: all-reduce overlapped with the last micro-batch's backward (2/3 of its compute);
    /// ZeRO 1–2 (Megatron's distributed optimizer): reduce-scatter overlapped with that backward,
    /// parameter all-gather with the first forward (1/3); ZeRO 3: parameters gathered in every
    /// micro-batch's forward and backward, prefetched under the whole step's compute.
    pub(super) fn gradient_sync_exposed_s(
        &self,
        layout: &TrainLayout,
        degrees: &Degrees,
        params: &ParamsPerChip,
        microbatches: f64,
        microbatch_compute_s: f64,
    ) -> f64 {
        if self.finetune.is_some() {
            return 0.0; // adapter gradients only: negligible
        }
        let rates = &self.rates.chip;
        let group = degrees.dp * degrees.cp;
        let in_domain = match degrees.torus {
            // Ranks of the same shard inside one slice.
            Some(links) => (links.slice_chips / degrees.tp).floor().max(1.0),
            None => (rates.scaleup_domain / degrees.tp).floor().max(1.0),
        };
        let inner_bw = degrees.torus.map_or(rates.scaleup_bw, |links| links.dp_bw);
        let expert_group = (params.expert_dp * degrees.cp).max(1.0);
        let reduce = |bytes: f64, group: f64| {
            if self.mechanisms.hierarchical_dp {
                hierarchical_all_reduce_at_s(rates, bytes, group, in_domain.min(group), inner_bw)
            } else {
                let bw = if degrees.chips <= rates.scaleup_domain { inner_bw } else { rates.scaleout_bw };
                flat_all_reduce_s(rates, bytes, group, bw)
            }
        };
        let all_reduce_s = reduce(2.0 * params.dense, group) + reduce(2.0 * params.expert, expert_group);
        let overlap = self.mechanisms.dp_overlap;
        match layout.zero {
            0 if overlap => (all_reduce_s - microbatch_compute_s * 2.0 / 3.0).max(0.0),
            1 | 2 if overlap => {
                let half = all_reduce_s / 2.0;
                (half - microbatch_compute_s * 2.0 / 3.0).max(0.0) + (half - microbatch_compute_s / 3.0).max(0.0)
            }
            3 => {
                let gathers = (2.0 * microbatches + 1.0) * all_reduce_s / 2.0;
                if overlap { gathers * (1.0 - ZERO3_GATHER_OVERLAP) } else { gathers }
            }
            _ => all_reduce_s,
        }
    }
}
