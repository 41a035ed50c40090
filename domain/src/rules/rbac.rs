//! RBAC checks over RoleBindings and ClusterRoleBindings.

use k8s_openapi::api::rbac::v1::Subject;

use super::{Category, Rule};
use crate::finding::{Finding, ObjectRef, Severity};
use crate::inventory::Inventory;

/// Subjects that mean "anyone who can reach the API server".
const ANONYMOUS_SUBJECTS: [&str; 2] = ["system:anonymous", "system:unauthenticated"];

/// A binding that grants rights to unauthenticated callers.
pub const ANONYMOUS_BINDING: Rule = Rule {
    id: "rbac.anonymous-binding",
    title: "Rights granted to anonymous users",
    category: Category::Rbac,
    severity: Severity::Critical,
    rationale: "A binding to system:anonymous or system:unauthenticated gives its rights to \
                anyone who can reach the API server, with no credentials at all. Exposed \
                clusters are found and exploited this way within hours.",
    remediation: "Delete the binding, or bind the role to the authenticated groups or service \
                  accounts that need it:\n\nkubectl delete clusterrolebinding <name>",
    controls: &["cis:5.1.1", "nsa:authentication-authorization"],
    check: check_anonymous_binding,
};

fn anonymous_subjects(subjects: &Option<Vec<Subject>>) -> Vec<&str> {
    subjects
        .iter()
        .flatten()
        .filter(|s| matches!(s.kind.as_str(), "User" | "Group"))
        .map(|s| s.name.as_str())
        .filter(|name| ANONYMOUS_SUBJECTS.contains(name))
        .collect()
}

fn check_anonymous_binding(rule: &Rule, inv: &Inventory, out: &mut Vec<Finding>) {
    let bindings = inv
        .role_bindings
        .iter()
        .map(|b| ("RoleBinding", &b.metadata, &b.subjects, &b.role_ref))
        .chain(
            inv.cluster_role_bindings
                .iter()
                .map(|b| ("ClusterRoleBinding", &b.metadata, &b.subjects, &b.role_ref)),
        );
    for (kind, meta, subjects, role_ref) in bindings {
        for subject in anonymous_subjects(subjects) {
            let message = format!(
                "{kind} grants {} {:?} to {subject}",
                role_ref.kind, role_ref.name
            );
            out.push(rule.finding(ObjectRef::from_meta(kind, meta), None, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{obj, rule_ids};
    use serde_json::json;

    fn binding(subject: &str) -> Inventory {
        Inventory {
            cluster_role_bindings: vec![obj(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "viewers"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": subject}]
            }))],
            ..Inventory::default()
        }
    }

    #[test]
    fn cluster_role_binding_to_system_anonymous_is_critical() {
        let findings = rule_ids(&binding("system:anonymous"), "rbac.anonymous-binding");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object.kind, "ClusterRoleBinding");
        assert!(findings[0].message.contains("system:anonymous"));
    }

    #[test]
    fn binding_to_system_unauthenticated_fails_too() {
        assert_eq!(
            rule_ids(&binding("system:unauthenticated"), "rbac.anonymous-binding").len(),
            1
        );
    }

    #[test]
    fn binding_to_a_named_group_passes() {
        assert!(rule_ids(&binding("platform-admins"), "rbac.anonymous-binding").is_empty());
    }
}
