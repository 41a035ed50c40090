//! Workload hygiene and multi-tenancy: resources, probes, immutable filesystems, tokens,
//! quotas and limit ranges, and storage shared across tenants.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::containers::{ContainerKind, containers};
use crate::finding::{ObjectRef, Severity};
use crate::rules::rule::{Category, Outcome, Rule, RuleInput, custom_rule};

/// The workload and tenancy rules.
pub static RULES: [Rule; 10] = [
    custom_rule(
        "workload.missing-requests",
        "CPU or memory requests missing",
        Category::Workload,
        Severity::Low,
        "Without requests the scheduler cannot place the pod sensibly and quotas cannot account for it.",
        "resources:\n  requests:\n    cpu: 250m\n    memory: 512Mi",
        &["nsa:resource-policies"],
        missing_requests,
    ),
    custom_rule(
        "workload.missing-limits",
        "Memory limit missing",
        Category::Workload,
        Severity::Low,
        "Without a memory limit one container can exhaust its node's memory and get its neighbours killed.",
        "resources:\n  limits:\n    memory: 512Mi",
        &["nsa:resource-policies"],
        missing_limits,
    ),
    custom_rule(
        "workload.missing-probes",
        "Liveness or readiness probe missing",
        Category::Workload,
        Severity::Low,
        "Without probes Kubernetes keeps sending traffic to a hung process and never restarts it.",
        "readinessProbe:\n  httpGet: {path: /ready, port: 8080}\nlivenessProbe:\n  httpGet: {path: /healthz, port: 8080}",
        &[],
        missing_probes,
    ),
    custom_rule(
        "workload.writable-root-filesystem",
        "Writable root filesystem",
        Category::Workload,
        Severity::Low,
        "A writable root filesystem lets an intruder drop tools and persist changes inside the container.",
        "securityContext:\n  readOnlyRootFilesystem: true\n# and an emptyDir for the paths that must be writable",
        &["nsa:immutable-filesystem"],
        writable_root_filesystem,
    ),
    custom_rule(
        "workload.writable-host-path",
        "Writable hostPath mount",
        Category::Workload,
        Severity::High,
        "A hostPath mounted read-write lets the container change the node's own files: its \
         kubelet configuration, its binaries, other pods' volumes.",
        "Mount it read-only, or better use no hostPath at all:\n\nvolumeMounts:\n  - name: host\n    mountPath: /host\n    readOnly: true",
        &["cis:5.2.12", "nsa:container-hardening"],
        writable_host_path,
    ),
    custom_rule(
        "workload.automount-token",
        "Service account token mounted",
        Category::Workload,
        Severity::Low,
        "A mounted token is a credential for the API server inside every container of the pod; \
         most workloads never call the API.",
        "spec:\n  automountServiceAccountToken: false",
        &["cis:5.1.6", "nsa:service-account-tokens"],
        automount_token,
    ),
    custom_rule(
        "workload.namespace-without-quota",
        "Namespace without ResourceQuota",
        Category::Tenancy,
        Severity::Medium,
        "Without a ResourceQuota one tenant's runaway job can take every CPU, byte of memory and \
         GPU of the cluster from the others.",
        "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\nspec:\n  hard:\n    requests.cpu: \"16\"\n    requests.memory: 64Gi\n    requests.nvidia.com/gpu: \"4\"",
        &["nsa:resource-policies"],
        namespace_without_quota,
    ),
    custom_rule(
        "workload.namespace-without-limit-range",
        "Namespace without LimitRange",
        Category::Tenancy,
        Severity::Low,
        "A LimitRange gives containers that declare nothing sane defaults, so quotas and the \
         scheduler still see them.",
        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\nspec:\n  limits:\n    - type: Container\n      default: {cpu: 500m, memory: 512Mi}\n      defaultRequest: {cpu: 250m, memory: 256Mi}",
        &["nsa:resource-policies"],
        namespace_without_limit_range,
    ),
    custom_rule(
        "workload.default-namespace",
        "Workload in the default namespace",
        Category::Tenancy,
        Severity::Low,
        "The default namespace belongs to no tenant: its workloads escape tenant quotas, policies and ownership.",
        "Move the workload into its team's namespace.",
        &["cis:5.7.4", "nsa:namespaces"],
        default_namespace,
    ),
    custom_rule(
        "tenancy.shared-volume",
        "Storage shared across tenants",
        Category::Tenancy,
        Severity::High,
        "Two tenants' volumes backed by the same storage (the same NFS export, CSI volume or host \
         path) can read and change each other's data.",
        "Give each tenant its own storage, and restrict PersistentVolume binding with claimRef or StorageClasses.",
        &["nsa:namespaces"],
        shared_volume,
    ),
];

/// Long-running kinds that serve traffic, for which probes matter.
fn is_long_running(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Pod")
}

fn per_container(
    rule: &Rule,
    input: &RuleInput<'_>,
    judge: impl Fn(&str, &crate::containers::ContainerRef<'_>) -> Option<(String, String)>,
) -> Outcome {
    let mut out = Vec::new();
    for site in input.sites.iter() {
        for c in containers(site.spec).iter().filter(|c| c.kind != ContainerKind::Ephemeral) {
            if let Some((message, field)) = judge(&site.kind, c) {
                out.push(rule.finding(
                    site.object(),
                    Some(c.name),
                    message,
                    vec![site.path(&format!("{}.{field}", c.path()))],
                ));
            }
        }
    }
    Ok(out)
}

fn missing_requests(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_container(rule, input, |_, c| {
        let requests = c.resources.and_then(|r| r.requests.as_ref());
        let missing: Vec<&str> =
            ["cpu", "memory"].into_iter().filter(|k| !requests.is_some_and(|r| r.contains_key(*k))).collect();
        (!missing.is_empty()).then(|| {
            (format!("container {:?} requests no {}", c.name, missing.join(" or ")), "resources.requests".into())
        })
    })
}

fn missing_limits(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_container(rule, input, |_, c| {
        let limited = c.resources.and_then(|r| r.limits.as_ref()).is_some_and(|l| l.contains_key("memory"));
        (!limited).then(|| (format!("container {:?} has no memory limit", c.name), "resources.limits.memory".into()))
    })
}

fn missing_probes(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_container(rule, input, |kind, c| {
        if !is_long_running(kind) || c.kind != ContainerKind::Regular {
            return None;
        }
        let missing: Vec<&str> = [("liveness", c.liveness_probe), ("readiness", c.readiness_probe)]
            .into_iter()
            .filter(|(_, p)| p.is_none())
            .map(|(n, _)| n)
            .collect();
        (!missing.is_empty()).then(|| {
            (format!("container {:?} has no {} probe", c.name, missing.join(" or ")), format!("{}Probe", missing[0]))
        })
    })
}

fn writable_root_filesystem(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_container(rule, input, |_, c| {
        let read_only = c.security_context.and_then(|sc| sc.read_only_root_filesystem) == Some(true);
        (!read_only).then(|| {
            (
                format!("container {:?} can write to its root filesystem", c.name),
                "securityContext.readOnlyRootFilesystem".into(),
            )
        })
    })
}

fn writable_host_path(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for site in input.sites.iter() {
        let host_volumes: HashSet<&str> =
            site.spec.volumes.iter().flatten().filter(|v| v.host_path.is_some()).map(|v| v.name.as_str()).collect();
        for c in containers(site.spec) {
            for (i, m) in c.volume_mounts.iter().enumerate() {
                if host_volumes.contains(m.name.as_str()) && m.read_only != Some(true) {
                    let message = format!(
                        "container {:?} mounts host path volume {:?} read-write at {}",
                        c.name, m.name, m.mount_path
                    );
                    out.push(rule.finding(
                        site.object(),
                        Some(c.name),
                        message,
                        vec![site.path(&format!("{}.volumeMounts[{i}].readOnly", c.path()))],
                    ));
                }
            }
        }
    }
    Ok(out)
}

fn automount_token(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for site in input.sites.iter().filter(|site| input.token_mounted(site)) {
        let message = format!("pods mount the token of service account {:?}", site.service_account());
        out.push(rule.finding(site.object(), None, message, vec![site.path("spec.automountServiceAccountToken")]));
    }
    Ok(out)
}

fn namespaces_lacking(rule: &Rule, input: &RuleInput<'_>, covered: HashSet<&str>, what: &str) -> Outcome {
    Ok(input
        .inventory
        .namespaces
        .iter()
        .filter(|ns| !covered.contains(ns.metadata.name.as_deref().unwrap_or_default()))
        .map(|ns| {
            let name = ns.metadata.name.as_deref().unwrap_or_default();
            rule.finding(
                ObjectRef::from_meta("Namespace", &ns.metadata),
                None,
                format!("namespace {name:?} has no {what}"),
                vec![],
            )
        })
        .collect())
}

fn namespace_without_quota(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let covered = input.inventory.resource_quotas.iter().filter_map(|q| q.metadata.namespace.as_deref()).collect();
    namespaces_lacking(rule, input, covered, "ResourceQuota")
}

fn namespace_without_limit_range(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let covered = input.inventory.limit_ranges.iter().filter_map(|l| l.metadata.namespace.as_deref()).collect();
    namespaces_lacking(rule, input, covered, "LimitRange")
}

fn default_namespace(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(input
        .sites
        .iter()
        .filter(|site| site.namespace() == Some("default"))
        .map(|site| {
            rule.finding(
                site.object(),
                None,
                "workload runs in the default namespace".into(),
                vec!["metadata.namespace".into()],
            )
        })
        .collect())
}

/// What identifies the storage behind a PersistentVolume, across PersistentVolumes.
fn storage_identity(pv: &k8s_openapi::api::core::v1::PersistentVolume) -> Option<String> {
    let spec = pv.spec.as_ref()?;
    if let Some(nfs) = &spec.nfs {
        return Some(format!("nfs://{}{}", nfs.server, nfs.path));
    }
    if let Some(csi) = &spec.csi {
        return Some(format!("csi://{}/{}", csi.driver, csi.volume_handle));
    }
    spec.host_path.as_ref().map(|h| format!("hostPath://{}", h.path))
}

fn shared_volume(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let inv = input.inventory;
    // storage identity -> (tenant -> PersistentVolumes)
    let mut by_storage: BTreeMap<String, BTreeMap<String, Vec<&k8s_openapi::api::core::v1::PersistentVolume>>> =
        BTreeMap::new();
    for pv in &inv.persistent_volumes {
        let (Some(identity), Some(claim)) = (storage_identity(pv), pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()))
        else {
            continue;
        };
        let tenant = input.tenants.tenant(claim.namespace.as_deref());
        by_storage.entry(identity).or_default().entry(tenant).or_default().push(pv);
    }
    let mut out = Vec::new();
    for (identity, tenants) in by_storage.into_iter().filter(|(_, t)| t.len() > 1) {
        let names: BTreeSet<&str> = tenants.keys().map(String::as_str).collect();
        let names: Vec<&str> = names.into_iter().collect();
        for pv in tenants.values().flatten() {
            let claim = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
            let claimed_by = claim
                .map(|c| {
                    format!("{}/{}", c.namespace.as_deref().unwrap_or_default(), c.name.as_deref().unwrap_or_default())
                })
                .unwrap_or_default();
            let message = format!(
                "PersistentVolume (claimed by {claimed_by}) shares storage {identity} with tenants {}",
                names.join(", ")
            );
            out.push(rule.finding(
                ObjectRef::from_meta("PersistentVolume", &pv.metadata),
                None,
                message,
                vec!["spec.claimRef".into()],
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{deployment, obj, rule_ids};
    use serde_json::{Value, json};

    fn container(extra: Value) -> Inventory {
        let mut c = json!({"name": "c", "image": "registry.example.com/a:1.0"});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        deployment("x", "api", json!({"containers": [c]}))
    }

    #[test]
    fn resources_probes_and_root_filesystem_are_required() {
        let bare = container(json!({}));
        for id in [
            "workload.missing-requests",
            "workload.missing-limits",
            "workload.missing-probes",
            "workload.writable-root-filesystem",
        ] {
            assert_eq!(rule_ids(&bare, id).len(), 1, "{id} fails on a bare container");
        }
        let good = container(json!({
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "128Mi"}},
            "livenessProbe": {"httpGet": {"path": "/", "port": 80}}, "readinessProbe": {"httpGet": {"path": "/", "port": 80}},
            "securityContext": {"readOnlyRootFilesystem": true}
        }));
        for id in [
            "workload.missing-requests",
            "workload.missing-limits",
            "workload.missing-probes",
            "workload.writable-root-filesystem",
        ] {
            assert!(rule_ids(&good, id).is_empty(), "{id} passes on a tidy container");
        }
    }

    #[test]
    fn jobs_need_no_probes() {
        let inv = Inventory {
            jobs: vec![obj(
                json!({"metadata": {"name": "j", "namespace": "x"}, "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}),
            )],
            ..Inventory::default()
        };
        assert!(rule_ids(&inv, "workload.missing-probes").is_empty());
    }

    fn host_mount(read_only: bool) -> Inventory {
        deployment(
            "x",
            "agent",
            json!({
                "volumes": [{"name": "host", "hostPath": {"path": "/var/lib"}}],
                "containers": [{"name": "c", "volumeMounts": [{"name": "host", "mountPath": "/host", "readOnly": read_only}]}]
            }),
        )
    }

    #[test]
    fn read_write_host_path_mount_fails_and_read_only_passes() {
        assert_eq!(rule_ids(&host_mount(false), "workload.writable-host-path").len(), 1);
        assert!(rule_ids(&host_mount(true), "workload.writable-host-path").is_empty());
    }

    #[test]
    fn token_automount_fails_unless_disabled_on_pod_or_account() {
        assert_eq!(rule_ids(&container(json!({})), "workload.automount-token").len(), 1);
        let off = deployment("x", "api", json!({"automountServiceAccountToken": false, "containers": [{"name": "c"}]}));
        assert!(rule_ids(&off, "workload.automount-token").is_empty());
        let mut account_off =
            deployment("x", "api", json!({"serviceAccountName": "api", "containers": [{"name": "c"}]}));
        account_off
            .service_accounts
            .push(obj(json!({"metadata": {"name": "api", "namespace": "x"}, "automountServiceAccountToken": false})));
        assert!(rule_ids(&account_off, "workload.automount-token").is_empty());
    }

    #[test]
    fn namespaces_need_quota_and_limit_range() {
        let mut inv =
            Inventory { namespaces: vec![obj(json!({"metadata": {"name": "team-b"}}))], ..Inventory::default() };
        assert_eq!(rule_ids(&inv, "workload.namespace-without-quota").len(), 1);
        assert_eq!(rule_ids(&inv, "workload.namespace-without-limit-range").len(), 1);
        inv.resource_quotas.push(obj(json!({"metadata": {"name": "q", "namespace": "team-b"}})));
        inv.limit_ranges.push(obj(json!({"metadata": {"name": "l", "namespace": "team-b"}})));
        assert!(rule_ids(&inv, "workload.namespace-without-quota").is_empty());
        assert!(rule_ids(&inv, "workload.namespace-without-limit-range").is_empty());
    }

    #[test]
    fn workloads_in_default_namespace_fail() {
        assert_eq!(
            rule_ids(&deployment("default", "w", json!({"containers": [{"name": "c"}]})), "workload.default-namespace")
                .len(),
            1
        );
        assert!(
            rule_ids(&deployment("team", "w", json!({"containers": [{"name": "c"}]})), "workload.default-namespace")
                .is_empty()
        );
    }

    fn volumes(second_ns: &str) -> Inventory {
        let pv = |name: &str, ns: &str| {
            obj(json!({"metadata": {"name": name}, "spec": {
            "nfs": {"server": "nfs.internal", "path": "/exports/models"},
            "claimRef": {"namespace": ns, "name": "models"}}}))
        };
        Inventory {
            namespaces: vec![
                obj(json!({"metadata": {"name": "nlp-prod", "labels": {"rampart.io/tenant": "nlp"}}})),
                obj(json!({"metadata": {"name": "nlp-dev", "labels": {"rampart.io/tenant": "nlp"}}})),
                obj(json!({"metadata": {"name": "vision-prod", "labels": {"rampart.io/tenant": "vision"}}})),
            ],
            persistent_volumes: vec![pv("pv-a", "nlp-prod"), pv("pv-b", second_ns)],
            ..Inventory::default()
        }
    }

    #[test]
    fn storage_shared_across_tenants_fails_and_within_a_tenant_passes() {
        assert_eq!(rule_ids(&volumes("vision-prod"), "tenancy.shared-volume").len(), 2);
        assert!(rule_ids(&volumes("nlp-dev"), "tenancy.shared-volume").is_empty());
    }
}
