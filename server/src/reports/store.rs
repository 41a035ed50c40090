//! Making a report: read its data, typeset it on a blocking thread, seal it, store the bytes.

use db::Scope;

use super::request::{ReportError, ReportRequest, Requester, Stored};

/// Reads, renders (on a blocking thread), seals and stores one report.
pub async fn generate_and_store(
    pool: &db::PgPool,
    scope: &Scope,
    request: &ReportRequest,
    requester: &Requester<'_>,
) -> Result<Stored, ReportError> {
    let data = super::build::report_data(pool, scope, request, requester.name).await?;
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
