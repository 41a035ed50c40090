//! Pod Security Standards, check for check as Kubernetes' pod-security-admission defines them
//! for the latest policy version: the same check ids, the same fields, the same allowed values,
//! and the same overrides between the baseline and restricted levels.
//!
//! Each check returns the violations it finds, each with the field path that offends, so a
//! finding can point at `spec.template.spec.containers[0].securityContext.privileged`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::containers::{ContainerRef, containers};

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

/// One pod-security-admission check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// pod-security-admission's check id (`privileged`, `capabilities_restricted`, ...).
    pub id: &'static str,
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
    level: Level,
    overrides: &'static [&'static str],
    run: fn(&ObjectMeta, &PodSpec) -> Vec<Violation>,
) -> Check {
    Check { id, level, overrides, run }
}

/// Every check of the latest policy version.
pub static CHECKS: [Check; 19] = [
    check("windowsHostProcess", Level::Baseline, &[], windows_host_process),
    check("hostNamespaces", Level::Baseline, &[], host_namespaces),
    check("privileged", Level::Baseline, &[], privileged),
    check("capabilities_baseline", Level::Baseline, &[], capabilities_baseline),
    check("hostPathVolumes", Level::Baseline, &[], host_path_volumes),
    check("hostPorts", Level::Baseline, &[], host_ports),
    check("appArmorProfile", Level::Baseline, &[], app_armor_profile),
    check("seLinuxOptions", Level::Baseline, &[], se_linux_options),
    check("procMount", Level::Baseline, &[], proc_mount_baseline),
    check("seccompProfile_baseline", Level::Baseline, &[], seccomp_baseline),
    check("sysctls", Level::Baseline, &[], sysctls),
    check("hostProbesAndHostLifecycle", Level::Baseline, &[], host_probes_and_lifecycle),
    check("restrictedVolumes", Level::Restricted, &["hostPathVolumes"], restricted_volumes),
    check("allowPrivilegeEscalation", Level::Restricted, &[], allow_privilege_escalation),
    check("runAsNonRoot", Level::Restricted, &[], run_as_non_root),
    check("runAsUser", Level::Restricted, &[], run_as_user),
    check("seccompProfile_restricted", Level::Restricted, &["seccompProfile_baseline"], seccomp_restricted),
    check("capabilities_restricted", Level::Restricted, &["capabilities_baseline"], capabilities_restricted),
    check("procMount_restricted", Level::Restricted, &["procMount"], proc_mount_restricted),
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

fn pod_violation(path: &str, detail: String) -> Violation {
    Violation { container: None, path: path.to_string(), detail }
}

fn container_violation(c: &ContainerRef<'_>, field: &str, detail: String) -> Violation {
    Violation { container: Some(c.name.to_string()), path: format!("{}.{field}", c.path()), detail }
}

/// Each container's security context, with the container.
fn with_security_context<'a>(spec: &'a PodSpec) -> impl Iterator<Item = (ContainerRef<'a>, &'a SecurityContext)> {
    containers(spec).into_iter().filter_map(|c| c.security_context.map(|sc| (c, sc)))
}

fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// Pods in a user namespace (`hostUsers: false`) get the relaxations of KEP-127.
fn in_user_namespace(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}

fn windows_host_process(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    let pod = spec.security_context.as_ref().and_then(|sc| sc.windows_options.as_ref()?.host_process);
    if pod == Some(true) {
        out.push(pod_violation(
            "spec.securityContext.windowsOptions.hostProcess",
            "pod must not set securityContext.windowsOptions.hostProcess=true".into(),
        ));
    }
    for (c, sc) in with_security_context(spec) {
        if sc.windows_options.as_ref().and_then(|w| w.host_process) == Some(true) {
            let detail = format!("container {:?} must not set securityContext.windowsOptions.hostProcess=true", c.name);
            out.push(container_violation(&c, "securityContext.windowsOptions.hostProcess", detail));
        }
    }
    out
}

fn host_namespaces(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    [("hostNetwork", spec.host_network), ("hostPID", spec.host_pid), ("hostIPC", spec.host_ipc)]
        .into_iter()
        .filter(|(_, on)| *on == Some(true))
        .map(|(field, _)| pod_violation(&format!("spec.{field}"), format!("pod must not set {field}=true")))
        .collect()
}

fn privileged(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    with_security_context(spec)
        .filter(|(_, sc)| sc.privileged == Some(true))
        .map(|(c, _)| {
            let detail = format!("container {:?} must not set securityContext.privileged=true", c.name);
            container_violation(&c, "securityContext.privileged", detail)
        })
        .collect()
}

/// Capabilities a container may add at the baseline level.
const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    for (c, sc) in with_security_context(spec) {
        let added = sc.capabilities.as_ref().and_then(|caps| caps.add.as_ref());
        for (i, cap) in added.into_iter().flatten().enumerate() {
            if !BASELINE_CAPABILITIES.contains(&cap.as_str()) {
                let detail =
                    format!("container {:?} must not include {cap:?} in securityContext.capabilities.add", c.name);
                out.push(container_violation(&c, &format!("securityContext.capabilities.add[{i}]"), detail));
            }
        }
    }
    out
}

fn capabilities_restricted(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if is_windows(spec) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in containers(spec) {
        let caps = c.security_context.and_then(|sc| sc.capabilities.as_ref());
        let drops_all = caps.and_then(|caps| caps.drop.as_ref()).is_some_and(|d| d.iter().any(|x| x == "ALL"));
        if !drops_all {
            let detail = format!("container {:?} must set securityContext.capabilities.drop=[\"ALL\"]", c.name);
            out.push(container_violation(&c, "securityContext.capabilities.drop", detail));
        }
        for (i, cap) in caps.and_then(|caps| caps.add.as_ref()).into_iter().flatten().enumerate() {
            if cap != "NET_BIND_SERVICE" {
                let detail =
                    format!("container {:?} must not include {cap:?} in securityContext.capabilities.add", c.name);
                out.push(container_violation(&c, &format!("securityContext.capabilities.add[{i}]"), detail));
            }
        }
    }
    out
}

fn host_path_volumes(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    spec.volumes
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, v)| v.host_path.is_some())
        .map(|(i, v)| {
            pod_violation(&format!("spec.volumes[{i}].hostPath"), format!("volume {:?} must not use hostPath", v.name))
        })
        .collect()
}

fn host_ports(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    for c in containers(spec) {
        for (i, port) in c.ports.iter().enumerate() {
            if let Some(host_port) = port.host_port.filter(|p| *p != 0) {
                let detail = format!("container {:?} uses hostPort {host_port}", c.name);
                out.push(container_violation(&c, &format!("ports[{i}].hostPort"), detail));
            }
        }
    }
    out
}

fn app_armor_profile(meta: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let allowed_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let mut out = Vec::new();
    if let Some(profile) = spec.security_context.as_ref().and_then(|sc| sc.app_armor_profile.as_ref())
        && !allowed_type(&profile.type_)
    {
        let detail = format!("pod must not set AppArmor profile type to {:?}", profile.type_);
        out.push(pod_violation("spec.securityContext.appArmorProfile.type", detail));
    }
    for (c, sc) in with_security_context(spec) {
        if let Some(profile) = sc.app_armor_profile.as_ref().filter(|p| !allowed_type(&p.type_)) {
            let detail = format!("container {:?} must not set AppArmor profile type to {:?}", c.name, profile.type_);
            out.push(container_violation(&c, "securityContext.appArmorProfile.type", detail));
        }
    }
    const PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
    let mut annotations: Vec<(&String, &String)> = meta.annotations.iter().flatten().collect();
    annotations.sort();
    for (key, value) in annotations {
        let allowed = value.is_empty() || value == "runtime/default" || value.starts_with("localhost/");
        if key.starts_with(PREFIX) && !allowed {
            let detail = format!("annotation {key}={value:?} sets a forbidden AppArmor profile");
            out.push(pod_violation(&format!("metadata.annotations[{key}]"), detail));
        }
    }
    out
}

/// SELinux types a pod may set.
const SELINUX_TYPES: [&str; 5] = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

fn se_linux_options(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut check =
        |opts: &k8s_openapi::api::core::v1::SELinuxOptions, container: Option<&ContainerRef<'_>>, base: &str| {
            let who = container.map_or("pod".to_string(), |c| format!("container {:?}", c.name));
            let mut bad = Vec::new();
            let selinux_type = opts.type_.as_deref().unwrap_or_default();
            if !SELINUX_TYPES.contains(&selinux_type) {
                bad.push(("type", format!("{who} must not set seLinuxOptions.type to {selinux_type:?}")));
            }
            if opts.user.as_deref().is_some_and(|u| !u.is_empty()) {
                bad.push(("user", format!("{who} must not set seLinuxOptions.user")));
            }
            if opts.role.as_deref().is_some_and(|r| !r.is_empty()) {
                bad.push(("role", format!("{who} must not set seLinuxOptions.role")));
            }
            for (field, detail) in bad {
                let path = format!("{base}.seLinuxOptions.{field}");
                out.push(Violation { container: container.map(|c| c.name.to_string()), path, detail });
            }
        };
    if let Some(opts) = spec.security_context.as_ref().and_then(|sc| sc.se_linux_options.as_ref()) {
        check(opts, None, "spec.securityContext");
    }
    for (c, sc) in with_security_context(spec) {
        if let Some(opts) = &sc.se_linux_options {
            let base = format!("{}.securityContext", c.path());
            check(opts, Some(&c), &base);
        }
    }
    out
}

fn unmasked_proc_mounts(spec: &PodSpec) -> Vec<Violation> {
    with_security_context(spec)
        .filter_map(|(c, sc)| {
            let mount = sc.proc_mount.as_deref().filter(|m| *m != "Default")?;
            let detail = format!("container {:?} must not set securityContext.procMount to {mount:?}", c.name);
            Some(container_violation(&c, "securityContext.procMount", detail))
        })
        .collect()
}

fn proc_mount_baseline(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if in_user_namespace(spec) { Vec::new() } else { unmasked_proc_mounts(spec) }
}

fn proc_mount_restricted(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    unmasked_proc_mounts(spec)
}

fn valid_seccomp(profile_type: &str) -> bool {
    profile_type == "RuntimeDefault" || profile_type == "Localhost"
}

/// Pod- and container-level seccomp profiles of a type other than RuntimeDefault/Localhost.
fn bad_seccomp_profiles(spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(profile) = spec.security_context.as_ref().and_then(|sc| sc.seccomp_profile.as_ref())
        && !valid_seccomp(&profile.type_)
    {
        let detail = format!("pod must not set securityContext.seccompProfile.type to {:?}", profile.type_);
        out.push(pod_violation("spec.securityContext.seccompProfile.type", detail));
    }
    for (c, sc) in with_security_context(spec) {
        if let Some(profile) = sc.seccomp_profile.as_ref().filter(|p| !valid_seccomp(&p.type_)) {
            let detail = format!(
                "container {:?} must not set securityContext.seccompProfile.type to {:?}",
                c.name, profile.type_
            );
            out.push(container_violation(&c, "securityContext.seccompProfile.type", detail));
        }
    }
    out
}

fn seccomp_baseline(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    bad_seccomp_profiles(spec)
}

fn seccomp_restricted(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if is_windows(spec) {
        return Vec::new();
    }
    let mut out = bad_seccomp_profiles(spec);
    let pod_set = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .is_some_and(|p| valid_seccomp(&p.type_));
    if !pod_set {
        for c in containers(spec) {
            if c.security_context.and_then(|sc| sc.seccomp_profile.as_ref()).is_none() {
                let detail = format!(
                    "pod or container {:?} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                    c.name
                );
                out.push(container_violation(&c, "securityContext.seccompProfile", detail));
            }
        }
    }
    out
}

/// Sysctls that are namespaced and isolated from other pods (the "safe" set).
const SAFE_SYSCTLS: [&str; 14] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn sysctls(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let sysctls = spec.security_context.as_ref().and_then(|sc| sc.sysctls.as_ref());
    sysctls
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, s)| !SAFE_SYSCTLS.contains(&s.name.as_str()))
        .map(|(i, s)| {
            pod_violation(&format!("spec.securityContext.sysctls[{i}].name"), format!("forbidden sysctl {:?}", s.name))
        })
        .collect()
}

fn host_probes_and_lifecycle(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    for c in containers(spec) {
        let mut handlers = Vec::new();
        for (name, probe) in c.probes() {
            handlers.push((
                name.to_string(),
                probe.http_get.as_ref().map(|h| h.host.as_deref()),
                probe.tcp_socket.as_ref().map(|t| t.host.as_deref()),
            ));
        }
        if let Some(lifecycle) = c.lifecycle {
            for (name, handler) in
                [("lifecycle.postStart", &lifecycle.post_start), ("lifecycle.preStop", &lifecycle.pre_stop)]
            {
                if let Some(h) = handler {
                    handlers.push((
                        name.to_string(),
                        h.http_get.as_ref().map(|g| g.host.as_deref()),
                        h.tcp_socket.as_ref().map(|t| t.host.as_deref()),
                    ));
                }
            }
        }
        for (name, http_host, tcp_host) in handlers {
            for (field, host) in [("httpGet", http_host), ("tcpSocket", tcp_host)] {
                if let Some(host) = host.flatten().filter(|h| !h.is_empty()) {
                    let detail = format!("container {:?} must not set {name}.{field}.host to {host:?}", c.name);
                    out.push(container_violation(&c, &format!("{name}.{field}.host"), detail));
                }
            }
        }
    }
    out
}

fn restricted_volumes(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let allowed = v.config_map.is_some()
            || v.csi.is_some()
            || v.downward_api.is_some()
            || v.empty_dir.is_some()
            || v.ephemeral.is_some()
            || v.image.is_some()
            || v.persistent_volume_claim.is_some()
            || v.projected.is_some()
            || v.secret.is_some();
        if allowed {
            continue;
        }
        let kinds: [(&str, bool); 21] = [
            ("hostPath", v.host_path.is_some()),
            ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
            ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
            ("gitRepo", v.git_repo.is_some()),
            ("nfs", v.nfs.is_some()),
            ("iscsi", v.iscsi.is_some()),
            ("glusterfs", v.glusterfs.is_some()),
            ("rbd", v.rbd.is_some()),
            ("flexVolume", v.flex_volume.is_some()),
            ("cinder", v.cinder.is_some()),
            ("cephfs", v.cephfs.is_some()),
            ("flocker", v.flocker.is_some()),
            ("fc", v.fc.is_some()),
            ("azureFile", v.azure_file.is_some()),
            ("vsphereVolume", v.vsphere_volume.is_some()),
            ("quobyte", v.quobyte.is_some()),
            ("azureDisk", v.azure_disk.is_some()),
            ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
            ("portworxVolume", v.portworx_volume.is_some()),
            ("scaleIO", v.scale_io.is_some()),
            ("storageos", v.storageos.is_some()),
        ];
        let kind = kinds.iter().find(|(_, set)| *set).map_or("unknown", |(k, _)| k);
        let path = if kind == "unknown" { format!("spec.volumes[{i}]") } else { format!("spec.volumes[{i}].{kind}") };
        out.push(pod_violation(&path, format!("volume {:?} uses restricted volume type {kind:?}", v.name)));
    }
    out
}

fn allow_privilege_escalation(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if is_windows(spec) {
        return Vec::new();
    }
    containers(spec)
        .into_iter()
        .filter(|c| c.security_context.and_then(|sc| sc.allow_privilege_escalation) != Some(false))
        .map(|c| {
            let detail = format!("container {:?} must set securityContext.allowPrivilegeEscalation=false", c.name);
            container_violation(&c, "securityContext.allowPrivilegeEscalation", detail)
        })
        .collect()
}

fn run_as_non_root(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if in_user_namespace(spec) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let pod = spec.security_context.as_ref().and_then(|sc| sc.run_as_non_root);
    if pod == Some(false) {
        out.push(pod_violation(
            "spec.securityContext.runAsNonRoot",
            "pod must not set securityContext.runAsNonRoot=false".into(),
        ));
    }
    for c in containers(spec) {
        match c.security_context.and_then(|sc| sc.run_as_non_root) {
            Some(false) => {
                let detail = format!("container {:?} must not set securityContext.runAsNonRoot=false", c.name);
                out.push(container_violation(&c, "securityContext.runAsNonRoot", detail));
            }
            None if pod != Some(true) => {
                let detail = format!("pod or container {:?} must set securityContext.runAsNonRoot=true", c.name);
                out.push(container_violation(&c, "securityContext.runAsNonRoot", detail));
            }
            _ => {}
        }
    }
    out
}

fn run_as_user(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if in_user_namespace(spec) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0) {
        out.push(pod_violation("spec.securityContext.runAsUser", "pod must not set runAsUser=0".into()));
    }
    for (c, sc) in with_security_context(spec) {
        if sc.run_as_user == Some(0) {
            let detail = format!("container {:?} must not set runAsUser=0", c.name);
            out.push(container_violation(&c, "securityContext.runAsUser", detail));
        }
    }
    out
}
