//! Compliance reports end to end: generated from stored history, read back with `pdftotext`,
//! refused on bad input, exported through the web within the viewer's scope, signed and verified.

use crate::common;

use std::process::Command;

use axum::http::{StatusCode, header};
use common::web::{config, signed_in};
use db::{PgPool, Scope};
use server::config::AuthMode;
use server::reports::{ReportError, ReportRequest, Requester, generate_and_store};

fn last_days(days: i64) -> ReportRequest {
    let to = chrono::Utc::now();
    ReportRequest { tenants: vec![], frameworks: vec![], from: to - chrono::Duration::days(days), to }
}

async fn history(pool: &PgPool) {
    server::commands::demo::backfill(pool, &common::small_cluster(100), 13).await.unwrap();
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn reports_for_one_tenant_and_for_all_read_back_with_scope_scores_and_controls(pool: PgPool) {
    history(&pool).await;
    let by = Requester { name: "auditor@example.test", ..Default::default() };
    let one = ReportRequest { tenants: vec!["vision".into()], ..last_days(7) };
    let stored = generate_and_store(&pool, &Scope::AllTenants, &one, &by).await.unwrap();
    let text = common::pdf_text(&stored.bytes);
    let vision = db::query::tenant_overview(&pool, &Scope::Tenants(vec!["vision".into()]), None).await.unwrap();
    assert!(text.contains("Compliance report: tenant vision") && text.contains("auditor@example.test"));
    assert!(text.contains(&format!("{:.1}", vision[0].score)), "the tenant's score");
    for framework in domain::frameworks::frameworks() {
        for control in framework.controls {
            assert!(text.contains(control.id), "control {}:{} is in the report", framework.id, control.id);
        }
    }
    assert!(text.contains(&stored.snapshot_sha256[..16]), "the snapshot digest is in the footer");
    for other in ["nlp", "recsys", "speech"] {
        assert!(!text.contains(other), "only vision is covered, not {other}");
    }

    let all = generate_and_store(&pool, &Scope::AllTenants, &last_days(7), &by).await.unwrap();
    let text = common::pdf_text(&all.bytes);
    for tenant in db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap() {
        assert!(text.contains(&tenant.tenant), "{} is covered", tenant.tenant);
    }
    let stored_again = db::reports::get(&pool, &Scope::AllTenants, all.report_id).await.unwrap().unwrap();
    assert_eq!(stored_again.1, all.bytes, "the stored bytes are the file");
    assert_eq!(stored_again.0.snapshot_sha256, all.snapshot_sha256);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn bad_requests_are_refused_clearly_and_store_nothing(pool: PgPool) {
    history(&pool).await;
    let by = Requester { name: "cli", ..Default::default() };
    let cases = [
        (ReportRequest { tenants: vec!["nobody".into()], ..last_days(7) }, "unknown tenant \"nobody\""),
        (ReportRequest { frameworks: vec!["iso".into()], ..last_days(7) }, "unknown framework \"iso\""),
        (
            ReportRequest {
                from: chrono::Utc::now(),
                to: chrono::Utc::now() - chrono::Duration::days(1),
                ..last_days(7)
            },
            "is not before",
        ),
        (
            ReportRequest {
                from: chrono::Utc::now() - chrono::Duration::days(400),
                to: chrono::Utc::now() - chrono::Duration::days(300),
                ..last_days(7)
            },
            "the period is empty",
        ),
    ];
    for (request, message) in cases {
        let error = generate_and_store(&pool, &Scope::AllTenants, &request, &by).await.unwrap_err();
        assert!(error.to_string().contains(message), "{error}");
    }
    let lead = Scope::Tenants(vec!["nlp".into()]);
    let foreign = ReportRequest { tenants: vec!["vision".into()], ..last_days(7) };
    assert!(matches!(generate_and_store(&pool, &lead, &foreign, &by).await, Err(ReportError::UnknownTenant(_))));
    assert!(db::reports::list(&pool, &Scope::AllTenants).await.unwrap().is_empty(), "nothing was stored");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_lead_exports_and_downloads_only_their_own_tenants(pool: PgPool) {
    history(&pool).await;
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut nadia = signed_in(&app, "nadia").await;
    nadia.get("/tenants/nlp").await;
    let page = nadia.post_form("/reports", &[("tenant", "nlp"), ("framework", "")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.headers[header::LOCATION].to_str().unwrap().to_string();
    let download = nadia.get(&location).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(download.body.starts_with("%PDF-"));
    assert_eq!(nadia.post_form("/reports", &[("tenant", "vision")]).await.status, StatusCode::NOT_FOUND);
    let everything_mine = nadia.post_form("/reports", &[("tenant", "")]).await;
    assert_eq!(everything_mine.status, StatusCode::SEE_OTHER);
    let rows = db::reports::list(&pool, &Scope::AllTenants).await.unwrap();
    assert!(rows.iter().all(|r| r.tenants == ["nlp"]), "a lead's reports cover only their tenant: {rows:?}");
    let listed = nadia.get("/reports").await;
    assert_eq!(listed.body.matches("data-report=").count(), 2);

    let mut victor = signed_in(&app, "victor").await;
    assert_eq!(victor.get(&location).await.status, StatusCode::NOT_FOUND, "another lead cannot download it");
    assert_eq!(victor.get("/reports").await.body.matches("data-report=").count(), 0);
    let mut sergio = signed_in(&app, "sergio").await;
    assert_eq!(sergio.get(&location).await.status, StatusCode::OK, "security reads every report");
    let audit = sergio.get("/audit").await.body;
    assert_eq!(audit.matches("data-action=\"report.exported\"").count(), 2);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_cli_signs_reports_and_verify_catches_tampering(pool: PgPool) {
    history(&pool).await;
    let (database,): (String,) = sqlx::query_as("select current_database()").fetch_one(&pool).await.unwrap();
    let base = std::env::var("DATABASE_URL").unwrap();
    let url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
    let dir = common::temp_dir("report-cli");
    let rampart = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RAMPART_CONFIG", dir.join("rampart.toml"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    std::fs::write(dir.join("rampart.toml"), "").unwrap();
    let key = dir.join("signing.pem");
    let made = rampart(&["report", "keygen", "--out", key.to_str().unwrap()]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    std::fs::write(dir.join("rampart.toml"), format!("[reports]\nsigning_key = \"{}\"\n", key.display())).unwrap();

    let out = dir.join("vision.pdf");
    let made = rampart(&["report", "--tenant", "vision", "--framework", "cis", "--out", out.to_str().unwrap()]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(String::from_utf8_lossy(&made.stdout).contains("signed"));
    let checked = rampart(&["report", "verify", out.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success() && said.contains("signature: valid, by the trusted key"), "{said}");
    assert!(said.contains("stored: report #"), "{said}");

    let mut bytes = std::fs::read(&out).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    let tampered = dir.join("tampered.pdf");
    std::fs::write(&tampered, &bytes).unwrap();
    let checked = rampart(&["report", "verify", tampered.to_str().unwrap()]);
    assert_eq!(checked.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("signature: INVALID"));

    let refused = dir.join("refused.pdf");
    let failed =
        rampart(&["report", "--all", "--from", "2026-11-20", "--to", "2026-11-10", "--out", refused.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("is not before"));
    assert!(!refused.exists(), "no file is written on failure");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_due_schedule_makes_its_report_once(pool: PgPool) {
    history(&pool).await;
    let schedule = server::config::ReportSchedule {
        name: "new-year".into(),
        cron: "0 0 1 1 *".parse().unwrap(),
        tenants: vec!["nlp".into()],
        frameworks: vec!["pss".into()],
        period_days: 1,
    };
    let started = chrono::Utc::now() - chrono::Duration::days(400); // a 1 January has passed since
    let made = server::jobs::report_schedule::run_if_due(&pool, &schedule, None, started).await.unwrap();
    let id = made.expect("the schedule was due");
    let again = server::jobs::report_schedule::run_if_due(&pool, &schedule, None, started).await.unwrap();
    assert_eq!(again, None, "not due again until next 1 January");
    let rows = db::reports::list(&pool, &Scope::AllTenants).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].report_id, rows[0].schedule.as_deref()), (id, Some("new-year")));
    assert_eq!(rows[0].frameworks, ["pss"]);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn reports_from_the_dashboard_are_limited_per_person_per_hour(pool: PgPool) {
    history(&pool).await;
    let mut config = config(Some(AuthMode::Local));
    config.reports.web_reports_per_hour = 1;
    let app = common::web::app(&pool, &config).await;
    let mut nadia = signed_in(&app, "nadia").await;
    nadia.get("/tenants/nlp").await;
    let first = nadia.post_form("/reports", &[("tenant", "nlp"), ("framework", "")]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let second = nadia.post_form("/reports", &[("tenant", "nlp"), ("framework", "")]).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS, "{}", second.body);
    assert!(second.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(db::reports::list(&pool, &Scope::AllTenants).await.unwrap().len(), 1, "the refused one made nothing");
    let mut sergio = signed_in(&app, "sergio").await;
    sergio.get("/tenants/nlp").await;
    let other = sergio.post_form("/reports", &[("tenant", "nlp"), ("framework", "")]).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "another person has their own share");
}
