//! The checks of the baseline level, with the restricted variants of the same fields
//! (capabilities, /proc mount, seccomp) beside their baseline forms.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::violation::*;
use crate::containers::{ContainerRef, containers};

pub(super) fn windows_host_process(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn host_namespaces(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    [("hostNetwork", spec.host_network), ("hostPID", spec.host_pid), ("hostIPC", spec.host_ipc)]
        .into_iter()
        .filter(|(_, on)| *on == Some(true))
        .map(|(field, _)| pod_violation(&format!("spec.{field}"), format!("pod must not set {field}=true")))
        .collect()
}

pub(super) fn privileged(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn capabilities_baseline(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn capabilities_restricted(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn host_path_volumes(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn host_ports(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn app_armor_profile(meta: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn se_linux_options(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn unmasked_proc_mounts(spec: &PodSpec) -> Vec<Violation> {
    with_security_context(spec)
        .filter_map(|(c, sc)| {
            let mount = sc.proc_mount.as_deref().filter(|m| *m != "Default")?;
            let detail = format!("container {:?} must not set securityContext.procMount to {mount:?}", c.name);
            Some(container_violation(&c, "securityContext.procMount", detail))
        })
        .collect()
}

pub(super) fn proc_mount_baseline(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if in_user_namespace(spec) { Vec::new() } else { unmasked_proc_mounts(spec) }
}

pub(super) fn proc_mount_restricted(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    unmasked_proc_mounts(spec)
}

pub(super) fn valid_seccomp(profile_type: &str) -> bool {
    profile_type == "RuntimeDefault" || profile_type == "Localhost"
}

/// Pod- and container-level seccomp profiles of a type other than RuntimeDefault/Localhost.
pub(super) fn bad_seccomp_profiles(spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn seccomp_baseline(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    bad_seccomp_profiles(spec)
}

pub(super) fn seccomp_restricted(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn sysctls(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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

pub(super) fn host_probes_and_lifecycle(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
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
