//! The finding lifecycle: each collection is diffed against the cluster's findings, so that a
//! collection writes rows only for what changed: findings opened, reopened, resolved, or whose
//! details (severity, message) moved.
//!
//! Only what may have changed travels in full: the cluster's open findings come back as
//! fingerprint, digest of their details and contribution, and a finding of this collection that
//! matches one exactly is left alone. Every fingerprint of the collection is still sent (one
//! short column), so that what is gone can be resolved.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::{Assessment, Finding, TenantFinding};
use md5::{Digest, Md5};
use serde::Serialize;
use sqlx::{Postgres, Transaction};

use crate::Result;
use crate::copy::BinaryCopy;

/// How one collection changed a cluster's findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FindingChanges {
    pub opened: u64,
    pub reopened: u64,
    pub resolved: u64,
    /// Still-open findings whose severity, message, tenant, controls, score contribution or
    /// exception changed.
    pub updated: u64,
}

/// The collection a diff belongs to.
pub(crate) struct DiffTarget {
    pub cluster_id: i64,
    pub collection_id: i64,
    pub at: DateTime<Utc>,
    /// When the cluster's previous collection started: a resolved finding was last seen then.
    pub previous_at: Option<DateTime<Utc>>,
}

/// Applies one collection's findings to the cluster's finding states and events.
pub(crate) async fn apply_findings(
    tx: &mut Transaction<'_, Postgres>,
    target: &DiffTarget,
    a: &Assessment,
) -> Result<FindingChanges> {
    let open = open_findings(tx, target.cluster_id).await?;
    let mut seen: HashSet<String> = HashSet::with_capacity(a.findings.len());
    let mut changed: Vec<(String, &TenantFinding)> = Vec::new();
    for f in &a.findings {
        let fingerprint = finding_fingerprint(&f.item);
        // One row per fingerprint: the first finding of it wins.
        if seen.contains(&fingerprint) {
            continue;
        }
        let unchanged = open
            .get(&fingerprint)
            .is_some_and(|(digest, contribution)| *digest == details_digest(f) && *contribution == f.contribution);
        if !unchanged {
            changed.push((fingerprint.clone(), f));
        }
        seen.insert(fingerprint);
    }
    drop(open);
    load_current(tx, &changed).await?;
    load_seen(tx, seen).await?;
    let reopened = sqlx::query(
        "with reopened as (
             update finding_state s
             set resolved_at = null, last_seen = null, reopen_count = s.reopen_count + 1, tenant = cf.tenant,
                 severity = cf.severity, message = cf.message, controls = cf.controls,
                 contribution = cf.contribution, exception_id = cf.exception_id
             from current_finding cf
             where s.cluster_id = $1 and s.fingerprint = cf.fingerprint and s.resolved_at is not null
             returning s.finding_id, s.tenant)
         insert into finding_event (finding_id, collection_id, at, kind, tenant)
         select finding_id, $2, $3, 'reopened', tenant from reopened",
    )
    .bind(target.cluster_id)
    .bind(target.collection_id)
    .bind(target.at)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let updated = sqlx::query(
        "update finding_state s
         set tenant = cf.tenant, severity = cf.severity, message = cf.message, controls = cf.controls,
             contribution = cf.contribution, exception_id = cf.exception_id
         from current_finding cf
         where s.cluster_id = $1 and s.fingerprint = cf.fingerprint and s.resolved_at is null
           and (s.tenant, s.severity, s.message, s.controls, s.contribution, s.exception_id)
               is distinct from (cf.tenant, cf.severity, cf.message, cf.controls, cf.contribution, cf.exception_id)",
    )
    .bind(target.cluster_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let resolved = sqlx::query(
        "with resolved as (
             update finding_state s set resolved_at = $3, last_seen = coalesce($4, $3)
             where s.cluster_id = $1 and s.resolved_at is null
               and not exists (select 1 from seen_fingerprint cf where cf.fingerprint = s.fingerprint)
               and s.rule_id <> all($5::text[])
             returning s.finding_id, s.tenant)
         insert into finding_event (finding_id, collection_id, at, kind, tenant)
         select finding_id, $2, $3, 'resolved', tenant from resolved",
    )
    .bind(target.cluster_id)
    .bind(target.collection_id)
    .bind(target.at)
    .bind(target.previous_at)
    // A rule this collection could not assess says nothing about its findings: they stay open.
    .bind(a.not_assessable.iter().map(|(rule, _)| rule.clone()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    // Opened last: the update and the resolve read only the findings that existed before this
    // collection, so a first collection does not compare its half a million new findings with
    // themselves.
    let opened = sqlx::query(
        "with opened as (
             insert into finding_state (cluster_id, fingerprint, tenant, rule_id, severity, object_kind,
                 object_namespace, object_name, container, message, controls, evidence, first_seen,
                 contribution, exception_id)
             select $1, cf.fingerprint, cf.tenant, cf.rule_id, cf.severity, cf.object_kind, cf.object_namespace,
                    cf.object_name, cf.container, cf.message, cf.controls, cf.evidence, $3,
                    cf.contribution, cf.exception_id
             from current_finding cf
             where not exists (select 1 from finding_state s where s.cluster_id = $1 and s.fingerprint = cf.fingerprint)
             returning finding_id, tenant)
         insert into finding_event (finding_id, collection_id, at, kind, tenant)
         select finding_id, $2, $3, 'opened', tenant from opened",
    )
    .bind(target.cluster_id)
    .bind(target.collection_id)
    .bind(target.at)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(FindingChanges { opened, reopened, resolved, updated })
}

/// A finding's identity, as SQL's `finding_fingerprint` computes it (migration 3): the md5 of
/// rule, object, container and evidence paths joined by unit and record separators.
pub fn finding_fingerprint(f: &Finding) -> String {
    let identity = f.identity();
    let text = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        identity.rule,
        identity.object.kind,
        identity.object.namespace.as_deref().unwrap_or_default(),
        identity.object.name,
        identity.container.unwrap_or_default(),
        identity.evidence.join("\u{1e}")
    );
    md5_hex(&text)
}

/// What of a finding may change while it stays open, as one digest; [`open_findings`] computes
/// the same in SQL. The contribution is compared apart, as a number.
fn details_digest(f: &TenantFinding) -> String {
    let exception = f.exception.map(|id| id.to_string()).unwrap_or_default();
    let text = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{exception}",
        f.tenant,
        f.item.severity.as_str(),
        f.item.message,
        f.item.controls.join(",")
    );
    md5_hex(&text)
}

fn md5_hex(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Md5::digest(text.as_bytes());
    let mut hex = String::with_capacity(32);
    for byte in digest.iter() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 15)]));
    }
    hex
}

/// The cluster's open findings: fingerprint → (digest of details as [`details_digest`] makes
/// it, contribution).
async fn open_findings(tx: &mut Transaction<'_, Postgres>, cluster_id: i64) -> Result<HashMap<String, (String, f64)>> {
    let rows: Vec<(String, String, f64)> = sqlx::query_as(
        "select fingerprint,
                md5(concat_ws(chr(31), tenant, severity, message, array_to_string(controls, ','),
                              coalesce(exception_id::text, ''))),
                contribution
         from finding_state where cluster_id = $1 and resolved_at is null",
    )
    .bind(cluster_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(fingerprint, digest, contribution)| (fingerprint, (digest, contribution))).collect())
}

/// Every fingerprint of the collection, into a transaction-local table: what is not in it is
/// resolved.
async fn load_seen(tx: &mut Transaction<'_, Postgres>, seen: HashSet<String>) -> Result<()> {
    sqlx::query("create temp table seen_fingerprint (fingerprint text primary key) on commit drop")
        .execute(&mut **tx)
        .await?;
    let mut copy = BinaryCopy::start(&mut **tx, "seen_fingerprint (fingerprint)", 1).await?;
    for fingerprint in &seen {
        copy.row().await?.text(fingerprint);
    }
    copy.finish().await?;
    Ok(())
}

/// The columns of a finding as [`finding_row`] writes them, after the fingerprint.
const FINDING_COLUMNS: &str = "tenant, rule_id, severity, object_kind, object_namespace, object_name, container, \
                               message, controls, evidence, contribution, exception_id";
const FINDING_COLUMN_COUNT: i16 = 12;

/// Loads the findings that may have changed into a transaction-local table, one row per
/// fingerprint, by binary `COPY`.
async fn load_current(tx: &mut Transaction<'_, Postgres>, changed: &[(String, &TenantFinding)]) -> Result<()> {
    sqlx::query(
        "create temp table current_finding (
             fingerprint text primary key, tenant text not null, rule_id text not null, severity text not null,
             object_kind text not null, object_namespace text, object_name text not null, container text,
             message text not null, controls text[] not null, evidence text[] not null,
             contribution double precision not null, exception_id bigint) on commit drop",
    )
    .execute(&mut **tx)
    .await?;
    let columns = format!("current_finding (fingerprint, {FINDING_COLUMNS})");
    let mut copy = BinaryCopy::start(&mut **tx, &columns, 1 + FINDING_COLUMN_COUNT).await?;
    for (fingerprint, finding) in changed {
        finding_row(copy.row().await?.text(fingerprint), finding);
    }
    copy.finish().await?;
    Ok(())
}

/// A finding's columns, in [`FINDING_COLUMNS`]' order.
fn finding_row(copy: &mut BinaryCopy<'_>, f: &TenantFinding) {
    copy.text(&f.tenant)
        .text(&f.item.rule)
        .text(f.item.severity.as_str())
        .text(&f.item.object.kind)
        .optional_text(f.item.object.namespace.as_deref())
        .text(&f.item.object.name)
        .optional_text(f.item.container.as_deref())
        .text(&f.item.message)
        .text_array(&f.item.controls)
        .text_array(&f.item.evidence)
        .float8(f.contribution)
        .optional_int8(f.exception);
}

/// PostgreSQL's own rate for writing these findings: the time to `COPY` them, in binary, into a
/// table shaped as `finding_state` with its indexes, in a transaction that is rolled back. The
/// limit a first collection's store is measured against.
pub async fn time_finding_copy(pool: &sqlx::PgPool, a: &Assessment) -> Result<std::time::Duration> {
    let mut seen = HashSet::with_capacity(a.findings.len());
    let rows: Vec<(String, &TenantFinding)> = a
        .findings
        .iter()
        .map(|f| (finding_fingerprint(&f.item), f))
        .filter(|(fp, _)| seen.insert(fp.clone()))
        .collect();
    drop(seen);
    let mut tx = pool.begin().await?;
    sqlx::query("create temp table finding_copy_probe (like finding_state including all) on commit drop")
        .execute(&mut *tx)
        .await?;
    let started = std::time::Instant::now();
    let columns = format!("finding_copy_probe (finding_id, cluster_id, fingerprint, first_seen, {FINDING_COLUMNS})");
    let mut copy = BinaryCopy::start(&mut tx, &columns, 4 + FINDING_COLUMN_COUNT).await?;
    let now = Utc::now();
    // Ids of its own, not the sequence's: the probe leaves nothing behind, not even a gap.
    for (id, (fingerprint, f)) in (1..).zip(&rows) {
        finding_row(copy.row().await?.int8(id).int8(0).text(fingerprint).timestamptz(now), f);
    }
    copy.finish().await?;
    let took = started.elapsed();
    tx.rollback().await?;
    Ok(took)
}
