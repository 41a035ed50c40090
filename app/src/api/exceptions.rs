//! Exceptions (risk acceptances): list, request, approve, revoke. Tenant leads request them for
//! their own tenants; the security team and admins approve and revoke. Each change is audited
//! by the store in the same transaction.

use chrono::Utc;
use db::exceptions::{ExceptionRequest, ExceptionRow};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the exceptions page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExceptionsData {
    /// One page of the exceptions of the tenants in the viewer's scope, newest first.
    pub exceptions: Vec<ExceptionRow>,
    /// Whether older exceptions follow on the next page.
    pub more: bool,
    /// The tenants the viewer may request exceptions for.
    pub tenants: Vec<String>,
    /// Whether the viewer may approve and revoke.
    pub can_approve: bool,
}

/// The server's own sentences for refusing a request here (beside [`db::exceptions::Refusal`]'s):
/// fixed, carrying no text of the request.
pub const FOREIGN_TENANT: &str = "you may not request exceptions for tenants other than your own";
/// A rule id that names no rule.
pub const UNKNOWN_RULE: &str = "there is no such rule";
/// An expiry that is not one of [`EXPIRY_CHOICES`].
pub const BAD_EXPIRY: &str = "choose an expiry of 7, 30, 90 or 180 days";
/// Approving or revoking without the permission.
pub const NOT_APPROVER: &str = "only the security team approves and revokes exceptions";

/// True when `message` is a sentence the server refuses exceptions with.
pub fn is_refusal(message: &str) -> bool {
    [FOREIGN_TENANT, UNKNOWN_RULE, BAD_EXPIRY, NOT_APPROVER].contains(&message)
        || db::exceptions::Refusal::is_one(message)
}

/// Lifetimes a request may ask for, in days.
pub const EXPIRY_CHOICES: [u32; 4] = [7, 30, 90, 180];

use super::AppError;

#[cfg(feature = "ssr")]
fn signed_in() -> Result<crate::viewer::Viewer, AppError> {
    crate::viewer::current_viewer().ok_or_else(|| AppError::Unauthorized("sign in first".into()).respond())
}

#[cfg(feature = "ssr")]
fn refused(error: db::Error) -> AppError {
    match error {
        db::Error::Invalid(message) => AppError::BadRequest(message).respond(),
        db::Error::NotFound(message) => AppError::NotFound(format!("{message} not found")).respond(),
        other => AppError::store(other),
    }
}

/// The exceptions page's data, scoped to the viewer.
#[server]
pub async fn exceptions(page: u32) -> Result<ExceptionsData, AppError> {
    use crate::viewer::Permission;
    let offset = db::query::check_page(page).map_err(AppError::invalid)?;
    let viewer = signed_in()?;
    let pool = super::pool()?;
    let scope = viewer.scope();
    let limit = db::query::LIST_PAGE_SIZE;
    let mut exceptions =
        db::exceptions::list_page(&pool, &scope, limit + 1, offset).await.map_err(super::store_error)?;
    let more = exceptions.len() as i64 > limit;
    exceptions.truncate(limit as usize);
    let tenants = if viewer.can(Permission::RequestExceptions) {
        let overview = db::query::tenant_overview(&pool, &scope, None).await.map_err(super::store_error)?;
        overview.into_iter().map(|t| t.tenant).collect()
    } else {
        Vec::new()
    };
    Ok(ExceptionsData { exceptions, more, tenants, can_approve: viewer.can(Permission::ApproveExceptions) })
}

/// Requests an exception for one rule in one of the viewer's tenants, optionally narrowed to a
/// namespace and an object; or, with `cve` and `image_repository`, for one CVE in one image
/// repository (`until_fixed` set: only until a fixed version ships).
#[server]
#[allow(clippy::too_many_arguments)]
pub async fn request_exception(
    rule_id: String,
    tenant: String,
    namespace: Option<String>,
    object_kind: Option<String>,
    object_name: Option<String>,
    justification: String,
    expires_in_days: u32,
    cve: Option<String>,
    image_repository: Option<String>,
    until_fixed: Option<String>,
) -> Result<(), AppError> {
    use crate::viewer::Permission;
    let viewer = signed_in()?;
    if !viewer.can(Permission::RequestExceptions) || !viewer.scope().allows(&tenant) {
        return Err(AppError::Forbidden(FOREIGN_TENANT.into()).respond());
    }
    if !domain::rules::catalogue().iter().any(|rule| rule.id == rule_id) {
        return Err(AppError::BadRequest(UNKNOWN_RULE.into()).respond());
    }
    if !EXPIRY_CHOICES.contains(&expires_in_days) {
        return Err(AppError::BadRequest(BAD_EXPIRY.into()).respond());
    }
    let blank_to_none = |value: Option<String>| value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let request = ExceptionRequest {
        rule_id,
        tenant,
        namespace: blank_to_none(namespace),
        object_kind: blank_to_none(object_kind),
        object_name: blank_to_none(object_name),
        justification: justification.trim().to_string(),
        expires_at: Utc::now() + chrono::Duration::days(i64::from(expires_in_days)),
        cve: blank_to_none(cve),
        image_repository: blank_to_none(image_repository),
        // A checkbox: present when ticked.
        until_fixed: until_fixed.is_some(),
    };
    db::exceptions::request(&super::pool()?, &viewer.user, &request).await.map_err(refused)?;
    Ok(())
}

/// Approves a pending exception (security, admin); not one's own request.
#[server]
pub async fn approve_exception(exception_id: i64) -> Result<(), AppError> {
    let viewer = approver()?;
    db::exceptions::approve(&super::pool()?, exception_id, &viewer.user).await.map_err(refused)
}

/// Revokes an exception (security, admin).
#[server]
pub async fn revoke_exception(exception_id: i64) -> Result<(), AppError> {
    let viewer = approver()?;
    db::exceptions::revoke(&super::pool()?, exception_id, &viewer.user).await.map_err(refused)
}

#[cfg(feature = "ssr")]
fn approver() -> Result<crate::viewer::Viewer, AppError> {
    use crate::viewer::Permission;
    let viewer = signed_in()?;
    if !viewer.can(Permission::ApproveExceptions) {
        return Err(AppError::Forbidden(NOT_APPROVER.into()).respond());
    }
    Ok(viewer)
}
