//! The `?at=` query parameter: pages show the present, or any past instant from the history.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The instant the page shows: `None` for now, or the parsed `?at=` (RFC 3339).
/// An unparseable value is an error naming it.
pub fn requested_instant() -> Result<Option<DateTime<Utc>>, String> {
    parse_at(use_query_map().get_untracked().get("at").as_deref())
}

/// The instant an `?at=` value names: `None` when absent or empty, an error naming it when it is
/// not RFC 3339. Pages and exports read `?at=` through this one function.
pub fn parse_at(value: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|at| Some(at.with_timezone(&Utc)))
            .map_err(|_| format!("?at={text} is not a time; use RFC 3339, e.g. ?at=2026-10-01T00:00:00Z")),
    }
}

/// A banner saying which past instant the page shows, with a link back to now.
#[component]
pub fn AsOfBanner(at: Option<DateTime<Utc>>, now_href: String) -> impl IntoView {
    at.map(|at| {
        view! {
            <p class="as-of" role="status">
                "Showing the state as of " <time>{super::format::timestamp(at)}</time> ". "
                <a href=now_href>"Back to now"</a>
            </p>
        }
    })
}
