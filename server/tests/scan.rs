//! `rampart scan` as a user runs it: the binary over manifests on disk.

use std::process::{Command, Output};

use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart")).args(args).env_remove("DATABASE_URL").output().unwrap()
}

fn scan_json(paths: &[&str]) -> Value {
    let mut args = vec!["scan", "--format", "json"];
    args.extend(paths);
    let out = rampart(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn privileged_pod_is_reported_in_the_documented_json_shape() {
    let file = format!("{FIXTURES}/scan/privileged-pod.yaml");
    let json = scan_json(&[&file]);
    let findings: Vec<&Value> =
        json["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "pod.privileged").collect();
    assert_eq!(findings.len(), 1);
    let f = findings[0];
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["container", "controls", "evidence", "message", "object", "rule", "severity", "source"]);
    assert_eq!(f["evidence"], serde_json::json!(["spec.containers[0].securityContext.privileged"]));
    assert_eq!(f["rule"], "pod.privileged");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["object"], serde_json::json!({"kind": "Pod", "namespace": "ml-research", "name": "debug-shell"}));
    assert_eq!(f["container"], "shell");
    assert!(f["controls"].as_array().unwrap().contains(&"pss:privileged".into()));
    assert_eq!(f["source"], file);
}

#[test]
fn json_fields_come_in_the_documented_order() {
    let out = rampart(&["scan", "--format", "json", &format!("{FIXTURES}/scan/privileged-pod.yaml")]);
    let text = String::from_utf8(out.stdout).unwrap();
    let order: Vec<usize> = [
        "\"rule\"",
        "\"severity\"",
        "\"object\"",
        "\"container\"",
        "\"message\"",
        "\"controls\"",
        "\"source\"",
        "\"evidence\"",
    ]
    .iter()
    .map(|key| text.find(key).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn clean_manifest_has_no_findings() {
    let json = scan_json(&[&format!("{FIXTURES}/scan/clean-deployment.yaml")]);
    assert_eq!(json["findings"], serde_json::json!([]));
}

#[test]
fn directories_multi_document_yaml_and_lists_are_all_read() {
    let json = scan_json(&[&format!("{FIXTURES}/scan/multi")]);
    let rules: Vec<(&str, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["object"]["kind"].as_str().unwrap()))
        .collect();
    assert!(rules.contains(&("pod.host-path", "CronJob")), "reported against the CronJob as written");
    assert!(rules.contains(&("network.namespace-without-policy", "Namespace")));
    assert!(rules.contains(&("workload.namespace-without-quota", "Namespace")));
    assert!(rules.contains(&("rbac.anonymous-binding", "ClusterRoleBinding")));
}

#[test]
fn malformed_yaml_exits_2_naming_the_file_and_line() {
    let file = format!("{FIXTURES}/scan-malformed.yaml");
    let out = rampart(&["scan", &file]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&file), "{stderr}");
    assert!(stderr.contains("line 6"), "{stderr}");
}

#[test]
fn missing_path_exits_2_naming_it() {
    let out = rampart(&["scan", "/no/such/manifest.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/manifest.yaml"));
}

#[test]
fn findings_change_the_exit_code_only_with_fail_on() {
    let file = format!("{FIXTURES}/scan/privileged-pod.yaml");
    assert_eq!(rampart(&["scan", &file]).status.code(), Some(0));
    assert_eq!(rampart(&["scan", "--fail-on", "high", &file]).status.code(), Some(1));
    let clean = format!("{FIXTURES}/scan/clean-deployment.yaml");
    assert_eq!(rampart(&["scan", "--fail-on", "low", &clean]).status.code(), Some(0));
}

#[test]
fn table_output_names_rule_object_and_source() {
    let out = rampart(&["scan", &format!("{FIXTURES}/scan/privileged-pod.yaml")]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("SEVERITY"));
    assert!(table.contains("Pod/ml-research/debug-shell"));
    assert!(table.lines().last().unwrap().ends_with("finding(s)"));
}

#[test]
fn help_explains_every_command() {
    let help = String::from_utf8(rampart(&["--help"]).stdout).unwrap();
    for command in ["serve", "collect", "scan", "demo", "migrate"] {
        assert!(help.contains(command), "{command} in --help");
    }
}
