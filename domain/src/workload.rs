//! Workloads as a team lead thinks of them (the Deployment, not its ReplicaSet or pods): what
//! each asks for, what it runs, how its pods are doing, and how much of its GPUs it uses.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::gpu::{GpuSample, gpus_of_pod};
use crate::health::{PodHealth, pod_problems, push_distinct, recent};
use crate::inventory::Inventory;
use crate::owners::controller;
use crate::pod::InventoryPod;
use crate::quantity::parse_quantity;
use crate::usage::usage_by_pod;

/// One workload's requests, images and pod health in one collection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadSummary {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Every container image, init containers included, in spec order.
    pub images: Vec<String>,
    /// Requests of one pod, summed over its containers.
    pub cpu_request_millis: u32,
    pub memory_request_mib: u32,
    /// GPUs of one pod in GPU equivalents: whole `nvidia.com/gpu`s, and MIG instances
    /// (`nvidia.com/mig-3g.40gb`) as their share of a GPU; with several pod templates (a
    /// RayCluster's head and workers), the most any of them asks.
    pub gpus_requested: f64,
    /// GPUs its running pods hold, each pod by its own requests (a RayCluster's head holds
    /// none, its workers eight each), in GPU equivalents.
    pub gpus_allocated: f64,
    pub health: PodHealth,
    /// Pods whose containers are all ready.
    pub ready: u32,
    /// Why the workload is unhealthy, distinct: its pods' problems by
    /// [`crate::health::pod_problems`] and its Jobs' recent failures. Empty when it is healthy
    /// (the one test of a healthy workload).
    pub problems: Vec<String>,
    /// GPU devices reporting utilisation for the workload's pods, in GPU equivalents.
    pub gpus_in_use: f64,
    /// Mean utilisation over those devices, 0–100.
    pub gpu_utilisation_pct: Option<f64>,
    /// CPU in use now over the workload's pods (metrics-server), in millicores; `None` without
    /// metrics for any of its pods.
    pub cpu_usage_millis: Option<f64>,
    /// Memory in use now over the workload's pods (metrics-server), in MiB.
    pub memory_usage_mib: Option<f64>,
}

/// Every workload of the inventory (controllers and uncontrolled pods, and operators' workloads
/// read from their pods), with its pods' health and GPU use attributed through owner
/// references walked to the top (Pod → ReplicaSet → Deployment, Pod → Job → JobSet).
pub fn workload_summaries(inv: &Inventory, gpus: &[GpuSample]) -> Vec<WorkloadSummary> {
    let mut by_key: BTreeMap<(String, String, String), WorkloadSummary> = BTreeMap::new();
    for site in inv.pod_specs() {
        let Some(namespace) = site.namespace() else { continue };
        let key = (site.kind.to_string(), namespace.to_string(), site.name().to_string());
        match by_key.get_mut(&key) {
            // Another pod template of the same workload (a RayCluster's workers after its head):
            // its images join the workload's; CPU and memory stay those of the first template's pod.
            Some(summary) => {
                let mut other = WorkloadSummary::default();
                requests(site.spec, &mut other);
                summary.gpus_requested = summary.gpus_requested.max(other.gpus_requested);
                for image in other.images {
                    if !summary.images.contains(&image) {
                        summary.images.push(image);
                    }
                }
            }
            None => {
                let (kind, namespace, name) = key.clone();
                let mut summary = WorkloadSummary { kind, namespace, name, ..WorkloadSummary::default() };
                requests(site.spec, &mut summary);
                by_key.insert(key, summary);
            }
        }
    }
    let controllers = inv.controllers();
    let usage = usage_by_pod(inv.pod_metrics.as_deref().unwrap_or_default());
    let mut pod_owner: BTreeMap<(String, String), (String, String, String)> = BTreeMap::new();
    for pod in &inv.pods {
        let key = controllers.workload_of_pod(pod);
        let Some(summary) = by_key.get_mut(&key) else { continue };
        summary.health.add(pod, inv.observed_at);
        add_pod_state(pod, inv.observed_at, summary);
        if pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running") {
            summary.gpus_allocated += pod.spec.as_deref().map_or(0.0, gpus_of_pod);
        }
        let (namespace, name) = (pod.metadata.namespace.as_deref(), pod.metadata.name.as_deref());
        if let Some(used) = usage.get(&(namespace.unwrap_or_default(), name.unwrap_or_default())) {
            *summary.cpu_usage_millis.get_or_insert(0.0) += used.cpu_millis;
            *summary.memory_usage_mib.get_or_insert(0.0) += used.memory_mib;
        }
        pod_owner.insert((key.1.clone(), pod.metadata.name.clone().unwrap_or_default()), key);
    }
    for job in &inv.jobs {
        let Some(problem) = job_problem(job, inv.observed_at) else { continue };
        let namespace = job.metadata.namespace.clone().unwrap_or_default();
        let (kind, name) = match controller(&job.metadata) {
            Some(owner) => {
                let (kind, name) = controllers.workload_of(owner, &namespace);
                (kind.into_owned(), name.to_string())
            }
            None => ("Job".to_string(), job.metadata.name.clone().unwrap_or_default()),
        };
        if let Some(summary) = by_key.get_mut(&(kind, namespace, name)) {
            push_distinct(&mut summary.problems, problem);
        }
    }
    let mut utilisation: BTreeMap<(String, String, String), Vec<&GpuSample>> = BTreeMap::new();
    for sample in gpus {
        if let Some(key) = pod_owner.get(&(sample.namespace.clone(), sample.pod.clone())) {
            utilisation.entry(key.clone()).or_default().push(sample);
        }
    }
    for (key, samples) in utilisation {
        if let Some(summary) = by_key.get_mut(&key) {
            // A device is its GPU (or MIG instance, whose `gpu` names the instance) on its node.
            let devices: BTreeMap<(&String, &String), f64> =
                samples.iter().map(|s| ((&s.uuid, &s.gpu), s.gpu_equivalents())).collect();
            summary.gpus_in_use = devices.values().sum();
            summary.gpu_utilisation_pct =
                Some(samples.iter().map(|s| s.utilisation_pct).sum::<f64>() / samples.len() as f64);
        }
    }
    by_key.into_values().collect()
}

/// Adds one pod's container requests and images.
fn requests(spec: &PodSpec, summary: &mut WorkloadSummary) {
    let containers = spec.init_containers.iter().flatten().chain(spec.containers.iter());
    for container in containers {
        if let Some(image) = &container.image {
            summary.images.push(image.clone());
        }
        let requests = container.resources.as_ref().and_then(|r| r.requests.as_ref());
        let amount = |key: &str| requests.and_then(|r| r.get(key)).and_then(|q| parse_quantity(&q.0)).unwrap_or(0.0);
        summary.cpu_request_millis += (amount("cpu") * 1000.0).round() as u32;
        summary.memory_request_mib += (amount("memory") / (1024.0 * 1024.0)).round() as u32;
    }
    summary.gpus_requested += gpus_of_pod(spec);
}

/// A Job that gave up (its `Failed` condition, such as `BackoffLimitExceeded`) within
/// [`RECENT_S`], or is still retrying failed pods, against its `backoffLimit` (Kubernetes'
/// default is 6).
fn job_problem(job: &Job, at: Option<Timestamp>) -> Option<String> {
    let status = job.status.as_ref()?;
    let failed = status.failed.unwrap_or(0);
    let limit = job.spec.as_ref().and_then(|s| s.backoff_limit).unwrap_or(6);
    let name = job.metadata.name.as_deref().unwrap_or_default();
    let condition = |type_: &str| status.conditions.iter().flatten().find(|c| c.type_ == type_ && c.status == "True");
    match condition("Failed") {
        Some(c) if recent(c.last_transition_time.as_ref(), at) => Some(format!(
            "job {name} failed: {} after {failed} failed pods (backoffLimit {limit})",
            c.reason.as_deref().unwrap_or("Failed")
        )),
        None if failed > 0 && condition("Complete").is_none() => {
            Some(format!("job {name} retrying: {failed} failed pods of backoffLimit {limit}"))
        }
        _ => None,
    }
}

/// Adds one pod's readiness and, by [`pod_problems`], the reasons it is unhealthy.
fn add_pod_state(pod: &InventoryPod, at: Option<Timestamp>, summary: &mut WorkloadSummary) {
    let Some(status) = &pod.status else { return };
    let containers: Vec<_> = status.container_statuses.iter().flatten().collect();
    if !containers.is_empty() && containers.iter().all(|c| c.ready) {
        summary.ready += 1;
    }
    for problem in pod_problems(pod, at) {
        push_distinct(&mut summary.problems, problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inventory() -> Inventory {
        let mut inv = Inventory::default();
        let objects = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "ml"},
                   "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "c", "image": "reg/api:1",
                   "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"nvidia.com/gpu": "1"}}}]}}}}),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "api-5d", "namespace": "ml",
                   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "uid": "1", "controller": true}]},
                   "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "c", "image": "reg/api:1"}]}}}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-5d-a", "namespace": "ml",
                   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-5d", "uid": "2", "controller": true}]},
                   "spec": {"containers": [{"name": "c", "image": "reg/api:1"}]},
                   "status": {"phase": "Running", "containerStatuses": [{"name": "c", "image": "reg/api:1", "imageID": "",
                   "ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                   "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-5d-b", "namespace": "ml",
                   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-5d", "uid": "2", "controller": true}]},
                   "spec": {"containers": [{"name": "c", "image": "reg/api:1"}]},
                   "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                   "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."}]}}),
        ];
        for object in objects {
            inv.add_object(&object).unwrap();
        }
        inv
    }

    #[test]
    fn pods_are_attributed_to_their_deployment_through_the_replica_set() {
        let gpu = GpuSample {
            namespace: "ml".into(),
            pod: "api-5d-a".into(),
            container: "c".into(),
            gpu: "0".into(),
            uuid: "GPU-1".into(),
            hostname: "n".into(),
            utilisation_pct: 30.0,
            memory_used_mib: 1.0,
            engine_active_pct: None,
            mig_profile: None,
            idle_hours: 0.0,
        };
        let summaries = workload_summaries(&inventory(), &[gpu]);
        assert_eq!(summaries.len(), 1, "the ReplicaSet is not a workload of its own: {summaries:?}");
        let api = &summaries[0];
        assert_eq!((api.kind.as_str(), api.name.as_str()), ("Deployment", "api"));
        assert_eq!((api.cpu_request_millis, api.memory_request_mib, api.gpus_requested), (500, 1024, 1.0));
        assert_eq!((api.health.pods, api.health.restarts, api.ready), (2, 4, 0));
        assert_eq!(api.health.crash_looping, 1);
        assert!(api.problems.contains(&"CrashLoopBackOff".to_string()));
        assert!(api.problems.contains(&"OOMKilled".to_string()));
        assert!(api.problems.iter().any(|p| p.starts_with("Unschedulable: 0/3 nodes")));
        assert_eq!((api.gpus_in_use, api.gpu_utilisation_pct), (1.0, Some(30.0)));
    }

    #[test]
    fn mig_requests_count_as_their_share_of_a_gpu() {
        let mut inv = Inventory::default();
        inv.add_object(&json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "infer", "namespace": "ml"},
            "spec": {"containers": [
                {"name": "a", "resources": {"limits": {"nvidia.com/mig-1g.10gb": "2"}}},
                {"name": "b", "resources": {"requests": {"nvidia.com/mig-3g.40gb": "1"}, "limits": {"nvidia.com/mig-3g.40gb": "1"}}},
                {"name": "c", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}))
            .unwrap();
        let summaries = workload_summaries(&inv, &[]);
        let expected = 2.0 / 7.0 + 3.0 / 7.0 + 1.0;
        assert!((summaries[0].gpus_requested - expected).abs() < 1e-9, "{}", summaries[0].gpus_requested);
    }

    #[test]
    fn failed_jobs_are_problems_of_their_cron_job_with_their_backoff() {
        let mut inv = Inventory::default();
        let template = json!({"spec": {"containers": [{"name": "c", "image": "reg/etl:1"}]}});
        inv.add_object(
            &json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "etl", "namespace": "data"},
            "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": template}}}}),
        )
        .unwrap();
        let owner =
            json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": "etl", "uid": "1", "controller": true}]);
        inv.add_object(&json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "etl-1", "namespace": "data", "ownerReferences": owner},
            "spec": {"backoffLimit": 2, "template": template},
            "status": {"failed": 3, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}}))
            .unwrap();
        inv.add_object(
            &json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once", "namespace": "data"},
            "spec": {"template": template}, "status": {"failed": 1, "active": 1}}),
        )
        .unwrap();
        let summaries = workload_summaries(&inv, &[]);
        let etl = summaries.iter().find(|s| s.kind == "CronJob").unwrap();
        assert_eq!(etl.problems, ["job etl-1 failed: BackoffLimitExceeded after 3 failed pods (backoffLimit 2)"]);
        let once = summaries.iter().find(|s| s.name == "once").unwrap();
        assert_eq!(once.problems, ["job once retrying: 1 failed pods of backoffLimit 6"]);
    }

    #[test]
    fn usage_from_metrics_server_is_summed_over_the_workloads_pods() {
        let mut inv = inventory();
        for (pod, cpu) in [("api-5d-a", "300m"), ("api-5d-b", "100m"), ("gone", "5")] {
            inv.add_object(&json!({"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
                "metadata": {"name": pod, "namespace": "ml"},
                "containers": [{"name": "c", "usage": {"cpu": cpu, "memory": "256Mi"}}]}))
                .unwrap();
        }
        let api = &workload_summaries(&inv, &[])[0];
        assert_eq!((api.cpu_usage_millis, api.memory_usage_mib), (Some(400.0), Some(512.0)));
        assert_eq!(workload_summaries(&inventory(), &[])[0].cpu_usage_millis, None, "no metrics, no usage");
    }
}
