//! The four kinds of chart every view is made of: stacked bars (in side-by-side panels that
//! share one scale), lines in stacked panels (each with its own unit, the gap between two lines
//! shaded), horizontal bars (ranked values, diverging ranges) and histograms with marker lines.
//! Each takes a started [`Svg`] (title and subtitle written) and returns the finished SVG.

use super::palette::{HEADROOM, REFERENCE, SHORTFALL};
use super::svg::{
    AXIS, CHAR_PX, INK, LEFT, LegendItem, Mark, RIGHT, Scale, Svg, Swatch, Text, WIDTH, finite, x_axis, x_labels,
    y_axis,
};

/// A series of marks: its id (`data-series`), legend label and fill. The fill [`HATCH`] draws
/// the chart's hatch pattern (idle capacity).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// `data-series` of its marks.
    pub key: String,
    /// Legend text.
    pub label: String,
    /// Fill colour, or [`HATCH`].
    pub colour: String,
}

/// The fill that stands for the hatch pattern of idle capacity.
pub(crate) const HATCH: &str = "hatch";

/// Tooltip text of a bar segment: (series, panel, x, value).
pub(crate) type Tip<'a> = &'a dyn Fn(&Series, &str, &str, f64) -> String;

/// Stacked bars: `values[series][panel][x]`, stacked in series order from the baseline; one
/// panel per entry of `panels` (an empty label draws no panel heading).
pub(crate) struct Stacked<'a> {
    /// Unit of the value axis.
    pub unit: &'a str,
    /// Category along x (quarters, regions…).
    pub x: &'a [String],
    /// Panel headings.
    pub panels: &'a [String],
    /// The stacked series, bottom first.
    pub series: &'a [Series],
    /// `values[series][panel][x]`; missing entries count as 0, negatives as 0.
    pub values: &'a [Vec<Vec<f64>>],
    /// Tooltip of each segment.
    pub tip: Tip<'a>,
    /// Text above each bar, `[panel][x]` (empty: none).
    pub top_labels: &'a [Vec<String>],
    /// A reference level per x (e.g. a budget cap per year) with its legend label.
    pub reference: Option<(&'a [Option<f64>], &'a str)>,
}

/// The value of `values[s][p][i]`, 0 when missing, negative or not finite.
fn cell(values: &[Vec<Vec<f64>>], s: usize, p: usize, i: usize) -> f64 {
    values.get(s).and_then(|v| v.get(p)).and_then(|v| v.get(i)).map_or(0.0, |v| finite(*v).max(0.0))
}

/// Draw [`Stacked`] bars.
pub(crate) fn stacked(mut svg: Svg, c: &Stacked) -> String {
    let mut items: Vec<LegendItem> = c
        .series
        .iter()
        .filter(|s| (0..c.panels.len()).any(|p| (0..c.x.len()).any(|i| cell(c.values, series_index(c, s), p, i) > 0.0)))
        .map(|s| LegendItem { label: s.label.clone(), colour: fill_of(&mut svg, &s.colour), swatch: Swatch::Box })
        .collect();
    if let Some((_, label)) = c.reference {
        items.push(LegendItem { label: label.to_string(), colour: REFERENCE.into(), swatch: Swatch::Line("5 3") });
    }
    let legend_bottom = svg.legend(LEFT, svg.top() + 6.0, &items);
    let panels = c.panels.len().max(1);
    let heading = if c.panels.iter().any(|p| !p.is_empty()) { 24.0 } else { 0.0 };
    let (top, height) = (legend_bottom + 22.0 + heading, 240.0);
    let bottom = top + height;
    let totals: Vec<f64> = (0..panels)
        .flat_map(|p| (0..c.x.len()).map(move |i| (p, i)))
        .map(|(p, i)| (0..c.series.len()).map(|s| cell(c.values, s, p, i)).sum::<f64>())
        .collect();
    let refs = c.reference.map(|(r, _)| r.iter().flatten().copied().fold(0.0, f64::max)).unwrap_or(0.0);
    let scale = Scale::new(0.0, totals.iter().copied().fold(refs, f64::max), bottom, top);
    y_axis(&mut svg, &scale, LEFT, c.unit);
    let gap = 18.0;
    let panel_w = (WIDTH - LEFT - RIGHT - 8.0 - gap * (panels - 1) as f64) / panels as f64;
    for p in 0..panels {
        let x0 = LEFT + 8.0 + p as f64 * (panel_w + gap);
        let label = c.panels.get(p).map_or("", String::as_str);
        if !label.is_empty() {
            svg.text(x0, top - heading - 4.0, label, Text { weight: "600", ..Text::small() });
        }
        let band = panel_w / c.x.len().max(1) as f64;
        for (i, x) in c.x.iter().enumerate() {
            stack_bar(&mut svg, c, (p, i, x, label), (x0 + band * i as f64, band), &scale);
            if let Some((levels, name)) = c.reference
                && let Some(Some(level)) = levels.get(i)
            {
                let y = scale.px(*level);
                let (xa, xb) = (x0 + band * i as f64 + 2.0, x0 + band * (i as f64 + 1.0) - 2.0);
                svg.line((xa, y), (xb, y), REFERENCE, 2.0, "5 3");
                svg.text(
                    xb,
                    y - 4.0,
                    &format!("{name} {}", fleetplan_core::format::axis_tick(*level)),
                    Text::tick("end"),
                );
            }
        }
        svg.line((x0, bottom), (x0 + panel_w, bottom), AXIS, 1.0, "");
        x_labels(&mut svg, c.x, x0, band, bottom + 16.0);
    }
    svg.finish()
}

fn series_index(c: &Stacked, s: &Series) -> usize {
    c.series.iter().position(|x| x.key == s.key).unwrap_or(0)
}

/// A fill: the colour, or the chart's hatch pattern for [`HATCH`].
fn fill_of(svg: &mut Svg, colour: &str) -> String {
    if colour == HATCH { svg.hatch() } else { colour.to_string() }
}

/// One stacked bar: panel `p`, category `i` named `x`, in the band starting at `bx`.
fn stack_bar(
    svg: &mut Svg,
    c: &Stacked,
    (p, i, x, panel): (usize, usize, &str, &str),
    (bx, band): (f64, f64),
    scale: &Scale,
) {
    let width = (band * 0.72).min(64.0);
    let left = bx + (band - width) / 2.0;
    let mut level = 0.0;
    for (s, series) in c.series.iter().enumerate() {
        let v = cell(c.values, s, p, i);
        if v <= 0.0 {
            continue;
        }
        let (y1, y0) = (scale.px(level + v), scale.px(level));
        let fill = fill_of(svg, &series.colour);
        let tip = (c.tip)(series, panel, x, v);
        svg.rect((left, y1, width, y0 - y1), &fill, &Mark { series: &series.key, x, value: v, tip });
        level += v;
    }
    if let Some(text) = c.top_labels.get(p).and_then(|l| l.get(i)).filter(|t| !t.is_empty()) {
        svg.text(left + width / 2.0, scale.px(level) - 4.0, text, Text::tick("middle"));
    }
}

/// One line: `values[x]`, drawn solid or dashed.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Series id, label and colour.
    pub series: Series,
    /// Dashed (a reference such as demand) or solid.
    pub dashed: bool,
    /// One value per x; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
}

/// One panel of lines with its own unit; `band` = (lower line, upper line) shades the gap
/// between them: grey where the upper is above (headroom), red where it is below (shortfall).
pub(crate) struct LinePanel {
    /// Heading.
    pub label: String,
    /// Unit of the value axis.
    pub unit: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// Indices of (demand, capacity) lines whose gap is shaded.
    pub band: Option<(usize, usize)>,
    /// Tooltip value text of a point.
    pub fmt: fn(f64) -> String,
}

/// Lines in panels stacked top to bottom, one shared x (quarters, hours).
pub(crate) fn lines(mut svg: Svg, x: &[String], panels: &[LinePanel]) -> String {
    let mut items: Vec<LegendItem> = Vec::new();
    for line in panels.iter().flat_map(|p| &p.lines) {
        if !items.iter().any(|i| i.label == line.series.label) {
            let dash = if line.dashed { "5 3" } else { "" };
            items.push(LegendItem {
                label: line.series.label.clone(),
                colour: line.series.colour.clone(),
                swatch: Swatch::Line(dash),
            });
        }
    }
    let gaps = |above: bool| {
        panels.iter().any(|p| {
            let Some((lo, up)) = p.band else { return false };
            let (Some(a), Some(b)) = (p.lines.get(lo), p.lines.get(up)) else { return false };
            a.values.iter().zip(&b.values).any(|(a, b)| match (a, b) {
                (Some(a), Some(b)) if above => *b > *a * 1.001,
                (Some(a), Some(b)) => *b < *a * 0.999,
                _ => false,
            })
        })
    };
    if gaps(true) {
        items.push(LegendItem {
            label: "headroom at the peak (idle)".into(),
            colour: HEADROOM.into(),
            swatch: Swatch::Box,
        });
    }
    if gaps(false) {
        items.push(LegendItem { label: "shortfall (unserved)".into(), colour: SHORTFALL.into(), swatch: Swatch::Box });
    }
    let mut top = svg.legend(LEFT, svg.top() + 6.0, &items) + 8.0;
    let (x0, x1) = (LEFT + 8.0, WIDTH - RIGHT);
    let band = (x1 - x0) / x.len().max(1) as f64;
    let px = |i: f64| x0 + band * (i + 0.5);
    for panel in panels {
        svg.text(12.0, top + 12.0, &panel.label, Text { weight: "600", ..Text::small() });
        let (ptop, bottom) = (top + 34.0, top + 34.0 + 170.0);
        let hi = panel.lines.iter().flat_map(|l| l.values.iter().flatten()).copied().fold(0.0, f64::max);
        let scale = Scale::new(0.0, hi, bottom, ptop);
        y_axis(&mut svg, &scale, LEFT, &panel.unit);
        svg.line((x0, bottom), (x1, bottom), AXIS, 1.0, "");
        if let Some((lo, up)) = panel.band
            && let (Some(a), Some(b)) = (panel.lines.get(lo), panel.lines.get(up))
        {
            shade_gap(&mut svg, &a.values, &b.values, &|i| px(i), &scale);
        }
        for line in &panel.lines {
            draw_line(&mut svg, line, x, &|i| px(i), &scale, panel.fmt);
        }
        x_labels(&mut svg, x, x0, band, bottom + 16.0);
        top = bottom + 30.0;
    }
    svg.extend_to(top);
    svg.finish()
}

/// A line's polyline (split at gaps) and its points as marks.
fn draw_line(svg: &mut Svg, line: &Line, x: &[String], px: &dyn Fn(f64) -> f64, scale: &Scale, fmt: fn(f64) -> String) {
    let dash = if line.dashed { "5 3" } else { "" };
    // Dense series get small points (they are the tooltips' targets, not decoration).
    let radius = if line.values.len() > 40 { 1.8 } else { 3.5 };
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (i, v) in line.values.iter().enumerate() {
        match v {
            Some(v) => run.push((px(i as f64), scale.px(*v))),
            None => {
                svg.polyline(&run, &line.series.colour, 2.2, dash);
                run.clear();
            }
        }
    }
    svg.polyline(&run, &line.series.colour, 2.2, dash);
    for (i, v) in line.values.iter().enumerate() {
        let (Some(v), Some(label)) = (v, x.get(i)) else { continue };
        let tip = format!("{} · {label}: {}", line.series.label, fmt(*v));
        svg.dot(
            (px(i as f64), scale.px(*v)),
            radius,
            &line.series.colour,
            &Mark { series: &line.series.key, x: label, value: *v, tip },
        );
    }
}

/// Shade between `lower` (demand) and `upper` (capacity): headroom grey where capacity is above,
/// shortfall red where below, split exactly where the lines cross.
fn shade_gap(svg: &mut Svg, lower: &[Option<f64>], upper: &[Option<f64>], px: &dyn Fn(f64) -> f64, scale: &Scale) {
    // (x index as f64, demand, capacity) with the crossing points inserted.
    let mut pts: Vec<(f64, f64, f64)> = Vec::new();
    for i in 0..lower.len().min(upper.len()) {
        let (Some(a), Some(b)) = (lower[i], upper[i]) else { continue };
        if let Some(&(pi, pa, pb)) = pts.last() {
            let (d0, d1) = (pb - pa, b - a);
            if d0 * d1 < 0.0 && (i as f64 - pi - 1.0).abs() < 1e-9 {
                let t = d0 / (d0 - d1);
                pts.push((pi + t, pa + t * (a - pa), pa + t * (a - pa)));
            }
        }
        pts.push((i as f64, a, b));
    }
    for (above, colour, tip) in [
        (true, HEADROOM, "capacity above peak demand: idle at the peak"),
        (false, SHORTFALL, "peak demand above capacity: unserved"),
    ] {
        let edge = |(_, a, b): &(f64, f64, f64)| if above { a.max(*b) } else { a.min(*b) };
        let mut poly: Vec<(f64, f64)> = pts.iter().map(|p| (px(p.0), scale.px(edge(p)))).collect();
        poly.extend(pts.iter().rev().map(|p| (px(p.0), scale.px(p.1))));
        let opacity = if above { 0.28 } else { 0.35 };
        svg.area(&poly, colour, opacity, tip);
    }
}

/// One segment of a horizontal bar: from `from` to `to` on the value axis.
pub(crate) struct HSegment {
    /// Series id, label and colour.
    pub series: Series,
    /// Start value.
    pub from: f64,
    /// End value.
    pub to: f64,
    /// Tooltip.
    pub tip: String,
}

/// One row of horizontal bars: its label, segments and the text at the bar's end.
pub(crate) struct HRow {
    /// Row label (left).
    pub label: String,
    /// Segments (drawn in order).
    pub segments: Vec<HSegment>,
    /// Text right of the bar.
    pub value_label: String,
}

/// Horizontal bars, one row each, with a value axis below, an optional reference line
/// (a price, the nominal output) and a legend.
pub(crate) fn hbars(
    svg: Svg,
    unit: &str,
    rows: &[HRow],
    reference: Option<(f64, &str)>,
    legend: &[LegendItem],
) -> String {
    hbars_on(svg, unit, rows, reference, legend, true)
}

/// [`hbars`] on an axis from zero (`from_zero`, for amounts) or spanning only the values (for
/// ranges around a nominal value, where zero would flatten the differences).
pub(crate) fn hbars_on(
    mut svg: Svg,
    unit: &str,
    rows: &[HRow],
    reference: Option<(f64, &str)>,
    legend: &[LegendItem],
    from_zero: bool,
) -> String {
    let mut items = legend.to_vec();
    if let Some((_, label)) = reference {
        items.push(LegendItem { label: label.to_string(), colour: REFERENCE.into(), swatch: Swatch::Line("5 3") });
    }
    let top = if items.is_empty() { svg.top() + 8.0 } else { svg.legend(LEFT, svg.top() + 6.0, &items) + 10.0 };
    let widest = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(4) as f64;
    let label_w = (widest * CHAR_PX + 16.0).clamp(80.0, 380.0);
    let widest_value = rows.iter().map(|r| r.value_label.chars().count()).max().unwrap_or(0) as f64;
    let (x0, x1) = (12.0 + label_w, WIDTH - RIGHT - widest_value * CHAR_PX - 10.0);
    let values = rows.iter().flat_map(|r| r.segments.iter().flat_map(|s| [s.from, s.to])).chain(reference.map(|r| r.0));
    let scale = if from_zero {
        let (lo, hi) = values.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(finite(v)), b.max(finite(v))));
        Scale::new(lo, hi, x0, x1)
    } else {
        let (lo, hi) =
            values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(finite(v)), b.max(finite(v))));
        let pad = 0.05 * (hi - lo).max(hi.abs() * 1e-6);
        Scale::span(lo - pad, hi + pad, x0, x1)
    };
    let row_h = 24.0;
    for (k, row) in rows.iter().enumerate() {
        let y = top + row_h * k as f64;
        let cut: String = if row.label.chars().count() > 58 {
            row.label.chars().take(57).collect::<String>() + "…"
        } else {
            row.label.clone()
        };
        svg.text(x0 - 8.0, y + 16.0, &cut, Text { anchor: "end", ..Text::small() });
        let mut right = if from_zero { scale.px(0.0) } else { x0 };
        for seg in &row.segments {
            let (a, b) = (scale.px(seg.from), scale.px(seg.to));
            let mark = Mark { series: &seg.series.key, x: &row.label, value: seg.to - seg.from, tip: seg.tip.clone() };
            svg.rect((a.min(b), y + 4.0, (a - b).abs().max(1.0), row_h - 8.0), &seg.series.colour, &mark);
            right = right.max(a.max(b));
        }
        svg.text(right + 6.0, y + 16.0, &row.value_label, Text::tick("start"));
    }
    let bottom = top + row_h * rows.len().max(1) as f64 + 4.0;
    if let Some((level, _)) = reference {
        let x = scale.px(level);
        svg.line((x, top - 4.0), (x, bottom), REFERENCE, 1.5, "5 3");
    }
    if from_zero {
        svg.line((scale.px(0.0), top - 2.0), (scale.px(0.0), bottom), AXIS, 1.0, "");
    }
    x_axis(&mut svg, &scale, bottom, unit);
    svg.finish()
}

/// A histogram: `bins` equal-width bins over `lo..hi`, one series of shares (fractions 0–1)
/// each, drawn as translucent bars; marker lines with labels (p5/p50/p95, a limit).
pub(crate) struct Histogram<'a> {
    /// Unit of the x axis.
    pub unit: &'a str,
    /// Lowest bin edge.
    pub lo: f64,
    /// Highest bin edge.
    pub hi: f64,
    /// (series, share per bin).
    pub series: Vec<(Series, Vec<f64>)>,
    /// (label, value) marker lines.
    pub markers: Vec<(String, f64)>,
    /// Tooltip value text of a bin edge.
    pub fmt: fn(f64) -> String,
}

/// Draw a [`Histogram`].
pub(crate) fn histogram(mut svg: Svg, h: &Histogram) -> String {
    let items: Vec<LegendItem> = if h.series.len() > 1 {
        h.series
            .iter()
            .map(|(s, _)| LegendItem { label: s.label.clone(), colour: s.colour.clone(), swatch: Swatch::Box })
            .collect()
    } else {
        Vec::new()
    };
    // Room above the plot for the marker labels (two rows) over the unit of the value axis.
    let top = if items.is_empty() { svg.top() + 48.0 } else { svg.legend(LEFT, svg.top() + 6.0, &items) + 46.0 };
    let bottom = top + 190.0;
    let (x0, x1) = (LEFT + 8.0, WIDTH - RIGHT);
    let most = h.series.iter().flat_map(|(_, v)| v.iter()).copied().fold(0.0, f64::max);
    let y = Scale::new(0.0, 100.0 * most, bottom, top);
    let x = Scale::span(h.lo, h.hi, x0, x1);
    y_axis(&mut svg, &y, LEFT, "% of samples");
    let opacity = if h.series.len() > 1 { 0.55 } else { 0.85 };
    for (series, shares) in &h.series {
        let bins = shares.len().max(1);
        let width = (h.hi - h.lo) / bins as f64;
        for (k, share) in shares.iter().enumerate() {
            let (a, b) = (h.lo + width * k as f64, h.lo + width * (k + 1) as f64);
            let (xa, xb, top_y) = (x.px(a), x.px(b), y.px(100.0 * share));
            let tip = format!("{}: {:.1} % between {} and {}", series.label, 100.0 * share, (h.fmt)(a), (h.fmt)(b));
            let label = (h.fmt)(a);
            let mark = Mark { series: &series.key, x: &label, value: *share, tip };
            svg.rect_alpha((xa + 0.5, top_y, xb - xa - 1.0, bottom - top_y), &series.colour, opacity, &mark);
        }
    }
    for (k, (label, v)) in h.markers.iter().enumerate() {
        let px = x.px(*v);
        svg.line((px, top - 20.0), (px, bottom), INK, 1.5, "4 3");
        let ty = top - 24.0 - 12.0 * (k % 2) as f64;
        svg.text(px, ty, &format!("{label} {}", (h.fmt)(*v)), Text::tick("middle"));
    }
    x_axis(&mut svg, &x, bottom, h.unit);
    svg.finish()
}

/// Shares (fractions of all values) of `values` in `bins` equal bins over `lo..hi`; values
/// outside go to the end bins, non-finite ones are skipped.
pub(crate) fn bin_shares(values: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let bins = bins.max(1);
    let mut counts = vec![0usize; bins];
    let mut total = 0usize;
    for v in values.iter().filter(|v| v.is_finite()) {
        let k = if hi > lo { ((v - lo) / (hi - lo) * bins as f64).floor() } else { (bins / 2) as f64 };
        counts[(k.max(0.0) as usize).min(bins - 1)] += 1;
        total += 1;
    }
    counts.iter().map(|c| if total > 0 { *c as f64 / total as f64 } else { 0.0 }).collect()
}
