//! Helpers of the collector's tests: a target for a simulated cluster, and reads of what a
//! collection stored.

use db::PgPool;
use domain::rules::RuleSettings;
use server::collect::ClusterTarget;

/// A simulator serving `cluster`, and a collection target for it named `name`.
pub async fn target_for(cluster: &sim::SharedCluster, name: &str) -> (sim::SimServer, ClusterTarget) {
    let dir = super::temp_dir(name);
    let (server, kubeconfig) = server::commands::demo::start_simulator(cluster.clone(), &dir).await.unwrap();
    let target = ClusterTarget {
        name: name.to_string(),
        kubeconfig: Some(kubeconfig),
        context: None,
        rules: RuleSettings::default(),
        interval: std::time::Duration::from_secs(60),
        deadlines: server::collect::Deadlines::for_interval(std::time::Duration::from_secs(60)),
        sources: server::collect::Sources::default(),
    };
    (server, target)
}

/// The one value `sql` answers for collection `id`.
pub async fn scalar<T>(pool: &PgPool, sql: &'static str, id: i64) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    sqlx::query_scalar(sql).bind(id).fetch_one(pool).await.unwrap()
}

pub async fn count(pool: &PgPool, sql: &'static str, id: i64) -> i64 {
    scalar(pool, sql, id).await
}

pub async fn rule_hits(pool: &PgPool, id: i64, rule: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "select count(*) from finding_state
         where cluster_id = (select cluster_id from collection where collection_id = $1)
           and resolved_at is null and rule_id = $2",
    )
    .bind(id)
    .bind(rule)
    .fetch_one(pool)
    .await
    .unwrap();
    n
}
