//! Renders the model as Kubernetes API objects (JSON), the shapes a real API server returns.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::{Cluster, Exposure, Kind, NamespaceModel, Phase, Workload};
use crate::object::{meta, owner, uid};
use crate::platform::{apiserver_pod, render_cluster_rbac};
use crate::pods::{admitted_pod_spec, job_status, pod_labels, pod_metrics, pod_status, pod_template};

impl Cluster {
    /// Recomputes every rendered object from the model.
    pub(crate) fn render(&mut self) {
        let mut out: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
        for ns in &self.namespaces {
            render_namespace(ns, &mut out);
        }
        for w in &self.workloads {
            render_workload(w, &mut out);
        }
        crate::storage::render_storage(&self.namespaces, &mut out);
        crate::reports::render_trivy_reports(self, &mut out);
        self.render_quotas(&mut out);
        self.render_nodes(&mut out);
        render_cluster_rbac(&mut out);
        out.entry("pods").or_default().push(apiserver_pod(&self.nodes[0].name));
        for list in out.values_mut() {
            list.sort_by_key(sort_key);
        }
        crate::object::finish(&mut out, &mut self.versions);
        self.objects = out;
    }

    fn render_nodes(&self, out: &mut BTreeMap<&'static str, Vec<Value>>) {
        for node in &self.nodes {
            let mut capacity = json!({"cpu": "64", "memory": "512Gi", "pods": "110"});
            let mut labels = json!({"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux"});
            if node.gpus > 0 {
                capacity["nvidia.com/gpu"] = json!(node.gpus.to_string());
                labels["nvidia.com/gpu.product"] = json!("NVIDIA-H100-80GB-HBM3");
            }
            let ready = if node.ready { "True" } else { "False" };
            let mut m = meta(&node.name, None, &uid("Node", "", &node.name));
            m["labels"] = labels;
            out.entry("nodes").or_default().push(json!({
                "apiVersion": "v1", "kind": "Node", "metadata": m,
                "spec": if node.reserved {
                    json!({"taints": [{"key": "nvidia.com/gpu", "value": "reserved", "effect": "NoSchedule"}]})
                } else {
                    json!({})
                },
                "status": {"capacity": capacity, "allocatable": capacity,
                           "conditions": [{"type": "Ready", "status": ready,
                                           "reason": if node.ready { "KubeletReady" } else { "NodeStatusUnknown" }}],
                           "nodeInfo": {"kubeletVersion": "v1.35.0", "osImage": "Ubuntu 24.04 LTS",
                                        "architecture": "amd64", "containerRuntimeVersion": "containerd://2.0.2",
                                        "kernelVersion": "6.8.0", "kubeProxyVersion": "v1.35.0", "machineID": "",
                                        "operatingSystem": "linux", "systemUUID": "", "bootID": ""}}
            }));
        }
    }

    fn render_quotas(&self, out: &mut BTreeMap<&'static str, Vec<Value>>) {
        for ns in &self.namespaces {
            let Some((cpu, mem, gpu, pods)) = ns.quota else {
                continue;
            };
            let (mut used_cpu, mut used_mem, mut used_gpu, mut used_pods) = (0u64, 0u64, 0u64, 0u64);
            for w in self.workloads.iter().filter(|w| w.namespace == ns.name) {
                for (i, p) in w.pods.iter().enumerate().filter(|(_, p)| p.phase != Phase::Succeeded) {
                    used_pods += 1;
                    used_cpu += u64::from(w.cpu_millis.unwrap_or(0));
                    used_mem += u64::from(w.memory_mib.unwrap_or(0));
                    used_gpu += u64::from(crate::operators::pod_gpus(w, i)) * u64::from(p.node.is_some());
                }
            }
            let hard = json!({"requests.cpu": cpu.to_string(), "requests.memory": format!("{mem}Gi"),
                              "requests.nvidia.com/gpu": gpu.to_string(), "pods": pods.to_string()});
            out.entry("resourcequotas").or_default().push(json!({
                "apiVersion": "v1", "kind": "ResourceQuota",
                "metadata": meta("compute", Some(&ns.name), &uid("ResourceQuota", &ns.name, "compute")),
                "spec": {"hard": hard},
                "status": {"hard": hard, "used": {
                    "requests.cpu": format!("{used_cpu}m"), "requests.memory": format!("{used_mem}Mi"),
                    "requests.nvidia.com/gpu": used_gpu.to_string(), "pods": used_pods.to_string()}}
            }));
        }
    }
}

fn sort_key(v: &Value) -> (String, String) {
    let m = &v["metadata"];
    (m["namespace"].as_str().unwrap_or("").to_string(), m["name"].as_str().unwrap_or("").to_string())
}

fn render_namespace(ns: &NamespaceModel, out: &mut BTreeMap<&'static str, Vec<Value>>) {
    let name = ns.name.as_str();
    let mut m = meta(name, None, &uid("Namespace", "", name));
    let mut labels = json!({"kubernetes.io/metadata.name": name});
    if let Some(tenant) = &ns.tenant {
        labels["rampart.io/tenant"] = json!(tenant);
    }
    m["labels"] = labels;
    out.entry("namespaces").or_default().push(json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": m, "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"}
    }));
    let obj = |kind: &str, api: &str, n: &str| json!({"apiVersion": api, "kind": kind, "metadata": meta(n, Some(name), &uid(kind, name, n))});
    out.entry("serviceaccounts").or_default().push(obj("ServiceAccount", "v1", "default"));
    if ns.network_policy {
        let mut p = obj("NetworkPolicy", "networking.k8s.io/v1", "default-deny-ingress");
        p["spec"] = json!({"podSelector": {}, "policyTypes": ["Ingress"]});
        out.entry("networkpolicies").or_default().push(p);
    }
    if ns.limit_range {
        let mut l = obj("LimitRange", "v1", "defaults");
        l["spec"] = json!({"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"},
                                        "defaultRequest": {"cpu": "250m", "memory": "256Mi"}}]});
        out.entry("limitranges").or_default().push(l);
    }
    let Some(tenant) = &ns.tenant else { return };
    let mut sa = obj("ServiceAccount", "v1", &format!("{tenant}-runner"));
    sa["automountServiceAccountToken"] = json!(false);
    out.entry("serviceaccounts").or_default().push(sa);
    let mut role = obj("Role", "rbac.authorization.k8s.io/v1", "developer");
    role["rules"] = json!([{"apiGroups": ["", "apps", "batch"], "resources": ["pods", "pods/log", "deployments", "jobs"],
                             "verbs": ["get", "list", "watch"]}]);
    out.entry("roles").or_default().push(role);
    let mut binding = obj("RoleBinding", "rbac.authorization.k8s.io/v1", "developers");
    binding["roleRef"] = json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "developer"});
    binding["subjects"] =
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": format!("{tenant}-team")}]);
    out.entry("rolebindings").or_default().push(binding);
    let mut config = obj("ConfigMap", "v1", "app-config");
    config["data"] = json!({"LOG_LEVEL": "info", "MODEL_CACHE": "/models"});
    if ns.plain_password {
        config["data"]["DATABASE_PASSWORD"] = json!("s1mulated-Plaintext-pw");
    }
    out.entry("configmaps").or_default().push(config);
    let mut secret = obj("Secret", "v1", "registry-credentials");
    secret["type"] = json!("Opaque");
    secret["data"] = json!({"username": "", "password": ""});
    // As `kubectl apply` leaves it: the whole object, values included, in an annotation.
    secret["metadata"]["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration":
        r#"{"apiVersion":"v1","kind":"Secret","data":{"password":"czFtdWxhdGVkLWFwcGxpZWQtc2VjcmV0"}}"#});
    out.entry("secrets").or_default().push(secret);
}

fn render_workload(w: &Workload, out: &mut BTreeMap<&'static str, Vec<Value>>) {
    if matches!(w.kind, Kind::PyTorchJob | Kind::RayCluster | Kind::Rollout | Kind::JobSet) {
        crate::operators::render_operator_workload(w, out);
        return;
    }
    let ns = w.namespace.as_str();
    let template = pod_template(w);
    let selector = json!({"matchLabels": pod_labels(w)});
    let base = |kind: &str, api: &str, name: &str| {
        let mut m = meta(name, Some(ns), &uid(kind, ns, name));
        m["labels"] = pod_labels(w);
        json!({"apiVersion": api, "kind": kind, "metadata": m})
    };
    let (pod_owner_kind, pod_owner_api, pod_owner_name) = match w.kind {
        Kind::Deployment => {
            let rs_name = crate::reports::replica_set_name(w);
            let mut d = base("Deployment", "apps/v1", &w.name);
            d["spec"] = json!({"replicas": w.replicas, "selector": selector, "template": template});
            d["status"] = json!({"replicas": w.replicas});
            out.entry("deployments").or_default().push(d);
            let mut rs = base("ReplicaSet", "apps/v1", &rs_name);
            rs["metadata"]["ownerReferences"] = owner("apps/v1", "Deployment", Some(&w.namespace), &w.name);
            rs["spec"] = json!({"replicas": w.replicas, "selector": selector, "template": template});
            rs["status"] = json!({"replicas": w.replicas});
            out.entry("replicasets").or_default().push(rs);
            ("ReplicaSet", "apps/v1", rs_name)
        }
        Kind::StatefulSet => {
            let mut s = base("StatefulSet", "apps/v1", &w.name);
            s["spec"] =
                json!({"replicas": w.replicas, "selector": selector, "template": template, "serviceName": w.name});
            out.entry("statefulsets").or_default().push(s);
            ("StatefulSet", "apps/v1", w.name.clone())
        }
        Kind::DaemonSet => {
            let mut d = base("DaemonSet", "apps/v1", &w.name);
            d["spec"] = json!({"selector": selector, "template": template});
            out.entry("daemonsets").or_default().push(d);
            ("DaemonSet", "apps/v1", w.name.clone())
        }
        Kind::Job => {
            let mut j = base("Job", "batch/v1", &w.name);
            j["spec"] = json!({"parallelism": w.replicas, "backoffLimit": 4, "template": template});
            j["status"] = job_status(w);
            out.entry("jobs").or_default().push(j);
            ("Job", "batch/v1", w.name.clone())
        }
        Kind::CronJob => {
            let job_name = format!("{}-29581920", w.name);
            let mut c = base("CronJob", "batch/v1", &w.name);
            c["spec"] = json!({"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": template}}});
            out.entry("cronjobs").or_default().push(c);
            let mut j = base("Job", "batch/v1", &job_name);
            j["metadata"]["ownerReferences"] = owner("batch/v1", "CronJob", Some(&w.namespace), &w.name);
            j["spec"] = json!({"backoffLimit": 4, "template": template});
            j["status"] = job_status(w);
            out.entry("jobs").or_default().push(j);
            ("Job", "batch/v1", job_name)
        }
        _ => unreachable!("operators' workloads are rendered by crate::operators"),
    };
    for pod in &w.pods {
        let mut p = base("Pod", "v1", &pod.name);
        p["metadata"]["ownerReferences"] = owner(pod_owner_api, pod_owner_kind, Some(&w.namespace), &pod_owner_name);
        p["spec"] = admitted_pod_spec(template["spec"].clone(), &pod.name, pod.node.as_deref());
        p["status"] = pod_status(w, pod);
        out.entry("pods").or_default().push(p);
        if pod.node.is_some() && pod.phase == Phase::Running {
            out.entry("podmetrics").or_default().push(pod_metrics(w, pod));
        }
    }
    render_exposure(w, out);
}

fn render_exposure(w: &Workload, out: &mut BTreeMap<&'static str, Vec<Value>>) {
    let ns = w.namespace.as_str();
    if let Some(exposure) = w.service {
        let kind = match exposure {
            Exposure::ClusterIp => "ClusterIP",
            Exposure::NodePort => "NodePort",
            Exposure::LoadBalancer => "LoadBalancer",
        };
        let mut port = json!({"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"});
        if exposure != Exposure::ClusterIp {
            port["nodePort"] = json!(30080);
        }
        out.entry("services").or_default().push(json!({
            "apiVersion": "v1", "kind": "Service", "metadata": meta(&w.name, Some(ns), &uid("Service", ns, &w.name)),
            "spec": {"type": kind, "selector": {"app": w.name}, "ports": [port]}
        }));
    }
    if let Some(tls) = w.ingress_tls {
        let host = format!("{}.{ns}.example.com", w.name);
        let mut spec = json!({"rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": w.name, "port": {"number": 80}}}}]}}]});
        if tls {
            spec["tls"] = json!([{"hosts": [host], "secretName": format!("{}-tls", w.name)}]);
        }
        out.entry("ingresses").or_default().push(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": meta(&w.name, Some(ns), &uid("Ingress", ns, &w.name)), "spec": spec
        }));
    }
}
