//! Reads that are not tenant data, so they take no viewer scope: the clusters (when each was
//! last collected, how long it took, what it held, its last error) and their collections. They
//! name no tenant, namespace or object; anything that does belongs in [`crate::query`], behind
//! a `Scope`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::Result;

/// One cluster's freshness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ClusterRow {
    pub name: String,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub duration_s: Option<f64>,
    pub object_count: Option<i32>,
    pub collections: i64,
    /// The interval it is configured to be collected at (as its collector last said), else the
    /// median of its last ten gaps.
    pub interval_s: Option<f64>,
    /// Rules the latest collection could not assess (missing input).
    pub not_assessable: i64,
    /// Kinds the latest collection could not list, each as `kind: why`.
    pub coverage_gaps: Vec<String>,
    /// Nodes the latest collection found not ready, each as `node: why`.
    pub not_ready_nodes: Vec<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

impl ClusterRow {
    /// Stale: no good collection for more than three usual intervals, or none ever.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        match (self.last_finished_at, self.interval_s) {
            (Some(last), Some(interval)) => (now - last).num_seconds() as f64 > 3.0 * interval.max(1.0),
            (Some(_), None) => false,
            (None, _) => true,
        }
    }
}

/// How many collections finished in `from..=to` (either bound optional), of one cluster or all.
pub async fn collection_count(
    pool: &PgPool,
    cluster: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<i64> {
    let (count,): (i64,) = sqlx::query_as(
        "select count(*) from collection x join cluster c using (cluster_id)
         where ($1::text is null or c.name = $1)
           and ($2::timestamptz is null or x.finished_at >= $2)
           and ($3::timestamptz is null or x.started_at <= $3)",
    )
    .bind(cluster)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(count)
}

/// Every cluster, by name. Cluster names and timings are not tenant data; every viewer sees them.
#[tracing::instrument(skip_all, err)]
pub async fn clusters(pool: &PgPool) -> Result<Vec<ClusterRow>> {
    Ok(sqlx::query_as::<_, ClusterRow>(
        "select c.name, last.started_at as last_started_at, last.finished_at as last_finished_at,
                extract(epoch from last.finished_at - last.started_at)::float8 as duration_s,
                last.object_count, coalesce(n.collections, 0) as collections,
                coalesce(c.interval_s, gaps.interval_s) as interval_s,
                coalesce(na.count, 0) as not_assessable, coalesce(cov.gaps, '{}') as coverage_gaps,
                coalesce(nr.nodes, '{}') as not_ready_nodes,
                c.last_error, c.last_error_at
         from cluster c
         left join lateral (select * from collection x where x.cluster_id = c.cluster_id
                            order by started_at desc limit 1) last on true
         left join lateral (select count(*) as collections from collection x where x.cluster_id = c.cluster_id) n on true
         left join lateral (
             select percentile_cont(0.5) within group (order by gap) as interval_s
             from (select extract(epoch from started_at - lag(started_at) over (order by started_at))::float8 as gap
                   from (select started_at from collection x where x.cluster_id = c.cluster_id
                         order by started_at desc limit 11) recent) g
             where gap is not null) gaps on true
         left join lateral (select count(*) from rule_not_assessable r where r.collection_id = last.collection_id) na on true
         left join lateral (select array_agg(v.kind || ': ' || v.gap order by v.kind) as gaps from collection_coverage v
                            where v.collection_id = last.collection_id and v.gap is not null) cov on true
         left join lateral (select array_agg(r.node || ': ' || r.reason order by r.node) as nodes from node_not_ready r
                            where r.collection_id = last.collection_id) nr on true
         order by c.name",
    )
    .fetch_all(pool)
    .await?)
}

/// What one cluster's collections say of a period: the first and last in it (never after its
/// end), how many, their usual interval and how many intervals went without one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterPeriod {
    pub name: String,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub collections: i64,
    /// The median time between its collections in the period, in seconds.
    pub interval_s: Option<f64>,
    /// Intervals between the first and last collection with no collection: a gap of more than
    /// one and a half intervals counts the intervals it spans, less the one it ends with.
    pub missed_intervals: i64,
    /// Rules the period's last collection could not assess.
    pub not_assessable: i64,
}

impl ClusterPeriod {
    /// True when the cluster was collected on its interval throughout `from`–`to`: collections
    /// from the start to the end (within one and a half intervals) with none missed between.
    pub fn on_schedule(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        let (Some(first), Some(last), Some(interval)) = (self.first, self.last, self.interval_s) else { return false };
        let slack = chrono::Duration::milliseconds((interval * 1500.0) as i64);
        self.missed_intervals == 0 && first <= from + slack && last >= to - slack
    }
}

/// Every cluster's collections in `from`–`to`, by name.
#[tracing::instrument(skip_all, err)]
pub async fn collections_in_period(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ClusterPeriod>> {
    let rows: Vec<(String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "select c.name, x.started_at
         from cluster c left join collection x on x.cluster_id = c.cluster_id and x.started_at between $1 and $2
         order by c.name, x.started_at",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    // The rules each cluster's last collection in the period could not assess: one query.
    let not_assessable: std::collections::HashMap<String, i64> = sqlx::query_as(
        "select distinct on (x.cluster_id) c.name,
                (select count(*) from rule_not_assessable r where r.collection_id = x.collection_id)
         from collection x join cluster c using (cluster_id)
         where x.started_at between $1 and $2
         order by x.cluster_id, x.started_at desc",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let mut periods: Vec<(ClusterPeriod, Vec<DateTime<Utc>>)> = Vec::new();
    for (name, started_at) in rows {
        if periods.last().is_none_or(|(p, _)| p.name != name) {
            let empty = ClusterPeriod {
                not_assessable: not_assessable.get(&name).copied().unwrap_or(0),
                name,
                first: None,
                last: None,
                collections: 0,
                interval_s: None,
                missed_intervals: 0,
            };
            periods.push((empty, Vec::new()));
        }
        if let (Some(at), Some((_, times))) = (started_at, periods.last_mut()) {
            times.push(at);
        }
    }
    let mut out = Vec::new();
    for (mut period, times) in periods {
        let gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]).num_milliseconds() as f64 / 1000.0).collect();
        let mut sorted = gaps.clone();
        sorted.sort_by(f64::total_cmp);
        period.interval_s = sorted.get(sorted.len() / 2).copied().filter(|i| *i > 0.0);
        if let Some(interval) = period.interval_s {
            period.missed_intervals =
                gaps.iter().filter(|g| **g > 1.5 * interval).map(|g| (g / interval).round() as i64 - 1).sum();
        }
        period.first = times.first().copied();
        period.last = times.last().copied();
        period.collections = times.len() as i64;
        out.push(period);
    }
    Ok(out)
}

/// A stored collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CollectionRow {
    pub id: i64,
    pub cluster: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub object_count: i32,
}

/// The newest collections (of one cluster, when named), before the cursor `before`.
pub async fn collections(
    pool: &PgPool,
    cluster: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CollectionRow>> {
    Ok(sqlx::query_as::<_, CollectionRow>(
        "select x.collection_id as id, c.name as cluster, x.started_at, x.finished_at, x.object_count
         from collection x join cluster c using (cluster_id)
         where ($1::text is null or c.name = $1) and ($2::int8 is null or x.collection_id < $2)
         order by x.collection_id desc limit $3",
    )
    .bind(cluster)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// When the newest collection of any cluster finished, if any has.
pub async fn last_collection_at(pool: &PgPool) -> Result<Option<DateTime<Utc>>> {
    let (at,): (Option<DateTime<Utc>>,) =
        sqlx::query_as("select max(finished_at) from collection").fetch_one(pool).await?;
    Ok(at)
}

/// The pods each cluster's latest collection listed, by cluster name: what sizes a collector.
#[tracing::instrument(skip_all, err)]
pub async fn last_pod_counts(pool: &PgPool) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "select c.name, coalesce(cov.objects, 0)::int8
         from cluster c
         join lateral (select collection_id from collection x where x.cluster_id = c.cluster_id
                       order by started_at desc limit 1) last on true
         left join collection_coverage cov on cov.collection_id = last.collection_id and cov.kind = 'pods'
         order by c.name",
    )
    .fetch_all(pool)
    .await?)
}
