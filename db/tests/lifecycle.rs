//! The finding lifecycle against real PostgreSQL: opened, still open, resolved, reopened; only
//! changes are written; as-of reads and MTTR come from the history.

use chrono::{DateTime, Duration, Utc};
use db::query::{mttr, recently_resolved, tenant_detail, tenant_overview};
use db::store::{CollectionTimes, write_collection};
use db::{PgPool, Scope};
use domain::{Assessment, Finding, ObjectRef, Severity, SeverityCounts, TenantFinding, TenantScore};

fn finding(name: &str, rule: &str, severity: Severity) -> TenantFinding {
    TenantFinding {
        contribution: 10.0,
        exception: None,
        tenant: "nlp".into(),
        item: Finding {
            rule: rule.into(),
            severity,
            object: ObjectRef { kind: "Deployment".into(), namespace: Some("nlp-prod".into()), name: name.into() },
            container: Some("app".into()),
            message: format!("{rule} on {name}"),
            controls: vec!["pss:privileged".into()],
            evidence: vec!["spec.template.spec.containers[0].securityContext.privileged".into()],
        },
    }
}

fn assessment(findings: Vec<TenantFinding>) -> Assessment {
    let mut by_severity = SeverityCounts::default();
    for f in &findings {
        by_severity.add(f.item.severity);
    }
    Assessment {
        scores: vec![TenantScore {
            tenant: "nlp".into(),
            score: 10.0 * findings.len() as f64,
            workloads: 3,
            findings: findings.len() as u32,
            by_severity,
        }],
        findings,
        ..Assessment::default()
    }
}

fn base() -> DateTime<Utc> {
    Utc::now() - Duration::days(3)
}

fn times(hours: i64) -> CollectionTimes {
    let started_at = base() + Duration::hours(hours);
    CollectionTimes { started_at, finished_at: started_at + Duration::seconds(1) }
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await.unwrap();
    n
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_fixed_and_a_new_misconfiguration_write_only_those_changes(pool: PgPool) {
    let privileged = finding("web", "pod.privileged", Severity::Critical);
    let host_path = finding("agent", "pod.host-path", Severity::High);
    let quota = finding("batch", "workload.missing-limits", Severity::Low);
    write_collection(&pool, "prod", times(0), &assessment(vec![privileged.clone(), quota.clone()])).await.unwrap();
    let events_before = count(&pool, "select count(*) from finding_event").await;

    let second_times = times(1);
    let second = write_collection(&pool, "prod", second_times, &assessment(vec![host_path, quota])).await.unwrap();

    assert_eq!(
        (second.changes.opened, second.changes.resolved, second.changes.reopened, second.changes.updated),
        (1, 1, 0, 0)
    );
    assert_eq!(count(&pool, "select count(*) from finding_event").await - events_before, 2, "two events, nothing else");
    let detail = tenant_detail(&pool, &Scope::AllTenants, "nlp", &db::query::FindingQuery::default(), None)
        .await
        .unwrap()
        .unwrap();
    let open: Vec<&str> = detail.findings.iter().map(|f| f.finding.rule_id.as_str()).collect();
    assert_eq!(open, ["pod.host-path", "workload.missing-limits"]);
    let resolved = recently_resolved(&pool, &Scope::AllTenants, base(), None, 10).await.unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].finding.rule_id, "pod.privileged");
    assert_eq!(resolved[0].resolved_at.timestamp(), second_times.started_at.timestamp());
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_steady_state_collection_writes_no_finding_rows(pool: PgPool) {
    let findings =
        vec![finding("web", "pod.privileged", Severity::Critical), finding("api", "pod.host-path", Severity::High)];
    write_collection(&pool, "prod", times(0), &assessment(findings.clone())).await.unwrap();
    let events = count(&pool, "select count(*) from finding_event").await;

    let again = write_collection(&pool, "prod", times(1), &assessment(findings)).await.unwrap();

    assert_eq!(again.changes, db::lifecycle::FindingChanges::default());
    assert_eq!(count(&pool, "select count(*) from finding_event").await, events);
    assert_eq!(count(&pool, "select count(*) from finding_state").await, 2);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_finding_that_comes_back_is_reopened_with_a_count(pool: PgPool) {
    let web = finding("web", "pod.privileged", Severity::Critical);
    write_collection(&pool, "prod", times(0), &assessment(vec![web.clone()])).await.unwrap();
    write_collection(&pool, "prod", times(1), &assessment(vec![])).await.unwrap();
    let back = write_collection(&pool, "prod", times(2), &assessment(vec![web])).await.unwrap();

    assert_eq!(back.changes.reopened, 1);
    let (reopens, resolved_at): (i32, Option<DateTime<Utc>>) =
        sqlx::query_as("select reopen_count, resolved_at from finding_state").fetch_one(&pool).await.unwrap();
    assert_eq!((reopens, resolved_at), (1, None));
    let kinds: Vec<(String,)> =
        sqlx::query_as("select kind from finding_event order by at").fetch_all(&pool).await.unwrap();
    assert_eq!(kinds.into_iter().map(|k| k.0).collect::<Vec<_>>(), ["opened", "resolved", "reopened"]);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn as_of_reads_show_the_past_from_the_history(pool: PgPool) {
    let web = finding("web", "pod.privileged", Severity::Critical);
    let api = finding("api", "pod.host-path", Severity::High);
    write_collection(&pool, "prod", times(0), &assessment(vec![web.clone()])).await.unwrap();
    write_collection(&pool, "prod", times(5), &assessment(vec![api])).await.unwrap();

    let then = tenant_overview(&pool, &Scope::AllTenants, Some(times(2).started_at)).await.unwrap();
    assert_eq!((then[0].critical, then[0].high), (1, 0), "at hour 2 only the privileged finding was open");
    let now = tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    assert_eq!((now[0].critical, now[0].high), (0, 1));
    let past_detail =
        tenant_detail(&pool, &Scope::AllTenants, "nlp", &db::query::FindingQuery::default(), Some(times(2).started_at))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(past_detail.findings.len(), 1);
    assert_eq!(past_detail.findings[0].finding.rule_id, "pod.privileged");
    assert!(
        tenant_overview(&pool, &Scope::AllTenants, Some(base() - Duration::days(1))).await.unwrap().is_empty(),
        "before any collection"
    );
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn mttr_is_the_mean_time_from_opening_to_resolution_per_severity(pool: PgPool) {
    let web = finding("web", "pod.privileged", Severity::Critical);
    let api = finding("api", "pod.privileged", Severity::Critical);
    write_collection(&pool, "prod", times(0), &assessment(vec![web.clone(), api.clone()])).await.unwrap();
    write_collection(&pool, "prod", times(2), &assessment(vec![api])).await.unwrap();
    write_collection(&pool, "prod", times(6), &assessment(vec![])).await.unwrap();

    let rows = mttr(&pool, &Scope::AllTenants, base()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].severity.as_str(), rows[0].resolved), ("critical", 2));
    assert!((rows[0].mean_hours - 4.0).abs() < 0.01, "(2 h + 6 h) / 2, got {}", rows[0].mean_hours);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_collection_older_than_the_latest_is_refused(pool: PgPool) {
    write_collection(&pool, "prod", times(5), &assessment(vec![])).await.unwrap();
    let error = write_collection(&pool, "prod", times(1), &assessment(vec![])).await.unwrap_err();
    assert!(matches!(error, db::Error::OutOfOrder { .. }), "{error}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn fingerprints_computed_for_a_collection_match_the_stored_ones(pool: PgPool) {
    let mut bare = finding("bare", "rbac.wildcard", Severity::Medium).item;
    bare.object.namespace = None;
    bare.container = None;
    bare.evidence = vec![];
    let mut many = finding("größe-✓", "pod.host-path", Severity::High).item;
    many.evidence = vec!["spec.volumes[0].hostPath".into(), "spec.volumes[1].hostPath".into()];
    for f in [finding("web", "pod.privileged", Severity::High).item, bare, many] {
        let (stored,): (String,) = sqlx::query_as("select finding_fingerprint($1, $2, $3, $4, $5, $6)")
            .bind(&f.rule)
            .bind(&f.object.kind)
            .bind(&f.object.namespace)
            .bind(&f.object.name)
            .bind(&f.container)
            .bind(&f.evidence)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(db::lifecycle::finding_fingerprint(&f), stored, "{f:?}");
    }
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_finding_whose_details_move_is_updated_in_place_and_the_rest_left_alone(pool: PgPool) {
    let web = finding("web", "pod.privileged", Severity::Critical);
    let api = finding("api", "pod.host-path", Severity::High);
    write_collection(&pool, "prod", times(0), &assessment(vec![web.clone(), api.clone()])).await.unwrap();

    let mut moved = web.clone();
    moved.item.message = "pod.privileged on web, now internet-facing".into();
    moved.contribution = 25.0;
    let second = write_collection(&pool, "prod", times(1), &assessment(vec![moved, api.clone()])).await.unwrap();
    assert_eq!(
        (second.changes.opened, second.changes.resolved, second.changes.reopened, second.changes.updated),
        (0, 0, 0, 1)
    );
    let (message, contribution): (String, f64) =
        sqlx::query_as("select message, contribution from finding_state where object_name = 'web'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((message.as_str(), contribution), ("pod.privileged on web, now internet-facing", 25.0));

    let mut recounted = api;
    recounted.contribution = 10.5;
    let third = write_collection(&pool, "prod", times(2), &assessment(vec![web, recounted])).await.unwrap();
    assert_eq!((third.changes.updated, third.changes.resolved), (2, 0), "a contribution alone is a change");
}
