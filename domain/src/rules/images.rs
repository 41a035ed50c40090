//! Images: mutable tags, missing digests and registries outside the allow-list. What Trivy
//! Operator's reports say about the images is in [`super::vulnerabilities`] and
//! [`super::trivy_checks`].

use crate::containers::containers;
use crate::finding::Severity;
use crate::rules::rule::{Category, Outcome, Rule, RuleInput, custom_rule};

/// The image rules.
pub static RULES: [Rule; 3] = [
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

#[cfg(test)]
mod tests {
    use super::parse_image;
    use crate::inventory::Inventory;
    use crate::rules::fixture::{deployment, rule_ids};
    use crate::rules::{RuleSettings, evaluate_with};
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

    #[test]
    fn without_trivy_reports_the_vulnerability_rules_are_not_assessable() {
        let evaluation = evaluate_with(&with_image("nginx:1"), &RuleSettings::default());
        let unassessed: Vec<&str> = evaluation.not_assessable.iter().map(|(id, _)| *id).collect();
        for id in ["images.vulnerability", "images.config-audit", "images.exposed-secret"] {
            assert!(unassessed.contains(&id), "{id}");
        }
    }
}
