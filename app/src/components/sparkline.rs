//! A score sparkline as inline SVG: 0–100 scale, oldest on the left.

use leptos::prelude::*;

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 24.0;

/// The SVG polyline points for scores on a 0–100 scale.
pub fn sparkline_points(scores: &[f64]) -> String {
    let step = if scores.len() > 1 { WIDTH / (scores.len() - 1) as f64 } else { 0.0 };
    scores
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{:.1},{:.1}", i as f64 * step, HEIGHT - s.clamp(0.0, 100.0) / 100.0 * HEIGHT))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A tenant's score trend; `label` becomes the SVG's accessible title.
#[component]
pub fn Sparkline(scores: Vec<f64>, label: String) -> impl IntoView {
    let points = sparkline_points(&scores);
    view! {
        <svg class="sparkline" viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH height=HEIGHT role="img">
            <title>{label}</title>
            <polyline points=points fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::sparkline_points;

    #[test]
    fn scores_map_to_the_box_with_high_risk_at_the_top() {
        assert_eq!(sparkline_points(&[0.0, 100.0]), "0.0,24.0 120.0,0.0");
        assert_eq!(sparkline_points(&[]), "");
    }
}
