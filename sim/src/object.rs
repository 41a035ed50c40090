//! The metadata every simulated object carries: names, uids, owner references and the
//! creation time, the same for every kind.

use serde_json::{Value, json};

pub(crate) const CREATED: &str = "2026-01-05T09:00:00Z";

pub(crate) fn meta(name: &str, namespace: Option<&str>, uid: &str) -> Value {
    let mut m = json!({"name": name, "uid": uid, "creationTimestamp": CREATED, "resourceVersion": "1"});
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

pub(crate) fn owner(api_version: &str, kind: &str, name: &str) -> Value {
    json!([{"apiVersion": api_version, "kind": kind, "name": name, "uid": format!("uid-{kind}-{name}"),
            "controller": true, "blockOwnerDeletion": true}])
}

pub(crate) fn uid(kind: &str, ns: &str, name: &str) -> String {
    format!("uid-{kind}-{ns}-{name}")
}
