//! Controls evidenced by the cluster's own shared objects: a tenant cannot pass CIS 1.2.1 while
//! its cluster's API server allows anonymous requests. Every tenant's status is the cluster's,
//! marked inherited, on the control page (with the evidence, for a lead too), in the API, the
//! CSV and the PDF.

use crate::common;

use axum::http::StatusCode;
use common::web::{config, signed_in};
use db::{PgPool, Scope};
use server::config::AuthMode;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_tenant_inherits_its_clusters_status_for_the_api_servers_controls(pool: PgPool) {
    // The simulated API server runs with --anonymous-auth=true: CIS 1.2.1 fails for the cluster.
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 2).await.unwrap();
    let statuses = db::query::control_statuses(&pool, &Scope::AllTenants, "cis", Some("1.2.1"), None).await.unwrap();
    assert!(statuses.len() >= 3, "{statuses:?}");
    for s in &statuses {
        assert_eq!(s.status, domain::compliance::ControlStatus::Fail, "{}: no tenant passes it", s.tenant);
        assert!(s.inherited, "{}", s.tenant);
    }
    let own = db::query::control_statuses(&pool, &Scope::AllTenants, "cis", Some("5.2.2"), None).await.unwrap();
    assert!(own.iter().all(|s| !s.inherited), "a control of the tenants' own workloads is their own");

    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut lead = signed_in(&app, "nadia").await;
    let page = lead.get("/compliance/cis/1.2.1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("inherited from the cluster"), "the lead's page says it is inherited");
    assert!(page.body.contains("kube-apiserver-"), "the evidence, the API server's pod, is shown to the lead");
    assert!(!page.body.contains("vision"), "and nothing of another tenant");
    let csv = lead.get("/compliance.csv?framework=cis").await.body;
    let line = csv.lines().find(|l| l.starts_with("cis,1.2.1,")).unwrap();
    assert!(line.contains(",nlp,fail,yes,"), "{line}");
    let api = lead.get("/api/v1/compliance?framework=cis").await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let control = json["controls"].as_array().unwrap().iter().find(|c| c["control"] == "1.2.1").unwrap();
    assert_eq!((control["status"].as_str(), control["inherited"].as_bool()), (Some("fail"), Some(true)), "{control}");

    let now = chrono::Utc::now();
    let request = server::reports::ReportRequest {
        tenants: vec!["nlp".into()],
        frameworks: vec!["cis".into()],
        from: now - chrono::Duration::hours(3),
        to: now,
    };
    let by = server::reports::Requester { name: "auditor@example.test", ..Default::default() };
    let stored = server::reports::generate_and_store(&pool, &Scope::AllTenants, &request, &by).await.unwrap();
    let text = common::pdf_text(&stored.bytes);
    let row = text.lines().find(|l| l.contains("1.2.1")).unwrap_or_default();
    assert!(text.contains("inherited from the cluster") && row.contains("fail"), "the tenant PDF: {row}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_lead_sees_the_inherited_evidence_of_only_the_clusters_their_tenant_runs_on(pool: PgPool) {
    let cluster = common::small_cluster(100);
    server::commands::demo::backfill(&pool, &cluster, 1).await.unwrap();
    // A second cluster, as failing, on which nlp runs nothing.
    let mut edge = server::commands::demo::inventory_of(&cluster.read().unwrap()).unwrap();
    let not_nlp = |ns: Option<&String>| !ns.is_some_and(|n| n.starts_with("nlp"));
    edge.namespaces.retain(|n| not_nlp(n.metadata.name.as_ref()));
    edge.pods.retain(|p| not_nlp(p.metadata.namespace.as_ref()));
    let assessment = domain::assess(&edge, &domain::rules::RuleSettings::default(), vec![], &[]);
    assert!(assessment.namespaces.iter().all(|n| n.tenant != "nlp"), "nlp runs nothing on edge");
    let now = chrono::Utc::now();
    let times = db::store::CollectionTimes { started_at: now, finished_at: now };
    db::store::write_collection(&pool, "edge", times, &assessment).await.unwrap();

    let evidence = |scope: Scope| {
        let pool = pool.clone();
        async move { db::query::control_findings(&pool, &scope, "cis", "1.2.1", None).await.unwrap() }
    };
    let everyone = evidence(Scope::AllTenants).await;
    let nlp = evidence(Scope::Tenants(vec!["nlp".into()])).await;
    let vision = evidence(Scope::Tenants(vec!["vision".into()])).await;
    assert_eq!(everyone.len(), 2, "each cluster's API server fails 1.2.1: {everyone:?}");
    assert_eq!(nlp.len(), 1, "nlp's lead sees its own cluster's evidence, not edge's: {nlp:?}");
    assert_eq!(vision.len(), 2, "vision runs on both");
}
