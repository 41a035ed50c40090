//! Local users, web sessions and the audit events their changes leave.

use chrono::{Duration, Utc};
use db::PgPool;
use serde_json::json;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn user_changes_are_audited_and_a_taken_name_is_refused(pool: PgPool) {
    db::users::add(&pool, "root", "ana", "$argon2id$stub", &["nlp-leads".into()]).await.unwrap();
    let again = db::users::add(&pool, "root", "ana", "$argon2id$other", &[]).await.unwrap_err();
    assert!(again.to_string().contains("already exists"));
    db::users::set_password(&pool, "root", "ana", "$argon2id$new").await.unwrap();
    assert_eq!(db::users::find(&pool, "ana").await.unwrap().unwrap().password_hash, "$argon2id$new");
    db::users::remove(&pool, "root", "ana").await.unwrap();
    assert!(db::users::find(&pool, "ana").await.unwrap().is_none());
    assert!(matches!(db::users::remove(&pool, "root", "ana").await, Err(db::Error::NotFound(_))));
    let actions: Vec<String> = db::audit::recent(&pool, Utc::now() - Duration::hours(1), 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["user.removed", "user.password-changed", "user.added"]);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn expired_sessions_are_invisible_and_maintenance_deletes_them(pool: PgPool) {
    let data = json!({ "csrf": "t" });
    assert!(db::sessions::create(&pool, "live", &data, Utc::now() + Duration::hours(1)).await.unwrap());
    assert!(!db::sessions::create(&pool, "live", &data, Utc::now()).await.unwrap(), "a taken key is not overwritten");
    db::sessions::save(&pool, "old", &data, Utc::now() - Duration::minutes(1)).await.unwrap();
    assert_eq!(db::sessions::load(&pool, "live").await.unwrap().unwrap().0, data);
    assert!(db::sessions::load(&pool, "old").await.unwrap().is_none());
    let report =
        db::maintenance::run_maintenance(&pool, db::maintenance::Retention::default(), Utc::now()).await.unwrap();
    assert_eq!(report.expired_sessions, 1);
    assert!(db::sessions::load(&pool, "live").await.unwrap().is_some());
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn maintenance_deletes_sign_in_attempts_older_than_a_day(pool: PgPool) {
    let since = Utc::now() - Duration::minutes(15);
    assert_eq!(db::login_attempts::record(&pool, "10.0.0.1", "digest", since).await.unwrap(), 1);
    assert_eq!(db::login_attempts::record(&pool, "10.0.0.1", "digest", since).await.unwrap(), 2);
    let today = db::maintenance::run_maintenance(&pool, db::maintenance::Retention::default(), Utc::now()).await;
    assert_eq!(today.unwrap().old_login_attempts, 0, "fresh attempts are kept");
    let later = Utc::now() + Duration::days(2);
    let report = db::maintenance::run_maintenance(&pool, db::maintenance::Retention::default(), later).await.unwrap();
    assert_eq!(report.old_login_attempts, 2);
}
