//! The viewer's scope: which tenants a read may return. Every read model takes one.

/// The tenants a viewer may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every tenant (security team, auditors, admins).
    AllTenants,
    /// Only these tenants (a team lead's own).
    Tenants(Vec<String>),
}

impl Scope {
    /// The tenant list to bind as a `text[]` filter; `None` means no restriction.
    pub(crate) fn tenant_filter(&self) -> Option<Vec<String>> {
        match self {
            Scope::AllTenants => None,
            Scope::Tenants(tenants) => Some(tenants.clone()),
        }
    }

    /// True when the viewer may see this tenant.
    pub fn allows(&self, tenant: &str) -> bool {
        match self {
            Scope::AllTenants => true,
            Scope::Tenants(tenants) => tenants.iter().any(|t| t == tenant),
        }
    }

    /// This scope narrowed to one tenant: that tenant if allowed, otherwise nothing at all.
    pub fn narrowed_to(&self, tenant: &str) -> Scope {
        if self.allows(tenant) { Scope::Tenants(vec![tenant.to_string()]) } else { Scope::Tenants(Vec::new()) }
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn narrowing_to_a_foreign_tenant_sees_nothing() {
        let lead = Scope::Tenants(vec!["nlp".into()]);
        assert_eq!(lead.narrowed_to("vision"), Scope::Tenants(vec![]));
        assert_eq!(lead.narrowed_to("nlp"), Scope::Tenants(vec!["nlp".into()]));
        assert!(Scope::AllTenants.allows("anything"));
    }
}
