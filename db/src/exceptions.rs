//! Exceptions (risk acceptances): requested with a justification and an expiry, approved by
//! someone else, revoked at any time. Every change is recorded in the audit log with its
//! before and after, in the same transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};

use crate::query::EXCEPTION_COLUMNS as COLUMNS;
pub use crate::query::{ExceptionRow, exceptions as list, exceptions_page as list_page};
use crate::{Error, Result};

/// What a requester asks to accept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExceptionRequest {
    pub rule_id: String,
    pub tenant: String,
    pub namespace: Option<String>,
    pub object_kind: Option<String>,
    pub object_name: Option<String>,
    pub justification: String,
    pub expires_at: DateTime<Utc>,
    /// Only this CVE (rule `images.vulnerability`), in images of `image_repository`.
    pub cve: Option<String>,
    pub image_repository: Option<String>,
    /// The CVE exception lapses as soon as a fixed version exists.
    pub until_fixed: bool,
}

async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    actor: &str,
    action: &str,
    before: Option<&ExceptionRow>,
    after: &ExceptionRow,
) -> Result<()> {
    let entry = crate::audit::AuditEntry {
        actor,
        action,
        subject: &format!("exception/{}", after.exception_id),
        tenant: Some(&after.tenant),
        source_addr: None,
        before: before.map(serde_json::to_value).transpose().map_err(|e| Error::Invalid(e.to_string()))?,
        after: Some(serde_json::to_value(after).map_err(|e| Error::Invalid(e.to_string()))?),
    };
    crate::audit::record(&mut **tx, &entry).await
}

async fn fetch(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<ExceptionRow> {
    let sql = format!("select {COLUMNS} from exception where exception_id = $1 for update");
    sqlx::query_as::<_, ExceptionRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::NotFound(format!("exception {id}")))
}

/// Why a request, an approval or a revocation is refused. Each has one fixed sentence, and no
/// refusal carries any text of the request, so a page can tell a message the server produced from
/// whatever text a link carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    ShortJustification,
    LongJustification,
    PastExpiry,
    ObjectWithoutNamespace,
    ForeignNamespace,
    TooManyPending,
    BadName,
    SelfApproval,
    NotPending,
    AlreadyRevoked,
    BadCve,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Refusal; 11] = [
        Refusal::ShortJustification,
        Refusal::LongJustification,
        Refusal::PastExpiry,
        Refusal::ObjectWithoutNamespace,
        Refusal::ForeignNamespace,
        Refusal::TooManyPending,
        Refusal::BadName,
        Refusal::SelfApproval,
        Refusal::NotPending,
        Refusal::AlreadyRevoked,
        Refusal::BadCve,
    ];

    /// The sentence the requester is shown.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::ShortJustification => "a justification of at least 10 characters is required",
            Refusal::LongJustification => "the justification is longer than 2000 characters",
            Refusal::PastExpiry => "the expiry must be in the future",
            Refusal::ObjectWithoutNamespace => "an object is named with its namespace",
            Refusal::ForeignNamespace => "the namespace is not one of the tenant's own",
            Refusal::TooManyPending => "at most 20 of your requests may wait for a decision at once",
            Refusal::BadName => {
                "a rule, tenant, namespace or object name is over 253 characters or holds a control character"
            }
            Refusal::SelfApproval => "an exception must be approved by someone other than its requester",
            Refusal::NotPending => "the exception is not pending",
            Refusal::AlreadyRevoked => "the exception is already revoked",
            Refusal::BadCve => {
                "a CVE is accepted for the rule images.vulnerability, in a named image repository, by an id of \
                 letters, digits, dots and dashes (CVE-2024-3094, GHSA-…)"
            }
        }
    }

    /// True when `message` is one of the refusals' sentences.
    pub fn is_one(message: &str) -> bool {
        Refusal::ALL.iter().any(|refusal| refusal.message() == message)
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Error::Invalid(refusal.message().to_string())
    }
}

/// The longest justification an exception request may carry, in characters.
pub const MAX_JUSTIFICATION_CHARS: usize = 2_000;

/// The most requests one person may have waiting for a decision at once.
pub const MAX_PENDING_PER_REQUESTER: i64 = 20;

/// A CVE exception names its CVE and image repository, and is of the vulnerability rule; an
/// exception of a whole rule names neither.
fn check_cve(r: &ExceptionRequest) -> Result<()> {
    let id_like = |id: &str| {
        (3..=64).contains(&id.len())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'))
    };
    let ok = match (&r.cve, &r.image_repository) {
        (None, None) => !r.until_fixed,
        (Some(cve), Some(repository)) => {
            r.rule_id == "images.vulnerability"
                && id_like(cve)
                && crate::query::check_name("image_repository", repository).is_ok()
        }
        _ => false,
    };
    if ok { Ok(()) } else { Err(Refusal::BadCve.into()) }
}

/// Records a request; it takes effect only once approved.
pub async fn request(pool: &PgPool, requested_by: &str, r: &ExceptionRequest) -> Result<i64> {
    if r.justification.trim().len() < 10 {
        return Err(Refusal::ShortJustification.into());
    }
    if r.justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        return Err(Refusal::LongJustification.into());
    }
    let names = [("rule_id", Some(&r.rule_id)), ("tenant", Some(&r.tenant)), ("namespace", r.namespace.as_ref())];
    let object = [("object_kind", r.object_kind.as_ref()), ("object_name", r.object_name.as_ref())];
    for (field, value) in names.into_iter().chain(object) {
        if let Some(value) = value {
            crate::query::check_name(field, value).map_err(|_| Error::from(Refusal::BadName))?;
        }
    }
    if r.expires_at <= Utc::now() {
        return Err(Refusal::PastExpiry.into());
    }
    check_cve(r)?;
    if r.namespace.is_none() && (r.object_kind.is_some() || r.object_name.is_some()) {
        return Err(Refusal::ObjectWithoutNamespace.into());
    }
    if let Some(namespace) = &r.namespace {
        if !crate::query::tenant_has_namespace(pool, &r.tenant, namespace).await? {
            return Err(Refusal::ForeignNamespace.into());
        }
    }
    let (pending,): (i64,) = sqlx::query_as(
        "select count(*) from exception
         where requested_by = $1 and approved_at is null and revoked_at is null and expires_at > now()",
    )
    .bind(requested_by)
    .fetch_one(pool)
    .await?;
    if pending >= MAX_PENDING_PER_REQUESTER {
        return Err(Refusal::TooManyPending.into());
    }
    let mut tx = pool.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "insert into exception (rule_id, tenant, namespace, object_kind, object_name, justification, requested_by,
                                expires_at, cve, image_repository, until_fixed)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning exception_id",
    )
    .bind(&r.rule_id)
    .bind(&r.tenant)
    .bind(&r.namespace)
    .bind(&r.object_kind)
    .bind(&r.object_name)
    .bind(&r.justification)
    .bind(requested_by)
    .bind(r.expires_at)
    .bind(&r.cve)
    .bind(&r.image_repository)
    .bind(r.until_fixed)
    .fetch_one(&mut *tx)
    .await?;
    let after = fetch(&mut tx, id).await?;
    audit(&mut tx, requested_by, "exception.requested", None, &after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Approves a pending request; the requester cannot approve their own.
pub async fn approve(pool: &PgPool, id: i64, approver: &str) -> Result<()> {
    let update = "update exception set approved_by = $2, approved_at = now() where exception_id = $1";
    transition(pool, id, approver, "exception.approved", update, |before| {
        if before.requested_by == approver {
            return Err(Refusal::SelfApproval.into());
        }
        if before.approved_at.is_some() || before.revoked_at.is_some() {
            return Err(Refusal::NotPending.into());
        }
        Ok(())
    })
    .await
}

/// Revokes an exception; its findings count again from the next collection on.
pub async fn revoke(pool: &PgPool, id: i64, actor: &str) -> Result<()> {
    let update = "update exception set revoked_by = $2, revoked_at = now() where exception_id = $1";
    transition(pool, id, actor, "exception.revoked", update, |before| match before.revoked_at {
        Some(_) => Err(Refusal::AlreadyRevoked.into()),
        None => Ok(()),
    })
    .await
}

/// Changes one exception in a transaction: locks it, lets `allowed` refuse the change, runs
/// `update` (bound to the id and the actor), and records the before and after in the audit log.
async fn transition(
    pool: &PgPool,
    id: i64,
    actor: &str,
    action: &str,
    update: &'static str,
    allowed: impl FnOnce(&ExceptionRow) -> Result<()>,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let before = fetch(&mut tx, id).await?;
    allowed(&before)?;
    sqlx::query(update).bind(id).bind(actor).execute(&mut *tx).await?;
    let after = fetch(&mut tx, id).await?;
    audit(&mut tx, actor, action, Some(&before), &after).await?;
    tx.commit().await?;
    Ok(())
}

/// The exceptions in force at `at`: approved, not revoked, not expired.
pub async fn active(pool: &PgPool, at: DateTime<Utc>) -> Result<Vec<domain::Exception>> {
    let sql = format!(
        "select {COLUMNS} from exception
         where approved_at <= $1 and (revoked_at is null or revoked_at > $1) and expires_at > $1"
    );
    let rows: Vec<ExceptionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(at).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|row| domain::Exception {
            id: row.exception_id,
            rule: row.rule_id,
            tenant: row.tenant,
            namespace: row.namespace,
            object_kind: row.object_kind,
            object_name: row.object_name,
            cve: row.cve,
            image_repository: row.image_repository,
            until_fixed: row.until_fixed,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_state_the_limits_in_force() {
        assert!(Refusal::LongJustification.message().contains(&MAX_JUSTIFICATION_CHARS.to_string()));
        assert!(Refusal::TooManyPending.message().contains(&MAX_PENDING_PER_REQUESTER.to_string()));
        assert!(Refusal::BadName.message().contains(&crate::query::MAX_NAME_CHARS.to_string()));
        assert!(Refusal::is_one(Refusal::SelfApproval.message()) && !Refusal::is_one("call +1 555 0100"));
    }
}
