//! Every server function, called directly as an attacker would, with hostile values for every
//! parameter it may take: instants at the ends of chrono's range, numbers past any sensible
//! range, NUL bytes, names far longer than Kubernetes allows. Each answer is the caller's error
//! (a 4xx), never a panic or a 5xx.

use crate::common;

use axum::http::header;
use common::web::{config, signed_in};
use db::PgPool;
use server::config::AuthMode;

/// Values no parameter should accept, or should survive.
fn hostile_values() -> Vec<String> {
    vec![
        "-262143-01-01T00:00:00Z".into(),
        "+262142-12-31T23:59:59Z".into(),
        "1-01-01T00:00:00Z".into(),
        "4000000000".into(),
        "18446744073709551615".into(),
        "-9223372036854775808".into(),
        "nl\u{0}p".into(),
        "x".repeat(10_000),
        "<script>alert(1)</script>".into(),
        "".into(),
    ]
}

/// Every parameter name a server function takes, once each, with `value`.
fn form_with(value: &str) -> Vec<(&'static str, String)> {
    [
        "at",
        "range_days",
        "tenant",
        "namespace",
        "kind",
        "name",
        "rule_id",
        "framework",
        "control",
        "finding_id",
        "exception_id",
        "object_kind",
        "object_name",
        "justification",
        "expires_in_days",
        "query[severity]",
        "query[namespace]",
        "query[rules][0]",
        "query[sort]",
        "query[page]",
        "page",
    ]
    .into_iter()
    .map(|name| (name, value.to_string()))
    .collect()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn every_server_function_answers_hostile_values_with_a_client_error(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 1).await.unwrap();
    let config = config(Some(AuthMode::Local));
    let app = common::web::app(&pool, &config).await;
    let auth = std::sync::Arc::new(server::auth::Auth::from_config(&config, pool.clone()).unwrap());
    let routes = server::http::route_inventory(server::http::ServerState::new(auth, Default::default()));
    let server_fns: Vec<_> = routes.iter().filter(|r| r.kind == "server-fn").collect();
    assert!(server_fns.len() > 10, "every server function is driven: {}", server_fns.len());
    let mut browser = signed_in(&app, "sergio").await;
    browser.get("/exceptions").await;
    let mut refused = 0;
    for route in &server_fns {
        for value in hostile_values() {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (key, value) in form_with(&value) {
                form.append_pair(key, &value);
            }
            // As an API client: the status is the answer, not a redirect back to a page.
            let request = axum::http::Request::post(route.path.as_str())
                .header(header::ORIGIN, common::web::ORIGIN)
                .header("x-csrf-token", browser.csrf.clone().unwrap())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(form.finish()))
                .unwrap();
            let page = browser.send(request).await;
            let shown: String = value.chars().take(40).collect();
            assert!(
                !page.status.is_server_error(),
                "{} with {shown:?} answered {}: {}",
                route.path,
                page.status,
                page.body
            );
            refused += usize::from(page.status.is_client_error());
        }
    }
    assert!(refused > 0, "hostile values are refused");
}
