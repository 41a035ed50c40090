//! Exceptions (risk acceptances): a rule accepted within a scope — a whole tenant, one
//! namespace, or one object — until it expires. Excepted findings stay visible but leave the
//! score and compliance while the exception is active.
//!
//! A CVE exception accepts one CVE in one image repository, not a whole finding: the
//! vulnerability finding of that image leaves the CVE out of its count and severity (and is not
//! raised when nothing serious remains), optionally only until a fixed version ships.

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, ObjectRef};
use crate::trivy::ImageVulnerability;

/// An approved, unexpired exception, as the assessment applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub id: i64,
    pub rule: String,
    pub tenant: String,
    /// Only this namespace; `None` for the whole tenant.
    pub namespace: Option<String>,
    /// Only this object (with `object_name`); `None` for every object in scope.
    pub object_kind: Option<String>,
    pub object_name: Option<String>,
    /// Only this CVE (of rule `images.vulnerability`), in images of `image_repository`.
    pub cve: Option<String>,
    /// The image repository with its registry (`ghcr.io/team/api`), for a CVE exception.
    pub image_repository: Option<String>,
    /// A CVE exception that lapses as soon as a fixed version of the package exists.
    pub until_fixed: bool,
}

impl Exception {
    /// True when this exception covers a finding of `tenant`. A CVE exception covers no whole
    /// finding: see [`Exception::accepts_cve`].
    pub fn covers(&self, tenant: &str, finding: &Finding) -> bool {
        self.cve.is_none() && self.rule == finding.rule && self.in_scope(tenant, &finding.object)
    }

    /// True when this CVE exception accepts `cve` in an image of `repository` run by `object`
    /// of `tenant`.
    pub fn accepts_cve(&self, tenant: &str, object: &ObjectRef, repository: &str, cve: &ImageVulnerability) -> bool {
        self.cve.as_deref() == Some(&*cve.id)
            && self.image_repository.as_deref() == Some(repository)
            && !(self.until_fixed && cve.fixable())
            && self.in_scope(tenant, object)
    }

    fn in_scope(&self, tenant: &str, object: &ObjectRef) -> bool {
        self.tenant == tenant
            && self.namespace.as_deref().is_none_or(|ns| object.owning_namespace() == Some(ns))
            && self.object_kind.as_deref().is_none_or(|k| object.kind == k)
            && self.object_name.as_deref().is_none_or(|n| object.name == n)
    }
}

#[cfg(test)]
mod tests {
    use super::Exception;
    use crate::finding::{Finding, ObjectRef, Severity};

    fn finding(rule: &str, ns: &str, name: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::High,
            object: ObjectRef { kind: "Deployment".into(), namespace: Some(ns.into()), name: name.into() },
            container: None,
            message: String::new(),
            controls: vec![],
            evidence: vec![],
        }
    }

    fn exception(namespace: Option<&str>, object: Option<&str>) -> Exception {
        Exception {
            id: 1,
            rule: "pod.host-path".into(),
            tenant: "nlp".into(),
            namespace: namespace.map(Into::into),
            object_kind: object.map(|_| "Deployment".into()),
            object_name: object.map(Into::into),
            cve: None,
            image_repository: None,
            until_fixed: false,
        }
    }

    #[test]
    fn scope_narrows_from_tenant_to_namespace_to_object() {
        let f = finding("pod.host-path", "nlp-prod", "agent");
        assert!(exception(None, None).covers("nlp", &f));
        assert!(exception(Some("nlp-prod"), None).covers("nlp", &f));
        assert!(!exception(Some("nlp-dev"), None).covers("nlp", &f));
        assert!(exception(Some("nlp-prod"), Some("agent")).covers("nlp", &f));
        assert!(!exception(Some("nlp-prod"), Some("web")).covers("nlp", &f));
        assert!(!exception(None, None).covers("vision", &f), "never across tenants");
        assert!(!exception(None, None).covers("nlp", &finding("pod.privileged", "nlp-prod", "agent")), "only its rule");
    }
}
