//! "Unhealthy" has one definition (`domain::health::pod_problems`): over a day of the demo's
//! history, for every tenant, the overview, the tenant page, its namespaces, the workload lists
//! behind the namespace and Health pages, and `/api/v1/tenants` count the same pods, and every
//! page that shows the count states the definition.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::web::{config, signed_in};
use db::query::{FindingQuery, WorkloadFilter};
use db::{PgPool, Scope};
use domain::health::UNHEALTHY_DEFINITION;
use server::config::AuthMode;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn every_surface_counts_unhealthy_pods_by_the_one_definition(pool: PgPool) {
    let cluster = server::commands::demo::shared_cluster(sim::SimConfig::default());
    // Over a day, so restarts have a full 24-hour window to be counted in.
    server::commands::demo::backfill(&pool, &cluster, 26).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let token = "rpt_health_security";
    db::tokens::create(&pool, "test", "security", &report::sha256_hex(token.as_bytes()), "security", &[])
        .await
        .unwrap();
    let mut api = common::web::Browser::new(app.clone());
    let request = Request::get("/api/v1/tenants")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let api_tenants: serde_json::Value = serde_json::from_str(&api.send(request).await.body).unwrap();

    let overview = db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    let total: i64 = overview.iter().map(|t| t.unhealthy_pods).sum();
    assert!(total > 0, "the demo has unhealthy pods");
    let mut table = Vec::new();
    for tenant in &overview {
        let name = &tenant.tenant;
        let scope = Scope::Tenants(vec![name.clone()]);
        let detail =
            db::query::tenant_detail(&pool, &scope, name, &FindingQuery::default(), None).await.unwrap().unwrap();
        assert_eq!(detail.summary.unhealthy_pods, tenant.unhealthy_pods, "{name}: the tenant page's card");
        let by_namespace: i64 = detail.namespaces.iter().map(|n| i64::from(n.unhealthy_pods)).sum();
        assert_eq!(by_namespace, tenant.unhealthy_pods, "{name}: the namespace table sums to the card");

        let all = db::query::workloads(&pool, &scope, None, WorkloadFilter::All, None).await.unwrap();
        let listed = db::query::workloads(&pool, &scope, None, WorkloadFilter::Unhealthy, None).await.unwrap();
        let on_health_page: i64 = listed.iter().map(|w| i64::from(w.unhealthy)).sum();
        assert_eq!(on_health_page, tenant.unhealthy_pods, "{name}: the Health page lists every unhealthy pod");
        for w in &all {
            let shown = listed.iter().any(|l| (&l.namespace, &l.kind, &l.name) == (&w.namespace, &w.kind, &w.name));
            assert_eq!(
                shown,
                !w.problems.is_empty(),
                "{name} {}/{}: on the Health page iff it has a problem",
                w.kind,
                w.name
            );
            assert!(w.unhealthy == 0 || !w.problems.is_empty(), "{}: an unhealthy pod says why", w.name);
            let window = w.restarts_24h.expect("a day of history gives every workload a 24-hour count");
            assert!(window <= w.restarts, "{}: restarts of a day are among those since the pods started", w.name);
        }
        for n in &detail.namespaces {
            let of_workloads: i32 = all.iter().filter(|w| w.namespace == n.namespace).map(|w| w.unhealthy).sum();
            assert_eq!(of_workloads, n.unhealthy_pods, "{name}/{}: the namespace page's rows", n.namespace);
        }
        let api_row = api_tenants["tenants"].as_array().unwrap().iter().find(|t| t["tenant"] == name.as_str()).unwrap();
        assert_eq!(api_row["unhealthy_pods"].as_i64(), Some(tenant.unhealthy_pods), "{name}: /api/v1/tenants");
        let cumulative: i32 = all.iter().map(|w| w.restarts).sum();
        let recent: i32 = all.iter().filter_map(|w| w.restarts_24h).sum();
        table.push(format!(
            "{name:<12} unhealthy pods {:>3}, on Health {:>3} workloads of {:>3}; restarts 24 h {recent:>5} of {cumulative:>5}",
            tenant.unhealthy_pods,
            listed.len(),
            all.len()
        ));
    }
    eprintln!("per tenant:\n{}", table.join("\n"));
    let workloads = db::query::workloads(&pool, &Scope::AllTenants, None, WorkloadFilter::All, None).await.unwrap();
    assert!(
        workloads.iter().any(|w| w.restarts_24h.is_some_and(|r| r < w.restarts)),
        "restarts older than a day are not counted as today's"
    );

    // The pages that show the count state the definition, and the lead sees their own tenant's.
    let mut security = signed_in(&app, "sergio").await;
    for path in ["/", "/health", "/tenants/nlp"] {
        let page = security.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(UNHEALTHY_DEFINITION), "{path} states what unhealthy means");
    }
    let mut lead = signed_in(&app, "nadia").await;
    let health = lead.get("/health").await;
    let nlp = db::query::workloads(&pool, &Scope::Tenants(vec!["nlp".into()]), None, WorkloadFilter::Unhealthy, None)
        .await
        .unwrap();
    for w in &nlp {
        assert!(health.body.contains(&w.name), "the lead's Health page lists {}", w.name);
    }
    assert!(!health.body.contains(">vision<"), "and no other tenant's");
}
