//! The GPU page's capacity section: per cluster and GPU node, capacity next to what is
//! allocated, in use, idle and free, and the GPUs pending pods wait for.

use db::query::{GpuNodeRow, PendingGpuRow};
use leptos::prelude::*;

use crate::components::format::gpus;
use crate::components::links::{namespace_href, tenant_href};

/// Capacity, allocation, use and demand, as of the latest collection.
#[component]
pub fn GpuCapacity(nodes: Vec<GpuNodeRow>, pending: Vec<PendingGpuRow>) -> impl IntoView {
    let sum = |f: fn(&GpuNodeRow) -> f64| nodes.iter().map(f).sum::<f64>();
    let (capacity, allocated, metered, idle, free, unknown) = (
        sum(|n| n.allocatable),
        sum(|n| n.allocated),
        sum(|n| n.metered),
        sum(|n| n.idle),
        sum(GpuNodeRow::free),
        sum(GpuNodeRow::unmetered),
    );
    let waiting: f64 = pending.iter().map(|p| p.gpus).sum();
    let waiting_pods: i32 = pending.iter().map(|p| p.pods).sum();
    let glance = format!(
        "{} of {} allocatable GPUs allocated; {} reporting use, {} of them idle now; {} free; {} pending pods wait for {} GPUs{}.",
        gpus(allocated),
        gpus(capacity),
        gpus(metered),
        gpus(idle),
        gpus(free),
        waiting_pods,
        gpus(waiting),
        if unknown > 0.0 {
            format!("; {} allocated with no metrics (use unknown)", gpus(unknown))
        } else {
            String::new()
        }
    );
    let rows = nodes
        .into_iter()
        .map(|n| {
            view! {
                <tr>
                    <td>{n.cluster.clone()}</td><td>{n.node.clone()}</td>
                    <td class="num">{gpus(n.capacity)}</td><td class="num">{gpus(n.allocatable)}</td>
                    <td class="num">{gpus(n.allocated)}</td><td class="num">{gpus(n.metered)}</td>
                    <td class="num">{gpus(n.idle)}</td><td class="num">{gpus(n.free())}</td>
                </tr>
            }
        })
        .collect_view();
    let pending_rows = pending
        .into_iter()
        .map(|p| {
            view! {
                <tr>
                    <td><a href=tenant_href(&p.tenant)>{p.tenant.clone()}</a></td>
                    <td><a href=namespace_href(&p.tenant, &p.namespace)>{p.namespace.clone()}</a></td>
                    <td class="num">{p.pods}</td><td class="num">{gpus(p.gpus)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Capacity, now"</h2>
        <p class="glance">{glance}</p>
        <p class="meta">
            "At each cluster's latest collection, in GPU equivalents (a MIG instance is its share of a GPU). "
            "Idle now: held GPUs reporting under " {format!("{:.0}", domain::gpu::IDLE_UTILISATION_PCT)}
            "% utilisation at that collection; idle GPU-hours below are summed over the last "
            {db::query::IDLE_WINDOW_HOURS} " hours. Free: allocatable GPUs no running pod holds."
        </p>
        <table class="data gpu-nodes">
            <thead><tr><th>"Cluster"</th><th>"Node"</th><th class="num">"Capacity"</th><th class="num">"Allocatable"</th><th class="num">"Allocated"</th><th class="num">"Reporting use"</th><th class="num">"Idle now"</th><th class="num">"Free"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <h2>"Pending GPU demand"</h2>
        <p class="meta">"Pods the scheduler cannot place for want of GPUs (Insufficient nvidia.com/gpu), and the GPUs they ask for."</p>
        <table class="data gpu-pending">
            <thead><tr><th>"Tenant"</th><th>"Namespace"</th><th class="num">"Pending pods"</th><th class="num">"GPUs asked for"</th></tr></thead>
            <tbody>{pending_rows}</tbody>
        </table>
    }
}
