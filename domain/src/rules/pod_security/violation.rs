//! What a Pod Security Standards check reports, and the helpers every check shares to find
//! containers and build field paths.

use k8s_openapi::api::core::v1::{PodSpec, SecurityContext};

use crate::containers::{ContainerRef, containers};

/// One offending setting found by a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The container at fault; `None` for pod-level settings.
    pub container: Option<String>,
    /// Field path from the pod's root (`spec.hostNetwork`, `metadata.annotations[...]`).
    pub path: String,
    /// What is wrong, in pod-security-admission's words.
    pub detail: String,
}

pub(super) fn pod_violation(path: &str, detail: String) -> Violation {
    Violation { container: None, path: path.to_string(), detail }
}

pub(super) fn container_violation(c: &ContainerRef<'_>, field: &str, detail: String) -> Violation {
    Violation { container: Some(c.name.to_string()), path: format!("{}.{field}", c.path()), detail }
}

/// Each container's security context, with the container.
pub(super) fn with_security_context<'a>(
    spec: &'a PodSpec,
) -> impl Iterator<Item = (ContainerRef<'a>, &'a SecurityContext)> {
    containers(spec).into_iter().filter_map(|c| c.security_context.map(|sc| (c, sc)))
}

pub(super) fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// Pods in a user namespace (`hostUsers: false`) get the relaxations of KEP-127.
pub(super) fn in_user_namespace(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}
