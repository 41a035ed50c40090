//! Who may see and do what: the [`Role`]s, the [`Permission`]s they grant, the signed-in
//! [`Viewer`] and the [`Scope`] of tenants their reads are limited to. The server decides the
//! viewer once per request; `db` takes the scope in every read model; the pages only read it.

use serde::{Deserialize, Serialize};

/// What a viewer may do, from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Sees only the tenants mapped to their groups; requests exceptions for them.
    TenantLead,
    /// Reads every tenant, the audit log included, and exports reports; changes nothing.
    Auditor,
    /// Reads every tenant, approves exceptions, reads the audit log.
    Security,
    /// Everything, including users.
    Admin,
}

impl Role {
    /// The name used in configuration and shown in the UI.
    pub fn name(self) -> &'static str {
        match self {
            Role::TenantLead => "tenant-lead",
            Role::Auditor => "auditor",
            Role::Security => "security",
            Role::Admin => "admin",
        }
    }

    /// Every role, least privileged first.
    pub const ALL: [Role; 4] = [Role::TenantLead, Role::Auditor, Role::Security, Role::Admin];
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.name() == s)
            .ok_or_else(|| format!("unknown role {s:?} (expected one of admin, security, auditor, tenant-lead)"))
    }
}

/// Actions that not every role may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Ask for a risk acceptance (within the viewer's own tenants).
    RequestExceptions,
    /// Approve or revoke exceptions.
    ApproveExceptions,
    /// Read the audit log (auditors, security, admins).
    ReadAuditLog,
    /// Export reports.
    ExportReports,
    /// Add, remove and change users.
    ManageUsers,
}

/// The signed-in person for this request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// The user name, as the identity provider, proxy or local user table gives it.
    pub user: String,
    pub role: Role,
    /// The tenants a tenant lead may see; ignored for other roles, which see all.
    pub tenants: Vec<String>,
}

impl Viewer {
    /// The tenants this viewer's reads are limited to.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::TenantLead => Scope::Tenants(self.tenants.clone()),
            Role::Auditor | Role::Security | Role::Admin => Scope::AllTenants,
        }
    }

    /// Whether this viewer may take `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        match permission {
            // An auditor accepts no risk: they only read, so their judgement stays independent.
            Permission::RequestExceptions => self.role != Role::Auditor,
            Permission::ExportReports => true,
            Permission::ReadAuditLog => self.role >= Role::Auditor,
            Permission::ApproveExceptions => self.role >= Role::Security,
            Permission::ManageUsers => self.role == Role::Admin,
        }
    }
}

/// The anti-forgery token of the current session, which every form posts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

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
    pub fn tenant_filter(&self) -> Option<Vec<String>> {
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

/// True when `path` is a path on this site (`/tenants/nlp?at=…`) and nothing a browser could
/// take for another origin: the only places a sign-in may send the browser back to. After
/// percent-decoding it must be path-absolute (`/` but not `//`), with no backslash, no control
/// or white-space character (browsers drop a tab, so `/\t/host` is `//host`) and no look-alike
/// slash.
pub fn is_local_path(path: &str) -> bool {
    let Some(decoded) = percent_decoded(path) else { return false };
    let looks_like_a_slash =
        |c: char| matches!(c, '\\' | '\u{2044}' | '\u{2215}' | '\u{29f8}' | '\u{ff0f}' | '\u{ff3c}');
    decoded.starts_with('/')
        && !decoded[1..].starts_with(['/', '\\'])
        && !decoded.chars().any(|c| c.is_control() || c.is_whitespace() || looks_like_a_slash(c))
}

/// `text` with its `%XX` escapes decoded; `None` when an escape is malformed or the result is
/// not UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_lead_is_scoped_to_their_tenants_and_cannot_approve() {
        let lead = Viewer { user: "ana".into(), role: Role::TenantLead, tenants: vec!["nlp".into()] };
        assert_eq!(lead.scope(), Scope::Tenants(vec!["nlp".into()]));
        assert!(lead.can(Permission::RequestExceptions));
        assert!(!lead.can(Permission::ApproveExceptions));
        assert!(!lead.can(Permission::ReadAuditLog));
    }

    #[test]
    fn auditors_read_the_audit_log_but_accept_no_risk_and_only_admin_manages_users() {
        let of = |role| Viewer { user: "x".into(), role, tenants: vec![] };
        assert!(of(Role::Auditor).can(Permission::ReadAuditLog));
        assert!(!of(Role::Auditor).can(Permission::RequestExceptions));
        assert!(!of(Role::Auditor).can(Permission::ApproveExceptions));
        assert!(!of(Role::TenantLead).can(Permission::ReadAuditLog));
        assert!(of(Role::Security).can(Permission::ReadAuditLog));
        assert!(!of(Role::Security).can(Permission::ManageUsers));
        assert!(of(Role::Admin).can(Permission::ManageUsers));
        assert_eq!(of(Role::Auditor).scope(), Scope::AllTenants);
    }

    #[test]
    fn roles_parse_from_their_configuration_names() {
        assert_eq!("tenant-lead".parse::<Role>(), Ok(Role::TenantLead));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn narrowing_to_a_foreign_tenant_sees_nothing() {
        let lead = Scope::Tenants(vec!["nlp".into()]);
        assert_eq!(lead.narrowed_to("vision"), Scope::Tenants(vec![]));
        assert_eq!(lead.narrowed_to("nlp"), Scope::Tenants(vec!["nlp".into()]));
        assert!(Scope::AllTenants.allows("anything"));
    }

    #[test]
    fn only_paths_on_this_site_are_return_targets() {
        assert!(is_local_path("/tenants/nlp?at=x"));
        assert!(!is_local_path("//evil.example/"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/\\evil.example"));
    }

    #[test]
    fn known_open_redirect_bypasses_are_not_return_targets() {
        for bypass in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/ /evil.example",
            "/\n/evil.example",
            "https:evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\u{ff0f}evil.example",
            "/\u{2215}evil.example",
            "/%EF%BC%8Fevil.example",
            "%2F%2Fevil.example",
            "/%zz",
            "",
        ] {
            assert!(!is_local_path(bypass), "{bypass:?} must not be a return target");
        }
        for local in
            ["/", "/tenants/nlp", "/tenants/%E5%BC%A0", "/compliance?framework=cis&at=2026-11-01T00%3A00%3A00Z"]
        {
            assert!(is_local_path(local), "{local:?} is a path on this site");
        }
    }
}
