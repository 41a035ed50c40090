//! Pod health as every page states it: the one definition of "unhealthy" and restarts within
//! its window.

use domain::health::UNHEALTHY_DEFINITION;
use leptos::prelude::*;

/// The definition of "unhealthy" (`domain::health::UNHEALTHY_DEFINITION`), beside a count of it.
#[component]
pub fn UnhealthyDefinition() -> impl IntoView {
    view! {
        <details class="definition">
            <summary>"What counts as unhealthy"</summary>
            <p>{UNHEALTHY_DEFINITION}</p>
        </details>
    }
}

/// Restarts within the last 24 hours, or "—" when the cluster has no earlier collection to
/// count from.
pub fn recent_restarts(restarts_24h: Option<i32>) -> String {
    restarts_24h.map_or_else(|| "—".to_string(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_without_an_earlier_collection_are_unknown_not_zero() {
        assert_eq!(recent_restarts(None), "—");
        assert_eq!(recent_restarts(Some(0)), "0");
        assert_eq!(recent_restarts(Some(12)), "12");
    }
}
