//! SVG charts drawn with plotters (SVG backend only, no fonts or bitmaps needed).

use fleetplan_core::format::axis_tick;
use plotters::prelude::*;

const W: u32 = 760;
const H: u32 = 360;
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// A vertical bar chart of `(label, value)` pairs; returns the SVG text. Every bar is labelled
/// (categorical, segmented x axis).
pub fn bar_chart(title: &str, y_label: &str, bars: &[(String, f64)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let n = bars.len().max(1) as u32;
        let max = bars.iter().map(|b| finite(b.1)).fold(0.0, f64::max).max(1e-12) * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..max)
            .map_err(|e| e.to_string())?;
        // Labels share the width: shrink the font when they would run into each other.
        let label_chars: usize = bars.iter().map(|b| b.0.chars().count() + 2).sum();
        let label_font = if label_chars > 90 || n > 8 { 9 } else { 12 };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n as usize)
            .x_label_style(("sans-serif", label_font))
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => bars.get(*i as usize).map(|b| b.0.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| axis_tick(*v))
            .y_desc(y_label)
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let i = i as u32;
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), finite(b.1))],
                    PALETTE[i as usize % PALETTE.len()].filled(),
                );
                bar.set_margin(0, 0, 12, 12);
                bar
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A line chart over categorical x positions with one line per series; returns the SVG text.
pub fn line_chart(title: &str, y_label: &str, x: &[String], series: &[(String, Vec<f64>)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let n = x.len().max(2);
        let max = series.iter().flat_map(|s| s.1.iter().copied().map(finite)).fold(0.0, f64::max).max(1e-12) * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..(n - 1) as f64, 0.0..max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| {
                if v.fract().abs() < 1e-9 { x.get(*v as usize).cloned().unwrap_or_default() } else { String::new() }
            })
            .y_label_formatter(&|v| axis_tick(*v))
            .y_desc(y_label)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (name, values)) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    values.iter().enumerate().map(|(j, v)| (j as f64, finite(*v))),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bar_is_labelled() {
        let bars: Vec<(String, f64)> = (0..7).map(|i| (format!("bar-{i}"), f64::from(i + 1))).collect();
        let svg = bar_chart("t", "y", &bars).unwrap();
        for (label, _) in &bars {
            assert!(svg.contains(label.as_str()), "missing label {label}");
        }
    }
}
