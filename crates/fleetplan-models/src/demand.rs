//! Demand model: what a scenario's workloads ask of the fleet, per user region and quarter.
//!
//! - Chat apps: daily users × requests per user per day × input/output tokens per request
//!   (the scenario's [`ChatWorkload::mean_tokens_per_s`]), grown per quarter, split by user
//!   region, shaped by a 24-hour profile → mean and peak input/output tokens/s.
//! - Image and video apps: items per day → mean and peak items/s (and video-seconds/s).
//! - Training runs: tokens and a deadline → chips needed at a given per-chip training rate.
//!
//! Residency: users in mainland China are served from Chinese sites and other users from sites
//! outside China, unless the workload allows `cross_border` serving ([`may_serve`]).
//! Formulas: docs/evaluation.md.

use fleetplan_core::catalog::{Catalog, DEFAULT_DIURNAL_PROFILE, Region, RegionId};
use fleetplan_core::scenario::limits::MAX_ACCELERATORS;
use fleetplan_core::scenario::{
    ChatWorkload, GenerationWorkload, Quarter, SECONDS_PER_DAY, Serving, TrainingRun, Workload, WorkloadSpec,
};
use serde::Serialize;

/// Hours in the demand profile.
pub const HOURS_PER_DAY: usize = 24;

/// A 24-hour demand shape normalised to a mean of 1: `factor[h]` = demand in hour `h` ÷ the
/// day's mean demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Demand in each local hour over the day's mean (mean of the 24 values is 1).
    pub factor: [f64; HOURS_PER_DAY],
}

impl Profile {
    /// Normalise 24 non-negative weights (any scale, not all zero) to a mean of 1.
    /// Returns `None` when there are not 24 weights or they sum to zero or less.
    pub fn from_weights(weights: &[f64]) -> Option<Profile> {
        if weights.len() != HOURS_PER_DAY || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return None;
        }
        let sum: f64 = weights.iter().sum();
        if sum <= 0.0 {
            return None;
        }
        let mut factor = [0.0; HOURS_PER_DAY];
        for (f, w) in factor.iter_mut().zip(weights) {
            *f = w * HOURS_PER_DAY as f64 / sum;
        }
        Some(Profile { factor })
    }

    /// Flat profile (every hour equal).
    pub fn flat() -> Profile {
        Profile { factor: [1.0; HOURS_PER_DAY] }
    }

    /// Busiest hour over the mean hour (≥ 1).
    pub fn peak_factor(&self) -> f64 {
        self.factor.iter().copied().fold(0.0, f64::max)
    }

    /// Share of a day's demand served by a capacity of `capacity_over_mean` × the mean rate:
    /// Σₕ min(factorₕ, c) / 24.
    pub fn served_share(&self, capacity_over_mean: f64) -> f64 {
        let c = capacity_over_mean.max(0.0);
        self.factor.iter().map(|f| f.min(c)).sum::<f64>() / HOURS_PER_DAY as f64
    }
}

/// The profile a workload's demand follows: its own `diurnal` weights, else the catalog's
/// default profile, else flat.
pub fn profile_of(serving: &Serving, catalog: &Catalog) -> Profile {
    serving
        .diurnal
        .as_deref()
        .and_then(Profile::from_weights)
        .or_else(|| {
            catalog
                .costs
                .diurnal_profile(DEFAULT_DIURNAL_PROFILE)
                .ok()
                .and_then(|p| Profile::from_weights(&p.hourly_weights))
        })
        .unwrap_or_else(Profile::flat)
}

/// Whether users in `user_region` may be served from a site in `site_region`: always inside
/// the same residency zone (mainland China, or everywhere else); across zones only when the
/// workload allows cross-border serving.
pub fn may_serve(user_region: &Region, site_region: &Region, cross_border: bool) -> bool {
    cross_border || user_region.china_mainland == site_region.china_mainland
}

/// Demand of one workload from one user region in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionDemand {
    /// Workload id.
    pub workload: String,
    /// Catalog region of the users.
    pub region: RegionId,
    /// Quarter.
    pub quarter: Quarter,
    /// Mean demand over the day, in the workload's unit per second (output tokens/s for chat,
    /// items/s for image and video).
    pub mean_per_s: f64,
    /// Demand in the busiest hour, same unit.
    pub peak_per_s: f64,
    /// Chat: mean prompt tokens/s (0 for other kinds).
    pub mean_input_tokens_per_s: f64,
    /// Chat: prompt tokens/s in the busiest hour (0 for other kinds).
    pub peak_input_tokens_per_s: f64,
    /// Video: mean seconds of video generated per second (0 for other kinds).
    pub mean_video_s_per_s: f64,
}

/// Mean demand of a workload in one quarter, before the split by user region.
#[derive(Debug, Clone, Copy)]
struct QuarterRates {
    /// Demand in the workload's unit per second (output tokens/s for chat, items/s otherwise).
    per_s: f64,
    /// Prompt tokens/s (chat; 0 for other kinds).
    input_tokens_per_s: f64,
}

/// Split each quarter's mean rates (`rates_in(quarter index)`) over the workload's user
/// regions, with the peak from `profile`; `clip_seconds` is the video length per item.
fn split_by_region(
    id: &str,
    serving: &Serving,
    clip_seconds: Option<f64>,
    profile: &Profile,
    start: Quarter,
    quarters: u32,
    rates_in: impl Fn(u32) -> QuarterRates,
) -> Vec<RegionDemand> {
    let peak = profile.peak_factor();
    let mut out = Vec::new();
    for index in 0..quarters {
        let rates = rates_in(index);
        for (region, share) in &serving.user_regions {
            let mean = rates.per_s * share;
            let mean_input = rates.input_tokens_per_s * share;
            out.push(RegionDemand {
                workload: id.to_string(),
                region: region.clone(),
                quarter: start.offset(i64::from(index)),
                mean_per_s: mean,
                peak_per_s: mean * peak,
                mean_input_tokens_per_s: mean_input,
                peak_input_tokens_per_s: mean_input * peak,
                mean_video_s_per_s: clip_seconds.map_or(0.0, |clip| mean * clip),
            });
        }
    }
    out
}

/// Mean and peak demand of a chat workload per user region and quarter of the horizon
/// (`quarters` from `start`), regions in id order.
pub fn chat_demand(
    id: &str,
    chat: &ChatWorkload,
    profile: &Profile,
    start: Quarter,
    quarters: u32,
) -> Vec<RegionDemand> {
    split_by_region(id, &chat.serving, None, profile, start, quarters, |index| {
        let (input, output) = chat.mean_tokens_per_s(index);
        QuarterRates { per_s: output, input_tokens_per_s: input }
    })
}

/// Mean and peak items/s of an image or video workload per user region and quarter.
/// `clip_seconds` is the video length per item (`None` for images).
pub fn generation_demand(
    id: &str,
    generation: &GenerationWorkload,
    clip_seconds: Option<f64>,
    profile: &Profile,
    start: Quarter,
    quarters: u32,
) -> Vec<RegionDemand> {
    split_by_region(id, &generation.serving, clip_seconds, profile, start, quarters, |index| QuarterRates {
        per_s: generation.mean_items_per_s(index),
        input_tokens_per_s: 0.0,
    })
}

/// Demand of every serving workload of a scenario (training runs have no per-second demand;
/// see [`training_need`]). Video clip lengths come from the catalog's diffusion models.
pub fn serving_demand(workloads: &[Workload], catalog: &Catalog, start: Quarter, quarters: u32) -> Vec<RegionDemand> {
    let mut out = Vec::new();
    for workload in workloads {
        match &workload.spec {
            WorkloadSpec::Chat(chat) => {
                let profile = profile_of(&chat.serving, catalog);
                out.extend(chat_demand(&workload.id, chat, &profile, start, quarters));
            }
            WorkloadSpec::Image(generation) | WorkloadSpec::Video(generation) => {
                let model = &catalog[&generation.model];
                let profile = profile_of(&generation.serving, catalog);
                out.extend(generation_demand(&workload.id, generation, model.clip_seconds, &profile, start, quarters));
            }
            WorkloadSpec::Training(_) => {}
        }
    }
    out
}

/// Mean input + output tokens per day of a workload in quarter `index` of the horizon (0 =
/// first), all regions: a chat workload's [`ChatWorkload::mean_tokens_per_s`] × 86,400 s; 0 for
/// image, video and training workloads (they have no token demand).
pub fn mean_tokens_per_day(spec: &WorkloadSpec, index: u32) -> f64 {
    match spec {
        WorkloadSpec::Chat(chat) => {
            let (input, output) = chat.mean_tokens_per_s(index);
            (input + output) * SECONDS_PER_DAY
        }
        WorkloadSpec::Image(_) | WorkloadSpec::Video(_) | WorkloadSpec::Training(_) => 0.0,
    }
}

/// What a training run needs to finish by its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainingNeed {
    /// Seconds from the run's start to its deadline (deadline day included).
    pub window_s: f64,
    /// Training throughput that finishes on the deadline, tokens/s.
    pub tokens_per_s_needed: f64,
    /// Chips needed at `tokens_per_s_per_chip`, rounded up.
    pub chips_needed: u64,
}

/// Chips a run needs to train `run.tokens` between its start and deadline when each chip
/// delivers `tokens_per_s_per_chip`: ⌈tokens / (rate × window)⌉. `None` when the window is
/// empty or the rate is not positive.
pub fn training_need(run: &TrainingRun, tokens_per_s_per_chip: f64) -> Option<TrainingNeed> {
    let window_s = (run.start.days_until(run.deadline) + 1) as f64 * SECONDS_PER_DAY;
    if window_s <= 0.0 || !(tokens_per_s_per_chip.is_finite() && tokens_per_s_per_chip > 0.0) {
        return None;
    }
    let tokens_per_s_needed = run.tokens / window_s;
    // Saturated just above the largest fleet a scenario may hold, so that a run no fleet can
    // train reads "more than 100,000,000" rather than a wrapped or saturated u64.
    let chips = (tokens_per_s_needed / tokens_per_s_per_chip).ceil().clamp(1.0, (MAX_ACCELERATORS + 1) as f64);
    Some(TrainingNeed { window_s, tokens_per_s_needed, chips_needed: chips as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_normalises_and_serves() {
        let mut w = [1.0; 24];
        w[23] = 4.0;
        let p = Profile::from_weights(&w).unwrap();
        assert!((p.peak_factor() - 4.0 * 24.0 / 27.0).abs() < 1e-12);
        assert!((p.factor.iter().sum::<f64>() - 24.0).abs() < 1e-12);
        // Capacity at the peak serves everything; at the mean, the peak hour loses its excess.
        assert!((p.served_share(p.peak_factor()) - 1.0).abs() < 1e-12);
        let mean_hour = 24.0 / 27.0;
        let expected = (23.0 * mean_hour + 1.0) / 24.0;
        assert!((p.served_share(1.0) - expected).abs() < 1e-12);
        assert!(Profile::from_weights(&[1.0; 23]).is_none());
        assert!(Profile::from_weights(&[0.0; 24]).is_none());
    }
}
