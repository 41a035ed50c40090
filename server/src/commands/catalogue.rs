//! `rampart rules` and `rampart frameworks`.

use domain::frameworks::frameworks as all_frameworks;
use domain::rules::catalogue;
use domain::rules::trivy_checks::control_needs;
use serde_json::json;

use std::process::ExitCode;

use super::cli::ListFormat;
use super::scan::table;

/// `rampart rules`: prints the rule catalogue.
pub fn rules(format: ListFormat) -> ExitCode {
    match format {
        ListFormat::Table => print!("{}", rules_table()),
        ListFormat::Json => println!("{}", rules_json()),
    }
    ExitCode::SUCCESS
}

/// `rampart frameworks`: prints the frameworks' controls.
pub fn frameworks(format: ListFormat) -> ExitCode {
    match format {
        ListFormat::Table => print!("{}", frameworks_table()),
        ListFormat::Json => println!("{}", frameworks_json()),
    }
    ExitCode::SUCCESS
}

/// The rule catalogue as a table.
pub fn rules_table() -> String {
    let mut rows = vec![["ID", "SEVERITY", "CATEGORY", "TITLE", "CONTROLS"].map(String::from).to_vec()];
    for rule in catalogue() {
        rows.push(vec![
            rule.id.to_string(),
            rule.severity.to_string(),
            rule.category.as_str().to_string(),
            rule.title.to_string(),
            rule.controls.join(" "),
        ]);
    }
    let mut out = table::render(&rows);
    out.push_str(&format!("{} rules\n", rows.len() - 1));
    out
}

/// The rule catalogue as JSON, with rationale and remediation.
pub fn rules_json() -> String {
    serde_json::to_string_pretty(&json!({ "rules": catalogue() })).unwrap_or_default()
}

/// Each framework's controls with assessment kind and rules, then coverage counts.
pub fn frameworks_table() -> String {
    let mut out = String::new();
    for framework in all_frameworks() {
        out.push_str(&format!("{} ({}, {})\n", framework.name, framework.id, framework.version));
        let mut rows = vec![["CONTROL", "ASSESSMENT", "RULES", "NEEDS", "TITLE"].map(String::from).to_vec()];
        for control in framework.controls {
            let evidencing = framework.rules_for(control.id);
            let rules: Vec<&str> = evidencing.iter().map(|r| r.id).collect();
            rows.push(vec![
                format!("{}:{}", framework.id, control.id),
                control.assessment.as_str().to_string(),
                if rules.is_empty() { "-".to_string() } else { rules.join(" ") },
                control_needs(&evidencing).unwrap_or("-").to_string(),
                control.title.to_string(),
            ]);
        }
        out.push_str(&table::render(&rows));
        let counts: Vec<String> = framework.counts().iter().map(|(kind, n)| format!("{n} {}", kind.as_str())).collect();
        out.push_str(&format!("{} controls: {}\n\n", framework.controls.len(), counts.join(", ")));
    }
    out
}

/// The frameworks as JSON.
pub fn frameworks_json() -> String {
    let list: Vec<_> = all_frameworks()
        .iter()
        .map(|f| {
            let controls: Vec<_> = f
                .controls
                .iter()
                .map(|c| {
                    let evidencing = f.rules_for(c.id);
                    let rules: Vec<&str> = evidencing.iter().map(|r| r.id).collect();
                    json!({"id": format!("{}:{}", f.id, c.id), "title": c.title, "assessment": c.assessment,
                           "rules": rules, "needs": control_needs(&evidencing)})
                })
                .collect();
            let counts: serde_json::Map<String, serde_json::Value> =
                f.counts().into_iter().map(|(k, n)| (k.as_str().to_string(), json!(n))).collect();
            json!({"id": f.id, "name": f.name, "version": f.version, "counts": counts, "controls": controls})
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "frameworks": list })).unwrap_or_default()
}
