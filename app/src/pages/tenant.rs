//! `/tenants/:tenant`: one tenant's namespaces and open findings.

use db::query::{ComplianceRow, MttrRow, ResolvedRow, ScoreExplanation};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::not_found::NotFound;
use super::{BadRequest, LoadError};
use crate::api::{TenantData, tenant};
use crate::components::as_of::{AsOfBanner, requested_instant};
use crate::components::format::{percent, score, timestamp};
use crate::components::health::{UnhealthyDefinition, recent_restarts};
use crate::components::links::{Breadcrumbs, Chart, ObjectLink, namespace_href, object_label, rule_href, with_query};
use crate::components::query::{RANGES, finding_query, range_days};
use crate::components::severity::{SeverityBadge, SeverityCount};

mod findings;
use findings::FindingsSection;

/// The tenant page.
#[component]
pub fn TenantPage() -> impl IntoView {
    let name = use_params_map().get_untracked().get("tenant").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {
                let name = name.clone();
                Suspend::new(async move {
                    let request = requested_instant().and_then(|at| Ok((at, finding_query()?, range_days()?)));
                    let (at, query, range) = match request {
                        Ok(request) => request,
                        Err(error) => return view! { <BadRequest error /> }.into_any(),
                    };
                    let now_href = format!("/tenants/{name}");
                    match tenant(name, at, query.clone(), range).await {
                        Ok(Some(data)) => view! {
                            <AsOfBanner at now_href />
                            <TenantView data query range />
                        }
                        .into_any(),
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn TenantView(data: TenantData, query: db::query::FindingQuery, range: u32) -> impl IntoView {
    let TenantData { detail, resolved, mttr, explanation, compliance, trend } = data;
    let s = detail.summary;
    let tenant_name = s.tenant.clone();
    let namespace_names: Vec<String> = detail.namespaces.iter().map(|n| n.namespace.clone()).collect();
    let namespaces = detail
        .namespaces
        .into_iter()
        .map(|n| {
            let href = namespace_href(&tenant_name, &n.namespace);
            view! {
                <tr>
                    <td><a href=href>{n.namespace}</a></td>
                    <td class="num">{n.workloads}</td>
                    <td class="num">{n.pods}</td>
                    <td class="num">{n.unhealthy_pods}</td>
                    <td class="num">{recent_restarts(n.restarts_24h)}</td>
                    <td class="num">{n.oom_killed}</td>
                    <td class="num">{n.findings}</td>
                    <td class="num">{percent(n.tightest_quota_headroom_pct)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("Tenant {}", s.tenant) />
        <Breadcrumbs trail=vec![] here=s.tenant.clone() />
        <h1>"Tenant " {s.tenant.clone()}</h1>
        <dl class="summary">
            <div><dt>"Risk score"</dt><dd class="score">{score(s.score)}</dd></div>
            <div><dt>"Critical"</dt><dd><SeverityCount severity="critical" count=s.critical /></dd></div>
            <div><dt>"High"</dt><dd><SeverityCount severity="high" count=s.high /></dd></div>
            <div><dt>"Medium"</dt><dd><SeverityCount severity="medium" count=s.medium /></dd></div>
            <div><dt>"Low"</dt><dd><SeverityCount severity="low" count=s.low /></dd></div>
            <div><dt>"Unhealthy pods"</dt><dd>{s.unhealthy_pods}</dd></div>
            <div><dt>"Mean GPU utilisation (of allocated GPUs)"</dt><dd>{percent(s.mean_gpu_utilisation_pct)}</dd></div>
            <div><dt>"Collected"</dt><dd><time>{timestamp(s.last_collected_at)}</time></dd></div>
        </dl>
        <crate::pages::reports::ExportForm tenants=vec![] tenant=s.tenant.clone() />
        <Trends tenant=s.tenant.clone() trend range />
        <Explanation explanation />
        <Compliance rows=compliance />
        <h2>"Namespaces"</h2>
        <table class="data namespaces">
            <thead>
                <tr>
                    <th>"Namespace"</th>
                    <th class="num">"Workloads"</th>
                    <th class="num">"Pods"</th>
                    <th class="num">"Unhealthy pods"</th>
                    <th class="num">"Restarts (24 h)"</th>
                    <th class="num">"OOMKilled (24 h)"</th>
                    <th class="num">"Findings"</th>
                    <th class="num" title="Of the fullest quota resource: the share of its hard limit still free">"Quota headroom (% of hard limit free)"</th>
                </tr>
            </thead>
            <tbody>{namespaces}</tbody>
        </table>
        <UnhealthyDefinition />
        <FindingsSection
            tenant=s.tenant.clone()
            namespaces=namespace_names
            rows=detail.findings
            total=detail.open_findings
            query
        />
        <RecentlyResolved rows=resolved />
        <Remediation rows=mttr />
    }
}

#[component]
fn RecentlyResolved(rows: Vec<ResolvedRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <h2>"Recently resolved"</h2><p class="empty">"Nothing resolved in the last 30 days."</p> }
            .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            let object =
                object_label(&r.finding.object_kind, r.finding.object_namespace.as_deref(), &r.finding.object_name);
            let href = crate::components::links::finding_href(r.finding_id);
            view! {
                <tr>
                    <td><SeverityBadge severity=r.finding.severity /></td>
                    <td><a href=href><code>{r.finding.rule_id}</code></a></td>
                    <td class="object">{object}</td>
                    <td><time>{timestamp(r.first_seen)}</time></td>
                    <td><time>{timestamp(r.resolved_at)}</time></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Recently resolved"</h2>
        <table class="data resolved">
            <thead><tr><th>"Severity"</th><th>"Rule"</th><th>"Object"</th><th>"First seen"</th><th>"Resolved"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Remediation(rows: Vec<MttrRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <h2>"Mean time to remediate"</h2><p class="empty">"No finding was resolved in the last 90 days."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td><SeverityBadge severity=r.severity /></td>
                    <td class="num">{r.resolved}</td>
                    <td class="num">{format!("{:.1} h", r.mean_hours)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Mean time to remediate (90 days)"</h2>
        <table class="data mttr">
            <thead><tr><th>"Severity"</th><th class="num">"Resolved"</th><th class="num">"Mean time"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The score and open findings by severity over 7, 30 or 90 days.
#[component]
fn Trends(tenant: String, trend: Vec<db::query::TrendPoint>, range: u32) -> impl IntoView {
    let ranges = RANGES
        .into_iter()
        .map(|days| {
            let href = with_query(&format!("/tenants/{tenant}"), &[("range", days.to_string())]);
            let current = (days == range).then_some("page");
            view! { <a href=href aria-current=current>{format!("{days} days")}</a> }
        })
        .collect_view();
    let scores: Vec<_> = trend.iter().map(|p| (p.at, p.score)).collect();
    let severities: Vec<_> = trend.iter().map(|p| (p.at, [p.critical, p.high, p.medium, p.low])).collect();
    let body = match (trend.first(), trend.last()) {
        (Some(first), Some(last)) if trend.len() >= 2 => {
            let period = format!("{} to {}", timestamp(first.at), timestamp(last.at));
            let score_chart = crate::charts::trend(&format!("Risk score (0–100) of {tenant}, {period}"), &scores);
            let stack_title = format!("Open findings of {tenant} by severity, {period}");
            let stack_chart = crate::charts::severity_stack(&stack_title, &severities);
            let starts_later = first.at > chrono::Utc::now() - chrono::Duration::days(i64::from(range) - 1);
            let covered = format!(
                "Asked: the last {range} days. Shown: {period}, {} points{}.",
                trend.len(),
                if starts_later { "; nothing earlier is stored" } else { "" }
            );
            view! { <p class="meta period">{covered}</p> <div class="charts"><Chart svg=score_chart /><Chart svg=stack_chart /></div> }
                .into_any()
        }
        _ => view! { <p class="empty">"Not enough history for a trend yet."</p> }.into_any(),
    };
    view! {
        <h2>"Trends"</h2>
        <nav class="ranges" aria-label="Time range">{ranges}</nav>
        {body}
    }
}

#[component]
fn Explanation(explanation: Option<ScoreExplanation>) -> impl IntoView {
    let Some(e) = explanation else { return ().into_any() };
    let top = e
        .top
        .into_iter()
        .map(|c| {
            let href = rule_href(&c.finding.rule_id);
            view! {
                <tr>
                    <td><SeverityBadge severity=c.finding.severity /></td>
                    <td><a href=href><code>{c.finding.rule_id}</code></a></td>
                    <td><ObjectLink kind=c.finding.object_kind namespace=c.finding.object_namespace name=c.finding.object_name /></td>
                    <td class="num">{format!("{:.1}", c.contribution)}</td>
                    <td class="num">{format!("{:.0}%", c.share_pct)}</td>
                </tr>
            }
        })
        .collect_view();
    let deltas = e
        .deltas
        .into_iter()
        .map(|d| {
            let change = match d.change {
                Some(change) => format!("{change:+.1} since a {} ago", d.window),
                None => format!("no score a {} ago", d.window),
            };
            let causes = d
                .causes
                .into_iter()
                .map(|c| {
                    view! {
                        <li>
                            {format!("{} ", c.kind)}<code>{c.finding.rule_id}</code>" on "
                            <span class="object">{object_label(&c.finding.object_kind, c.finding.object_namespace.as_deref(), &c.finding.object_name)}</span>
                            {format!(" ({:+.1})", c.signed_contribution)}
                        </li>
                    }
                })
                .collect_view();
            view! { <div class="delta"><strong>{change}</strong><ul>{causes}</ul></div> }
        })
        .collect_view();
    view! {
        <h2>"Why this score"</h2>
        <div class="deltas">{deltas}</div>
        <table class="data contributors">
            <thead><tr><th>"Severity"</th><th>"Rule"</th><th>"Object"</th><th class="num">"Contribution (score points)"</th><th class="num">"Share of the score"</th></tr></thead>
            <tbody>{top}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Compliance(rows: Vec<ComplianceRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|r| {
            let percent = r.percent().map(|p| format!("{p:.0}%")).unwrap_or_else(|| "—".into());
            view! {
                <tr>
                    <td><a href=format!("/compliance?framework={}", r.framework)>{r.framework.to_uppercase()}</a></td>
                    <td class="num score">{percent}</td>
                    <td class="num">{r.passed}</td>
                    <td class="num">{r.failed}</td>
                    <td class="num">{r.partial}</td>
                    <td class="num">{r.manual}</td>
                    <td class="num">{r.not_assessable}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Compliance"</h2>
        <table class="data compliance">
            <thead>
                <tr>
                    <th>"Framework"</th><th class="num" title="Passed over assessable (pass, fail, partial) controls">"Compliance (% of assessable controls passed)"</th><th class="num">"Pass"</th><th class="num">"Fail"</th>
                    <th class="num">"Partial"</th><th class="num">"Manual"</th><th class="num">"Not assessable"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
