//! Numbers with a scale: every chart names its axes and units and states the period it covers
//! (the period asked for, and the one the data holds when it starts later), and every
//! percentage says of what.

use crate::common;

use axum::http::StatusCode;
use common::web::{config, signed_in};
use db::PgPool;
use server::config::AuthMode;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn charts_state_axes_units_and_period_and_percentages_say_of_what(pool: PgPool) {
    // Thirty hours of history: far less than the 30 days the tenant page's trend asks for, and
    // over two days whatever the hour the test runs (the 30-day trend has a point per day).
    server::commands::demo::backfill(&pool, &common::small_cluster(120), 30).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut security = signed_in(&app, "sergio").await;

    let tenant = security.get("/tenants/nlp").await;
    assert_eq!(tenant.status, StatusCode::OK);
    assert!(tenant.body.contains("Asked: the last 30 days. Shown: "), "the trend states its period");
    let at = tenant.body.find("Asked: the last").unwrap();
    assert!(
        tenant.body[at..].contains("; nothing earlier is stored."),
        "the data starts later: {}",
        &tenant.body[at..at + 200]
    );
    assert!(tenant.body.contains("date (UTC)"), "the time axis is named with its zone");
    assert!(tenant.body.contains("risk score") && tenant.body.contains("open findings"), "the value axes are named");
    assert!(tenant.body.contains("Risk score (0–100) of nlp, "), "the score chart's title states its scale");
    for label in ["% of assessable controls passed", "% of hard limit free", "Share of the score"] {
        assert!(tenant.body.contains(label), "the tenant page says what its percentage is of: {label}");
    }

    let overview = security.get("/").await;
    assert!(overview.body.contains("PSS, CIS and NSA: the share of assessable controls that pass."), "overview");
    let compliance = security.get("/compliance").await;
    assert!(compliance.body.contains("% of assessable controls passed"), "compliance page");
    let gpu = security.get("/gpu").await;
    assert!(gpu.body.contains("% busy, of reporting GPUs"), "GPU page");
}
