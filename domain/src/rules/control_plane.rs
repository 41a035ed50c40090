//! The API server's own flags, read from the kube-apiserver static pod when the cluster shows
//! it in `kube-system`. On managed control planes it is not visible: these rules then report
//! themselves not assessable, never passing.

use std::collections::BTreeMap;

use crate::pod::InventoryPod;

use crate::finding::{ObjectRef, Severity};
use crate::inventory::Inventory;
use crate::rules::rule::{Category, NotAssessable, Outcome, Rule, RuleInput, custom_rule};

/// The control-plane rules.
pub static RULES: [Rule; 7] = [
    custom_rule(
        "cp.anonymous-auth",
        "Anonymous requests to the API server allowed",
        Category::ControlPlane,
        Severity::High,
        "With `--anonymous-auth` not false, requests without credentials are served as \
         system:anonymous; one careless binding then opens the cluster.",
        "Set `--anonymous-auth=false` on kube-apiserver (health probes can use authenticated endpoints).",
        &["cis:1.2.1", "nsa:authentication"],
        anonymous_auth,
    ),
    custom_rule(
        "cp.authorization-mode",
        "Weak API server authorization mode",
        Category::ControlPlane,
        Severity::Critical,
        "`--authorization-mode` must include Node and RBAC and never AlwaysAllow, which authorizes \
         every request.",
        "--authorization-mode=Node,RBAC",
        &["cis:1.2.6", "cis:1.2.7", "cis:1.2.8", "nsa:rbac"],
        authorization_mode,
    ),
    custom_rule(
        "cp.audit-logging",
        "API server audit logging off",
        Category::ControlPlane,
        Severity::Medium,
        "Without an audit log and policy there is no record of who did what to the cluster.",
        "--audit-log-path=/var/log/kubernetes/audit.log\n--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
        &["cis:1.2.16", "nsa:audit-logging"],
        audit_logging,
    ),
    custom_rule(
        "cp.encryption-at-rest",
        "Secrets not encrypted at rest",
        Category::ControlPlane,
        Severity::High,
        "Without `--encryption-provider-config`, Secrets are stored in etcd in plain text, and \
         every etcd backup holds every credential.",
        "--encryption-provider-config=/etc/kubernetes/encryption.yaml (with an aescbc, secretbox or KMS provider)",
        &["cis:1.2.27", "nsa:encryption"],
        encryption_at_rest,
    ),
    custom_rule(
        "cp.profiling",
        "API server profiling on",
        Category::ControlPlane,
        Severity::Low,
        "The profiling endpoint reveals internals and costs resources; it is on unless disabled.",
        "--profiling=false",
        &["cis:1.2.15", "nsa:control-plane-hardening"],
        profiling,
    ),
    custom_rule(
        "cp.node-restriction",
        "NodeRestriction admission plugin off",
        Category::ControlPlane,
        Severity::Medium,
        "Without NodeRestriction a compromised kubelet can modify any node and any pod, not only its own.",
        "--enable-admission-plugins=NodeRestriction,...",
        &["cis:1.2.14", "nsa:control-plane-hardening"],
        node_restriction,
    ),
    custom_rule(
        "cp.insecure-tls",
        "Weak API server TLS settings",
        Category::ControlPlane,
        Severity::Medium,
        "TLS below 1.2, or cipher suites known to be weak, let a network attacker read or alter \
         API traffic.",
        "--tls-min-version=VersionTLS12 (or VersionTLS13), and no RC4, 3DES or CBC-SHA1 suites.",
        &["cis:1.2.29", "nsa:encryption"],
        insecure_tls,
    ),
];

/// The kube-apiserver pods of the cluster, with their flags (`--name` → value, `true` for
/// a bare flag).
pub fn api_server_pods(inventory: &Inventory) -> Vec<(&InventoryPod, BTreeMap<String, String>)> {
    inventory
        .pods
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some("kube-system"))
        .filter(|p| {
            let labelled =
                p.metadata.labels.as_ref().and_then(|l| l.get("component")).is_some_and(|c| c == "kube-apiserver");
            labelled || p.metadata.name.as_deref().is_some_and(|n| n.starts_with("kube-apiserver-"))
        })
        .map(|p| (p, flags(p)))
        .collect()
}

fn flags(pod: &InventoryPod) -> BTreeMap<String, String> {
    let container = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.iter().find(|c| c.name == "kube-apiserver").or(s.containers.first()));
    let words = container.into_iter().flat_map(|c| c.command.iter().flatten().chain(c.args.iter().flatten()));
    words
        .filter(|w| w.starts_with("--"))
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (w.clone(), "true".to_string()),
        })
        .collect()
}

/// Every visible API server with its flags; not assessable when none is visible.
fn api_servers<'a>(input: &RuleInput<'a>) -> Result<Vec<(&'a InventoryPod, BTreeMap<String, String>)>, NotAssessable> {
    let servers = api_server_pods(input.inventory);
    if servers.is_empty() {
        return Err(NotAssessable(
            "the kube-apiserver pod is not visible (managed control plane, or kube-system not readable)".into(),
        ));
    }
    Ok(servers)
}

fn api_server_finding(rule: &Rule, pod: &InventoryPod, message: String, flag: &str) -> crate::finding::Finding {
    let evidence = vec![format!("spec.containers[0].command[{flag}]")];
    rule.finding(ObjectRef::from_meta("Pod", &pod.metadata), Some("kube-apiserver"), message, evidence)
}

/// Runs `judge` on every API server's flags; not assessable when none is visible.
fn per_api_server(
    rule: &Rule,
    input: &RuleInput<'_>,
    judge: fn(&BTreeMap<String, String>) -> Option<(String, &'static str)>,
) -> Outcome {
    Ok(api_servers(input)?
        .into_iter()
        .filter_map(|(pod, flags)| {
            let (message, flag) = judge(&flags)?;
            Some(api_server_finding(rule, pod, message, flag))
        })
        .collect())
}

fn anonymous_auth(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_api_server(rule, input, |f| {
        (f.get("--anonymous-auth").map(String::as_str) != Some("false")).then(|| {
            ("kube-apiserver allows anonymous requests (--anonymous-auth is not false)".into(), "--anonymous-auth")
        })
    })
}

/// Authorization that lets requests through unchecked, or lacks Node or RBAC.
fn weak_authorization<'a>(modes: impl Iterator<Item = &'a str> + Clone) -> bool {
    modes.clone().any(|m| m == "AlwaysAllow")
        || !modes.clone().any(|m| m == "RBAC")
        || !modes.clone().any(|m| m == "Node")
}

fn authorization_mode(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let configs = &input.inventory.authorization_configs;
    let mut findings = Vec::new();
    let mut unreadable = Vec::new();
    for (pod, flags) in api_servers(input)? {
        // The structured form replaces the flag; its authorizers are in the file it names.
        if let Some(path) = flags.get("--authorization-config") {
            let Some(weak) =
                configs.iter().find(|c| weak_authorization(c.authorizers.iter().map(|a| a.type_.as_str())))
            else {
                if configs.is_empty() {
                    unreadable.push(path.clone());
                }
                continue;
            };
            let types: Vec<&str> = weak.authorizers.iter().map(|a| a.type_.as_str()).collect();
            let message = format!(
                "kube-apiserver --authorization-config={path} chains authorizers {} (needs Node and RBAC, never AlwaysAllow)",
                types.join(",")
            );
            findings.push(api_server_finding(rule, pod, message, "--authorization-config"));
            continue;
        }
        // Without either flag, kube-apiserver authorizes everything.
        let mode = flags.get("--authorization-mode").map(String::as_str).unwrap_or("AlwaysAllow");
        if weak_authorization(mode.split(',')) {
            let message =
                format!("kube-apiserver --authorization-mode={mode} (needs Node and RBAC, never AlwaysAllow)");
            findings.push(api_server_finding(rule, pod, message, "--authorization-mode"));
        }
    }
    if findings.is_empty() && !unreadable.is_empty() {
        return Err(NotAssessable(format!(
            "kube-apiserver uses --authorization-config={}: the authorization modes are in that file, not in the flags, \
             and its AuthorizationConfiguration is not visible (scan the file with the manifest to assess it)",
            unreadable.join(", ")
        )));
    }
    Ok(findings)
}

fn audit_logging(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_api_server(rule, input, |f| {
        let missing: Vec<&str> =
            ["--audit-log-path", "--audit-policy-file"].into_iter().filter(|k| !f.contains_key(*k)).collect();
        (!missing.is_empty()).then(|| (format!("kube-apiserver has no {}", missing.join(" and ")), "--audit-log-path"))
    })
}

fn encryption_at_rest(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_api_server(rule, input, |f| {
        (!f.contains_key("--encryption-provider-config")).then(|| {
            (
                "kube-apiserver has no --encryption-provider-config: Secrets are stored unencrypted".into(),
                "--encryption-provider-config",
            )
        })
    })
}

fn profiling(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_api_server(rule, input, |f| {
        (f.get("--profiling").map(String::as_str) != Some("false"))
            .then(|| ("kube-apiserver profiling is on".into(), "--profiling"))
    })
}

fn node_restriction(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_api_server(rule, input, |f| {
        let plugins = f.get("--enable-admission-plugins").map(String::as_str).unwrap_or_default();
        (!plugins.split(',').any(|p| p == "NodeRestriction")).then(|| {
            ("kube-apiserver does not enable the NodeRestriction admission plugin".into(), "--enable-admission-plugins")
        })
    })
}

/// Cipher suite name fragments that mark a suite as weak.
const WEAK_CIPHERS: [&str; 4] = ["RC4", "3DES", "_CBC_SHA", "NULL"];

fn insecure_tls(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_api_server(rule, input, |f| {
        if let Some(version) =
            f.get("--tls-min-version").filter(|v| matches!(v.as_str(), "VersionTLS10" | "VersionTLS11"))
        {
            return Some((
                format!("kube-apiserver accepts TLS below 1.2 (--tls-min-version={version})"),
                "--tls-min-version",
            ));
        }
        let ciphers = f.get("--tls-cipher-suites").map(String::as_str).unwrap_or_default();
        let weak: Vec<&str> =
            ciphers.split(',').filter(|c| WEAK_CIPHERS.iter().any(|w| c.ends_with(w) || c.contains(w))).collect();
        (!weak.is_empty())
            .then(|| (format!("kube-apiserver allows weak cipher suites: {}", weak.join(", ")), "--tls-cipher-suites"))
    })
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::evaluate_with;
    use crate::rules::fixture::{obj, rule_ids};
    use serde_json::json;

    fn api_server(flags: &[&str]) -> Inventory {
        let mut command = vec!["kube-apiserver"];
        command.extend(flags);
        Inventory {
            pods: vec![obj(json!({
                "metadata": {"name": "kube-apiserver-cp-0", "namespace": "kube-system", "labels": {"component": "kube-apiserver"}},
                "spec": {"containers": [{"name": "kube-apiserver", "command": command}]}
            }))]
            .into(),
            ..Inventory::default()
        }
    }

    const HARDENED: [&str; 8] = [
        "--anonymous-auth=false",
        "--authorization-mode=Node,RBAC",
        "--audit-log-path=/var/log/audit.log",
        "--audit-policy-file=/etc/audit.yaml",
        "--encryption-provider-config=/etc/enc.yaml",
        "--profiling=false",
        "--enable-admission-plugins=NodeRestriction",
        "--tls-min-version=VersionTLS12",
    ];

    #[test]
    fn a_hardened_api_server_passes_every_control_plane_rule() {
        let findings = crate::rules::evaluate(&api_server(&HARDENED));
        assert!(findings.iter().all(|f| !f.rule.starts_with("cp.")), "{findings:#?}");
    }

    #[test]
    fn each_insecure_flag_fails_its_rule() {
        let cases = [
            ("cp.anonymous-auth", "--anonymous-auth=false", "--anonymous-auth=true"),
            ("cp.authorization-mode", "--authorization-mode=Node,RBAC", "--authorization-mode=AlwaysAllow"),
            ("cp.audit-logging", "--audit-log-path=/var/log/audit.log", "--v=2"),
            ("cp.encryption-at-rest", "--encryption-provider-config=/etc/enc.yaml", "--v=2"),
            ("cp.profiling", "--profiling=false", "--profiling=true"),
            (
                "cp.node-restriction",
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=AlwaysPullImages",
            ),
            ("cp.insecure-tls", "--tls-min-version=VersionTLS12", "--tls-min-version=VersionTLS10"),
        ];
        for (rule, good, bad) in cases {
            let flags: Vec<&str> = HARDENED.iter().map(|f| if *f == good { bad } else { *f }).collect();
            let findings = rule_ids(&api_server(&flags), rule);
            assert_eq!(findings.len(), 1, "{rule} with {bad}");
            assert_eq!(findings[0].object.kind, "Pod");
        }
    }

    #[test]
    fn without_a_visible_api_server_the_rules_are_not_assessable_rather_than_passing() {
        let evaluation = evaluate_with(&Inventory::default(), &Default::default());
        let unassessed: Vec<&str> = evaluation.not_assessable.iter().map(|(id, _)| *id).collect();
        for rule in super::RULES.iter() {
            assert!(unassessed.contains(&rule.id), "{} must be not assessable", rule.id);
        }
    }
}
