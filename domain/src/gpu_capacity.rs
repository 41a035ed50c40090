//! GPU capacity next to use, so "we are out of GPUs while 30% sit idle" is one glance: per node,
//! the GPUs it has, those its running pods hold, those reporting metrics and those idle now, and
//! what is free; the GPU demand of pods the scheduler cannot place; and the workloads holding
//! GPUs no metrics were read for.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::gpu::{GpuSample, IDLE_UTILISATION_PCT, gpu_equivalents_of, gpus_of_pod};
use crate::inventory::Inventory;
use crate::pod::InventoryPod;
use crate::quantity::parse_quantity;

/// One GPU node's GPUs in one collection, in GPU equivalents (a MIG instance is its share).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuNode {
    pub node: String,
    /// `status.capacity` for `nvidia.com/gpu` and `nvidia.com/mig-*`.
    pub capacity: f64,
    /// `status.allocatable`: what the scheduler may hand out.
    pub allocatable: f64,
    /// Held by the node's running pods, each by its own requests.
    pub allocated: f64,
    /// Devices on the node whose metrics were read with a pod holding them.
    pub metered: f64,
    /// Of those, the devices under [`IDLE_UTILISATION_PCT`] now.
    pub idle: f64,
}

impl GpuNode {
    /// Allocatable GPUs no running pod holds.
    pub fn free(&self) -> f64 {
        free_gpus(self.allocatable, self.allocated)
    }
}

/// Allocatable GPUs no running pod holds: the one definition of "free".
pub fn free_gpus(allocatable: f64, allocated: f64) -> f64 {
    (allocatable - allocated).max(0.0)
}

/// GPUs of one node's capacity or allocatable list.
fn node_gpus(resources: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>) -> f64 {
    resources
        .into_iter()
        .flatten()
        .map(|(resource, quantity)| gpu_equivalents_of(resource, parse_quantity(&quantity.0).unwrap_or(0.0)))
        .sum()
}

fn is_running(pod: &InventoryPod) -> bool {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

/// Every node with GPUs, by name: its capacity, what running pods hold, and what the samples
/// say of use.
pub fn gpu_nodes(inv: &Inventory, samples: &[GpuSample]) -> Vec<GpuNode> {
    let mut nodes: BTreeMap<&str, GpuNode> = BTreeMap::new();
    for node in &inv.nodes {
        let status = node.status.as_ref();
        let capacity = node_gpus(status.and_then(|s| s.capacity.as_ref()));
        if capacity <= 0.0 {
            continue;
        }
        let Some(name) = node.metadata.name.as_deref() else { continue };
        let allocatable = node_gpus(status.and_then(|s| s.allocatable.as_ref()));
        nodes.insert(name, GpuNode { node: name.to_string(), capacity, allocatable, ..GpuNode::default() });
    }
    for pod in inv.pods.iter().filter(|p| is_running(p)) {
        let Some(spec) = &pod.spec else { continue };
        if let Some(node) = pod.node_name.as_deref().and_then(|n| nodes.get_mut(n)) {
            node.allocated += gpus_of_pod(spec);
        }
    }
    let mut seen = HashSet::new();
    for sample in samples {
        let Some(node) = nodes.get_mut(sample.hostname.as_str()) else { continue };
        if seen.insert((&sample.hostname, &sample.uuid, &sample.gpu)) {
            node.metered += sample.gpu_equivalents();
            if sample.busy_pct() < IDLE_UTILISATION_PCT {
                node.idle += sample.gpu_equivalents();
            }
        }
    }
    nodes.into_values().collect()
}

/// Pods waiting for GPUs in one namespace: Pending, and unschedulable for want of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PendingGpuDemand {
    pub pods: u32,
    /// The GPUs they ask for, in GPU equivalents.
    pub gpus: f64,
}

/// Whether the scheduler says a pending pod cannot be placed for want of GPUs (`0/12 nodes are
/// available: 3 Insufficient nvidia.com/gpu.`).
fn waits_for_gpus(pod: &InventoryPod) -> bool {
    let status = pod.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Pending")
        && status.and_then(|s| s.conditions.as_ref()).into_iter().flatten().any(|c| {
            c.type_ == "PodScheduled"
                && c.status == "False"
                && c.message.as_deref().is_some_and(|m| m.contains("Insufficient nvidia.com/"))
        })
}

/// The GPU demand of pods the scheduler cannot place for want of GPUs, per namespace.
pub fn pending_gpu_demand(inv: &Inventory) -> BTreeMap<String, PendingGpuDemand> {
    let mut demand: BTreeMap<String, PendingGpuDemand> = BTreeMap::new();
    for pod in inv.pods.iter().filter(|p| waits_for_gpus(p)) {
        let (Some(namespace), Some(spec)) = (&pod.metadata.namespace, &pod.spec) else { continue };
        let entry = demand.entry(namespace.clone()).or_default();
        entry.pods += 1;
        entry.gpus += gpus_of_pod(spec);
    }
    demand
}

/// A workload holding GPUs for which no metrics were read.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmeteredWorkload {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub gpus: f64,
}

/// Workloads whose running pods hold GPUs no sample is charged to, most GPUs first: their use is
/// unknown, and the collection says so.
pub fn unmetered_workloads(inv: &Inventory, samples: &[GpuSample]) -> Vec<UnmeteredWorkload> {
    let metered: HashSet<(&str, &str)> = samples.iter().map(|s| (s.namespace.as_str(), s.pod.as_str())).collect();
    let controllers = inv.controllers();
    let mut by_workload: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for pod in inv.pods.iter().filter(|p| is_running(p)) {
        let (Some(namespace), Some(name), Some(spec)) =
            (pod.metadata.namespace.as_deref(), pod.metadata.name.as_deref(), pod.spec.as_ref())
        else {
            continue;
        };
        let gpus = gpus_of_pod(spec);
        if gpus <= 0.0 || metered.contains(&(namespace, name)) {
            continue;
        }
        *by_workload.entry(controllers.workload_of_pod(pod)).or_default() += gpus;
    }
    let mut workloads: Vec<UnmeteredWorkload> = by_workload
        .into_iter()
        .map(|((kind, namespace, name), gpus)| UnmeteredWorkload { kind, namespace, name, gpus })
        .collect();
    workloads.sort_by(|a, b| b.gpus.total_cmp(&a.gpus));
    workloads
}

/// The coverage gap for GPUs held without metrics, naming the workloads and what to check; `None`
/// when every held GPU has metrics.
pub fn unmetered_gap(workloads: &[UnmeteredWorkload]) -> Option<String> {
    workloads.first()?;
    let gpus: f64 = workloads.iter().map(|w| w.gpus).sum();
    let named: Vec<String> =
        workloads.iter().take(5).map(|w| format!("{}/{}/{} ({} GPUs)", w.kind, w.namespace, w.name, w.gpus)).collect();
    let more = workloads.len().saturating_sub(named.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    Some(format!(
        "{gpus} GPUs held by {} workloads have no metrics, so their use is unknown: {}{more}. Check that \
         dcgm-exporter runs on their nodes and is found (app=nvidia-dcgm-exporter, \
         app.kubernetes.io/name=dcgm-exporter, or the cluster's dcgm_exporter_label), that its Kubernetes \
         mode is on (DCGM_EXPORTER_KUBERNETES=true), and, with Prometheus, that it scrapes the exporters",
        workloads.len(),
        named.join(", ")
    ))
}
