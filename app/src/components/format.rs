//! Number and time formatting, one way everywhere.

use chrono::{DateTime, Utc};

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
