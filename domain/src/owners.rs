//! Which workload an object belongs to: controlling owner references walked to the top, whatever
//! the top's kind. On AI platforms most GPU work is owned by an operator's custom resource (a
//! PyTorchJob, a RayCluster, a JobSet), which Rampart does not list: the pods it owns are the
//! workload's evidence (see [`crate::inventory::Inventory::pod_specs`]).

use std::borrow::Cow;
use std::collections::HashMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::inventory::Inventory;

/// How many owners up a chain is walked at most: real chains are three or four long
/// (Pod → ReplicaSet → Deployment → InferenceService); a cycle stops here.
const MAX_DEPTH: usize = 8;

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

/// An operator's workload kind Rampart knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorKind {
    /// The API group of the custom resource (`kubeflow.org`).
    pub group: &'static str,
    pub kind: &'static str,
    /// How pages name it (`PyTorchJob`; `VolcanoJob` for Volcano's `Job`).
    pub name: &'static str,
    /// The pod label naming which of the workload's pod templates a pod comes from (a
    /// RayCluster's head or worker group), when the operator sets one: pods are grouped by it,
    /// and findings on one template are told apart from another's.
    pub role_label: Option<&'static str>,
}

const fn kind(
    group: &'static str,
    kind: &'static str,
    name: &'static str,
    role_label: Option<&'static str>,
) -> OperatorKind {
    OperatorKind { group, kind, name, role_label }
}

const TRAINING_ROLE: Option<&str> = Some("training.kubeflow.org/replica-type");
const RAY_GROUP: Option<&str> = Some("ray.io/group");

/// The operators' workload kinds Rampart names; any other owner kind is shown as
/// `kind.group` and handled the same way.
pub const OPERATOR_KINDS: &[OperatorKind] = &[
    kind("kubeflow.org", "PyTorchJob", "PyTorchJob", TRAINING_ROLE),
    kind("kubeflow.org", "TFJob", "TFJob", TRAINING_ROLE),
    kind("kubeflow.org", "MPIJob", "MPIJob", TRAINING_ROLE),
    kind("kubeflow.org", "XGBoostJob", "XGBoostJob", TRAINING_ROLE),
    kind("kubeflow.org", "PaddleJob", "PaddleJob", TRAINING_ROLE),
    kind("kubeflow.org", "JAXJob", "JAXJob", TRAINING_ROLE),
    kind("kubeflow.org", "Notebook", "Notebook", None),
    kind("trainer.kubeflow.org", "TrainJob", "TrainJob", Some("jobset.sigs.k8s.io/replicatedjob-name")),
    kind("ray.io", "RayCluster", "RayCluster", RAY_GROUP),
    kind("ray.io", "RayJob", "RayJob", RAY_GROUP),
    kind("ray.io", "RayService", "RayService", RAY_GROUP),
    kind("jobset.x-k8s.io", "JobSet", "JobSet", Some("jobset.sigs.k8s.io/replicatedjob-name")),
    kind("leaderworkerset.x-k8s.io", "LeaderWorkerSet", "LeaderWorkerSet", None),
    kind("argoproj.io", "Rollout", "Rollout", None),
    kind("argoproj.io", "Workflow", "Workflow", None),
    kind("sparkoperator.k8s.io", "SparkApplication", "SparkApplication", Some("spark-role")),
    kind("sparkoperator.k8s.io", "ScheduledSparkApplication", "ScheduledSparkApplication", Some("spark-role")),
    kind("tekton.dev", "TaskRun", "TaskRun", None),
    kind("tekton.dev", "PipelineRun", "PipelineRun", None),
    kind("batch.volcano.sh", "Job", "VolcanoJob", Some("volcano.sh/task-spec")),
    kind("serving.kserve.io", "InferenceService", "InferenceService", Some("component")),
];

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → the core group, empty).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The known operator kind an owner reference names, if any.
pub fn operator_kind(owner: &OwnerReference) -> Option<&'static OperatorKind> {
    let group = group_of(&owner.api_version);
    OPERATOR_KINDS.iter().find(|k| k.group == group && k.kind == owner.kind)
}

/// How a workload of this owner's kind is named: Kubernetes' own kinds as they are, a known
/// operator's by [`OperatorKind::name`], any other as `kind.group` (`Foo.example.com`).
pub fn workload_kind(owner: &OwnerReference) -> Cow<'_, str> {
    kind_name(&owner.api_version, &owner.kind)
}

/// How a workload of `kind` in `api_version` is named (see [`workload_kind`]).
pub fn kind_name<'a>(api_version: &str, kind: &'a str) -> Cow<'a, str> {
    let group = group_of(api_version);
    if matches!(group, "" | "apps" | "batch") {
        return Cow::Borrowed(kind);
    }
    match OPERATOR_KINDS.iter().find(|k| k.group == group && k.kind == kind) {
        Some(known) => Cow::Borrowed(known.name),
        None => Cow::Owned(format!("{kind}.{group}")),
    }
}

/// Kubernetes' own kinds that are workloads.
pub const BUILT_IN_WORKLOAD_KINDS: [&str; 8] =
    ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "ReplicationController", "Pod"];

/// Whether a workload row or finding of this kind is a workload: Kubernetes' own, a known
/// operator's by its name, or any other owner as [`workload_kind`] names it (`kind.group`).
pub fn is_workload_kind(kind: &str) -> bool {
    BUILT_IN_WORKLOAD_KINDS.contains(&kind) || OPERATOR_KINDS.iter().any(|k| k.name == kind) || kind.contains('.')
}

/// The controlling owner of every object Rampart lists that can own pods or be owned (Pods,
/// ReplicaSets, Jobs and the rest), by (group, kind, namespace, name): how an owner reference is
/// walked to the top without searching a list per object.
#[derive(Debug)]
pub struct Controllers<'a>(HashMap<(&'a str, &'a str, &'a str, &'a str), &'a OwnerReference>);

impl<'a> Controllers<'a> {
    /// The workload a controlling owner reference leads to, as (kind, name) in `namespace`:
    /// the top of the chain of owners Rampart lists (a ReplicaSet's Deployment, and that
    /// Deployment's InferenceService), named by [`workload_kind`].
    pub fn workload_of(&self, owner: &'a OwnerReference, namespace: &str) -> (Cow<'a, str>, &'a str) {
        let top = self.top_reference(owner, namespace);
        (workload_kind(top), &top.name)
    }

    /// The (kind, namespace, name) of the workload a pod belongs to: its top owner, or the pod
    /// itself when nothing controls it.
    pub fn workload_of_pod(&self, pod: &'a crate::pod::InventoryPod) -> (String, String, String) {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        match controller(&pod.metadata) {
            Some(owner) => {
                let (kind, name) = self.workload_of(owner, &namespace);
                (kind.into_owned(), namespace, name.to_string())
            }
            None => ("Pod".into(), namespace, pod.metadata.name.clone().unwrap_or_default()),
        }
    }

    /// The owner reference at the top of the chain that starts at `owner` in `namespace`.
    pub fn top_reference(&self, owner: &'a OwnerReference, namespace: &str) -> &'a OwnerReference {
        let mut top = owner;
        for _ in 0..MAX_DEPTH {
            let key = (group_of(&top.api_version), top.kind.as_str(), namespace, top.name.as_str());
            match self.0.get(&key) {
                Some(up) => top = up,
                None => break,
            }
        }
        top
    }

    /// The workload an object of Kubernetes' own `kind` (`ReplicaSet`, `Pod`) belongs to: the
    /// top of its chain of owners, or the object itself when nothing controls it.
    pub fn top_owner<'b>(&'b self, kind: &'b str, namespace: &str, name: &'b str) -> (Cow<'b, str>, &'b str) {
        let group = BUILT_IN.iter().find(|(k, _)| *k == kind).map_or("", |(_, group)| *group);
        match self.0.get(&(group, kind, namespace, name)) {
            Some(owner) => {
                let (kind, name) = self.workload_of(owner, namespace);
                (kind, name)
            }
            None => (Cow::Borrowed(kind), name),
        }
    }
}

/// Kubernetes' own kinds Rampart lists that own or are owned, with their API groups.
const BUILT_IN: [(&str, &str); 8] = [
    ("Pod", ""),
    ("ReplicationController", ""),
    ("ReplicaSet", "apps"),
    ("Deployment", "apps"),
    ("StatefulSet", "apps"),
    ("DaemonSet", "apps"),
    ("Job", "batch"),
    ("CronJob", "batch"),
];

impl Inventory {
    /// The index of every listed object's controller, built once per assessment.
    pub fn controllers(&self) -> Controllers<'_> {
        let metas: [(&'static str, Box<dyn Iterator<Item = &ObjectMeta> + '_>); 8] = [
            ("Pod", Box::new(self.pods.iter().map(|o| &o.metadata))),
            ("ReplicationController", Box::new(self.replication_controllers.iter().map(|o| &o.metadata))),
            ("ReplicaSet", Box::new(self.replica_sets.iter().map(|o| &o.metadata))),
            ("Deployment", Box::new(self.deployments.iter().map(|o| &o.metadata))),
            ("StatefulSet", Box::new(self.stateful_sets.iter().map(|o| &o.metadata))),
            ("DaemonSet", Box::new(self.daemon_sets.iter().map(|o| &o.metadata))),
            ("Job", Box::new(self.jobs.iter().map(|o| &o.metadata))),
            ("CronJob", Box::new(self.cron_jobs.iter().map(|o| &o.metadata))),
        ];
        let mut map = HashMap::new();
        for custom in &self.custom_workloads {
            let meta = &custom.metadata;
            if let (Some(namespace), Some(name), Some(owner)) =
                (meta.namespace.as_deref(), meta.name.as_deref(), controller(meta))
            {
                map.insert((group_of(&custom.api_version), custom.kind.as_str(), namespace, name), owner);
            }
        }
        for (kind, objects) in metas {
            let group = BUILT_IN.iter().find(|(k, _)| *k == kind).map_or("", |(_, group)| *group);
            for meta in objects {
                if let (Some(namespace), Some(name), Some(owner)) =
                    (meta.namespace.as_deref(), meta.name.as_deref(), controller(meta))
                {
                    map.insert((group, kind, namespace, name), owner);
                }
            }
        }
        Controllers(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(api_version: &str, kind: &str) -> OwnerReference {
        OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: "x".into(),
            uid: "1".into(),
            controller: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn workload_kinds_are_named_readably_and_unknown_ones_by_kind_and_group() {
        assert_eq!(workload_kind(&owner("apps/v1", "Deployment")), "Deployment");
        assert_eq!(workload_kind(&owner("kubeflow.org/v1", "PyTorchJob")), "PyTorchJob");
        assert_eq!(workload_kind(&owner("batch.volcano.sh/v1alpha1", "Job")), "VolcanoJob");
        assert_eq!(workload_kind(&owner("example.com/v1", "Trainer")), "Trainer.example.com");
        assert_eq!(group_of("v1"), "");
    }
}
