//! The metadata every simulated object carries, as a real API server gives it: names, UUID
//! uids (an owner reference carries its owner's), distinct creation times, resource versions
//! that move only when the object changes (see [`finish`]), and on some objects the
//! `managedFields` and `kubectl apply` annotation a collector must drop.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::{Value, json};

/// When the simulated cluster's objects were first created; every object is created at some
/// point in the 30 days after.
pub(crate) const CREATED: &str = "2026-01-05T09:00:00Z";
pub(crate) const CREATED_UNIX: i64 = 1_767_603_600;
/// The simulated clock when a cluster is generated: after every object's creation time.
pub(crate) const GENERATED_AT: i64 = CREATED_UNIX + 31 * 86_400;

fn hash(parts: &[&str], salt: u64) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    salt.hash(&mut hasher);
    parts.hash(&mut hasher);
    hasher.finish()
}

pub(crate) fn meta(name: &str, namespace: Option<&str>, uid: &str) -> Value {
    let seconds = CREATED_UNIX + (hash(&[uid], 7) % (30 * 86_400)) as i64;
    let created = timestamp(seconds);
    let mut m = json!({"name": name, "uid": uid, "creationTimestamp": created, "resourceVersion": "1"});
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

/// `seconds` since the epoch as RFC 3339 UTC, without a date library.
pub(crate) fn timestamp(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The controlling owner reference to the object of `kind` `name` in `namespace` (none for a
/// cluster-scoped owner), carrying that object's uid.
pub(crate) fn owner(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Value {
    json!([{"apiVersion": api_version, "kind": kind, "name": name, "uid": uid(kind, namespace.unwrap_or(""), name),
            "controller": true, "blockOwnerDeletion": true}])
}

/// The object's uid: a version-4-shaped UUID, stable for the same kind, namespace and name.
pub(crate) fn uid(kind: &str, ns: &str, name: &str) -> String {
    let (a, b) = (hash(&[kind, ns, name], 1), hash(&[kind, ns, name], 2));
    let hex = format!("{a:016x}{b:016x}");
    format!("{}-{}-4{}-a{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// What [`finish`] remembers between renders: each object's content and resource version.
#[derive(Debug, Default, Clone)]
pub(crate) struct Versions {
    by_uid: HashMap<String, (u64, u64)>,
    /// The newest resource version given out.
    pub(crate) latest: u64,
}

/// Gives every rendered object what a real API server adds: a resource version that moves
/// only when the object changed (from one counter, so versions increase), and on every third
/// Deployment, ConfigMap and Secret the `managedFields` and the `kubectl apply` annotation
/// (a copy of the object as applied) that a collector must never store.
pub(crate) fn finish(objects: &mut std::collections::BTreeMap<&'static str, Vec<Value>>, versions: &mut Versions) {
    for (plural, list) in objects.iter_mut() {
        for object in list.iter_mut() {
            let uid = object["metadata"]["uid"].as_str().unwrap_or_default().to_string();
            if matches!(*plural, "deployments" | "configmaps" | "secrets") && hash(&[&uid], 3) % 3 == 0 {
                add_apply_history(object);
            }
            object["metadata"]["resourceVersion"] = json!("0");
            let content = hash(&[&object.to_string()], 4);
            let version = match versions.by_uid.get(&uid) {
                Some((seen, version)) if *seen == content => *version,
                _ => {
                    versions.latest += 1;
                    versions.by_uid.insert(uid, (content, versions.latest));
                    versions.latest
                }
            };
            object["metadata"]["resourceVersion"] = json!(version.to_string());
        }
    }
}

fn add_apply_history(object: &mut Value) {
    let mut applied = json!({"apiVersion": object["apiVersion"], "kind": object["kind"],
        "metadata": {"name": object["metadata"]["name"], "namespace": object["metadata"]["namespace"]}});
    for key in ["spec", "data", "stringData"] {
        if let Some(value) = object.get(key) {
            applied[key] = value.clone();
        }
    }
    let (api_version, time) = (object["apiVersion"].clone(), object["metadata"]["creationTimestamp"].clone());
    let metadata = &mut object["metadata"];
    if !metadata["annotations"].is_object() {
        metadata["annotations"] = json!({});
    }
    metadata["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = json!(applied.to_string());
    metadata["managedFields"] = json!([{
        "manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": api_version,
        "time": time, "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}}}
    }]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_uuids_and_times_are_rfc3339() {
        let id = uid("Pod", "ns", "p");
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(timestamp(CREATED_UNIX), CREATED);
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z");
    }
}
