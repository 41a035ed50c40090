//! Exceptions as the viewer may read them: every one of the tenants in scope, newest first, by
//! page. Requests, approvals and revocations are written by `crate::exceptions`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{Result, Scope};

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
    /// For a CVE exception: the CVE, its image repository, and whether it lapses once a fix ships.
    pub cve: Option<String>,
    pub image_repository: Option<String>,
    pub until_fixed: bool,
}

/// The columns of [`ExceptionRow`], in its order.
pub(crate) const EXCEPTION_COLUMNS: &str =
    "exception_id, rule_id, tenant, namespace, object_kind, object_name, justification, requested_by,
     requested_at, approved_by, approved_at, revoked_by, revoked_at, expires_at, cve, image_repository, until_fixed";

/// Every exception of the tenants in scope, newest first.
pub async fn exceptions(pool: &PgPool, scope: &Scope) -> Result<Vec<ExceptionRow>> {
    exceptions_page(pool, scope, i64::MAX, 0).await
}

/// One page of [`exceptions`]: `limit` exceptions after the first `offset`, newest first.
pub async fn exceptions_page(pool: &PgPool, scope: &Scope, limit: i64, offset: i64) -> Result<Vec<ExceptionRow>> {
    let sql = format!(
        "select {EXCEPTION_COLUMNS} from exception where $1::text[] is null or tenant = any($1)
         order by requested_at desc, exception_id desc limit $2 offset $3"
    );
    Ok(sqlx::query_as::<_, ExceptionRow>(sqlx::AssertSqlSafe(sql))
        .bind(scope.tenant_filter())
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?)
}

/// The exceptions of the tenants in scope that were requested before `to` and had not expired by
/// `from`: those in force at some time of a report's period, newest first.
pub async fn exceptions_in_period(
    pool: &PgPool,
    scope: &Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ExceptionRow>> {
    let sql = format!(
        "select {EXCEPTION_COLUMNS} from exception
         where ($1::text[] is null or tenant = any($1)) and requested_at <= $3 and expires_at >= $2
         order by requested_at desc, exception_id desc"
    );
    Ok(sqlx::query_as::<_, ExceptionRow>(sqlx::AssertSqlSafe(sql))
        .bind(scope.tenant_filter())
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?)
}
