//! Trivy Operator's reports at their real shapes: vulnerability findings with an identity that
//! survives rollouts and rescans, images kept once, long names in annotations, Trivy's own
//! fields, checks that restate a native rule merged into it, and every report kind read.

use domain::compliance::ControlStatus;
use domain::rules::{RuleSettings, evaluate_with};
use domain::{Finding, Inventory, assess};
use serde_json::{Value, json};

fn deployment(name: &str, container: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "ml"},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": container, "image": image}]}}}})
}

fn replica_set(deployment: &str, hash: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": format!("{deployment}-{hash}"), "namespace": "ml",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment, "uid": "u", "controller": true}]}})
}

fn cve(id: &str, severity: &str, fixed: &str, published: &str) -> Value {
    json!({"vulnerabilityID": id, "resource": "openssl", "installedVersion": "3.0.1", "fixedVersion": fixed,
        "severity": severity, "title": format!("openssl: {id}"), "primaryLink": format!("https://avd.aquasec.com/nvd/{id}"),
        "publishedDate": published, "score": 9.8,
        "cvss": {"nvd": {"V3Score": 9.8, "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}})
}

/// A vulnerability report of ReplicaSet `rs` (a `name-hash` label and the name in the
/// annotation when the name is too long for a label, as Trivy Operator writes it).
fn vulnerability_report(rs: &str, digest: &str, cves: Vec<Value>) -> Value {
    let mut labels = json!({"trivy-operator.resource.kind": "ReplicaSet", "trivy-operator.resource.namespace": "ml",
                            "trivy-operator.container.name": "main"});
    let mut annotations = json!({});
    if rs.len() > 63 {
        labels["trivy-operator.resource.name-hash"] = json!("5d8f7c9b4");
        annotations["trivy-operator.resource.name"] = json!(rs);
    } else {
        labels["trivy-operator.resource.name"] = json!(rs);
    }
    json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "VulnerabilityReport",
        "metadata": {"name": format!("replicaset-{rs}-main"), "namespace": "ml", "labels": labels, "annotations": annotations},
        "report": {"registry": {"server": "ghcr.io"}, "artifact": {"repository": "team/api", "tag": "1.0", "digest": digest},
                   "updateTimestamp": "2026-12-01T10:00:00Z", "vulnerabilities": cves}})
}

fn inventory(objects: &[Value]) -> Inventory {
    let mut inv = Inventory::default();
    for object in objects {
        inv.add_object(object).unwrap();
    }
    inv
}

fn findings(inv: &Inventory, rule: &str) -> Vec<Finding> {
    evaluate_with(inv, &RuleSettings::default()).findings.into_iter().filter(|f| f.rule == rule).collect()
}

fn two_cves() -> Vec<Value> {
    vec![
        cve("CVE-2024-0001", "CRITICAL", "3.0.2", "2024-01-10T00:00:00Z"),
        cve("CVE-2024-0002", "HIGH", "", "2024-02-01T00:00:00Z"),
    ]
}

#[test]
fn a_rollout_to_a_renamed_report_and_new_digest_keeps_the_finding_identity() {
    let before = inventory(&[
        deployment("api", "main", "ghcr.io/team/api:1.0"),
        replica_set("api", "7d9f8c6b5"),
        vulnerability_report("api-7d9f8c6b5", "sha256:aaa", two_cves()),
    ]);
    let after = inventory(&[
        deployment("api", "main", "ghcr.io/team/api:1.0"),
        replica_set("api", "5c4b3a291"),
        vulnerability_report("api-5c4b3a291", "sha256:bbb", two_cves()),
    ]);
    let (before, after) = (findings(&before, "images.vulnerability"), findings(&after, "images.vulnerability"));
    assert_eq!(before.len(), 1, "one finding per workload, container and image repository");
    assert_eq!(before[0].identity(), after[0].identity());
    assert_eq!((before[0].object.kind.as_str(), before[0].object.name.as_str()), ("Deployment", "api"));
    assert!(after[0].message.contains("sha256:bbb"), "the message names the image running now: {}", after[0].message);
}

#[test]
fn a_rescan_that_adds_a_cve_keeps_the_identity_and_names_the_cve() {
    let mut cves = two_cves();
    let before = findings(
        &inventory(&[
            deployment("api", "main", "x"),
            replica_set("api", "1"),
            vulnerability_report("api-1", "sha256:aaa", cves.clone()),
        ]),
        "images.vulnerability",
    );
    cves.insert(0, cve("CVE-2024-9999", "CRITICAL", "3.0.3", "2024-06-01T00:00:00Z"));
    let after = findings(
        &inventory(&[
            deployment("api", "main", "x"),
            replica_set("api", "1"),
            vulnerability_report("api-1", "sha256:aaa", cves),
        ]),
        "images.vulnerability",
    );
    assert_eq!(before[0].identity(), after[0].identity());
    assert!(after[0].message.contains("CVE-2024-9999") && !before[0].message.contains("CVE-2024-9999"));
    assert!(after[0].message.contains("2 fixable critical or high CVEs"), "{}", after[0].message);
    assert!(after[0].message.contains("newest CVE-2024-9999 (published 2024-06-01)"), "{}", after[0].message);
}

#[test]
fn the_severity_is_the_worst_fixable_cve_and_unfixable_ones_score_low() {
    let only_unfixable = vec![cve("CVE-1", "CRITICAL", "", "2024-01-01T00:00:00Z")];
    let medium = vec![cve("CVE-2", "MEDIUM", "1.0", "2024-01-01T00:00:00Z")];
    let severity = |cves: Vec<Value>| {
        findings(
            &inventory(&[
                deployment("api", "main", "x"),
                replica_set("api", "1"),
                vulnerability_report("api-1", "sha256:a", cves),
            ]),
            "images.vulnerability",
        )
        .first()
        .map(|f| f.severity)
    };
    assert_eq!(severity(two_cves()), Some(domain::Severity::Critical));
    assert_eq!(severity(only_unfixable), Some(domain::Severity::Low));
    assert_eq!(severity(medium), None, "medium and low CVEs are counted on the image, not findings");
}

#[test]
fn an_image_run_by_many_workloads_is_kept_once() {
    let mut objects = Vec::new();
    for i in 0..20 {
        let name = format!("api-{i}");
        objects.push(deployment(&name, "main", "x"));
        objects.push(replica_set(&name, "1"));
        objects.push(vulnerability_report(&format!("{name}-1"), "sha256:same", two_cves()));
    }
    let inv = inventory(&objects);
    let trivy = inv.trivy.as_ref().unwrap();
    assert_eq!((trivy.image_references.len(), trivy.images.len()), (20, 1));
    let image = trivy.images.values().next().unwrap();
    assert_eq!(image.key, "ghcr.io/team/api@sha256:same");
    let first = &image.vulnerabilities[0];
    assert_eq!(first.score, Some(9.8));
    assert!(first.vector.as_deref().unwrap().starts_with("CVSS:3.1/"));
    assert_eq!(first.link.as_deref(), Some("https://avd.aquasec.com/nvd/CVE-2024-0001"));
    assert_eq!(findings(&inv, "images.vulnerability").len(), 20);
}

#[test]
fn a_long_named_workloads_report_lands_on_it() {
    let name = "distributed-inference-gateway-for-the-multilingual-retrieval-model";
    let rs = format!("{name}-7d9f8c6b5");
    assert!(rs.len() > 63);
    let found = findings(
        &inventory(&[
            deployment(name, "main", "x"),
            replica_set(name, "7d9f8c6b5"),
            vulnerability_report(&rs, "sha256:a", two_cves()),
        ]),
        "images.vulnerability",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].object.name, name);
}

fn audit(checks: Value) -> Value {
    json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ConfigAuditReport",
        "metadata": {"name": "replicaset-api-1", "namespace": "ml", "labels": {"trivy-operator.resource.kind": "ReplicaSet",
            "trivy-operator.resource.name": "api-1", "trivy-operator.resource.namespace": "ml"}},
        "report": {"checks": checks}})
}

#[test]
fn a_trivy_check_restating_a_native_rule_corroborates_it_instead_of_adding_a_finding() {
    let inv = inventory(&[
        deployment("api", "main", "x:1"),
        replica_set("api", "1"),
        audit(json!([
        {"checkID": "KSV014", "title": "Root file system is not read-only", "severity": "HIGH", "success": false,
         "scope": {"type": "Container", "value": "main"}},
        {"checkID": "KSV020", "title": "", "severity": "MEDIUM", "success": false,
         "messages": ["Container 'main' of Deployment 'api' should set 'securityContext.runAsUser' > 10000"]}])),
    ]);
    let all = evaluate_with(&inv, &RuleSettings::default()).findings;
    let native: Vec<&Finding> = all.iter().filter(|f| f.rule == "workload.writable-root-filesystem").collect();
    assert_eq!(native.len(), 1);
    assert!(native[0].message.contains("also reported by Trivy KSV014"), "{}", native[0].message);
    let trivy: Vec<&Finding> = all.iter().filter(|f| f.rule == "images.config-audit").collect();
    assert_eq!(trivy.len(), 1, "only the unmapped check stays its own finding");
    assert!(trivy[0].message.contains("KSV020") && trivy[0].message.contains("runAsUser"), "{}", trivy[0].message);
    assert_eq!(trivy[0].severity, domain::Severity::Medium);
}

#[test]
fn an_exposed_secret_keeps_trivys_severity() {
    let report = json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ExposedSecretReport",
        "metadata": {"name": "replicaset-api-1-main", "namespace": "ml", "labels": {"trivy-operator.resource.kind": "ReplicaSet",
            "trivy-operator.resource.name": "api-1", "trivy-operator.container.name": "main"}},
        "report": {"secrets": [{"ruleID": "slack-web-hook", "title": "Slack Webhook", "severity": "MEDIUM",
            "target": "/app/config", "match": "https://hooks.slack.com/services/T0/B0/XXXX"}]}});
    let found = findings(
        &inventory(&[deployment("api", "main", "x:1"), replica_set("api", "1"), report]),
        "images.exposed-secret",
    );
    assert_eq!(found[0].severity, domain::Severity::Medium);
    assert!(!found[0].message.contains("hooks.slack.com"), "the match is never read");
}

#[test]
fn an_rbac_assessment_lands_on_the_role_it_assesses() {
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "ops"},
        "rules": [{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}]});
    let report = json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ClusterRbacAssessmentReport",
        "metadata": {"name": "clusterrole-ops", "labels": {"trivy-operator.resource.kind": "ClusterRole", "trivy-operator.resource.name": "ops"}},
        "report": {"checks": [{"checkID": "KSV047", "title": "Do not allow privilege escalation from node proxy", "severity": "HIGH", "success": false}]}});
    let found = findings(&inventory(&[role, report]), "rbac.trivy-assessment");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].object.kind.as_str(), found[0].object.name.as_str(), found[0].object.namespace.as_deref()),
        ("ClusterRole", "ops", None)
    );
    assert_eq!(found[0].severity, domain::Severity::High);
}

fn node_report(success: bool) -> Value {
    json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ClusterInfraAssessmentReport",
        "metadata": {"name": "node-gpu-1", "labels": {"trivy-operator.resource.kind": "Node", "trivy-operator.resource.name": "gpu-1"}},
        "report": {"checks": [{"checkID": "KCV0079", "title": "Ensure that the --anonymous-auth argument is set to false",
            "severity": "CRITICAL", "success": success}]}})
}

fn cis_421(objects: &[Value]) -> ControlStatus {
    let a = assess(&inventory(objects), &RuleSettings::default(), Vec::new(), &[]);
    a.compliance
        .iter()
        .find(|c| c.framework == "cis" && c.control == "4.2.1")
        .map(|c| c.status)
        .expect("cis 4.2.1 is in the catalogue")
}

#[test]
fn an_infra_assessment_makes_a_kubelet_control_assessable() {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}});
    assert_eq!(cis_421(&[ns.clone()]), ControlStatus::NotAssessable);
    assert_eq!(cis_421(&[ns.clone(), node_report(true)]), ControlStatus::Pass);
    assert_eq!(cis_421(&[ns, node_report(false)]), ControlStatus::Fail);
}

#[test]
fn compliance_and_sbom_reports_are_read() {
    let compliance = json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ClusterComplianceReport",
        "metadata": {"name": "k8s-cis-1.23"}, "spec": {"compliance": {"id": "k8s-cis-1.23", "title": "CIS"}},
        "status": {"summaryReport": {"controlCheck": [{"id": "5.2.2", "name": "privileged", "totalFail": 3}, {"id": "5.2.3", "totalFail": 0}]}}});
    let sbom = json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "SbomReport",
        "metadata": {"name": "replicaset-api-1-main", "namespace": "ml"},
        "report": {"registry": {"server": "ghcr.io"}, "artifact": {"repository": "team/api", "digest": "sha256:a"},
                   "components": {"components": [{"name": "openssl", "version": "3.0.1", "purl": "pkg:deb/debian/openssl@3.0.1"}]}}});
    let inv = inventory(&[compliance, sbom]);
    let trivy = inv.trivy.as_ref().unwrap();
    let statuses = trivy.compliance_reports[0].statuses();
    assert_eq!(
        statuses.iter().map(|s| (s.framework, s.control.as_str(), s.status)).collect::<Vec<_>>(),
        vec![("cis", "5.2.2", ControlStatus::Fail), ("cis", "5.2.3", ControlStatus::Pass)]
    );
    assert_eq!(trivy.sbom_reports[0].image_key(), "ghcr.io/team/api@sha256:a");
}

fn cve_exception(cve: &str, until_fixed: bool) -> domain::Exception {
    domain::Exception {
        id: 7,
        rule: "images.vulnerability".into(),
        // A namespace without a tenant label or mapping is unassigned.
        tenant: domain::tenancy::UNASSIGNED_TENANT.into(),
        namespace: Some("ml".into()),
        object_kind: None,
        object_name: None,
        cve: Some(cve.into()),
        image_repository: Some("ghcr.io/team/api".into()),
        until_fixed,
    }
}

#[test]
fn a_cve_exception_hides_that_cve_only() {
    let inv = inventory(&[
        deployment("api", "main", "x"),
        replica_set("api", "1"),
        vulnerability_report(
            "api-1",
            "sha256:a",
            vec![
                cve("CVE-2024-0001", "CRITICAL", "3.0.2", "2024-01-10T00:00:00Z"),
                cve("CVE-2024-0003", "HIGH", "3.0.2", "2024-03-01T00:00:00Z"),
            ],
        ),
    ]);
    let of = |exceptions: &[domain::Exception]| {
        assess(&inv, &RuleSettings::default(), Vec::new(), exceptions)
            .findings
            .into_iter()
            .find(|f| f.item.rule == "images.vulnerability")
            .map(|f| (f.item.severity, f.item.message, f.exception))
    };
    let (severity, message, _) = of(&[cve_exception("CVE-2024-0001", false)]).expect("the high CVE remains");
    assert_eq!(severity, domain::Severity::High, "the accepted critical no longer rates the finding");
    assert!(
        !message.contains("CVE-2024-0001")
            && message.contains("CVE-2024-0003")
            && message.contains("1 accepted by exception"),
        "{message}"
    );
    let both = [cve_exception("CVE-2024-0001", false), cve_exception("CVE-2024-0003", false)];
    assert_eq!(of(&both), None, "nothing serious remains unaccepted");
    let (severity, ..) = of(&[cve_exception("CVE-2024-0001", true)]).unwrap();
    assert_eq!(severity, domain::Severity::Critical, "accepted only until a fix ships, and one has");
    let elsewhere = domain::Exception {
        image_repository: Some("ghcr.io/team/other".into()),
        ..cve_exception("CVE-2024-0001", false)
    };
    assert_eq!(of(&[elsewhere]).unwrap().0, domain::Severity::Critical, "only in its image repository");
}

#[test]
fn every_mapped_trivy_check_names_a_rule_or_control_of_the_catalogue() {
    for (check, rule) in domain::trivy::native::KSV_NATIVE_RULES {
        assert!(domain::rules::rule(rule).is_some(), "{check} maps to {rule}, which is not a rule");
    }
    for (check, control) in domain::trivy::native::KCV_CIS_CONTROLS {
        let id = control.strip_prefix("cis:").expect("a CIS control");
        let cis = domain::frameworks::framework("cis").unwrap();
        assert!(cis.control(id).is_some(), "{check} maps to {control}, not in the catalogue");
    }
}
