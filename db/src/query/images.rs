//! Images and their CVEs, as the viewer may see them: only images that a workload of a tenant
//! in scope runs (at each cluster's latest collection, or as of `at`), and only those workloads.
//! An image is shared data, but who runs it is not.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use crate::{Result, Scope};

/// Orders severities in SQL, worst highest.
macro_rules! severity_rank {
    ($column:literal) => {
        concat!(
            "case ",
            $column,
            " when 'critical' then 5 when 'high' then 4 when 'medium' then 3 when 'low' then 2 else 1 end"
        )
    };
}

/// The workloads in scope and the images their containers run, at the instant read: a CTE.
macro_rules! running_images {
    ($rest:expr) => {
        as_of!(concat!(
            ", running as (
                select l.cluster_id, w.tenant, w.namespace, w.kind, w.name, w.container, w.image_id
                from workload_image w join latest l on l.collection_id = w.collection_id and w.collected_at = l.started_at
                where ($1::text[] is null or w.tenant = any($1)))",
            $rest
        ))
    };
}

/// CVE counts of an image by severity, and the critical or high ones with a fix: columns.
macro_rules! cve_counts {
    ($image:literal) => {
        concat!(
            "(select count(*) from image_vulnerability v where v.image_id = ",
            $image,
            " and v.severity = 'critical') as critical,
             (select count(*) from image_vulnerability v where v.image_id = ",
            $image,
            " and v.severity = 'high') as high,
             (select count(*) from image_vulnerability v where v.image_id = ",
            $image,
            " and v.severity = 'medium') as medium,
             (select count(*) from image_vulnerability v where v.image_id = ",
            $image,
            " and v.severity in ('low', 'info')) as low,
             (select count(*) from image_vulnerability v where v.image_id = ",
            $image,
            " and v.severity in ('critical', 'high') and v.fixed_version is not null) as fixable"
        )
    };
}

/// One image a container runs, with its CVEs counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ImageRow {
    pub image_id: i64,
    pub image_key: String,
    /// The repository with its registry.
    pub repository: String,
    pub tag: String,
    pub digest: Option<String>,
    pub scanned_at: Option<DateTime<Utc>>,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    /// Critical and high CVEs with a fixed version.
    pub fixable: i64,
}

/// A workload's container and the image it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ContainerImageRow {
    pub container: String,
    #[sqlx(flatten)]
    pub image: ImageRow,
}

/// The images one workload's containers run.
#[tracing::instrument(skip_all, err)]
pub async fn workload_images(
    pool: &PgPool,
    scope: &Scope,
    namespace: &str,
    kind: &str,
    name: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<ContainerImageRow>> {
    let sql = running_images!(concat!(
        "
        select r.container, i.image_id, i.image_key, i.repository, i.tag, i.digest, i.scanned_at, ",
        cve_counts!("i.image_id"),
        "
        from running r join image i on i.image_id = r.image_id
        where r.namespace = $3 and r.kind = $4 and r.name = $5
        order by r.container, i.image_key"
    ));
    Ok(sqlx::query_as(sql)
        .bind(scope.tenant_filter())
        .bind(at)
        .bind(namespace)
        .bind(kind)
        .bind(name)
        .fetch_all(pool)
        .await?)
}

/// Who runs an image: a workload's container in a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ImageUser {
    pub cluster: String,
    pub tenant: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub container: String,
}

/// One CVE of one package of an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ImageVulnerabilityRow {
    pub vulnerability_id: String,
    pub package: String,
    pub installed_version: String,
    pub fixed_version: Option<String>,
    #[sqlx(try_from = "String")]
    pub severity: domain::Severity,
    pub title: String,
    pub score: Option<f64>,
    pub vector: Option<String>,
    pub link: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

/// How an image's CVEs are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CveSort {
    /// Worst first, then the highest score.
    #[default]
    Severity,
    /// Highest CVSS score first.
    Score,
    /// Those with a fix first, then by severity.
    Fix,
    /// Most recently published first.
    Published,
}

impl CveSort {
    /// Every order, with its query-string name.
    pub const ALL: [(CveSort, &'static str); 4] = [
        (CveSort::Severity, "severity"),
        (CveSort::Score, "score"),
        (CveSort::Fix, "fix"),
        (CveSort::Published, "published"),
    ];

    /// The order named `name` in a query string; unknown names are an error naming the choices.
    pub fn parse(name: &str) -> std::result::Result<CveSort, String> {
        CveSort::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(s, _)| *s)
            .ok_or_else(|| format!("unknown sort {name:?} (expected severity, score, fix or published)"))
    }

    fn order_by(self) -> &'static str {
        match self {
            CveSort::Severity => concat!(severity_rank!("severity"), " desc, score desc nulls last, vulnerability_id"),
            CveSort::Score => concat!("score desc nulls last, ", severity_rank!("severity"), " desc, vulnerability_id"),
            CveSort::Fix => concat!("fixed_version is null, ", severity_rank!("severity"), " desc, vulnerability_id"),
            CveSort::Published => "published_at desc nulls last, vulnerability_id",
        }
    }
}

/// An image, who in scope runs it, and its CVEs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageDetail {
    pub image: ImageRow,
    pub users: Vec<ImageUser>,
    pub vulnerabilities: Vec<ImageVulnerabilityRow>,
}

/// One image, `None` unless a workload in scope runs it at the instant read.
#[tracing::instrument(skip_all, err)]
pub async fn image_detail(
    pool: &PgPool,
    scope: &Scope,
    image_id: i64,
    sort: CveSort,
    at: Option<DateTime<Utc>>,
) -> Result<Option<ImageDetail>> {
    let users_sql = running_images!(
        "
        select c.name as cluster, r.tenant, r.namespace, r.kind, r.name, r.container
        from running r join cluster c on c.cluster_id = r.cluster_id
        where r.image_id = $3
        order by r.tenant, r.namespace, r.kind, r.name, r.container"
    );
    let users: Vec<ImageUser> =
        sqlx::query_as(users_sql).bind(scope.tenant_filter()).bind(at).bind(image_id).fetch_all(pool).await?;
    if users.is_empty() {
        return Ok(None);
    }
    let image_sql = concat!(
        "select i.image_id, i.image_key, i.repository, i.tag, i.digest, i.scanned_at, ",
        cve_counts!("i.image_id"),
        " from image i where i.image_id = $1"
    );
    let image: ImageRow = sqlx::query_as(image_sql).bind(image_id).fetch_one(pool).await?;
    let cves_sql = format!(
        "select vulnerability_id, package, installed_version, fixed_version, severity, title, score, vector, link,
                published_at
         from image_vulnerability where image_id = $1 order by {}",
        sort.order_by()
    );
    let vulnerabilities = sqlx::query_as(sqlx::AssertSqlSafe(cves_sql)).bind(image_id).fetch_all(pool).await?;
    Ok(Some(ImageDetail { image, users, vulnerabilities }))
}

/// One CVE across the fleet in scope: how far it reaches and whether it can be fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CveReachRow {
    pub vulnerability_id: String,
    /// The worst severity any image reports for it.
    #[sqlx(try_from = "String")]
    pub severity: domain::Severity,
    pub score: Option<f64>,
    /// A fixed version exists for at least one affected package.
    pub fixable: bool,
    pub workloads: i64,
    pub tenants: i64,
    pub images: i64,
    /// Affected packages (the first five).
    pub packages: Vec<String>,
    /// First seen in any cluster; shown only to viewers of every tenant (it tells of others').
    pub first_seen: Option<DateTime<Utc>>,
}

/// CVEs shown on the Vulnerabilities page at most.
pub const CVES_SHOWN: i64 = 500;

/// The CVEs the workloads in scope run, fixable first, then the worst, then the widest reach;
/// only `severity` when given.
#[tracing::instrument(skip_all, err)]
pub async fn fleet_vulnerabilities(
    pool: &PgPool,
    scope: &Scope,
    severity: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<CveReachRow>> {
    let sql = running_images!(concat!(
        "
        select v.vulnerability_id,
               (array_agg(v.severity order by ", severity_rank!("v.severity"), " desc))[1] as severity,
               max(v.score) as score, bool_or(v.fixed_version is not null) as fixable,
               count(distinct (r.cluster_id, r.namespace, r.kind, r.name)) as workloads,
               count(distinct r.tenant) as tenants, count(distinct v.image_id) as images,
               (array_agg(distinct v.package))[1:5] as packages,
               case when $1::text[] is null then
                   (select min(s.first_seen) from cve_state s where s.vulnerability_id = v.vulnerability_id) end as first_seen
        from running r join image_vulnerability v on v.image_id = r.image_id
        where $3::text is null or v.severity = $3
        group by v.vulnerability_id
        order by bool_or(v.fixed_version is not null) desc, max(", severity_rank!("v.severity"), ") desc,
                 workloads desc, v.vulnerability_id
        limit $4"
    ));
    Ok(sqlx::query_as(sql).bind(scope.tenant_filter()).bind(at).bind(severity).bind(CVES_SHOWN).fetch_all(pool).await?)
}

/// A workload's container whose image holds a package, at a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PackageUseRow {
    pub cluster: String,
    pub tenant: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub container: String,
    pub image_id: i64,
    pub image_key: String,
    pub version: String,
    /// CVEs of the package at that version, and those with a fix.
    pub cves: i64,
    pub fixable_cves: i64,
}

/// Which workloads in scope run package `package` (any letter case), at which version, from
/// the images' SBOMs and CVEs: "who runs an affected version of P". Affected versions first.
#[tracing::instrument(skip_all, err)]
pub async fn package_users(
    pool: &PgPool,
    scope: &Scope,
    package: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<PackageUseRow>> {
    let sql = running_images!(
        ",
        package as (
            select image_id, version from image_package where lower(name) = lower($3)
            union
            select image_id, installed_version from image_vulnerability where lower(package) = lower($3)),
        affected as (
            select p.image_id, p.version,
                   (select count(*) from image_vulnerability v where v.image_id = p.image_id
                      and lower(v.package) = lower($3) and v.installed_version = p.version) as cves,
                   (select count(*) from image_vulnerability v where v.image_id = p.image_id
                      and lower(v.package) = lower($3) and v.installed_version = p.version
                      and v.fixed_version is not null) as fixable_cves
            from package p where p.image_id in (select image_id from running))
        select c.name as cluster, r.tenant, r.namespace, r.kind, r.name, r.container, i.image_id, i.image_key,
               a.version, a.cves, a.fixable_cves
        from running r join affected a on a.image_id = r.image_id join image i on i.image_id = r.image_id
        join cluster c on c.cluster_id = r.cluster_id
        order by a.cves desc, r.tenant, r.namespace, r.name, r.container
        limit $4"
    );
    Ok(sqlx::query_as(sql).bind(scope.tenant_filter()).bind(at).bind(package).bind(CVES_SHOWN).fetch_all(pool).await?)
}
