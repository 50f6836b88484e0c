//! Training layout search: enumerate every `(tp, cp, pp, dp, ep)` that divides the chips and the
//! model (any divisor, not only powers of two) with every ZeRO stage, recomputation policy,
//! micro-batch and virtual-stage count, and keep the fastest layout that fits memory. Fixed
//! degrees that cannot work are reported as the constraint they break before anything is
//! enumerated.

use super::engine::TrainEngine;
use super::{Recompute, TrainLayout, TrainPoint};
use crate::error::{FitError, LayoutError, PerfError};
use fleetplan_core::catalog::LlmModel;
use serde::Serialize;

/// Constraints on the layout search (`None` = free).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LayoutConstraint {
    /// Fixed tensor parallel degree.
    pub tp: Option<u32>,
    /// Fixed pipeline stages.
    pub pp: Option<u32>,
    /// Fixed data-parallel degree (not counting context-parallel ranks).
    pub dp: Option<u32>,
    /// Fixed expert-parallel degree.
    pub ep: Option<u32>,
    /// Fixed context-parallel degree (free: 1, or powers of two up to `seq_len / 8192`).
    pub cp: Option<u32>,
    /// Fixed sequences per micro-batch.
    pub micro_batch: Option<u32>,
    /// Fixed virtual pipeline stages per chip.
    pub virtual_stages: Option<u32>,
    /// No pipeline parallelism (MaxText's FSDP + tensor-parallel recipes).
    pub no_pipeline: bool,
}

/// Micro-batch sizes the search tries.
const MICRO_BATCHES: [u32; 5] = [1, 2, 4, 8, 16];
/// Virtual-stage counts the search tries (with a pipeline).
const VIRTUAL_STAGES: [u32; 3] = [1, 2, 4];
/// Tokens per context-parallel rank below which the free search tries no larger cp.
const MIN_TOKENS_PER_CP_RANK: f64 = 8192.0;

/// Divisors of `n`, ascending.
fn divisors(n: u32) -> Vec<u32> {
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut d = 1u32;
    while d.saturating_mul(d) <= n {
        if n.is_multiple_of(d) {
            small.push(d);
            if d != n / d {
                large.push(n / d);
            }
        }
        d += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// Enumerate training layouts for `chips` chips: tp dividing the heads and the FFN width, pp up
/// to the layers, `tp × cp × pp | chips` (cp fixed by the constraint, else 1), ep dividing
/// `dp × tp` and the experts for MoE models, ZeRO 0–3, three recomputation policies,
/// micro-batch 1–16, 1/2/4 virtual stages.
pub fn training_layouts(
    model: &LlmModel,
    chips: u32,
    constraint: &LayoutConstraint,
    mut visit: impl FnMut(TrainLayout),
) {
    let cps = [constraint.cp.unwrap_or(1)];
    enumerate(model, chips, constraint, &cps, &mut visit);
}

fn enumerate(
    model: &LlmModel,
    chips: u32,
    constraint: &LayoutConstraint,
    cps: &[u32],
    visit: &mut impl FnMut(TrainLayout),
) {
    let fixed_ok = |fixed: Option<u32>, value: u32| fixed.is_none_or(|f| f == value);
    for &cp in cps.iter().filter(|&&cp| cp >= 1 && chips.is_multiple_of(cp)) {
        for tp in divisors(chips / cp) {
            if !fixed_ok(constraint.tp, tp) || !model.heads.is_multiple_of(tp) || !model.ffn_hidden.is_multiple_of(tp) {
                continue;
            }
            for pp in divisors(chips / (cp * tp)) {
                if !fixed_ok(constraint.pp, pp) || pp > model.layers || (constraint.no_pipeline && pp > 1) {
                    continue;
                }
                let dp = chips / (cp * tp * pp);
                if !fixed_ok(constraint.dp, dp) {
                    continue;
                }
                for ep in expert_degrees(model, dp * tp, constraint.ep) {
                    let base = TrainLayout {
                        tp,
                        cp,
                        pp,
                        dp,
                        ep,
                        zero: 0,
                        recompute: Recompute::None,
                        micro_batch: 1,
                        virtual_stages: 1,
                    };
                    schedule_variants(base, constraint, visit);
                }
            }
        }
    }
}

/// Expert-parallel degrees for an expert group over `ranks` chips: 1 for dense models, else the
/// fixed one or every divisor of `ranks` that also divides the experts.
fn expert_degrees(model: &LlmModel, ranks: u32, fixed: Option<u32>) -> Vec<u32> {
    match (&model.moe, fixed) {
        (None, _) => vec![1],
        (Some(_), Some(ep)) => vec![ep],
        (Some(moe), None) => divisors(ranks).into_iter().filter(|ep| moe.experts % ep == 0).collect(),
    }
}

/// Every ZeRO stage, recomputation policy, micro-batch and virtual-stage count of one
/// `(tp, cp, pp, dp, ep)` (virtual stages only with a pipeline), within the constraint.
fn schedule_variants(base: TrainLayout, constraint: &LayoutConstraint, visit: &mut impl FnMut(TrainLayout)) {
    let fixed_mb = constraint.micro_batch.map(|m| [m]);
    let fixed_vs = constraint.virtual_stages.map(|v| [v]);
    let micro_batches: &[u32] = fixed_mb.as_ref().map_or(&MICRO_BATCHES, |m| m);
    let virtual_stages: &[u32] = fixed_vs.as_ref().map_or(&VIRTUAL_STAGES, |v| v);
    for zero in 0..=3u8 {
        for recompute in [Recompute::None, Recompute::Selective, Recompute::Full] {
            for &micro_batch in micro_batches {
                for &vs in virtual_stages {
                    if vs > 1 && base.pp == 1 {
                        continue;
                    }
                    visit(TrainLayout { zero, recompute, micro_batch, virtual_stages: vs, ..base });
                }
            }
        }
    }
}

/// The constraint's fixed degrees checked against the model and the chips, so that an
/// impossible request names the rule it breaks instead of finding no layout.
fn check_constraint(model: &LlmModel, chips: u32, c: &LayoutConstraint, seq_len: f64) -> Result<(), LayoutError> {
    let (tp, cp, pp, dp) = (c.tp.unwrap_or(1), c.cp.unwrap_or(1), c.pp.unwrap_or(1), c.dp.unwrap_or(1));
    if [tp, cp, pp, dp, c.ep.unwrap_or(1), c.micro_batch.unwrap_or(1), c.virtual_stages.unwrap_or(1)].contains(&0) {
        return Err(LayoutError::ZeroDegree { tp, pp, dp, ep: c.ep.unwrap_or(1) });
    }
    if !model.heads.is_multiple_of(tp) {
        return Err(LayoutError::TpNotDividingHeads { tp, heads: model.heads });
    }
    if !model.ffn_hidden.is_multiple_of(tp) {
        return Err(LayoutError::TpNotDividingFfn { tp, ffn_hidden: model.ffn_hidden });
    }
    if pp > model.layers {
        return Err(LayoutError::PpExceedsLayers { pp, layers: model.layers });
    }
    if c.no_pipeline && pp > 1 {
        return Err(LayoutError::PipelineNotSupported { pp });
    }
    if f64::from(cp) > seq_len {
        return Err(LayoutError::CpExceedsSequence { cp, seq_len: seq_len as u32 });
    }
    if let Some(vs) = c.virtual_stages
        && vs > 1
        && (pp * vs > model.layers || c.pp == Some(1))
    {
        return Err(LayoutError::VirtualStages { virtual_stages: vs, pp, layers: model.layers });
    }
    if let Some(ep) = c.ep
        && model.moe.is_none()
        && ep > 1
    {
        return Err(LayoutError::EpForDenseModel { ep, model: model.id.clone() });
    }
    let fixed = tp * cp * pp * dp;
    let all_fixed = c.tp.is_some() && c.pp.is_some() && c.dp.is_some();
    if !chips.is_multiple_of(fixed) || (all_fixed && fixed != chips) {
        return Err(LayoutError::TrainChipCount { tp, cp, pp, dp, layout_chips: fixed, chips });
    }
    Ok(())
}

/// Result of a training-plan search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainSearch {
    /// Fastest layout that fits memory.
    pub best: TrainPoint,
    /// Layouts evaluated.
    pub layouts_evaluated: u64,
    /// Layouts that fit memory.
    pub layouts_fitting: u64,
}

/// Fastest layout (highest tokens/s) that fits memory. Errors name the constraint that leaves
/// no layout, or the least memory any layout needs when none fits.
pub fn search_training(
    engine: &TrainEngine,
    model: &LlmModel,
    chips: u32,
    constraint: &LayoutConstraint,
) -> Result<TrainSearch, PerfError> {
    let seq_len = engine.job().seq_len;
    check_constraint(model, chips, constraint, seq_len)?;
    let cps: Vec<u32> = match constraint.cp {
        Some(cp) => vec![cp],
        None => (0..7)
            .map(|i| 1u32 << i)
            .take_while(|&cp| cp == 1 || seq_len / f64::from(cp) >= MIN_TOKENS_PER_CP_RANK)
            .collect(),
    };
    let mut best: Option<TrainPoint> = None;
    let (mut evaluated, mut fitting) = (0u64, 0u64);
    let mut least_gb = f64::INFINITY;
    enumerate(model, chips, constraint, &cps, &mut |layout| {
        evaluated += 1;
        let Some(point) = engine.point(&layout) else { return };
        least_gb = least_gb.min(point.memory_gb_per_chip);
        if point.fits {
            fitting += 1;
            if best.as_ref().is_none_or(|current| point.tokens_per_s > current.tokens_per_s) {
                best = Some(point);
            }
        }
    });
    if evaluated == 0 {
        return Err(LayoutError::NoLayout { chips }.into());
    }
    let best = best.ok_or_else(|| FitError::NoTrainingLayout {
        layouts: evaluated,
        model: model.id.clone(),
        chips,
        least_gb: if least_gb.is_finite() { least_gb } else { 0.0 },
        usable_gb: engine.usable_memory_gb(),
    })?;
    Ok(TrainSearch { best, layouts_evaluated: evaluated, layouts_fitting: fitting })
}
