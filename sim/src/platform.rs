//! The cluster's own objects: its platform namespaces and workloads (CoreDNS, kube-proxy, the
//! dcgm-exporter of whichever chart deployed it), cluster-wide RBAC (with one binding to
//! `system:anonymous`) and the kube-apiserver static pod (with one insecure flag).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::{Cluster, ExporterChart, Kind, NamespaceModel, Workload};
use crate::object::{CREATED, meta, owner, uid};

impl Cluster {
    pub(crate) fn add_platform_workloads(&mut self) {
        let system = |kind, namespace: &str, name: &str, image: &str, privileged, host_path| Workload {
            kind,
            namespace: namespace.into(),
            name: name.into(),
            replicas: 2,
            image: image.into(),
            cpu_millis: Some(100),
            memory_mib: Some(128),
            gpus: 0,
            privileged,
            host_path,
            service: None,
            ingress_tls: None,
            pods: Vec::new(),
            system: true,
            gpu_nodes_only: name.contains("dcgm"),
            labels: None,
            revision: 0,
        };
        self.add_workload(system(
            Kind::Deployment,
            "kube-system",
            "coredns",
            "registry.k8s.io/coredns/coredns:v1.12.0",
            false,
            false,
        ));
        self.add_workload(system(
            Kind::DaemonSet,
            "kube-system",
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.35.0",
            true,
            true,
        ));
        let image = "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04";
        let exporter = match self.cfg.exporter_chart {
            ExporterChart::GpuOperator => {
                system(Kind::DaemonSet, "gpu-operator", "nvidia-dcgm-exporter", image, false, true)
            }
            ExporterChart::Upstream => Workload {
                labels: Some(serde_json::json!({"app.kubernetes.io/name": "dcgm-exporter",
                                                "app.kubernetes.io/instance": "dcgm-exporter"})),
                ..system(Kind::DaemonSet, "gpu-operator", "dcgm-exporter", image, false, true)
            },
        };
        self.add_workload(exporter);
    }
}

pub(crate) fn platform_namespaces() -> Vec<NamespaceModel> {
    let platform = |name: &str, tenant: Option<&str>| NamespaceModel {
        name: name.into(),
        tenant: tenant.map(str::to_string),
        network_policy: true,
        quota: Some((64, 256, 0, 200)),
        limit_range: true,
        plain_password: false,
        team: false,
    };
    vec![
        platform("kube-system", None),
        platform("kube-public", None),
        platform("gpu-operator", Some("platform")),
        NamespaceModel { network_policy: false, quota: None, limit_range: false, ..platform("default", None) },
    ]
}

pub(crate) fn render_cluster_rbac(out: &mut BTreeMap<&'static str, Vec<Value>>) {
    // What the API server creates at start-up carries its bootstrap label, as on a real cluster.
    let bootstrap = |mut m: Value| {
        m["labels"] = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
        m["annotations"] = json!({"rbac.authorization.kubernetes.io/autoupdate": "true"});
        m
    };
    let role = |name: &str, rules: Value| {
        let m = meta(name, None, &uid("ClusterRole", "", name));
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": if name == "cluster-admin" { bootstrap(m) } else { m }, "rules": rules})
    };
    out.entry("clusterroles").or_default().extend([
        role("cluster-admin", json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}])),
        role("view", json!([{"apiGroups": ["", "apps", "batch"], "resources": ["pods", "services", "deployments", "jobs"], "verbs": ["get", "list", "watch"]}])),
    ]);
    let binding = |name: &str, role: &str, kind: &str, subject: &str| {
        let m = meta(name, None, &uid("ClusterRoleBinding", "", name));
        json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": if name == "cluster-admin" { bootstrap(m) } else { m },
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": subject}]})
    };
    out.entry("clusterrolebindings").or_default().extend([
        binding("cluster-admin", "cluster-admin", "Group", "system:masters"),
        binding("platform-admins", "cluster-admin", "Group", "platform-admins"),
        binding("public-status-view", "view", "User", "system:anonymous"),
    ]);
}

/// The kube-apiserver static pod's mirror pod, as the kubelet creates it (annotations, Node
/// owner), whose flags carry one insecure setting (anonymous auth on).
pub(crate) fn apiserver_pod(node: &str) -> Value {
    let name = format!("kube-apiserver-{node}");
    let mut m = meta(&name, Some("kube-system"), &uid("Pod", "kube-system", &name));
    m["labels"] = json!({"component": "kube-apiserver", "tier": "control-plane"});
    let hash = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    };
    m["annotations"] = json!({"kubernetes.io/config.mirror": &hash, "kubernetes.io/config.hash": &hash,
        "kubernetes.io/config.source": "file", "kubernetes.io/config.seen": CREATED});
    m["ownerReferences"] = owner("v1", "Node", None, node);
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": m,
        "spec": {"nodeName": node, "hostNetwork": true, "priorityClassName": "system-node-critical",
            "containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.35.0",
                "command": ["kube-apiserver", "--advertise-address=10.0.0.10", "--allow-privileged=true",
                    "--anonymous-auth=true", "--authorization-mode=Node,RBAC",
                    "--enable-admission-plugins=NodeRestriction", "--audit-log-path=/var/log/kubernetes/audit.log",
                    "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
                    "--encryption-provider-config=/etc/kubernetes/encryption.yaml", "--profiling=false",
                    "--secure-port=6443", "--tls-min-version=VersionTLS12",
                    "--etcd-servers=https://127.0.0.1:2379", "--client-ca-file=/etc/kubernetes/pki/ca.crt"],
                "volumeMounts": [{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki", "readOnly": true}]}],
            "volumes": [{"name": "k8s-certs", "hostPath": {"path": "/etc/kubernetes/pki", "type": "DirectoryOrCreate"}}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.35.0",
                "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": CREATED}}}]}
    })
}
