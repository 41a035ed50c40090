//! `/audit`: the audit log of user actions, for auditors, the security team and admins.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{BadRequest, Forbidden, LoadError};
use crate::api::{AuditEvents, audit_log};
use crate::components::format::timestamp;
use crate::components::links::OlderNewer;
use crate::components::query::list_page;

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let page = match list_page() {
                    Ok(page) => page,
                    Err(error) => return view! { <BadRequest error /> }.into_any(),
                };
                match audit_log(page).await {
                    Ok(AuditEvents::Events { rows, more }) => {
                        view! { <AuditTable rows /> <OlderNewer base="/audit" page more /> }.into_any()
                    }
                    Ok(AuditEvents::NotPermitted) => view! { <Forbidden /> }.into_any(),
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditTable(rows: Vec<db::audit::AuditRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"Nothing recorded in the last 30 days."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let action = row.action.clone();
            view! {
                <tr data-action=action>
                    <td>{timestamp(row.at)}</td>
                    <td>{row.actor}</td>
                    <td>{row.action}</td>
                    <td>{row.subject}</td>
                    <td>{row.tenant.unwrap_or_default()}</td>
                    <td>{row.source_addr.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="audit">
            <thead>
                <tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Subject"</th><th>"Tenant"</th><th>"From"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
