//! Kubernetes' own RBAC bindings, as the API server creates them at start-up (its bootstrap
//! policy): known by exact name, role, subjects and the `kubernetes.io/bootstrapping:
//! rbac-defaults` label, never by a `system:` prefix, which anyone may use.
//!
//! A binding recognised here is reported once for what it is (the default `cluster-admin`
//! binding by `rbac.system-masters`) and by no other RBAC rule. A binding that differs in
//! anything (a subject added, another role, no label) is judged like any other. Defaults added
//! by Kubernetes releases newer than this list are judged too, until listed here.

use super::bindings::Binding;

/// The label the API server puts on every object of its bootstrap policy.
pub const BOOTSTRAP_LABEL: (&str, &str) = ("kubernetes.io/bootstrapping", "rbac-defaults");

/// One subject of a default binding: (kind, name, namespace of a service account).
type DefaultSubject = (&'static str, &'static str, Option<&'static str>);

/// A default binding: its kind and namespace, name, role and exact subjects.
#[derive(Debug, Clone, Copy)]
pub struct DefaultBinding {
    pub kind: &'static str,
    pub namespace: Option<&'static str>,
    pub name: &'static str,
    pub role_kind: &'static str,
    pub role: &'static str,
    pub subjects: &'static [DefaultSubject],
}

const fn cluster(name: &'static str, role: &'static str, subjects: &'static [DefaultSubject]) -> DefaultBinding {
    DefaultBinding { kind: "ClusterRoleBinding", namespace: None, name, role_kind: "ClusterRole", role, subjects }
}

const fn namespaced(
    namespace: &'static str,
    name: &'static str,
    role: &'static str,
    subjects: &'static [DefaultSubject],
) -> DefaultBinding {
    DefaultBinding { kind: "RoleBinding", namespace: Some(namespace), name, role_kind: "Role", role, subjects }
}

const SCHEDULER: DefaultSubject = ("User", "system:kube-scheduler", None);
const CONTROLLER_MANAGER: DefaultSubject = ("User", "system:kube-controller-manager", None);

/// The bootstrap policy's bindings, except the per-controller ones ([`CONTROLLERS`]).
pub const DEFAULT_BINDINGS: &[DefaultBinding] = &[
    cluster("cluster-admin", "cluster-admin", &[("Group", "system:masters", None)]),
    cluster("system:monitoring", "system:monitoring", &[("Group", "system:monitoring", None)]),
    cluster("system:discovery", "system:discovery", &[("Group", "system:authenticated", None)]),
    cluster("system:basic-user", "system:basic-user", &[("Group", "system:authenticated", None)]),
    cluster(
        "system:public-info-viewer",
        "system:public-info-viewer",
        &[("Group", "system:authenticated", None), ("Group", "system:unauthenticated", None)],
    ),
    cluster("system:node-proxier", "system:node-proxier", &[("User", "system:kube-proxy", None)]),
    cluster("system:kube-controller-manager", "system:kube-controller-manager", &[CONTROLLER_MANAGER]),
    cluster("system:kube-dns", "system:kube-dns", &[("ServiceAccount", "kube-dns", Some("kube-system"))]),
    cluster("system:kube-scheduler", "system:kube-scheduler", &[SCHEDULER]),
    cluster("system:volume-scheduler", "system:volume-scheduler", &[SCHEDULER]),
    cluster("system:node", "system:node", &[]),
    cluster(
        "system:service-account-issuer-discovery",
        "system:service-account-issuer-discovery",
        &[("Group", "system:serviceaccounts", None)],
    ),
    namespaced(
        "kube-system",
        "system::extension-apiserver-authentication-reader",
        "extension-apiserver-authentication-reader",
        &[CONTROLLER_MANAGER, SCHEDULER],
    ),
    namespaced(
        "kube-system",
        "system::leader-locking-kube-controller-manager",
        "system::leader-locking-kube-controller-manager",
        &[CONTROLLER_MANAGER, ("ServiceAccount", "kube-controller-manager", Some("kube-system"))],
    ),
    namespaced(
        "kube-system",
        "system::leader-locking-kube-scheduler",
        "system::leader-locking-kube-scheduler",
        &[SCHEDULER, ("ServiceAccount", "kube-scheduler", Some("kube-system"))],
    ),
    namespaced(
        "kube-system",
        "system:controller:bootstrap-signer",
        "system:controller:bootstrap-signer",
        &[("ServiceAccount", "bootstrap-signer", Some("kube-system"))],
    ),
    namespaced(
        "kube-system",
        "system:controller:cloud-provider",
        "system:controller:cloud-provider",
        &[("ServiceAccount", "cloud-provider", Some("kube-system"))],
    ),
    namespaced(
        "kube-system",
        "system:controller:token-cleaner",
        "system:controller:token-cleaner",
        &[("ServiceAccount", "token-cleaner", Some("kube-system"))],
    ),
    namespaced(
        "kube-public",
        "system:controller:bootstrap-signer",
        "system:controller:bootstrap-signer",
        &[("ServiceAccount", "bootstrap-signer", Some("kube-system"))],
    ),
];

/// The kube-controller-manager's controllers, each bound by ClusterRoleBinding
/// `system:controller:<name>` to ClusterRole `system:controller:<name>` for service account
/// `kube-system/<name>`.
pub const CONTROLLERS: &[&str] = &[
    "attachdetach-controller",
    "certificate-controller",
    "clusterrole-aggregation-controller",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "disruption-controller",
    "endpoint-controller",
    "endpointslice-controller",
    "endpointslicemirroring-controller",
    "ephemeral-volume-controller",
    "expand-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "legacy-service-account-token-cleaner",
    "namespace-controller",
    "node-controller",
    "persistent-volume-binder",
    "pod-garbage-collector",
    "pv-protection-controller",
    "pvc-protection-controller",
    "replicaset-controller",
    "replication-controller",
    "resourcequota-controller",
    "root-ca-cert-publisher",
    "route-controller",
    "selinux-warning-controller",
    "service-account-controller",
    "service-cidrs-controller",
    "service-controller",
    "statefulset-controller",
    "ttl-after-finished-controller",
    "ttl-controller",
    "validatingadmissionpolicy-status-controller",
    "volumeattributesclass-protection-controller",
];

/// True when `binding` is one of Kubernetes' own, exactly as the API server made it.
pub fn is_kubernetes_default(binding: &Binding<'_>) -> bool {
    let labelled =
        binding.meta.labels.as_ref().and_then(|l| l.get(BOOTSTRAP_LABEL.0)).is_some_and(|v| v == BOOTSTRAP_LABEL.1);
    labelled && (listed_default(binding) || controller_default(binding))
}

fn listed_default(binding: &Binding<'_>) -> bool {
    DEFAULT_BINDINGS.iter().any(|default| {
        default.kind == binding.kind
            && default.namespace == binding.meta.namespace.as_deref()
            && default.name == binding.name()
            && default.role_kind == binding.role_ref.kind
            && default.role == binding.role_ref.name
            && same_subjects(binding, default.subjects)
    })
}

fn controller_default(binding: &Binding<'_>) -> bool {
    let Some(controller) = binding.name().strip_prefix("system:controller:") else { return false };
    binding.kind == "ClusterRoleBinding"
        && CONTROLLERS.iter().any(|c| *c == controller)
        && binding.role_ref.kind == "ClusterRole"
        && binding.role_ref.name == binding.name()
        && same_subjects(binding, &[("ServiceAccount", controller, Some("kube-system"))])
}

/// The binding's subjects are exactly `expected`, in any order.
fn same_subjects(binding: &Binding<'_>, expected: &[(&str, &str, Option<&str>)]) -> bool {
    binding.subjects.len() == expected.len()
        && expected.iter().all(|(kind, name, namespace)| {
            binding.subjects.iter().any(|s| {
                s.kind == *kind && s.name == *name && (namespace.is_none() || s.namespace.as_deref() == *namespace)
            })
        })
}
