//! Charts of a serving simulation: TTFT and TPOT percentiles per pool, their distributions, and
//! the time series (requests waiting, replica utilisation) of each pool's first replication.

use super::draw::{self, HRow, HSegment, Histogram, Line, LinePanel, Series, bin_shares};
use super::palette::{chip_colour, shade};
use super::svg::{LegendItem, Svg, Swatch, finite};
use super::{Chart, pct};
use crate::api::simulate::StandaloneRun;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::human;
use fleetplan_engines::sim::scenario::ScenarioSim;
use fleetplan_engines::sim::{Sample, SimResult, pool_replications};

/// One simulated pool: its label (`region/chip` in a scenario run, `all` standalone), its chip
/// (the colour) and its replications (pooled for the distributions; the first one's time series
/// is drawn).
pub struct SimPool<'a> {
    /// Label in legends and rows.
    pub label: String,
    /// Accelerator id (colour key).
    pub chip: String,
    /// The pool's replications.
    pub runs: &'a [SimResult],
}

/// Points on a time-series axis.
const CHART_POINTS: usize = 96;
/// Quantiles sampled from a latency histogram to draw its distribution.
const QUANTILES: usize = 400;
/// Bins of a latency distribution.
const BINS: usize = 30;

/// The charts of a scenario run (`fleetplan simulate FILE`): pools labelled `region/chip`.
pub fn scenario_simulation_charts(catalog: &Catalog, sim: &ScenarioSim, runs_by_pool: &[Vec<SimResult>]) -> Vec<Chart> {
    let pools: Vec<SimPool> = sim
        .pools
        .iter()
        .zip(runs_by_pool)
        .map(|(p, runs)| SimPool { label: format!("{}/{}", p.region, p.chip), chip: p.chip.clone(), runs })
        .collect();
    simulation_charts(catalog, &format!("{} ({}, {})", sim.workload, sim.model, sim.quarter), &pools)
}

/// The charts of a standalone run of `chip` (`fleetplan simulate --chip … --model …`, the
/// request's `chip`): one pool, `all`.
pub fn standalone_simulation_charts(catalog: &Catalog, chip: &str, run: &StandaloneRun) -> Vec<Chart> {
    let pools = [SimPool { label: "all".into(), chip: chip.to_string(), runs: &run.runs }];
    simulation_charts(catalog, chip, &pools)
}

/// TTFT and TPOT percentiles per pool, their distributions, then [`timeseries_charts`] when the
/// runs recorded a time series. `subject` names what was simulated in the subtitles.
pub fn simulation_charts(catalog: &Catalog, subject: &str, pools: &[SimPool]) -> Vec<Chart> {
    let pooled: Vec<(Series, SimResult)> = pools
        .iter()
        .enumerate()
        .filter_map(|(k, p)| pool_replications(p.runs).map(|r| (series_of(catalog, pools, k), r)))
        .collect();
    let mut charts = vec![
        percentiles("sim-ttft-percentiles", "TTFT", subject, &pooled, |r| &r.ttft),
        percentiles("sim-tpot-percentiles", "TPOT", subject, &pooled, |r| &r.tpot),
        distribution("sim-ttft-distribution", "TTFT", subject, &pooled, |r| &r.ttft),
        distribution("sim-tpot-distribution", "TPOT", subject, &pooled, |r| &r.tpot),
    ];
    charts.extend(timeseries_charts(catalog, pools));
    charts
}

/// A pool's series: its chip's colour, lightened for a second pool of the same chip.
fn series_of(catalog: &Catalog, pools: &[SimPool], k: usize) -> Series {
    let p = &pools[k];
    let before = pools[..k].iter().filter(|q| q.chip == p.chip).count();
    let colour = shade(&chip_colour(catalog, &p.chip), 0.3 * before as f64);
    Series { key: p.label.clone(), label: p.label.clone(), colour }
}

/// Milliseconds for people.
fn ms(seconds: f64) -> String {
    let v = 1e3 * finite(seconds);
    if v >= 100.0 { format!("{v:.0} ms") } else { format!("{v:.1} ms") }
}

/// p50, p90 and p99 of one latency per pool as ranges on one bar.
fn percentiles(
    id: &str,
    what: &str,
    subject: &str,
    pooled: &[(Series, SimResult)],
    pick: fn(&SimResult) -> &fleetplan_engines::sim::Histogram,
) -> Chart {
    let p99: Vec<(String, f64)> = pooled.iter().map(|(s, r)| (s.label.clone(), pick(r).quantile(0.99))).collect();
    let hi = p99.iter().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    let lo = p99.iter().min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let title = match (hi, lo, pooled.first()) {
        (Some(h), Some(l), _) if pooled.len() > 1 => {
            format!("p99 {what} from {} ({}) to {} ({})", ms(l.1), l.0, ms(h.1), h.0)
        }
        (Some(h), _, Some((_, r))) => format!(
            "p99 {what} {}, median {} over {} requests",
            ms(h.1),
            ms(pick(r).quantile(0.5)),
            human(pick(r).count() as f64)
        ),
        _ => format!("No {what} measured: no request completed"),
    };
    let svg = Svg::new(
        id,
        &title,
        &format!(
            "{what} of {subject}, per pool, all replications pooled: solid to p50, lighter to p90, lightest to p99; ms."
        ),
    );
    if pooled.iter().all(|(_, r)| pick(r).count() == 0) {
        return Chart::new(id, title, svg.empty("no completed requests"));
    }
    let legend = [
        LegendItem { label: "≤ p50".into(), colour: shade("#555555", 0.0), swatch: Swatch::Box },
        LegendItem { label: "p50–p90".into(), colour: shade("#555555", 0.4), swatch: Swatch::Box },
        LegendItem { label: "p90–p99".into(), colour: shade("#555555", 0.7), swatch: Swatch::Box },
    ];
    let rows: Vec<HRow> = pooled
        .iter()
        .map(|(s, r)| {
            let h = pick(r);
            let q = [0.0, h.quantile(0.5), h.quantile(0.9), h.quantile(0.99)].map(|v| 1e3 * finite(v));
            let names = ["p50", "p90", "p99"];
            let segments = (0..3)
                .map(|k| HSegment {
                    series: Series {
                        key: s.key.clone(),
                        label: s.label.clone(),
                        colour: shade(&s.colour, [0.0, 0.4, 0.7][k]),
                    },
                    from: q[k],
                    to: q[k + 1],
                    tip: format!("{}: {what} {} {}", s.label, names[k], ms(q[k + 1] / 1e3)),
                })
                .collect();
            HRow {
                label: s.label.clone(),
                segments,
                value_label: format!("p50 {} · p99 {}", ms(q[1] / 1e3), ms(q[3] / 1e3)),
            }
        })
        .collect();
    Chart::new(id, title, draw::hbars(svg, &format!("{what}, ms"), &rows, None, &legend))
}

/// The distribution of one latency per pool (from the pooled histogram's quantiles).
fn distribution(
    id: &str,
    what: &str,
    subject: &str,
    pooled: &[(Series, SimResult)],
    pick: fn(&SimResult) -> &fleetplan_engines::sim::Histogram,
) -> Chart {
    let samples: Vec<Vec<f64>> = pooled
        .iter()
        .map(|(_, r)| {
            let h = pick(r);
            if h.count() == 0 {
                Vec::new()
            } else {
                (0..QUANTILES).map(|k| 1e3 * h.quantile((k as f64 + 0.5) / QUANTILES as f64)).collect()
            }
        })
        .collect();
    let lo = samples.iter().flat_map(|v| v.first()).copied().fold(f64::INFINITY, f64::min);
    let hi = samples.iter().flat_map(|v| v.last()).copied().fold(0.0, f64::max);
    let title = match pooled.iter().max_by(|a, b| pick(&a.1).quantile(0.99).total_cmp(&pick(&b.1).quantile(0.99))) {
        Some((s, r)) if pick(r).count() > 0 => format!(
            "{what}: half the requests under {}, 1 in 100 over {} ({})",
            ms(pick(r).quantile(0.5)),
            ms(pick(r).quantile(0.99)),
            s.label
        ),
        _ => format!("No {what} measured: no request completed"),
    };
    let svg = Svg::new(
        id,
        &title,
        &format!(
            "Distribution of {what} of {subject} per pool (share of requests per bin, all replications pooled); dashed: p50 and p99 of the slowest pool."
        ),
    );
    if !lo.is_finite() || hi <= 0.0 {
        return Chart::new(id, title, svg.empty("no completed requests"));
    }
    let markers = pooled
        .iter()
        .max_by(|a, b| pick(&a.1).quantile(0.99).total_cmp(&pick(&b.1).quantile(0.99)))
        .map(|(_, r)| {
            vec![("p50".to_string(), 1e3 * pick(r).quantile(0.5)), ("p99".to_string(), 1e3 * pick(r).quantile(0.99))]
        })
        .unwrap_or_default();
    // No finer bins than the latency histogram resolves (buckets 0.78 % wide).
    let bins = if lo > 0.0 { ((hi / lo).ln() / 0.0078).floor().clamp(4.0, BINS as f64) as usize } else { BINS };
    let series = pooled
        .iter()
        .zip(&samples)
        .filter(|(_, v)| !v.is_empty())
        .map(|((s, _), v)| (s.clone(), bin_shares(v, lo, hi, bins)))
        .collect();
    let unit = format!("{what}, ms");
    let h = Histogram { unit: &unit, lo, hi, series, markers, fmt: |v| ms(v / 1e3) };
    Chart::new(id, title, draw::histogram(svg, &h))
}

/// Requests waiting for admission and replica utilisation over time, one line per pool (each
/// pool's first replication, averaged into equal time buckets); none without a time series.
pub fn timeseries_charts(catalog: &Catalog, pools: &[SimPool]) -> Vec<Chart> {
    let series: Vec<(Series, &[Sample])> = pools
        .iter()
        .enumerate()
        .filter_map(|(k, p)| p.runs.first().map(|r| (series_of(catalog, pools, k), r.series.as_slice())))
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    if series.is_empty() {
        return Vec::new();
    }
    let end = series.iter().flat_map(|s| s.1.iter().map(|x| x.t_s)).fold(0.0, f64::max).max(1e-9);
    // Buckets of a round width (1 s … 1 h), at most about CHART_POINTS of them.
    let width =
        ROUND_SECONDS.iter().copied().find(|w| end / w <= CHART_POINTS as f64).unwrap_or(end / CHART_POINTS as f64);
    let n = ((end / width).ceil() as usize).clamp(1, 4 * CHART_POINTS);
    let x: Vec<String> = (0..n).map(|i| time_label(i as f64 * width, end)).collect();
    let queue: Vec<(Series, Vec<f64>)> =
        series.iter().map(|(s, rows)| (s.clone(), bucket(rows, width, n, |x| x.waiting as f64))).collect();
    let util: Vec<(Series, Vec<f64>)> =
        series.iter().map(|(s, rows)| (s.clone(), bucket(rows, width, n, |x| 100.0 * x.utilization))).collect();
    let (peak_pool, peak, at) = queue
        .iter()
        .flat_map(|(s, v)| v.iter().enumerate().map(move |(i, q)| (s.label.clone(), *q, i)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
        .unwrap_or_default();
    let queue_title = if peak > 0.0 {
        format!(
            "The queue peaks at {} requests waiting, {} into the run ({peak_pool})",
            human(peak.round()),
            x.get(at).cloned().unwrap_or_default()
        )
    } else {
        "No request waits for admission".into()
    };
    let mean_util = util.iter().map(|(_, v)| v.iter().sum::<f64>() / v.len().max(1) as f64).fold(0.0, f64::max);
    let util_title =
        format!("Replicas are busy stepping {} of the time on average (busiest pool)", pct(mean_util / 100.0));
    let panel = |unit: &str, lines: &[(Series, Vec<f64>)], fmt: fn(f64) -> String| LinePanel {
        label: String::new(),
        unit: unit.into(),
        lines: lines
            .iter()
            .map(|(s, v)| Line { series: s.clone(), dashed: false, values: v.iter().map(|x| Some(*x)).collect() })
            .collect(),
        band: None,
        fmt,
    };
    let sub = "first replication of each pool, averaged into equal time buckets";
    vec![
        Chart::new(
            "sim-queue",
            queue_title.clone(),
            draw::lines(
                Svg::new(
                    "sim-queue",
                    &queue_title,
                    &format!("Requests waiting for admission over simulated time, {sub}."),
                ),
                &x,
                &[panel("requests", &queue, human)],
            ),
        ),
        Chart::new(
            "sim-utilization",
            util_title.clone(),
            draw::lines(
                Svg::new("sim-utilization", &util_title, &format!("Share of replica time spent stepping, {sub}; %.")),
                &x,
                &[panel("% of replica time", &util, |v| format!("{v:.1} %"))],
            ),
        ),
    ]
}

/// Round bucket widths of a time series, s.
const ROUND_SECONDS: [f64; 14] =
    [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0];

/// A time on an axis ending at `end` s: seconds under 2 minutes, minutes under 2 hours, hours.
fn time_label(t: f64, end: f64) -> String {
    if end < 120.0 {
        format!("{t:.0} s")
    } else if end < 7200.0 {
        format!("{:.0} min", t / 60.0)
    } else {
        format!("{:.1} h", t / 3600.0)
    }
}

/// `f` of the rows averaged into `n` buckets of `width` seconds; an empty bucket
/// (sampling interval longer than a bucket) carries the previous value.
fn bucket(rows: &[Sample], width: f64, n: usize, f: fn(&Sample) -> f64) -> Vec<f64> {
    let mut sum = vec![0.0; n];
    let mut count = vec![0u32; n];
    for s in rows {
        let i = (((s.t_s - 1e-9) / width).floor().max(0.0) as usize).min(n - 1);
        sum[i] += finite(f(s));
        count[i] += 1;
    }
    let mut last = 0.0;
    sum.iter()
        .zip(&count)
        .map(|(s, c)| {
            if *c > 0 {
                last = s / f64::from(*c);
            }
            last
        })
        .collect()
}
