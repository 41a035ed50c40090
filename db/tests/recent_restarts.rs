//! Restarts within the last 24 hours, from the stored samples: Kubernetes' count is cumulative,
//! so each collection records the restarts since the collection nearest 24 hours before it.

use chrono::{DateTime, Duration, Utc};
use db::store::{CollectionTimes, write_collection};
use db::{PgPool, Scope};
use domain::assessment::Tenanted;
use domain::health::PodHealth;
use domain::workload::WorkloadSummary;
use domain::{Assessment, NamespaceSummary, SeverityCounts, TenantScore};

/// A collection of one namespace and one workload whose pods have restarted `restarts` times
/// since they started.
fn with_restarts(restarts: u32) -> Assessment {
    let health = PodHealth { pods: 2, running: 2, restarts, ..PodHealth::default() };
    let workload = WorkloadSummary {
        kind: "Deployment".into(),
        namespace: "nlp-prod".into(),
        name: "api".into(),
        health: health.clone(),
        ..WorkloadSummary::default()
    };
    Assessment {
        namespaces: vec![NamespaceSummary {
            namespace: "nlp-prod".into(),
            tenant: "nlp".into(),
            workloads: 1,
            health,
            ..NamespaceSummary::default()
        }],
        workloads: vec![Tenanted { tenant: "nlp".into(), item: workload }],
        scores: vec![TenantScore {
            tenant: "nlp".into(),
            score: 0.0,
            workloads: 1,
            findings: 0,
            by_severity: SeverityCounts::default(),
        }],
        ..Assessment::default()
    }
}

async fn store(pool: &PgPool, at: DateTime<Utc>, restarts: u32) {
    let times = CollectionTimes { started_at: at, finished_at: at + Duration::seconds(1) };
    write_collection(pool, "prod", times, &with_restarts(restarts)).await.unwrap();
}

/// (namespace, workload) restarts in the last 24 hours, as the latest collection has them.
async fn recent(pool: &PgPool) -> (Option<i32>, Option<i32>) {
    let scope = Scope::AllTenants;
    let workloads = db::query::workloads(pool, &scope, None, db::query::WorkloadFilter::All, None).await.unwrap();
    let detail = db::query::tenant_detail(pool, &scope, "nlp", &Default::default(), None).await.unwrap().unwrap();
    (detail.namespaces[0].restarts_24h, workloads[0].restarts_24h)
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn restarts_are_counted_since_the_collection_24_hours_earlier(pool: PgPool) {
    let start = Utc::now() - Duration::hours(30);
    store(&pool, start, 100).await;
    assert_eq!(recent(&pool).await, (None, None), "the first collection has nothing earlier to count from");

    store(&pool, start + Duration::hours(2), 130).await;
    assert_eq!(recent(&pool).await, (Some(30), Some(30)), "with less history, since the first collection");

    // 29 h after the start: the collection at or before 24 h earlier is the one at +2 h (130).
    store(&pool, start + Duration::hours(29), 141).await;
    assert_eq!(recent(&pool).await, (Some(11), Some(11)), "141 since the pods started, 11 of them today");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn replaced_pods_count_their_own_restarts_and_new_workloads_all_of_theirs(pool: PgPool) {
    let start = Utc::now() - Duration::hours(30);
    let mut first = with_restarts(50);
    first.workloads.clear();
    let times = CollectionTimes { started_at: start, finished_at: start + Duration::seconds(1) };
    write_collection(&pool, "prod", times, &first).await.unwrap();

    // Pods replaced since (50 → 4): the new pods' 4; the workload is new: all its 4.
    store(&pool, start + Duration::hours(25), 4).await;
    assert_eq!(recent(&pool).await, (Some(4), Some(4)));
}
