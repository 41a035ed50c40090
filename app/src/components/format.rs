//! Number and time formatting, one way everywhere.

use chrono::{DateTime, Utc};

/// Text made safe inside HTML or SVG elements and quoted attributes.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A percentage with no decimals, or an em dash when there is nothing to show.
pub fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "—".to_string())
}

/// A UTC timestamp to the minute.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A risk score with one decimal.
pub fn score(value: f64) -> String {
    format!("{value:.1}")
}

/// A count of GPUs in GPU equivalents: whole numbers as they are, MIG shares to two decimals.
pub fn gpus(value: f64) -> String {
    // A sum of shares may come out as -0.0 or -1e-17: never shown as "-0".
    let value = if value.abs() < 5e-3 { 0.0 } else { value };
    if value.fract().abs() < 1e-9 { format!("{value:.0}") } else { format!("{value:.2}") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn gpu_counts_never_show_minus_zero() {
        assert_eq!(super::gpus(-0.0), "0");
        assert_eq!(super::gpus(-1e-17), "0");
        assert_eq!(super::gpus(3.0), "3");
        assert_eq!(super::gpus(3.0 / 7.0), "0.43");
    }
}

/// A duration given in hours: minutes with one decimal under an hour, else hours with one.
pub fn hours(value: f64) -> String {
    if value < 1.0 { format!("{:.1} min", value * 60.0) } else { format!("{value:.1} h") }
}
