//! What makes a finding on a workload riskier: exposure (reachable from the internet,
//! privileged or host access, secrets mounted) and blast radius (how many pods run it).

use std::collections::{HashMap, HashSet};

use crate::finding::ObjectRef;
use crate::inventory::Inventory;
use crate::sites::PodSpecSite;

/// How much more a finding weighs on a workload reachable from the internet.
pub const INTERNET_FACING_FACTOR: f64 = 2.0;
/// How much more a finding weighs on a privileged workload or one with host access.
pub const HOST_ACCESS_FACTOR: f64 = 1.5;
/// How much more a finding weighs on a workload that reads Secrets.
pub const SECRETS_ACCESS_FACTOR: f64 = 1.2;

/// Multipliers of a workload's findings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exposure {
    /// Selected by a LoadBalancer or NodePort Service, or behind an Ingress.
    pub internet_facing: bool,
    /// Privileged, or sharing the host's namespaces or filesystem.
    pub host_access: bool,
    /// Mounts Secrets or reads them into its environment.
    pub secrets_access: bool,
    /// Pods that run it: replicas, parallelism, or nodes for a DaemonSet.
    pub pods: u32,
}

impl Default for Exposure {
    fn default() -> Self {
        Exposure { internet_facing: false, host_access: false, secrets_access: false, pods: 1 }
    }
}

impl Exposure {
    /// internet-facing ×2, host access ×1.5, secrets access ×1.2.
    pub fn exposure_factor(&self) -> f64 {
        let mut factor = 1.0;
        if self.internet_facing {
            factor *= INTERNET_FACING_FACTOR;
        }
        if self.host_access {
            factor *= HOST_ACCESS_FACTOR;
        }
        if self.secrets_access {
            factor *= SECRETS_ACCESS_FACTOR;
        }
        factor
    }

    /// 1 + log2(pods): one pod 1, two pods 2, 64 pods 7.
    pub fn blast_radius(&self) -> f64 {
        1.0 + f64::from(self.pods.max(1)).log2()
    }
}

/// The exposure of every workload of an inventory, by object.
#[derive(Debug, Default)]
pub struct ExposureIndex {
    by_object: HashMap<ObjectRef, Exposure>,
}

impl ExposureIndex {
    /// Computes every workload's exposure once.
    pub fn new(inv: &Inventory) -> Self {
        let nodes = u32::try_from(inv.nodes.len()).unwrap_or(u32::MAX).max(1);
        // Everything below is indexed once: a cluster of 100,000 pods has tens of thousands of
        // workloads and services, and a search per workload would be quadratic.
        let ingress_backends: HashSet<(String, String)> = inv
            .ingresses
            .iter()
            .flat_map(|i| {
                let namespace = i.metadata.namespace.clone().unwrap_or_default();
                ingress_backends(i).into_iter().map(move |backend| (namespace.clone(), backend))
            })
            .collect();
        let mut public_selectors: HashMap<&str, Vec<&std::collections::BTreeMap<String, String>>> = HashMap::new();
        for service in &inv.services {
            let kind = service.spec.as_ref().and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP");
            let (Some(namespace), Some(name)) =
                (service.metadata.namespace.as_deref(), service.metadata.name.as_deref())
            else {
                continue;
            };
            let behind_ingress = ingress_backends.contains(&(namespace.to_string(), name.to_string()));
            let selector = service.spec.as_ref().and_then(|s| s.selector.as_ref()).filter(|s| !s.is_empty());
            if let Some(selector) = selector.filter(|_| kind == "LoadBalancer" || kind == "NodePort" || behind_ingress)
            {
                public_selectors.entry(namespace).or_default().push(selector);
            }
        }
        let replicas = replica_counts(inv);
        let by_object = inv
            .pod_specs()
            .into_iter()
            .map(|site| {
                let labels = site.pod_meta.labels.clone().unwrap_or_default();
                let selectors = site.namespace().and_then(|ns| public_selectors.get(ns)).map(Vec::as_slice);
                let internet_facing =
                    selectors.unwrap_or_default().iter().any(|sel| sel.iter().all(|(k, v)| labels.get(k) == Some(v)));
                let pods = match (site.kind.as_ref(), &site.owned) {
                    (_, Some(owned)) => owned.pods.max(1),
                    ("DaemonSet", _) => nodes,
                    ("Pod" | "CronJob", _) => 1,
                    (kind, None) => {
                        let key = (kind, site.namespace().unwrap_or_default(), site.name());
                        u32::try_from(replicas.get(&key).copied().unwrap_or(1)).unwrap_or(1).max(1)
                    }
                };
                let exposure = Exposure {
                    internet_facing,
                    host_access: has_host_access(&site),
                    secrets_access: has_secrets_access(&site),
                    pods,
                };
                (site.object(), exposure)
            })
            .collect();
        ExposureIndex { by_object }
    }

    /// The exposure of an object; objects that are not workloads get the neutral default.
    pub fn of(&self, object: &ObjectRef) -> Exposure {
        self.by_object.get(object).copied().unwrap_or_default()
    }
}

fn ingress_backends(ingress: &k8s_openapi::api::networking::v1::Ingress) -> Vec<String> {
    let spec = ingress.spec.as_ref();
    let default =
        spec.and_then(|s| s.default_backend.as_ref()).and_then(|b| b.service.as_ref()).map(|s| s.name.clone());
    let paths = spec
        .and_then(|s| s.rules.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|r| r.http.as_ref())
        .flat_map(|h| h.paths.iter())
        .filter_map(|p| p.backend.service.as_ref().map(|s| s.name.clone()));
    default.into_iter().chain(paths).collect()
}

fn has_host_access(site: &PodSpecSite<'_>) -> bool {
    let spec = site.spec;
    let privileged = crate::containers::containers(spec)
        .iter()
        .any(|c| c.security_context.and_then(|sc| sc.privileged) == Some(true));
    let host_ns = [spec.host_network, spec.host_pid, spec.host_ipc].contains(&Some(true));
    let host_path = spec.volumes.iter().flatten().any(|v| v.host_path.is_some());
    privileged || host_ns || host_path
}

fn has_secrets_access(site: &PodSpecSite<'_>) -> bool {
    let volumes = site.spec.volumes.iter().flatten().any(|v| v.secret.is_some());
    let env = crate::containers::containers(site.spec).iter().any(|c| {
        c.env_from.iter().any(|e| e.secret_ref.is_some())
            || c.env.iter().any(|e| e.value_from.as_ref().is_some_and(|f| f.secret_key_ref.is_some()))
    });
    volumes || env
}

/// Desired pods of every replicated workload, by (kind, namespace, name): `replicas`, or a
/// Job's `parallelism`.
fn replica_counts(inv: &Inventory) -> HashMap<(&'static str, &str, &str), i32> {
    let replicated = (inv.deployments.iter())
        .map(|o| ("Deployment", &o.metadata, o.spec.as_ref().and_then(|s| s.replicas)))
        .chain(inv.stateful_sets.iter().map(|o| ("StatefulSet", &o.metadata, o.spec.as_ref().and_then(|s| s.replicas))))
        .chain(inv.replica_sets.iter().map(|o| ("ReplicaSet", &o.metadata, o.spec.as_ref().and_then(|s| s.replicas))))
        .chain(
            (inv.replication_controllers.iter())
                .map(|o| ("ReplicationController", &o.metadata, o.spec.as_ref().and_then(|s| s.replicas))),
        )
        .chain(inv.jobs.iter().map(|o| ("Job", &o.metadata, o.spec.as_ref().and_then(|s| s.parallelism))));
    replicated
        .filter_map(|(kind, meta, n)| Some(((kind, meta.namespace.as_deref()?, meta.name.as_deref()?), n?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use serde_json::json;

    #[test]
    fn internet_facing_privileged_replicated_workloads_weigh_more() {
        let mut inv = Inventory::default();
        inv.add_object(&json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "x"}, "spec": {"replicas": 4, "selector": {},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "securityContext": {"privileged": true}}]}}}})).unwrap();
        inv.add_object(&json!({"kind": "Service", "metadata": {"name": "web", "namespace": "x"}, "spec": {"type": "LoadBalancer", "selector": {"app": "web"}}})).unwrap();
        inv.add_object(
            &json!({"kind": "Deployment", "metadata": {"name": "batch", "namespace": "x"}, "spec": {"selector": {},
            "template": {"metadata": {"labels": {"app": "batch"}}, "spec": {"containers": [{"name": "c"}]}}}}),
        )
        .unwrap();
        let index = ExposureIndex::new(&inv);
        let web = index.of(&ObjectRef { kind: "Deployment".into(), namespace: Some("x".into()), name: "web".into() });
        assert!(web.internet_facing && web.host_access && !web.secrets_access);
        assert_eq!(web.pods, 4);
        assert_eq!(web.exposure_factor() * web.blast_radius(), 2.0 * 1.5 * 3.0);
        let batch =
            index.of(&ObjectRef { kind: "Deployment".into(), namespace: Some("x".into()), name: "batch".into() });
        assert_eq!(batch.exposure_factor() * batch.blast_radius(), 1.0);
    }
}
