//! Pod Security Standards checks over every pod spec (bare Pods and workload templates).

use k8s_openapi::api::core::v1::{Container, PodSpec};

use super::{Category, Rule};
use crate::finding::{Finding, Severity};
use crate::inventory::Inventory;

/// A privileged container has every capability and full access to the host's devices.
pub const PRIVILEGED: Rule = Rule {
    id: "pod.privileged",
    title: "Privileged container",
    category: Category::PodSecurity,
    severity: Severity::Critical,
    rationale: "A privileged container runs with all Linux capabilities and the host's devices; \
                escaping it to the node is trivial, and from the node to every pod on it.",
    remediation: "Remove `securityContext.privileged: true`; grant only the capabilities the \
                  process needs:\n\nsecurityContext:\n  privileged: false\n  capabilities:\n    drop: [\"ALL\"]",
    controls: &["pss:privileged", "cis:5.2.2", "nsa:pod-security"],
    check: check_privileged,
};

/// A hostPath volume exposes the node's filesystem to the pod.
pub const HOST_PATH: Rule = Rule {
    id: "pod.host-path",
    title: "hostPath volume",
    category: Category::PodSecurity,
    severity: Severity::High,
    rationale: "A hostPath volume mounts the node's filesystem into the pod: it can read other \
                pods' data and credentials, or write to the node itself.",
    remediation: "Replace the hostPath volume with a PersistentVolumeClaim, a ConfigMap, or an \
                  emptyDir:\n\nvolumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data",
    controls: &["pss:hostPathVolumes", "cis:5.2.12", "nsa:pod-security"],
    check: check_host_path,
};

fn all_containers(
    spec: &PodSpec,
) -> impl Iterator<Item = (&str, &Option<k8s_openapi::api::core::v1::SecurityContext>)> {
    let regular = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten());
    let ephemeral = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| (c.name.as_str(), &c.security_context));
    regular
        .map(|c: &Container| (c.name.as_str(), &c.security_context))
        .chain(ephemeral)
}

fn check_privileged(rule: &Rule, inv: &Inventory, out: &mut Vec<Finding>) {
    for site in inv.pod_specs() {
        for (name, sc) in all_containers(site.spec) {
            if sc.as_ref().and_then(|sc| sc.privileged) == Some(true) {
                let message = format!("container {name:?} runs privileged");
                out.push(rule.finding(site.object(), Some(name), message));
            }
        }
    }
}

fn check_host_path(rule: &Rule, inv: &Inventory, out: &mut Vec<Finding>) {
    for site in inv.pod_specs() {
        for volume in site.spec.volumes.iter().flatten() {
            if let Some(host_path) = &volume.host_path {
                let message = format!(
                    "volume {:?} mounts host path {:?}",
                    volume.name, host_path.path
                );
                out.push(rule.finding(site.object(), None, message));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{obj, rule_ids};
    use serde_json::json;

    fn deployment(privileged: bool) -> Inventory {
        Inventory {
            deployments: vec![obj(json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "team-a"},
                "spec": {"selector": {}, "template": {"spec": {"containers": [
                    {"name": "app", "image": "nginx:1.27",
                     "securityContext": {"privileged": privileged}}
                ]}}}
            }))],
            ..Inventory::default()
        }
    }

    #[test]
    fn privileged_container_in_deployment_template_is_critical_and_names_the_deployment() {
        let findings = rule_ids(&deployment(true), "pod.privileged");
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.object.kind, "Deployment");
        assert_eq!(f.object.name, "web");
        assert_eq!(f.container.as_deref(), Some("app"));
        assert!(f.controls.contains(&"pss:privileged".to_string()));
    }

    #[test]
    fn unprivileged_container_passes() {
        assert!(rule_ids(&deployment(false), "pod.privileged").is_empty());
    }

    #[test]
    fn privileged_init_container_of_bare_pod_fails() {
        let inv = Inventory {
            pods: vec![obj(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "ns"},
                "spec": {"containers": [{"name": "main"}],
                         "initContainers": [{"name": "setup", "securityContext": {"privileged": true}}]}
            }))],
            ..Inventory::default()
        };
        let findings = rule_ids(&inv, "pod.privileged");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].container.as_deref(), Some("setup"));
    }

    #[test]
    fn pod_owned_by_a_controller_is_reported_through_its_controller_only() {
        let inv = Inventory {
            pods: vec![obj(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-abc", "namespace": "team-a", "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d", "uid": "u", "controller": true}
                ]},
                "spec": {"containers": [{"name": "app", "securityContext": {"privileged": true}}]}
            }))],
            ..Inventory::default()
        };
        assert!(rule_ids(&inv, "pod.privileged").is_empty());
    }

    fn cron_job(volume: serde_json::Value) -> Inventory {
        Inventory {
            cron_jobs: vec![obj(json!({
                "apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "nightly", "namespace": "ml"},
                "spec": {"schedule": "0 0 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                    "containers": [{"name": "train"}], "volumes": [volume]
                }}}}}
            }))],
            ..Inventory::default()
        }
    }

    #[test]
    fn host_path_volume_in_cron_job_template_fails() {
        let inv = cron_job(json!({"name": "host", "hostPath": {"path": "/var/run"}}));
        let findings = rule_ids(&inv, "pod.host-path");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object.kind, "CronJob");
        assert!(findings[0].message.contains("/var/run"));
    }

    #[test]
    fn empty_dir_volume_passes_host_path_check() {
        let inv = cron_job(json!({"name": "scratch", "emptyDir": {}}));
        assert!(rule_ids(&inv, "pod.host-path").is_empty());
    }
}
