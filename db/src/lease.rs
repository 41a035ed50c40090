//! Which collector process collects which cluster, decided by PostgreSQL session-level advisory
//! locks rather than by a home-made protocol.
//!
//! Each process keeps one dedicated connection, the lease connection. On it, it holds one
//! membership lock (so every process can count the live collectors in `pg_locks`) and one lock
//! per cluster it collects. A cluster lock is taken before a collection and kept while the
//! process lives, so a cluster is collected by exactly one process at a time. When a process
//! dies its connection closes, PostgreSQL releases its locks, and another process takes its
//! clusters over at its next tick, within one interval. A process keeps no more than its fair
//! share, `ceil(clusters / live collectors)`, and gives back the excess when another collector
//! joins, so the clusters spread over the processes. Every collector is expected to be
//! configured with the same clusters.
//!
//! Who holds what is visible to operators in PostgreSQL itself:
//! `select a.application_name, l.objid from pg_locks l join pg_stat_activity a using (pid)
//! where l.locktype = 'advisory' and l.classid = 1380011344` (see [`CLUSTER_LOCKS`]).

use std::collections::BTreeSet;

use sqlx::{ConnectOptions, PgConnection, PgPool};
use tokio::sync::Mutex;

use crate::Result;

/// The first key of every cluster lock (`'RAMP'`); the second is `hashtext(cluster name)`.
pub const CLUSTER_LOCKS: i32 = 0x5241_4d50;
/// The first key of every membership lock; the second is the lease connection's backend pid,
/// unique among live sessions.
pub const MEMBER_LOCKS: i32 = 0x5241_4d51;

/// This process' share of the clusters, held through its lease connection.
pub struct Leases {
    pool: PgPool,
    cluster_count: usize,
    held: Mutex<Option<Held>>,
}

struct Held {
    connection: PgConnection,
    clusters: BTreeSet<String>,
}

impl Leases {
    /// Leases for a process configured with `cluster_count` clusters.
    pub fn new(pool: PgPool, cluster_count: usize) -> Self {
        Leases { pool, cluster_count, held: Mutex::new(None) }
    }

    /// Whether this process collects `cluster` now: true when it holds the cluster's lock (taking
    /// it if it is free and within this process' share), false when another process holds it or
    /// this process has its share already. An error means the database could not be asked; the
    /// lease connection is then dropped (releasing every lock) and rebuilt on the next call.
    pub async fn claim(&self, cluster: &str) -> Result<bool> {
        let mut held = self.held.lock().await;
        let result = self.claim_on(&mut held, cluster).await;
        if result.is_err() {
            *held = None;
        }
        result
    }

    async fn claim_on(&self, held: &mut Option<Held>, cluster: &str) -> Result<bool> {
        if let Some(lease) = held.as_mut()
            && sqlx::query("select 1").execute(&mut lease.connection).await.is_err()
        {
            tracing::warn!("the lease connection was lost; its cluster locks are gone and are taken again");
            *held = None;
        }
        let lease = match held {
            Some(lease) => lease,
            None => held.insert(self.connect().await?),
        };
        let (members,): (i64,) = sqlx::query_as(
            "select count(*) from pg_locks
             where locktype = 'advisory' and classid = $1::int4::oid and objsubid = 2 and granted
               and database = (select oid from pg_database where datname = current_database())",
        )
        .bind(MEMBER_LOCKS)
        .fetch_one(&mut lease.connection)
        .await?;
        let share = self.cluster_count.div_ceil(usize::try_from(members).unwrap_or(1).max(1));
        if lease.clusters.contains(cluster) {
            if lease.clusters.len() <= share {
                return Ok(true);
            }
            sqlx::query("select pg_advisory_unlock($1, hashtext($2))")
                .bind(CLUSTER_LOCKS)
                .bind(cluster)
                .execute(&mut lease.connection)
                .await?;
            lease.clusters.remove(cluster);
            tracing::info!(cluster, share, "more collectors joined: handing this cluster over");
            return Ok(false);
        }
        if lease.clusters.len() >= share {
            return Ok(false);
        }
        let (taken,): (bool,) = sqlx::query_as("select pg_try_advisory_lock($1, hashtext($2))")
            .bind(CLUSTER_LOCKS)
            .bind(cluster)
            .fetch_one(&mut lease.connection)
            .await?;
        if taken {
            tracing::info!(cluster, "this process now collects the cluster");
            lease.clusters.insert(cluster.to_string());
        }
        Ok(taken)
    }

    /// Opens the lease connection, named `rampart-collector <pid>` in `pg_stat_activity`, and
    /// takes a membership lock on it.
    async fn connect(&self) -> Result<Held> {
        let options = (*self.pool.connect_options())
            .clone()
            .application_name(&format!("rampart-collector {}", std::process::id()));
        let mut connection = options.connect().await?;
        sqlx::query("select pg_advisory_lock($1, pg_backend_pid())")
            .bind(MEMBER_LOCKS)
            .execute(&mut connection)
            .await?;
        Ok(Held { connection, clusters: BTreeSet::new() })
    }
}
