//! Namespace → tenant mapping.
//!
//! A tenant is a team. A namespace belongs to the tenant the first matching rule names: by
//! default the one rule is the tenant label (`rampart.io/tenant`); a cluster's configuration can
//! add explicit namespace lists and name patterns, in any order. A namespace no rule matches
//! belongs to `platform` when it is a `kube-*` namespace, else to `unassigned`.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Namespace;

/// The default namespace label naming a namespace's tenant.
pub const DEFAULT_TENANT_LABEL: &str = "rampart.io/tenant";
/// The tenant of the cluster's own system namespaces and cluster-scoped objects.
pub const PLATFORM_TENANT: &str = "platform";
/// The tenant of namespaces that no rule maps.
pub const UNASSIGNED_TENANT: &str = "unassigned";

/// How namespaces are mapped to tenants: rules tried in order, the first that matches naming
/// the tenant; a namespace no rule matches is mapped by name (`kube-*` to `platform`, the rest
/// to `unassigned`).
#[derive(Debug, Clone, PartialEq)]
pub struct TenantMapping {
    pub rules: Vec<TenantRule>,
}

/// One way of naming a namespace's tenant.
#[derive(Debug, Clone)]
pub enum TenantRule {
    /// The value of this namespace label, when set and not empty.
    Label(String),
    /// These namespaces, by name, belong to `tenant`.
    Namespaces { namespaces: Vec<String>, tenant: String },
    /// A namespace whose whole name matches `pattern` belongs to `tenant`, in which `$1` or
    /// `$name` stand for the pattern's capture groups (`^team-(?P<team>[a-z]+)-.*$` with
    /// `$team`).
    Pattern { pattern: regex::Regex, tenant: String },
}

impl PartialEq for TenantRule {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (TenantRule::Label(a), TenantRule::Label(b)) => a == b,
            (
                TenantRule::Namespaces { namespaces: a, tenant: ta },
                TenantRule::Namespaces { namespaces: b, tenant: tb },
            ) => a == b && ta == tb,
            (TenantRule::Pattern { pattern: a, tenant: ta }, TenantRule::Pattern { pattern: b, tenant: tb }) => {
                a.as_str() == b.as_str() && ta == tb
            }
            _ => false,
        }
    }
}

impl TenantRule {
    /// A name-pattern rule; an error names what is wrong with the pattern.
    pub fn pattern(pattern: &str, tenant: &str) -> Result<TenantRule, String> {
        let pattern = regex::Regex::new(pattern).map_err(|e| format!("invalid pattern {pattern:?}: {e}"))?;
        Ok(TenantRule::Pattern { pattern, tenant: tenant.to_string() })
    }

    /// The tenant this rule gives `name` (labels `labels`), if it matches.
    fn tenant_for(&self, name: &str, labels: Option<&std::collections::BTreeMap<String, String>>) -> Option<String> {
        match self {
            TenantRule::Label(key) => labels.and_then(|l| l.get(key)).filter(|v| !v.is_empty()).cloned(),
            TenantRule::Namespaces { namespaces, tenant } => {
                namespaces.iter().any(|n| n == name).then(|| tenant.clone())
            }
            TenantRule::Pattern { pattern, tenant } => {
                let captures = pattern.captures(name).filter(|c| c.get(0).is_some_and(|m| m.as_str() == name))?;
                let mut expanded = String::new();
                captures.expand(tenant, &mut expanded);
                (!expanded.is_empty()).then_some(expanded)
            }
        }
    }
}

impl Default for TenantMapping {
    fn default() -> Self {
        TenantMapping::by_label(DEFAULT_TENANT_LABEL)
    }
}

impl TenantMapping {
    /// Tenants named by one namespace label only.
    pub fn by_label(key: &str) -> Self {
        TenantMapping { rules: vec![TenantRule::Label(key.to_string())] }
    }

    /// The tenant a namespace belongs to.
    pub fn tenant_of(&self, namespace: &Namespace) -> String {
        let name = namespace.metadata.name.as_deref().unwrap_or_default();
        let labels = namespace.metadata.labels.as_ref();
        self.rules
            .iter()
            .find_map(|rule| rule.tenant_for(name, labels))
            .unwrap_or_else(|| tenant_by_name(name).to_string())
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
        let mapping = TenantMapping::by_label("team");
        let namespace = ns("a", json!({"team": "nlp", "rampart.io/tenant": "other"}));
        assert_eq!(mapping.tenant_of(&namespace), "nlp");
    }

    #[test]
    fn cluster_scoped_objects_belong_to_platform() {
        let index = TenantMapping::default().resolve(&[]);
        assert_eq!(index.tenant(None), "platform");
        assert_eq!(index.tenant(Some("unknown")), "unassigned");
    }

    #[test]
    fn the_first_matching_rule_names_the_tenant() {
        let mapping = TenantMapping {
            rules: vec![
                TenantRule::Namespaces { namespaces: vec!["payments".into()], tenant: "fintech".into() },
                TenantRule::Label("team".into()),
                TenantRule::Pattern {
                    pattern: regex::Regex::new(r"^ml-(?P<team>[a-z]+)-.*$").unwrap(),
                    tenant: "$team".into(),
                },
            ],
        };
        assert_eq!(mapping.tenant_of(&ns("payments", json!({"team": "other"}))), "fintech", "the list comes first");
        assert_eq!(mapping.tenant_of(&ns("ml-vision-prod", json!({"team": "nlp"}))), "nlp", "then the label");
        assert_eq!(mapping.tenant_of(&ns("ml-vision-prod", json!({}))), "vision", "then the pattern's group");
        assert_eq!(mapping.tenant_of(&ns("xml-vision-prod", json!({}))), "unassigned", "the whole name must match");
        assert_eq!(mapping.tenant_of(&ns("kube-system", json!({}))), "platform", "no rule: by name");
    }
}
