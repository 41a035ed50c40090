//! Alerts against a local webhook receiver: raised once per key, retried through failures,
//! recorded with their delivery status, in each webhook's format, and shown within the scope.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use common::web::{config, signed_in};
use db::{PgPool, Scope};
use server::config::{AlertsConfig, AuthMode, WebhookConfig, WebhookFormat};

/// A webhook receiver that fails its first `failures` requests with a 500.
#[derive(Clone, Default)]
struct Receiver {
    bodies: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    failures: Arc<Mutex<u32>>,
}

async fn start(receiver: Receiver) -> String {
    let app = axum::Router::new().route(
        "/{hook}",
        axum::routing::post(
            |axum::extract::State(r): axum::extract::State<Receiver>,
             axum::extract::Path(hook): axum::extract::Path<String>,
             body: String| async move {
                let mut failures = r.failures.lock().unwrap();
                if *failures > 0 {
                    *failures -= 1;
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                r.bodies.lock().unwrap().push((hook, serde_json::from_str(&body).unwrap()));
                StatusCode::OK
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app.with_state(receiver)).await.unwrap() });
    url
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn alerts_are_delivered_once_with_retries_and_shown_within_the_scope(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 2).await.unwrap();
    let receiver = Receiver { failures: Arc::new(Mutex::new(1)), ..Default::default() };
    let url = start(receiver.clone()).await;
    let hook =
        |name: &str, format| WebhookConfig { name: name.into(), url: format!("{url}/{name}").parse().unwrap(), format };
    let alerts = AlertsConfig {
        new_critical: true,
        quota_percent: Some(80.0),
        webhook: vec![
            hook("generic", WebhookFormat::Json),
            hook("chat", WebhookFormat::Slack),
            hook("teams", WebhookFormat::Teams),
        ],
        ..Default::default()
    };
    let raised = server::jobs::alerts::check_once(&pool, &alerts, Duration::from_millis(10)).await.unwrap();
    assert!(!raised.is_empty(), "the simulated cluster has new critical findings");
    let again = server::jobs::alerts::check_once(&pool, &alerts, Duration::from_millis(10)).await.unwrap();
    assert!(again.is_empty(), "nothing is raised twice");

    let bodies = receiver.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), raised.len() * 3, "every alert reached every webhook once");
    assert!(
        bodies.iter().filter(|(h, _)| h == "chat").all(|(_, b)| b["text"].as_str().unwrap().starts_with("[Rampart] "))
    );
    assert!(bodies.iter().filter(|(h, _)| h == "teams").all(|(_, b)| b["@type"] == "MessageCard"));
    assert!(
        bodies.iter().filter(|(h, _)| h == "generic").all(|(_, b)| b["source"] == "rampart" && b["kind"].is_string())
    );

    let rows = db::alerts::list(&pool, &Scope::AllTenants, 500).await.unwrap();
    assert_eq!(rows.len(), raised.len());
    let retried: Vec<_> = rows.iter().flat_map(|r| &r.deliveries).filter(|d| d.ends_with("sent (2)")).collect();
    assert_eq!(retried.len(), 1, "the one failed request was retried and then sent");
    assert!(rows.iter().flat_map(|r| &r.deliveries).all(|d| d.contains(": sent (")));

    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let page = signed_in(&app, "sergio").await.get("/alerts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-kind=\"new-critical\"") && page.body.contains("sent ("));
    let mut lead = signed_in(&app, "nadia").await;
    let own = lead.get("/alerts").await.body;
    for row in rows.iter().filter(|r| r.tenant.as_deref().is_some_and(|t| t != "nlp")) {
        assert!(!own.contains(&row.summary), "a lead does not see {}", row.summary);
    }
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn an_unreachable_webhook_is_recorded_as_failed_after_every_attempt(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 1).await.unwrap();
    let dead = WebhookConfig {
        name: "dead".into(),
        url: "http://127.0.0.1:9/hook".parse().unwrap(),
        format: WebhookFormat::Json,
    };
    let alerts = AlertsConfig { new_critical: true, webhook: vec![dead], ..Default::default() };
    let raised = server::jobs::alerts::check_once(&pool, &alerts, Duration::from_millis(5)).await.unwrap();
    assert!(!raised.is_empty());
    let rows = db::alerts::list(&pool, &Scope::AllTenants, 10).await.unwrap();
    assert!(rows.iter().all(|r| r.deliveries == [format!("dead: failed ({})", server::jobs::alerts::ATTEMPTS)]));
}
