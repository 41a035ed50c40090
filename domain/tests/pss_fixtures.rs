//! Pod Security Standards verdicts against the fixtures in `tests/fixtures/pss`: every case
//! on a bare Pod (checked with pod-security-admission's level semantics) and on the pod template
//! of every workload kind (checked through the rules, which must report exactly those checks).

mod common;

use std::collections::BTreeSet;

use domain::inventory::Inventory;
use domain::rules::pod_security::checks::{Level, failing_checks};
use domain::rules::{RuleCheck, catalogue, evaluate};
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

/// A pod that passes the restricted level: the starting point every case patches.
fn base_pod() -> Value {
    let hardened = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "fixture", "namespace": "fixtures"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "init", "image": "registry.example.com/init:1", "securityContext": hardened}],
            "containers": [{"name": "app", "image": "registry.example.com/app:1", "securityContext": hardened}]
        }
    })
}

struct Case {
    file: String,
    name: String,
    pod: Value,
    baseline: BTreeSet<String>,
    restricted: BTreeSet<String>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(common::fixtures("pss")).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files.sort();
    for path in files {
        let doc = common::read_yaml(&path);
        for case in doc["cases"].as_array().unwrap() {
            let mut pod = base_pod();
            if let Some(spec) = case.get("spec") {
                common::merge(&mut pod["spec"], spec);
            }
            if let Some(meta) = case.get("metadata") {
                common::merge(&mut pod["metadata"], meta);
            }
            let set = |level: &str| {
                case["expect"][level].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
            };
            cases.push(Case {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                name: case["name"].as_str().unwrap().to_string(),
                pod,
                baseline: set("baseline"),
                restricted: set("restricted"),
            });
        }
    }
    cases
}

#[test]
fn every_check_has_fixtures_that_fail_and_pass_it() {
    let cases = cases();
    for check in domain::rules::pod_security::checks::CHECKS.iter() {
        let failing = cases.iter().any(|c| c.baseline.contains(check.id) || c.restricted.contains(check.id));
        let file = format!("{}.yaml", check.id);
        let passing = cases.iter().any(|c| c.file == file && c.baseline.is_empty() && c.restricted.is_empty());
        assert!(failing && passing, "check {} needs a failing and a passing fixture", check.id);
    }
}

#[test]
fn pod_verdicts_match_the_fixtures_at_both_levels() {
    for case in cases() {
        let pod: Pod =
            serde_json::from_value(case.pod.clone()).unwrap_or_else(|e| panic!("{} / {}: {e}", case.file, case.name));
        let spec = pod.spec.as_ref().unwrap();
        for (level, expected) in [(Level::Baseline, &case.baseline), (Level::Restricted, &case.restricted)] {
            let actual: BTreeSet<String> =
                failing_checks(level, &pod.metadata, spec).into_iter().map(str::to_string).collect();
            assert_eq!(&actual, expected, "{} / {} at {}", case.file, case.name, level.as_str());
        }
        assert!(failing_checks(Level::Privileged, &pod.metadata, spec).is_empty(), "privileged allows everything");
    }
}

/// Wraps a pod into each object kind that carries a pod template (and the Pod itself).
fn carriers(pod: &Value) -> Vec<Value> {
    let template = json!({"metadata": {"labels": {"app": "fixture"}, "annotations": pod["metadata"]["annotations"].clone()}, "spec": pod["spec"].clone()});
    let meta = json!({"name": "fixture", "namespace": "fixtures"});
    let selector = json!({"matchLabels": {"app": "fixture"}});
    vec![
        pod.clone(),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {"selector": selector, "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": {"selector": selector, "serviceName": "f", "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta, "spec": {"selector": selector, "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta, "spec": {"selector": selector, "template": template}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": template}}),
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta, "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}}),
        json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": meta, "spec": {"selector": {"app": "fixture"}, "template": template}}),
    ]
}

#[test]
fn rules_report_exactly_the_fixture_checks_on_every_workload_kind() {
    let rule_of_check: std::collections::HashMap<&str, &str> = catalogue()
        .into_iter()
        .filter_map(|r| match r.check {
            RuleCheck::Pss(check) => Some((r.id, check)),
            RuleCheck::Custom(_) => None,
        })
        .collect();
    for case in cases() {
        let expected: BTreeSet<String> = case.baseline.union(&case.restricted).cloned().collect();
        for object in carriers(&case.pod) {
            let mut inventory = Inventory::default();
            inventory.add_object(&object).unwrap();
            let reported: BTreeSet<String> = evaluate(&inventory)
                .into_iter()
                .filter_map(|f| rule_of_check.get(f.rule.as_str()).map(|c| c.to_string()))
                .collect();
            assert_eq!(reported, expected, "{} / {} on {}", case.file, case.name, object["kind"]);
        }
    }
}
