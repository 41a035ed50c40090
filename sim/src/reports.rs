//! Trivy Operator's reports (`aquasecurity.github.io/v1alpha1`) for some tenant workloads:
//! vulnerability reports with CVEs, config audit reports, and one exposed-secret report.
//! Deterministic per workload name, so they do not consume the simulator's random stream.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::{Kind, Workload};
use crate::object::meta;

/// CVEs the simulated images carry: id, package, installed, fixed, severity.
const CVES: [(&str, &str, &str, &str, &str); 6] = [
    ("CVE-2024-3094", "xz-utils", "5.6.0-0.1", "5.6.1+really5.4.5-1", "CRITICAL"),
    ("CVE-2023-44487", "golang.org/x/net", "v0.15.0", "0.17.0", "HIGH"),
    ("CVE-2024-6387", "openssh-client", "1:9.2p1-2", "1:9.2p1-2+deb12u3", "HIGH"),
    ("CVE-2023-4863", "libwebp7", "1.2.4-0.2", "1.2.4-0.2+deb12u1", "HIGH"),
    ("CVE-2024-45490", "libexpat1", "2.5.0-1", "2.5.0-1+deb12u1", "MEDIUM"),
    ("CVE-2023-5678", "libssl3", "3.0.11-1", "", "LOW"),
];

fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Renders reports for a deterministic share of the tenant Deployments and StatefulSets.
pub(crate) fn render_trivy_reports(workloads: &[Workload], out: &mut BTreeMap<&'static str, Vec<Value>>) {
    let mut secret_reported = false;
    for w in workloads.iter().filter(|w| !w.system && matches!(w.kind, Kind::Deployment | Kind::StatefulSet)) {
        let hash = name_hash(&w.name);
        if hash.is_multiple_of(3) {
            continue;
        }
        let (owner_kind, owner_name) = match w.kind {
            Kind::Deployment => ("ReplicaSet", format!("{}-7d9f8c6b5", w.name)),
            _ => ("StatefulSet", w.name.clone()),
        };
        let report_name = format!("{}-{}-main", owner_kind.to_lowercase(), owner_name);
        let mut m = meta(&report_name, Some(&w.namespace), &format!("uid-report-{}-{report_name}", w.namespace));
        m["labels"] = json!({
            "trivy-operator.resource.kind": owner_kind, "trivy-operator.resource.name": owner_name,
            "trivy-operator.resource.namespace": w.namespace, "trivy-operator.container.name": "main"
        });
        let count = (hash % 4) as usize;
        let vulnerabilities: Vec<Value> = (0..count)
            .map(|i| CVES[(hash as usize + i * 5) % CVES.len()])
            .map(|(id, pkg, installed, fixed, severity)| json!({
                "vulnerabilityID": id, "resource": pkg, "installedVersion": installed, "fixedVersion": fixed,
                "severity": severity, "title": format!("{pkg}: {id}"), "primaryLink": format!("https://avd.aquasec.com/nvd/{}", id.to_lowercase())
            }))
            .collect();
        let (repository, tag) = w.image.rsplit_once(':').unwrap_or((&w.image, ""));
        out.entry("vulnerabilityreports").or_default().push(json!({
            "apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "VulnerabilityReport", "metadata": m,
            "report": {"artifact": {"repository": repository, "tag": tag}, "scanner": {"name": "Trivy", "version": "0.58.1"},
                       "summary": {"criticalCount": 0}, "vulnerabilities": vulnerabilities}
        }));
        out.entry("configauditreports").or_default().push(json!({
            "apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ConfigAuditReport", "metadata": m,
            "report": {"checks": [
                {"checkID": "KSV011", "title": "CPU not limited", "severity": "LOW", "success": hash.is_multiple_of(2)},
                {"checkID": "KSV014", "title": "Root file system is not read-only", "severity": "HIGH", "success": false}
            ]}
        }));
        if !secret_reported && hash % 5 == 1 {
            secret_reported = true;
            out.entry("exposedsecretreports").or_default().push(json!({
                "apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ExposedSecretReport", "metadata": m,
                "report": {"secrets": [{"ruleID": "aws-access-key-id", "category": "AWS", "severity": "CRITICAL",
                                        "title": "AWS Access Key ID", "target": "/app/.env",
                                        "match": "AWS_ACCESS_KEY_ID=********************"}]}
            }));
        }
    }
}
