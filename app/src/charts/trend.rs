//! Lines and areas over time: the score trend, severity counts stacked, sparklines.

use chrono::{DateTime, Utc};
use plotters::prelude::*;

use super::style::{INK, SCORE, SEVERITY_COLOURS, finish};

fn seconds(at: &DateTime<Utc>) -> f64 {
    at.timestamp() as f64
}

fn x_range<T>(points: &[(DateTime<Utc>, T)]) -> std::ops::Range<f64> {
    let first = points.first().map_or(0.0, |p| seconds(&p.0));
    let last = points.last().map_or(1.0, |p| seconds(&p.0));
    first..last.max(first + 3600.0)
}

fn date_label(x: &f64) -> String {
    DateTime::from_timestamp(*x as i64, 0).map(|d| d.format("%b %d").to_string()).unwrap_or_default()
}

type TimeChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Dates along the bottom, whole numbers up the side, `y_name` naming the axis; quiet grid.
fn draw_time_axes(chart: &mut TimeChart<'_, '_>, y_name: &str) {
    let _ = chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&date_label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc("date (UTC)")
        .y_desc(y_name)
        .axis_desc_style(("sans-serif", 11, &INK))
        .label_style(("sans-serif", 11, &INK))
        .light_line_style(TRANSPARENT)
        .bold_line_style(INK.mix(0.25))
        .axis_style(INK.mix(0.6))
        .draw();
}

/// A score trend on a 0–100 axis: line over a light area, dates along the bottom.
pub fn trend(title: &str, points: &[(DateTime<Utc>, f64)]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 200)).into_drawing_area();
        let chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(34)
            .build_cartesian_2d(x_range(points), 0f64..100f64);
        if let Ok(mut chart) = chart {
            draw_time_axes(&mut chart, "risk score");
            let series = points.iter().map(|(at, v)| (seconds(at), *v));
            let _ =
                chart.draw_series(AreaSeries::new(series, 0.0, SCORE.mix(0.15)).border_style(SCORE.stroke_width(2)));
        }
        let _ = root.present();
    }
    finish(svg, "trend", title)
}

/// Open findings by severity over time, stacked (critical at the bottom).
pub fn severity_stack(title: &str, points: &[(DateTime<Utc>, [f64; 4])]) -> String {
    let top = points.iter().map(|(_, c)| c.iter().sum::<f64>()).fold(1.0, f64::max) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 200)).into_drawing_area();
        let chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(40)
            .build_cartesian_2d(x_range(points), 0f64..top);
        if let Ok(mut chart) = chart {
            draw_time_axes(&mut chart, "open findings");
            // Draw the cumulative totals from the top layer down so each area covers the next.
            for layer in (0..4).rev() {
                let (name, colour) = SEVERITY_COLOURS[layer];
                let series = points.iter().map(move |(at, c)| (seconds(at), c[..=layer].iter().sum::<f64>()));
                if let Ok(drawn) =
                    chart.draw_series(AreaSeries::new(series, 0.0, colour.mix(0.85)).border_style(colour))
                {
                    drawn
                        .label(name)
                        .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 10, y + 4)], colour.filled()));
                }
            }
            let _ = chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font(("sans-serif", 11, &RGBColor(0x1b, 0x1f, 0x24)))
                .background_style(WHITE.mix(0.85))
                .border_style(INK.mix(0.4))
                .draw();
        }
        let _ = root.present();
    }
    finish(svg, "severity-stack", title)
}

/// A small score line without axes, for tables.
/// The vertical range a sparkline of `scores` is drawn over: the data's own, a little wider,
/// within 0–100; at least one point of score tall.
fn scale(scores: &[f64]) -> (f64, f64) {
    let (min, max) = scores.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| (lo.min(*s), hi.max(*s)));
    if !min.is_finite() {
        return (0.0, 100.0);
    }
    let pad = ((max - min) * 0.1).max(0.5);
    ((min - pad).max(0.0), (max + pad).min(100.0))
}

pub fn sparkline(title: &str, scores: &[f64]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (120, 24)).into_drawing_area();
        let last = scores.len().saturating_sub(1).max(1) as f64;
        // Scaled to the data, so a change shows; a flat line sits in the middle.
        let (low, high) = scale(scores);
        if let Ok(mut chart) = ChartBuilder::on(&root).build_cartesian_2d(0f64..last, low..high) {
            let series = scores.iter().enumerate().map(|(i, s)| (i as f64, s.clamp(0.0, 100.0)));
            let _ = chart.draw_series(LineSeries::new(series, SCORE.stroke_width(2)));
        }
        let _ = root.present();
    }
    finish(svg, "sparkline", title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + hours * 3600, 0).unwrap()
    }

    #[test]
    fn a_trend_has_its_title_axis_name_and_line() {
        let svg = trend("Risk score, 30 days", &[(at(0), 10.0), (at(24), 40.0), (at(48), 30.0)]);
        assert!(svg.starts_with("<svg") && svg.contains("<title>Risk score, 30 days</title>"));
        assert!(svg.contains("risk score"), "the y axis is labelled");
        assert!(svg.contains("<polyline") || svg.contains("<path") || svg.contains("<polygon"));
    }

    #[test]
    fn the_severity_stack_uses_the_severity_colours_and_a_legend() {
        let svg = severity_stack("Open findings", &[(at(0), [1.0, 2.0, 3.0, 4.0]), (at(6), [0.0, 2.0, 2.0, 4.0])]);
        for (name, _) in SEVERITY_COLOURS {
            assert!(svg.contains(name), "legend names {name}");
        }
        assert!(svg.to_lowercase().contains("#b3132b"), "critical is drawn in its colour");
    }

    #[test]
    fn a_sparkline_is_scaled_to_its_data() {
        assert_eq!(scale(&[40.0, 42.0]), (39.5, 42.5));
        assert_eq!(scale(&[20.0, 40.0]), (18.0, 42.0));
        assert_eq!(scale(&[10.0, 10.0]), (9.5, 10.5), "a flat line is still drawn in the middle");
        assert_eq!(scale(&[]), (0.0, 100.0));
        assert_eq!(scale(&[0.0, 100.0]), (0.0, 100.0));
    }

    #[test]
    fn a_sparkline_is_small_and_titled() {
        let svg = sparkline("nlp: 14 days", &[10.0, 20.0, 15.0]);
        assert!(svg.contains("width=\"120\"") && svg.contains("<title>nlp: 14 days</title>"));
    }
}
