//! Pod Security Standards: one control per pod-security-admission check of the latest policy.

use super::AssessmentKind::Automated;
use super::{Control, Framework, control};

/// The Pod Security Standards, baseline and restricted.
pub static PSS: Framework = Framework {
    id: "pss",
    name: "Pod Security Standards",
    version: "latest (Kubernetes 1.37 pod-security-admission policy)",
    controls: &CONTROLS,
};

static CONTROLS: [Control; 19] = [
    control("windowsHostProcess", "Baseline: HostProcess", Automated),
    control("hostNamespaces", "Baseline: Host Namespaces", Automated),
    control("privileged", "Baseline: Privileged Containers", Automated),
    control("capabilities_baseline", "Baseline: Capabilities", Automated),
    control("hostPathVolumes", "Baseline: HostPath Volumes", Automated),
    control("hostPorts", "Baseline: Host Ports", Automated),
    control("appArmorProfile", "Baseline: AppArmor", Automated),
    control("seLinuxOptions", "Baseline: SELinux", Automated),
    control("procMount", "Baseline: /proc Mount Type", Automated),
    control("seccompProfile_baseline", "Baseline: Seccomp", Automated),
    control("sysctls", "Baseline: Sysctls", Automated),
    control("hostProbesAndHostLifecycle", "Baseline: Probes and lifecycle handlers host", Automated),
    control("restrictedVolumes", "Restricted: Volume Types", Automated),
    control("allowPrivilegeEscalation", "Restricted: Privilege Escalation", Automated),
    control("runAsNonRoot", "Restricted: Running as Non-root", Automated),
    control("runAsUser", "Restricted: Running as Non-root user", Automated),
    control("seccompProfile_restricted", "Restricted: Seccomp", Automated),
    control("capabilities_restricted", "Restricted: Capabilities", Automated),
    control("procMount_restricted", "Restricted: /proc Mount Type", Automated),
];
