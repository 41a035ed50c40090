//! The typed snapshot of one cluster, as read from its API server or from manifests.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim, ReplicationController,
    ResourceQuota, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::finding::ObjectRef;
use crate::pod::Pods;
use crate::trivy::TrivyReports;
use crate::usage::PodMetrics;

/// Every object Rampart reads from one cluster. Secrets are kept as metadata only: their values
/// are never requested, so they cannot be stored.
#[derive(Debug, Default, Clone)]
pub struct Inventory {
    pub namespaces: Vec<Namespace>,
    pub nodes: Vec<Node>,
    /// Pods, their specs shared per controller (see [`crate::pod`]).
    pub pods: Pods,
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
    /// Operators' workload objects read whole (their kinds listed by configuration, or in a
    /// manifest), with their pod templates.
    pub custom_workloads: Vec<crate::custom_workloads::CustomWorkload>,
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

impl Inventory {
    /// Number of objects of every kind, for collection statistics.
    pub fn object_count(&self) -> usize {
        self.kind_counts().iter().map(|(_, count)| count).sum()
    }

    /// Objects per kind, by resource plural, in listing order.
    pub fn kind_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts = vec![
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
        ];
        counts.extend(match &self.trivy {
            Some(trivy) => trivy.kind_counts(),
            None => TrivyReports::default().kind_counts(),
        });
        counts
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

/// Drops the pod template of a ReplicaSet its controller (a Deployment, an operator) made, as
/// it is read: the template is the controller's, assessed there, and [`Inventory::pod_specs`]
/// never reads a controlled ReplicaSet's. Its replicas and status are kept.
pub fn trim_controlled_replica_set(replica_set: &mut ReplicaSet) {
    if crate::owners::is_controlled(&replica_set.metadata)
        && let Some(spec) = replica_set.spec.as_mut()
    {
        spec.template = None;
    }
}

/// Drops the pod template of a Job its controller (a CronJob, an operator) made, as it is
/// read, as [`trim_controlled_replica_set`] does; its backoff limit, parallelism and status,
/// which the health of the controller's workload reads, are kept.
pub fn trim_controlled_job(job: &mut Job) {
    if crate::owners::is_controlled(&job.metadata)
        && let Some(spec) = job.spec.as_mut()
    {
        spec.template = Default::default();
    }
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
