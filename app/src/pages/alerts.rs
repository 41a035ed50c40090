//! `/alerts`: alerts the configured rules raised, in the viewer's tenants (and every cluster
//! alert), with how each webhook delivery went.

use leptos::prelude::*;
use leptos_meta::Title;

use super::LoadError;
use crate::api::fleet::alerts;
use crate::components::format::timestamp;
use crate::components::links::{Breadcrumbs, tenant_href};

/// The Alerts page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    view! {
        <Title text="Alerts" />
        <Breadcrumbs trail=vec![] here="Alerts".to_string() />
        <h1>"Alerts"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match alerts().await {
                    Ok(rows) if rows.is_empty() => view! { <p class="empty">"No alert has been raised."</p> }.into_any(),
                    Ok(rows) => view! { <AlertTable rows /> }.into_any(),
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AlertTable(rows: Vec<db::alerts::AlertRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|a| {
            let tenant = a.tenant.clone().map(|t| view! { <a href=tenant_href(&t)>{t.clone()}</a> });
            let kind = a.kind.clone();
            view! {
                <tr data-kind=kind>
                    <td>{timestamp(a.created_at)}</td>
                    <td>{a.kind}</td>
                    <td>{tenant}</td>
                    <td>{a.summary}</td>
                    <td class="deliveries">{a.deliveries.join("; ")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data alerts">
            <thead><tr><th>"Raised"</th><th>"Kind"</th><th>"Tenant"</th><th>"Alert"</th><th>"Delivery"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
