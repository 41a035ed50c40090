//! NSA-CISA Kubernetes Hardening Guidance (v1.2), one control per recommendation area.

use super::control::AssessmentKind::{Automated, Manual, NotAssessable, Partial};
use super::control::{Control, Framework, control};

/// The NSA-CISA Kubernetes Hardening Guidance.
pub static NSA: Framework =
    Framework { id: "nsa", name: "NSA-CISA Kubernetes Hardening Guidance", version: "1.2", controls: &CONTROLS };

static CONTROLS: [Control; 21] = [
    control("non-root", "Pod security: use containers built to run as non-root users", Automated),
    control("immutable-filesystem", "Pod security: immutable container file systems", Automated),
    control("secure-images", "Pod security: building secure container images", Partial),
    control("pod-security-enforcement", "Pod security: pod security enforcement", Automated),
    control("service-account-tokens", "Pod security: protecting pod service account tokens", Automated),
    control("container-hardening", "Pod security: hardening container environments", Automated),
    control("namespaces", "Network separation: namespaces", Partial),
    control("network-policies", "Network separation: network policies", Automated),
    control("resource-policies", "Network separation: resource policies", Automated),
    control("control-plane-hardening", "Network separation: control plane hardening", Partial),
    control("etcd", "Network separation: etcd", NotAssessable),
    control("kubeconfig-files", "Network separation: kubeconfig files", NotAssessable),
    control("worker-node-segmentation", "Network separation: worker node segmentation", NotAssessable),
    control("encryption", "Network separation: encryption", Partial),
    control("secrets", "Network separation: secrets", Partial),
    control("cloud-infrastructure", "Network separation: protecting sensitive cloud infrastructure", Manual),
    control("authentication", "Authentication and authorization: authentication", Partial),
    control("rbac", "Authentication and authorization: role-based access control", Automated),
    control("audit-logging", "Audit logging and threat detection: Kubernetes native audit logging", Partial),
    control("threat-detection", "Audit logging and threat detection: threat detection and alerting", Manual),
    control("upgrading", "Upgrading and application security practices", Partial),
];
