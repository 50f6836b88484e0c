//! The SVG writer behind every chart: one theme (font, greys, sizes), the number guard, linear
//! scales with a few round ticks, axes, legends and marks. Everything is written into a
//! `String` with presentation attributes only (no `<style>`, no `style=`, no scripts), so the
//! output passes a strict Content-Security-Policy when inlined in a page.

use fleetplan_core::format::axis_tick;
use fleetplan_core::output::clean_number;
use std::fmt::Write;

/// Width of every chart, px (the viewBox scales to the page).
pub(crate) const WIDTH: f64 = 960.0;
/// Left edge of a plot area (room for y tick labels), px.
pub(crate) const LEFT: f64 = 72.0;
/// Right margin, px.
pub(crate) const RIGHT: f64 = 24.0;
/// Text colour.
pub(crate) const INK: &str = "#222222";
/// Secondary text (subtitle, ticks, units).
pub(crate) const MUTED: &str = "#666666";
/// Baseline and tick marks.
pub(crate) const AXIS: &str = "#9a9a9a";
/// Font stack (the page's own sans-serif).
const FONT: &str = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif";
/// Approximate advance of one character at 12 px, px (for layout: legends, label thinning).
pub(crate) const CHAR_PX: f64 = 6.6;

/// Escape text for XML (content and attribute values).
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A coordinate or size with one decimal; a non-finite value is written as 0 (never NaN/inf in
/// an attribute), and -0.0 as 0.
pub(crate) fn n(x: f64) -> String {
    let x = if x.is_finite() { (x * 10.0).round() / 10.0 } else { 0.0 };
    let s = format!("{x:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    if s == "-0" { "0".into() } else { s }
}

/// A data value for `data-value`: six significant digits (the output boundary's rounding), 0
/// when not finite.
pub(crate) fn value_attr(x: f64) -> String {
    let v = clean_number(x);
    if v.is_finite() { format!("{v}") } else { "0".into() }
}

/// `x` when finite, else 0 (what every number read from a result goes through).
pub(crate) fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// What one mark stands for: its series (chip, region, category id…), its x (quarter,
/// category…), its value and the tooltip text.
pub(crate) struct Mark<'a> {
    /// `data-series`.
    pub series: &'a str,
    /// `data-x`.
    pub x: &'a str,
    /// `data-value`.
    pub value: f64,
    /// The `<title>` child (native tooltip).
    pub tip: String,
}

impl Mark<'_> {
    /// The mark's attributes (class, data-*).
    fn attrs(&self) -> String {
        format!(
            r#"class="fp-mark" data-series="{}" data-x="{}" data-value="{}""#,
            esc(self.series),
            esc(self.x),
            value_attr(self.value)
        )
    }
}

/// The chart being written: the root element, the title block and what follows.
pub(crate) struct Svg {
    body: String,
    height: f64,
    id: String,
    title: String,
}

impl Svg {
    /// A chart with an answer-first `title` (wrapped over two lines when long) and a
    /// `subtitle` saying what is drawn and in which unit. Content starts at [`Svg::top`].
    pub(crate) fn new(id: &str, title: &str, subtitle: &str) -> Svg {
        let mut svg = Svg { body: String::new(), height: 0.0, id: id.to_string(), title: title.to_string() };
        let lines = wrap(title, 92);
        let mut y = 24.0;
        for line in &lines {
            svg.text(12.0, y, line, Text { size: 16.0, weight: "600", anchor: "start", fill: INK });
            y += 20.0;
        }
        for line in wrap(subtitle, 140) {
            svg.text(12.0, y, &line, Text { size: 12.0, weight: "400", anchor: "start", fill: MUTED });
            y += 16.0;
        }
        svg.height = y + 4.0;
        svg
    }

    /// Where content may start, px from the top.
    pub(crate) fn top(&self) -> f64 {
        self.height
    }

    /// Hatch pattern id of this chart (idle capacity); unique per chart id.
    pub(crate) fn hatch_id(&self) -> String {
        format!("fp-hatch-{}", self.id)
    }

    /// The hatch fill for idle capacity (`url(#…)`), defining its pattern once.
    pub(crate) fn hatch(&mut self) -> String {
        let id = self.hatch_id();
        if !self.body.contains(&format!("id=\"{id}\"")) {
            let _ = write!(
                self.body,
                r##"<defs><pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eeeeee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="2"/></pattern></defs>"##
            );
        }
        format!("url(#{id})")
    }

    /// Text at (x, y).
    pub(crate) fn text(&mut self, x: f64, y: f64, s: &str, t: Text) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" font-weight="{}" text-anchor="{}" fill="{}">{}</text>"#,
            n(x),
            n(y),
            n(t.size),
            t.weight,
            t.anchor,
            t.fill,
            esc(s)
        );
    }

    /// A plain line (axes, reference lines); `dash` e.g. "4 3" or "".
    pub(crate) fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64, dash: &str) {
        let dash = if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) };
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"{dash}/>"#,
            n(x1),
            n(y1),
            n(x2),
            n(y2),
            n(width)
        );
    }

    /// A data rectangle with its mark attributes and tooltip; a white hairline separates
    /// stacked segments.
    pub(crate) fn rect(&mut self, rect: (f64, f64, f64, f64), fill: &str, mark: &Mark) {
        self.rect_alpha(rect, fill, 1.0, mark);
    }

    /// [`Svg::rect`] with a fill opacity (overlapping histograms).
    pub(crate) fn rect_alpha(&mut self, (x, y, w, h): (f64, f64, f64, f64), fill: &str, opacity: f64, mark: &Mark) {
        let _ = write!(
            self.body,
            r##"<rect {} x="{}" y="{}" width="{}" height="{}" fill="{fill}" fill-opacity="{}" stroke="#ffffff" stroke-width="0.5"><title>{}</title></rect>"##,
            mark.attrs(),
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0)),
            n(opacity),
            esc(&mark.tip)
        );
    }

    /// A data point (a line's vertex) with its mark attributes and tooltip.
    pub(crate) fn dot(&mut self, (x, y): (f64, f64), r: f64, fill: &str, mark: &Mark) {
        let _ = write!(
            self.body,
            r##"<circle {} cx="{}" cy="{}" r="{}" fill="{fill}" stroke="#ffffff" stroke-width="1"><title>{}</title></circle>"##,
            mark.attrs(),
            n(x),
            n(y),
            n(r),
            esc(&mark.tip)
        );
    }

    /// A polyline through `points`.
    pub(crate) fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64, dash: &str) {
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{},{}", n(*x), n(*y))).collect();
        let dash = if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) };
        let _ = write!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="{}" stroke-linejoin="round"{dash}/>"#,
            pts.join(" "),
            n(width)
        );
    }

    /// A filled polygon (a shaded area), with a tooltip naming what it shades.
    pub(crate) fn area(&mut self, points: &[(f64, f64)], fill: &str, opacity: f64, tip: &str) {
        if points.len() < 3 {
            return;
        }
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{},{}", n(*x), n(*y))).collect();
        let _ = write!(
            self.body,
            r#"<polygon class="fp-area" points="{}" fill="{fill}" fill-opacity="{}" stroke="none"><title>{}</title></polygon>"#,
            pts.join(" "),
            n(opacity),
            esc(tip)
        );
    }

    /// Grow the chart to at least `y` px.
    pub(crate) fn extend_to(&mut self, y: f64) {
        self.height = self.height.max(y);
    }

    /// The legend from `x` at `y`, wrapping within the chart width; returns the y below it.
    pub(crate) fn legend(&mut self, x: f64, y: f64, items: &[LegendItem]) -> f64 {
        let (mut cx, mut cy) = (x, y);
        for item in items {
            let w = 18.0 + CHAR_PX * item.label.chars().count() as f64 + 16.0;
            if cx + w > WIDTH - RIGHT && cx > x {
                cx = x;
                cy += 18.0;
            }
            match item.swatch {
                Swatch::Box => {
                    let _ = write!(
                        self.body,
                        r#"<rect x="{}" y="{}" width="12" height="12" fill="{}" stroke="{AXIS}" stroke-width="0.5"/>"#,
                        n(cx),
                        n(cy - 10.0),
                        item.colour
                    );
                }
                Swatch::Line(dash) => self.line((cx, cy - 4.0), (cx + 14.0, cy - 4.0), &item.colour.clone(), 2.5, dash),
            }
            self.text(cx + 18.0, cy, &item.label, Text::small());
            cx += w;
        }
        let below = cy + 14.0;
        self.extend_to(below);
        below
    }

    /// A message in place of a plot (nothing to draw).
    pub(crate) fn empty(mut self, why: &str) -> String {
        let y = self.top() + 30.0;
        self.text(WIDTH / 2.0, y, why, Text { anchor: "middle", ..Text::small() });
        self.extend_to(y + 20.0);
        self.finish()
    }

    /// The complete `<svg>` element.
    pub(crate) fn finish(self) -> String {
        let h = self.height.ceil() + 8.0;
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" class="fp-chart" data-chart="{id}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" font-family="{FONT}" font-size="12"><title>{label}</title><rect width="{w}" height="{h}" fill="#ffffff"/>{body}</svg>"##,
            id = esc(&self.id),
            w = n(WIDTH),
            h = n(h),
            label = esc(&self.title),
            body = self.body
        )
    }
}

/// Text style.
#[derive(Clone, Copy)]
pub(crate) struct Text {
    /// Font size, px.
    pub size: f64,
    /// Font weight.
    pub weight: &'static str,
    /// start, middle or end.
    pub anchor: &'static str,
    /// Colour.
    pub fill: &'static str,
}

impl Text {
    /// 12 px ink, anchored at its start.
    pub(crate) fn small() -> Text {
        Text { size: 12.0, weight: "400", anchor: "start", fill: INK }
    }

    /// 11 px muted (ticks, units), with the given anchor.
    pub(crate) fn tick(anchor: &'static str) -> Text {
        Text { size: 11.0, weight: "400", anchor, fill: MUTED }
    }
}

/// A legend swatch: a box (bars, areas) or a line with a dash pattern ("" solid).
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled box.
    Box,
    /// A line.
    Line(&'static str),
}

/// One legend entry.
#[derive(Clone)]
pub(crate) struct LegendItem {
    /// Text.
    pub label: String,
    /// Fill or stroke (a colour or a `url(#…)` pattern).
    pub colour: String,
    /// Box or line.
    pub swatch: Swatch,
}

/// Break `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A linear scale from `0..max` (or `min..max`) onto pixels `a..b`, with round ticks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// Lowest value shown.
    pub lo: f64,
    /// Highest value shown (a round number at or above the data's).
    pub hi: f64,
    /// Tick step.
    pub step: f64,
    /// Pixel of `lo`.
    pub a: f64,
    /// Pixel of `hi`.
    pub b: f64,
}

impl Scale {
    /// A scale covering `lo..=hi` of the data (`lo` ≤ 0 ≤ `hi` keeps zero in view), rounded out to
    /// about four ticks.
    pub(crate) fn new(lo: f64, hi: f64, a: f64, b: f64) -> Scale {
        let (lo, hi) = (finite(lo).min(0.0), finite(hi).max(0.0));
        let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
        let step = nice_step(span / 4.0);
        let lo = (lo / step).floor() * step;
        let hi = ((hi / step).ceil() * step).max(lo + step);
        Scale { lo, hi, step, a, b }
    }

    /// A scale over `lo..=hi` exactly (no zero forced), for distributions.
    pub(crate) fn span(lo: f64, hi: f64, a: f64, b: f64) -> Scale {
        let (lo, hi) = (finite(lo), finite(hi));
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0)) };
        Scale { lo, hi, step: nice_step((hi - lo) / 4.0), a, b }
    }

    /// Pixel of `v`.
    pub(crate) fn px(&self, v: f64) -> f64 {
        let t = (finite(v) - self.lo) / (self.hi - self.lo);
        self.a + t * (self.b - self.a)
    }

    /// Tick values (multiples of the step inside the range).
    pub(crate) fn ticks(&self) -> Vec<f64> {
        let first = (self.lo / self.step).ceil() as i64;
        let last = (self.hi / self.step + 1e-9).floor() as i64;
        (first..=last.min(first + 12)).map(|k| k as f64 * self.step).collect()
    }
}

/// A round step (1, 2, 2.5 or 5 × 10^k) at or above `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = if raw.is_finite() && raw > 0.0 { raw } else { 1.0 };
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A vertical value axis at `x`: tick labels (metric suffixes) with short ticks, no grid lines,
/// and the unit written above the axis.
pub(crate) fn y_axis(svg: &mut Svg, scale: &Scale, x: f64, unit: &str) {
    for v in scale.ticks() {
        let y = scale.px(v);
        svg.line((x - 4.0, y), (x, y), AXIS, 1.0, "");
        svg.text(x - 7.0, y + 4.0, &axis_tick(v + 0.0), Text::tick("end"));
    }
    svg.line((x, scale.a), (x, scale.b), AXIS, 1.0, "");
    svg.text(x - 7.0, scale.b - 10.0, unit, Text { anchor: "start", ..Text::tick("start") });
}

/// A horizontal value axis at `y` with tick labels below and the unit at its right end.
pub(crate) fn x_axis(svg: &mut Svg, scale: &Scale, y: f64, unit: &str) {
    svg.line((scale.a, y), (scale.b, y), AXIS, 1.0, "");
    for v in scale.ticks() {
        let x = scale.px(v);
        svg.line((x, y), (x, y + 4.0), AXIS, 1.0, "");
        svg.text(x, y + 16.0, &axis_tick(v + 0.0), Text::tick("middle"));
    }
    svg.text(scale.b, y + 30.0, unit, Text::tick("end"));
    svg.extend_to(y + 34.0);
}

/// Category labels under bands of width `band` starting at `x0`, every k-th one so that labels
/// do not overlap (the first always shown).
pub(crate) fn x_labels(svg: &mut Svg, labels: &[String], x0: f64, band: f64, y: f64) {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64 * CHAR_PX * 0.92 + 8.0;
    let needed = ((widest / band.max(1.0)).ceil() as usize).max(1);
    // A round step: a quarter axis then labels whole years, a time axis round times.
    let every = [1, 2, 4, 5, 10, 20, 40, 50, 100].into_iter().find(|k| *k >= needed).unwrap_or(needed);
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        svg.text(x0 + band * (i as f64 + 0.5), y, label, Text::tick("middle"));
    }
    svg.extend_to(y + 6.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_always_finite_text() {
        assert_eq!(n(f64::NAN), "0");
        assert_eq!(n(f64::INFINITY), "0");
        assert_eq!(n(-0.01), "0");
        assert_eq!(n(12.345), "12.3");
        assert_eq!(value_attr(f64::NEG_INFINITY), "0");
    }

    #[test]
    fn scales_round_out_to_a_few_ticks() {
        let s = Scale::new(0.0, 9.3e9, 300.0, 100.0);
        assert!(s.hi >= 9.3e9 && s.hi <= 1.2e10, "{s:?}");
        let ticks = s.ticks();
        assert!((3..=6).contains(&ticks.len()), "{ticks:?}");
        assert!((s.px(0.0) - 300.0).abs() < 1e-9 && (s.px(s.hi) - 100.0).abs() < 1e-9);
        let flat = Scale::new(0.0, 0.0, 1.0, 0.0);
        assert!(flat.hi > flat.lo);
    }

    #[test]
    fn long_titles_wrap_at_spaces() {
        let lines = wrap("a bb ccc dddd eeeee", 8);
        assert!(lines.iter().all(|l| l.chars().count() <= 8), "{lines:?}");
        assert_eq!(lines.join(" "), "a bb ccc dddd eeeee");
    }
}
