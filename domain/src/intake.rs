//! Adding objects to an inventory from their JSON form, as manifests and API responses carry
//! them: one place that knows which kinds Rampart reads.

use std::borrow::Cow;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api_versions::change_for;
use crate::finding::ObjectRef;
use crate::inventory::{Inventory, OutdatedApi, trim_metadata};
use crate::trivy::TrivyReports;

/// Why an object could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {name:?} is not a valid {kind}: {message}")]
pub struct IntakeError {
    pub kind: String,
    pub name: String,
    pub message: String,
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// Added; this is its reference.
    Added(ObjectRef),
    /// A kind no rule reads (named here), left out.
    Skipped(String),
}

/// Kinds that have no namespace: a manifest's object of these kinds is never given one.
const CLUSTER_SCOPED: [&str; 6] =
    ["Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "AuthorizationConfiguration"];

impl Inventory {
    /// Adds one object as an API server sends it (a `kind: List` or `PodList` adds its items).
    /// Secrets keep their metadata only.
    pub fn add_object(&mut self, value: &Value) -> Result<Vec<Intake>, IntakeError> {
        self.add(value, None)
    }

    /// Adds one document of a manifest file, as `kubectl apply --namespace <namespace>` would
    /// read it: a namespaced object without `metadata.namespace` is in `namespace`.
    pub fn add_manifest(&mut self, value: &Value, namespace: &str) -> Result<Vec<Intake>, IntakeError> {
        self.add(value, Some(namespace))
    }

    fn add(&mut self, value: &Value, default_namespace: Option<&str>) -> Result<Vec<Intake>, IntakeError> {
        let kind = value["kind"].as_str().unwrap_or_default();
        if kind.ends_with("List")
            && let Some(items) = value.get("items").and_then(Value::as_array)
        {
            // A typed list's items carry no kind or apiVersion of their own: they are the list's.
            let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
            let mut added = Vec::new();
            for item in items {
                let item = match item_kind {
                    Some(item_kind) if item.is_object() && item.get("kind").is_none() => {
                        let mut item = item.clone();
                        item["kind"] = item_kind.into();
                        if let Some(api_version) = value.get("apiVersion") {
                            item["apiVersion"] = api_version.clone();
                        }
                        Cow::Owned(item)
                    }
                    _ => Cow::Borrowed(item),
                };
                added.extend(self.add(&item, default_namespace)?);
            }
            return Ok(added);
        }
        let namespace = default_namespace.filter(|_| !CLUSTER_SCOPED.contains(&kind));
        let upgraded;
        let value = match change_for(value["apiVersion"].as_str().unwrap_or_default(), kind) {
            Some(change) => {
                self.outdated_apis.push(OutdatedApi { object: reference(value, namespace), change });
                match change.upgraded(value) {
                    Some(current) => {
                        upgraded = current;
                        &upgraded
                    }
                    None => value,
                }
            }
            None => value,
        };
        let reference = match kind {
            "Namespace" => push(&mut self.namespaces, value, namespace)?,
            "Node" => push(&mut self.nodes, value, namespace)?,
            "Pod" => {
                let mut pods = Vec::with_capacity(1);
                let reference = push(&mut pods, value, namespace)?;
                self.pods.extend(pods);
                reference
            }
            "Deployment" => push(&mut self.deployments, value, namespace)?,
            "StatefulSet" => push(&mut self.stateful_sets, value, namespace)?,
            "DaemonSet" => push(&mut self.daemon_sets, value, namespace)?,
            "ReplicaSet" => push(&mut self.replica_sets, value, namespace)?,
            "Job" => push(&mut self.jobs, value, namespace)?,
            "CronJob" => push(&mut self.cron_jobs, value, namespace)?,
            "ReplicationController" => push(&mut self.replication_controllers, value, namespace)?,
            "Service" => push(&mut self.services, value, namespace)?,
            "Ingress" => push(&mut self.ingresses, value, namespace)?,
            "NetworkPolicy" => push(&mut self.network_policies, value, namespace)?,
            "ResourceQuota" => push(&mut self.resource_quotas, value, namespace)?,
            "LimitRange" => push(&mut self.limit_ranges, value, namespace)?,
            "ServiceAccount" => push(&mut self.service_accounts, value, namespace)?,
            "Role" => push(&mut self.roles, value, namespace)?,
            "RoleBinding" => push(&mut self.role_bindings, value, namespace)?,
            "ClusterRole" => push(&mut self.cluster_roles, value, namespace)?,
            "ClusterRoleBinding" => push(&mut self.cluster_role_bindings, value, namespace)?,
            "ConfigMap" => push(&mut self.config_maps, value, namespace)?,
            "PersistentVolume" => push(&mut self.persistent_volumes, value, namespace)?,
            "PersistentVolumeClaim" => push(&mut self.persistent_volume_claims, value, namespace)?,
            "Secret" => {
                let mut meta: ObjectMeta = parse(value)?;
                trim_metadata(&mut meta);
                default_namespace_of(&mut meta, namespace);
                let reference = ObjectRef::from_meta(kind, &meta);
                self.secrets.push(meta);
                reference
            }
            trivy if crate::trivy::REPORT_KINDS.iter().any(|(k, _)| *k == trivy) => {
                let reference = report_reference(value);
                self.trivy
                    .get_or_insert_with(TrivyReports::default)
                    .add(trivy, value.clone())
                    .map_err(|e| error(value, e.to_string()))?;
                reference
            }
            "PodMetrics" => push_report(self.pod_metrics.get_or_insert_with(Vec::new), value)?,
            "AuthorizationConfiguration" => push_report(&mut self.authorization_configs, value)?,
            "" => return Ok(vec![Intake::Skipped("(no kind)".into())]),
            other => match crate::custom_workloads::custom_workload(value) {
                Some(mut workload) => {
                    trim_metadata(&mut workload.metadata);
                    default_namespace_of(&mut workload.metadata, namespace);
                    let reference = ObjectRef::from_meta(other, &workload.metadata);
                    self.custom_workloads.push(workload);
                    reference
                }
                None => return Ok(vec![Intake::Skipped(other.to_string())]),
            },
        };
        Ok(vec![Intake::Added(reference)])
    }
}

/// The reference of an object as written, in `namespace` when it names none.
fn reference(value: &Value, namespace: Option<&str>) -> ObjectRef {
    let meta = &value["metadata"];
    ObjectRef {
        kind: value["kind"].as_str().unwrap_or_default().to_string(),
        namespace: meta["namespace"].as_str().or(namespace).map(str::to_string),
        name: meta["name"].as_str().unwrap_or_default().to_string(),
    }
}

fn default_namespace_of(meta: &mut ObjectMeta, namespace: Option<&str>) {
    if meta.namespace.as_deref().is_none_or(str::is_empty) {
        meta.namespace = namespace.map(str::to_string).or(meta.namespace.take());
    }
}

fn error(value: &Value, message: String) -> IntakeError {
    IntakeError {
        kind: value["kind"].as_str().unwrap_or_default().to_string(),
        name: value["metadata"]["name"].as_str().unwrap_or("(unnamed)").to_string(),
        message,
    }
}

fn parse<T: DeserializeOwned>(value: &Value) -> Result<T, IntakeError> {
    let target = if value["kind"] == "Secret" { &value["metadata"] } else { value };
    T::deserialize(target).map_err(|e| error(value, e.to_string()))
}

fn push<K: DeserializeOwned + k8s_openapi::Metadata<Ty = ObjectMeta>>(
    list: &mut Vec<K>,
    value: &Value,
    namespace: Option<&str>,
) -> Result<ObjectRef, IntakeError> {
    let mut object: K = parse(value)?;
    trim_metadata(object.metadata_mut());
    default_namespace_of(object.metadata_mut(), namespace);
    let reference = ObjectRef::from_meta(value["kind"].as_str().unwrap_or_default(), object.metadata());
    list.push(object);
    Ok(reference)
}

fn push_report<R: DeserializeOwned>(list: &mut Vec<R>, value: &Value) -> Result<ObjectRef, IntakeError> {
    let report: R = parse(value)?;
    list.push(report);
    Ok(report_reference(value))
}

fn report_reference(value: &Value) -> ObjectRef {
    ObjectRef {
        kind: value["kind"].as_str().unwrap_or_default().to_string(),
        namespace: value["metadata"]["namespace"].as_str().map(str::to_string),
        name: value["metadata"]["name"].as_str().unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::Intake;
    use crate::inventory::Inventory;
    use serde_json::json;

    #[test]
    fn lists_are_unpacked_and_unknown_kinds_skipped() {
        let mut inv = Inventory::default();
        let list = json!({"kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": []}},
            {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
        ]});
        let intake = inv.add_object(&list).unwrap();
        assert_eq!(inv.pods.len(), 1);
        assert_eq!(intake[1], Intake::Skipped("Widget".into()));
    }

    #[test]
    fn a_typed_list_gives_its_kind_to_object_items_only() {
        // Found by fuzzing: an item that is no object must not be indexed into.
        let mut inv = Inventory::default();
        let list = json!({"apiVersion": "v1", "kind": "@List", "items": ["List", 7, null,
            {"metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": []}}]});
        assert!(inv.add_object(&list).is_ok());
        let pods = json!({"apiVersion": "v1", "kind": "PodList", "items": ["x", {"metadata": {"name": "p", "namespace": "n"}}]});
        inv.add_object(&pods).unwrap();
        assert_eq!(inv.pods.len(), 1);
    }

    #[test]
    fn secrets_keep_metadata_only() {
        let mut inv = Inventory::default();
        let secret = json!({"kind": "Secret", "metadata": {"name": "db", "namespace": "n"}, "data": {"password": "aHVudGVyMg=="}});
        inv.add_object(&secret).unwrap();
        assert_eq!(inv.secrets.len(), 1);
        assert!(!format!("{inv:?}").contains("aHVudGVyMg"));
    }

    #[test]
    fn invalid_objects_are_named_in_the_error() {
        let mut inv = Inventory::default();
        let bad = json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": "three"}});
        let error = inv.add_object(&bad).unwrap_err();
        assert_eq!((error.kind.as_str(), error.name.as_str()), ("Deployment", "web"));
    }

    #[test]
    fn what_kubectl_apply_leaves_is_dropped_with_the_managed_fields() {
        let mut inv = Inventory::default();
        let meta = json!({"name": "db", "namespace": "shop",
            "annotations": {crate::inventory::LAST_APPLIED: "{\"data\":{\"password\":\"c2VjcmV0\"}}", "team": "shop"},
            "managedFields": [{"manager": "kubectl", "operation": "Apply"}]});
        inv.add_object(
            &json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {"password": "c2VjcmV0"}}),
        )
        .unwrap();
        inv.add_object(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta})).unwrap();
        let secret = &inv.secrets[0];
        assert_eq!(secret.annotations.as_ref().unwrap().keys().collect::<Vec<_>>(), ["team"]);
        assert!(secret.managed_fields.is_none());
        let config = &inv.config_maps[0].metadata;
        assert_eq!(config.annotations.as_ref().unwrap().keys().collect::<Vec<_>>(), ["team"]);
    }
}
