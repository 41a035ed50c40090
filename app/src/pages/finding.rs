//! `/findings/:id`: one finding — the rule's text, rationale and remediation, the exact
//! offending fields, its history, and its exception.

use db::query::FindingDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::LoadError;
use super::not_found::NotFound;
use crate::api::explore::finding;
use crate::components::format::timestamp;
use crate::components::links::{
    Breadcrumbs, ObjectLink, control_href, namespace_href, object_label, rule_href, tenant_href, with_query,
    workload_href,
};
use crate::components::severity::SeverityBadge;

/// The finding page.
#[component]
pub fn FindingPage() -> impl IntoView {
    let id = use_params_map().get_untracked().get("id").and_then(|id| id.parse::<i64>().ok());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let Some(id) = id else { return view! { <NotFound /> }.into_any() };
                match finding(id).await {
                    Ok(Some(detail)) => view! { <FindingView detail /> }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FindingView(detail: FindingDetail) -> impl IntoView {
    let d = detail;
    let rule = domain::rules::rule(&d.finding.rule_id);
    let mut trail = vec![(d.tenant.clone(), tenant_href(&d.tenant))];
    if let Some(ns) = &d.finding.object_namespace {
        trail.push((ns.clone(), namespace_href(&d.tenant, ns)));
    }
    if let Some(href) =
        workload_href(&d.finding.object_kind, d.finding.object_namespace.as_deref(), &d.finding.object_name)
    {
        trail.push((format!("{} {}", d.finding.object_kind, d.finding.object_name), href));
    }
    let object = object_label(&d.finding.object_kind, d.finding.object_namespace.as_deref(), &d.finding.object_name);
    // A resolved finding weighs nothing and needs no exception.
    let resolved = d.resolved_at.is_some();
    let status = match d.resolved_at {
        Some(at) => format!("resolved {}", timestamp(at)),
        None => "open".to_string(),
    };
    let request_href = with_query(
        "/exceptions",
        &[
            ("rule", d.finding.rule_id.clone()),
            ("tenant", d.tenant.clone()),
            ("namespace", d.finding.object_namespace.clone().unwrap_or_default()),
            ("kind", d.finding.object_kind.clone()),
            ("name", d.finding.object_name.clone()),
        ],
    );
    let exception = match &d.exception {
        Some(e) => format!(
            "Covered by exception #{} ({}), requested by {}, expires {}: {}",
            e.exception_id,
            if e.approved_at.is_some() { "approved" } else { "pending" },
            e.requested_by,
            timestamp(e.expires_at),
            e.justification
        ),
        None => "No exception covers this finding.".to_string(),
    };
    let evidence =
        d.evidence.iter().map(|path| view! { <li><code class="field">{path.clone()}</code></li> }).collect_view();
    let controls = d.controls.iter().map(|c| view! { <li><a href=control_href(c)>{c.clone()}</a></li> }).collect_view();
    let events = d
        .events
        .iter()
        .map(|e| view! { <tr><td><time>{timestamp(e.at)}</time></td><td>{e.kind.clone()}</td></tr> })
        .collect_view();
    let rule_text = rule.map(|r| {
        view! {
            <h2>"Why it matters"</h2>
            <p>{r.rationale}</p>
            <h2>"How to fix it"</h2>
            <pre class="remediation">{r.remediation}</pre>
        }
    });
    let title = rule.map_or_else(|| d.finding.rule_id.clone(), |r| r.title.to_string());
    view! {
        <Title text=format!("{title} on {object}") />
        <Breadcrumbs trail here=format!("Finding #{}", d.finding_id) />
        <h1><SeverityBadge severity=d.finding.severity /> " " {title}</h1>
        <p class="lead">{d.message.clone()}</p>
        <dl class="facts">
            <dt>"Rule"</dt><dd><a href=rule_href(&d.finding.rule_id)><code>{d.finding.rule_id.clone()}</code></a></dd>
            <dt>"Object"</dt><dd><ObjectLink kind=d.finding.object_kind.clone() namespace=d.finding.object_namespace.clone() name=d.finding.object_name.clone() /></dd>
            <dt>"Container"</dt><dd>{d.container.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Cluster"</dt><dd>{d.cluster.clone()}</dd>
            <dt>"Status"</dt><dd>{status}</dd>
            <dt>"Score contribution"</dt><dd>{if resolved { "none (resolved)".to_string() } else { format!("{:.2}", d.contribution) }}</dd>
        </dl>
        <h2>"Offending fields"</h2>
        <ul class="evidence fields">{evidence}</ul>
        {rule_text}
        <h2>"Controls"</h2>
        <ul class="controls">{controls}</ul>
        <h2>"History"</h2>
        <p>
            "First seen " <time>{timestamp(d.first_seen)}</time>
            {d.last_seen.map(|at| format!(", last seen {}", timestamp(at)))}
            {(d.reopen_count > 0).then(|| format!(", reopened {} times", d.reopen_count))} "."
        </p>
        <table class="data events"><thead><tr><th>"When"</th><th>"What"</th></tr></thead><tbody>{events}</tbody></table>
        <h2>"Exception"</h2>
        <p>{exception}</p>
        {(!resolved).then(|| view! { <p><a class="button" href=request_href>"Request an exception for this object"</a></p> })}
    }
}
