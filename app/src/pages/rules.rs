//! `/rules`: the catalogue; `/rules/:id`: one rule's text and the objects it fails on now.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::not_found::NotFound;
use super::{BadRequest, LoadError};
use crate::api::explore::rule_objects;
use crate::components::as_of::requested_instant;
use crate::components::format::timestamp;
use crate::components::links::{Breadcrumbs, ObjectLink, control_href, finding_href, rule_href, tenant_href};
use crate::components::severity::SeverityBadge;

/// The rule catalogue.
#[component]
pub fn RulesPage() -> impl IntoView {
    let rows = domain::rules::catalogue()
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td><SeverityBadge severity=r.severity /></td>
                    <td><a href=rule_href(r.id)><code>{r.id}</code></a></td>
                    <td>{r.category.as_str()}</td>
                    <td>{r.title}</td>
                    <td class="controls">{r.controls.join(" ")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text="Rules" />
        <Breadcrumbs trail=vec![] here="Rules".to_string() />
        <h1>"Rules (" {domain::rules::catalogue().len()} ")"</h1>
        <table class="data rules">
            <thead><tr><th>"Severity"</th><th>"Rule"</th><th>"Category"</th><th>"Title"</th><th>"Controls"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One rule.
#[component]
pub fn RulePage() -> impl IntoView {
    let id = use_params_map().get_untracked().get("id").unwrap_or_default();
    let Some(rule) = domain::rules::rule(&id) else { return view! { <NotFound /> }.into_any() };
    let controls = rule.controls.iter().map(|c| view! { <li><a href=control_href(c)>{*c}</a></li> }).collect_view();
    view! {
        <Title text=rule.title />
        <Breadcrumbs trail=vec![("Rules".to_string(), "/rules".to_string())] here=rule.id.to_string() />
        <h1><SeverityBadge severity=rule.severity /> " " {rule.title}</h1>
        <p class="meta"><code>{rule.id}</code> " · " {rule.category.as_str()}</p>
        <h2>"Why it matters"</h2>
        <p>{rule.rationale}</p>
        <h2>"How to fix it"</h2>
        <pre class="remediation">{rule.remediation}</pre>
        <h2>"Controls"</h2>
        <ul class="controls">{controls}</ul>
        <h2>"Affected objects"</h2>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let at = match requested_instant() {
                    Ok(at) => at,
                    Err(error) => return view! { <BadRequest error /> }.into_any(),
                };
                match rule_objects(id.clone(), at).await {
                    Ok(objects) if objects.is_empty() => view! { <p class="empty">"No object fails this rule."</p> }.into_any(),
                    Ok(objects) => view! { <AffectedTable objects /> }.into_any(),
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// Objects with an open finding: tenant, object, message linking to the finding, first seen.
#[component]
pub fn AffectedTable(objects: Vec<db::query::AffectedObject>) -> impl IntoView {
    let rows = objects
        .into_iter()
        .map(|o| {
            view! {
                <tr>
                    <td><SeverityBadge severity=o.severity /></td>
                    <td><a href=tenant_href(&o.tenant)>{o.tenant.clone()}</a></td>
                    <td><ObjectLink kind=o.object_kind namespace=o.object_namespace name=o.object_name /></td>
                    <td>{o.container.unwrap_or_default()}</td>
                    <td><a href=finding_href(o.finding_id)>{o.message}</a></td>
                    <td><time>{timestamp(o.first_seen)}</time></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data affected">
            <thead><tr><th>"Severity"</th><th>"Tenant"</th><th>"Object"</th><th>"Container"</th><th>"Finding"</th><th>"First seen"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
