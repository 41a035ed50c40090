//! Writes: one collection of one cluster, in one transaction, batched with UNNEST arrays.

use chrono::{DateTime, Utc};
use domain::Assessment;
use sqlx::{PgPool, Postgres, Transaction};

use crate::lifecycle::{DiffTarget, FindingChanges, apply_findings};
use crate::{Error, Result};

/// When a collection ran.
#[derive(Debug, Clone, Copy)]
pub struct CollectionTimes {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

fn to_i32(value: impl TryInto<i32>, what: &str) -> Result<i32> {
    value.try_into().map_err(|_| Error::TooLarge(what.to_string()))
}

/// A stored collection: its id and how it changed the cluster's findings.
#[derive(Debug, Clone, Copy)]
pub struct StoredCollection {
    pub collection_id: i64,
    pub changes: FindingChanges,
    /// What the collection wrote of its images and how their CVEs changed.
    pub images: crate::images::ImageChanges,
}

/// Stores one collection: all of it or, on any error, nothing. Findings are diffed against
/// the cluster's open findings, so only what changed is written.
#[tracing::instrument(skip_all, fields(cluster = cluster, findings = assessment.findings.len()), err)]
pub async fn write_collection(
    pool: &PgPool,
    cluster: &str,
    times: CollectionTimes,
    assessment: &Assessment,
) -> Result<StoredCollection> {
    ensure_partitions(pool, times.started_at).await?;
    let mut tx = pool.begin().await?;
    let cluster_id = upsert_cluster(&mut tx, cluster).await?;
    // The cluster row is locked by the upsert, so collections of one cluster are written one
    // at a time, and in order: the lifecycle diff needs the previous collection.
    let (previous_at,): (Option<DateTime<Utc>>,) =
        sqlx::query_as("select max(started_at) from collection where cluster_id = $1")
            .bind(cluster_id)
            .fetch_one(&mut *tx)
            .await?;
    if let Some(latest) = previous_at.filter(|latest| *latest >= times.started_at) {
        return Err(Error::OutOfOrder { cluster: cluster.to_string(), started_at: times.started_at, latest });
    }
    let (collection_id,): (i64,) = sqlx::query_as(
        "insert into collection (cluster_id, started_at, finished_at, object_count)
         values ($1, $2, $3, $4) returning collection_id",
    )
    .bind(cluster_id)
    .bind(times.started_at)
    .bind(times.finished_at)
    .bind(to_i32(assessment.object_count, "object count")?)
    .fetch_one(&mut *tx)
    .await?;
    insert_namespaces(&mut tx, collection_id, assessment).await?;
    let target = DiffTarget { cluster_id, collection_id, at: times.started_at, previous_at };
    let changes = apply_findings(&mut tx, &target, assessment).await?;
    insert_quotas(&mut tx, collection_id, assessment).await?;
    insert_gpus(&mut tx, collection_id, assessment).await?;
    insert_workloads(&mut tx, collection_id, assessment).await?;
    let images = crate::images::store_images(&mut tx, cluster_id, collection_id, times.started_at, assessment).await?;
    crate::restarts::record_recent_restarts(&mut tx, collection_id).await?;
    crate::gpu_capacity::insert_gpu_nodes(&mut tx, collection_id, &assessment.gpu_nodes).await?;
    insert_scores(&mut tx, collection_id, assessment).await?;
    insert_not_assessable(&mut tx, collection_id, assessment).await?;
    insert_coverage(&mut tx, collection_id, assessment).await?;
    insert_not_ready_nodes(&mut tx, collection_id, assessment).await?;
    upsert_compliance(&mut tx, cluster_id, times.started_at, assessment).await?;
    sqlx::query("update cluster set last_error = null, last_error_at = null where cluster_id = $1")
        .bind(cluster_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StoredCollection { collection_id, changes, images })
}

/// When the cluster's latest stored collection started; `None` before its first.
pub async fn latest_collection_start(pool: &PgPool, cluster: &str) -> Result<Option<DateTime<Utc>>> {
    let (at,): (Option<DateTime<Utc>>,) = sqlx::query_as(
        "select max(x.started_at) from collection x join cluster c using (cluster_id) where c.name = $1",
    )
    .bind(cluster)
    .fetch_one(pool)
    .await?;
    Ok(at)
}

/// Records why a cluster's collection failed; what was stored before stays as it was.
#[tracing::instrument(skip_all, fields(cluster = cluster), err)]
pub async fn record_collection_failure(pool: &PgPool, cluster: &str, error: &str) -> Result<()> {
    sqlx::query(
        "insert into cluster (name, last_error, last_error_at) values ($1, $2, now())
         on conflict (name) do update set last_error = excluded.last_error,
                                          last_error_at = excluded.last_error_at",
    )
    .bind(cluster)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records the interval `cluster` is configured to be collected at, as its collector has it.
pub async fn record_interval(pool: &PgPool, cluster: &str, interval: std::time::Duration) -> Result<()> {
    sqlx::query(
        "insert into cluster (name, interval_s) values ($1, $2)
         on conflict (name) do update set interval_s = excluded.interval_s
         where cluster.interval_s is distinct from excluded.interval_s",
    )
    .bind(cluster)
    .bind(interval.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

async fn upsert_cluster(tx: &mut Transaction<'_, Postgres>, name: &str) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "insert into cluster (name) values ($1)
         on conflict (name) do update set name = excluded.name returning cluster_id",
    )
    .bind(name)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

async fn insert_namespaces(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let ns = &a.namespaces;
    let col = |f: fn(&domain::NamespaceSummary) -> u32| -> Result<Vec<i32>> {
        ns.iter().map(|n| to_i32(f(n), "namespace count")).collect()
    };
    sqlx::query(
        "insert into namespace_state (collection_id, namespace, tenant, workloads, pods, running,
             pending, succeeded, failed, crash_looping, oom_killed, restarts, unhealthy, gpu_pending_pods,
             gpu_pending, collected_at)
         select $1, u.*, c.started_at from unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[],
             $7::int[], $8::int[], $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], $14::int[],
             $15::float8[]) as u, collection c
         where c.collection_id = $1",
    )
    .bind(id)
    .bind(ns.iter().map(|n| n.namespace.clone()).collect::<Vec<_>>())
    .bind(ns.iter().map(|n| n.tenant.clone()).collect::<Vec<_>>())
    .bind(col(|n| n.workloads)?)
    .bind(col(|n| n.health.pods)?)
    .bind(col(|n| n.health.running)?)
    .bind(col(|n| n.health.pending)?)
    .bind(col(|n| n.health.succeeded)?)
    .bind(col(|n| n.health.failed)?)
    .bind(col(|n| n.health.crash_looping)?)
    .bind(col(|n| n.health.oom_killed)?)
    .bind(col(|n| n.health.restarts)?)
    .bind(col(|n| n.health.unhealthy)?)
    .bind(col(|n| n.pending_gpus.pods)?)
    .bind(ns.iter().map(|n| n.pending_gpus.gpus).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_workloads(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let w = &a.workloads;
    let text =
        |f: fn(&domain::workload::WorkloadSummary) -> &String| w.iter().map(|t| f(&t.item).clone()).collect::<Vec<_>>();
    let int = |f: fn(&domain::workload::WorkloadSummary) -> u32| -> Result<Vec<i32>> {
        w.iter().map(|t| to_i32(f(&t.item), "workload count")).collect()
    };
    // Arrays of arrays cannot be unnested row by row, so the text lists travel joined by a
    // unit separator and are split again in SQL.
    let list = |f: fn(&domain::workload::WorkloadSummary) -> &Vec<String>| {
        w.iter().map(|t| f(&t.item).join("\u{1f}")).collect::<Vec<_>>()
    };
    sqlx::query(
        "insert into workload_state (collection_id, collected_at, tenant, namespace, kind, name, images,
             cpu_request_millis, memory_request_mib, gpus_requested, pods, ready, running, pending, failed,
             crash_looping, oom_killed, restarts, problems, gpus_in_use, gpu_utilisation_pct, cpu_usage_millis,
             memory_usage_mib, unhealthy, gpus_allocated)
         select $1, c.started_at, u.tenant, u.namespace, u.kind, u.name,
                coalesce(string_to_array(nullif(u.images, ''), chr(31)), '{}'), u.cpu, u.memory, u.gpus, u.pods, u.ready,
                u.running, u.pending, u.failed, u.crash_looping, u.oom_killed, u.restarts,
                coalesce(string_to_array(nullif(u.problems, ''), chr(31)), '{}'), u.gpus_in_use, u.gpu_utilisation,
                u.cpu_used, u.memory_used, u.unhealthy, u.gpus_allocated
         from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::float8[],
                     $10::int[], $11::int[], $12::int[], $13::int[], $14::int[], $15::int[], $16::int[], $17::int[],
                     $18::text[], $19::float8[], $20::float8[], $21::float8[], $22::float8[], $23::int[], $24::float8[])
              as u(tenant, namespace, kind, name, images, cpu, memory, gpus, pods, ready, running, pending, failed,
                   crash_looping, oom_killed, restarts, problems, gpus_in_use, gpu_utilisation, cpu_used, memory_used,
                   unhealthy, gpus_allocated),
              collection c
         where c.collection_id = $1",
    )
    .bind(id)
    .bind(w.iter().map(|t| t.tenant.clone()).collect::<Vec<_>>())
    .bind(text(|x| &x.namespace))
    .bind(text(|x| &x.kind))
    .bind(text(|x| &x.name))
    .bind(list(|x| &x.images))
    .bind(int(|x| x.cpu_request_millis)?)
    .bind(int(|x| x.memory_request_mib)?)
    .bind(w.iter().map(|t| t.item.gpus_requested).collect::<Vec<_>>())
    .bind(int(|x| x.health.pods)?)
    .bind(int(|x| x.ready)?)
    .bind(int(|x| x.health.running)?)
    .bind(int(|x| x.health.pending)?)
    .bind(int(|x| x.health.failed)?)
    .bind(int(|x| x.health.crash_looping)?)
    .bind(int(|x| x.health.oom_killed)?)
    .bind(int(|x| x.health.restarts)?)
    .bind(list(|x| &x.problems))
    .bind(w.iter().map(|t| t.item.gpus_in_use).collect::<Vec<_>>())
    .bind(w.iter().map(|t| t.item.gpu_utilisation_pct).collect::<Vec<_>>())
    .bind(w.iter().map(|t| t.item.cpu_usage_millis).collect::<Vec<_>>())
    .bind(w.iter().map(|t| t.item.memory_usage_mib).collect::<Vec<_>>())
    .bind(int(|x| x.health.unhealthy)?)
    .bind(w.iter().map(|t| t.item.gpus_allocated).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_quotas(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let q = &a.quotas;
    sqlx::query(
        "insert into quota_usage (collection_id, tenant, namespace, quota, resource, used, hard, collected_at)
         select $1, u.*, c.started_at from unnest($2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::float8[], $7::float8[]) as u, collection c where c.collection_id = $1",
    )
    .bind(id)
    .bind(q.iter().map(|x| x.tenant.clone()).collect::<Vec<_>>())
    .bind(q.iter().map(|x| x.item.namespace.clone()).collect::<Vec<_>>())
    .bind(q.iter().map(|x| x.item.quota.clone()).collect::<Vec<_>>())
    .bind(q.iter().map(|x| x.item.resource.clone()).collect::<Vec<_>>())
    .bind(q.iter().map(|x| x.item.used).collect::<Vec<_>>())
    .bind(q.iter().map(|x| x.item.hard).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_gpus(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let g = &a.gpus;
    sqlx::query(
        "insert into gpu_sample (collection_id, tenant, namespace, pod, container, gpu, uuid,
             hostname, utilisation_pct, memory_used_mib, engine_active_pct, mig_profile, idle_hours, collected_at)
         select $1, u.*, c.started_at from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::text[], $8::text[], $9::float8[], $10::float8[], $11::float8[], $12::text[],
                                  $13::float8[]) as u, collection c where c.collection_id = $1",
    )
    .bind(id)
    .bind(g.iter().map(|x| x.tenant.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.namespace.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.pod.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.container.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.gpu.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.uuid.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.hostname.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.utilisation_pct).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.memory_used_mib).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.engine_active_pct).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.mig_profile.clone()).collect::<Vec<_>>())
    .bind(g.iter().map(|x| x.item.idle_hours).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_not_ready_nodes(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let nodes = &a.not_ready_nodes;
    sqlx::query(
        "insert into node_not_ready (collection_id, node, reason) select $1, * from unnest($2::text[], $3::text[])",
    )
    .bind(id)
    .bind(nodes.iter().map(|n| n.node.as_str()).collect::<Vec<_>>())
    .bind(nodes.iter().map(|n| n.reason.as_str()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_scores(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let s = &a.scores;
    let ints = |f: &dyn Fn(&domain::TenantScore) -> u32| -> Result<Vec<i32>> {
        s.iter().map(|x| to_i32(f(x), "tenant count")).collect()
    };
    sqlx::query(
        "insert into tenant_score (collection_id, tenant, score, workloads, findings, critical, high, medium, low, collected_at)
         select $1, u.*, c.started_at from unnest($2::text[], $3::float8[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[]) as u, collection c where c.collection_id = $1",
    )
    .bind(id)
    .bind(s.iter().map(|x| x.tenant.clone()).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.score).collect::<Vec<_>>())
    .bind(ints(&|x| x.workloads)?)
    .bind(ints(&|x| x.findings)?)
    .bind(ints(&|x| x.by_severity.critical)?)
    .bind(ints(&|x| x.by_severity.high)?)
    .bind(ints(&|x| x.by_severity.medium)?)
    .bind(ints(&|x| x.by_severity.low)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_coverage(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let c = &a.coverage;
    let objects: Vec<i32> = c.iter().map(|k| to_i32(k.objects, "object count")).collect::<Result<_>>()?;
    sqlx::query(
        "insert into collection_coverage (collection_id, kind, objects, gap)
         select $1, * from unnest($2::text[], $3::int[], $4::text[])",
    )
    .bind(id)
    .bind(c.iter().map(|k| k.kind.clone()).collect::<Vec<_>>())
    .bind(objects)
    .bind(c.iter().map(|k| k.gap.clone()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_not_assessable(tx: &mut Transaction<'_, Postgres>, id: i64, a: &Assessment) -> Result<()> {
    let n = &a.not_assessable;
    sqlx::query(
        "insert into rule_not_assessable (collection_id, rule_id, reason)
         select $1, * from unnest($2::text[], $3::text[])",
    )
    .bind(id)
    .bind(n.iter().map(|(rule, _)| rule.clone()).collect::<Vec<_>>())
    .bind(n.iter().map(|(_, why)| why.clone()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Compliance is kept per day: the day's latest collection of the cluster decides it.
async fn upsert_compliance(
    tx: &mut Transaction<'_, Postgres>,
    cluster_id: i64,
    at: DateTime<Utc>,
    a: &Assessment,
) -> Result<()> {
    let c = &a.compliance;
    sqlx::query(
        "insert into compliance_status (day, cluster_id, tenant, framework, control, status, findings, inherited)
         select ($2::timestamptz at time zone 'UTC')::date, $1, *
         from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::bool[])
         on conflict (day, cluster_id, tenant, framework, control)
         do update set status = excluded.status, findings = excluded.findings, inherited = excluded.inherited
         where (compliance_status.status, compliance_status.findings, compliance_status.inherited)
               is distinct from (excluded.status, excluded.findings, excluded.inherited)",
    )
    .bind(cluster_id)
    .bind(at)
    .bind(c.iter().map(|x| x.tenant.clone()).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.framework).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.control).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.status.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|x| to_i32(x.findings, "control findings")).collect::<Result<Vec<_>>>()?)
    .bind(c.iter().map(|x| x.inherited).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sample tables partitioned by day; a collection's rows go to its start day's partition.
pub const PARTITIONED_TABLES: [&str; 7] = [
    "namespace_state",
    "quota_usage",
    "gpu_sample",
    "tenant_score",
    "workload_state",
    "gpu_node_state",
    "workload_image",
];

/// Creates the day's partitions of the sample tables when missing, in a transaction of its own
/// that runs before the collection's: creating a partition locks the tables its foreign keys
/// reference (`collection`), so doing it inside a collection's transaction, after its insert
/// into `collection`, deadlocks with a concurrent collection of another cluster. Serialised by
/// an advisory lock, so concurrent collections cannot race to create one.
async fn ensure_partitions(pool: &PgPool, at: DateTime<Utc>) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(hashtext('rampart.partitions'))").execute(&mut *tx).await?;
    sqlx::query(
        "select rampart_ensure_partition(t, ($2::timestamptz at time zone 'UTC')::date) from unnest($1::text[]) t",
    )
    .bind(PARTITIONED_TABLES.to_vec())
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
