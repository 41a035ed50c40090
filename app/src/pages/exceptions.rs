//! `/exceptions`: risk acceptances in the viewer's tenants, a form to request one (prefilled from
//! `?rule=&tenant=&namespace=&kind=&name=`, as a finding links to it), and approve and revoke
//! buttons for the security team. Every form is a plain POST with the anti-forgery token.

use chrono::Utc;
use db::exceptions::ExceptionRow;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::LoadError;
use crate::api::exceptions::{
    ApproveException, EXPIRY_CHOICES, ExceptionsData, RequestException, RevokeException, exceptions,
};
use crate::components::format::timestamp;
use crate::viewer::csrf_token;

/// The exceptions page.
#[component]
pub fn ExceptionsPage() -> impl IntoView {
    let query = use_query_map();
    let error = query.with_untracked(|q| q.get("__err")).map(|encoded| decode_error(&encoded));
    view! {
        <Title text="Exceptions" />
        <nav class="breadcrumbs"><a href="/">"Overview"</a> " / Exceptions"</nav>
        <h1>"Exceptions"</h1>
        {error.map(|message| view! { <p class="error" role="alert">{message}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let page = match crate::components::query::list_page() {
                    Ok(page) => page,
                    Err(error) => return view! { <super::BadRequest error /> }.into_any(),
                };
                match exceptions(page).await {
                    Ok(data) => {
                        let more = data.more;
                        view! { <ExceptionsView data /> <crate::components::links::OlderNewer base="/exceptions" page more /> }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ExceptionsView(data: ExceptionsData) -> impl IntoView {
    let can_approve = data.can_approve;
    let rows = data.exceptions.into_iter().map(|row| view! { <ExceptionRowView row can_approve /> }).collect_view();
    view! {
        <table class="exceptions">
            <thead>
                <tr>
                    <th>"Status"</th><th>"Rule"</th><th>"Tenant"</th><th>"Applies to"</th><th>"Justification"</th>
                    <th>"Requested"</th><th>"Approved"</th><th>"Expires"</th><th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {(!data.tenants.is_empty()).then(|| view! { <RequestForm tenants=data.tenants /> })}
    }
}

/// Where an exception stands now.
fn status(row: &ExceptionRow) -> &'static str {
    if row.revoked_at.is_some() {
        "revoked"
    } else if row.expires_at <= Utc::now() {
        "expired"
    } else if row.approved_at.is_some() {
        "active"
    } else {
        "pending"
    }
}

#[component]
fn ExceptionRowView(row: ExceptionRow, can_approve: bool) -> impl IntoView {
    let state = status(&row);
    let mut target = match (&row.namespace, &row.object_kind, &row.object_name) {
        (None, _, _) => "the whole tenant".to_string(),
        (Some(ns), Some(kind), Some(name)) => format!("{kind}/{ns}/{name}"),
        (Some(ns), _, _) => format!("namespace {ns}"),
    };
    if let (Some(cve), Some(repository)) = (&row.cve, &row.image_repository) {
        let until = if row.until_fixed { ", until a fix ships" } else { "" };
        target = format!("{cve} in {repository}{until}; {target}");
    }
    let id = row.exception_id.to_string();
    let approve = (can_approve && state == "pending").then(|| {
        view! { <ActionButton action=ApproveException::url() id=id.clone() label="Approve" /> }
    });
    let revoke = (can_approve && matches!(state, "pending" | "active")).then(|| {
        view! { <ActionButton action=RevokeException::url() id=id.clone() label="Revoke" /> }
    });
    let approved = row.approved_by.map(|by| format!("{by}, {}", row.approved_at.map(timestamp).unwrap_or_default()));
    view! {
        <tr data-exception=id.clone() data-status=state>
            <td><span class=format!("status {state}")>{state}</span></td>
            <td><code>{row.rule_id}</code></td>
            <td><a href=format!("/tenants/{}", row.tenant)>{row.tenant.clone()}</a></td>
            <td>{target}</td>
            <td>{row.justification}</td>
            <td>{format!("{}, {}", row.requested_by, timestamp(row.requested_at))}</td>
            <td>{approved.unwrap_or_default()}</td>
            <td>{timestamp(row.expires_at)}</td>
            <td class="actions">{approve}{revoke}</td>
        </tr>
    }
}

/// A one-button form posting `exception_id` to a server function.
#[component]
fn ActionButton(action: &'static str, id: String, label: &'static str) -> impl IntoView {
    view! {
        <form method="post" action=action class="inline">
            <input type="hidden" name="csrf" value=csrf_token() />
            <input type="hidden" name="exception_id" value=id />
            <button type="submit">{label}</button>
        </form>
    }
}

#[component]
fn RequestForm(tenants: Vec<String>) -> impl IntoView {
    let query = use_query_map();
    // Prefill only for one of the viewer's own tenants: a link never puts a foreign name here.
    let own = query.with_untracked(|q| q.get("tenant")).is_none_or(|t| tenants.contains(&t));
    let get = move |key: &str| query.with_untracked(|q| q.get(key)).filter(|_| own).unwrap_or_default();
    let (rule, tenant, cve) = (get("rule"), get("tenant"), get("cve"));
    let rules = domain::rules::catalogue()
        .into_iter()
        .map(|r| view! { <option value=r.id selected=r.id == rule>{format!("{} — {}", r.id, r.title)}</option> })
        .collect_view();
    let tenants = tenants
        .into_iter()
        .map(|t| {
            let (selected, value) = (t == tenant, t.clone());
            view! { <option value=value selected=selected>{t}</option> }
        })
        .collect_view();
    let expiries = EXPIRY_CHOICES
        .into_iter()
        .map(|days| view! { <option value=days.to_string() selected=days == 30>{format!("{days} days")}</option> })
        .collect_view();
    view! {
        <h2>"Request an exception"</h2>
        <form method="post" action=RequestException::url() class="request-exception">
            <input type="hidden" name="csrf" value=csrf_token() />
            <label>"Rule" <select name="rule_id" required>{rules}</select></label>
            <label>"Tenant" <select name="tenant" required>{tenants}</select></label>
            <label>"Namespace (optional)" <input name="namespace" value=get("namespace") /></label>
            <label>"Object kind (optional)" <input name="object_kind" value=get("kind") /></label>
            <label>"Object name (optional)" <input name="object_name" value=get("name") /></label>
            <fieldset>
                <legend>"One CVE only (rule images.vulnerability)"</legend>
                <label>"CVE" <input name="cve" value=cve placeholder="CVE-2024-3094" /></label>
                <label>"Image repository" <input name="image_repository" value=get("repository") placeholder="ghcr.io/team/api" /></label>
                <label><input type="checkbox" name="until_fixed" value="yes" /> "Only until a fixed version ships"</label>
            </fieldset>
            <label>"Justification" <textarea name="justification" required minlength="10" maxlength="2000"></textarea></label>
            <label>"Expires in" <select name="expires_in_days">{expiries}</select></label>
            <button type="submit">"Request"</button>
        </form>
    }
}

/// What to say about the server function error carried back in `?__err=` after a form post.
/// Anyone can put any text in a link, so the page shows the carried message only when it is one
/// of the server's own fixed refusals, and otherwise its own words for the kind of error.
fn decode_error(encoded: &str) -> String {
    use crate::api::AppError;
    use leptos::server_fn::error::ServerFnUrlError;
    let error = ServerFnUrlError::<AppError>::decode_err(encoded);
    let message = error.to_string();
    if crate::api::exceptions::is_refusal(&message) {
        return message;
    }
    match error {
        AppError::Forbidden(_) => "You may not do that.",
        AppError::BadRequest(_) => {
            "The request was not valid: name a rule, one of the tenant's own namespaces, a justification of \
             10 to 2,000 characters and one of the offered expiries (and, for one CVE, its id and image \
             repository)."
        }
        AppError::NotFound(_) => "That exception does not exist.",
        AppError::Unauthorized(_) => "Sign in first.",
        AppError::Unavailable | AppError::Internal(_) => "The request could not be completed; see the server log.",
    }
    .to_string()
}
