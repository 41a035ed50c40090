//! The bindings of a cluster, RoleBindings and ClusterRoleBindings alike, each with the rules of
//! the role it refers to: listed once per evaluation (in [`super::RuleInput`]) for every RBAC
//! rule, with the roles looked up through an index.

use std::collections::HashMap;

use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::authorization::{ResourceRequest, names_objects, rule_allows};
use crate::finding::ObjectRef;
use crate::inventory::Inventory;

/// One binding, RoleBinding or ClusterRoleBinding, with what it grants.
#[derive(Debug)]
pub struct Binding<'a> {
    pub kind: &'static str,
    pub meta: &'a ObjectMeta,
    pub role_ref: &'a RoleRef,
    pub subjects: &'a [Subject],
    pub rules: &'a [PolicyRule],
}

impl Binding<'_> {
    pub fn object(&self) -> ObjectRef {
        ObjectRef::from_meta(self.kind, self.meta)
    }

    pub fn name(&self) -> &str {
        self.meta.name.as_deref().unwrap_or_default()
    }

    pub fn grants(&self) -> String {
        format!("{} {:?}", self.role_ref.kind, self.role_ref.name)
    }

    pub fn subject_names(&self) -> String {
        self.subjects.iter().map(|s| format!("{} {}", s.kind, s.name)).collect::<Vec<_>>().join(", ")
    }
}

/// Every binding, with the rules of the role it refers to (empty when the role is absent).
pub fn bindings<'a>(inv: &'a Inventory) -> Vec<Binding<'a>> {
    let cluster_roles: HashMap<&str, &'a [PolicyRule]> = inv
        .cluster_roles
        .iter()
        .filter_map(|r| Some((r.metadata.name.as_deref()?, r.rules.as_deref().unwrap_or_default())))
        .collect();
    let roles: HashMap<(Option<&str>, &str), &'a [PolicyRule]> = inv
        .roles
        .iter()
        .filter_map(|r| {
            let key = (r.metadata.namespace.as_deref(), r.metadata.name.as_deref()?);
            Some((key, r.rules.as_deref().unwrap_or_default()))
        })
        .collect();
    let rules_of = |role_ref: &RoleRef, namespace: Option<&str>| -> &'a [PolicyRule] {
        let found = if role_ref.kind == "ClusterRole" {
            cluster_roles.get(role_ref.name.as_str())
        } else {
            roles.get(&(namespace, role_ref.name.as_str()))
        };
        found.copied().unwrap_or_default()
    };
    let namespaced = inv.role_bindings.iter().map(|b| Binding {
        kind: "RoleBinding",
        meta: &b.metadata,
        role_ref: &b.role_ref,
        subjects: b.subjects.as_deref().unwrap_or_default(),
        rules: rules_of(&b.role_ref, b.metadata.namespace.as_deref()),
    });
    let cluster = inv.cluster_role_bindings.iter().map(|b| Binding {
        kind: "ClusterRoleBinding",
        meta: &b.metadata,
        role_ref: &b.role_ref,
        subjects: b.subjects.as_deref().unwrap_or_default(),
        rules: rules_of(&b.role_ref, None),
    });
    namespaced.chain(cluster).collect()
}

/// Whether a grant narrowed to named objects (`resourceNames`) still counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Counts,
    Excused,
}

/// The indices of the role's rules that allow one of `verbs` on one of `resources` (`pods`,
/// `pods/exec`) in `group`, matched as the RBAC authorizer matches them.
pub fn granting(rules: &[PolicyRule], group: &str, resources: &[&str], verbs: &[&str], named: Named) -> Vec<usize> {
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| named == Named::Counts || !names_objects(r))
        .filter(|(_, r)| {
            resources.iter().any(|res| verbs.iter().any(|verb| rule_allows(r, &ResourceRequest::new(verb, group, res))))
        })
        .map(|(i, _)| i)
        .collect()
}
