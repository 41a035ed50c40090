//! Pod Security Standards: one rule per pod-security-admission check, over every pod spec
//! (bare Pods and the pod templates of workload controllers), plus the namespace's own Pod
//! Security Admission labels.

mod baseline;
pub mod checks;
mod restricted;
mod violation;

use crate::finding::{Finding, ObjectRef, Severity};
use crate::rules::rule::{Category, NotAssessable, Outcome, Rule, RuleCheck, RuleInput};
use checks::{Level, check_by_id, failing_checks};

/// The namespace label naming the level Pod Security Admission enforces.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

const fn pss(
    id: &'static str,
    check: &'static str,
    title: &'static str,
    severity: Severity,
    rationale: &'static str,
    remediation: &'static str,
    controls: &'static [&'static str],
) -> Rule {
    Rule {
        id,
        title,
        category: Category::PodSecurity,
        severity,
        rationale,
        remediation,
        controls,
        check: RuleCheck::Pss(check),
    }
}

/// The Pod Security Standards rules, baseline first, then restricted, then namespace labels.
pub static RULES: [Rule; 21] = [
    pss(
        "pod.host-process",
        "windowsHostProcess",
        "Windows HostProcess container",
        Severity::Critical,
        "A Windows HostProcess container runs directly on the node with the host's privileges.",
        "Remove `securityContext.windowsOptions.hostProcess: true` from the pod and its containers.",
        &["pss:windowsHostProcess", "cis:5.2.11", "nsa:container-hardening"],
    ),
    pss(
        "pod.host-namespaces",
        "hostNamespaces",
        "Host namespaces shared",
        Severity::High,
        "Sharing the node's network, PID or IPC namespace lets the pod see and reach the node's \
         processes and interfaces, and other pods' traffic.",
        "Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them to false):\n\nspec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false",
        &["pss:hostNamespaces", "cis:5.2.3", "cis:5.2.4", "cis:5.2.5", "nsa:container-hardening"],
    ),
    pss(
        "pod.privileged",
        "privileged",
        "Privileged container",
        Severity::Critical,
        "A privileged container runs with all Linux capabilities and the host's devices; escaping \
         it to the node is trivial, and from the node to every pod on it.",
        "Remove `securityContext.privileged: true`; grant only the capabilities the process needs:\n\n\
         securityContext:\n  privileged: false\n  capabilities:\n    drop: [\"ALL\"]",
        &["pss:privileged", "cis:5.2.2", "nsa:container-hardening"],
    ),
    pss(
        "pod.capabilities",
        "capabilities_baseline",
        "Capabilities beyond the default set",
        Severity::High,
        "Capabilities such as SYS_ADMIN, NET_ADMIN or NET_RAW give a container powers that are \
         commonly used to escape it or attack its neighbours.",
        "Add only capabilities from the default set, and prefer none:\n\nsecurityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]",
        &["pss:capabilities_baseline", "cis:5.2.8", "cis:5.2.9", "nsa:container-hardening"],
    ),
    pss(
        "pod.host-path",
        "hostPathVolumes",
        "hostPath volume",
        Severity::High,
        "A hostPath volume mounts the node's filesystem into the pod: it can read other pods' \
         data and credentials, or write to the node itself.",
        "Replace the hostPath volume with a PersistentVolumeClaim, a ConfigMap, or an emptyDir:\n\n\
         volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data",
        &["pss:hostPathVolumes", "cis:5.2.12", "nsa:container-hardening"],
    ),
    pss(
        "pod.host-ports",
        "hostPorts",
        "Host port",
        Severity::Medium,
        "A hostPort binds the node's own network interface, bypassing Services and NetworkPolicies.",
        "Remove `hostPort` and expose the port through a Service.",
        &["pss:hostPorts", "cis:5.2.13", "nsa:network-policies"],
    ),
    pss(
        "pod.apparmor",
        "appArmorProfile",
        "AppArmor profile disabled or overridden",
        Severity::Medium,
        "Setting the AppArmor profile to Unconfined (or to anything but the runtime default or a \
         local profile) removes a layer that confines the container's process.",
        "Use the runtime default profile:\n\nsecurityContext:\n  appArmorProfile:\n    type: RuntimeDefault",
        &["pss:appArmorProfile", "cis:5.7.3", "nsa:container-hardening"],
    ),
    pss(
        "pod.selinux",
        "seLinuxOptions",
        "Custom SELinux options",
        Severity::Medium,
        "A custom SELinux type, user or role can lift the confinement SELinux puts on containers.",
        "Remove `seLinuxOptions.user` and `.role`, and use a container type (`container_t`).",
        &["pss:seLinuxOptions", "cis:5.7.3", "nsa:container-hardening"],
    ),
    pss(
        "pod.proc-mount",
        "procMount",
        "Unmasked /proc",
        Severity::Medium,
        "An unmasked /proc exposes kernel interfaces the runtime normally hides from containers.",
        "Remove `securityContext.procMount` or set it to `Default`.",
        &["pss:procMount", "nsa:container-hardening"],
    ),
    pss(
        "pod.seccomp",
        "seccompProfile_baseline",
        "Seccomp disabled",
        Severity::Medium,
        "An Unconfined seccomp profile lets the container make every system call, including the \
         rare ones most kernel exploits go through.",
        "Use the runtime default profile:\n\nsecurityContext:\n  seccompProfile:\n    type: RuntimeDefault",
        &["pss:seccompProfile_baseline", "cis:5.7.2", "nsa:container-hardening"],
    ),
    pss(
        "pod.sysctls",
        "sysctls",
        "Unsafe sysctl",
        Severity::Medium,
        "Sysctls outside the safe set affect the whole node or other pods on it.",
        "Remove the sysctl, or set it on the node for the workloads that need it.",
        &["pss:sysctls", "nsa:container-hardening"],
    ),
    pss(
        "pod.probe-host",
        "hostProbesAndHostLifecycle",
        "Probe or lifecycle handler with a host",
        Severity::Medium,
        "A probe or lifecycle hook with a `host` makes the kubelet send requests to an arbitrary \
         address from the node: a server-side request forgery primitive.",
        "Remove `host` from `httpGet` and `tcpSocket` in probes and lifecycle handlers.",
        &["pss:hostProbesAndHostLifecycle", "nsa:container-hardening"],
    ),
    pss(
        "pod.restricted-volumes",
        "restrictedVolumes",
        "Volume type outside the restricted set",
        Severity::Low,
        "The restricted standard allows only configMap, csi, downwardAPI, emptyDir, ephemeral, \
         image, persistentVolumeClaim, projected and secret volumes; others reach node or network storage directly.",
        "Use a PersistentVolumeClaim instead of an inline network or node volume.",
        &["pss:restrictedVolumes", "nsa:container-hardening"],
    ),
    pss(
        "pod.privilege-escalation",
        "allowPrivilegeEscalation",
        "Privilege escalation allowed",
        Severity::Medium,
        "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its \
         parent through set-user-ID binaries.",
        "securityContext:\n  allowPrivilegeEscalation: false",
        &["pss:allowPrivilegeEscalation", "cis:5.2.6", "nsa:non-root"],
    ),
    pss(
        "pod.run-as-non-root",
        "runAsNonRoot",
        "May run as root",
        Severity::Medium,
        "Without `runAsNonRoot: true` the container may run as root, and a break-out is then a \
         break-out as root.",
        "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001",
        &["pss:runAsNonRoot", "cis:5.2.7", "nsa:non-root"],
    ),
    pss(
        "pod.run-as-root-user",
        "runAsUser",
        "Runs as user 0",
        Severity::High,
        "`runAsUser: 0` runs the container's process as root.",
        "Run as an unprivileged user:\n\nsecurityContext:\n  runAsUser: 10001",
        &["pss:runAsUser", "cis:5.2.7", "nsa:non-root"],
    ),
    pss(
        "pod.seccomp-restricted",
        "seccompProfile_restricted",
        "No seccomp profile",
        Severity::Low,
        "The restricted standard requires an explicit RuntimeDefault or Localhost seccomp profile.",
        "securityContext:\n  seccompProfile:\n    type: RuntimeDefault",
        &["pss:seccompProfile_restricted", "cis:5.7.2", "nsa:container-hardening"],
    ),
    pss(
        "pod.capabilities-restricted",
        "capabilities_restricted",
        "Capabilities not dropped",
        Severity::Low,
        "The restricted standard requires dropping ALL capabilities and adding back at most \
         NET_BIND_SERVICE.",
        "securityContext:\n  capabilities:\n    drop: [\"ALL\"]",
        &["pss:capabilities_restricted", "cis:5.2.9", "cis:5.2.10", "nsa:container-hardening"],
    ),
    pss(
        "pod.proc-mount-restricted",
        "procMount_restricted",
        "Unmasked /proc (restricted)",
        Severity::Low,
        "The restricted standard forbids an unmasked /proc even in a user namespace.",
        "Remove `securityContext.procMount` or set it to `Default`.",
        &["pss:procMount_restricted", "nsa:container-hardening"],
    ),
    Rule {
        id: "pod.namespace-without-enforce",
        title: "Namespace without Pod Security Admission enforcement",
        category: Category::PodSecurity,
        severity: Severity::Medium,
        rationale: "Without a `pod-security.kubernetes.io/enforce` label, the API server admits any \
                    pod into the namespace, however privileged.",
        remediation: "Label the namespace with the level it must meet:\n\n\
                      kubectl label namespace <ns> pod-security.kubernetes.io/enforce=restricted",
        controls: &["cis:5.2.1", "nsa:pod-security-enforcement"],
        check: RuleCheck::Custom(namespace_without_enforce),
    },
    Rule {
        id: "pod.rejected-by-namespace-level",
        title: "Workload the namespace's enforced level would reject",
        category: Category::PodSecurity,
        severity: Severity::High,
        rationale: "A workload that fails its namespace's enforced level was admitted before the \
                    label was set, or its pods will be refused at their next restart.",
        remediation: "Fix the workload's pod template until it meets the level (see the failing checks), \
                      or lower the namespace's level deliberately.",
        controls: &["cis:5.2.1", "nsa:pod-security-enforcement"],
        check: RuleCheck::Custom(rejected_by_namespace_level),
    },
];

/// Findings of one PSS check over every pod spec: one per violation, with its field path.
pub(super) fn pss_findings(rule: &Rule, check_id: &str, input: &RuleInput<'_>) -> Vec<Finding> {
    let Some(check) = check_by_id(check_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for site in input.sites.iter() {
        for v in check.violations(site.pod_meta, site.spec) {
            out.push(rule.finding(site.object(), v.container.as_deref(), v.detail, vec![site.path(&v.path)]));
        }
    }
    out
}

fn enforce_level(ns: &k8s_openapi::api::core::v1::Namespace) -> Option<&str> {
    ns.metadata.labels.as_ref()?.get(ENFORCE_LABEL).map(String::as_str)
}

fn namespace_without_enforce(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(input
        .inventory
        .namespaces
        .iter()
        .filter(|ns| enforce_level(ns).is_none())
        .map(|ns| {
            let name = ns.metadata.name.as_deref().unwrap_or_default();
            let evidence = vec![format!("metadata.labels[{ENFORCE_LABEL}]")];
            rule.finding(
                ObjectRef::from_meta("Namespace", &ns.metadata),
                None,
                format!("namespace {name:?} enforces no Pod Security level"),
                evidence,
            )
        })
        .collect())
}

fn rejected_by_namespace_level(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    if input.inventory.namespaces.is_empty() && !input.sites.is_empty() {
        return Err(NotAssessable("no Namespace objects to read enforced levels from".into()));
    }
    let mut out = Vec::new();
    for site in input.sites.iter() {
        let ns = input.namespace_of(site);
        let Some(level) = ns.and_then(enforce_level).and_then(Level::from_label) else {
            continue;
        };
        let failing = failing_checks(level, site.pod_meta, site.spec);
        if failing.is_empty() {
            continue;
        }
        let evidence = failing
            .iter()
            .filter_map(|id| check_by_id(id))
            .flat_map(|c| c.violations(site.pod_meta, site.spec))
            .map(|v| site.path(&v.path))
            .collect();
        let checks: Vec<&str> = failing.into_iter().collect();
        let message = format!(
            "namespace {:?} enforces {:?}, which this pod template fails: {}",
            site.namespace().unwrap_or_default(),
            level.as_str(),
            checks.join(", ")
        );
        out.push(rule.finding(site.object(), None, message, evidence));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{deployment, obj, rule_ids};
    use serde_json::json;

    #[test]
    fn privileged_container_in_deployment_template_names_the_deployment_and_the_field() {
        let inv = deployment(
            "team-a",
            "web",
            json!({"containers": [{"name": "app", "securityContext": {"privileged": true}}]}),
        );
        let findings = rule_ids(&inv, "pod.privileged");
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!((f.object.kind.as_str(), f.object.name.as_str()), ("Deployment", "web"));
        assert_eq!(f.container.as_deref(), Some("app"));
        assert_eq!(f.evidence, ["spec.template.spec.containers[0].securityContext.privileged"]);
        assert!(f.controls.contains(&"pss:privileged".to_string()));
    }

    #[test]
    fn a_pod_is_reported_through_its_top_owner_listed_or_not() {
        let pod: k8s_openapi::api::core::v1::Pod = obj(json!({
            "metadata": {"name": "web-abc", "namespace": "team-a", "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d", "uid": "u", "controller": true}]},
            "spec": {"containers": [{"name": "app", "securityContext": {"privileged": true}}]}
        }));
        let mut inv = deployment("team-a", "web", json!({"containers": [{"name": "app"}]}));
        inv.replica_sets.push(obj(json!({
            "metadata": {"name": "web-5d", "namespace": "team-a", "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d", "controller": true}]},
            "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "app"}]}}}
        })));
        inv.pods.push(pod.clone());
        assert!(rule_ids(&inv, "pod.privileged").is_empty(), "the Deployment's template speaks for its pods");

        // Without the ReplicaSet listed, the pod is the evidence of its owner.
        let alone = Inventory { pods: vec![pod].into(), ..Inventory::default() };
        let findings = rule_ids(&alone, "pod.privileged");
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].object.kind.as_str(), findings[0].object.name.as_str()), ("ReplicaSet", "web-5d"));
        assert!(findings[0].message.ends_with("(read from its pod web-abc)"), "{}", findings[0].message);
    }

    fn namespace(labels: serde_json::Value) -> Inventory {
        let mut inv =
            deployment("team-a", "web", json!({"containers": [{"name": "app", "securityContext": {"runAsUser": 0}}]}));
        inv.namespaces.push(obj(json!({"metadata": {"name": "team-a", "labels": labels}})));
        inv
    }

    #[test]
    fn namespace_without_enforce_label_fails_and_labelled_one_passes() {
        assert_eq!(rule_ids(&namespace(json!({})), "pod.namespace-without-enforce").len(), 1);
        let labelled = namespace(json!({"pod-security.kubernetes.io/enforce": "baseline"}));
        assert!(rule_ids(&labelled, "pod.namespace-without-enforce").is_empty());
    }

    #[test]
    fn workload_failing_the_enforced_restricted_level_is_reported_with_its_checks() {
        let restricted = namespace(json!({"pod-security.kubernetes.io/enforce": "restricted"}));
        let findings = rule_ids(&restricted, "pod.rejected-by-namespace-level");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("runAsUser"), "{}", findings[0].message);
        let baseline = namespace(json!({"pod-security.kubernetes.io/enforce": "baseline"}));
        assert!(
            rule_ids(&baseline, "pod.rejected-by-namespace-level").is_empty(),
            "runAsUser=0 is allowed at baseline"
        );
    }
}
