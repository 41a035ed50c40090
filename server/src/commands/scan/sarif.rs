//! SARIF 2.1.0: one run, the whole rule catalogue as the tool's rules (with help text), one
//! result per finding located at its manifest file and object.

use domain::rules::catalogue;
use domain::{Finding, Severity};
use serde_json::{Value, json};

use super::manifests::Manifests;

/// SARIF's level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The `security-severity` score code scanning tools sort by (0.0–10.0).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The findings as a SARIF 2.1.0 log.
pub fn render(manifests: &Manifests, findings: &[Finding]) -> String {
    let rules = catalogue();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut tags: Vec<&str> = vec!["security", "kubernetes", r.category.as_str()];
            tags.extend(r.controls.iter().copied());
            json!({
                "id": r.id,
                "name": r.title,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.rationale},
                "help": {"text": r.remediation, "markdown": format!("{}\n\n**Remediation**\n\n```yaml\n{}\n```", r.rationale, r.remediation)},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": tags, "security-severity": security_severity(r.severity), "precision": "high"}
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = rules.iter().position(|r| r.id == f.rule).unwrap_or(0);
            let object = f.object.to_string();
            let mut location =
                json!({"logicalLocations": [{"name": f.object.name, "fullyQualifiedName": object, "kind": "object"}]});
            if let Some(source) = manifests.source_of(&f.object) {
                location["physicalLocation"] = json!({"artifactLocation": {"uri": source}});
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": format!("{object}: {}", f.message)},
                "locations": [location],
                "properties": {"severity": f.severity, "controls": f.controls, "evidence": f.evidence,
                               "container": f.container}
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "Rampart", "version": env!("CARGO_PKG_VERSION"), "rules": descriptors}},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}
