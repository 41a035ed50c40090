//! Upgrades: a database at the skeleton's schema, with data in it, migrates to the newest
//! schema without losing what it held.

use db::{PgPool, Scope};

/// The last migration of the walking skeleton's schema (per-collection finding rows).
const SKELETON_SCHEMA: i64 = 20261128000002;

#[sqlx::test(migrations = false)]
async fn skeleton_schema_with_findings_migrates_to_finding_lifecycles(pool: PgPool) {
    db::MIGRATOR.run_to(SKELETON_SCHEMA, &pool).await.unwrap();
    sqlx::raw_sql(
        "insert into cluster (cluster_id, name) values (1, 'prod');
         insert into collection (collection_id, cluster_id, started_at, finished_at, object_count) values
             (1, 1, '2026-10-01T00:00:00Z', '2026-10-01T00:00:05Z', 10),
             (2, 1, '2026-10-01T01:00:00Z', '2026-10-01T01:00:05Z', 10);
         insert into tenant_score (collection_id, tenant, score, workloads, findings) values
             (1, 'nlp', 40, 2, 2), (2, 'nlp', 20, 2, 1);
         insert into finding (collection_id, tenant, rule_id, severity, object_kind, object_namespace, object_name,
                              container, message, controls, evidence) values
             (1, 'nlp', 'pod.privileged', 'critical', 'Deployment', 'nlp-prod', 'web', 'app', 'privileged',
              '{pss:privileged}', '{spec.template.spec.containers[0].securityContext.privileged}'),
             (1, 'nlp', 'pod.host-path', 'high', 'Deployment', 'nlp-prod', 'agent', null, 'host path',
              '{pss:hostPathVolumes}', '{}'),
             (2, 'nlp', 'pod.privileged', 'critical', 'Deployment', 'nlp-prod', 'web', 'app', 'privileged',
              '{pss:privileged}', '{spec.template.spec.containers[0].securityContext.privileged}');",
    )
    .execute(&pool)
    .await
    .unwrap();

    db::migrate(&pool).await.unwrap();

    let states: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> =
        sqlx::query_as("select rule_id, resolved_at from finding_state order by rule_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(states.len(), 2);
    assert_eq!(states[0].0, "pod.host-path");
    assert_eq!(
        states[0].1.map(|t| t.to_rfc3339()),
        Some("2026-10-01T01:00:00+00:00".to_string()),
        "resolved at the next collection"
    );
    assert_eq!(states[1], ("pod.privileged".to_string(), None), "still open");
    let (events,): (i64,) = sqlx::query_as("select count(*) from finding_event").fetch_one(&pool).await.unwrap();
    assert_eq!(events, 3, "two openings and one resolution");
    let overview = db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    assert_eq!((overview[0].critical, overview[0].high), (1, 0));
    let at_first = chrono::DateTime::parse_from_rfc3339("2026-10-01T00:30:00Z").unwrap().to_utc();
    let then = db::query::tenant_overview(&pool, &Scope::AllTenants, Some(at_first)).await.unwrap();
    assert_eq!((then[0].critical, then[0].high, then[0].score), (1, 1, 40.0), "the history reads as before");
}
