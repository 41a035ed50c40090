//! The store against real PostgreSQL: a collection lands whole, and reads honour the scope.

use chrono::{Duration, Utc};
use db::query::{FindingQuery, FindingSort, WorkloadFilter, score_history, tenant_detail, tenant_overview};
use db::store::{CollectionTimes, record_collection_failure, write_collection};
use db::{PgPool, Scope};
use domain::assessment::Tenanted;
use domain::gpu::GpuSample;
use domain::health::PodHealth;
use domain::quota::QuotaUsage;
use domain::{Assessment, Finding, NamespaceSummary, ObjectRef, Severity, SeverityCounts, TenantFinding, TenantScore};

fn finding(tenant: &str, ns: &str, rule: &str, severity: Severity) -> TenantFinding {
    TenantFinding {
        contribution: 10.0,
        exception: None,
        tenant: tenant.into(),
        item: Finding {
            rule: rule.into(),
            severity,
            object: ObjectRef { kind: "Deployment".into(), namespace: Some(ns.into()), name: "web".into() },
            container: Some("app".into()),
            message: format!("{rule} in {ns}"),
            controls: vec!["pss:privileged".into(), "cis:5.2.2".into()],
            evidence: vec!["spec.template.spec.containers[0].securityContext.privileged".into()],
        },
    }
}

fn namespace(tenant: &str, ns: &str, pending: u32) -> NamespaceSummary {
    NamespaceSummary {
        namespace: ns.into(),
        tenant: tenant.into(),
        workloads: 4,
        health: PodHealth {
            pods: 10,
            running: 10 - pending,
            pending,
            unhealthy: pending,
            restarts: 3,
            ..PodHealth::default()
        },
        ..NamespaceSummary::default()
    }
}

fn assessment(nlp_score: f64) -> Assessment {
    Assessment {
        findings: vec![
            finding("nlp", "nlp-prod", "pod.privileged", Severity::Critical),
            finding("nlp", "nlp-prod", "pod.host-path", Severity::High),
            finding("vision", "vision-dev", "pod.host-path", Severity::High),
        ],
        namespaces: vec![namespace("nlp", "nlp-prod", 2), namespace("vision", "vision-dev", 0)],
        quotas: vec![Tenanted {
            tenant: "nlp".into(),
            item: QuotaUsage {
                namespace: "nlp-prod".into(),
                quota: "compute".into(),
                resource: "requests.cpu".into(),
                used: 9.0,
                hard: 10.0,
            },
        }],
        gpus: vec![Tenanted {
            tenant: "nlp".into(),
            item: GpuSample {
                namespace: "nlp-prod".into(),
                pod: "train-0".into(),
                container: "train".into(),
                gpu: "0".into(),
                uuid: "GPU-1".into(),
                hostname: "gpu-1".into(),
                utilisation_pct: 40.0,
                memory_used_mib: 1024.0,
                engine_active_pct: None,
                mig_profile: None,
                idle_hours: 0.5,
            },
        }],
        workloads: vec![Tenanted {
            tenant: "nlp".into(),
            item: domain::workload::WorkloadSummary {
                kind: "Deployment".into(),
                namespace: "nlp-prod".into(),
                name: "web".into(),
                images: vec!["reg/web:1".into(), "reg/sidecar:2".into()],
                gpus_requested: 2.0,
                problems: vec!["CrashLoopBackOff".into()],
                gpus_in_use: 1.0,
                gpu_utilisation_pct: Some(40.0),
                ..Default::default()
            },
        }],
        scores: vec![
            TenantScore {
                tenant: "nlp".into(),
                score: nlp_score,
                workloads: 4,
                findings: 2,
                by_severity: SeverityCounts { critical: 1, high: 1, medium: 0, low: 0 },
            },
            TenantScore {
                tenant: "vision".into(),
                score: 20.0,
                workloads: 4,
                findings: 1,
                by_severity: SeverityCounts { critical: 0, high: 1, medium: 0, low: 0 },
            },
        ],
        compliance: vec![],
        object_count: 42,
        not_assessable: vec![("cp.profiling".into(), "the kube-apiserver pod is not visible".into())],
        coverage: vec![domain::KindCoverage { kind: "pods".into(), objects: 42, gap: None }],
        not_ready_nodes: vec![],
        gpu_nodes: vec![],
        ..Assessment::default()
    }
}

fn at(hours_ago: i64) -> CollectionTimes {
    let started_at = Utc::now() - Duration::hours(hours_ago);
    CollectionTimes { started_at, finished_at: started_at + Duration::seconds(2) }
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn overview_reflects_the_latest_collection_of_each_tenant(pool: PgPool) {
    write_collection(&pool, "prod", at(2), &assessment(80.0)).await.unwrap();
    write_collection(&pool, "prod", at(1), &assessment(55.5)).await.unwrap();

    let rows = tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();

    assert_eq!(rows.len(), 2);
    let nlp = &rows[0];
    assert_eq!(nlp.tenant, "nlp", "riskiest tenant first");
    assert_eq!(nlp.score, 55.5, "the older collection does not count");
    assert_eq!((nlp.critical, nlp.high, nlp.medium), (1, 1, 0));
    assert_eq!(nlp.unhealthy_pods, 2);
    assert!((nlp.tightest_quota_headroom_pct.unwrap() - 10.0).abs() < 1e-9);
    assert_eq!(nlp.mean_gpu_utilisation_pct, Some(40.0));
    assert_eq!(rows[1].mean_gpu_utilisation_pct, None);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn namespaces_running_pods_under_no_quota_are_listed_for_the_viewer(pool: PgPool) {
    write_collection(&pool, "prod", at(1), &assessment(50.0)).await.unwrap();
    let all = db::query::namespaces_without_quota(&pool, &Scope::AllTenants, None).await.unwrap();
    let names: Vec<(&str, &str)> = all.iter().map(|n| (n.tenant.as_str(), n.namespace.as_str())).collect();
    assert_eq!(names, [("vision", "vision-dev")], "nlp-prod has a quota");
    let nlp = Scope::Tenants(vec!["nlp".into()]);
    assert!(db::query::namespaces_without_quota(&pool, &nlp, None).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn idle_gpu_hours_sum_the_last_day_of_collections_for_the_viewer(pool: PgPool) {
    write_collection(&pool, "prod", at(30), &assessment(80.0)).await.unwrap();
    write_collection(&pool, "prod", at(2), &assessment(60.0)).await.unwrap();
    write_collection(&pool, "prod", at(1), &assessment(55.5)).await.unwrap();

    let rows = db::query::idle_gpu_hours(&pool, &Scope::AllTenants, None).await.unwrap();
    assert_eq!(rows.len(), 1, "only nlp has idle GPUs: {rows:?}");
    assert_eq!((rows[0].tenant.as_str(), rows[0].namespace.as_str()), ("nlp", "nlp-prod"));
    assert!((rows[0].idle_hours - 1.0).abs() < 1e-9, "two collections of the last day, not the one of 30 hours ago");

    let as_of = Utc::now() - Duration::hours(20);
    let then = db::query::idle_gpu_hours(&pool, &Scope::AllTenants, Some(as_of)).await.unwrap();
    assert!((then[0].idle_hours - 0.5).abs() < 1e-9, "as of 20 hours ago, the day before holds one collection");

    let lead = Scope::Tenants(vec!["vision".into()]);
    assert!(db::query::idle_gpu_hours(&pool, &lead, None).await.unwrap().is_empty(), "nothing of nlp's for vision");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_scoped_viewer_sees_only_its_tenants(pool: PgPool) {
    write_collection(&pool, "prod", at(1), &assessment(50.0)).await.unwrap();
    let lead = Scope::Tenants(vec!["vision".into()]);

    let rows = tenant_overview(&pool, &lead, None).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.tenant.as_str()).collect::<Vec<_>>(), ["vision"]);

    assert!(
        tenant_detail(&pool, &lead, "nlp", &db::query::FindingQuery::default(), None).await.unwrap().is_none(),
        "foreign tenant is invisible"
    );
    let own = tenant_detail(&pool, &lead, "vision", &db::query::FindingQuery::default(), None).await.unwrap().unwrap();
    assert!(own.findings.iter().all(|f| f.finding.object_namespace.as_deref() == Some("vision-dev")));
    let history = score_history(&pool, &lead, Utc::now() - Duration::days(1), None).await.unwrap();
    assert!(!history.is_empty());
    assert!(history.iter().all(|p| p.tenant == "vision"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn tenant_detail_lists_namespaces_and_findings_most_severe_first(pool: PgPool) {
    write_collection(&pool, "prod", at(1), &assessment(50.0)).await.unwrap();

    let detail = tenant_detail(&pool, &Scope::AllTenants, "nlp", &db::query::FindingQuery::default(), None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(detail.namespaces.len(), 1);
    assert_eq!(detail.namespaces[0].findings, 2);
    assert_eq!(detail.findings[0].finding.severity, Severity::Critical);
    assert_eq!(detail.findings[0].controls, ["pss:privileged", "cis:5.2.2"]);
    assert_eq!(detail.findings[0].evidence, ["spec.template.spec.containers[0].securityContext.privileged"]);
    assert!(
        tenant_detail(&pool, &Scope::AllTenants, "nobody", &db::query::FindingQuery::default(), None)
            .await
            .unwrap()
            .is_none()
    );
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_failed_write_stores_nothing_and_a_failure_keeps_earlier_data(pool: PgPool) {
    write_collection(&pool, "prod", at(2), &assessment(50.0)).await.unwrap();
    let mut bad = assessment(60.0);
    bad.scores[0].score = 250.0; // violates the score check constraint mid-transaction

    assert!(write_collection(&pool, "prod", at(1), &bad).await.is_err());
    record_collection_failure(&pool, "prod", "connection refused").await.unwrap();

    let (collections,): (i64,) = sqlx::query_as("select count(*) from collection").fetch_one(&pool).await.unwrap();
    assert_eq!(collections, 1, "the failed collection left no row");
    let rows = tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    assert_eq!(rows.iter().find(|r| r.tenant == "nlp").unwrap().score, 50.0);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn tenant_findings_filter_sort_and_page_from_the_query(pool: PgPool) {
    write_collection(&pool, "prod", at(1), &assessment(50.0)).await.unwrap();
    let query = |q: FindingQuery| {
        let pool = pool.clone();
        async move { tenant_detail(&pool, &Scope::AllTenants, "nlp", &q, None).await.unwrap().unwrap() }
    };
    let high = query(FindingQuery { severity: Some("high".into()), ..Default::default() }).await;
    assert_eq!((high.open_findings, high.findings[0].finding.rule_id.as_str()), (1, "pod.host-path"));
    let by_rule = query(FindingQuery { rules: vec!["pod.privileged".into()], ..Default::default() }).await;
    assert_eq!(by_rule.open_findings, 1);
    let sorted = query(FindingQuery { sort: FindingSort::Rule, ..Default::default() }).await;
    assert_eq!(sorted.findings[0].finding.rule_id, "pod.host-path", "by rule id");
    let past_the_end = query(FindingQuery { page: 3, ..Default::default() }).await;
    assert!(past_the_end.findings.is_empty());
    assert_eq!(past_the_end.open_findings, 2, "the total is still counted");
    let elsewhere = query(FindingQuery { namespace: Some("nlp-dev".into()), ..Default::default() }).await;
    assert_eq!(elsewhere.open_findings, 0);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn workloads_quotas_and_findings_read_within_the_scope(pool: PgPool) {
    write_collection(&pool, "prod", at(1), &assessment(50.0)).await.unwrap();
    let nlp = Scope::Tenants(vec!["nlp".into()]);
    let vision = Scope::Tenants(vec!["vision".into()]);

    let rows = db::query::workloads(&pool, &nlp, None, WorkloadFilter::Unhealthy, None).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].name.as_str(), rows[0].findings), ("web", 2));
    assert_eq!(rows[0].images, ["reg/web:1", "reg/sidecar:2"]);
    assert_eq!(rows[0].problems, ["CrashLoopBackOff"]);
    assert!(db::query::workloads(&pool, &vision, None, WorkloadFilter::All, None).await.unwrap().is_empty());
    let detail = db::query::workload_detail(&pool, &nlp, "nlp-prod", "Deployment", "web", None).await.unwrap().unwrap();
    assert_eq!(detail.findings.len(), 2);
    assert!(db::query::workload_detail(&pool, &vision, "nlp-prod", "Deployment", "web", None).await.unwrap().is_none());

    let quotas = db::query::quotas(&pool, &nlp, None, None).await.unwrap();
    assert_eq!(quotas.len(), 1);
    assert!((quotas[0].used_pct() - 90.0).abs() < 1e-9);
    assert!(db::query::quotas(&pool, &vision, None, None).await.unwrap().is_empty());

    let id = detail.findings[0].finding_id;
    let finding = db::query::finding_detail(&pool, &nlp, id).await.unwrap().unwrap();
    assert_eq!((finding.cluster.as_str(), finding.events.len()), ("prod", 1));
    assert_eq!(finding.events[0].kind, "opened");
    assert!(db::query::finding_detail(&pool, &vision, id).await.unwrap().is_none(), "foreign finding is invisible");
    let affected = db::query::rule_findings(&pool, &Scope::AllTenants, "pod.host-path", None).await.unwrap();
    assert_eq!(affected.iter().map(|a| a.tenant.as_str()).collect::<Vec<_>>(), ["nlp", "vision"]);
    assert_eq!(db::query::rule_findings(&pool, &vision, "pod.host-path", None).await.unwrap().len(), 1);
}
