//! Severity badges and counts, one colour per severity everywhere.

use domain::Severity;
use leptos::prelude::*;

/// A badge naming a severity.
#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    let name = severity.as_str();
    view! { <span class=format!("sev sev-{name}")>{name}</span> }
}

/// A count in a severity's colour; zero is shown muted.
#[component]
pub fn SeverityCount(severity: &'static str, count: i64) -> impl IntoView {
    let class = if count == 0 { "count zero".to_string() } else { format!("count sev-{severity}") };
    view! { <span class=class title=format!("{count} {severity}")>{count}</span> }
}

/// An image's CVE counts: critical, high, medium, low, and the critical or high with a fix.
#[component]
pub fn CveCounts(image: db::query::ImageRow) -> impl IntoView {
    view! {
        <SeverityCount severity="critical" count=image.critical /> " "
        <SeverityCount severity="high" count=image.high /> " "
        <SeverityCount severity="medium" count=image.medium /> " "
        <SeverityCount severity="low" count=image.low />
        <span class="meta">{format!(" ({} critical or high fixable)", image.fixable)}</span>
    }
}

#[cfg(test)]
mod tests {
    use leptos::prelude::*;

    use super::*;

    #[test]
    fn badges_and_counts_carry_their_severity_class() {
        let html = view! { <SeverityBadge severity=Severity::Critical /> }.to_html();
        assert!(html.contains("class=\"sev sev-critical\"") && html.contains(">critical<"), "{html}");
        let zero = view! { <SeverityCount severity="high" count=0 /> }.to_html();
        assert!(zero.contains("count zero"), "zero is muted: {zero}");
        let some = view! { <SeverityCount severity="high" count=3 /> }.to_html();
        assert!(some.contains("count sev-high") && some.contains("title=\"3 high\""), "{some}");
    }
}
