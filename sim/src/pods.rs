//! A simulated workload's pods as the API server renders them: their template (labels,
//! requests, security context), status (phase, container states stamped by the simulated
//! clock), metrics-server usage, and the status of a Job from its pods. Shared by the
//! workloads of Kubernetes' own kinds ([`crate::render`]) and the operators'
//! ([`crate::operators`]).

use serde_json::{Value, json};

use crate::model::{Kind, Phase, PodModel, Workload};
use crate::object::{CREATED, timestamp};

/// The labels of a workload's pods: `app: <name>`, unless its chart labels them otherwise.
pub(crate) fn pod_labels(w: &Workload) -> Value {
    w.labels.clone().unwrap_or_else(|| json!({"app": w.name}))
}

pub(crate) fn pod_template(w: &Workload) -> Value {
    let mut requests = serde_json::Map::new();
    let mut limits = serde_json::Map::new();
    if let Some(cpu) = w.cpu_millis {
        requests.insert("cpu".into(), json!(format!("{cpu}m")));
    }
    if let Some(mem) = w.memory_mib {
        requests.insert("memory".into(), json!(format!("{mem}Mi")));
        limits.insert("memory".into(), json!(format!("{mem}Mi")));
    }
    if w.gpus > 0 {
        requests.insert("nvidia.com/gpu".into(), json!(w.gpus.to_string()));
        limits.insert("nvidia.com/gpu".into(), json!(w.gpus.to_string()));
    }
    let mut container = json!({
        "name": "main", "image": w.image, "imagePullPolicy": "IfNotPresent",
        "resources": {"requests": requests, "limits": limits},
        "securityContext": {"allowPrivilegeEscalation": w.privileged, "privileged": w.privileged}
    });
    let mut spec = json!({"containers": [], "restartPolicy": "Always"});
    if w.host_path {
        container["volumeMounts"] = json!([{"name": "host-data", "mountPath": "/host"}]);
        spec["volumes"] = json!([{"name": "host-data", "hostPath": {"path": "/var/lib/data", "type": "Directory"}}]);
    }
    if matches!(w.kind, Kind::Job | Kind::CronJob) {
        spec["restartPolicy"] = json!("OnFailure");
    }
    spec["containers"] = json!([container]);
    json!({"metadata": {"labels": pod_labels(w)}, "spec": spec})
}

/// A pod's spec as the API server stores it, from the spec it was created with: bound to
/// `node`, and with what the ServiceAccount admission adds to every pod whose token is
/// mounted, a projected token volume named per pod (`kube-api-access-<5 characters>`) and its
/// mount in every container. So the pods of one template differ in their specs, as on a
/// real cluster.
pub(crate) fn admitted_pod_spec(mut spec: Value, pod_name: &str, node: Option<&str>) -> Value {
    if let Some(node) = node {
        spec["nodeName"] = json!(node);
    }
    if spec["automountServiceAccountToken"] == json!(false) {
        return spec;
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let seed = pod_name.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    let suffix: String = (0..5).map(|i| char::from(ALPHABET[((seed >> (i * 5)) % 27) as usize])).collect();
    let volume = format!("kube-api-access-{suffix}");
    let mount = json!({"name": volume, "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"});
    for key in ["initContainers", "containers"] {
        for container in spec[key].as_array_mut().into_iter().flatten() {
            match container["volumeMounts"].as_array_mut() {
                Some(mounts) => mounts.push(mount.clone()),
                None => container["volumeMounts"] = json!([mount]),
            }
        }
    }
    let projected = json!({"name": volume, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
    ]}});
    match spec["volumes"].as_array_mut() {
        Some(volumes) => volumes.push(projected),
        None => spec["volumes"] = json!([projected]),
    }
    spec
}

/// metrics-server's view of a running pod: CPU between 10% and 130% of its request (chosen by
/// its name, so it stays put between renders), memory at its request when it was OOM-killed,
/// else between 30% and 90% of it.
pub(crate) fn pod_metrics(w: &Workload, pod: &PodModel) -> Value {
    let spread = pod.name.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let cpu = f64::from(w.cpu_millis.unwrap_or(50)) * f64::from(10 + spread % 121) / 100.0;
    let memory_share = if pod.last_terminated == Some("OOMKilled") { 1.0 } else { f64::from(30 + spread % 61) / 100.0 };
    let memory = f64::from(w.memory_mib.unwrap_or(64)) * memory_share;
    json!({
        "apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
        "metadata": {"name": pod.name, "namespace": w.namespace, "creationTimestamp": CREATED},
        "timestamp": CREATED, "window": "15s",
        "containers": [{"name": "main", "usage": {"cpu": format!("{:.0}m", cpu), "memory": format!("{:.0}Mi", memory)}}]
    })
}

pub(crate) fn pod_status(w: &Workload, pod: &PodModel) -> Value {
    if pod.node.is_none() {
        return json!({"phase": "Pending", "conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "lastTransitionTime": CREATED,
            "message": format!("0/12 nodes are available: {} Insufficient nvidia.com/gpu.", w.gpus.max(1))}]});
    }
    let since = timestamp(pod.since);
    let (phase, state) = match (pod.phase, pod.waiting) {
        (Phase::Succeeded, _) => (
            "Succeeded",
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": CREATED, "finishedAt": since}}),
        ),
        (_, Some(reason)) => {
            ("Running", json!({"waiting": {"reason": reason, "message": "back-off 5m0s restarting failed container"}}))
        }
        _ => ("Running", json!({"running": {"startedAt": since}})),
    };
    let last_state = match (pod.last_terminated, pod.terminated_at) {
        (Some(reason), Some(at)) => json!({"terminated": {
            "exitCode": if reason == "OOMKilled" { 137 } else { 1 }, "reason": reason,
            "startedAt": CREATED, "finishedAt": timestamp(at)}}),
        _ => json!({}),
    };
    let ready = phase == "Running" && pod.waiting.is_none();
    json!({
        "phase": phase, "hostIP": "10.0.0.1", "podIP": "10.244.0.10", "startTime": CREATED,
        "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }, "lastTransitionTime": since}],
        "containerStatuses": [{"name": "main", "image": w.image, "imageID": "", "ready": ready,
                               "restartCount": pod.restarts, "state": state, "lastState": last_state}]
    })
}

/// A Job's status from its pods: each pod that terminated badly is a failed attempt, and a Job
/// with a pod crash-looping has given up (`BackoffLimitExceeded`).
pub(crate) fn job_status(w: &Workload) -> Value {
    let failed = w.pods.iter().filter(|p| p.last_terminated.is_some()).count();
    let active = w.pods.iter().filter(|p| p.phase == Phase::Running && p.waiting.is_none()).count();
    let mut status = json!({"active": active, "failed": failed});
    if w.pods.iter().any(|p| p.waiting.is_some()) {
        let gave_up = w.pods.iter().filter_map(|p| p.terminated_at).max().map(timestamp);
        status["conditions"] = json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                       "message": "Job has reached the specified backoff limit",
                                       "lastTransitionTime": gave_up.unwrap_or_else(|| CREATED.to_string())}]);
    }
    status
}
