//! Writes of images: each image once (shared by clusters and workloads), its CVEs and packages
//! rewritten only when its scan changed, which container runs it in this collection, and each
//! CVE's lifecycle in the cluster.
//!
//! An image's CVE list is compared by digest: an unchanged image costs one short row of the
//! lookup and nothing else. A changed one is diffed row by row: a rescan that adds one CVE to
//! an image of 300 writes one row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::Assessment;
use domain::trivy::ScannedImage;
use domain::trivy::compliance::SbomComponent;
use md5::{Digest, Md5};
use serde::Serialize;
use sqlx::{Postgres, Transaction};

use crate::Result;

/// Rows of image data one collection wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImageChanges {
    /// Images seen for the first time.
    pub new_images: u64,
    /// Images whose CVEs or packages changed since they were stored.
    pub rescanned_images: u64,
    /// CVE rows inserted, updated or deleted.
    pub vulnerability_rows: u64,
    /// Package rows written.
    pub package_rows: u64,
    /// CVEs that appeared in the cluster, or reappeared.
    pub cves_opened: u64,
    /// CVEs no workload of the cluster runs any more.
    pub cves_fixed: u64,
}

/// Rows per statement when an image's CVEs are sent, to bound the statement's size.
const CHUNK: usize = 20_000;

/// Stores the collection's images, which containers run them, and the CVEs' lifecycle.
#[tracing::instrument(skip_all, fields(images = a.images.len()), err)]
pub(crate) async fn store_images(
    tx: &mut Transaction<'_, Postgres>,
    cluster_id: i64,
    collection_id: i64,
    at: DateTime<Utc>,
    a: &Assessment,
) -> Result<ImageChanges> {
    let mut changes = ImageChanges::default();
    let mut images: Vec<&ScannedImage> = a.images.iter().map(AsRef::as_ref).collect();
    images.sort_by(|x, y| x.key.cmp(&y.key));
    let no_packages = Vec::new();
    let packages = |key: &str| a.image_packages.get(key).unwrap_or(&no_packages);
    let digests: Vec<(String, String)> =
        images.iter().map(|i| (vulnerabilities_digest(i), packages_digest(packages(&i.key)))).collect();

    changes.new_images = insert_new_images(tx, &images, at).await?;
    // Rows of the images, locked in key order, so that two clusters storing one image wait for
    // each other instead of deadlocking.
    let stored: Vec<(String, i64, String, String)> = sqlx::query_as(
        "select image_key, image_id, vulnerabilities_digest, packages_digest from image
         where image_key = any($1) order by image_key for update",
    )
    .bind(images.iter().map(|i| i.key.as_str()).collect::<Vec<_>>())
    .fetch_all(&mut **tx)
    .await?;
    let stored: HashMap<&str, (i64, &str, &str)> =
        stored.iter().map(|(k, id, v, p)| (k.as_str(), (*id, v.as_str(), p.as_str()))).collect();

    let mut rescanned = Vec::new();
    let mut repackaged = Vec::new();
    for (image, (vulns, pkgs)) in images.iter().zip(&digests) {
        let Some(&(id, stored_vulns, stored_pkgs)) = stored.get(image.key.as_str()) else { continue };
        if stored_vulns != vulns {
            rescanned.push((id, *image, vulns.as_str()));
        }
        if stored_pkgs != pkgs {
            repackaged.push((id, packages(&image.key), pkgs.as_str()));
        }
    }
    changes.rescanned_images = rescanned.len() as u64;
    changes.vulnerability_rows = rewrite_vulnerabilities(tx, &rescanned).await?;
    changes.package_rows = rewrite_packages(tx, &repackaged).await?;
    insert_workload_images(tx, collection_id, a).await?;
    (changes.cves_opened, changes.cves_fixed) = track_cves(tx, cluster_id, collection_id, at).await?;
    insert_trivy_compliance(tx, collection_id, a).await?;
    Ok(changes)
}

/// The digest of an image's CVE list: what a rescan may change.
fn vulnerabilities_digest(image: &ScannedImage) -> String {
    let mut hasher = Md5::new();
    for v in &image.vulnerabilities {
        for field in [
            &*v.id,
            &v.package,
            &v.installed_version,
            v.fixed_version.as_deref().unwrap_or("\u{0}"),
            v.severity.as_str(),
            &v.title,
            &v.score.map(|s| s.to_string()).unwrap_or_default(),
            v.vector.as_deref().unwrap_or_default(),
            v.link.as_deref().unwrap_or_default(),
            v.published.as_deref().unwrap_or_default(),
        ] {
            hasher.update(field.as_bytes());
            hasher.update([0x1f]);
        }
        hasher.update([0x1e]);
    }
    hex(&hasher.finalize())
}

fn packages_digest(packages: &[SbomComponent]) -> String {
    if packages.is_empty() {
        return String::new();
    }
    let mut hasher = Md5::new();
    for p in packages {
        for field in [&p.name, &p.version, &p.purl] {
            hasher.update(field.as_bytes());
            hasher.update([0x1f]);
        }
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Inserts the images not stored yet, with an empty digest so their CVEs are written next.
async fn insert_new_images(
    tx: &mut Transaction<'_, Postgres>,
    images: &[&ScannedImage],
    at: DateTime<Utc>,
) -> Result<u64> {
    let col = |f: fn(&ScannedImage) -> String| images.iter().map(|i| f(i)).collect::<Vec<_>>();
    let inserted = sqlx::query(
        "insert into image (image_key, registry, repository, tag, digest, scanned_at, vulnerabilities_digest, first_seen)
         select u.k, u.r, u.repo, u.t, u.d, u.s::timestamptz, '', $7
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) as u(k, r, repo, t, d, s)
         on conflict (image_key) do nothing",
    )
    .bind(col(|i| i.key.clone()))
    .bind(col(|i| i.registry.clone()))
    .bind(col(ScannedImage::qualified_repository))
    .bind(col(|i| i.tag.clone()))
    .bind(images.iter().map(|i| i.digest.clone()).collect::<Vec<_>>())
    .bind(images.iter().map(|i| i.scanned_at.clone()).collect::<Vec<_>>())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected())
}

/// Brings the CVE rows of each rescanned image to its new list: deletes what went, inserts what
/// came, updates what changed, and leaves the rest alone.
async fn rewrite_vulnerabilities(
    tx: &mut Transaction<'_, Postgres>,
    rescanned: &[(i64, &ScannedImage, &str)],
) -> Result<u64> {
    if rescanned.is_empty() {
        return Ok(0);
    }
    sqlx::query(
        "create temp table scanned_vulnerability (
             image_id bigint, vulnerability_id text, package text, installed_version text, fixed_version text,
             severity text, title text, score double precision, vector text, link text, published_at timestamptz)
         on commit drop",
    )
    .execute(&mut **tx)
    .await?;
    let rows: Vec<(i64, &domain::trivy::ImageVulnerability)> =
        rescanned.iter().flat_map(|(id, image, _)| image.vulnerabilities.iter().map(move |v| (*id, v))).collect();
    for chunk in rows.chunks(CHUNK) {
        sqlx::query(
            "insert into scanned_vulnerability
             select i, v, p, iv, f, s, t, sc, vec, l, pub::timestamptz
             from unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::float8[], $9::text[], $10::text[], $11::text[]) as u(i, v, p, iv, f, s, t, sc, vec, l, pub)",
        )
        .bind(chunk.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| &*v.id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| &*v.package).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| &*v.installed_version).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| v.fixed_version.as_deref()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| v.severity.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| &*v.title).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| v.score).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| v.vector.as_deref()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| v.link.as_deref()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, v)| v.published.as_deref()).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    }
    let ids: Vec<i64> = rescanned.iter().map(|(id, _, _)| *id).collect();
    let deleted = sqlx::query(
        "delete from image_vulnerability v where v.image_id = any($1) and not exists (
             select 1 from scanned_vulnerability s where s.image_id = v.image_id and s.vulnerability_id = v.vulnerability_id
               and s.package = v.package and s.installed_version = v.installed_version)",
    )
    .bind(&ids)
    .execute(&mut **tx)
    .await?;
    let written = sqlx::query(
        "insert into image_vulnerability as v select * from scanned_vulnerability
         on conflict (image_id, vulnerability_id, package, installed_version) do update
         set fixed_version = excluded.fixed_version, severity = excluded.severity, title = excluded.title,
             score = excluded.score, vector = excluded.vector, link = excluded.link, published_at = excluded.published_at
         where (v.fixed_version, v.severity, v.title, v.score, v.vector, v.link, v.published_at)
               is distinct from (excluded.fixed_version, excluded.severity, excluded.title, excluded.score,
                                 excluded.vector, excluded.link, excluded.published_at)",
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "update image i set vulnerabilities_digest = u.d, scanned_at = u.s::timestamptz
         from unnest($1::int8[], $2::text[], $3::text[]) as u(id, d, s) where i.image_id = u.id",
    )
    .bind(&ids)
    .bind(rescanned.iter().map(|(_, _, digest)| *digest).collect::<Vec<_>>())
    .bind(rescanned.iter().map(|(_, image, _)| image.scanned_at.as_deref()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(deleted.rows_affected() + written.rows_affected())
}

/// Replaces the packages of each image whose SBOM changed.
async fn rewrite_packages(
    tx: &mut Transaction<'_, Postgres>,
    changed: &[(i64, &Vec<SbomComponent>, &str)],
) -> Result<u64> {
    if changed.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = changed.iter().map(|(id, _, _)| *id).collect();
    sqlx::query("delete from image_package where image_id = any($1)").bind(&ids).execute(&mut **tx).await?;
    let rows: Vec<(i64, &SbomComponent)> =
        changed.iter().flat_map(|(id, packages, _)| packages.iter().map(move |p| (*id, p))).collect();
    let mut written = 0;
    for chunk in rows.chunks(CHUNK) {
        written += sqlx::query(
            "insert into image_package (image_id, name, version, purl)
             select * from unnest($1::int8[], $2::text[], $3::text[], $4::text[]) on conflict do nothing",
        )
        .bind(chunk.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, p)| p.name.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, p)| p.version.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, p)| p.purl.as_str()).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    sqlx::query(
        "update image i set packages_digest = u.d from unnest($1::int8[], $2::text[]) as u(id, d) where i.image_id = u.id",
    )
    .bind(&ids)
    .bind(changed.iter().map(|(_, _, digest)| *digest).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(written)
}

async fn insert_workload_images(tx: &mut Transaction<'_, Postgres>, collection_id: i64, a: &Assessment) -> Result<()> {
    let w = &a.workload_images;
    sqlx::query(
        "insert into workload_image (collection_id, collected_at, tenant, namespace, kind, name, container, image_id)
         select $1, c.started_at, u.t, u.ns, u.k, u.n, u.c, i.image_id
         from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) as u(t, ns, k, n, c, key)
         join image i on i.image_key = u.key, collection c
         where c.collection_id = $1
         on conflict do nothing",
    )
    .bind(collection_id)
    .bind(w.iter().map(|x| x.tenant.as_str()).collect::<Vec<_>>())
    .bind(w.iter().map(|x| x.item.namespace.as_str()).collect::<Vec<_>>())
    .bind(w.iter().map(|x| x.item.kind.as_str()).collect::<Vec<_>>())
    .bind(w.iter().map(|x| x.item.name.as_str()).collect::<Vec<_>>())
    .bind(w.iter().map(|x| x.item.container.as_str()).collect::<Vec<_>>())
    .bind(w.iter().map(|x| x.item.image.as_str()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Opens the CVEs the cluster's workloads run now and did not before, and fixes those none of
/// them runs any more; returns (opened, fixed).
async fn track_cves(
    tx: &mut Transaction<'_, Postgres>,
    cluster_id: i64,
    collection_id: i64,
    at: DateTime<Utc>,
) -> Result<(u64, u64)> {
    sqlx::query(
        "create temp table present_cve on commit drop as
         select distinct v.vulnerability_id from workload_image w join image_vulnerability v on v.image_id = w.image_id
         where w.collection_id = $1 and w.collected_at = $2",
    )
    .bind(collection_id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let opened = sqlx::query(
        "insert into cve_state as s (cluster_id, vulnerability_id, first_seen)
         select $1, vulnerability_id, $2 from present_cve
         on conflict (cluster_id, vulnerability_id) do update set fixed_at = null where s.fixed_at is not null",
    )
    .bind(cluster_id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let fixed = sqlx::query(
        "update cve_state s set fixed_at = $2 where s.cluster_id = $1 and s.fixed_at is null
           and not exists (select 1 from present_cve p where p.vulnerability_id = s.vulnerability_id)",
    )
    .bind(cluster_id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok((opened.rows_affected(), fixed.rows_affected()))
}

async fn insert_trivy_compliance(tx: &mut Transaction<'_, Postgres>, collection_id: i64, a: &Assessment) -> Result<()> {
    let t = &a.trivy_compliance;
    if t.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "insert into trivy_control_status (collection_id, framework, control, report, status, failed_checks)
         select $1, u.* from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int4[]) as u
         on conflict do nothing",
    )
    .bind(collection_id)
    .bind(t.iter().map(|s| s.framework).collect::<Vec<_>>())
    .bind(t.iter().map(|s| s.control.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|s| s.report.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|s| s.status.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|s| i32::try_from(s.failed_checks).unwrap_or(i32::MAX)).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
