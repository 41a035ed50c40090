//! Who holds cluster-admin: a grant that crosses a tenant boundary (in a tenant's namespace,
//! or to a tenant's service account) is `rbac.cluster-admin-outside-platform`'s; any other
//! grant beyond Kubernetes' own default is `rbac.cluster-admin-binding`'s (CIS 5.1.1), so one
//! grant is one finding.

use crate::rules::bindings::Binding;
use crate::rules::rbac_defaults::is_kubernetes_default;
use crate::rules::rule::{Outcome, Rule, RuleInput};
use crate::tenancy::PLATFORM_TENANT;

fn grants_cluster_admin(b: &Binding<'_>) -> bool {
    b.role_ref.kind == "ClusterRole" && b.role_ref.name == "cluster-admin" && !is_kubernetes_default(b)
}

/// Why `b` grants cluster-admin across a tenant boundary (in a tenant's namespace, or to a
/// tenant's service account), or `None`.
fn tenant_cluster_admin(b: &Binding<'_>, input: &RuleInput<'_>) -> Option<String> {
    if !grants_cluster_admin(b) {
        return None;
    }
    let binding_tenant = b.meta.namespace.as_deref().map(|ns| input.tenants.tenant(Some(ns)));
    let in_tenant_namespace = binding_tenant.as_deref().is_some_and(|t| t != PLATFORM_TENANT);
    let tenant_accounts: Vec<String> = b
        .subjects
        .iter()
        .filter(|s| s.kind == "ServiceAccount")
        .filter(|s| input.tenants.tenant(s.namespace.as_deref().or(b.meta.namespace.as_deref())) != PLATFORM_TENANT)
        .map(|s| format!("{}/{}", s.namespace.as_deref().unwrap_or_default(), s.name))
        .collect();
    if tenant_accounts.is_empty() {
        in_tenant_namespace
            .then(|| format!("{} grants cluster-admin in tenant namespace to {}", b.kind, b.subject_names()))
    } else {
        Some(format!("{} grants cluster-admin to tenant service account(s) {}", b.kind, tenant_accounts.join(", ")))
    }
}

pub(super) fn cluster_admin_outside_platform(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    input.per_binding(|b| {
        let message = tenant_cluster_admin(b, input)?;
        Some(rule.finding(b.object(), None, message, vec!["roleRef.name".into()]))
    })
}

/// Every other grant of cluster-admin: the tenant-crossing ones are
/// `rbac.cluster-admin-outside-platform`'s, so that one grant is one finding.
pub(super) fn cluster_admin_binding(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    input.per_binding(|b| {
        if !grants_cluster_admin(b) || b.subjects.is_empty() || tenant_cluster_admin(b, input).is_some() {
            return None;
        }
        let evidence = (0..b.subjects.len()).map(|i| format!("subjects[{i}].name")).collect();
        let message = format!("{} grants cluster-admin to {}", b.kind, b.subject_names());
        Some(rule.finding(b.object(), None, message, evidence))
    })
}
