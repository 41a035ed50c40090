//! The store against real PostgreSQL: a collection lands whole, and reads honour the scope.

use chrono::{Duration, Utc};
use db::query::{score_history, tenant_detail, tenant_overview};
use db::store::{CollectionTimes, record_collection_failure, write_collection};
use db::{PgPool, Scope};
use domain::assessment::Tenanted;
use domain::gpu::GpuSample;
use domain::health::PodHealth;
use domain::quota::QuotaUsage;
use domain::{Assessment, Finding, NamespaceSummary, ObjectRef, Severity, TenantFinding, TenantScore};

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
        health: PodHealth { pods: 10, running: 10 - pending, pending, restarts: 3, ..PodHealth::default() },
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
            },
        }],
        workloads: vec![Tenanted {
            tenant: "nlp".into(),
            item: domain::workload::WorkloadSummary {
                kind: "Deployment".into(),
                namespace: "nlp-prod".into(),
                name: "train".into(),
                images: vec!["reg/train:1".into(), "reg/sidecar:2".into()],
                gpus_requested: 2,
                problems: vec!["CrashLoopBackOff".into()],
                gpus_in_use: 1,
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
                by_severity: [1, 1, 0, 0],
            },
            TenantScore { tenant: "vision".into(), score: 20.0, workloads: 4, findings: 1, by_severity: [0, 1, 0, 0] },
        ],
        compliance: vec![],
        object_count: 42,
        not_assessable: vec![("cp.profiling".into(), "the kube-apiserver pod is not visible".into())],
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
async fn a_scoped_viewer_sees_only_its_tenants(pool: PgPool) {
    write_collection(&pool, "prod", at(1), &assessment(50.0)).await.unwrap();
    let lead = Scope::Tenants(vec!["vision".into()]);

    let rows = tenant_overview(&pool, &lead, None).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.tenant.as_str()).collect::<Vec<_>>(), ["vision"]);

    assert!(tenant_detail(&pool, &lead, "nlp", None).await.unwrap().is_none(), "foreign tenant is invisible");
    let own = tenant_detail(&pool, &lead, "vision", None).await.unwrap().unwrap();
    assert!(own.findings.iter().all(|f| f.object_namespace.as_deref() == Some("vision-dev")));
    let history = score_history(&pool, &lead, Utc::now() - Duration::days(1)).await.unwrap();
    assert!(!history.is_empty());
    assert!(history.iter().all(|p| p.tenant == "vision"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn tenant_detail_lists_namespaces_and_findings_most_severe_first(pool: PgPool) {
    write_collection(&pool, "prod", at(1), &assessment(50.0)).await.unwrap();

    let detail = tenant_detail(&pool, &Scope::AllTenants, "nlp", None).await.unwrap().unwrap();

    assert_eq!(detail.namespaces.len(), 1);
    assert_eq!(detail.namespaces[0].findings, 2);
    assert_eq!(detail.findings[0].severity, "critical");
    assert_eq!(detail.findings[0].controls, ["pss:privileged", "cis:5.2.2"]);
    assert_eq!(detail.findings[0].evidence, ["spec.template.spec.containers[0].securityContext.privileged"]);
    assert!(tenant_detail(&pool, &Scope::AllTenants, "nobody", None).await.unwrap().is_none());
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
