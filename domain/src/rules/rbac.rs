//! RBAC: what each binding grants, to whom. Findings are reported on the binding (a role that
//! nobody is bound to grants nothing), except the default-ServiceAccount rule, which is about
//! pods.

use k8s_openapi::api::rbac::v1::Subject;

use crate::authorization::{ResourceRequest, rule_allows};
use crate::rules::bindings::{Named, granting};
use crate::rules::cluster_admin::{cluster_admin_binding, cluster_admin_outside_platform};
use crate::rules::rbac_defaults::is_kubernetes_default;

use crate::finding::Severity;
use crate::rules::rule::{Category, Outcome, Rule, RuleInput, custom_rule};
use crate::tenancy::PLATFORM_TENANT;

/// The RBAC rules.
pub static RULES: [Rule; 12] = [
    custom_rule(
        "rbac.anonymous-binding",
        "Rights granted to anonymous users",
        Category::Rbac,
        Severity::Critical,
        "A binding to system:anonymous or system:unauthenticated gives its rights to anyone who can \
         reach the API server, with no credentials at all. Exposed clusters are found and exploited this way within hours.",
        "Delete the binding, or bind the role to the authenticated groups or service accounts that need it:\n\n\
         kubectl delete clusterrolebinding <name>",
        &["nsa:authentication", "nsa:rbac"],
        anonymous_binding,
    ),
    custom_rule(
        "rbac.all-authenticated-binding",
        "Rights granted to every authenticated user",
        Category::Rbac,
        Severity::High,
        "system:authenticated includes every user and every service account of the cluster, and \
         on some managed platforms every account of the cloud provider.",
        "Bind the role to the specific groups or service accounts that need it.",
        &["nsa:rbac"],
        all_authenticated_binding,
    ),
    custom_rule(
        "rbac.cluster-admin-outside-platform",
        "cluster-admin bound outside the platform team",
        Category::Rbac,
        Severity::High,
        "cluster-admin can do anything to any object in the cluster; held by a tenant's service \
         account or in a tenant's namespace, it breaks every tenant boundary.",
        "Bind a namespaced role with only the rights needed, e.g. `admin` in the tenant's own namespace.",
        &["cis:5.1.1", "nsa:rbac"],
        cluster_admin_outside_platform,
    ),
    custom_rule(
        "rbac.cluster-admin-binding",
        "cluster-admin granted",
        Category::Rbac,
        Severity::Medium,
        "cluster-admin can do anything to any object in the cluster. Every grant of it beyond \
         Kubernetes' own default is a person, group or account whose credentials are a full \
         cluster compromise; CIS 5.1.1 asks that each be required.",
        "Grant a role with only the rights the subject needs, or remove the binding:\n\n\
         kubectl delete clusterrolebinding <name>",
        &["cis:5.1.1", "nsa:rbac"],
        cluster_admin_binding,
    ),
    custom_rule(
        "rbac.system-masters",
        "Binding to system:masters",
        Category::Rbac,
        Severity::Medium,
        "Members of system:masters bypass RBAC entirely, and the group cannot be revoked without \
         rotating the certificates that name it.",
        "Grant cluster-admin through a named group instead of system:masters.",
        &["cis:5.1.7", "nsa:rbac"],
        system_masters,
    ),
    custom_rule(
        "rbac.wildcard",
        "Wildcard verbs or resources",
        Category::Rbac,
        Severity::Medium,
        "A `*` grants every current and future verb or resource, including ones created by CRDs later.",
        "List the verbs and resources explicitly:\n\nrules:\n  - apiGroups: [\"apps\"]\n    resources: [\"deployments\"]\n    verbs: [\"get\", \"list\", \"watch\"]",
        &["cis:5.1.3", "nsa:rbac"],
        wildcard,
    ),
    custom_rule(
        "rbac.escalation-verbs",
        "escalate, bind or impersonate granted",
        Category::Rbac,
        Severity::High,
        "`escalate` and `bind` let a subject grant itself rights it does not have; `impersonate` \
         lets it act as any user, group or service account.",
        "Remove `escalate`, `bind` and `impersonate` from the role.",
        &["cis:5.1.8", "nsa:rbac"],
        escalation_verbs,
    ),
    custom_rule(
        "rbac.secrets-read",
        "Read access to Secrets",
        Category::Rbac,
        Severity::Medium,
        "`get`, `list` or `watch` on Secrets reads every credential in scope, including service \
         account tokens of more privileged accounts.",
        "Grant access to the named Secrets the workload needs (`resourceNames`), or mount them as files.",
        &["cis:5.1.2", "nsa:rbac"],
        secrets_read,
    ),
    custom_rule(
        "rbac.exec-attach-proxy",
        "pods/exec, pods/attach, pods/proxy or nodes/proxy granted",
        Category::Rbac,
        Severity::High,
        "Exec and attach run commands inside other pods; pods/proxy reaches every port of every \
         pod in scope through the API server, past NetworkPolicies; nodes/proxy reaches the \
         kubelet API directly, bypassing admission and audit.",
        "Remove these subresources from the role; use logs and metrics for diagnosis.",
        &["cis:5.1.10", "nsa:rbac"],
        exec_attach_proxy,
    ),
    custom_rule(
        "rbac.workload-create",
        "Rights to create workloads",
        Category::Rbac,
        Severity::Low,
        "Whoever can create pods (directly or through a controller) can run any image with any \
         service account of the namespace: a path to its privileges.",
        "Limit workload creation to deployment pipelines' service accounts.",
        &["cis:5.1.4", "nsa:rbac"],
        workload_create,
    ),
    custom_rule(
        "rbac.default-service-account",
        "Default service account with its token mounted",
        Category::Rbac,
        Severity::Medium,
        "Pods that run as the namespace's `default` service account with its token mounted share \
         one identity, and whatever is later granted to it.",
        "Create a service account per workload, or stop mounting the token:\n\nspec:\n  automountServiceAccountToken: false",
        &["cis:5.1.5", "cis:5.1.6", "nsa:service-account-tokens"],
        default_service_account,
    ),
    custom_rule(
        "rbac.cross-tenant-binding",
        "Subject of one tenant bound in another tenant's namespace",
        Category::Rbac,
        Severity::High,
        "A RoleBinding that grants a service account of another tenant rights in this tenant's \
         namespace crosses the tenant boundary.",
        "Remove the foreign subject from the binding.",
        &["nsa:rbac", "nsa:namespaces"],
        cross_tenant_binding,
    ),
];

fn subjects_named(rule: &Rule, input: &RuleInput<'_>, names: &[&str]) -> Outcome {
    input.per_binding(|b| {
        let hits: Vec<(usize, &Subject)> = b
            .subjects
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.kind.as_str(), "User" | "Group") && names.contains(&s.name.as_str()))
            .collect();
        if hits.is_empty() || is_kubernetes_default(b) {
            return None;
        }
        let who: Vec<&str> = hits.iter().map(|(_, s)| s.name.as_str()).collect();
        let evidence = hits.iter().map(|(i, _)| format!("subjects[{i}].name")).collect();
        Some(rule.finding(
            b.object(),
            None,
            format!("{} grants {} to {}", b.kind, b.grants(), who.join(", ")),
            evidence,
        ))
    })
}

fn anonymous_binding(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    subjects_named(rule, input, &["system:anonymous", "system:unauthenticated"])
}

fn all_authenticated_binding(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    subjects_named(rule, input, &["system:authenticated"])
}

fn system_masters(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    input.per_binding(|b| {
        let i = b.subjects.iter().position(|s| s.kind == "Group" && s.name == "system:masters")?;
        let message = if is_kubernetes_default(b) {
            format!(
                "Kubernetes' default binding {} grants {} to group system:masters, whose members bypass RBAC: \
                 no issued certificate should name the group",
                b.name(),
                b.grants()
            )
        } else {
            format!("{} grants {} to group system:masters", b.kind, b.grants())
        };
        Some(rule.finding(b.object(), None, message, vec![format!("subjects[{i}].name")]))
    })
}

/// A finding on each binding (beyond Kubernetes' defaults) whose role allows one of `verbs`
/// on `resources`.
fn grant_rule(
    rule: &Rule,
    input: &RuleInput<'_>,
    group: &str,
    resources: &[&str],
    verbs: &[&str],
    what: &str,
) -> Outcome {
    grant_rule_named(rule, input, (group, resources, verbs, Named::Counts), what)
}

fn grant_rule_named(
    rule: &Rule,
    input: &RuleInput<'_>,
    (group, resources, verbs, named): (&str, &[&str], &[&str], Named),
    what: &str,
) -> Outcome {
    input.per_binding(|b| {
        if is_kubernetes_default(b) || b.subjects.is_empty() {
            return None;
        }
        let hits = granting(b.rules, group, resources, verbs, named);
        if hits.is_empty() {
            return None;
        }
        let evidence = hits.iter().map(|i| format!("{}.rules[{i}]", b.role_ref.name)).collect();
        let message = format!("{} grants {what} to {} through {}", b.kind, b.subject_names(), b.grants());
        Some(rule.finding(b.object(), None, message, evidence))
    })
}

fn wildcard(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    input.per_binding(|b| {
        if is_kubernetes_default(b) || b.role_ref.name == "cluster-admin" || b.subjects.is_empty() {
            return None;
        }
        let hits: Vec<usize> = b
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.verbs.iter().any(|v| v == "*") || r.resources.iter().flatten().any(|x| x == "*"))
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            return None;
        }
        let evidence = hits.iter().map(|i| format!("{}.rules[{i}]", b.role_ref.name)).collect();
        Some(rule.finding(
            b.object(),
            None,
            format!("{} grants wildcard rights through {}", b.kind, b.grants()),
            evidence,
        ))
    })
}

/// The requests that let a subject raise its own rights: escalate and bind on roles, and
/// impersonation of users, groups, service accounts and uids.
const ESCALATIONS: [(&str, &str, &str); 8] = [
    ("escalate", "rbac.authorization.k8s.io", "roles"),
    ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
    ("bind", "rbac.authorization.k8s.io", "roles"),
    ("bind", "rbac.authorization.k8s.io", "clusterroles"),
    ("impersonate", "", "users"),
    ("impersonate", "", "groups"),
    ("impersonate", "", "serviceaccounts"),
    ("impersonate", "authentication.k8s.io", "uids"),
];

fn escalation_verbs(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    input.per_binding(|b| {
        if is_kubernetes_default(b) || b.subjects.is_empty() {
            return None;
        }
        let mut verbs: Vec<&str> = ESCALATIONS
            .iter()
            .filter(|(verb, group, resource)| {
                b.rules.iter().any(|r| rule_allows(r, &ResourceRequest::new(verb, group, resource)))
            })
            .map(|(verb, _, _)| *verb)
            .collect();
        verbs.dedup();
        if verbs.is_empty() {
            return None;
        }
        let message = format!("{} grants {} to {} through {}", b.kind, verbs.join(", "), b.subject_names(), b.grants());
        Some(rule.finding(b.object(), None, message, vec!["roleRef.name".into()]))
    })
}

fn secrets_read(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    // Narrowed to named Secrets is what the remediation asks for: not a finding.
    let grant = ("", &["secrets"][..], &["get", "list", "watch"][..], Named::Excused);
    grant_rule_named(rule, input, grant, "read access to Secrets")
}

fn exec_attach_proxy(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let pods = ["pods/exec", "pods/attach", "pods/proxy"];
    let mut out = grant_rule(rule, input, "", &pods, &["create", "get"], "pods/exec, pods/attach or pods/proxy")?;
    let node_proxy = grant_rule(rule, input, "", &["nodes/proxy"], &["get", "create"], "nodes/proxy")?;
    // One finding per binding: reaching into pods and into nodes is one path to privilege.
    out.extend(node_proxy.into_iter().filter(|f| !out.iter().any(|o| o.object == f.object)).collect::<Vec<_>>());
    Ok(out)
}

fn workload_create(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out =
        grant_rule(rule, input, "", &["pods", "replicationcontrollers"], &["create"], "rights to create pods")?;
    let apps = ["deployments", "statefulsets", "daemonsets", "replicasets"];
    out.extend(grant_rule(rule, input, "apps", &apps, &["create"], "rights to create workloads")?);
    out.extend(grant_rule(rule, input, "batch", &["jobs", "cronjobs"], &["create"], "rights to create jobs")?);
    // One finding per binding: a role granting several of these is one path to privilege.
    out.dedup_by(|a, b| a.object == b.object);
    Ok(out)
}

fn default_service_account(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for site in input.sites.iter().filter(|site| site.service_account() == "default" && input.token_mounted(site)) {
        let evidence = vec![site.path("spec.serviceAccountName"), site.path("spec.automountServiceAccountToken")];
        let message = "pods run as the default service account with its token mounted".to_string();
        out.push(rule.finding(site.object(), None, message, evidence));
    }
    Ok(out)
}

fn cross_tenant_binding(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for b in input.bindings.iter().filter(|b| b.kind == "RoleBinding") {
        let Some(ns) = b.meta.namespace.as_deref() else {
            continue;
        };
        let tenant = input.tenants.tenant(Some(ns));
        for (i, s) in b.subjects.iter().enumerate().filter(|(_, s)| s.kind == "ServiceAccount") {
            let subject_tenant = input.tenants.tenant(Some(s.namespace.as_deref().unwrap_or(ns)));
            if subject_tenant != tenant && subject_tenant != PLATFORM_TENANT && tenant != PLATFORM_TENANT {
                let message = format!(
                    "RoleBinding in {tenant:?} namespace {ns:?} grants {} to service account {}/{} of tenant {subject_tenant:?}",
                    b.grants(),
                    s.namespace.as_deref().unwrap_or(ns),
                    s.name
                );
                out.push(rule.finding(b.object(), None, message, vec![format!("subjects[{i}]")]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{obj, rule_ids};
    use serde_json::{Value, json};

    fn cluster_binding(name: &str, role: &str, subjects: Value) -> Value {
        json!({"metadata": {"name": name}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}, "subjects": subjects})
    }

    fn with_role(rules: Value, binding: Value) -> Inventory {
        Inventory {
            cluster_roles: vec![obj(json!({"metadata": {"name": "custom"}, "rules": rules}))],
            cluster_role_bindings: vec![obj(binding)],
            ..Inventory::default()
        }
    }

    fn group(name: &str) -> Value {
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}])
    }

    #[test]
    fn anonymous_and_unauthenticated_bindings_fail_and_named_groups_pass() {
        for subject in ["system:anonymous", "system:unauthenticated"] {
            let inv = with_role(json!([]), cluster_binding("b", "view", group(subject)));
            assert_eq!(rule_ids(&inv, "rbac.anonymous-binding").len(), 1, "{subject}");
        }
        let inv = with_role(json!([]), cluster_binding("b", "view", group("platform-admins")));
        assert!(rule_ids(&inv, "rbac.anonymous-binding").is_empty());
    }

    #[test]
    fn binding_to_all_authenticated_users_fails_unless_a_kubernetes_default() {
        let inv = with_role(json!([]), cluster_binding("everyone-views", "view", group("system:authenticated")));
        assert_eq!(rule_ids(&inv, "rbac.all-authenticated-binding").len(), 1);
        let mut default = cluster_binding("system:discovery", "system:discovery", group("system:authenticated"));
        let unlabelled = with_role(json!([]), default.clone());
        assert_eq!(rule_ids(&unlabelled, "rbac.all-authenticated-binding").len(), 1, "the label is required");
        default["metadata"]["labels"] = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
        assert!(rule_ids(&with_role(json!([]), default), "rbac.all-authenticated-binding").is_empty());
    }

    #[test]
    fn system_masters_binding_fails_and_the_default_one_is_named_as_such() {
        let inv = with_role(json!([]), cluster_binding("ops", "cluster-admin", group("system:masters")));
        let findings = rule_ids(&inv, "rbac.system-masters");
        assert_eq!(findings.len(), 1);
        assert!(!findings[0].message.contains("default"), "{}", findings[0].message);
        let mut default = cluster_binding("cluster-admin", "cluster-admin", group("system:masters"));
        default["metadata"]["labels"] = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
        let findings = rule_ids(&with_role(json!([]), default), "rbac.system-masters");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.starts_with("Kubernetes' default binding"), "{}", findings[0].message);
    }

    fn tenants_inventory(binding: Value) -> Inventory {
        Inventory {
            namespaces: vec![
                obj(json!({"metadata": {"name": "nlp-prod", "labels": {"rampart.io/tenant": "nlp"}}})),
                obj(json!({"metadata": {"name": "vision-prod", "labels": {"rampart.io/tenant": "vision"}}})),
                obj(json!({"metadata": {"name": "kube-system"}})),
            ],
            role_bindings: vec![obj(binding)],
            roles: vec![obj(json!({"metadata": {"name": "dev", "namespace": "nlp-prod"}, "rules": []}))],
            ..Inventory::default()
        }
    }

    fn role_binding(ns: &str, role_kind: &str, role: &str, sa_ns: &str) -> Value {
        json!({"metadata": {"name": "rb", "namespace": ns},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
               "subjects": [{"kind": "ServiceAccount", "name": "runner", "namespace": sa_ns}]})
    }

    #[test]
    fn cluster_admin_for_a_tenant_service_account_fails_and_for_platform_passes() {
        let inv = tenants_inventory(role_binding("nlp-prod", "ClusterRole", "cluster-admin", "nlp-prod"));
        assert_eq!(rule_ids(&inv, "rbac.cluster-admin-outside-platform").len(), 1);
        let platform = tenants_inventory(role_binding("kube-system", "ClusterRole", "cluster-admin", "kube-system"));
        assert!(rule_ids(&platform, "rbac.cluster-admin-outside-platform").is_empty());
    }

    #[test]
    fn foreign_tenant_service_account_in_a_role_binding_fails_and_own_passes() {
        let inv = tenants_inventory(role_binding("nlp-prod", "Role", "dev", "vision-prod"));
        let findings = rule_ids(&inv, "rbac.cross-tenant-binding");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("vision"));
        let own = tenants_inventory(role_binding("nlp-prod", "Role", "dev", "nlp-prod"));
        assert!(rule_ids(&own, "rbac.cross-tenant-binding").is_empty());
    }

    fn granted(rules: Value) -> Inventory {
        with_role(rules, cluster_binding("team", "custom", group("nlp-team")))
    }

    #[test]
    fn wildcards_fail_and_explicit_rules_pass() {
        assert_eq!(
            rule_ids(&granted(json!([{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}])), "rbac.wildcard")
                .len(),
            1
        );
        assert!(
            rule_ids(&granted(json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}])), "rbac.wildcard")
                .is_empty()
        );
    }

    #[test]
    fn escalation_verbs_fail_and_plain_verbs_pass() {
        let bad = granted(
            json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind", "escalate"]}]),
        );
        assert_eq!(rule_ids(&bad, "rbac.escalation-verbs").len(), 1);
        let good = granted(
            json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["get"]}]),
        );
        assert!(rule_ids(&good, "rbac.escalation-verbs").is_empty());
    }

    #[test]
    fn secret_reading_fails_and_configmap_reading_passes() {
        assert_eq!(
            rule_ids(
                &granted(json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}])),
                "rbac.secrets-read"
            )
            .len(),
            1
        );
        assert!(
            rule_ids(
                &granted(json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}])),
                "rbac.secrets-read"
            )
            .is_empty()
        );
    }

    #[test]
    fn exec_and_node_proxy_fail_and_logs_pass() {
        assert_eq!(
            rule_ids(
                &granted(json!([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}])),
                "rbac.exec-attach-proxy"
            )
            .len(),
            1
        );
        assert_eq!(
            rule_ids(
                &granted(json!([{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}])),
                "rbac.exec-attach-proxy"
            )
            .len(),
            1
        );
        assert!(
            rule_ids(
                &granted(json!([{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}])),
                "rbac.exec-attach-proxy"
            )
            .is_empty()
        );
    }

    #[test]
    fn workload_creation_fails_once_per_binding_and_read_only_passes() {
        let both = granted(json!([
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]},
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create"]}]));
        assert_eq!(rule_ids(&both, "rbac.workload-create").len(), 1);
        assert!(
            rule_ids(
                &granted(json!([{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}])),
                "rbac.workload-create"
            )
            .is_empty()
        );
    }

    #[test]
    fn default_service_account_with_token_fails_and_opt_out_passes() {
        let inv = crate::rules::fixture::deployment("ml", "train", json!({"containers": [{"name": "c"}]}));
        assert_eq!(rule_ids(&inv, "rbac.default-service-account").len(), 1);
        let opted_out = crate::rules::fixture::deployment(
            "ml",
            "train",
            json!({"automountServiceAccountToken": false, "containers": [{"name": "c"}]}),
        );
        assert!(rule_ids(&opted_out, "rbac.default-service-account").is_empty());
        let own = crate::rules::fixture::deployment(
            "ml",
            "train",
            json!({"serviceAccountName": "trainer", "containers": [{"name": "c"}]}),
        );
        assert!(rule_ids(&own, "rbac.default-service-account").is_empty());
    }
}
