//! The typed snapshot of one cluster, as read from its API server or from manifests.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, Node, Pod, PodSpec, ReplicationController, ResourceQuota,
    Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::finding::ObjectRef;

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
}

/// A pod specification found in the inventory, with the object that declares it: a bare Pod,
/// or the pod template of a workload controller (reported against the workload as written).
#[derive(Debug, Clone, Copy)]
pub struct PodSpecSite<'a> {
    pub kind: &'static str,
    pub meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
    /// Field path of `spec` inside the object, e.g. `spec.template.spec`.
    pub path: &'static str,
}

impl PodSpecSite<'_> {
    /// The object that declares this pod spec.
    pub fn object(&self) -> ObjectRef {
        ObjectRef::from_meta(self.kind, self.meta)
    }
}

impl Inventory {
    /// Every pod spec in the inventory: workload templates, plus Pods that no controller owns
    /// (a controller-owned Pod is reported through its controller's template instead).
    pub fn pod_specs(&self) -> Vec<PodSpecSite<'_>> {
        let mut sites = Vec::new();
        let tmpl = "spec.template.spec";
        for d in &self.deployments {
            if let Some(s) = d.spec.as_ref().and_then(|s| s.template.spec.as_ref()) {
                sites.push(site("Deployment", &d.metadata, s, tmpl));
            }
        }
        for o in &self.stateful_sets {
            if let Some(s) = o.spec.as_ref().and_then(|s| s.template.spec.as_ref()) {
                sites.push(site("StatefulSet", &o.metadata, s, tmpl));
            }
        }
        for o in &self.daemon_sets {
            if let Some(s) = o.spec.as_ref().and_then(|s| s.template.spec.as_ref()) {
                sites.push(site("DaemonSet", &o.metadata, s, tmpl));
            }
        }
        for o in self
            .replica_sets
            .iter()
            .filter(|o| !is_controlled(&o.metadata))
        {
            if let Some(s) = o
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref()?.spec.as_ref())
            {
                sites.push(site("ReplicaSet", &o.metadata, s, tmpl));
            }
        }
        for o in self.jobs.iter().filter(|o| !is_controlled(&o.metadata)) {
            if let Some(s) = o.spec.as_ref().and_then(|s| s.template.spec.as_ref()) {
                sites.push(site("Job", &o.metadata, s, tmpl));
            }
        }
        for o in &self.cron_jobs {
            let spec = o
                .spec
                .as_ref()
                .and_then(|s| s.job_template.spec.as_ref()?.template.spec.as_ref());
            if let Some(s) = spec {
                sites.push(site(
                    "CronJob",
                    &o.metadata,
                    s,
                    "spec.jobTemplate.spec.template.spec",
                ));
            }
        }
        for o in &self.replication_controllers {
            if let Some(s) = o
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref()?.spec.as_ref())
            {
                sites.push(site("ReplicationController", &o.metadata, s, tmpl));
            }
        }
        for p in self.pods.iter().filter(|p| !is_controlled(&p.metadata)) {
            if let Some(s) = p.spec.as_ref() {
                sites.push(site("Pod", &p.metadata, s, "spec"));
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
        self.namespaces.len()
            + self.nodes.len()
            + self.pods.len()
            + self.deployments.len()
            + self.stateful_sets.len()
            + self.daemon_sets.len()
            + self.replica_sets.len()
            + self.jobs.len()
            + self.cron_jobs.len()
            + self.replication_controllers.len()
            + self.services.len()
            + self.ingresses.len()
            + self.network_policies.len()
            + self.resource_quotas.len()
            + self.limit_ranges.len()
            + self.service_accounts.len()
            + self.roles.len()
            + self.role_bindings.len()
            + self.cluster_roles.len()
            + self.cluster_role_bindings.len()
            + self.config_maps.len()
            + self.secrets.len()
    }
}

fn site<'a>(
    kind: &'static str,
    meta: &'a ObjectMeta,
    spec: &'a PodSpec,
    path: &'static str,
) -> PodSpecSite<'a> {
    PodSpecSite {
        kind,
        meta,
        spec,
        path,
    }
}

/// True when a controller (Deployment's ReplicaSet, Job's CronJob, ...) owns the object.
pub fn is_controlled(meta: &ObjectMeta) -> bool {
    meta.owner_references
        .as_ref()
        .is_some_and(|refs| refs.iter().any(|r| r.controller == Some(true)))
}
