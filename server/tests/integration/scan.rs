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

#[test]
fn planted_secret_values_never_reach_any_output() {
    let file = format!("{FIXTURES}/scan/planted-secrets.yaml");
    for format in ["table", "json", "sarif", "junit"] {
        let out = rampart(&["scan", "--format", format, &file]);
        assert!(out.status.success());
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for planted in ["Pl4nted-Scan-Passw0rd-3390", "AKIAPLANTEDSCAN00042", "Pl4nted-Scan-Token-hf_8812"] {
            assert!(!text.contains(planted), "{format} output quotes {planted}");
        }
        assert!(text.contains("DATABASE_PASSWORD") && text.contains("HF_TOKEN"), "{format} names the keys");
    }
}

#[test]
fn rule_and_severity_filters_narrow_the_findings() {
    let dir = format!("{FIXTURES}/scan");
    let only = scan_json(&["--rule", "pod.privileged", &dir]);
    let rules: Vec<&str> = only["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(!rules.is_empty() && rules.iter().all(|r| *r == "pod.privileged"));

    let skipped = scan_json(&["--skip-rule", "pod.privileged", &dir]);
    assert!(skipped["findings"].as_array().unwrap().iter().all(|f| f["rule"] != "pod.privileged"));

    let critical = scan_json(&["--min-severity", "critical", &dir]);
    assert!(critical["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "critical"));

    let unknown = rampart(&["scan", "--rule", "pod.nonsense", &dir]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("pod.nonsense"));
}

#[test]
fn sarif_output_lists_every_rule_with_help_and_locates_results() {
    let out = rampart(&["scan", "--format", "sarif", &format!("{FIXTURES}/scan/privileged-pod.yaml")]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 60);
    assert!(rules.iter().all(|r| r["help"]["text"].as_str().is_some_and(|t| !t.is_empty())));
    let result = run["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "pod.privileged").unwrap();
    assert_eq!(result["level"], "error");
    assert_eq!(rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"], "pod.privileged");
    assert!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("privileged-pod.yaml")
    );
}

#[test]
fn junit_output_has_one_test_per_rule_and_fails_the_violated_ones() {
    let out = rampart(&["scan", "--format", "junit", &format!("{FIXTURES}/scan/privileged-pod.yaml")]);
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.starts_with("<?xml"));
    let tests = xml.matches("<testcase ").count();
    assert!(tests >= 60, "{tests} test cases");
    assert!(xml.contains("name=\"pod.privileged: Privileged container\">\n      <failure"));
    assert!(xml.contains("<skipped message=\"not assessable:"), "control-plane rules are skipped, not passed");
}

#[test]
fn rules_and_frameworks_list_the_catalogue() {
    let rules: Value = serde_json::from_slice(&rampart(&["rules", "--format", "json"]).stdout).unwrap();
    let rules = rules["rules"].as_array().unwrap();
    assert!(rules.len() >= 60);
    assert!(rules.iter().all(|r| r["id"].is_string() && r["rationale"].is_string() && r["remediation"].is_string()));

    let frameworks: Value = serde_json::from_slice(&rampart(&["frameworks", "--format", "json"]).stdout).unwrap();
    let ids: Vec<&str> =
        frameworks["frameworks"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["pss", "cis", "nsa"]);
    for f in frameworks["frameworks"].as_array().unwrap() {
        let total: u64 = f["counts"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(total as usize, f["controls"].as_array().unwrap().len());
    }
    let table = String::from_utf8(rampart(&["frameworks"]).stdout).unwrap();
    assert!(table.contains("cis:5.2.2") && table.contains("automated"));
}

#[test]
fn bad_manifests_exit_2_naming_the_file_and_what_is_wrong() {
    let dir = crate::common::temp_dir("bad-manifests");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let huge = dir.join("huge.yaml");
    std::fs::File::create(&huge).unwrap().set_len(100 * 1024 * 1024).unwrap();
    let cases = [
        (
            write("duplicate.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n"),
            "duplicate key \"name\"",
        ),
        (write("duplicate.json", br#"{"kind": "Pod", "kind": "Service"}"#), "duplicate key \"kind\""),
        (
            write("binary.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\xfe\n"),
            "not valid UTF-8 text (line 4)",
        ),
        (write("deep.json", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes()), "recursion limit"),
        (huge.display().to_string(), "a manifest file may have"),
        (write("truncated.json", br#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"#), "JSON error at line 1"),
        (
            write("wrong-shape.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: 7\n"),
            "not a valid Pod",
        ),
    ];
    for (file, reason) in cases {
        let out = rampart(&["scan", &file]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(&file) && stderr.contains(reason), "{file} should say {reason:?}: {stderr}");
    }
    let unknown = write("unknown.yaml", b"apiVersion: example.com/v9\nkind: Gizmo\nmetadata:\n  name: g\n");
    let out = rampart(&["scan", &unknown]);
    assert!(out.status.success(), "an unknown kind is skipped, not an error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 Gizmo document(s) skipped"));
}

/// Runs `rampart scan --format json` with `args`, whatever its exit code.
fn scan_any(args: &[&str]) -> (Option<i32>, Value, String) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend(args);
    let out = rampart(&all);
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn rules_and_names(json: &Value) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["object"]["name"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn a_document_that_cannot_be_read_costs_only_itself_and_the_exit_code_is_2_at_the_end() {
    let dir = crate::common::temp_dir("per-document");
    let mixed = dir.join("mixed.yaml");
    std::fs::write(
        &mixed,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: first, namespace: web}\n\
         spec: {containers: [{name: c, image: a:1, securityContext: {privileged: true}}]}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n\
         ---\napiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: nightly, namespace: web}\n\
         spec: {schedule: '0 1 * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, \
         containers: [{name: c, image: a:1, securityContext: {privileged: true}}]}}}}}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata: {name: wrong, namespace: web}\nspec: {containers: 7}\n",
    )
    .unwrap();
    let other = dir.join("other.yaml");
    std::fs::write(&other, "apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: web}\nspec: {hostPID: true, containers: [{name: c, image: a:1}]}\n").unwrap();
    let (code, json, stderr) = scan_any(&[dir.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    let found = rules_and_names(&json);
    for (rule, name) in [
        ("pod.privileged", "first"),
        ("pod.privileged", "nightly"),
        ("api.removed-version", "nightly"),
        ("pod.host-namespaces", "other"),
    ] {
        assert!(found.contains(&(rule.to_string(), name.to_string())), "{rule} on {name}: {found:?}");
    }
    let file = mixed.display().to_string();
    assert!(stderr.contains(&format!("{file}: document 2 (line 5)")), "{stderr}");
    assert!(
        stderr.contains(&format!("{file}: document 4 (line 15)")) && stderr.contains("not a valid Pod"),
        "{stderr}"
    );
    assert!(stderr.contains("2 file(s) or document(s) could not be read"), "{stderr}");
    let removed = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "api.removed-version").unwrap();
    assert_eq!(removed["source"], file);
    assert!(removed["message"].as_str().unwrap().contains("removed in Kubernetes 1.25; use batch/v1"), "{removed}");
}

#[test]
fn objects_without_a_namespace_are_in_the_namespace_kubectl_apply_would_use() {
    let dir = crate::common::temp_dir("namespace-default");
    let file = dir.join("app.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n\
         spec: {selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, \
         spec: {containers: [{name: c, image: a:1, securityContext: {privileged: true}}]}}}\n\
         ---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let namespace_of = |json: &Value| {
        let f = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "pod.privileged").unwrap().clone();
        f["object"]["namespace"].clone()
    };
    let (_, default, _) = scan_any(&[file]);
    assert_eq!(namespace_of(&default), "default");
    let (_, team, _) = scan_any(&["--namespace", "team-a", file]);
    assert_eq!(namespace_of(&team), "team-a");
    let namespace = team["findings"].as_array().unwrap().iter().find(|f| f["object"]["kind"] == "Namespace").unwrap();
    assert_eq!(namespace["object"]["namespace"], Value::Null, "a Namespace is never given one");
}

#[test]
fn a_saved_api_list_response_is_scanned_item_by_item() {
    let dir = crate::common::temp_dir("api-list");
    let file = dir.join("pods.json");
    let items: Vec<Value> = (0..3)
        .map(|i| {
            serde_json::json!({"metadata": {"name": format!("p{i}"), "namespace": "web"},
                "spec": {"containers": [{"name": "c", "image": "a:1", "securityContext": {"privileged": i == 2}}]}})
        })
        .collect();
    let list = serde_json::json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items});
    std::fs::write(&file, list.to_string()).unwrap();
    let (code, json, stderr) = scan_any(&[file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("skipped"), "{stderr}");
    let privileged: Vec<_> = rules_and_names(&json).into_iter().filter(|(rule, _)| rule == "pod.privileged").collect();
    assert_eq!(privileged, [("pod.privileged".to_string(), "p2".to_string())]);
}
