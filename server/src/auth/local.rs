//! Signing in with a local user's password, and signing out.

use std::sync::Arc;

use crate::form::ValidForm;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::identity::Identity;
use super::session::{IDENTITY_KEY, start_session};
use super::state::{Auth, ClientAddr, Method};
use crate::error::HttpError;

/// The window failed sign-ins are counted in, per client address.
pub const FAILED_LOGIN_WINDOW_MINUTES: i64 = 15;

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: checks the password, then starts a session under a new id.
pub async fn login(
    State(auth): State<Arc<Auth>>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
    ValidForm(form): ValidForm<LoginForm>,
) -> Response {
    if !matches!(auth.method, Method::Local) {
        return HttpError::NotFound("password sign-in is not enabled".into()).into_response();
    }
    let source = client.text().unwrap_or_else(|| "unknown".into());
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::minutes(FAILED_LOGIN_WINDOW_MINUTES);
    // Counted before the password is checked, per client address and typed name (a digest of
    // it), so concurrent attempts cannot race past the limit and one address behind a proxy is
    // not one budget for everyone.
    let attempted = super::tokens::digest(form.user.trim());
    match db::login_attempts::record(&auth.pool, &source, &attempted, since).await {
        Ok(count) if count > i64::from(auth.config.max_failed_logins) => {
            tracing::warn!(source, count, "sign-in refused: too many failures");
            let message = "too many failed sign-ins; wait and try again".to_string();
            let retry_after_secs = (FAILED_LOGIN_WINDOW_MINUTES * 60).unsigned_abs();
            return HttpError::TooManyRequests { message, retry_after_secs }.into_response();
        }
        Ok(_) => {}
        Err(error) => return HttpError::session(error).into_response(),
    }
    let user = match db::users::find(&auth.pool, form.user.trim()).await {
        Ok(user) => user,
        Err(error) => return HttpError::session(error).into_response(),
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let known = user.is_some();
    let password = form.password;
    let verified = super::password::verify_bounded(password, stored).await;
    let next = if domain::access::is_local_path(&form.next) { form.next } else { "/".into() };
    let Some(user) = user.filter(|_| verified) else {
        // The attempted name is recorded only when it is a user's: a password typed into the
        // name field must not end up in the audit log.
        let actor = if known { form.user.trim().to_string() } else { "unknown user".into() };
        let entry = db::audit::AuditEntry {
            actor: &actor,
            action: "login.failed",
            subject: "session",
            source_addr: Some(&source),
            ..Default::default()
        };
        if let Err(error) = db::audit::record(&auth.pool, &entry).await {
            return HttpError::session(error).into_response();
        }
        let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        return Redirect::to(&format!("/login?error=credentials&next={next}")).into_response();
    };
    if let Err(error) = db::login_attempts::forget(&auth.pool, &source, &attempted).await {
        return HttpError::session(error).into_response();
    }
    let identity = Identity::signed_in_now(user.name, user.groups);
    if let Err(error) = start_session(&auth, &session, &identity, client).await {
        return HttpError::session(error).into_response();
    }
    Redirect::to(&next).into_response()
}

/// `POST /logout`: ends the session (its row is deleted) and records it.
pub async fn logout(
    State(auth): State<Arc<Auth>>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
) -> Response {
    let identity: Option<Identity> = session.get(IDENTITY_KEY).await.ok().flatten();
    if let Some(identity) = identity {
        let source = client.text();
        let entry = db::audit::AuditEntry {
            actor: &identity.user,
            action: "logout",
            subject: "session",
            source_addr: source.as_deref(),
            ..Default::default()
        };
        if let Err(error) = db::audit::record(&auth.pool, &entry).await {
            return HttpError::session(error).into_response();
        }
    }
    if let Err(error) = session.flush().await {
        return HttpError::session(error).into_response();
    }
    Redirect::to("/login").into_response()
}
