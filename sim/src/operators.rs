//! AI workloads owned by operators, as real GPU platforms run them: a Kubeflow PyTorchJob (a
//! master and multi-GPU workers, privileged on the host network), a KubeRay RayCluster (a head
//! without GPUs and GPU workers, two pod templates), an Argo Rollout (its ReplicaSet and pods)
//! and a JobSet (its Jobs, one pod each). None of these custom resources is served, as on a
//! cluster whose collector may not list them: the pods' owner references carry them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::{Cluster, Kind, Workload};
use crate::object::{meta, owner, uid};
use crate::pods::{admitted_pod_spec, job_status, pod_metrics, pod_status, pod_template};

/// The hash a Rollout's ReplicaSet and pods carry.
const ROLLOUT_HASH: &str = "6c8f9d7b4";

impl Cluster {
    /// Adds the operators' workloads to the first team namespaces, one kind each.
    pub(crate) fn add_operator_workloads(&mut self) {
        let namespaces: Vec<String> =
            self.namespaces.iter().filter(|n| n.team && n.tenant.is_some()).map(|n| n.name.clone()).collect();
        if namespaces.is_empty() {
            return;
        }
        let ns = |i: usize| namespaces[i % namespaces.len()].clone();
        let workers = self.cfg.training_workers;
        let operator = |kind, namespace: String, name: &str, replicas, gpus, privileged| Workload {
            kind,
            image: format!("registry.example.com/{}/{name}:2.4.0", namespace.split('-').next().unwrap_or("ml")),
            namespace,
            name: name.into(),
            replicas,
            cpu_millis: Some(4000),
            memory_mib: Some(16384),
            gpus,
            privileged,
            host_path: false,
            service: None,
            ingress_tls: None,
            pods: Vec::new(),
            system: false,
            gpu_nodes_only: false,
            labels: None,
            revision: 0,
        };
        self.add_workload(operator(Kind::PyTorchJob, ns(0), "llm-pretrain", 1 + workers, 4, true));
        self.add_workload(operator(Kind::RayCluster, ns(1), "ray-serve", 3, 2, false));
        self.add_workload(operator(Kind::Rollout, ns(2), "checkout-api", 2, 0, false));
        self.add_workload(operator(Kind::JobSet, ns(3), "eval-sweep", 2, 1, false));
        // KServe-style names run long: its ReplicaSet's name is too long for a label value, so
        // Trivy Operator names it in an annotation.
        let predictor = "multilingual-retrieval-embedding-inference-server-predictor";
        self.add_workload(Workload {
            cpu_millis: Some(2000),
            ..operator(Kind::Deployment, ns(1), predictor, 2, 1, false)
        });
    }
}

/// The name of a new pod of an operator's workload: operators name pods by role and index.
pub(crate) fn pod_name(w: &Workload, index: u32, suffix: &str) -> String {
    match w.kind {
        Kind::PyTorchJob if index == 0 => format!("{}-master-0", w.name),
        Kind::PyTorchJob => format!("{}-worker-{}", w.name, index - 1),
        Kind::RayCluster if index == 0 => format!("{}-head-{suffix}", w.name),
        Kind::RayCluster => format!("{}-gpu-group-worker-{suffix}", w.name),
        Kind::Rollout => format!("{}-{ROLLOUT_HASH}-{suffix}", w.name),
        Kind::JobSet => format!("{}-workers-{index}-0-{suffix}", w.name),
        _ => format!("{}-{suffix}", w.name),
    }
}

/// The container of pod `index` of the workload, as its operator names it.
pub(crate) fn container_name(w: &Workload, index: usize) -> &'static str {
    match w.kind {
        Kind::PyTorchJob => "pytorch",
        Kind::RayCluster if index == 0 => "ray-head",
        Kind::RayCluster => "ray-worker",
        Kind::Rollout => "app",
        Kind::JobSet => "evaluator",
        _ => "main",
    }
}

/// GPUs a pod of the workload requests: a RayCluster's head has none.
pub(crate) fn pod_gpus(w: &Workload, index: usize) -> u32 {
    if w.kind == Kind::RayCluster && index == 0 { 0 } else { w.gpus }
}

/// Renders an operator's workload: what the API server serves of it (the Rollout's ReplicaSet,
/// the JobSet's Jobs, the pods), never the custom resource itself.
pub(crate) fn render_operator_workload(w: &Workload, out: &mut BTreeMap<&'static str, Vec<Value>>) {
    let ns = w.namespace.as_str();
    if w.kind == Kind::PyTorchJob {
        out.entry("pytorchjobs").or_default().push(pytorch_job(w));
    }
    for (index, pod) in w.pods.iter().enumerate() {
        let (owner_ref, labels, container) = pod_owner(w, index, out);
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta(&pod.name, Some(ns), &uid("Pod", ns, &pod.name))});
        p["metadata"]["labels"] = labels;
        p["metadata"]["ownerReferences"] = owner_ref;
        p["spec"] = admitted_pod_spec(operator_pod_spec(w, index, &container), &pod.name, pod.node.as_deref());
        let mut status = pod_status(w, pod);
        if let Some(statuses) = status["containerStatuses"].as_array_mut() {
            statuses.iter_mut().for_each(|s| s["name"] = json!(container));
        }
        p["status"] = status;
        out.entry("pods").or_default().push(p);
        if pod.node.is_some() && pod.phase == crate::model::Phase::Running {
            let mut metrics = pod_metrics(w, pod);
            metrics["containers"][0]["name"] = json!(container);
            out.entry("podmetrics").or_default().push(metrics);
        }
    }
}

/// A pod's owner reference and labels, and its container's name; renders the Rollout's
/// ReplicaSet and the JobSet's Jobs on the way.
fn pod_owner(w: &Workload, index: usize, out: &mut BTreeMap<&'static str, Vec<Value>>) -> (Value, Value, String) {
    let (ns, name) = (w.namespace.as_str(), w.name.as_str());
    match w.kind {
        Kind::PyTorchJob => {
            let role = if index == 0 { "master" } else { "worker" };
            let replica = if index == 0 { 0 } else { index - 1 };
            let labels = json!({"training.kubeflow.org/job-name": name, "training.kubeflow.org/replica-type": role,
                                "training.kubeflow.org/replica-index": replica.to_string(),
                                "training.kubeflow.org/operator-name": "pytorchjob-controller"});
            (owner("kubeflow.org/v1", "PyTorchJob", Some(ns), name), labels, container_name(w, index).into())
        }
        Kind::RayCluster => {
            let (group, node_type) = if index == 0 { ("headgroup", "head") } else { ("gpu-group", "worker") };
            let container = container_name(w, index);
            let labels = json!({"ray.io/cluster": name, "ray.io/group": group, "ray.io/node-type": node_type,
                                "app.kubernetes.io/created-by": "kuberay-operator"});
            (owner("ray.io/v1", "RayCluster", Some(ns), name), labels, container.into())
        }
        Kind::Rollout => {
            let rs_name = format!("{name}-{ROLLOUT_HASH}");
            let labels = json!({"app": name, "rollouts-pod-template-hash": ROLLOUT_HASH});
            if index == 0 {
                let mut rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta(&rs_name, Some(ns), &uid("ReplicaSet", ns, &rs_name))});
                rs["metadata"]["labels"] = labels.clone();
                rs["metadata"]["ownerReferences"] = owner("argoproj.io/v1alpha1", "Rollout", Some(ns), name);
                rs["spec"] = json!({"replicas": w.replicas, "selector": {"matchLabels": labels},
                                    "template": {"metadata": {"labels": labels}, "spec": operator_pod_spec(w, 0, "app")}});
                rs["status"] = json!({"replicas": w.replicas});
                out.entry("replicasets").or_default().push(rs);
            }
            (owner("apps/v1", "ReplicaSet", Some(ns), &rs_name), labels, "app".into())
        }
        Kind::JobSet => {
            let job_name = format!("{name}-workers-{index}");
            let labels = json!({"jobset.sigs.k8s.io/jobset-name": name,
                                "jobset.sigs.k8s.io/replicatedjob-name": "workers",
                                "batch.kubernetes.io/job-name": job_name});
            let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta(&job_name, Some(ns), &uid("Job", ns, &job_name))});
            job["metadata"]["labels"] = labels.clone();
            job["metadata"]["ownerReferences"] = owner("jobset.x-k8s.io/v1alpha2", "JobSet", Some(ns), name);
            job["spec"] = json!({"parallelism": 1, "completions": 1, "backoffLimit": 0,
                                 "template": {"metadata": {"labels": labels}, "spec": operator_pod_spec(w, index, "evaluator")}});
            let one = Workload { pods: vec![w.pods[index].clone()], ..w.clone() };
            job["status"] = job_status(&one);
            out.entry("jobs").or_default().push(job);
            (owner("batch/v1", "Job", Some(ns), &job_name), labels, "evaluator".into())
        }
        _ => unreachable!("only operators' kinds are rendered here"),
    }
}

/// The pod spec of pod `index`: the workload's template, with the operator's container name,
/// the GPUs of its role, the rank a training operator injects, and the host network of a
/// privileged training job.
fn operator_pod_spec(w: &Workload, index: usize, container: &str) -> Value {
    let gpus = pod_gpus(w, index);
    let mut spec = pod_template(&Workload { gpus, ..w.clone() })["spec"].clone();
    spec["restartPolicy"] = json!(if matches!(w.kind, Kind::PyTorchJob | Kind::JobSet) { "Never" } else { "Always" });
    let c = &mut spec["containers"][0];
    c["name"] = json!(container);
    if w.kind == Kind::PyTorchJob {
        c["env"] = json!([{"name": "MASTER_ADDR", "value": format!("{}-master-0", w.name)},
                          {"name": "RANK", "value": index.to_string()},
                          {"name": "WORLD_SIZE", "value": w.replicas.to_string()}]);
    }
    if w.kind == Kind::RayCluster && index == 0 {
        spec["containers"][0]["ports"] =
            json!([{"containerPort": 8265, "name": "dashboard"}, {"containerPort": 6379, "name": "gcs"}]);
    }
    if w.kind == Kind::PyTorchJob {
        spec["hostNetwork"] = json!(w.privileged);
    }
    spec
}

/// The PyTorchJob itself, as Kubeflow's training operator serves it: a master and workers, each
/// with its pod template.
fn pytorch_job(w: &Workload) -> Value {
    let ns = w.namespace.as_str();
    let replica = |role: &str, replicas: u32, index: usize| {
        let labels = json!({"training.kubeflow.org/job-name": w.name, "training.kubeflow.org/replica-type": role});
        json!({"replicas": replicas, "restartPolicy": "Never",
               "template": {"metadata": {"labels": labels}, "spec": operator_pod_spec(w, index, container_name(w, index))}})
    };
    let mut job = json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "metadata": meta(&w.name, Some(ns), &uid("PyTorchJob", ns, &w.name))});
    job["spec"] = json!({"pytorchReplicaSpecs": {"Master": replica("master", 1, 0),
                                                 "Worker": replica("worker", w.replicas.saturating_sub(1), 1)}});
    let running = w.pods.iter().filter(|p| p.node.is_some()).count();
    job["status"] = json!({"replicaStatuses": {"Master": {"active": running.min(1)}, "Worker": {"active": running.saturating_sub(1)}}});
    job
}
