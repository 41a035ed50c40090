//! Exceptions (risk acceptances): requested with a justification and an expiry, approved by
//! someone else, revoked at any time. Every change is recorded in the audit log with its
//! before and after, in the same transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};

use crate::{Error, Result, Scope};

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
}

/// An exception as stored, with its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ExceptionRow {
    pub exception_id: i64,
    pub rule_id: String,
    pub tenant: String,
    pub namespace: Option<String>,
    pub object_kind: Option<String>,
    pub object_name: Option<String>,
    pub justification: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str = "exception_id, rule_id, tenant, namespace, object_kind, object_name, justification, requested_by,
     requested_at, approved_by, approved_at, revoked_by, revoked_at, expires_at";

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

/// The longest justification an exception request may carry, in characters.
pub const MAX_JUSTIFICATION_CHARS: usize = 2_000;

/// The most requests one person may have waiting for a decision at once.
pub const MAX_PENDING_PER_REQUESTER: i64 = 20;

/// Records a request; it takes effect only once approved.
pub async fn request(pool: &PgPool, requested_by: &str, r: &ExceptionRequest) -> Result<i64> {
    if r.justification.trim().len() < 10 {
        return Err(Error::Invalid("a justification of at least 10 characters is required".into()));
    }
    if r.justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        return Err(Error::Invalid(format!("justification is longer than {MAX_JUSTIFICATION_CHARS} characters")));
    }
    let names = [("rule_id", Some(&r.rule_id)), ("tenant", Some(&r.tenant)), ("namespace", r.namespace.as_ref())];
    let object = [("object_kind", r.object_kind.as_ref()), ("object_name", r.object_name.as_ref())];
    for (field, value) in names.into_iter().chain(object) {
        if let Some(value) = value {
            crate::query::check_name(field, value).map_err(Error::Invalid)?;
        }
    }
    if r.expires_at <= Utc::now() {
        return Err(Error::Invalid("the expiry must be in the future".into()));
    }
    if r.namespace.is_none() && (r.object_kind.is_some() || r.object_name.is_some()) {
        return Err(Error::Invalid("an object is named with its namespace".into()));
    }
    if let Some(namespace) = &r.namespace {
        let scope = crate::Scope::Tenants(vec![r.tenant.clone()]);
        let owned = crate::query::tenant_namespaces(pool, &scope, None).await?;
        if !owned.iter().any(|n| &n.namespace == namespace) {
            return Err(Error::Invalid(format!("namespace {namespace:?} is not one of tenant {:?}'s", r.tenant)));
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
        return Err(Error::Invalid(format!(
            "{requested_by} has {pending} requests waiting for a decision; at most {MAX_PENDING_PER_REQUESTER} may wait"
        )));
    }
    let mut tx = pool.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "insert into exception (rule_id, tenant, namespace, object_kind, object_name, justification, requested_by, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning exception_id",
    )
    .bind(&r.rule_id)
    .bind(&r.tenant)
    .bind(&r.namespace)
    .bind(&r.object_kind)
    .bind(&r.object_name)
    .bind(&r.justification)
    .bind(requested_by)
    .bind(r.expires_at)
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
            return Err(Error::Invalid("an exception must be approved by someone other than its requester".into()));
        }
        if before.approved_at.is_some() || before.revoked_at.is_some() {
            return Err(Error::Invalid(format!("exception {id} is not pending")));
        }
        Ok(())
    })
    .await
}

/// Revokes an exception; its findings count again from the next collection on.
pub async fn revoke(pool: &PgPool, id: i64, actor: &str) -> Result<()> {
    let update = "update exception set revoked_by = $2, revoked_at = now() where exception_id = $1";
    transition(pool, id, actor, "exception.revoked", update, |before| match before.revoked_at {
        Some(_) => Err(Error::Invalid(format!("exception {id} is already revoked"))),
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
    let rows: Vec<(i64, String, String, Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "select exception_id, rule_id, tenant, namespace, object_kind, object_name from exception
         where approved_at <= $1 and (revoked_at is null or revoked_at > $1) and expires_at > $1",
    )
    .bind(at)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, rule, tenant, namespace, object_kind, object_name)| domain::Exception {
            id,
            rule,
            tenant,
            namespace,
            object_kind,
            object_name,
        })
        .collect())
}

/// Every exception of the tenants in scope, newest first.
pub async fn list(pool: &PgPool, scope: &Scope) -> Result<Vec<ExceptionRow>> {
    list_page(pool, scope, i64::MAX, 0).await
}

/// One page of [`list`]: `limit` exceptions after the first `offset`, newest first.
pub async fn list_page(pool: &PgPool, scope: &Scope, limit: i64, offset: i64) -> Result<Vec<ExceptionRow>> {
    let sql = format!(
        "select {COLUMNS} from exception where $1::text[] is null or tenant = any($1)
         order by requested_at desc, exception_id desc limit $2 offset $3"
    );
    Ok(sqlx::query_as::<_, ExceptionRow>(sqlx::AssertSqlSafe(sql))
        .bind(scope.tenant_filter())
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?)
}
