//! The finding lifecycle: each collection is diffed against the cluster's findings, so that a
//! collection writes rows only for what changed: findings opened, reopened, resolved, or whose
//! details (severity, message) moved.

use chrono::{DateTime, Utc};
use domain::Assessment;
use serde::Serialize;
use sqlx::{Postgres, Transaction};

use crate::Result;

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
    load_current(tx, a).await?;
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
               and not exists (select 1 from current_finding cf where cf.fingerprint = s.fingerprint)
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
    Ok(FindingChanges { opened, reopened, resolved, updated })
}

/// Loads the collection's findings into a transaction-local table, one row per fingerprint.
async fn load_current(tx: &mut Transaction<'_, Postgres>, a: &Assessment) -> Result<()> {
    sqlx::query(
        "create temp table current_finding (
             fingerprint text primary key, tenant text not null, rule_id text not null, severity text not null,
             object_kind text not null, object_namespace text, object_name text not null, container text,
             message text not null, controls text[] not null, evidence text[] not null,
             contribution double precision not null, exception_id bigint) on commit drop",
    )
    .execute(&mut **tx)
    .await?;
    let f = &a.findings;
    // text[][] cannot be ragged, so controls and evidence travel as one joined string per
    // finding: controls never contain a comma, field paths never contain a newline.
    sqlx::query(
        "insert into current_finding
         select finding_fingerprint(r, k, ns, n, c, string_to_array(ev, E'\\n')), t, r, s, k, ns, n, c, m,
                string_to_array(ctl, ','), string_to_array(ev, E'\\n'), contrib, exc
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::float8[], $12::int8[])
              as u(t, r, s, k, ns, n, c, m, ctl, ev, contrib, exc)
         on conflict (fingerprint) do nothing",
    )
    // Columns borrow the findings: half a million findings are not copied to be sent.
    .bind(f.iter().map(|x| x.tenant.as_str()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.rule.as_str()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.severity.as_str()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.object.kind.as_str()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.object.namespace.as_deref()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.object.name.as_str()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.container.as_deref()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.message.as_str()).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.controls.join(",")).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.item.evidence.join("\n")).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.contribution).collect::<Vec<_>>())
    .bind(f.iter().map(|x| x.exception).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
