//! CIS Kubernetes Benchmark v1.10: section 5 (policies), the section 1.2 API server items
//! that the API shows through the kube-apiserver static pod, and the section 4.2 kubelet items
//! that Trivy Operator's node collector reports (InfraAssessmentReports).

use super::control::AssessmentKind::{Automated, Manual, NotAssessable, Partial};
use super::control::{Control, Framework, control};

/// The CIS Kubernetes Benchmark.
pub static CIS: Framework =
    Framework { id: "cis", name: "CIS Kubernetes Benchmark", version: "1.10", controls: &CONTROLS };

static CONTROLS: [Control; 49] = [
    control("1.2.1", "Ensure that the --anonymous-auth argument is set to false", Automated),
    control("1.2.6", "Ensure that the --authorization-mode argument is not set to AlwaysAllow", Automated),
    control("1.2.7", "Ensure that the --authorization-mode argument includes Node", Automated),
    control("1.2.8", "Ensure that the --authorization-mode argument includes RBAC", Automated),
    control("1.2.14", "Ensure that the admission control plugin NodeRestriction is set", Automated),
    control("1.2.15", "Ensure that the --profiling argument is set to false", Automated),
    control("1.2.16", "Ensure that the --audit-log-path argument is set", Automated),
    control("1.2.27", "Ensure that the --encryption-provider-config argument is set as appropriate", Automated),
    control("1.2.28", "Ensure that encryption providers are appropriately configured", NotAssessable),
    control("1.2.29", "Ensure that the API Server only makes use of Strong Cryptographic Ciphers", Automated),
    control("4.2.1", "Ensure that the kubelet --anonymous-auth argument is set to false", Automated),
    control("4.2.2", "Ensure that the kubelet --authorization-mode argument is not set to AlwaysAllow", Automated),
    control("4.2.3", "Ensure that the kubelet --client-ca-file argument is set as appropriate", Automated),
    control("4.2.4", "Verify that the kubelet --read-only-port argument is set to 0", Automated),
    control("5.1.1", "Ensure that the cluster-admin role is only used where required", Partial),
    control("5.1.2", "Minimize access to secrets", Automated),
    control("5.1.3", "Minimize wildcard use in Roles and ClusterRoles", Automated),
    control("5.1.4", "Minimize access to create pods", Automated),
    control("5.1.5", "Ensure that default service accounts are not actively used", Automated),
    control("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary", Automated),
    control("5.1.7", "Avoid use of system:masters group", Automated),
    control(
        "5.1.8",
        "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
        Automated,
    ),
    control("5.1.9", "Minimize access to create persistent volumes", Manual),
    control("5.1.10", "Minimize access to the proxy sub-resource of nodes", Automated),
    control("5.1.11", "Minimize access to the approval sub-resource of certificatesigningrequests objects", Manual),
    control("5.1.12", "Minimize access to webhook configuration objects", Manual),
    control("5.1.13", "Minimize access to the service account token creation", Manual),
    control("5.2.1", "Ensure that the cluster has at least one active policy control mechanism in place", Partial),
    control("5.2.2", "Minimize the admission of privileged containers", Automated),
    control("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace", Automated),
    control("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace", Automated),
    control("5.2.5", "Minimize the admission of containers wishing to share the host network namespace", Automated),
    control("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation", Automated),
    control("5.2.7", "Minimize the admission of root containers", Automated),
    control("5.2.8", "Minimize the admission of containers with the NET_RAW capability", Automated),
    control("5.2.9", "Minimize the admission of containers with added capabilities", Automated),
    control("5.2.10", "Minimize the admission of containers with capabilities assigned", Automated),
    control("5.2.11", "Minimize the admission of Windows HostProcess Containers", Automated),
    control("5.2.12", "Minimize the admission of HostPath volumes", Automated),
    control("5.2.13", "Minimize the admission of containers which use HostPorts", Automated),
    control("5.3.1", "Ensure that the CNI in use supports NetworkPolicies", NotAssessable),
    control("5.3.2", "Ensure that all Namespaces have NetworkPolicies defined", Automated),
    control("5.4.1", "Prefer using Secrets as files over Secrets as environment variables", Automated),
    control("5.4.2", "Consider external secret storage", Manual),
    control("5.5.1", "Configure Image Provenance using ImagePolicyWebhook admission controller", Partial),
    control("5.7.1", "Create administrative boundaries between resources using namespaces", Manual),
    control("5.7.2", "Ensure that the seccomp profile is set to docker/default in your Pod definitions", Automated),
    control("5.7.3", "Apply SecurityContext to your Pods and Containers", Partial),
    control("5.7.4", "The default namespace should not be used", Automated),
];
