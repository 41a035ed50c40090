//! Pod Security Standards, check for check as Kubernetes' pod-security-admission defines them
//! for the latest policy version: the same check ids, the same fields, the same allowed values,
//! and the same overrides between the baseline and restricted levels.
//!
//! Each check returns the violations it finds, each with the field path that offends, so a
//! finding can point at `spec.template.spec.containers[0].securityContext.privileged`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::baseline::*;
use super::restricted::*;
pub use super::violation::Violation;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    /// Parses a `pod-security.kubernetes.io/enforce` label value.
    pub fn from_label(value: &str) -> Option<Level> {
        match value {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }

    /// The label value of this level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

/// One pod-security-admission check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// pod-security-admission's check id (`privileged`, `capabilities_restricted`, ...).
    pub id: &'static str,
    /// The title of its section in the Pod Security Standards (`Baseline: Privileged Containers`).
    pub title: &'static str,
    pub level: Level,
    /// Checks of the lower level this one replaces when evaluating its level.
    pub overrides: &'static [&'static str],
    run: fn(&ObjectMeta, &PodSpec) -> Vec<Violation>,
}

impl Check {
    /// The violations of this check in a pod (its metadata and spec).
    pub fn violations(&self, meta: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
        (self.run)(meta, spec)
    }
}

const fn check(
    id: &'static str,
    title: &'static str,
    level: Level,
    overrides: &'static [&'static str],
    run: fn(&ObjectMeta, &PodSpec) -> Vec<Violation>,
) -> Check {
    Check { id, title, level, overrides, run }
}

/// Every check of the latest policy version.
pub static CHECKS: [Check; CHECK_COUNT] = CHECK_TABLE;

/// How many checks the latest policy version makes.
pub const CHECK_COUNT: usize = 19;

/// [`CHECKS`] as a constant, from which the framework catalogue is built at compile time.
pub const CHECK_TABLE: [Check; CHECK_COUNT] = [
    check("windowsHostProcess", "Baseline: HostProcess", Level::Baseline, &[], windows_host_process),
    check("hostNamespaces", "Baseline: Host Namespaces", Level::Baseline, &[], host_namespaces),
    check("privileged", "Baseline: Privileged Containers", Level::Baseline, &[], privileged),
    check("capabilities_baseline", "Baseline: Capabilities", Level::Baseline, &[], capabilities_baseline),
    check("hostPathVolumes", "Baseline: HostPath Volumes", Level::Baseline, &[], host_path_volumes),
    check("hostPorts", "Baseline: Host Ports", Level::Baseline, &[], host_ports),
    check("appArmorProfile", "Baseline: AppArmor", Level::Baseline, &[], app_armor_profile),
    check("seLinuxOptions", "Baseline: SELinux", Level::Baseline, &[], se_linux_options),
    check("procMount", "Baseline: /proc Mount Type", Level::Baseline, &[], proc_mount_baseline),
    check("seccompProfile_baseline", "Baseline: Seccomp", Level::Baseline, &[], seccomp_baseline),
    check("sysctls", "Baseline: Sysctls", Level::Baseline, &[], sysctls),
    check(
        "hostProbesAndHostLifecycle",
        "Baseline: Probes and lifecycle handlers host",
        Level::Baseline,
        &[],
        host_probes_and_lifecycle,
    ),
    check("restrictedVolumes", "Restricted: Volume Types", Level::Restricted, &["hostPathVolumes"], restricted_volumes),
    check(
        "allowPrivilegeEscalation",
        "Restricted: Privilege Escalation",
        Level::Restricted,
        &[],
        allow_privilege_escalation,
    ),
    check("runAsNonRoot", "Restricted: Running as Non-root", Level::Restricted, &[], run_as_non_root),
    check("runAsUser", "Restricted: Running as Non-root user", Level::Restricted, &[], run_as_user),
    check(
        "seccompProfile_restricted",
        "Restricted: Seccomp",
        Level::Restricted,
        &["seccompProfile_baseline"],
        seccomp_restricted,
    ),
    check(
        "capabilities_restricted",
        "Restricted: Capabilities",
        Level::Restricted,
        &["capabilities_baseline"],
        capabilities_restricted,
    ),
    check(
        "procMount_restricted",
        "Restricted: /proc Mount Type",
        Level::Restricted,
        &["procMount"],
        proc_mount_restricted,
    ),
];

/// Looks a check up by its pod-security-admission id.
pub fn check_by_id(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The ids of the checks a pod fails at `level`, as pod-security-admission evaluates that
/// level (checks of the level and below, minus those a check of the level overrides).
pub fn failing_checks(level: Level, meta: &ObjectMeta, spec: &PodSpec) -> BTreeSet<&'static str> {
    let applicable: Vec<&Check> = CHECKS.iter().filter(|c| c.level <= level).collect();
    let overridden: BTreeSet<&str> = applicable.iter().flat_map(|c| c.overrides.iter().copied()).collect();
    applicable
        .into_iter()
        .filter(|c| !overridden.contains(c.id))
        .filter(|c| !c.violations(meta, spec).is_empty())
        .map(|c| c.id)
        .collect()
}
