//! Rollups and retention: raw samples roll up into hourly and daily rollups, raw partitions
//! past retention are dropped whole, and the history stays readable from the rollups.

use chrono::{DateTime, Duration, DurationRound, Utc};
use db::maintenance::{Retention, run_maintenance};
use db::query::{score_history, tenant_overview};
use db::store::{CollectionTimes, write_collection};
use db::{PgPool, Scope};
use domain::inventory::Inventory;
use domain::rules::RuleSettings;
use serde_json::json;

fn inventory(privileged: bool) -> Inventory {
    let mut inv = Inventory::default();
    for object in [
        json!({"kind": "Namespace", "metadata": {"name": "nlp-prod", "labels": {"rampart.io/tenant": "nlp"}}}),
        json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "nlp-prod"}, "spec": {"selector": {},
            "template": {"spec": {"containers": [{"name": "app", "image": "a:1", "securityContext": {"privileged": privileged}}]}}}}),
        json!({"kind": "ResourceQuota", "metadata": {"name": "compute", "namespace": "nlp-prod"},
               "status": {"hard": {"requests.cpu": "10"}, "used": {"requests.cpu": "7"}}}),
    ] {
        inv.add_object(&object).unwrap();
    }
    inv
}

async fn collect(pool: &PgPool, privileged: bool, at: DateTime<Utc>) {
    let assessment = domain::assess(&inventory(privileged), &RuleSettings::default(), vec![], &[]);
    write_collection(pool, "prod", CollectionTimes { started_at: at, finished_at: at }, &assessment).await.unwrap();
}

async fn partitions(pool: &PgPool) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid
         join pg_class p on p.oid = i.inhparent where p.relname = 'tenant_score' order by 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

fn hour(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn expired_raw_partitions_are_dropped_and_the_history_reads_from_rollups(pool: PgPool) {
    let now = Utc::now();
    let old = hour(now - Duration::days(5)) + Duration::minutes(10);
    collect(&pool, true, old).await;
    collect(&pool, true, old + Duration::minutes(20)).await;
    collect(&pool, false, now - Duration::minutes(5)).await;
    let old_score =
        tenant_overview(&pool, &Scope::AllTenants, Some(old + Duration::minutes(30))).await.unwrap()[0].score;
    assert_eq!(partitions(&pool).await.len(), 2, "one partition per day with collections");

    let retention = Retention { raw: Duration::days(2), ..Retention::default() };
    let report = run_maintenance(&pool, retention, now).await.unwrap();

    assert!(report.rollup_rows > 0);
    assert_eq!(
        report.dropped_partitions.len(),
        db::store::PARTITIONED_TABLES.len(),
        "the old day's partition of each sample table"
    );
    assert_eq!(partitions(&pool).await.len(), 1);
    let (raw_old,): (i64,) = sqlx::query_as("select count(*) from tenant_score where collected_at < $1")
        .bind(now - Duration::days(2))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(raw_old, 0);

    let then = tenant_overview(&pool, &Scope::AllTenants, Some(old + Duration::minutes(30))).await.unwrap();
    assert_eq!(then.len(), 1, "the past is still readable");
    assert_eq!(then[0].score, old_score, "from the hourly rollup of the same hour");
    assert_eq!(then[0].critical, 1);
    assert!((then[0].tightest_quota_headroom_pct.unwrap() - 30.0).abs() < 1e-6);
    let history = score_history(&pool, &Scope::AllTenants, now - Duration::days(7), None).await.unwrap();
    assert!(history.iter().any(|p| p.at < now - Duration::days(4)), "old points come from the rollup");
    // The recent collection's six-hour bucket can start up to six hours and five minutes back.
    assert!(history.iter().any(|p| p.at > now - Duration::days(1)), "recent points from raw samples");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn maintenance_is_idempotent_and_prunes_rollups_past_their_retention(pool: PgPool) {
    let now = Utc::now();
    collect(&pool, true, hour(now - Duration::days(3)) + Duration::minutes(1)).await;
    collect(&pool, true, now - Duration::minutes(1)).await;
    let first = run_maintenance(&pool, Retention::default(), now).await.unwrap();
    let count = |resolution: &'static str| {
        let pool = pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as("select count(*) from tenant_rollup where resolution = $1")
                .bind(resolution)
                .fetch_one(&pool)
                .await
                .unwrap();
            n
        }
    };
    let (hourly, daily) = (count("hour").await, count("day").await);
    assert!(hourly >= 1 && daily >= 1);
    assert!(first.dropped_partitions.is_empty(), "nothing is past the default 14 days");

    run_maintenance(&pool, Retention::default(), now).await.unwrap();
    assert_eq!((count("hour").await, count("day").await), (hourly, daily), "a second run changes nothing");

    let short = Retention { raw: Duration::days(14), hourly: Duration::days(1), daily: Duration::days(365) };
    let pruned = run_maintenance(&pool, short, now).await.unwrap();
    assert!(pruned.pruned_rollup_rows >= 1);
    assert!(count("hour").await < hourly, "hourly rollups older than a day are pruned");
    assert_eq!(count("day").await, daily, "daily rollups are kept");
}
