//! A report states the period asked for and the period its data covers, derives "on schedule"
//! from its collections, calls a tenant new only when there was data at the start, and shows
//! nothing from after its end. The dashboard's form asks for any days.

use crate::common;

use axum::http::StatusCode;
use common::web::{config, signed_in};
use db::{PgPool, Scope};
use server::config::AuthMode;
use server::reports::ReportRequest;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_report_states_the_period_its_data_covers_and_nothing_after_its_end(pool: PgPool) {
    // Six hourly collections, the last an hour ago: far less than the 30 days asked for.
    server::commands::demo::backfill(&pool, &common::small_cluster(80), 6).await.unwrap();
    let now = chrono::Utc::now();
    let asked = ReportRequest {
        tenants: vec![],
        frameworks: vec!["pss".into()],
        from: now - chrono::Duration::days(30),
        to: now,
    };
    let by = server::reports::Requester { name: "auditor@example.test", ..Default::default() };
    let stored = server::reports::generate_and_store(&pool, &Scope::AllTenants, &asked, &by).await.unwrap();
    // Table cells wrap: read the words in order.
    let text = common::pdf_text(&stored.bytes).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("(asked)"), "the period asked for");
    // The title page's two columns interleave in pdftotext: the words are there, in its cells.
    assert!(text.contains("Data") && text.contains("(6") && text.contains("collections)"), "the data's own period");
    assert!(
        !text.contains("collected on its interval from the start of the period"),
        "not on schedule: data began late"
    );
    assert!(text.contains("not collected on their interval throughout the period"));
    assert!(
        text.contains("no data at the start") && !text.contains(" new "),
        "no tenant is 'new' without data at the start"
    );

    // A report ending three hours ago shows no collection after its end.
    let earlier = ReportRequest { to: now - chrono::Duration::hours(3), ..asked.clone() };
    let data = server::reports::build::report_data(&pool, &Scope::AllTenants, &earlier, "test").await.unwrap();
    let cluster = &data.clusters[0];
    assert!(cluster.last_collection.is_some_and(|last| last <= earlier.to), "{cluster:?}");
    assert_eq!(cluster.collections, 4, "the collections within the period only (6, 5, 4 and 3 hours ago)");
    assert_eq!(cluster.missed_intervals, 0);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_dashboard_form_asks_for_any_days_and_refuses_bad_ones_in_words(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(60), 4).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut security = signed_in(&app, "sergio").await;
    let form = security.get("/reports").await;
    assert!(form.body.contains("name=\"from\"") && form.body.contains("name=\"to\""), "the form has from and to");
    let csrf = common::web::hidden_csrf(&form.body).unwrap();
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(2)).to_string();
    let ok = security
        .post_form("/reports", &[("csrf", &csrf), ("framework", "pss"), ("from", &from), ("to", &today.to_string())])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let (period_from,): (chrono::DateTime<chrono::Utc>,) =
        sqlx::query_as("select period_from from report order by report_id desc limit 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(period_from.date_naive().to_string(), from, "the days asked for");
    let backwards =
        security.post_form("/reports", &[("csrf", &csrf), ("from", &today.to_string()), ("to", &from)]).await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert!(backwards.body.contains("starts") && backwards.body.contains("after it ends"), "{}", backwards.body);
    let garbled = security.post_form("/reports", &[("csrf", &csrf), ("from", "last week")]).await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert!(garbled.body.contains("is not a date"), "{}", garbled.body);
}
