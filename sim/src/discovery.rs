//! Discovery as a real API server answers it: the kinds the simulator serves, each with the
//! verbs, short names and categories kubectl and kube-rs read from `/api/v1` and `/apis/…`.

use serde_json::{Value, json};

/// One kind the simulated API server serves.
pub(crate) struct ResourceType {
    pub(crate) group_version: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) namespaced: bool,
    /// Where the simulator keeps its objects: the plural, unless another group's kind has it.
    pub(crate) objects: &'static str,
}

const fn rt(group_version: &'static str, plural: &'static str, kind: &'static str, namespaced: bool) -> ResourceType {
    ResourceType { group_version, plural, kind, namespaced, objects: plural }
}

pub(crate) const RESOURCES: &[ResourceType] = &[
    rt("v1", "namespaces", "Namespace", false),
    rt("v1", "nodes", "Node", false),
    rt("v1", "pods", "Pod", true),
    rt("v1", "services", "Service", true),
    rt("v1", "configmaps", "ConfigMap", true),
    rt("v1", "secrets", "Secret", true),
    rt("v1", "serviceaccounts", "ServiceAccount", true),
    rt("v1", "resourcequotas", "ResourceQuota", true),
    rt("v1", "limitranges", "LimitRange", true),
    rt("v1", "replicationcontrollers", "ReplicationController", true),
    rt("v1", "persistentvolumes", "PersistentVolume", false),
    rt("v1", "persistentvolumeclaims", "PersistentVolumeClaim", true),
    rt("apps/v1", "deployments", "Deployment", true),
    rt("apps/v1", "statefulsets", "StatefulSet", true),
    rt("apps/v1", "daemonsets", "DaemonSet", true),
    rt("apps/v1", "replicasets", "ReplicaSet", true),
    rt("batch/v1", "jobs", "Job", true),
    rt("batch/v1", "cronjobs", "CronJob", true),
    rt("networking.k8s.io/v1", "ingresses", "Ingress", true),
    rt("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", true),
    rt("rbac.authorization.k8s.io/v1", "roles", "Role", true),
    rt("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true),
    rt("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false),
    rt("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false),
    rt("aquasecurity.github.io/v1alpha1", "vulnerabilityreports", "VulnerabilityReport", true),
    rt("aquasecurity.github.io/v1alpha1", "configauditreports", "ConfigAuditReport", true),
    rt("aquasecurity.github.io/v1alpha1", "exposedsecretreports", "ExposedSecretReport", true),
    rt("aquasecurity.github.io/v1alpha1", "sbomreports", "SbomReport", true),
    rt("aquasecurity.github.io/v1alpha1", "rbacassessmentreports", "RbacAssessmentReport", true),
    rt("aquasecurity.github.io/v1alpha1", "infraassessmentreports", "InfraAssessmentReport", true),
    rt("aquasecurity.github.io/v1alpha1", "clustervulnerabilityreports", "ClusterVulnerabilityReport", false),
    rt("aquasecurity.github.io/v1alpha1", "clusterconfigauditreports", "ClusterConfigAuditReport", false),
    rt("aquasecurity.github.io/v1alpha1", "clusterrbacassessmentreports", "ClusterRbacAssessmentReport", false),
    rt("aquasecurity.github.io/v1alpha1", "clusterinfraassessmentreports", "ClusterInfraAssessmentReport", false),
    rt("aquasecurity.github.io/v1alpha1", "clustercompliancereports", "ClusterComplianceReport", false),
    rt("aquasecurity.github.io/v1alpha1", "clustersbomreports", "ClusterSbomReport", false),
    // Kubeflow's training operator is installed: its PyTorchJobs may be listed by a collector
    // configured to (`workload_kinds`), and are otherwise known only from their pods.
    rt("kubeflow.org/v1", "pytorchjobs", "PyTorchJob", true),
    ResourceType {
        group_version: "metrics.k8s.io/v1beta1",
        plural: "pods",
        kind: "PodMetrics",
        namespaced: true,
        objects: "podmetrics",
    },
];

/// The kind served at `group_version`/`plural`.
pub(crate) fn find(group_version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|r| r.group_version == group_version && r.plural == plural)
}

/// The APIGroupList of every group but the core one.
pub(crate) fn group_list() -> Value {
    let mut groups: Vec<&str> = Vec::new();
    for gv in RESOURCES.iter().map(|r| r.group_version).filter(|gv| gv.contains('/')) {
        if !groups.contains(&gv) {
            groups.push(gv);
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|gv| {
            let (group, version) = gv.split_once('/').unwrap_or((gv, ""));
            let v = json!({"groupVersion": gv, "version": version});
            json!({"name": group, "versions": [v], "preferredVersion": v})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The verbs a real API server lists for the kind (the simulator answers only `get` and
/// `list`, and refuses the others with 405).
fn verbs(r: &ResourceType) -> Vec<&'static str> {
    match r.group_version {
        "metrics.k8s.io/v1beta1" => vec!["get", "list"],
        _ => vec!["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    }
}

/// The short names and categories a real API server (or the CRD) gives the kind.
fn discovery_names(plural: &str) -> (&'static [&'static str], &'static [&'static str]) {
    const ALL: &[&str] = &["all"];
    match plural {
        "namespaces" => (&["ns"], &[]),
        "nodes" => (&["no"], &[]),
        "pods" => (&["po"], ALL),
        "services" => (&["svc"], ALL),
        "configmaps" => (&["cm"], &[]),
        "serviceaccounts" => (&["sa"], &[]),
        "resourcequotas" => (&["quota"], &[]),
        "limitranges" => (&["limits"], &[]),
        "replicationcontrollers" => (&["rc"], ALL),
        "persistentvolumes" => (&["pv"], &[]),
        "persistentvolumeclaims" => (&["pvc"], &[]),
        "deployments" => (&["deploy"], ALL),
        "statefulsets" => (&["sts"], ALL),
        "daemonsets" => (&["ds"], ALL),
        "replicasets" => (&["rs"], ALL),
        "jobs" => (&[], ALL),
        "cronjobs" => (&["cj"], ALL),
        "ingresses" => (&["ing"], &[]),
        "networkpolicies" => (&["netpol"], &[]),
        "vulnerabilityreports" => (&["vuln", "vulns"], &[]),
        "configauditreports" => (&["configaudit", "configaudits"], &[]),
        "exposedsecretreports" => (&["exposedsecret", "exposedsecrets"], &[]),
        "sbomreports" => (&["sbom", "sboms"], &[]),
        "rbacassessmentreports" => (&["rbacassessment", "rbacassessments"], &[]),
        "infraassessmentreports" => (&["infraassessment", "infraassessments"], &[]),
        "clustervulnerabilityreports" => (&["clustervuln", "clustervulns"], &[]),
        "clusterconfigauditreports" => (&["clusterconfigaudit", "clusterconfigaudits"], &[]),
        "clusterrbacassessmentreports" => (&["clusterrbacassessment", "clusterrbacassessments"], &[]),
        "clusterinfraassessmentreports" => (&["clusterinfraassessment", "clusterinfraassessments"], &[]),
        "clustercompliancereports" => (&["compliance"], &[]),
        "clustersbomreports" => (&["clustersbom", "clustersboms"], &[]),
        _ => (&[], &[]),
    }
}

/// The APIResourceList of `group_version`, or `None` when the simulator serves none of it.
pub(crate) fn resource_list(group_version: &str) -> Option<Value> {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group_version == group_version)
        .map(|r| {
            let (short_names, categories) = discovery_names(r.plural);
            let mut resource = json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                "kind": r.kind, "verbs": verbs(r)});
            if !short_names.is_empty() {
                resource["shortNames"] = json!(short_names);
            }
            if !categories.is_empty() {
                resource["categories"] = json!(categories);
            }
            resource
        })
        .collect();
    (!resources.is_empty()).then(|| {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
    })
}
