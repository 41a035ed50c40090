//! Restarts within the last 24 hours, from the samples. Kubernetes' restart count is
//! cumulative since each pod started; each stored collection also records, per namespace and
//! workload, the restarts since the collection nearest 24 hours before it.

use sqlx::{Postgres, Transaction};

use crate::Result;

/// Sets `restarts_24h` on the rows of `$table` of collection `$1` (see
/// [`record_recent_restarts`]); `$same` matches a baseline row `x` to its row `cur`.
macro_rules! recent_restarts_sql {
    ($table:literal, $same:literal) => {
        concat!(
            "with this as (select cluster_id, started_at from collection where collection_id = $1),
             baseline as (
                 select b.collection_id, b.started_at from collection b
                 where b.collection_id = coalesce(
                     (select c.collection_id from collection c, this t
                      where c.cluster_id = t.cluster_id and c.started_at <= t.started_at - interval '24 hours'
                      order by c.started_at desc limit 1),
                     (select c.collection_id from collection c, this t
                      where c.cluster_id = t.cluster_id and c.started_at < t.started_at
                      order by c.started_at limit 1)))
             update ",
            $table,
            " cur set restarts_24h = coalesce(
                 (select case when cur.restarts >= x.restarts then cur.restarts - x.restarts else cur.restarts end
                  from ",
            $table,
            " x
                  where x.collection_id = b.collection_id and x.collected_at = b.started_at and ",
            $same,
            "),
                 cur.restarts)
             from baseline b
             where cur.collection_id = $1"
        )
    };
}

/// Sets `restarts_24h` on the namespace and workload rows of collection `id`: the restarts
/// since the cluster's latest collection at or before 24 hours earlier (or, with less history,
/// its first collection). A row absent from that baseline (a namespace or workload that is
/// newer) counts all its restarts; a row whose count went down (pods replaced) counts those of
/// its new pods. Left null on a cluster's first collection.
pub(crate) async fn record_recent_restarts(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<()> {
    const _: () = assert!(domain::health::RECENT_S == 24 * 3600, "the SQL's interval must say the same");
    let namespaces = recent_restarts_sql!("namespace_state", "x.namespace = cur.namespace");
    let workloads = recent_restarts_sql!(
        "workload_state",
        "x.namespace = cur.namespace and x.kind = cur.kind and x.name = cur.name"
    );
    for sql in [namespaces, workloads] {
        sqlx::query(sql).bind(id).execute(&mut **tx).await?;
    }
    Ok(())
}
