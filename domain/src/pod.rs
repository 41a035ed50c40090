//! Pods as the inventory holds them: each pod's own metadata and status, and its spec shared
//! with the other pods of the same controller whose spec is the same.
//!
//! A cluster's pods are most of its objects, and the pods of one ReplicaSet, StatefulSet, Job
//! or operator's role differ in their specs only by what the API server and the scheduler fill
//! in per pod: the node, the hostname, and the name of the service account token volume
//! (`kube-api-access-<random>`). Those are kept per pod; the rest is held once, behind an
//! [`Arc`]. The status keeps what health, GPU and workload read-outs use; the API server's
//! bookkeeping in it (IPs, container ids, conditions that are true) is dropped as each pod is
//! read.

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::owners::controller;

/// The volume (and mount) the API server gives every pod its token through, named per pod.
pub const TOKEN_VOLUME_PREFIX: &str = "kube-api-access-";

/// Specs compared per controller before a pod's spec is held on its own: an operator that
/// injects a rank into every pod's environment gives each pod a spec of its own, and comparing
/// against all of them would be quadratic.
const SPECS_COMPARED_PER_OWNER: usize = 4;

/// One pod of the inventory.
#[derive(Debug, Clone)]
pub struct InventoryPod {
    pub metadata: ObjectMeta,
    /// The pod's spec, shared with the controller's other pods of the same spec. Its
    /// `nodeName` and `hostname` are unset (they are [`Self::node_name`] and
    /// [`Self::hostname`]); a token volume (`kube-api-access-…`) is named as in the first pod
    /// of the controller that had one.
    pub spec: Option<Arc<PodSpec>>,
    pub status: Option<PodStatus>,
    /// The node the pod is bound to (`spec.nodeName`).
    pub node_name: Option<String>,
    /// `spec.hostname` (a StatefulSet's pods are named by it).
    pub hostname: Option<String>,
}

impl InventoryPod {
    /// The pod's phase (`Running`, `Pending`, ...).
    pub fn phase(&self) -> Option<&str> {
        self.status.as_ref()?.phase.as_deref()
    }
}

/// The pods of an inventory, in the order they were added, with their specs shared.
#[derive(Debug, Clone, Default)]
pub struct Pods {
    pods: Vec<InventoryPod>,
    /// The distinct specs of each controller (namespace, owner uid or name), for sharing.
    by_owner: HashMap<(String, String), OwnerSpecs>,
    distinct_specs: usize,
    /// Whether pods are kept whole (see [`Pods::whole`]).
    whole: bool,
}

#[derive(Debug, Clone, Default)]
struct OwnerSpecs {
    /// The token volume's name in this controller's shared specs.
    token_volume: Option<String>,
    specs: Vec<Arc<PodSpec>>,
}

impl Pods {
    /// Pods kept as the API server sent them: no spec shared, nothing moved out of it or
    /// dropped from the status. The reference the slim form is checked against (every rule,
    /// health and GPU read-out must come out the same).
    pub fn whole() -> Self {
        Pods { whole: true, ..Pods::default() }
    }

    /// Adds a pod, sharing its spec with an equal one of the same controller.
    pub fn push(&mut self, pod: Pod) {
        let Pod { metadata, spec, status, .. } = pod;
        if self.whole {
            self.distinct_specs += usize::from(spec.is_some());
            let node_name = spec.as_ref().and_then(|s| s.node_name.clone());
            let hostname = spec.as_ref().and_then(|s| s.hostname.clone());
            let spec = spec.map(Arc::new);
            self.pods.push(InventoryPod { metadata, spec, status, node_name, hostname });
            return;
        }
        let (spec, node_name, hostname) = match spec {
            Some(mut spec) => {
                let node_name = spec.node_name.take();
                let hostname = spec.hostname.take();
                (Some(self.share(&metadata, spec)), node_name, hostname)
            }
            None => (None, None, None),
        };
        let status = status.map(trim_status);
        self.pods.push(InventoryPod { metadata, spec, status, node_name, hostname });
    }

    /// Distinct specs made as the pods were added (pods [`Pods::retain`] dropped still count).
    pub fn distinct_specs(&self) -> usize {
        self.distinct_specs
    }

    /// Keeps only the pods `keep` is true of, in their order. The specs held for sharing stay,
    /// so a pod added later still shares its controller's.
    pub fn retain(&mut self, keep: impl FnMut(&InventoryPod) -> bool) {
        self.pods.retain(keep);
    }

    /// Frees spare capacity once every pod is in.
    pub fn shrink_to_fit(&mut self) {
        self.pods.shrink_to_fit();
    }

    fn share(&mut self, meta: &ObjectMeta, mut spec: PodSpec) -> Arc<PodSpec> {
        let Some(owner) = controller(meta) else {
            self.distinct_specs += 1;
            return Arc::new(spec);
        };
        let key = (
            meta.namespace.clone().unwrap_or_default(),
            if owner.uid.is_empty() { owner.name.clone() } else { owner.uid.clone() },
        );
        let entry = self.by_owner.entry(key).or_default();
        match (&entry.token_volume, token_volume(&spec)) {
            (Some(shared), Some(own)) if *shared != own => rename_token_volume(&mut spec, &own, shared),
            (None, Some(own)) => entry.token_volume = Some(own),
            _ => {}
        }
        if let Some(same) = entry.specs.iter().find(|held| ***held == spec) {
            return Arc::clone(same);
        }
        self.distinct_specs += 1;
        let spec = Arc::new(spec);
        if entry.specs.len() < SPECS_COMPARED_PER_OWNER {
            entry.specs.push(Arc::clone(&spec));
        }
        spec
    }
}

impl std::ops::Deref for Pods {
    type Target = [InventoryPod];

    fn deref(&self) -> &[InventoryPod] {
        &self.pods
    }
}

impl<'a> IntoIterator for &'a Pods {
    type Item = &'a InventoryPod;
    type IntoIter = std::slice::Iter<'a, InventoryPod>;

    fn into_iter(self) -> Self::IntoIter {
        self.pods.iter()
    }
}

impl FromIterator<Pod> for Pods {
    fn from_iter<I: IntoIterator<Item = Pod>>(pods: I) -> Self {
        let mut all = Pods::default();
        all.extend(pods);
        all
    }
}

impl Extend<Pod> for Pods {
    fn extend<I: IntoIterator<Item = Pod>>(&mut self, pods: I) {
        for pod in pods {
            self.push(pod);
        }
    }
}

impl From<Vec<Pod>> for Pods {
    fn from(pods: Vec<Pod>) -> Self {
        pods.into_iter().collect()
    }
}

/// The name of the spec's token volume, if it has one.
fn token_volume(spec: &PodSpec) -> Option<String> {
    spec.volumes.iter().flatten().find(|v| v.name.starts_with(TOKEN_VOLUME_PREFIX)).map(|v| v.name.clone())
}

/// Renames the token volume `from` and its mounts to `to`.
fn rename_token_volume(spec: &mut PodSpec, from: &str, to: &str) {
    for volume in spec.volumes.iter_mut().flatten().filter(|v| v.name == from) {
        volume.name = to.to_string();
    }
    let containers = spec.init_containers.iter_mut().flatten().chain(spec.containers.iter_mut());
    for mount in containers.flat_map(|c| c.volume_mounts.iter_mut().flatten()).filter(|m| m.name == from) {
        mount.name = to.to_string();
    }
}

/// A pod's status with what no read-out uses dropped: IPs, container ids, allocated
/// resources, mounts, and the conditions that are true (a pod's problems are the false ones).
fn trim_status(mut status: PodStatus) -> PodStatus {
    status.host_ip = None;
    status.host_ips = None;
    status.pod_ip = None;
    status.pod_ips = None;
    status.resource_claim_statuses = None;
    if let Some(conditions) = status.conditions.as_mut() {
        conditions.retain(|c| c.status != "True");
    }
    let statuses = [
        status.container_statuses.as_mut(),
        status.init_container_statuses.as_mut(),
        status.ephemeral_container_statuses.as_mut(),
    ];
    for container in statuses.into_iter().flatten().flatten() {
        trim_container_status(container);
    }
    status
}

fn trim_container_status(status: &mut ContainerStatus) {
    status.container_id = None;
    status.allocated_resources = None;
    status.allocated_resources_status = None;
    status.resources = None;
    status.volume_mounts = None;
    status.user = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, node: &str, token: &str, image: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "ml",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d",
                                              "uid": "rs-1", "controller": true}]},
            "spec": {"nodeName": node, "hostname": name,
                     "containers": [{"name": "c", "image": image,
                                     "volumeMounts": [{"name": token, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}],
                     "volumes": [{"name": token, "projected": {"sources": []}}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1",
                       "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "False"}],
                       "containerStatuses": [{"name": "c", "image": image, "imageID": "", "ready": true,
                                              "restartCount": 2, "containerID": "containerd://abc"}]}
        }))
        .unwrap()
    }

    #[test]
    fn pods_of_one_controller_with_one_spec_share_it_and_keep_their_node_and_hostname() {
        let pods: Pods = vec![
            pod("web-5d-a", "node-1", "kube-api-access-aaaaa", "web:1"),
            pod("web-5d-b", "node-2", "kube-api-access-bbbbb", "web:1"),
            pod("web-5d-c", "node-2", "kube-api-access-ccccc", "web:2"),
        ]
        .into();
        assert_eq!(pods.distinct_specs(), 2);
        let (a, b, c) = (&pods[0], &pods[1], &pods[2]);
        assert!(Arc::ptr_eq(a.spec.as_ref().unwrap(), b.spec.as_ref().unwrap()));
        assert!(!Arc::ptr_eq(a.spec.as_ref().unwrap(), c.spec.as_ref().unwrap()));
        assert_eq!((a.node_name.as_deref(), b.node_name.as_deref()), (Some("node-1"), Some("node-2")));
        assert_eq!(b.hostname.as_deref(), Some("web-5d-b"));
        let spec = c.spec.as_ref().unwrap();
        assert_eq!((spec.node_name.as_deref(), spec.hostname.as_deref()), (None, None));
        // The token volume and its mount are named alike in every shared spec.
        let volumes: Vec<_> = spec.volumes.iter().flatten().map(|v| v.name.as_str()).collect();
        assert_eq!(volumes, ["kube-api-access-aaaaa"]);
        let mounts: Vec<_> = spec.containers[0].volume_mounts.iter().flatten().map(|m| m.name.as_str()).collect();
        assert_eq!(mounts, ["kube-api-access-aaaaa"]);
    }

    #[test]
    fn pods_without_a_controller_keep_a_spec_of_their_own() {
        let mut bare = pod("debug", "node-1", "kube-api-access-aaaaa", "busybox");
        bare.metadata.owner_references = None;
        let twin = bare.clone();
        let pods: Pods = vec![bare, twin].into();
        assert_eq!(pods.distinct_specs(), 2);
    }

    #[test]
    fn the_status_keeps_what_health_reads_and_drops_the_rest() {
        let pods: Pods = vec![pod("web-5d-a", "node-1", "kube-api-access-aaaaa", "web:1")].into();
        let status = pods[0].status.as_ref().unwrap();
        assert_eq!(pods[0].phase(), Some("Running"));
        assert_eq!(status.pod_ip, None);
        let conditions: Vec<_> = status.conditions.iter().flatten().map(|c| c.type_.as_str()).collect();
        assert_eq!(conditions, ["PodScheduled"]);
        let container = &status.container_statuses.as_ref().unwrap()[0];
        assert_eq!((container.restart_count, container.ready, container.container_id.as_deref()), (2, true, None));
    }
}
