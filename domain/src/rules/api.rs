//! API versions: objects written in an `apiVersion` Kubernetes removed (an apply fails on any
//! current cluster) or deprecated (it will), from the schedule in [`crate::api_versions`].
//! Only manifests carry them: an API server answers in the version it is asked for.

use crate::finding::Severity;
use crate::inventory::OutdatedApi;
use crate::rules::rule::{Category, Outcome, Rule, RuleInput, custom_rule};

/// The API-version rules.
pub static RULES: [Rule; 2] = [
    custom_rule(
        "api.removed-version",
        "API version removed from Kubernetes",
        Category::Api,
        Severity::Medium,
        "A manifest in a removed API version cannot be applied to a current cluster: whatever \
         it was meant to deploy or restrict (a PodSecurityPolicy, a NetworkPolicy) is not in force \
         where it is used, and the repository no longer describes what runs.",
        "Rewrite the object in the replacement version the finding names; `kubectl convert` \
         (the kubectl-convert plugin) does most of it:\n\n\
         kubectl convert -f deployment.yaml --output-version apps/v1",
        &["nsa:upgrading"],
        removed_version,
    ),
    custom_rule(
        "api.deprecated-version",
        "API version deprecated",
        Category::Api,
        Severity::Low,
        "A deprecated API version is still served but will be removed: the upgrade that removes \
         it breaks every pipeline that applies the manifest.",
        "Move the object to the replacement version the finding names before the upgrade that \
         removes the old one.",
        &["nsa:upgrading"],
        deprecated_version,
    ),
];

fn outdated(rule: &Rule, input: &RuleInput<'_>, removed: bool) -> Outcome {
    let selected = input.inventory.outdated_apis.iter().filter(|o| o.change.removed_in.is_some() == removed);
    Ok(selected
        .map(|OutdatedApi { object, change }| {
            rule.finding(object.clone(), None, change.describe(), vec!["apiVersion".into()])
        })
        .collect())
}

fn removed_version(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    outdated(rule, input, true)
}

fn deprecated_version(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    outdated(rule, input, false)
}
