//! The typed snapshot of one cluster, as read from its API server or from manifests.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec,
    ReplicationController, ResourceQuota, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::finding::ObjectRef;
use crate::trivy::TrivyReports;
use crate::usage::PodMetrics;

/// Every object Rampart reads from one cluster. Secrets are kept as metadata only: their values
/// are never requested, so they cannot be stored.
#[derive(Debug, Default, Clone)]
pub struct Inventory {
    pub namespaces: Vec<Namespace>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    pub deployments: Vec<Deployment>,
    pub stateful_sets: Vec<StatefulSet>,
    pub daemon_sets: Vec<DaemonSet>,
    pub replica_sets: Vec<ReplicaSet>,
    pub jobs: Vec<Job>,
    pub cron_jobs: Vec<CronJob>,
    pub replication_controllers: Vec<ReplicationController>,
    pub services: Vec<Service>,
    pub ingresses: Vec<Ingress>,
    pub network_policies: Vec<NetworkPolicy>,
    pub resource_quotas: Vec<ResourceQuota>,
    pub limit_ranges: Vec<LimitRange>,
    pub service_accounts: Vec<ServiceAccount>,
    pub roles: Vec<Role>,
    pub role_bindings: Vec<RoleBinding>,
    pub cluster_roles: Vec<ClusterRole>,
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
    pub config_maps: Vec<ConfigMap>,
    /// Secret metadata only (name, namespace, labels); never `data`.
    pub secrets: Vec<ObjectMeta>,
    pub persistent_volumes: Vec<PersistentVolume>,
    pub persistent_volume_claims: Vec<PersistentVolumeClaim>,
    /// Trivy Operator's reports; `None` when the cluster does not serve them.
    pub trivy: Option<TrivyReports>,
    /// metrics-server's PodMetrics (`pods.metrics.k8s.io`); `None` when the cluster does not
    /// serve them or they were not read.
    pub pod_metrics: Option<Vec<PodMetrics>>,
    /// Objects written in a deprecated or removed `apiVersion` (only manifests have them: an
    /// API server serves what it is asked for in current versions).
    pub outdated_apis: Vec<OutdatedApi>,
    /// Structured authorization configurations (`--authorization-config` files) whose content
    /// is visible: in a scan, an `AuthorizationConfiguration` document. Never listed from a
    /// cluster, which does not serve them.
    pub authorization_configs: Vec<AuthorizationConfiguration>,
    /// Kinds (resource plurals) that could not be listed, with why: a 403, or an API the
    /// cluster does not serve. Rules that read them are not assessable.
    pub gaps: BTreeMap<String, String>,
    /// When the cluster was observed (the collection's start): pod health's grace periods and
    /// 24-hour window are measured from it. `None` for manifests, where every problem counts.
    pub observed_at: Option<k8s_openapi::jiff::Timestamp>,
}

/// An object written in an `apiVersion` Kubernetes deprecated or removed.
#[derive(Debug, Clone)]
pub struct OutdatedApi {
    pub object: ObjectRef,
    pub change: &'static crate::api_versions::ApiChange,
}

/// An API server's structured authorization configuration
/// (`apiserver.config.k8s.io/v1 AuthorizationConfiguration`): its authorizers, in order.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuthorizationConfiguration {
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
}

/// One authorizer of an [`AuthorizationConfiguration`]: `Node`, `RBAC`, `Webhook`, ...
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Authorizer {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub name: String,
}

/// A pod specification found in the inventory, with the object that declares it: a bare Pod,
/// or the pod template of a workload controller (reported against the workload as written).
#[derive(Debug, Clone, Copy)]
pub struct PodSpecSite<'a> {
    pub kind: &'static str,
    /// The declaring object's metadata.
    pub meta: &'a ObjectMeta,
    /// The pod's own metadata: the Pod's, or the template's (labels, annotations).
    pub pod_meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
    /// Field path from the object's root to the pod's root: `""` for a Pod,
    /// `spec.template.` for a Deployment, `spec.jobTemplate.spec.template.` for a CronJob.
    pub prefix: &'static str,
}

impl PodSpecSite<'_> {
    /// The object that declares this pod spec.
    pub fn object(&self) -> ObjectRef {
        ObjectRef::from_meta(self.kind, self.meta)
    }

    /// A field path from the pod's root (`spec.containers[0].image`) as a path from the
    /// declaring object's root (`spec.template.spec.containers[0].image`).
    pub fn path(&self, from_pod_root: &str) -> String {
        format!("{}{from_pod_root}", self.prefix)
    }

    /// The namespace the pod runs in.
    pub fn namespace(&self) -> Option<&str> {
        self.meta.namespace.as_deref()
    }

    /// The service account the pods run as (`default` when none is named).
    pub fn service_account(&self) -> &str {
        self.spec.service_account_name.as_deref().filter(|n| !n.is_empty()).unwrap_or("default")
    }
}

static NO_METADATA: std::sync::LazyLock<ObjectMeta> = std::sync::LazyLock::new(ObjectMeta::default);

impl Inventory {
    /// Every pod spec in the inventory: workload templates, plus Pods that no controller owns
    /// (a controller-owned Pod is reported through its controller's template instead).
    pub fn pod_specs(&self) -> Vec<PodSpecSite<'_>> {
        const TEMPLATE: &str = "spec.template.";
        let mut sites = Vec::new();
        fn template_site<'a>(
            sites: &mut Vec<PodSpecSite<'a>>,
            kind: &'static str,
            meta: &'a ObjectMeta,
            template: Option<&'a PodTemplateSpec>,
            prefix: &'static str,
        ) {
            if let Some(spec) = template.and_then(|t| t.spec.as_ref()) {
                let pod_meta = template.and_then(|t| t.metadata.as_ref()).unwrap_or(&NO_METADATA);
                sites.push(PodSpecSite { kind, meta, pod_meta, spec, prefix });
            }
        }
        let mut add = |kind, meta, template, prefix| template_site(&mut sites, kind, meta, template, prefix);
        for o in &self.deployments {
            add("Deployment", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in &self.stateful_sets {
            add("StatefulSet", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in &self.daemon_sets {
            add("DaemonSet", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in self.replica_sets.iter().filter(|o| !is_controlled(&o.metadata)) {
            add("ReplicaSet", &o.metadata, o.spec.as_ref().and_then(|s| s.template.as_ref()), TEMPLATE);
        }
        for o in self.jobs.iter().filter(|o| !is_controlled(&o.metadata)) {
            add("Job", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in &self.cron_jobs {
            let template = o.spec.as_ref().and_then(|s| s.job_template.spec.as_ref()).map(|s| &s.template);
            add("CronJob", &o.metadata, template, "spec.jobTemplate.spec.template.");
        }
        for o in &self.replication_controllers {
            add("ReplicationController", &o.metadata, o.spec.as_ref().and_then(|s| s.template.as_ref()), TEMPLATE);
        }
        for p in self.pods.iter().filter(|p| !is_controlled(&p.metadata)) {
            if let Some(spec) = &p.spec {
                sites.push(PodSpecSite { kind: "Pod", meta: &p.metadata, pod_meta: &p.metadata, spec, prefix: "" });
            }
        }
        sites
    }

    /// Workloads per namespace: controllers plus uncontrolled Pods, Jobs and ReplicaSets.
    /// The unit the risk score is normalised by.
    pub fn workloads_per_namespace(&self) -> std::collections::HashMap<String, u32> {
        let mut counts = std::collections::HashMap::new();
        for site in self.pod_specs() {
            if let Some(ns) = &site.meta.namespace {
                *counts.entry(ns.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Number of objects of every kind, for collection statistics.
    pub fn object_count(&self) -> usize {
        self.kind_counts().iter().map(|(_, count)| count).sum()
    }

    /// Objects per kind, by resource plural, in listing order.
    pub fn kind_counts(&self) -> Vec<(&'static str, usize)> {
        let trivy = self.trivy.as_ref();
        vec![
            ("namespaces", self.namespaces.len()),
            ("nodes", self.nodes.len()),
            ("pods", self.pods.len()),
            ("deployments", self.deployments.len()),
            ("statefulsets", self.stateful_sets.len()),
            ("daemonsets", self.daemon_sets.len()),
            ("replicasets", self.replica_sets.len()),
            ("jobs", self.jobs.len()),
            ("cronjobs", self.cron_jobs.len()),
            ("replicationcontrollers", self.replication_controllers.len()),
            ("services", self.services.len()),
            ("ingresses", self.ingresses.len()),
            ("networkpolicies", self.network_policies.len()),
            ("resourcequotas", self.resource_quotas.len()),
            ("limitranges", self.limit_ranges.len()),
            ("serviceaccounts", self.service_accounts.len()),
            ("roles", self.roles.len()),
            ("rolebindings", self.role_bindings.len()),
            ("clusterroles", self.cluster_roles.len()),
            ("clusterrolebindings", self.cluster_role_bindings.len()),
            ("configmaps", self.config_maps.len()),
            ("secrets", self.secrets.len()),
            ("persistentvolumes", self.persistent_volumes.len()),
            ("persistentvolumeclaims", self.persistent_volume_claims.len()),
            ("pods.metrics.k8s.io", self.pod_metrics.as_ref().map_or(0, Vec::len)),
            ("vulnerabilityreports", trivy.map_or(0, |t| t.vulnerability_reports.len())),
            ("configauditreports", trivy.map_or(0, |t| t.config_audit_reports.len())),
            ("exposedsecretreports", trivy.map_or(0, |t| t.exposed_secret_reports.len())),
        ]
    }
}

/// The annotation `kubectl apply` leaves on what it applies: a copy of the whole object (for a
/// Secret, its values). No rule reads it; it is dropped as objects are read.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops what Rampart never reads and must not hold from an object's metadata: its
/// `managedFields` and the [`LAST_APPLIED`] copy of the object.
pub fn trim_metadata(meta: &mut ObjectMeta) {
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
}

/// True when a controller (Deployment's ReplicaSet, Job's CronJob, ...) owns the object.
pub fn is_controlled(meta: &ObjectMeta) -> bool {
    controller(meta).is_some()
}

/// The object's controlling owner reference, if any. A Node, which the API server names as
/// the controller of its static pods' mirror pods, controls no workload: such a pod is its own.
pub fn controller(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true) && !(r.kind == "Node" && r.api_version == "v1"))
}

/// The annotation the kubelet puts on the mirror pod of a static pod.
pub const MIRROR_POD_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// The annotation naming where the kubelet read a pod from (`file`, `http`; `api` for others).
pub const CONFIG_SOURCE_ANNOTATION: &str = "kubernetes.io/config.source";

/// True for a static pod: one the kubelet runs from a manifest file (or URL), seen as its
/// mirror pod or as the manifest itself. Recognised by the mirror-pod annotation, a
/// `config.source` other than the API, a Node as owner, or (as kubeadm writes them) a
/// `tier: control-plane` pod in `kube-system`. Static pods get no service account token.
pub fn is_static_pod(meta: &ObjectMeta) -> bool {
    let annotations = meta.annotations.as_ref();
    let mirror = annotations.is_some_and(|a| a.contains_key(MIRROR_POD_ANNOTATION));
    let from_file = annotations.and_then(|a| a.get(CONFIG_SOURCE_ANNOTATION)).is_some_and(|source| source != "api");
    let node_owned = meta.owner_references.iter().flatten().any(|r| r.kind == "Node" && r.controller == Some(true));
    let control_plane = meta.namespace.as_deref() == Some("kube-system")
        && meta.labels.as_ref().and_then(|l| l.get("tier")).is_some_and(|tier| tier == "control-plane");
    mirror || from_file || node_owned || control_plane
}

/// The controlling owner of every ReplicaSet and Job, by (kind, namespace, name): how an
/// object's owner is walked up to its Deployment or CronJob without searching a list per object.
#[derive(Debug)]
pub struct Controllers<'a>(HashMap<(&'static str, &'a str, &'a str), &'a OwnerReference>);

impl Controllers<'_> {
    /// The workload an owner reference leads to: a ReplicaSet's Deployment, a Job's CronJob,
    /// or the owner itself, as (kind, name) in the same namespace.
    pub fn top_owner<'b>(&'b self, kind: &'b str, namespace: &str, name: &'b str) -> (&'b str, &'b str) {
        let walked = ["ReplicaSet", "Job"].into_iter().find(|k| *k == kind);
        match walked.and_then(|k| self.0.get(&(k, namespace, name))) {
            Some(top) => (&top.kind, &top.name),
            None => (kind, name),
        }
    }
}

impl Inventory {
    /// The index of ReplicaSets' and Jobs' controllers, built once per assessment.
    pub fn controllers(&self) -> Controllers<'_> {
        let owned = self.replica_sets.iter().map(|r| ("ReplicaSet", &r.metadata));
        let owned = owned.chain(self.jobs.iter().map(|j| ("Job", &j.metadata)));
        let map = owned
            .filter_map(|(kind, meta)| {
                Some(((kind, meta.namespace.as_deref()?, meta.name.as_deref()?), controller(meta)?))
            })
            .collect();
        Controllers(map)
    }
}
