//! Storage: each team namespace claims a models volume on its own NFS export, and the first
//! two teams' datasets volumes share one export (a cross-tenant storage misconfiguration).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::NamespaceModel;
use crate::object::{meta, uid};

const NFS_SERVER: &str = "nfs.storage.internal";

/// Renders the PersistentVolumes and PersistentVolumeClaims of the team namespaces.
pub(crate) fn render_storage(namespaces: &[NamespaceModel], out: &mut BTreeMap<&'static str, Vec<Value>>) {
    let teams: Vec<&NamespaceModel> = namespaces.iter().filter(|n| n.team && n.tenant.is_some()).collect();
    let mut first_of_tenant: Vec<&NamespaceModel> = Vec::new();
    for ns in &teams {
        if !first_of_tenant.iter().any(|f| f.tenant == ns.tenant) {
            first_of_tenant.push(ns);
        }
    }
    for ns in &teams {
        volume(&ns.name, "models", &format!("/exports/{}/models", ns.name), out);
    }
    for ns in first_of_tenant.iter().take(2) {
        volume(&ns.name, "datasets", "/exports/shared/datasets", out);
    }
}

fn volume(namespace: &str, claim: &str, path: &str, out: &mut BTreeMap<&'static str, Vec<Value>>) {
    let pv_name = format!("pv-{namespace}-{claim}");
    out.entry("persistentvolumes").or_default().push(json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": meta(&pv_name, None, &uid("PersistentVolume", "", &pv_name)),
        "spec": {"capacity": {"storage": "500Gi"}, "accessModes": ["ReadWriteMany"],
                 "nfs": {"server": NFS_SERVER, "path": path},
                 "claimRef": {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": claim},
                 "persistentVolumeReclaimPolicy": "Retain"},
        "status": {"phase": "Bound"}
    }));
    out.entry("persistentvolumeclaims").or_default().push(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": meta(claim, Some(namespace), &uid("PersistentVolumeClaim", namespace, claim)),
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "500Gi"}}, "volumeName": pv_name},
        "status": {"phase": "Bound"}
    }));
}
