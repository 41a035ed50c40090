//! Images and vulnerabilities: one image with who runs it and its CVEs, and the fleet's CVEs by
//! reach or one package's users. Scoped like every read: an image no workload in scope runs is
//! `None`, the same as one that does not exist.

use chrono::{DateTime, Utc};
use db::query::{CveReachRow, ImageDetail, PackageUseRow};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
#[cfg(feature = "ssr")]
use super::{pool, store_error};

/// One image; `sort` is `severity`, `score`, `fix` or `published`.
#[server]
pub async fn image(image_id: i64, sort: String, at: Option<DateTime<Utc>>) -> Result<Option<ImageDetail>, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    let sort = db::query::CveSort::parse(&sort).map_err(AppError::invalid)?;
    let scope = crate::viewer::current_scope();
    db::query::image_detail(&pool()?, &scope, image_id, sort, at).await.map_err(store_error)
}

/// What the Vulnerabilities page shows: the CVEs by reach, or who runs one package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum VulnerabilitiesData {
    Cves(Vec<CveReachRow>),
    Package { package: String, users: Vec<PackageUseRow> },
}

/// The fleet's CVEs (only `severity` when given), or, given `package`, who runs it.
#[server]
pub async fn vulnerabilities(
    severity: Option<String>,
    package: Option<String>,
    at: Option<DateTime<Utc>>,
) -> Result<VulnerabilitiesData, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    let scope = crate::viewer::current_scope();
    let pool = pool()?;
    if let Some(package) = package {
        db::query::check_name("package", &package).map_err(AppError::invalid)?;
        let users = db::query::package_users(&pool, &scope, &package, at).await.map_err(store_error)?;
        return Ok(VulnerabilitiesData::Package { package, users });
    }
    if let Some(severity) = &severity
        && !db::query::is_severity(severity)
    {
        return Err(AppError::invalid(format!(
            "unknown severity {severity:?} (expected critical, high, medium, low or info)"
        )));
    }
    let cves = db::query::fleet_vulnerabilities(&pool, &scope, severity.as_deref(), at).await.map_err(store_error)?;
    Ok(VulnerabilitiesData::Cves(cves))
}
