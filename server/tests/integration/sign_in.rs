//! Signing in with a password against attackers: attempts counted before the password is
//! checked, concurrent guesses held to the limit, and no session stored for a visitor.

use crate::common;

use axum::http::{StatusCode, header};
use common::web::{Browser, PASSWORD, config};
use db::PgPool;
use server::config::AuthMode;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_login_page_stores_no_session_for_a_visitor(pool: PgPool) {
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let sessions = || async { sqlx::query_as::<_, (i64,)>("select count(*) from web_session").fetch_one(&pool).await };
    for _ in 0..20 {
        let page = Browser::new(app.clone()).get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(common::web::hidden_csrf(&page.body).is_some_and(|t| !t.is_empty()), "the form carries a token");
    }
    assert_eq!(sessions().await.unwrap().0, 0, "visitors of the login page leave no session behind");
    let mut visitor = Browser::new(app.clone());
    let page = visitor.sign_in("sergio", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the form's token still signs in");
    assert_eq!(sessions().await.unwrap().0, 1, "a signed-in user has one");
    let mut forger = Browser::new(app);
    forger.csrf = Some("not-the-cookie".into());
    forger.cookie = Some("rampart_login=another-token".into());
    let refused = forger.post_form("/login", &[("user", "sergio"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "a form token that is not the cookie's is refused");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn concurrent_wrong_passwords_get_no_more_checks_than_the_limit(pool: PgPool) {
    let mut config = config(Some(AuthMode::Local));
    config.auth.max_failed_logins = 10;
    let app = common::web::app(&pool, &config).await;
    let mut attacker = Browser::new(app.clone());
    attacker.get("/login").await;
    let attempts = (0..60).map(|i| {
        let mut browser = attacker.clone();
        async move {
            let password = format!("wrong password {i}");
            let fields = [("user", "adele"), ("password", password.as_str()), ("next", "/")];
            browser.post_form("/login", &fields).await.status
        }
    });
    let answers = futures::future::join_all(attempts).await;
    let checked = answers.iter().filter(|status| **status == StatusCode::SEE_OTHER).count();
    let refused = answers.iter().filter(|status| **status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + refused, 60, "{answers:?}");
    assert!(checked <= 10, "{checked} passwords were checked, the limit is 10");
    let (failed,): (i64,) = sqlx::query_as("select count(*) from audit_event where action = 'login.failed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failed as usize, checked, "every checked attempt is audited");

    let mut elsewhere = Browser::new(app);
    elsewhere.peer = "127.0.0.9:40000".parse().unwrap();
    assert_eq!(elsewhere.sign_in("adele", PASSWORD).await.status, StatusCode::SEE_OTHER, "another address may");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn repeated_failed_sign_ins_from_one_address_are_slowed_down_and_audited(pool: PgPool) {
    let mut config = config(Some(AuthMode::Local));
    config.auth.max_failed_logins = 3;
    let app = common::web::app(&pool, &config).await;
    let mut attacker = Browser::new(app.clone());
    for _ in 0..3 {
        let page = attacker.sign_in("adele", "wrong password!").await;
        assert_eq!(page.headers[header::LOCATION], "/login?error=credentials&next=%2F");
    }
    let page = attacker.sign_in("adele", PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(page.headers.contains_key(header::RETRY_AFTER));

    let mut elsewhere = Browser::new(app.clone());
    elsewhere.peer = "127.0.0.2:40000".parse().unwrap();
    assert_eq!(
        elsewhere.sign_in("adele", PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "other addresses are unaffected"
    );
    let page = elsewhere.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("data-action=\"login.failed\"").count(), 3);
    assert!(page.body.contains("data-action=\"login\""));
    assert!(!page.body.contains("wrong password"), "no password is ever recorded");
}
