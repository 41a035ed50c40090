//! GPU capacity per node, stored with each collection: what each GPU node has, holds, reports
//! and leaves idle (read back by [`crate::query::gpu_nodes`]).

use sqlx::{Postgres, Transaction};

use crate::Result;

/// Stores the GPU nodes of collection `id`.
pub(crate) async fn insert_gpu_nodes(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    nodes: &[domain::gpu_capacity::GpuNode],
) -> Result<()> {
    let column = |f: fn(&domain::gpu_capacity::GpuNode) -> f64| nodes.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "insert into gpu_node_state (collection_id, collected_at, node, capacity, allocatable, allocated, metered, idle)
         select $1, c.started_at, u.* from unnest($2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
             $7::float8[]) as u, collection c where c.collection_id = $1",
    )
    .bind(id)
    .bind(nodes.iter().map(|n| n.node.clone()).collect::<Vec<_>>())
    .bind(column(|n| n.capacity))
    .bind(column(|n| n.allocatable))
    .bind(column(|n| n.allocated))
    .bind(column(|n| n.metered))
    .bind(column(|n| n.idle))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
