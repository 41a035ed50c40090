//! The `?at=` query parameter: pages show the present, or any past instant from the history.

use chrono::{DateTime, Utc};
use db::query::parse_at;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The instant the page shows: `None` for now, or the parsed `?at=` (RFC 3339).
/// An unparseable value is an error naming it.
pub fn requested_instant() -> Result<Option<DateTime<Utc>>, String> {
    parse_at(use_query_map().get_untracked().get("at").as_deref())
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
