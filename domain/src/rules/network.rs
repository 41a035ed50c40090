//! Network isolation and exposure: NetworkPolicy coverage, Services and Ingresses that reach
//! outside the cluster, and an API server published to the world.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::NetworkPolicy;

use crate::finding::{ObjectRef, Severity};
use crate::rules::rule::{Category, Outcome, Rule, RuleInput, custom_rule};
use crate::selector::selects;

const DEFAULT_DENY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]";

/// The network rules.
pub static RULES: [Rule; 9] = [
    custom_rule(
        "network.namespace-without-policy",
        "Namespace without NetworkPolicy",
        Category::Network,
        Severity::Medium,
        "Without a NetworkPolicy every pod accepts traffic from every pod of every tenant; one \
         compromised workload can reach them all.",
        DEFAULT_DENY,
        &["cis:5.3.2", "nsa:network-policies"],
        namespace_without_policy,
    ),
    custom_rule(
        "network.no-default-deny",
        "No default-deny ingress policy",
        Category::Network,
        Severity::Low,
        "Policies that allow specific traffic leave every pod they do not select open; a \
         default-deny policy closes what no other policy opens.",
        DEFAULT_DENY,
        &["cis:5.3.2", "nsa:network-policies"],
        no_default_deny,
    ),
    custom_rule(
        "network.pod-not-selected",
        "Workload selected by no NetworkPolicy",
        Category::Network,
        Severity::Low,
        "In a namespace with policies, a workload no policy selects accepts traffic from anywhere.",
        "Add a policy whose podSelector matches the workload's labels, or a default-deny policy.",
        &["nsa:network-policies"],
        pod_not_selected,
    ),
    custom_rule(
        "network.node-port-service",
        "NodePort Service",
        Category::Network,
        Severity::Medium,
        "A NodePort opens the port on every node's address, outside any ingress controller or \
         load balancer that would filter it.",
        "Use a ClusterIP Service behind an Ingress, or a LoadBalancer with source ranges.",
        &["nsa:network-policies"],
        node_port,
    ),
    custom_rule(
        "network.load-balancer-service",
        "LoadBalancer Service",
        Category::Network,
        Severity::Medium,
        "A LoadBalancer publishes the workload outside the cluster.",
        "Confirm the exposure is intended and keep `loadBalancerSourceRanges` as narrow as possible.",
        &["nsa:network-policies"],
        load_balancer_restricted,
    ),
    custom_rule(
        "network.load-balancer-open",
        "LoadBalancer open to the internet",
        Category::Network,
        Severity::High,
        "A LoadBalancer without `loadBalancerSourceRanges` accepts connections from the whole internet.",
        "spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [\"203.0.113.0/24\"]",
        &["nsa:network-policies"],
        load_balancer_open,
    ),
    custom_rule(
        "network.ingress-without-tls",
        "Ingress without TLS",
        Category::Network,
        Severity::Medium,
        "Traffic to an Ingress without TLS, credentials included, crosses networks in clear text.",
        "spec:\n  tls:\n    - hosts: [app.example.com]\n      secretName: app-tls",
        &["nsa:encryption"],
        ingress_without_tls,
    ),
    custom_rule(
        "network.ingress-wildcard-host",
        "Ingress with a wildcard or missing host",
        Category::Network,
        Severity::Medium,
        "A wildcard or empty host routes requests for any name to the workload, including names \
         another tenant expects to own.",
        "Name the exact hosts the workload serves.",
        &["nsa:network-policies"],
        ingress_wildcard_host,
    ),
    custom_rule(
        "network.api-server-exposed",
        "API server exposed",
        Category::Network,
        Severity::Critical,
        "An API server reachable from the internet is one anonymous-auth or RBAC mistake away \
         from a breach, and is found by scanners within hours.",
        "Keep `default/kubernetes` a ClusterIP Service and reach the API through a private \
         endpoint, VPN or bastion.",
        &["nsa:control-plane-hardening"],
        api_server_exposed,
    ),
];

/// The directions a policy isolates the pods it selects in, with Kubernetes' defaulting of an
/// absent `policyTypes`: Ingress always, Egress when the policy lists egress rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directions {
    pub ingress: bool,
    pub egress: bool,
}

/// The directions `policy` isolates, as the API server stores them after defaulting.
pub fn policy_directions(policy: &NetworkPolicy) -> Directions {
    let Some(spec) = &policy.spec else { return Directions { ingress: true, egress: false } };
    match spec.policy_types.as_deref() {
        Some(types) if !types.is_empty() => {
            Directions { ingress: types.iter().any(|t| t == "Ingress"), egress: types.iter().any(|t| t == "Egress") }
        }
        _ => Directions { ingress: true, egress: spec.egress.as_ref().is_some_and(|rules| !rules.is_empty()) },
    }
}

/// The policies of each namespace that isolate ingress: the only ones that change who may
/// connect to its pods.
fn ingress_policies_by_namespace(policies: &[NetworkPolicy]) -> BTreeMap<&str, Vec<&NetworkPolicy>> {
    let mut by_ns: BTreeMap<&str, Vec<&NetworkPolicy>> = BTreeMap::new();
    for p in policies.iter().filter(|p| policy_directions(p).ingress) {
        if let Some(ns) = p.metadata.namespace.as_deref() {
            by_ns.entry(ns).or_default().push(p);
        }
    }
    by_ns
}

fn namespace_without_policy(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let covered = ingress_policies_by_namespace(&input.inventory.network_policies);
    Ok(input
        .inventory
        .namespaces
        .iter()
        .filter(|ns| !covered.contains_key(ns.metadata.name.as_deref().unwrap_or_default()))
        .map(|ns| {
            let name = ns.metadata.name.as_deref().unwrap_or_default();
            rule.finding(
                ObjectRef::from_meta("Namespace", &ns.metadata),
                None,
                format!("namespace {name:?} has no NetworkPolicy that isolates ingress"),
                vec![],
            )
        })
        .collect())
}

/// A policy that selects every pod, isolates ingress, and allows no ingress.
fn is_default_deny_ingress(p: &NetworkPolicy) -> bool {
    let Some(spec) = &p.spec else { return false };
    let selects_all = spec.pod_selector.as_ref().is_none_or(|s| {
        s.match_labels.as_ref().is_none_or(|m| m.is_empty())
            && s.match_expressions.as_ref().is_none_or(|e| e.is_empty())
    });
    selects_all && policy_directions(p).ingress && spec.ingress.as_ref().is_none_or(|rules| rules.is_empty())
}

fn no_default_deny(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let by_ns = ingress_policies_by_namespace(&input.inventory.network_policies);
    Ok(input
        .inventory
        .namespaces
        .iter()
        .filter_map(|ns| {
            let name = ns.metadata.name.as_deref()?;
            let policies = by_ns.get(name)?;
            (!policies.iter().any(|p| is_default_deny_ingress(p))).then(|| {
                let message = format!("namespace {name:?} has NetworkPolicies but none denies ingress by default");
                rule.finding(ObjectRef::from_meta("Namespace", &ns.metadata), None, message, vec![])
            })
        })
        .collect())
}

fn pod_not_selected(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let by_ns = ingress_policies_by_namespace(&input.inventory.network_policies);
    let mut out = Vec::new();
    for site in input.sites.iter() {
        let Some(policies) = site.namespace().and_then(|ns| by_ns.get(ns)) else {
            continue;
        };
        let labels = site.pod_meta.labels.clone().unwrap_or_default();
        let selected = policies
            .iter()
            .any(|p| p.spec.as_ref().is_some_and(|s| s.pod_selector.as_ref().is_none_or(|sel| selects(sel, &labels))));
        if !selected {
            let message = "no NetworkPolicy in its namespace isolates this workload's pods for ingress".to_string();
            out.push(rule.finding(site.object(), None, message, vec![site.path("metadata.labels")]));
        }
    }
    Ok(out)
}

fn services_of_type<'a>(
    input: &'a RuleInput<'_>,
    wanted: &'a str,
) -> impl Iterator<Item = &'a k8s_openapi::api::core::v1::Service> {
    input.inventory.services.iter().filter(move |s| s.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some(wanted))
}

fn node_port(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(services_of_type(input, "NodePort")
        .map(|s| {
            rule.finding(
                ObjectRef::from_meta("Service", &s.metadata),
                None,
                "Service is published on every node's address (NodePort)".into(),
                vec!["spec.type".into()],
            )
        })
        .collect())
}

fn has_source_ranges(s: &k8s_openapi::api::core::v1::Service) -> bool {
    s.spec
        .as_ref()
        .and_then(|s| s.load_balancer_source_ranges.as_ref())
        .is_some_and(|r| !r.is_empty() && !r.iter().any(|c| c == "0.0.0.0/0" || c == "::/0"))
}

fn load_balancer_restricted(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(services_of_type(input, "LoadBalancer")
        .filter(|s| has_source_ranges(s))
        .map(|s| {
            rule.finding(
                ObjectRef::from_meta("Service", &s.metadata),
                None,
                "Service is published through a load balancer with source ranges".into(),
                vec!["spec.type".into()],
            )
        })
        .collect())
}

fn load_balancer_open(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(services_of_type(input, "LoadBalancer")
        .filter(|s| !has_source_ranges(s))
        .map(|s| {
            let message = "Service is published through a load balancer open to any source address".to_string();
            rule.finding(
                ObjectRef::from_meta("Service", &s.metadata),
                None,
                message,
                vec!["spec.loadBalancerSourceRanges".into()],
            )
        })
        .collect())
}

fn ingress_without_tls(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(input
        .inventory
        .ingresses
        .iter()
        .filter(|i| i.spec.as_ref().and_then(|s| s.tls.as_ref()).is_none_or(|t| t.is_empty()))
        .map(|i| {
            rule.finding(
                ObjectRef::from_meta("Ingress", &i.metadata),
                None,
                "Ingress serves without TLS".into(),
                vec!["spec.tls".into()],
            )
        })
        .collect())
}

fn ingress_wildcard_host(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for ingress in &input.inventory.ingresses {
        for (i, r) in ingress.spec.as_ref().and_then(|s| s.rules.as_ref()).into_iter().flatten().enumerate() {
            let host = r.host.as_deref().unwrap_or_default();
            if host.is_empty() || host.starts_with('*') {
                let shown = if host.is_empty() { "any host".to_string() } else { format!("host {host:?}") };
                let message = format!("Ingress rule {i} matches {shown}");
                out.push(rule.finding(
                    ObjectRef::from_meta("Ingress", &ingress.metadata),
                    None,
                    message,
                    vec![format!("spec.rules[{i}].host")],
                ));
            }
        }
    }
    Ok(out)
}

/// True for an IPv4 address outside the private, loopback and link-local ranges.
fn is_public_ipv4(address: &str) -> bool {
    match address.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => {
            !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified() || ip.is_documentation())
        }
        Err(_) => false,
    }
}

fn api_server_exposed(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    let kubernetes = input.inventory.services.iter().filter(|s| {
        s.metadata.namespace.as_deref() == Some("default") && s.metadata.name.as_deref() == Some("kubernetes")
    });
    for service in kubernetes {
        let kind = service.spec.as_ref().and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP");
        if kind == "LoadBalancer" || kind == "NodePort" {
            let message = format!("the API server's Service default/kubernetes is of type {kind}");
            out.push(rule.finding(
                ObjectRef::from_meta("Service", &service.metadata),
                None,
                message,
                vec!["spec.type".into()],
            ));
        }
    }
    for (pod, flags) in crate::rules::control_plane::api_server_pods(input.inventory) {
        for flag in ["--advertise-address", "--bind-address"] {
            if let Some(address) = flags.get(flag).filter(|a| is_public_ipv4(a)) {
                let message = format!("kube-apiserver {flag}={address} is a public address");
                out.push(rule.finding(
                    ObjectRef::from_meta("Pod", &pod.metadata),
                    Some("kube-apiserver"),
                    message,
                    vec![format!("spec.containers[0].command[{flag}]")],
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{deployment, obj, rule_ids};
    use serde_json::{Value, json};

    fn namespace_with(policies: Vec<Value>) -> Inventory {
        let mut inv = deployment("team-a", "web", json!({"containers": [{"name": "c"}]}));
        inv.namespaces.push(obj(json!({"metadata": {"name": "team-a"}})));
        inv.network_policies = policies.into_iter().map(obj).collect();
        inv
    }

    fn policy(name: &str, spec: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "team-a"}, "spec": spec})
    }

    #[test]
    fn namespace_without_network_policy_fails_and_with_one_passes() {
        assert_eq!(rule_ids(&namespace_with(vec![]), "network.namespace-without-policy").len(), 1);
        let deny = policy("deny", json!({"podSelector": {}, "policyTypes": ["Ingress"]}));
        assert!(rule_ids(&namespace_with(vec![deny]), "network.namespace-without-policy").is_empty());
    }

    #[test]
    fn policies_without_default_deny_fail_and_default_deny_passes() {
        let allow = policy("allow-web", json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{}]}));
        assert_eq!(rule_ids(&namespace_with(vec![allow]), "network.no-default-deny").len(), 1);
        let deny = policy("deny", json!({"podSelector": {}, "policyTypes": ["Ingress"]}));
        assert!(rule_ids(&namespace_with(vec![deny]), "network.no-default-deny").is_empty());
    }

    #[test]
    fn workload_no_policy_selects_fails_and_selected_workload_passes() {
        let other = policy("other", json!({"podSelector": {"matchLabels": {"app": "db"}}}));
        assert_eq!(rule_ids(&namespace_with(vec![other]), "network.pod-not-selected").len(), 1);
        let web = policy("web", json!({"podSelector": {"matchLabels": {"app": "web"}}}));
        assert!(rule_ids(&namespace_with(vec![web]), "network.pod-not-selected").is_empty());
    }

    fn service(name: &str, ns: &str, spec: Value) -> Inventory {
        Inventory {
            services: vec![obj(json!({"metadata": {"name": name, "namespace": ns}, "spec": spec}))],
            ..Inventory::default()
        }
    }

    #[test]
    fn services_are_judged_by_their_exposure() {
        let node_port = service("a", "x", json!({"type": "NodePort"}));
        assert_eq!(rule_ids(&node_port, "network.node-port-service").len(), 1);
        let open = service("a", "x", json!({"type": "LoadBalancer"}));
        assert_eq!(rule_ids(&open, "network.load-balancer-open").len(), 1);
        assert!(rule_ids(&open, "network.load-balancer-service").is_empty());
        let ranged = service("a", "x", json!({"type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.0/8"]}));
        assert!(rule_ids(&ranged, "network.load-balancer-open").is_empty());
        assert_eq!(rule_ids(&ranged, "network.load-balancer-service").len(), 1);
        let internal = service("a", "x", json!({"type": "ClusterIP"}));
        for id in ["network.node-port-service", "network.load-balancer-open", "network.load-balancer-service"] {
            assert!(rule_ids(&internal, id).is_empty(), "{id}");
        }
    }

    fn ingress(spec: Value) -> Inventory {
        Inventory {
            ingresses: vec![obj(json!({"metadata": {"name": "i", "namespace": "x"}, "spec": spec}))],
            ..Inventory::default()
        }
    }

    #[test]
    fn ingress_without_tls_or_with_wildcard_host_fails() {
        let plain = ingress(json!({"rules": [{"host": "*.example.com"}]}));
        assert_eq!(rule_ids(&plain, "network.ingress-without-tls").len(), 1);
        assert_eq!(rule_ids(&plain, "network.ingress-wildcard-host").len(), 1);
        let good = ingress(
            json!({"rules": [{"host": "app.example.com"}], "tls": [{"hosts": ["app.example.com"], "secretName": "t"}]}),
        );
        assert!(rule_ids(&good, "network.ingress-without-tls").is_empty());
        assert!(rule_ids(&good, "network.ingress-wildcard-host").is_empty());
    }

    #[test]
    fn api_server_service_published_by_load_balancer_is_critical() {
        let exposed = service("kubernetes", "default", json!({"type": "LoadBalancer"}));
        let findings = rule_ids(&exposed, "network.api-server-exposed");
        assert_eq!(findings.len(), 1);
        assert!(
            rule_ids(&service("kubernetes", "default", json!({"type": "ClusterIP"})), "network.api-server-exposed")
                .is_empty()
        );
    }
}
