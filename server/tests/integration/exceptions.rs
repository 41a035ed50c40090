//! Exceptions through the web: a tenant lead requests one for their own tenant only, the
//! security team approves and revokes, and every step is in the audit log.

use crate::common;

use axum::http::{StatusCode, header};
use common::web::{config, signed_in};
use db::PgPool;
use leptos::server_fn::ServerFn;
use server::config::AuthMode;

use app::api::exceptions::{ApproveException, RequestException, RevokeException};

fn request_fields<'a>(tenant: &'a str, justification: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("rule_id", "pod.privileged"),
        ("tenant", tenant),
        ("namespace", ""),
        ("object_kind", ""),
        ("object_name", ""),
        ("justification", justification),
        ("expires_in_days", "30"),
    ]
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_lead_requests_for_their_tenant_and_security_approves_then_revokes(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 1).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;

    let mut lead = signed_in(&app, "nadia").await;
    let form = lead.get("/exceptions?rule=pod.privileged&tenant=nlp").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<option value=\"nlp\" selected"), "the form is prefilled from the link");
    assert!(!form.body.contains("<option value=\"vision\""), "only the lead's tenants are offered");
    let page = lead.post_form(RequestException::url(), &request_fields("nlp", "GPU driver installer needs it")).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert!(!page.headers[header::LOCATION].to_str().unwrap().contains("__err"));

    let refused = lead.post_form(RequestException::url(), &request_fields("vision", "not my tenant at all")).await;
    let location = refused.headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(location.contains("__err="), "{location}");
    let shown = lead.get(location.trim_start_matches(common::web::ORIGIN)).await;
    assert!(shown.body.contains("you may not request exceptions for tenant"), "the error is shown on the page");

    let body = "rule_id=pod.privileged&tenant=vision&justification=not+my+tenant+at+all&expires_in_days=30";
    let api_call = axum::http::Request::post(RequestException::url())
        .header(header::ORIGIN, common::web::ORIGIN)
        .header("x-csrf-token", lead.csrf.clone().unwrap())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .unwrap();
    let answer = lead.send(api_call).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "an API client gets the status: {}", answer.body);
    let malformed = axum::http::Request::post(ApproveException::url())
        .header(header::ORIGIN, common::web::ORIGIN)
        .header("x-csrf-token", lead.csrf.clone().unwrap())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("exception_id=not-a-number"))
        .unwrap();
    assert_eq!(lead.send(malformed).await.status, StatusCode::BAD_REQUEST, "malformed input is a 400");
    let id = db::exceptions::list(&pool, &db::Scope::AllTenants).await.unwrap();
    assert_eq!(id.len(), 1, "the refused request stored nothing");
    let id = id[0].exception_id.to_string();
    let listed = lead.get("/exceptions").await;
    assert!(listed.body.contains("data-status=\"pending\""));
    assert!(!listed.body.contains(ApproveException::url()), "a lead gets no approve button");
    let page = lead.post_form(ApproveException::url(), &[("exception_id", &id)]).await;
    assert!(page.headers[header::LOCATION].to_str().unwrap().contains("__err="), "a lead cannot approve");

    let mut security = signed_in(&app, "sergio").await;
    security.get("/exceptions").await;
    let page = security.post_form(ApproveException::url(), &[("exception_id", &id)]).await;
    assert!(!page.headers[header::LOCATION].to_str().unwrap().contains("__err"));
    assert!(security.get("/exceptions").await.body.contains("data-status=\"active\""));
    security.post_form(RevokeException::url(), &[("exception_id", &id)]).await;
    assert!(security.get("/exceptions").await.body.contains("data-status=\"revoked\""));

    let audit = security.get("/audit").await.body;
    for action in ["exception.requested", "exception.approved", "exception.revoked"] {
        assert!(audit.contains(&format!("data-action=\"{action}\"")), "{action} is audited");
    }
    assert!(
        !signed_in(&app, "victor").await.get("/exceptions").await.body.contains("GPU driver installer"),
        "other leads do not see it"
    );
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn auditors_read_the_audit_log_and_accept_no_risk(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 1).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut auditor = signed_in(&app, "aude").await;
    assert_eq!(auditor.get("/audit").await.status, StatusCode::OK, "auditors read the audit log");
    let page = auditor.get("/exceptions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(RequestException::url()), "an auditor is offered no request form");
    let body = "rule_id=pod.privileged&tenant=nlp&justification=accepting+it+as+the+auditor&expires_in_days=30";
    let api_call = axum::http::Request::post(RequestException::url())
        .header(header::ORIGIN, common::web::ORIGIN)
        .header("x-csrf-token", auditor.csrf.clone().unwrap())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .unwrap();
    let answer = auditor.send(api_call).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert!(db::exceptions::list(&pool, &db::Scope::AllTenants).await.unwrap().is_empty(), "nothing was stored");

    let mut lead = signed_in(&app, "nadia").await;
    assert!(lead.get("/exceptions").await.body.contains(RequestException::url()), "a lead is offered the form");
    let foreign = [
        ("rule_id", "pod.privileged"),
        ("tenant", "nlp"),
        ("namespace", "vision-dev"),
        ("object_kind", ""),
        ("object_name", ""),
        ("justification", "naming the vision team's namespace"),
        ("expires_in_days", "30"),
    ];
    let refused = lead.post_form(RequestException::url(), &foreign).await;
    assert!(refused.headers[header::LOCATION].to_str().unwrap().contains("__err="), "another tenant's namespace");
    assert!(db::exceptions::list(&pool, &db::Scope::AllTenants).await.unwrap().is_empty(), "nothing was stored");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_exceptions_page_shows_only_its_own_words_for_an_error_in_the_link(pool: PgPool) {
    use leptos::server_fn::error::ServerFnUrlError;
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut lead = signed_in(&app, "nadia").await;
    let planted = app::api::AppError::BadRequest("Your account is locked: call +1 555 0100".into());
    let link =
        ServerFnUrlError::new(RequestException::url(), planted).to_url("http://rampart.test/exceptions").unwrap();
    let page = lead.get(&format!("/exceptions?{}", link.query().unwrap())).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("555 0100"), "the link's text is not shown");
    assert!(page.body.contains("The request was not valid"), "the page's own words are");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_exceptions_and_the_audit_log_are_paged(pool: PgPool) {
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    for i in 0..55 {
        let request = db::exceptions::ExceptionRequest {
            rule_id: "pod.privileged".into(),
            tenant: "nlp".into(),
            namespace: None,
            object_kind: None,
            object_name: None,
            justification: format!("accepted risk number {i}"),
            expires_at: chrono::Utc::now() + chrono::Duration::days(7),
            cve: None,
            image_repository: None,
            until_fixed: false,
        };
        db::exceptions::request(&pool, &format!("lead-{}", i % 3), &request).await.unwrap();
    }
    let page_size = db::query::LIST_PAGE_SIZE as usize;
    let mut security = signed_in(&app, "sergio").await;
    let first = security.get("/exceptions").await;
    assert_eq!(first.body.matches("data-status=").count(), page_size, "one page of exceptions");
    assert!(first.body.contains("href=\"/exceptions?page=2\""), "a link to the older ones");
    let second = security.get("/exceptions?page=2").await;
    assert_eq!(second.body.matches("data-status=").count(), 55 - page_size);
    assert!(second.body.contains("href=\"/exceptions\""), "a link back to the newer ones");
    let audit = security.get("/audit").await;
    assert_eq!(audit.body.matches("data-action=").count(), page_size, "one page of the audit log");
    assert!(audit.body.contains("href=\"/audit?page=2\""));
    for bad in ["/exceptions?page=0", "/exceptions?page=x", "/audit?page=99999999"] {
        assert_eq!(security.get(bad).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}
