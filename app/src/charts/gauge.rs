//! Gauges: how much of a quota's hard limit is used (with the 90% mark), or how busy GPUs are.

use plotters::prelude::*;

use super::style::{INK, SCORE, SEVERITY_COLOURS, finish};

/// What a gauge measures, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Share of a limit used: green, amber from 75%, red from 90%.
    QuotaUse,
    /// Utilisation: one neutral colour (idle is the concern, and the number says it).
    Utilisation,
}

/// The colour of a quota between 75% and 90% of its limit.
const AMBER: RGBColor = RGBColor(0xc2, 0x7c, 0x0e);

/// A horizontal gauge of `pct` (0–100, clamped).
pub fn gauge(title: &str, pct: f64, measure: Measure) -> String {
    let used = pct.clamp(0.0, 100.0);
    let colour = match measure {
        Measure::QuotaUse if used >= domain::quota::NEARLY_FULL_PCT => SEVERITY_COLOURS[0].1,
        Measure::QuotaUse if used >= crate::components::quantity::AMBER_PCT => AMBER,
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
        let amber = super::gauge("requests.cpu 80%", 80.0, QuotaUse).to_lowercase();
        assert!(amber.contains("#c27c0e") && !amber.contains("#b3132b"), "75–90% is amber");
        assert!(!super::gauge("GPU 95% busy", 95.0, Utilisation).to_lowercase().contains("#b3132b"));
    }
}

/// A tenant's open findings as one bar, stacked by severity (critical first), scaled to `max`
/// so that bars of several tenants compare.
pub fn severity_bar(title: &str, counts: [f64; 4], max: f64) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (140, 14)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root).build_cartesian_2d(0f64..max.max(1.0), 0f64..1f64) {
            let mut start = 0.0;
            let bars: Vec<_> = counts
                .iter()
                .zip(SEVERITY_COLOURS)
                .map(|(count, (_, colour))| {
                    let bar = Rectangle::new([(start, 0.1), (start + count, 0.9)], colour.filled());
                    start += count;
                    bar
                })
                .collect();
            let _ = chart.draw_series(bars);
        }
        let _ = root.present();
    }
    finish(svg, "severity-bar", title)
}

#[cfg(test)]
mod bar_tests {
    #[test]
    fn the_bar_has_a_segment_per_present_severity() {
        let svg = super::severity_bar("nlp: 2 critical, 0 high, 5 medium, 9 low", [2.0, 0.0, 5.0, 9.0], 20.0);
        assert!(svg.contains("<title>nlp: 2 critical, 0 high, 5 medium, 9 low</title>"));
        for colour in ["#b3132b", "#b7791f", "#2f6fb3"] {
            assert!(svg.to_lowercase().contains(colour), "{colour}");
        }
    }
}
