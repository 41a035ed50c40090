//! What every chart shares: the colours, and the accessible title around plotters' SVG.

use plotters::style::RGBColor;

use crate::components::format::escape_html;

/// Severity colours, most severe first; the same as the style sheet's.
pub const SEVERITY_COLOURS: [(&str, RGBColor); 4] = [
    ("critical", RGBColor(0xb3, 0x13, 0x2b)),
    ("high", RGBColor(0xd9, 0x48, 0x0f)),
    ("medium", RGBColor(0xb7, 0x79, 0x1f)),
    ("low", RGBColor(0x2f, 0x6f, 0xb3)),
];

/// Axis text and grid: a grey readable on the light and the dark theme.
pub(crate) const INK: RGBColor = RGBColor(0x6b, 0x72, 0x80);
/// The risk score's colour.
pub(crate) const SCORE: RGBColor = RGBColor(0x23, 0x54, 0xd1);

/// Adds the accessible title, `role="img"` and a class to plotters' SVG root.
pub(crate) fn finish(svg: String, class: &str, title: &str) -> String {
    let Some(end) = svg.find('>') else { return svg };
    let (open, rest) = svg.split_at(end);
    format!("{open} role=\"img\" class=\"chart {class}\"><title>{}</title>{}", escape_html(title), &rest[1..])
}

#[cfg(test)]
mod tests {
    use super::finish;

    #[test]
    fn the_title_comes_first_inside_the_root() {
        let svg = finish("<svg width=\"1\"><rect/></svg>".into(), "trend", "Score <b>");
        assert_eq!(
            svg,
            "<svg width=\"1\" role=\"img\" class=\"chart trend\"><title>Score &lt;b&gt;</title><rect/></svg>"
        );
    }
}
