//! Images: mutable tags, missing digests, registries outside the allow-list, and what Trivy
//! Operator's reports say about each workload's images.

use crate::containers::containers;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::rules::rule::{Category, NotAssessable, Outcome, Rule, RuleInput, custom_rule};
use crate::trivy::{ReportMeta, TrivyReports};

/// The image rules.
pub static RULES: [Rule; 6] = [
    custom_rule(
        "images.mutable-tag",
        "Image without a tag or with :latest",
        Category::Images,
        Severity::Medium,
        "`latest` or no tag means the image can change under the same name: what runs is not what \
         was reviewed, and a rollback may not roll back.",
        "Pin a version tag, and better a digest:\n\nimage: registry.example.com/team/app:1.4.2@sha256:…",
        &["nsa:secure-images"],
        mutable_tag,
    ),
    custom_rule(
        "images.no-digest",
        "Image not pinned by digest",
        Category::Images,
        Severity::Info,
        "A tag can be moved to another image by whoever can push to the registry; a digest cannot.",
        "image: registry.example.com/team/app:1.4.2@sha256:<digest>",
        &["nsa:secure-images"],
        no_digest,
    ),
    custom_rule(
        "images.untrusted-registry",
        "Image from a registry outside the allow-list",
        Category::Images,
        Severity::High,
        "Images from registries the platform does not control have not passed its scanning and \
         signing, and may be swapped by their publisher.",
        "Mirror the image into an allowed registry and reference it there.",
        &["cis:5.5.1", "nsa:secure-images"],
        untrusted_registry,
    ),
    custom_rule(
        "images.vulnerability",
        "Known vulnerability in an image",
        Category::Images,
        Severity::High,
        "Trivy Operator found a CVE in a package of the image; its severity is the report's.",
        "Rebuild the image on a base with the fixed version of the package, then redeploy.",
        &["nsa:upgrading", "nsa:secure-images"],
        vulnerability,
    ),
    custom_rule(
        "images.config-audit",
        "Trivy configuration check failed",
        Category::Images,
        Severity::Medium,
        "Trivy Operator's own configuration audit failed a check on the workload; its severity is the report's.",
        "Follow the check's guidance in Trivy's documentation for its id.",
        &["nsa:container-hardening"],
        config_audit,
    ),
    custom_rule(
        "images.exposed-secret",
        "Secret baked into an image",
        Category::Images,
        Severity::High,
        "Trivy Operator found a secret in a file of the image: everyone who can pull the image has it.",
        "Remove the file from the image, rotate the secret, and inject it at run time from a Secret.",
        &["nsa:secrets", "nsa:secure-images"],
        exposed_secret,
    ),
];

/// An image reference split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    pub registry: &'a str,
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Splits `registry/repo:tag@digest`; an image without a registry host comes from `docker.io`.
pub fn parse_image(image: &str) -> ImageRef<'_> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => (first, rest),
        _ => ("docker.io", name),
    };
    ImageRef { registry, repository, tag, digest }
}

fn per_image(rule: &Rule, input: &RuleInput<'_>, judge: impl Fn(&str, &ImageRef<'_>) -> Option<String>) -> Outcome {
    let mut out = Vec::new();
    for site in input.sites.iter() {
        for c in containers(site.spec) {
            let Some(image) = c.image else { continue };
            if let Some(message) = judge(image, &parse_image(image)) {
                let message = format!("container {:?}: {message}", c.name);
                out.push(rule.finding(
                    site.object(),
                    Some(c.name),
                    message,
                    vec![site.path(&format!("{}.image", c.path()))],
                ));
            }
        }
    }
    Ok(out)
}

fn mutable_tag(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_image(rule, input, |image, r| match (r.tag, r.digest) {
        (_, Some(_)) => None,
        (None, None) => Some(format!("image {image:?} has no tag (means latest)")),
        (Some("latest"), None) => Some(format!("image {image:?} uses the mutable tag latest")),
        _ => None,
    })
}

fn no_digest(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    per_image(rule, input, |image, r| r.digest.is_none().then(|| format!("image {image:?} is not pinned by digest")))
}

fn untrusted_registry(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let allowed = &input.settings.allowed_registries;
    if allowed.is_empty() {
        return Ok(Vec::new());
    }
    per_image(rule, input, |image, r| {
        (!allowed.iter().any(|a| a == r.registry))
            .then(|| format!("image {image:?} comes from registry {:?}, not in the allow-list", r.registry))
    })
}

fn reports<'a>(input: &RuleInput<'a>) -> Result<&'a TrivyReports, NotAssessable> {
    input.inventory.trivy.as_ref().ok_or_else(|| NotAssessable("the cluster serves no Trivy Operator reports".into()))
}

/// Maps a Trivy severity word to Rampart's.
pub fn trivy_severity(word: &str) -> Severity {
    match word.to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        _ => Severity::Info,
    }
}

/// The workload a report is about, as written: a ReplicaSet's Deployment, a Job's CronJob.
fn owning_workload(input: &RuleInput<'_>, meta: &ReportMeta) -> Option<ObjectRef> {
    let (kind, namespace, name) = meta.owner()?;
    let (kind, name) = input.controllers.top_owner(&kind, namespace.as_deref().unwrap_or_default(), &name);
    Some(ObjectRef { kind: kind.to_string(), namespace, name: name.to_string() })
}

fn with_severity(mut finding: Finding, severity: Severity) -> Finding {
    finding.severity = severity;
    finding
}

fn vulnerability(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for report in &reports(input)?.vulnerability_reports {
        let Some(object) = owning_workload(input, &report.metadata) else {
            continue;
        };
        let artifact = &report.report.artifact;
        for (i, v) in report.report.vulnerabilities.iter().enumerate() {
            let fixed = if v.fixed_version.is_empty() {
                "no fix yet".to_string()
            } else {
                format!("fixed in {}", v.fixed_version)
            };
            let message = format!(
                "{} in {} {} ({fixed}) of image {}:{}",
                v.vulnerability_id, v.resource, v.installed_version, artifact.repository, artifact.tag
            );
            let evidence = vec![format!("VulnerabilityReport/{}.report.vulnerabilities[{i}]", report.metadata.name)];
            let finding = rule.finding(object.clone(), report.metadata.container(), message, evidence);
            out.push(with_severity(finding, trivy_severity(&v.severity)));
        }
    }
    Ok(out)
}

fn config_audit(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for report in &reports(input)?.config_audit_reports {
        let Some(object) = owning_workload(input, &report.metadata) else {
            continue;
        };
        for (i, check) in report.report.checks.iter().enumerate().filter(|(_, c)| !c.success) {
            let message = format!("Trivy check {} failed: {}", check.check_id, check.title);
            let evidence = vec![format!("ConfigAuditReport/{}.report.checks[{i}]", report.metadata.name)];
            out.push(with_severity(
                rule.finding(object.clone(), None, message, evidence),
                trivy_severity(&check.severity),
            ));
        }
    }
    Ok(out)
}

fn exposed_secret(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for report in &reports(input)?.exposed_secret_reports {
        let Some(object) = owning_workload(input, &report.metadata) else {
            continue;
        };
        for (i, secret) in report.report.secrets.iter().enumerate() {
            let message = format!("{} ({}) found in {}", secret.title, secret.rule_id, secret.target);
            let evidence = vec![format!("ExposedSecretReport/{}.report.secrets[{i}]", report.metadata.name)];
            out.push(rule.finding(object.clone(), report.metadata.container(), message, evidence));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_image;
    use crate::inventory::Inventory;
    use crate::rules::fixture::{deployment, obj, rule_ids};
    use crate::rules::{RuleSettings, evaluate_with};
    use crate::trivy::TrivyReports;
    use serde_json::json;

    #[test]
    fn image_references_are_split_like_the_container_runtime_does() {
        let r = parse_image("registry.example.com:5000/team/app:1.2@sha256:abc");
        assert_eq!(
            (r.registry, r.repository, r.tag, r.digest),
            ("registry.example.com:5000", "team/app", Some("1.2"), Some("sha256:abc"))
        );
        let r = parse_image("nginx");
        assert_eq!((r.registry, r.repository, r.tag), ("docker.io", "nginx", None));
        let r = parse_image("library/redis:7");
        assert_eq!((r.registry, r.tag), ("docker.io", Some("7")));
    }

    fn with_image(image: &str) -> Inventory {
        deployment("x", "api", json!({"containers": [{"name": "c", "image": image}]}))
    }

    #[test]
    fn latest_or_missing_tags_fail_and_pinned_versions_pass() {
        assert_eq!(rule_ids(&with_image("nginx"), "images.mutable-tag").len(), 1);
        assert_eq!(rule_ids(&with_image("nginx:latest"), "images.mutable-tag").len(), 1);
        assert!(rule_ids(&with_image("nginx:1.27.3"), "images.mutable-tag").is_empty());
        assert_eq!(rule_ids(&with_image("nginx:1.27.3"), "images.no-digest").len(), 1);
        assert!(rule_ids(&with_image("nginx@sha256:0123"), "images.no-digest").is_empty());
    }

    #[test]
    fn registries_outside_a_configured_allow_list_fail() {
        let settings =
            RuleSettings { allowed_registries: vec!["registry.example.com".into()], ..RuleSettings::default() };
        let count = |image: &str| {
            evaluate_with(&with_image(image), &settings)
                .findings
                .iter()
                .filter(|f| f.rule == "images.untrusted-registry")
                .count()
        };
        assert_eq!(count("docker.io/library/nginx:1"), 1);
        assert_eq!(count("registry.example.com/team/app:1"), 0);
        assert!(
            rule_ids(&with_image("docker.io/library/nginx:1"), "images.untrusted-registry").is_empty(),
            "no allow-list, no finding"
        );
    }

    fn with_reports() -> Inventory {
        let mut inv = with_image("registry.example.com/team/api:1.0");
        inv.replica_sets.push(obj(json!({"metadata": {"name": "api-5d", "namespace": "x", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "uid": "u", "controller": true}]}})));
        let labels = json!({"trivy-operator.resource.kind": "ReplicaSet", "trivy-operator.resource.name": "api-5d",
                            "trivy-operator.resource.namespace": "x", "trivy-operator.container.name": "c"});
        inv.trivy = Some(TrivyReports {
            vulnerability_reports: vec![obj(
                json!({"metadata": {"name": "replicaset-api-5d-c", "namespace": "x", "labels": labels},
                "report": {"artifact": {"repository": "team/api", "tag": "1.0"}, "vulnerabilities": [
                    {"vulnerabilityID": "CVE-2024-3094", "resource": "xz-utils", "installedVersion": "5.6.0", "fixedVersion": "5.6.1", "severity": "CRITICAL", "title": "backdoor"},
                    {"vulnerabilityID": "CVE-2023-0001", "resource": "zlib", "installedVersion": "1.2", "fixedVersion": "", "severity": "LOW"}]}}),
            )],
            config_audit_reports: vec![obj(json!({"metadata": {"name": "r", "namespace": "x", "labels": labels},
                "report": {"checks": [{"checkID": "KSV001", "title": "t", "severity": "MEDIUM", "success": false},
                                      {"checkID": "KSV002", "title": "t", "severity": "LOW", "success": true}]}}))],
            exposed_secret_reports: vec![obj(json!({"metadata": {"name": "s", "namespace": "x", "labels": labels},
                "report": {"secrets": [{"ruleID": "aws-access-key-id", "title": "AWS Access Key", "severity": "CRITICAL",
                                        "target": "/app/.env", "match": "AWS_ACCESS_KEY_ID=AKIA****************"}]}}))],
        });
        inv
    }

    #[test]
    fn trivy_reports_become_findings_on_the_deployment_with_their_own_severity() {
        let inv = with_reports();
        let vulns = rule_ids(&inv, "images.vulnerability");
        assert_eq!(vulns.len(), 2);
        assert_eq!((vulns[0].object.kind.as_str(), vulns[0].object.name.as_str()), ("Deployment", "api"));
        assert_eq!(vulns[0].severity, crate::Severity::Critical);
        assert!(vulns[0].message.contains("CVE-2024-3094") && vulns[0].message.contains("5.6.1"));
        assert_eq!(vulns[1].severity, crate::Severity::Low);
        assert_eq!(rule_ids(&inv, "images.config-audit").len(), 1, "only the failed check");
        let secrets = rule_ids(&inv, "images.exposed-secret");
        assert_eq!(secrets.len(), 1);
        assert!(!secrets[0].message.contains("AKIA"), "the matched text is never quoted");
    }

    #[test]
    fn without_trivy_reports_the_vulnerability_rules_are_not_assessable() {
        let evaluation = evaluate_with(&with_image("nginx:1"), &RuleSettings::default());
        let unassessed: Vec<&str> = evaluation.not_assessable.iter().map(|(id, _)| *id).collect();
        for id in ["images.vulnerability", "images.config-audit", "images.exposed-secret"] {
            assert!(unassessed.contains(&id), "{id}");
        }
    }
}
