//! Stored reports: each generated report's record and bytes. A viewer sees a report only when
//! every tenant it covers is in their scope.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::audit::{AuditEntry, record};
use crate::{Result, Scope};

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub created_by: &'a str,
    pub title: &'a str,
    pub tenants: &'a [String],
    pub frameworks: &'a [String],
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub snapshot_sha256: &'a str,
    pub pdf_sha256: &'a str,
    pub signed: bool,
    pub schedule: Option<&'a str>,
    pub pdf: &'a [u8],
    /// The client address, when exported over HTTP.
    pub source_addr: Option<&'a str>,
}

/// A stored report's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReportRow {
    pub report_id: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub title: String,
    pub tenants: Vec<String>,
    pub frameworks: Vec<String>,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub snapshot_sha256: String,
    pub pdf_sha256: String,
    pub signed: bool,
    pub schedule: Option<String>,
    pub bytes: i64,
}

const COLUMNS: &str = "report_id, created_at, created_by, title, tenants, frameworks, period_from, period_to,
     snapshot_sha256, pdf_sha256, signed, schedule, length(pdf)::int8 as bytes";

/// Stores a report and records `report.exported` in the audit log, in one transaction.
pub async fn store(pool: &PgPool, report: &NewReport<'_>) -> Result<i64> {
    let mut tx = pool.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "insert into report (created_by, title, tenants, frameworks, period_from, period_to, snapshot_sha256,
                             pdf_sha256, signed, schedule, pdf)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning report_id",
    )
    .bind(report.created_by)
    .bind(report.title)
    .bind(report.tenants)
    .bind(report.frameworks)
    .bind(report.period_from)
    .bind(report.period_to)
    .bind(report.snapshot_sha256)
    .bind(report.pdf_sha256)
    .bind(report.signed)
    .bind(report.schedule)
    .bind(report.pdf)
    .fetch_one(&mut *tx)
    .await?;
    let subject = format!("report/{id}");
    let single = (report.tenants.len() == 1).then(|| report.tenants[0].as_str());
    let after = serde_json::json!({ "tenants": report.tenants, "frameworks": report.frameworks,
                                    "snapshot_sha256": report.snapshot_sha256, "pdf_sha256": report.pdf_sha256 });
    let entry = AuditEntry {
        actor: report.created_by,
        action: "report.exported",
        subject: &subject,
        tenant: single,
        source_addr: report.source_addr,
        after: Some(after),
        ..Default::default()
    };
    record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// How many reports `created_by` made since `since`, for the web's per-user rate limit.
pub async fn made_by_since(pool: &PgPool, created_by: &str, since: DateTime<Utc>) -> Result<i64> {
    let (count,): (i64,) = sqlx::query_as("select count(*) from report where created_by = $1 and created_at >= $2")
        .bind(created_by)
        .bind(since)
        .fetch_one(pool)
        .await?;
    Ok(count)
}

/// Reports the scope may see, newest first.
pub async fn list(pool: &PgPool, scope: &Scope) -> Result<Vec<ReportRow>> {
    let sql =
        format!("select {COLUMNS} from report where $1::text[] is null or tenants <@ $1 order by created_at desc");
    Ok(sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(sql)).bind(scope.tenant_filter()).fetch_all(pool).await?)
}

/// One report's record and bytes; `None` when unknown or not wholly in the scope.
pub async fn get(pool: &PgPool, scope: &Scope, report_id: i64) -> Result<Option<(ReportRow, Vec<u8>)>> {
    let sql =
        format!("select {COLUMNS}, pdf from report where report_id = $2 and ($1::text[] is null or tenants <@ $1)");
    #[derive(sqlx::FromRow)]
    struct WithBytes {
        #[sqlx(flatten)]
        row: ReportRow,
        pdf: Vec<u8>,
    }
    let found = sqlx::query_as::<_, WithBytes>(sqlx::AssertSqlSafe(sql))
        .bind(scope.tenant_filter())
        .bind(report_id)
        .fetch_optional(pool)
        .await?;
    Ok(found.map(|f| (f.row, f.pdf)))
}

/// The stored report whose PDF has this SHA-256, for `rampart report verify`.
pub async fn find_by_pdf_sha256(pool: &PgPool, pdf_sha256: &str) -> Result<Option<ReportRow>> {
    let sql = format!("select {COLUMNS} from report where pdf_sha256 = $1 order by report_id limit 1");
    Ok(sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(sql)).bind(pdf_sha256).fetch_optional(pool).await?)
}

/// When the named schedule last produced a report.
pub async fn last_scheduled(pool: &PgPool, schedule: &str) -> Result<Option<DateTime<Utc>>> {
    let (at,): (Option<DateTime<Utc>>,) =
        sqlx::query_as("select max(created_at) from report where schedule = $1").bind(schedule).fetch_one(pool).await?;
    Ok(at)
}
