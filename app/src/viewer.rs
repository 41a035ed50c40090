//! Who is looking: the signed-in viewer, their role and the tenants they may see. The server's
//! authentication layer decides the [`Viewer`] once per request and puts it in the request's
//! extensions; pages and server functions read it here and never take a scope from request
//! parameters. Without a viewer the scope is empty: reads fail closed.

use db::Scope;
use serde::{Deserialize, Serialize};

/// What a viewer may do, from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Sees only the tenants mapped to their groups; requests exceptions for them.
    TenantLead,
    /// Reads every tenant and exports reports.
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
    /// Read the audit log.
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
            Permission::RequestExceptions => true,
            Permission::ExportReports => true,
            Permission::ApproveExceptions | Permission::ReadAuditLog => self.role >= Role::Security,
            Permission::ManageUsers => self.role == Role::Admin,
        }
    }
}

/// The anti-forgery token of the current session, which every form posts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

/// The viewer of the request being rendered or served, if signed in.
pub fn current_viewer() -> Option<Viewer> {
    request_extension::<Viewer>()
}

/// The scope of the current viewer; nothing at all when no one is signed in.
pub fn current_scope() -> Scope {
    current_viewer().map_or(Scope::Tenants(Vec::new()), |viewer| viewer.scope())
}

/// The current session's anti-forgery token, for hidden form fields.
pub fn csrf_token() -> String {
    request_extension::<CsrfToken>().map(|token| token.0).unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn request_extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<T>().cloned())
}

#[cfg(not(feature = "ssr"))]
fn request_extension<T>() -> Option<T> {
    None
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
    fn only_security_and_admin_read_the_audit_log_and_only_admin_manages_users() {
        let of = |role| Viewer { user: "x".into(), role, tenants: vec![] };
        assert!(!of(Role::Auditor).can(Permission::ReadAuditLog));
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
}
