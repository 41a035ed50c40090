//! `/tenants/:tenant/namespaces/:namespace`: a namespace's workloads with their findings and
//! health, quota gauges, GPU use and network-policy coverage.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::not_found::NotFound;
use super::{BadRequest, LoadError};
use crate::api::explore::{NamespaceData, namespace};
use crate::components::as_of::{AsOfBanner, requested_instant};
use crate::components::format::{gpus, percent};
use crate::components::health::{UnhealthyDefinition, recent_restarts};
use crate::components::links::{Breadcrumbs, Chart, finding_href, tenant_href, workload_href};
use crate::components::quantity;
use crate::components::severity::SeverityBadge;

/// The namespace page.
#[component]
pub fn NamespacePage() -> impl IntoView {
    let params = use_params_map().get_untracked();
    let (tenant, ns) = (params.get("tenant").unwrap_or_default(), params.get("namespace").unwrap_or_default());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {
                let (tenant, ns) = (tenant.clone(), ns.clone());
                Suspend::new(async move {
                    let at = match requested_instant() {
                        Ok(at) => at,
                        Err(error) => return view! { <BadRequest error /> }.into_any(),
                    };
                    let now_href = format!("/tenants/{tenant}/namespaces/{ns}");
                    match namespace(tenant, ns, at).await {
                        Ok(Some(data)) => view! { <AsOfBanner at now_href /> <NamespaceView data /> }.into_any(),
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn NamespaceView(data: NamespaceData) -> impl IntoView {
    let NamespaceData { tenant, namespace, workloads, quotas, network } = data;
    let gpus_allocated: f64 = workloads.iter().map(|w| w.gpus_allocated).sum();
    let gpus_in_use: f64 = workloads.iter().map(|w| w.gpus_in_use).sum();
    let workload_count = workloads.len();
    let rows = workloads
        .into_iter()
        .map(|w| {
            let href = workload_href(&w.kind, Some(&w.namespace), &w.name).unwrap_or_default();
            view! {
                <tr>
                    <td><a href=href>{format!("{} {}", w.kind, w.name)}</a></td>
                    <td class="num">{format!("{} / {}", w.ready, w.pods)}</td>
                    <td class="num">{w.unhealthy}</td>
                    <td class="num">{recent_restarts(w.restarts_24h)}</td>
                    <td class="num">{w.findings}</td>
                    <td class="num">{percent(w.cpu_use_pct())}</td>
                    <td class="num">{percent(w.memory_use_pct())}</td>
                    <td class="num">{gpus(w.gpus_requested)}</td>
                    <td>{w.problems.join("; ")}</td>
                </tr>
            }
        })
        .collect_view();
    let gauges = quotas
        .into_iter()
        .map(|q| {
            let pct = q.used_pct();
            let used = quantity::used_of_hard(&q.resource, q.used, q.hard);
            let title = format!(
                "{} of quota {}: {} used of the hard limit ({used})",
                q.resource,
                q.quota,
                quantity::share(q.used, q.hard)
            );
            view! {
                <tr class=quantity::Band::of(q.used, q.hard).class()>
                    <td>{q.quota.clone()}</td><td>{q.resource.clone()}</td>
                    <td class="num">{used}</td>
                    <td><Chart svg=crate::charts::gauge(&title, pct, crate::charts::Measure::QuotaUse) /></td>
                    <td class="num">{quantity::share(q.used, q.hard)}</td>
                    <td class="num">{quantity::headroom(&q.resource, q.used, q.hard)}</td>
                </tr>
            }
        })
        .collect_view();
    let coverage = if network.open_findings == 0 && workload_count == 0 {
        view! { <p>"No workload runs here, and no network-policy finding is open."</p> }.into_any()
    } else if network.open_findings == 0 {
        view! { <p>"Every pod is selected by a network policy, with a default deny."</p> }.into_any()
    } else {
        let items = network
            .findings
            .into_iter()
            .map(|f| view! { <li><SeverityBadge severity=f.finding.severity /> " " <a href=finding_href(f.finding_id)>{f.message}</a></li> })
            .collect_view();
        view! { <ul class="network">{items}</ul> }.into_any()
    };
    view! {
        <Title text=format!("Namespace {namespace}") />
        <Breadcrumbs trail=vec![(tenant.clone(), tenant_href(&tenant))] here=namespace.clone() />
        <h1>"Namespace " {namespace.clone()}</h1>
        <h2>"Workloads"</h2>
        <table class="data workloads">
            <thead><tr><th>"Workload"</th><th class="num">"Ready"</th><th class="num">"Unhealthy pods"</th><th class="num">"Restarts (24 h)"</th><th class="num">"Findings"</th><th class="num">"CPU used of requests"</th><th class="num">"Memory used of requests"</th><th class="num">"GPUs per pod"</th><th>"Problems"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <UnhealthyDefinition />
        <h2>"Quotas"</h2>
        <table class="data quotas">
            <thead><tr><th>"Quota"</th><th>"Resource"</th><th class="num">"Used of hard limit"</th><th>"Use"</th><th class="num">"% of hard limit"</th><th class="num">"Headroom"</th></tr></thead>
            <tbody>{gauges}</tbody>
        </table>
        <h2>"GPUs"</h2>
        <p>{format!("{} GPUs allocated to running pods; {} report utilisation.", gpus(gpus_allocated), gpus(gpus_in_use))}</p>
        <h2>"Network-policy coverage"</h2>
        {coverage}
    }
}
