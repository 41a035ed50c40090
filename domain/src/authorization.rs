//! How Kubernetes' RBAC authorizer matches a resource request against one `PolicyRule`: the
//! same wildcard semantics as the API server's `rbac/v1` helpers, so that a rule's verdict
//! never depends on how a grant happens to be spelled.
//!
//! - a verb matches itself or `*`;
//! - an API group matches itself or `*` (the core group is `""`);
//! - a resource matches itself, `*` (every resource and subresource), or, for a subresource
//!   request, `*/<subresource>` (`*/exec` is exec on any resource);
//! - `resourceNames`, when listed, narrow the rule to those objects.

use k8s_openapi::api::rbac::v1::PolicyRule;

/// One request, as the authorizer sees it: `get` on `pods/exec` in the core group is
/// `ResourceRequest::new("get", "", "pods/exec")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRequest<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
}

impl<'a> ResourceRequest<'a> {
    /// A request for `verb` on `resource` (`pods`, or `pods/exec` for a subresource).
    pub fn new(verb: &'a str, group: &'a str, resource: &'a str) -> Self {
        let (resource, subresource) = match resource.split_once('/') {
            Some((resource, subresource)) => (resource, Some(subresource)),
            None => (resource, None),
        };
        ResourceRequest { verb, group, resource, subresource }
    }
}

/// True when `rule` allows `request` on at least one object (with `resourceNames` listed, on
/// those objects only).
pub fn rule_allows(rule: &PolicyRule, request: &ResourceRequest<'_>) -> bool {
    verb_matches(rule, request.verb) && group_matches(rule, request.group) && resource_matches(rule, request)
}

/// True when `rule` is narrowed to named objects by `resourceNames`.
pub fn names_objects(rule: &PolicyRule) -> bool {
    rule.resource_names.as_ref().is_some_and(|names| !names.is_empty())
}

fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == "*" || v == verb)
}

fn group_matches(rule: &PolicyRule, group: &str) -> bool {
    rule.api_groups.iter().flatten().any(|g| g == "*" || g == group)
}

fn resource_matches(rule: &PolicyRule, request: &ResourceRequest<'_>) -> bool {
    rule.resources.iter().flatten().any(|granted| {
        if granted == "*" {
            return true;
        }
        match (granted.split_once('/'), request.subresource) {
            (None, None) => granted == request.resource,
            (Some((resource, subresource)), Some(wanted)) => {
                (resource == "*" || resource == request.resource) && subresource == wanted
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(value: serde_json::Value) -> PolicyRule {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn wildcards_match_as_the_rbac_authorizer_matches() {
        let everything = rule(json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}));
        for (verb, group, resource) in
            [("escalate", "rbac.authorization.k8s.io", "clusterroles"), ("create", "", "pods/exec")]
        {
            assert!(rule_allows(&everything, &ResourceRequest::new(verb, group, resource)), "{verb} {resource}");
        }
        let any_exec = rule(json!({"apiGroups": [""], "resources": ["*/exec"], "verbs": ["create"]}));
        assert!(rule_allows(&any_exec, &ResourceRequest::new("create", "", "pods/exec")));
        assert!(!rule_allows(&any_exec, &ResourceRequest::new("create", "", "pods")), "*/exec is not the pods");
        assert!(!rule_allows(&any_exec, &ResourceRequest::new("create", "", "pods/attach")));
    }

    #[test]
    fn a_resource_grant_does_not_cover_its_subresources_nor_another_group() {
        let pods = rule(json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "create"]}));
        assert!(rule_allows(&pods, &ResourceRequest::new("get", "", "pods")));
        assert!(!rule_allows(&pods, &ResourceRequest::new("create", "", "pods/exec")));
        assert!(!rule_allows(&pods, &ResourceRequest::new("get", "apps", "pods")));
        assert!(!rule_allows(&pods, &ResourceRequest::new("delete", "", "pods")));
    }
}
