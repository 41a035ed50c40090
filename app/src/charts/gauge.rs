//! Gauges: how much of a quota's hard limit is used (with the 90% mark), or how busy GPUs are.

use plotters::prelude::*;

use super::{INK, SCORE, SEVERITY_COLOURS, finish};

/// What a gauge measures, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Share of a limit used: green, red from 90%.
    QuotaUse,
    /// Utilisation: one neutral colour (idle is the concern, and the number says it).
    Utilisation,
}

/// A horizontal gauge of `pct` (0–100, clamped).
pub fn gauge(title: &str, pct: f64, measure: Measure) -> String {
    let used = pct.clamp(0.0, 100.0);
    let colour = match measure {
        Measure::QuotaUse if used >= 90.0 => SEVERITY_COLOURS[0].1,
        Measure::QuotaUse => RGBColor(0x2f, 0x85, 0x5a),
        Measure::Utilisation => SCORE,
    };
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
        use super::Measure::*;
        let svg = super::gauge("requests.cpu 95% of 10", 95.0, QuotaUse);
        assert!(svg.contains("<title>requests.cpu 95% of 10</title>"));
        assert!(svg.to_lowercase().contains("#b3132b"));
        assert!(!super::gauge("requests.cpu 20%", 20.0, QuotaUse).to_lowercase().contains("#b3132b"));
        assert!(!super::gauge("GPU 95% busy", 95.0, Utilisation).to_lowercase().contains("#b3132b"));
    }
}
