//! The Helm chart in `deploy/helm/rampart`, checked without a cluster or `helm`: every
//! template is YAML once its `{{ … }}` expressions are filled in, the ClusterRole grants
//! exactly the `list` the collector uses (and `get` on the pod proxy) and nothing more, the
//! Deployment runs as non-root with the database URL from a Secret, the chart's default
//! configuration is one `rampart` accepts and does not trust the pod network, and its
//! NetworkPolicy admits only the configured peers.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

fn chart() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/helm/rampart")
}

/// A template with each `{{ … }}` replaced by a placeholder scalar, parsed.
fn render(name: &str) -> Value {
    let text = std::fs::read_to_string(chart().join("templates").join(name)).unwrap();
    let mut filled = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{") {
        filled.push_str(&rest[..start]);
        let end = rest[start..].find("}}").map(|e| start + e + 2).expect("an unclosed {{");
        filled.push_str("placeholder");
        rest = &rest[end..];
    }
    filled.push_str(rest);
    serde_yaml_ng::from_str(&filled).unwrap_or_else(|e| panic!("{name} is not YAML once filled in: {e}"))
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn every_template_is_yaml_of_a_known_kind() {
    for entry in std::fs::read_dir(chart().join("templates")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let object = render(&name);
        assert!(object["apiVersion"].is_string() && object["kind"].is_string(), "{name}");
    }
}

#[test]
fn the_cluster_role_grants_exactly_what_the_collector_lists() {
    let role = render("clusterrole.yaml");
    assert_eq!(role["kind"], "ClusterRole");
    let mut listed = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        let verbs = strings(&rule["verbs"]);
        let resources = strings(&rule["resources"]);
        if resources == ["pods/proxy"] {
            assert_eq!(verbs, ["get"], "the pod proxy is only read");
            continue;
        }
        assert_eq!(verbs, ["list"], "only list: no watch, get, or write on {resources:?}");
        // metrics.k8s.io serves `pods` too: the collector names that kind by its group.
        let groups = strings(&rule["apiGroups"]);
        let qualified = |r: String| if groups == ["metrics.k8s.io"] { format!("{r}.metrics.k8s.io") } else { r };
        listed.extend(resources.into_iter().map(qualified));
    }
    let collected: BTreeSet<String> =
        domain::Inventory::default().kind_counts().into_iter().map(|(kind, _)| kind.to_string()).collect();
    assert_eq!(listed, collected, "the role lists exactly the kinds the collector reads");
}

#[test]
fn the_deployment_runs_unprivileged_with_the_database_from_a_secret() {
    let deployment = render("deployment.yaml");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    assert_eq!(container["securityContext"]["allowPrivilegeEscalation"], false);
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(strings(&container["securityContext"]["capabilities"]["drop"]), ["ALL"]);
    let env = &container["env"][0];
    assert_eq!(env["name"], "DATABASE_URL");
    assert!(env["valueFrom"]["secretKeyRef"].is_object(), "the URL comes from a Secret, never a value");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
}

#[test]
fn the_charts_default_configuration_is_valid() {
    let values: Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(chart().join("values.yaml")).unwrap()).unwrap();
    let file = crate::common::temp_dir("chart-config").join("rampart.toml");
    std::fs::write(&file, values["config"].as_str().unwrap()).unwrap();
    let config = server::config::Config::load(Some(&file)).unwrap();
    assert_eq!(config.clusters.len(), 1);
    assert_eq!(config.clusters[0].kubeconfig, None, "the in-cluster service account is used");
}

#[test]
fn the_chart_does_not_trust_the_pod_network_and_admits_only_its_proxy_and_scraper() {
    let values: Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(chart().join("values.yaml")).unwrap()).unwrap();
    let file = crate::common::temp_dir("chart-auth").join("rampart.toml");
    std::fs::write(&file, values["config"].as_str().unwrap()).unwrap();
    let config = server::config::Config::load(Some(&file)).unwrap();
    assert_ne!(config.auth.mode, Some(server::config::AuthMode::Proxy), "proxy sign-in is never the default");

    let policy = render("networkpolicy.yaml");
    assert_eq!(policy["kind"], "NetworkPolicy");
    assert_eq!(policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"], "rampart");
    assert_eq!(strings(&policy["spec"]["policyTypes"]), ["Ingress"]);
    let rules = policy["spec"]["ingress"].as_array().unwrap();
    assert_eq!(rules.len(), 2, "the dashboard's peers and the scraper, nothing else");
    for list in ["dashboardFrom", "metricsFrom"] {
        let peers = values["networkPolicy"][list].as_array().unwrap_or_else(|| panic!("networkPolicy.{list}"));
        assert!(!peers.is_empty(), "an empty networkPolicy.{list} would admit every pod");
        for peer in peers {
            assert!(
                peer["namespaceSelector"].is_object() || peer["podSelector"].is_object(),
                "every peer of networkPolicy.{list} selects something: {peer:?}"
            );
        }
    }
}
