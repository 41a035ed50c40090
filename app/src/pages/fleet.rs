//! Across tenants: `/health` (unhealthy workloads), `/quotas`, `/gpu` and `/clusters`.

use chrono::Utc;
use db::query::{IDLE_WINDOW_HOURS, IdleGpuHours, NamespaceRef, QuotaRow, WorkloadRow};
use leptos::prelude::*;
use leptos_meta::Title;

use super::gpu_capacity::GpuCapacity;
use super::{LoadError, fleet_page};
use crate::api::fleet::{GpuData, QuotaData, clusters, fleet_gpus, fleet_quotas, fleet_unhealthy};
use crate::charts::{Measure, gauge};
use crate::components::format::{gpus, hours, percent, timestamp};
use crate::components::health::{UnhealthyDefinition, recent_restarts};
use crate::components::links::{Breadcrumbs, Chart, namespace_href, tenant_href, workload_href};
use crate::components::quantity;

fn workload_link(w: &WorkloadRow) -> impl IntoView + use<> {
    let href = workload_href(&w.kind, Some(&w.namespace), &w.name).unwrap_or_default();
    view! { <a href=href>{format!("{}/{}/{}", w.kind, w.namespace, w.name)}</a> }
}

/// Unhealthy workloads across the viewer's tenants.
#[component]
pub fn HealthPage() -> impl IntoView {
    fleet_page("Health", "Unhealthy workloads", |at| async move {
        let rows = fleet_unhealthy(at).await?;
        if rows.is_empty() {
            return Ok(view! { <p class="empty">"Every workload is healthy."</p> <UnhealthyDefinition /> }.into_any());
        }
        Ok(view! { <HealthTable rows /> }.into_any())
    })
}

#[component]
fn HealthTable(rows: Vec<WorkloadRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|w| {
            view! {
                <tr>
                    <td><a href=tenant_href(&w.tenant)>{w.tenant.clone()}</a></td>
                    <td>{workload_link(&w)}</td>
                    <td class="num">{format!("{} / {}", w.ready, w.pods)}</td>
                    <td class="num">{w.unhealthy}</td>
                    <td class="num">{recent_restarts(w.restarts_24h)}</td>
                    <td>{w.problems.join("; ")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data health">
            <thead><tr><th>"Tenant"</th><th>"Workload"</th><th class="num">"Ready"</th><th class="num">"Unhealthy pods"</th><th class="num">"Restarts (24 h)"</th><th>"Why"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <UnhealthyDefinition />
    }
}

/// Every quota across the viewer's tenants, fullest first.
#[component]
pub fn QuotasPage() -> impl IntoView {
    fleet_page("Quotas", "Quotas", |at| async move {
        let QuotaData { quotas, unquoted } = fleet_quotas(at).await?;
        Ok(view! { <QuotaTable rows=quotas /> <Unquoted namespaces=unquoted /> }.into_any())
    })
}

/// Namespaces that run pods under no ResourceQuota.
#[component]
fn Unquoted(namespaces: Vec<NamespaceRef>) -> impl IntoView {
    if namespaces.is_empty() {
        return view! { <h2>"Namespaces without a quota"</h2> <p class="empty">"Every namespace with pods has a quota."</p> }
            .into_any();
    }
    let items = namespaces
        .into_iter()
        .map(|n| view! { <li><a href=namespace_href(&n.tenant, &n.namespace)>{format!("{}/{}", n.tenant, n.namespace)}</a></li> })
        .collect_view();
    view! { <h2>"Namespaces without a quota"</h2> <p>"These run pods with no ResourceQuota to bound them."</p> <ul class="unquoted">{items}</ul> }
        .into_any()
}

#[component]
fn QuotaTable(rows: Vec<QuotaRow>) -> impl IntoView {
    let full: std::collections::BTreeSet<(&str, &str)> =
        rows.iter().filter(|q| q.is_nearly_full()).map(|q| (q.tenant.as_str(), q.namespace.as_str())).collect();
    let threshold = domain::quota::NEARLY_FULL_PCT;
    let summary = format!("{} namespaces at or above {threshold}% of a quota resource.", full.len());
    let rows = rows
        .into_iter()
        .map(|q| {
            let pct = q.used_pct();
            let used = quantity::used_of_hard(&q.resource, q.used, q.hard);
            let title = format!(
                "{}/{} {}: {} of the hard limit used ({used})",
                q.namespace,
                q.quota,
                q.resource,
                quantity::share(q.used, q.hard)
            );
            view! {
                <tr class=quantity::Band::of(q.used, q.hard).class()>
                    <td><a href=tenant_href(&q.tenant)>{q.tenant.clone()}</a></td>
                    <td><a href=namespace_href(&q.tenant, &q.namespace)>{q.namespace.clone()}</a></td>
                    <td>{q.quota.clone()}</td><td>{q.resource.clone()}</td>
                    <td class="num">{used}</td>
                    <td><Chart svg=gauge(&title, pct, Measure::QuotaUse) /></td>
                    <td class="num">{quantity::share(q.used, q.hard)}</td>
                    <td class="num">{quantity::headroom(&q.resource, q.used, q.hard)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p>{summary}</p>
        <table class="data quotas">
            <thead><tr><th>"Tenant"</th><th>"Namespace"</th><th>"Quota"</th><th>"Resource"</th><th class="num">"Used of hard limit"</th><th>"Use"</th><th class="num">"% of hard limit"</th><th class="num">"Headroom"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// GPU workloads, allocated against used, and idle GPU-hours per tenant and namespace.
#[component]
pub fn GpuPage() -> impl IntoView {
    fleet_page("GPUs", "GPUs", |at| async move {
        let GpuData { workloads, idle, nodes, pending } = fleet_gpus(at).await?;
        Ok(view! { <GpuCapacity nodes pending /> <h2>"Workloads"</h2> <GpuTable rows=workloads /> <IdleGpuTables idle /> }
            .into_any())
    })
}

#[component]
fn GpuTable(rows: Vec<WorkloadRow>) -> impl IntoView {
    let allocated: f64 = rows.iter().map(|w| w.gpus_allocated).sum();
    let idle: f64 = rows.iter().map(|w| w.gpus_idle).sum();
    let unknown: f64 = rows.iter().filter(|w| w.gpu_utilisation_pct.is_none()).map(|w| w.gpus_allocated).sum();
    let rows = rows
        .into_iter()
        .map(|w| {
            // Allocated GPUs with no metrics charged to the pods: an exporter not found, without
            // its Kubernetes mode, or unreadable (see the Clusters page). Their use is unknown.
            let unreported = w.gpus_allocated > 0.0 && w.gpu_utilisation_pct.is_none();
            let reporting = if unreported { "0: no metrics for its pods".to_string() } else { gpus(w.gpus_in_use) };
            let (gauge_cell, share) = match w.gpu_utilisation_pct {
                Some(used) => {
                    let title = format!("{}: {used:.0}% mean GPU utilisation", w.name);
                    (view! { <Chart svg=gauge(&title, used, Measure::Utilisation) /> }.into_any(), percent(Some(used)))
                }
                None => (view! { "unknown" }.into_any(), "unknown".to_string()),
            };
            view! {
                <tr class:unreported=unreported>
                    <td><a href=tenant_href(&w.tenant)>{w.tenant.clone()}</a></td>
                    <td>{workload_link(&w)}</td>
                    <td class="num">{gpus(w.gpus_allocated)}</td><td class="num">{reporting}</td>
                    <td>{gauge_cell}</td>
                    <td class="num">{share}</td>
                </tr>
            }
        })
        .collect_view();
    let unknown = if unknown > 0.0 {
        format!(" {} with no metrics: their use is unknown (see the Clusters page).", gpus(unknown))
    } else {
        String::new()
    };
    view! {
        <p>{format!("{} GPUs allocated; {} on workloads under {:.0}% utilisation.{unknown}", gpus(allocated), gpus(idle), domain::gpu::IDLE_UTILISATION_PCT)}</p>
        <table class="data gpus">
            <thead><tr><th>"Tenant"</th><th>"Workload"</th><th class="num">"Allocated (GPUs)"</th><th class="num">"Reporting (GPUs)"</th><th>"Utilisation"</th><th class="num">"Mean utilisation (% busy, of reporting GPUs)"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Idle GPU-hours over the last day: per tenant, then per namespace.
#[component]
fn IdleGpuTables(idle: Vec<IdleGpuHours>) -> impl IntoView {
    let heading = format!("Idle GPU-hours, last {IDLE_WINDOW_HOURS} hours");
    if idle.is_empty() {
        return view! { <h2>{heading}</h2> <p class="empty">"No allocated GPU sat idle."</p> }.into_any();
    }
    let mut totals: std::collections::BTreeMap<String, f64> = Default::default();
    for row in &idle {
        *totals.entry(row.tenant.clone()).or_default() += row.idle_hours;
    }
    let mut by_tenant: Vec<(String, f64)> = totals.into_iter().collect();
    by_tenant.sort_by(|a, b| b.1.total_cmp(&a.1));
    let tenants = by_tenant
        .into_iter()
        .map(|(tenant, total)| {
            view! { <tr><td><a href=tenant_href(&tenant)>{tenant.clone()}</a></td><td class="num">{hours(total)}</td></tr> }
        })
        .collect_view();
    let namespaces = idle
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <td><a href=tenant_href(&row.tenant)>{row.tenant.clone()}</a></td>
                    <td><a href=namespace_href(&row.tenant, &row.namespace)>{row.namespace.clone()}</a></td>
                    <td class="num">{hours(row.idle_hours)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>{heading}</h2>
        <p>{format!("Hours allocated GPUs spent under {:.0}% utilisation, in GPU equivalents.", domain::gpu::IDLE_UTILISATION_PCT)}</p>
        <table class="data idle-tenants">
            <thead><tr><th>"Tenant"</th><th class="num">"Idle GPU-hours"</th></tr></thead>
            <tbody>{tenants}</tbody>
        </table>
        <table class="data idle-namespaces">
            <thead><tr><th>"Tenant"</th><th>"Namespace"</th><th class="num">"Idle GPU-hours"</th></tr></thead>
            <tbody>{namespaces}</tbody>
        </table>
    }
    .into_any()
}

/// Every cluster's freshness, coverage and last error.
#[component]
pub fn ClustersPage() -> impl IntoView {
    view! {
        <Title text="Clusters" />
        <Breadcrumbs trail=vec![] here="Clusters".to_string() />
        <h1>"Clusters"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match clusters().await {
                    Ok(rows) => {
                        let now = Utc::now();
                        let rows = rows.into_iter().map(|c| {
                            let state = if c.is_stale(now) { "stale" } else { "fresh" };
                            view! {
                                <tr data-state=state>
                                    <td>{c.name.clone()}</td>
                                    <td><span class=format!("status {state}")>{state}</span></td>
                                    <td>{c.last_finished_at.map(timestamp).unwrap_or_else(|| "never".into())}</td>
                                    <td class="num">{c.duration_s.map(|d| format!("{d:.1} s")).unwrap_or_default()}</td>
                                    <td class="num">{c.object_count.unwrap_or(0)}</td>
                                    <td class="num">{c.collections}</td>
                                    <td class="num">{c.interval_s.map(|d| format!("{d:.0} s")).unwrap_or_default()}</td>
                                    <td class="num">{c.not_assessable}</td>
                                    <td class="gaps">{c.coverage_gaps.join("; ")}</td>
                                    <td class="nodes">{c.not_ready_nodes.join("; ")}</td>
                                    <td>{c.last_error.clone().map(|e| format!("{e} ({})", c.last_error_at.map(timestamp).unwrap_or_default())).unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <table class="data clusters">
                                <thead><tr><th>"Cluster"</th><th>"State"</th><th>"Last collection"</th><th class="num">"Took"</th><th class="num">"Objects"</th><th class="num">"Collections"</th><th class="num">"Interval"</th><th class="num">"Rules not assessable"</th><th>"Could not list"</th><th>"Nodes not ready"</th><th>"Last error"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
