//! Kubernetes' API deprecation schedule, as data: which `apiVersion` of which kind was
//! deprecated in which release, removed in which, and what replaces it. Manifests in
//! repositories are full of removed versions; `rampart scan` reads them (as the current version
//! when the schema maps onto it, so their pod templates are assessed like any other) and
//! reports them with `api.removed-version` and `api.deprecated-version`.
//!
//! Source: the Kubernetes deprecated API migration guide, up to release 1.35.

use serde_json::{Value, json};

/// One kind's version that Kubernetes deprecated, and perhaps removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiChange {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The release that deprecated it (`1.16`).
    pub deprecated_in: &'static str,
    /// The release that stopped serving it; `None` while it is still served.
    pub removed_in: Option<&'static str>,
    /// What to use instead, as a person would write it (`apps/v1`).
    pub replacement: &'static str,
    /// The current `apiVersion` Rampart reads an object of this version as, when its schema
    /// maps onto it; `None` for kinds no rule reads.
    pub reads_as: Option<&'static str>,
}

const fn removed(
    api_version: &'static str,
    kind: &'static str,
    deprecated_in: &'static str,
    removed_in: &'static str,
    replacement: &'static str,
    reads_as: Option<&'static str>,
) -> ApiChange {
    ApiChange { api_version, kind, deprecated_in, removed_in: Some(removed_in), replacement, reads_as }
}

const fn deprecated(
    api_version: &'static str,
    kind: &'static str,
    deprecated_in: &'static str,
    replacement: &'static str,
) -> ApiChange {
    ApiChange { api_version, kind, deprecated_in, removed_in: None, replacement, reads_as: None }
}

const APPS: Option<&str> = Some("apps/v1");
const RBAC: Option<&str> = Some("rbac.authorization.k8s.io/v1");
const NETWORKING: Option<&str> = Some("networking.k8s.io/v1");

/// Every deprecated or removed version of a kind, in release order.
pub const API_CHANGES: &[ApiChange] = &[
    removed("extensions/v1beta1", "Deployment", "1.9", "1.16", "apps/v1", APPS),
    removed("extensions/v1beta1", "DaemonSet", "1.9", "1.16", "apps/v1", APPS),
    removed("extensions/v1beta1", "ReplicaSet", "1.9", "1.16", "apps/v1", APPS),
    removed("extensions/v1beta1", "NetworkPolicy", "1.9", "1.16", "networking.k8s.io/v1", NETWORKING),
    removed("extensions/v1beta1", "PodSecurityPolicy", "1.11", "1.16", "policy/v1beta1", None),
    removed("apps/v1beta1", "Deployment", "1.9", "1.16", "apps/v1", APPS),
    removed("apps/v1beta1", "StatefulSet", "1.9", "1.16", "apps/v1", APPS),
    removed("apps/v1beta2", "Deployment", "1.9", "1.16", "apps/v1", APPS),
    removed("apps/v1beta2", "StatefulSet", "1.9", "1.16", "apps/v1", APPS),
    removed("apps/v1beta2", "DaemonSet", "1.9", "1.16", "apps/v1", APPS),
    removed("apps/v1beta2", "ReplicaSet", "1.9", "1.16", "apps/v1", APPS),
    removed("batch/v2alpha1", "CronJob", "1.8", "1.21", "batch/v1", Some("batch/v1")),
    removed("extensions/v1beta1", "Ingress", "1.14", "1.22", "networking.k8s.io/v1", NETWORKING),
    removed("networking.k8s.io/v1beta1", "Ingress", "1.19", "1.22", "networking.k8s.io/v1", NETWORKING),
    removed("networking.k8s.io/v1beta1", "IngressClass", "1.19", "1.22", "networking.k8s.io/v1", None),
    removed("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.17", "1.22", "rbac.authorization.k8s.io/v1", RBAC),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        "1.17",
        "1.22",
        "rbac.authorization.k8s.io/v1",
        RBAC,
    ),
    removed("rbac.authorization.k8s.io/v1beta1", "Role", "1.17", "1.22", "rbac.authorization.k8s.io/v1", RBAC),
    removed("rbac.authorization.k8s.io/v1beta1", "RoleBinding", "1.17", "1.22", "rbac.authorization.k8s.io/v1", RBAC),
    removed("rbac.authorization.k8s.io/v1alpha1", "ClusterRole", "1.17", "1.22", "rbac.authorization.k8s.io/v1", RBAC),
    removed(
        "rbac.authorization.k8s.io/v1alpha1",
        "ClusterRoleBinding",
        "1.17",
        "1.22",
        "rbac.authorization.k8s.io/v1",
        RBAC,
    ),
    removed("rbac.authorization.k8s.io/v1alpha1", "Role", "1.17", "1.22", "rbac.authorization.k8s.io/v1", RBAC),
    removed("rbac.authorization.k8s.io/v1alpha1", "RoleBinding", "1.17", "1.22", "rbac.authorization.k8s.io/v1", RBAC),
    removed(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "1.16",
        "1.22",
        "admissionregistration.k8s.io/v1",
        None,
    ),
    removed(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        "1.16",
        "1.22",
        "admissionregistration.k8s.io/v1",
        None,
    ),
    removed(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "1.16",
        "1.22",
        "apiextensions.k8s.io/v1",
        None,
    ),
    removed("apiregistration.k8s.io/v1beta1", "APIService", "1.19", "1.22", "apiregistration.k8s.io/v1", None),
    removed("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.19", "1.22", "certificates.k8s.io/v1", None),
    removed("coordination.k8s.io/v1beta1", "Lease", "1.14", "1.22", "coordination.k8s.io/v1", None),
    removed("scheduling.k8s.io/v1beta1", "PriorityClass", "1.14", "1.22", "scheduling.k8s.io/v1", None),
    removed("storage.k8s.io/v1beta1", "CSIDriver", "1.19", "1.22", "storage.k8s.io/v1", None),
    removed("storage.k8s.io/v1beta1", "CSINode", "1.17", "1.22", "storage.k8s.io/v1", None),
    removed("storage.k8s.io/v1beta1", "StorageClass", "1.19", "1.22", "storage.k8s.io/v1", None),
    removed("storage.k8s.io/v1beta1", "VolumeAttachment", "1.19", "1.22", "storage.k8s.io/v1", None),
    removed("batch/v1beta1", "CronJob", "1.21", "1.25", "batch/v1", Some("batch/v1")),
    removed("discovery.k8s.io/v1beta1", "EndpointSlice", "1.21", "1.25", "discovery.k8s.io/v1", None),
    removed("events.k8s.io/v1beta1", "Event", "1.22", "1.25", "events.k8s.io/v1", None),
    removed("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.22", "1.25", "autoscaling/v2", None),
    removed("policy/v1beta1", "PodDisruptionBudget", "1.21", "1.25", "policy/v1", None),
    removed(
        "policy/v1beta1",
        "PodSecurityPolicy",
        "1.21",
        "1.25",
        "no replacement: enforce the Pod Security Standards with Pod Security Admission namespace labels",
        None,
    ),
    removed("node.k8s.io/v1beta1", "RuntimeClass", "1.20", "1.25", "node.k8s.io/v1", None),
    removed("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.23", "1.26", "autoscaling/v2", None),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        "1.23",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
        None,
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        "1.23",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
        None,
    ),
    removed("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.24", "1.27", "storage.k8s.io/v1", None),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        "1.26",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
        None,
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        "1.26",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
        None,
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        "1.29",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
        None,
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        "1.29",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
        None,
    ),
    deprecated("v1", "ComponentStatus", "1.19", "no replacement: probe each component's health endpoint"),
    deprecated("v1", "Endpoints", "1.33", "discovery.k8s.io/v1 EndpointSlice"),
];

/// The deprecation of this `apiVersion` of `kind`, if Kubernetes deprecated it.
pub fn change_for(api_version: &str, kind: &str) -> Option<&'static ApiChange> {
    API_CHANGES.iter().find(|c| c.api_version == api_version && c.kind == kind)
}

impl ApiChange {
    /// What a finding says of an object using this version.
    pub fn describe(&self) -> String {
        match self.removed_in {
            Some(removed) => format!(
                "{} {} was deprecated in Kubernetes {} and removed in Kubernetes {removed}; use {}",
                self.kind, self.api_version, self.deprecated_in, self.replacement
            ),
            None => format!(
                "{} {} is deprecated since Kubernetes {} and still served; use {}",
                self.kind, self.api_version, self.deprecated_in, self.replacement
            ),
        }
    }

    /// `object` as its current version ([`ApiChange::reads_as`]), or `None` when no rule reads
    /// the kind. A Deployment, DaemonSet, ReplicaSet or StatefulSet without a selector gets the
    /// one its old version defaulted (its template's labels); an Ingress's `serviceName` and
    /// `servicePort` backends become `service.name` and `service.port`.
    pub fn upgraded(&self, object: &Value) -> Option<Value> {
        let reads_as = self.reads_as?;
        let mut object = object.clone();
        object.as_object_mut()?.insert("apiVersion".into(), reads_as.into());
        match self.kind {
            "Deployment" | "DaemonSet" | "ReplicaSet" | "StatefulSet" => default_selector(&mut object),
            "Ingress" => upgrade_ingress(&mut object),
            _ => {}
        }
        Some(object)
    }
}

fn default_selector(object: &mut Value) {
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else { return };
    if spec.get("selector").is_none_or(Value::is_null) {
        let labels =
            spec.get("template").and_then(|t| t["metadata"]["labels"].as_object()).cloned().unwrap_or_default();
        spec.insert("selector".into(), json!({"matchLabels": labels}));
    }
}

fn upgrade_ingress(object: &mut Value) {
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else { return };
    if let Some(mut backend) = spec.remove("backend") {
        upgrade_backend(&mut backend);
        spec.insert("defaultBackend".into(), backend);
    }
    // Whatever shape the document has, nothing is indexed into a value that is not an object.
    let rules = spec.get_mut("rules").and_then(Value::as_array_mut).into_iter().flatten();
    let paths = rules.filter_map(|rule| rule.get_mut("http")?.get_mut("paths")?.as_array_mut()).flatten();
    for path in paths.filter_map(Value::as_object_mut) {
        if path.get("pathType").is_none_or(Value::is_null) {
            path.insert("pathType".into(), "ImplementationSpecific".into());
        }
        if let Some(backend) = path.get_mut("backend") {
            upgrade_backend(backend);
        }
    }
}

fn upgrade_backend(backend: &mut Value) {
    let Some(fields) = backend.as_object_mut() else { return };
    let (Some(name), port) = (fields.remove("serviceName"), fields.remove("servicePort")) else { return };
    let port = match port {
        Some(Value::String(name)) => json!({"name": name}),
        Some(number) => json!({"number": number}),
        None => json!({}),
    };
    fields.insert("service".into(), json!({"name": name, "port": port}));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_unique_and_removed_after_it_was_deprecated() {
        let release = |v: &str| v.split_once('.').map(|(a, b)| (a.parse::<u32>().unwrap(), b.parse::<u32>().unwrap()));
        for (i, change) in API_CHANGES.iter().enumerate() {
            assert!(
                API_CHANGES[..i].iter().all(|c| (c.api_version, c.kind) != (change.api_version, change.kind)),
                "{change:?} listed twice"
            );
            if let Some(removed) = change.removed_in {
                assert!(release(removed) > release(change.deprecated_in), "{change:?}");
            }
        }
    }

    #[test]
    fn an_old_ingress_of_any_shape_is_read_without_a_panic() {
        let change = change_for("extensions/v1beta1", "Ingress").unwrap();
        for spec in [json!({"rules": ["x", {"http": "y"}, {"http": {"paths": [3, {"backend": "z"}]}}]}), json!("spec")]
        {
            let odd = json!({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "spec": spec});
            assert!(change.upgraded(&odd).is_some());
        }
    }

    #[test]
    fn an_old_ingress_reads_as_networking_v1() {
        let change = change_for("extensions/v1beta1", "Ingress").unwrap();
        let old = json!({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "w"},
            "spec": {"backend": {"serviceName": "web", "servicePort": 80},
                     "rules": [{"http": {"paths": [{"path": "/", "backend": {"serviceName": "web", "servicePort": "http"}}]}}]}});
        let new = change.upgraded(&old).unwrap();
        assert_eq!(new["apiVersion"], "networking.k8s.io/v1");
        assert_eq!(new["spec"]["defaultBackend"], json!({"service": {"name": "web", "port": {"number": 80}}}));
        let path = &new["spec"]["rules"][0]["http"]["paths"][0];
        assert_eq!(path["backend"], json!({"service": {"name": "web", "port": {"name": "http"}}}));
        assert_eq!(path["pathType"], "ImplementationSpecific");
    }
}
