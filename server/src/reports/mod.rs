//! Compliance reports: what to report on ([`ReportRequest`]), reading it through the viewer's
//! scope ([`build`]), typesetting and sealing it (`report` crate), and storing it so the same
//! bytes can be downloaded again. The CLI, the web routes and the schedule all go through
//! [`generate_and_store`].

pub mod build;

use chrono::{DateTime, Utc};
use db::Scope;

/// What a report covers.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    /// Tenants to cover; empty for every tenant in the viewer's scope.
    pub tenants: Vec<String>,
    /// Framework ids (`pss`, `cis`, `nsa`); empty for all three.
    pub frameworks: Vec<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Why a report could not be made. Nothing is stored or written then.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("unknown tenant {0:?} (or not one you may report on)")]
    UnknownTenant(String),
    #[error("unknown framework {0:?} (expected pss, cis or nsa)")]
    UnknownFramework(String),
    #[error("--from ({from}) is not before --to ({to})")]
    Backwards { from: DateTime<Utc>, to: DateTime<Utc> },
    #[error("no collection finished between {from} and {to}: the period is empty")]
    EmptyPeriod { from: DateTime<Utc>, to: DateTime<Utc> },
    #[error("no tenant to report on")]
    NoTenants,
    #[error(transparent)]
    Store(#[from] db::Error),
    #[error(transparent)]
    Render(#[from] report::Error),
    #[error("cannot read the signing key {path}: {error}")]
    Key { path: String, error: std::io::Error },
}

/// A report made and stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub report_id: i64,
    /// The file: the PDF, with its signature line when a key is configured.
    pub bytes: Vec<u8>,
    pub snapshot_sha256: String,
    pub pages: usize,
}

/// Who asks, and how the result is recorded.
#[derive(Debug, Clone, Default)]
pub struct Requester<'a> {
    pub name: &'a str,
    pub source_addr: Option<&'a str>,
    pub schedule: Option<&'a str>,
    /// PEM text of the Ed25519 key to seal with, when signing is configured.
    pub signing_key: Option<&'a str>,
}

/// Reads, renders (on a blocking thread), seals and stores one report.
pub async fn generate_and_store(
    pool: &db::PgPool,
    scope: &Scope,
    request: &ReportRequest,
    requester: &Requester<'_>,
) -> Result<Stored, ReportError> {
    let data = build::report_data(pool, scope, request, requester.name).await?;
    let tenants: Vec<String> = data.tenants.iter().map(|t| t.tenant.clone()).collect();
    let frameworks: Vec<String> = data.frameworks.iter().map(|f| f.id.clone()).collect();
    let title = data.title.clone();
    let rendered = tokio::task::spawn_blocking(move || report::render(&data))
        .await
        .map_err(|e| report::Error::Typeset(e.to_string()))??;
    let pdf_sha256 = report::sha256_hex(&rendered.pdf);
    let bytes = match requester.signing_key {
        Some(key) => report::seal::seal(&rendered.pdf, key)?,
        None => rendered.pdf,
    };
    let report_id = db::reports::store(
        pool,
        &db::reports::NewReport {
            created_by: requester.name,
            title: &title,
            tenants: &tenants,
            frameworks: &frameworks,
            period_from: request.from,
            period_to: request.to,
            snapshot_sha256: &rendered.snapshot_sha256,
            pdf_sha256: &pdf_sha256,
            signed: requester.signing_key.is_some(),
            schedule: requester.schedule,
            pdf: &bytes,
            source_addr: requester.source_addr,
        },
    )
    .await?;
    Ok(Stored { report_id, bytes, snapshot_sha256: rendered.snapshot_sha256, pages: rendered.pages })
}

/// Reads the configured signing key, when there is one.
pub fn signing_key(config: &crate::config::Config) -> Result<Option<String>, ReportError> {
    let Some(path) = &config.reports.signing_key else { return Ok(None) };
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|error| ReportError::Key { path: path.display().to_string(), error })
}
