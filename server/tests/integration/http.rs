//! The HTTP application driven with `oneshot` over real PostgreSQL.

use crate::common;

use axum::http::StatusCode;
use common::web::{Browser, config, signed_in};
use db::PgPool;
use server::config::AuthMode;

/// A security-team browser on an application with three hours of simulated history.
async fn app_with_history(pool: &PgPool) -> Browser {
    let cluster = common::small_cluster(100);
    server::commands::demo::backfill(pool, &cluster, 3).await.unwrap();
    security_browser(pool).await
}

async fn security_browser(pool: &PgPool) -> Browser {
    let app = common::web::app(pool, &config(Some(AuthMode::Local))).await;
    signed_in(&app, "sergio").await
}

async fn get(browser: &mut Browser, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let page = browser.get(uri).await;
    (page.status, page.headers, page.body)
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn overview_lists_every_tenant_with_its_score_and_a_link(pool: PgPool) {
    let mut app = app_with_history(&pool).await;
    let (status, _, body) = get(&mut app, "/").await;
    assert_eq!(status, StatusCode::OK);
    for tenant in ["vision", "nlp", "speech", "recsys", "platform"] {
        assert!(body.contains(&format!("href=\"/tenants/{tenant}\"")), "link to {tenant}");
    }
    assert!(body.matches("class=\"chart sparkline\"").count() >= 5, "trend sparklines are drawn");
    assert!(body.contains("Last collection"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn tenant_page_shows_its_namespaces_and_findings(pool: PgPool) {
    let mut app = app_with_history(&pool).await;
    let (status, _, body) = get(&mut app, "/tenants/platform").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("kube-system"));
    assert!(body.contains("rbac.anonymous-binding"));
    assert!(body.contains("spec.template.spec.containers[0].securityContext.privileged"), "evidence paths are shown");
    assert!(body.contains("Open findings"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn unknown_tenant_and_unknown_path_are_404(pool: PgPool) {
    let mut app = app_with_history(&pool).await;
    assert_eq!(get(&mut app, "/tenants/no-such-team").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&mut app, "/no/such/page").await.0, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn overview_before_any_collection_says_so(pool: PgPool) {
    let mut app = security_browser(&pool).await;
    let (status, _, body) = get(&mut app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("No collection has finished yet"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let mut app = app_with_history(&pool).await;
    for uri in ["/", "/tenants/nlp", "/healthz", "/style/rampart.css", "/missing"] {
        let (_, headers, _) = get(&mut app, uri).await;
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{uri}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{uri}");
    }
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn health_probes_report_process_and_database(pool: PgPool) {
    let mut app = Browser::new(common::web::app(&pool, &config(None)).await);
    assert_eq!(get(&mut app, "/healthz").await.0, StatusCode::OK);
    assert_eq!(get(&mut app, "/readyz").await.0, StatusCode::OK);
    pool.close().await;
    assert_eq!(get(&mut app, "/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn style_sheet_is_served(pool: PgPool) {
    let mut app = security_browser(&pool).await;
    let (status, headers, body) = get(&mut app, "/style/rampart.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(body.contains("prefers-color-scheme"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn tenant_page_explains_the_score_and_shows_compliance(pool: PgPool) {
    let mut app = app_with_history(&pool).await;
    let (status, _, body) = get(&mut app, "/tenants/platform").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Why this score"));
    assert!(body.contains("Compliance") && body.contains("Not assessable"));
    assert!(body.contains("First seen"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn pages_read_the_past_with_at_and_refuse_a_malformed_at(pool: PgPool) {
    let mut app = app_with_history(&pool).await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(90)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, _, body) = get(&mut app, &format!("/?at={past}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Showing the state as of"));
    assert!(body.contains("/tenants/platform?at="), "links keep the instant");
    let (status, _, body) = get(&mut app, "/tenants/platform?at=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("?at=yesterday is not a time"));
    let (status, _, body) = get(&mut app, "/?at=2000-01-01T00:00:00Z").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Showing the state as of"));
}
