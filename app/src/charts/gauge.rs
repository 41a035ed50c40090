//! A quota gauge: how much of a hard limit is used, with the 90% mark.

use plotters::prelude::*;

use super::{INK, SEVERITY_COLOURS, finish};

/// A horizontal gauge of `used_pct` (0–100, clamped), red from 90%.
pub fn gauge(title: &str, used_pct: f64) -> String {
    let used = used_pct.clamp(0.0, 100.0);
    let colour = if used >= 90.0 { SEVERITY_COLOURS[0].1 } else { RGBColor(0x2f, 0x85, 0x5a) };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (160, 18)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root).build_cartesian_2d(0f64..100f64, 0f64..1f64) {
            let _ = chart.draw_series([
                Rectangle::new([(0.0, 0.2), (100.0, 0.8)], INK.mix(0.15).filled()),
                Rectangle::new([(0.0, 0.2), (used, 0.8)], colour.filled()),
            ]);
            let _ =
                chart.draw_series(std::iter::once(PathElement::new([(90.0, 0.0), (90.0, 1.0)], INK.stroke_width(1))));
        }
        let _ = root.present();
    }
    finish(svg, "gauge", title)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_full_quota_is_drawn_in_the_critical_colour() {
        let svg = super::gauge("requests.cpu 95% of 10", 95.0);
        assert!(svg.contains("<title>requests.cpu 95% of 10</title>"));
        assert!(svg.to_lowercase().contains("#b3132b"));
        assert!(!super::gauge("requests.cpu 20%", 20.0).to_lowercase().contains("#b3132b"));
    }
}
