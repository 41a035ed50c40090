//! Severity badges and counts, one colour per severity everywhere.

use leptos::prelude::*;

/// A badge naming a severity.
#[component]
pub fn SeverityBadge(severity: String) -> impl IntoView {
    view! { <span class=format!("sev sev-{severity}")>{severity.clone()}</span> }
}

/// A count in a severity's colour; zero is shown muted.
#[component]
pub fn SeverityCount(severity: &'static str, count: i64) -> impl IntoView {
    let class = if count == 0 { "count zero".to_string() } else { format!("count sev-{severity}") };
    view! { <span class=class title=format!("{count} {severity}")>{count}</span> }
}
