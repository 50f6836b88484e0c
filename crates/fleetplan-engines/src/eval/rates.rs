//! Per-chip rates from the performance engine (serving at the SLO, generation, training), the
//! training plan of a fixed fleet, and unit costs per token and item.

use super::Pool;
use super::types::{HoldingEval, TrainingEval, Violation, ViolationKind};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Quarter, SECONDS_PER_DAY, Scenario, Workload, WorkloadSpec};
use fleetplan_core::units::{Date, Precision};
use fleetplan_models::cost::Fx;
use fleetplan_models::demand::{self, may_serve};
use fleetplan_models::generation::generation_within;
use fleetplan_models::hw::ChipRates;
use fleetplan_models::infer::{self, InferenceEngine, InferenceQuery, ServeMode, Slo};
use fleetplan_models::shape::default_kv_precision;
use fleetplan_models::train::{LayoutConstraint, TrainEngine, TrainJob, search_training};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Largest serving instance tried, chips (instances grow from the scale-up domain by doubling
/// until the model fits).
const MAX_INSTANCE_CHIPS: u32 = 64;

/// Reference cluster size for the per-chip training rate, chips (DeepSeek-V3 trained on 2,048).
const TRAINING_REFERENCE_CHIPS: u64 = 2048;

/// Throughput of one workload on one chip at the workload's SLO.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    /// Workload id.
    pub workload: String,
    /// Chip id.
    pub chip: String,
    /// Precision used (the workload's, or bf16 when the chip lacks it).
    pub precision: String,
    /// Chat: output tokens/s per chip; image/video: items/s per chip.
    pub per_chip_per_s: f64,
    /// Chat: input tokens/s per chip at the same point.
    pub input_per_chip_per_s: f64,
    /// Chat: share of chip time spent on prompts (disaggregated split), for cost per input token.
    pub input_cost_share: f64,
    /// Chips per serving instance (chat) or 1.
    pub instance_chips: u32,
    /// Chat: layout as "tp×pp×dp ep".
    pub layout: String,
    /// Chat: p99 TTFT at the operating point, ms.
    pub ttft_p99_ms: Option<f64>,
    /// Chat: p99 TPOT at the operating point, ms.
    pub tpot_p99_ms: Option<f64>,
    /// Image/video: seconds per batch.
    pub latency_s: Option<f64>,
    /// Why the rate is zero or misses a target, if so.
    pub problem: Option<String>,
}

fn zero(w: &str, chip: &str, precision: Precision, problem: String) -> Rate {
    Rate {
        workload: w.to_string(),
        chip: chip.to_string(),
        precision: precision.as_str().to_string(),
        per_chip_per_s: 0.0,
        input_per_chip_per_s: 0.0,
        input_cost_share: 0.0,
        instance_chips: 0,
        layout: String::new(),
        ttft_p99_ms: None,
        tpot_p99_ms: None,
        latency_s: None,
        problem: Some(problem),
    }
}

/// Rates of every (serving workload, chip) pair that some pool may serve under residency.
pub(crate) fn rate_table(scenario: &Scenario, catalog: &Catalog, pools: &[Pool]) -> BTreeMap<(String, String), Rate> {
    let mut pairs: Vec<(&Workload, &str)> = Vec::new();
    for w in &scenario.workloads {
        let (regions, cross_border) = match &w.spec {
            WorkloadSpec::Chat(c) => (&c.serving.user_regions, c.serving.cross_border),
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => (&g.serving.user_regions, g.serving.cross_border),
            WorkloadSpec::Training(_) => continue,
        };
        for p in pools {
            let Ok(site_region) = catalog.region(&p.region) else { continue };
            let eligible =
                regions.keys().filter_map(|r| catalog.region(r).ok()).any(|r| may_serve(r, site_region, cross_border));
            if eligible && !pairs.iter().any(|(pw, c)| pw.id == w.id && *c == p.chip) {
                pairs.push((w, p.chip.as_str()));
            }
        }
    }
    pairs
        .par_iter()
        .map(|(w, chip)| ((w.id.clone(), chip.to_string()), rate(catalog, w, chip)))
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

fn rate(catalog: &Catalog, w: &Workload, chip_id: &str) -> Rate {
    let Ok(chip) = catalog.accelerator(chip_id) else {
        return zero(&w.id, chip_id, Precision::Bf16, format!("unknown chip `{chip_id}`"));
    };
    let Ok(family) = catalog.perf_family(&chip.perf_family) else {
        return zero(&w.id, chip_id, Precision::Bf16, format!("chip `{chip_id}` has no perf family"));
    };
    match &w.spec {
        WorkloadSpec::Chat(c) => {
            let precision = if chip.dense_tflops(c.precision).is_some() { c.precision } else { Precision::Bf16 };
            let Ok(model) = catalog.llm(&c.model) else {
                return zero(&w.id, chip_id, precision, format!("unknown model `{}`", c.model));
            };
            let rates = match ChipRates::new(chip, family, precision) {
                Ok(r) => r,
                Err(e) => return zero(&w.id, chip_id, precision, e.to_string()),
            };
            let workload = infer::RequestShape {
                input_tokens: c.input_tokens_per_request.max(1.0),
                output_tokens: c.output_tokens_per_request.max(1.0),
                cached_input_fraction: 0.0,
            };
            let slo = Slo { ttft_p99_ms: Some(c.ttft_p99_ms), tpot_p99_ms: Some(c.tpot_p99_ms) };
            let kv = default_kv_precision(precision);
            let mut chips = chip.scaleup_domain.clamp(1, 16);
            let mut last_err = String::new();
            while chips <= MAX_INSTANCE_CHIPS {
                let q = InferenceQuery {
                    model,
                    rates,
                    kv_precision: kv,
                    chips,
                    request: workload,
                    mode: ServeMode::Server,
                    slo,
                };
                match infer::search(&q) {
                    Ok(r) => {
                        // Split chip time between prompts and generation as a disaggregated
                        // deployment of the same layout would (for cost per input token).
                        let none = Slo::default();
                        let share = InferenceEngine::new(model, rates, kv, r.layout)
                            .ok()
                            .and_then(|e| {
                                let p = infer::best_for_layout(&e, &workload, ServeMode::Prefill, &none, chips, None)
                                    .ok()?;
                                let d = infer::best_for_layout(&e, &workload, ServeMode::Decode, &none, chips, None)
                                    .ok()?;
                                Some(
                                    infer::disaggregated(
                                        &workload,
                                        p.best.input_tokens_per_s_per_chip,
                                        d.best.output_tokens_per_s_per_chip,
                                    )
                                    .prefill_chip_share,
                                )
                            })
                            .filter(|s| s.is_finite())
                            .unwrap_or(0.0);
                        let l = r.layout;
                        return Rate {
                            workload: w.id.clone(),
                            chip: chip_id.to_string(),
                            precision: precision.as_str().to_string(),
                            per_chip_per_s: r.best.output_tokens_per_s_per_chip,
                            input_per_chip_per_s: r.best.input_tokens_per_s_per_chip,
                            input_cost_share: share,
                            instance_chips: chips,
                            layout: format!("tp{} pp{} dp{} ep{}", l.tp, l.pp, l.dp, l.ep),
                            ttft_p99_ms: Some(r.best.ttft_p99_ms),
                            tpot_p99_ms: Some(r.best.tpot_p99_ms),
                            latency_s: None,
                            problem: None,
                        };
                    }
                    Err(e) => last_err = e.to_string(),
                }
                chips *= 2;
            }
            zero(
                &w.id,
                chip_id,
                precision,
                format!(
                    "`{}` cannot be served on up to {MAX_INSTANCE_CHIPS} `{chip_id}` at the SLO: {last_err}",
                    c.model
                ),
            )
        }
        WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => {
            let precision = Precision::Bf16;
            let Ok(model) = catalog.diffusion(&g.model) else {
                return zero(&w.id, chip_id, precision, format!("unknown model `{}`", g.model));
            };
            let result = ChipRates::new(chip, family, precision)
                .map_err(|e| e.to_string())
                // The largest batch that meets the p99 target (a batch of one when none does).
                .and_then(|r| generation_within(model, &r, g.steps, g.latency_p99_s).map_err(|e| e.to_string()));
            match result {
                Ok(r) => Rate {
                    workload: w.id.clone(),
                    chip: chip_id.to_string(),
                    precision: precision.as_str().to_string(),
                    per_chip_per_s: r.items_per_s_per_chip,
                    input_per_chip_per_s: 0.0,
                    input_cost_share: 0.0,
                    instance_chips: 1,
                    layout: format!("batch {}", r.batch),
                    ttft_p99_ms: None,
                    tpot_p99_ms: None,
                    latency_s: Some(r.batch_latency_s),
                    problem: g.latency_p99_s.filter(|l| r.batch_latency_s > *l).map(|l| {
                        format!(
                            "a batch of {} on `{chip_id}` takes {:.1} s, over the {l} s p99 target",
                            r.batch, r.batch_latency_s
                        )
                    }),
                },
                Err(e) => zero(&w.id, chip_id, precision, e),
            }
        }
        WorkloadSpec::Training(_) => zero(&w.id, chip_id, Precision::Bf16, "training runs have no serving rate".into()),
    }
}

/// Place every training run on one (site, chip) pool, reserve the chips it needs per quarter
/// and find its completion date. Runs that cannot finish by their deadline are flagged.
pub(crate) fn plan_training(
    scenario: &Scenario,
    catalog: &Catalog,
    pools: &[Pool],
    horizon: &[Quarter],
    violations: &mut Vec<Violation>,
) -> Vec<TrainingEval> {
    let mut out = Vec::new();
    let mut reserved: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for w in &scenario.workloads {
        let WorkloadSpec::Training(run) = &w.spec else { continue };
        let Ok(model) = catalog.llm(&run.model) else { continue };
        let start_q = Quarter::of_date(run.start);
        let window: Vec<usize> = horizon.iter().enumerate().filter(|(_, q)| **q >= start_q).map(|(i, _)| i).collect();
        // Candidate pools: chips with dense units at the run's precision; pick the most peak
        // compute available in the run's first quarter in the horizon.
        let free = |p: &Pool, i: usize| -> u64 {
            let taken = reserved.get(&(p.site.clone(), p.chip.clone())).map_or(0, |v| v[i]);
            p.accelerators[i].saturating_sub(taken)
        };
        // Pools the fleet marks for this run (`training` on [[fleet]]); else every pool.
        let marked: Vec<(&str, &str)> = scenario
            .fleet
            .iter()
            .filter(|h| h.training.as_deref() == Some(w.id.as_str()))
            .map(|h| (h.site.as_str(), h.hardware.chip.as_str()))
            .collect();
        let best = pools
            .iter()
            .filter(|p| marked.is_empty() || marked.contains(&(p.site.as_str(), p.chip.as_str())))
            .filter_map(|p| {
                let chip = catalog.accelerator(&p.chip).ok()?;
                let tflops = chip.dense_tflops(run.precision)?;
                let chips = window.iter().map(|i| free(p, *i)).max().unwrap_or(0);
                (chips > 0).then_some((p, chips as f64 * tflops))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let Some((pool, _)) = best else {
            violations.push(Violation {
                kind: ViolationKind::Training,
                subject: w.id.clone(),
                quarter: None,
                message: format!("no chip in the fleet runs {} training during the run", run.precision),
                fix: format!(
                    "hold chips with {} units (e.g. h100-sxm, h200) at one site, or train in bf16",
                    run.precision
                ),
            });
            continue;
        };
        let chip = catalog.accelerator(&pool.chip).ok();
        let family = chip.and_then(|c| catalog.perf_family(&c.perf_family).ok());
        let per_chip = chip.zip(family).and_then(|(chip, family)| {
            let rates = ChipRates::new(chip, family, run.precision).ok()?;
            let job = TrainJob { seq_len: f64::from(run.seq_len), global_batch_tokens: None, tokens: run.tokens };
            let engine = TrainEngine::new(model, rates, job).ok()?;
            let avail = window.iter().map(|i| free(pool, *i)).max().unwrap_or(0);
            let reference = prev_power_of_two(avail.min(TRAINING_REFERENCE_CHIPS));
            let tp = chip.scaleup_domain.clamp(1, 8).min(model.heads);
            let c =
                LayoutConstraint { tp: Some(prev_power_of_two(u64::from(tp)) as u32), ..LayoutConstraint::default() };
            let s = search_training(&engine, model, reference as u32, &c).ok()?;
            Some((s.best.tokens_per_s / reference as f64, s.best.mfu))
        });
        let Some((per_chip, mfu)) = per_chip else {
            violations.push(Violation {
                kind: ViolationKind::Training,
                subject: w.id.clone(),
                quarter: None,
                message: format!(
                    "`{}` does not fit on the {} `{}` at `{}`",
                    model.id,
                    pool.accelerators.iter().max().unwrap_or(&0),
                    pool.chip,
                    pool.site
                ),
                fix: "hold more chips with more memory at one site".into(),
            });
            continue;
        };
        let need = demand::training_need(run, per_chip).map_or(0, |n| n.chips_needed);
        let mut chips_by_quarter = vec![0u64; horizon.len()];
        let mut done = 0.0;
        let mut completion: Option<Date> = None;
        for &i in &window {
            if completion.is_some() {
                break;
            }
            let q = horizon[i];
            let seg_start = if run.start > q.first_day() { run.start } else { q.first_day() };
            let seg_days = seg_start.days_until(q.last_day()) + 1;
            if seg_days <= 0 {
                continue;
            }
            let n = need.min(free(pool, i));
            chips_by_quarter[i] = n;
            let rate = n as f64 * per_chip;
            let tokens = rate * seg_days as f64 * SECONDS_PER_DAY;
            if rate > 0.0 && done + tokens >= run.tokens {
                let days = ((run.tokens - done) / rate / SECONDS_PER_DAY).ceil() as i64;
                completion = Some(seg_start.add_days((days - 1).max(0)));
            }
            done += tokens;
        }
        let slot = reserved.entry((pool.site.clone(), pool.chip.clone())).or_insert_with(|| vec![0; horizon.len()]);
        for (s, c) in slot.iter_mut().zip(&chips_by_quarter) {
            *s += c;
        }
        let meets = completion.is_some_and(|d| d <= run.deadline);
        if !meets {
            let short = need.saturating_sub(window.iter().map(|i| pool.accelerators[*i]).min().unwrap_or(0));
            violations.push(Violation {
                kind: ViolationKind::Training,
                subject: w.id.clone(),
                quarter: None,
                message: format!(
                    "finishes {} on `{}` at `{}`, deadline {}; it needs {need} chips for the whole window",
                    completion.map_or("after the horizon".to_string(), |d| format!("on {d}")),
                    pool.chip,
                    pool.site,
                    run.deadline
                ),
                fix: format!(
                    "add about {short} `{}` at `{}` from the run's start, or move the deadline",
                    pool.chip, pool.site
                ),
            });
        }
        out.push(TrainingEval {
            workload: w.id.clone(),
            site: pool.site.clone(),
            chip: pool.chip.clone(),
            precision: run.precision.as_str().to_string(),
            tokens_per_s_per_chip: per_chip,
            mfu,
            chips_needed: need,
            chips_by_quarter,
            completion,
            deadline: run.deadline,
            meets_deadline: meets,
        });
    }
    out
}

fn prev_power_of_two(n: u64) -> u64 {
    if n == 0 { 1 } else { 1 << (63 - n.leading_zeros()) }
}

/// Cost per token or item at full load for one workload on one chip at one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCost {
    /// Workload id.
    pub workload: String,
    /// Chip id.
    pub chip: String,
    /// Site id.
    pub site: String,
    /// TCO per accelerator-hour (chip-weighted over the site's holdings of the chip), scenario currency.
    pub per_accelerator_hour: f64,
    /// Chat: per million output tokens.
    pub per_million_output_tokens: Option<f64>,
    /// Chat: per million input tokens.
    pub per_million_input_tokens: Option<f64>,
    /// Image/video: per item.
    pub per_item: Option<f64>,
}

/// Unit costs of every rated pair at every site holding the chip (full load, no idle time).
pub(crate) fn unit_costs(rates: &BTreeMap<(String, String), Rate>, holdings: &[HoldingEval], fx: &Fx) -> Vec<UnitCost> {
    let mut sites: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for h in holdings {
        let e = sites.entry((h.chip.clone(), h.site.clone())).or_default();
        e.0 += h.usd_per_accelerator_hour * h.accelerators as f64;
        e.1 += h.accelerators as f64;
    }
    let mut out = Vec::new();
    for ((w, chip), r) in rates {
        if r.per_chip_per_s <= 0.0 {
            continue;
        }
        for ((c, site), (usd, n)) in &sites {
            if c != chip || *n <= 0.0 {
                continue;
            }
            let hour = fx.from_usd(usd / n);
            let per_unit = hour / (r.per_chip_per_s * 3600.0);
            let chat = r.input_per_chip_per_s > 0.0;
            out.push(UnitCost {
                workload: w.clone(),
                chip: chip.clone(),
                site: site.clone(),
                per_accelerator_hour: hour,
                per_million_output_tokens: chat.then_some(per_unit * (1.0 - r.input_cost_share) * 1e6),
                per_million_input_tokens: chat
                    .then(|| hour * r.input_cost_share / (r.input_per_chip_per_s * 3600.0) * 1e6),
                per_item: (!chat).then_some(per_unit),
            });
        }
    }
    out
}
