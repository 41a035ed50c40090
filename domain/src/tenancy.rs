//! Namespace → tenant mapping.
//!
//! A tenant is a team. A namespace belongs to the tenant named by its tenant label
//! (`rampart.io/tenant` by default); otherwise `kube-*` namespaces belong to `platform`, and
//! every other namespace to `unassigned`.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Namespace;

/// The default namespace label naming a namespace's tenant.
pub const DEFAULT_TENANT_LABEL: &str = "rampart.io/tenant";
/// The tenant of the cluster's own system namespaces and cluster-scoped objects.
pub const PLATFORM_TENANT: &str = "platform";
/// The tenant of namespaces that no rule maps.
pub const UNASSIGNED_TENANT: &str = "unassigned";

/// How namespaces are mapped to tenants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantMapping {
    /// The namespace label whose value names the tenant.
    pub label_key: String,
}

impl Default for TenantMapping {
    fn default() -> Self {
        TenantMapping { label_key: DEFAULT_TENANT_LABEL.to_string() }
    }
}

impl TenantMapping {
    /// The tenant a namespace belongs to.
    pub fn tenant_of(&self, namespace: &Namespace) -> String {
        let name = namespace.metadata.name.as_deref().unwrap_or_default();
        let label = namespace
            .metadata
            .labels
            .as_ref()
            .and_then(|labels| labels.get(&self.label_key))
            .filter(|value| !value.is_empty());
        match label {
            Some(tenant) => tenant.clone(),
            None => tenant_by_name(name).to_string(),
        }
    }

    /// Resolves every namespace of a cluster at once.
    pub fn resolve(&self, namespaces: &[Namespace]) -> TenantIndex {
        let by_namespace =
            namespaces.iter().map(|ns| (ns.metadata.name.clone().unwrap_or_default(), self.tenant_of(ns))).collect();
        TenantIndex { by_namespace }
    }
}

fn tenant_by_name(namespace: &str) -> &'static str {
    if namespace.starts_with("kube-") { PLATFORM_TENANT } else { UNASSIGNED_TENANT }
}

/// The resolved tenant of every namespace in one collection.
#[derive(Debug, Clone, Default)]
pub struct TenantIndex {
    by_namespace: HashMap<String, String>,
}

impl TenantIndex {
    /// The tenant of a namespace; namespaces not listed are mapped by name alone, and
    /// cluster-scoped objects (`None`) belong to the platform tenant.
    pub fn tenant(&self, namespace: Option<&str>) -> String {
        match namespace {
            None => PLATFORM_TENANT.to_string(),
            Some(ns) => self.by_namespace.get(ns).cloned().unwrap_or_else(|| tenant_by_name(ns).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ns(name: &str, labels: serde_json::Value) -> Namespace {
        serde_json::from_value(json!({"metadata": {"name": name, "labels": labels}})).unwrap()
    }

    #[test]
    fn tenant_label_names_the_tenant() {
        let mapping = TenantMapping::default();
        assert_eq!(mapping.tenant_of(&ns("vision-prod", json!({"rampart.io/tenant": "vision"}))), "vision");
    }

    #[test]
    fn kube_namespaces_belong_to_platform() {
        assert_eq!(TenantMapping::default().tenant_of(&ns("kube-system", json!({}))), "platform");
    }

    #[test]
    fn unlabelled_namespaces_are_unassigned() {
        assert_eq!(TenantMapping::default().tenant_of(&ns("sandbox", json!({}))), "unassigned");
    }

    #[test]
    fn label_key_is_configurable() {
        let mapping = TenantMapping { label_key: "team".into() };
        let namespace = ns("a", json!({"team": "nlp", "rampart.io/tenant": "other"}));
        assert_eq!(mapping.tenant_of(&namespace), "nlp");
    }

    #[test]
    fn cluster_scoped_objects_belong_to_platform() {
        let index = TenantMapping::default().resolve(&[]);
        assert_eq!(index.tenant(None), "platform");
        assert_eq!(index.tenant(Some("unknown")), "unassigned");
    }
}
