//! A made-up report of any size, for tests and `rampart bench report`.

use chrono::{Duration, TimeZone, Utc};

use crate::*;

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// A report over `tenants` tenants with `findings` open findings, deterministic.
pub fn sample(tenants: usize, findings: usize) -> ReportData {
    let to = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).single().unwrap_or_default();
    let names: Vec<String> = (0..tenants).map(|i| format!("team{i:03}")).collect();
    let frameworks = [("pss", "Pod Security Standards", "v1.35"), ("cis", "CIS Kubernetes Benchmark", "1.10")]
        .into_iter()
        .map(|(id, name, version)| FrameworkSection {
            id: id.into(),
            name: name.into(),
            version: version.into(),
            compliance: names
                .iter()
                .enumerate()
                .map(|(i, t)| ComplianceLine {
                    tenant: t.clone(),
                    percent: Some(50.0 + (i % 50) as f64),
                    passed: 20 + (i % 5) as i64,
                    failed: 5,
                    partial: 2,
                    manual: 3,
                    not_assessable: 1,
                })
                .collect(),
            controls: (1..=20)
                .map(|c| ControlLine {
                    id: format!("5.2.{c}"),
                    title: format!("Control {c} of {id}"),
                    assessment: ["automated", "partial", "manual", "not-assessable"][c % 4].into(),
                    status: ["pass", "fail", "partial", "manual"][c % 4].into(),
                    evidence: (c * 3) as i64,
                })
                .collect(),
        })
        .collect();
    let finding = |i: usize| FindingLine {
        severity: SEVERITIES[i % 4].into(),
        rule: "pod.privileged".into(),
        tenant: names[i % names.len().max(1)].clone(),
        object: format!("Deployment/ns-{}/api-{i}", i % 40),
        message: format!("container \"main\" of api-{i} is privileged"),
        evidence: vec!["spec.template.spec.containers[0].securityContext.privileged".into()],
        remediation: (i < 20).then(|| "securityContext:\n  privileged: false".to_string()),
    };
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"100\" viewBox=\"0 0 400 100\">\
               <polyline points=\"0,80 100,60 200,70 300,30 400,40\" fill=\"none\" stroke=\"#2354d1\" stroke-width=\"2\"/>\
               <text x=\"4\" y=\"96\" font-family=\"sans-serif\" font-size=\"10\">Nov 01</text></svg>";
    ReportData {
        title: "Compliance report: all tenants".into(),
        generated_at: to,
        generated_by: "auditor@example.test".into(),
        period_from: to - Duration::days(30),
        period_to: to,
        clusters: vec![ClusterLine {
            name: "prod".into(),
            first_collection: Some(to - Duration::days(30)),
            last_collection: Some(to - Duration::minutes(5)),
            collections: 8640,
            interval_s: Some(300.0),
            missed_intervals: 0,
            on_schedule: true,
            not_assessable: 2,
        }],
        tenants: names
            .iter()
            .enumerate()
            .map(|(i, t)| TenantLine {
                tenant: t.clone(),
                score: 30.0 + (i % 60) as f64,
                previous_score: (i % 3 != 0).then(|| 35.0 + (i % 50) as f64),
                critical: (i % 3) as i64,
                high: (i % 7) as i64,
                medium: 10,
                low: 20,
                namespaces: vec![format!("{t}-prod"), format!("{t}-dev")],
            })
            .collect(),
        frameworks,
        exceptions: vec![ExceptionLine {
            id: 7,
            rule: "pod.privileged".into(),
            tenant: names.first().cloned().unwrap_or_default(),
            target: "the whole tenant".into(),
            justification: "The GPU driver installer needs host access.".into(),
            requested_by: "ana".into(),
            approved_by: Some("sam".into()),
            expires_at: to + Duration::days(20),
            status: "active".into(),
        }],
        top_findings: (0..findings.min(20)).map(finding).collect(),
        open_findings: (0..findings).map(finding).collect(),
        audit: vec![AuditLine {
            at: to - Duration::days(2),
            actor: "sam".into(),
            action: "exception.approved".into(),
            subject: "exception/7".into(),
            tenant: names.first().cloned(),
        }],
        charts: vec![Chart { title: "Risk score, 30 days".into(), svg: svg.into() }],
    }
}
