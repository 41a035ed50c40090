//! What every sign-in method shares: the session keys, and [`start_session`], which every
//! method (password, OIDC, proxy, one-time link) ends in.

use tower_sessions::Session;

use super::identity::Identity;
use super::state::{Auth, ClientAddr};
use super::tokens::random_token;

/// Session key of the signed-in [`Identity`].
pub const IDENTITY_KEY: &str = "identity";
/// Session key of the anti-forgery token.
pub const CSRF_KEY: &str = "csrf";

/// The cookie holding the sign-in form's anti-forgery token before anyone has signed in: the
/// login page stores nothing server-side for a visitor, so the form's token is checked against
/// this cookie (sent only to `/login`, and only by this site's own pages: `SameSite=Strict`).
pub const LOGIN_TOKEN_COOKIE: &str = "rampart_login";

/// The sign-in form's token from the request's `Cookie` header, if it carries one.
pub fn login_token(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == LOGIN_TOKEN_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The `Set-Cookie` value that gives a visitor the sign-in form's token.
pub fn login_token_cookie(token: &str, tls: bool) -> String {
    let secure = if tls { "; Secure" } else { "" };
    format!("{LOGIN_TOKEN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}")
}

/// Starts a signed-in session for `identity`: a new session id (no fixation), a new
/// anti-forgery token, and a `login` audit event.
pub async fn start_session(
    auth: &Auth,
    session: &Session,
    identity: &Identity,
    client: ClientAddr,
) -> anyhow::Result<()> {
    session.cycle_id().await?;
    session.insert(IDENTITY_KEY, identity).await?;
    session.insert(CSRF_KEY, random_token()).await?;
    let source = client.text();
    let entry = db::audit::AuditEntry {
        actor: &identity.user,
        action: "login",
        subject: "session",
        source_addr: source.as_deref(),
        ..Default::default()
    };
    db::audit::record(&auth.pool, &entry).await?;
    tracing::info!(user = identity.user, "signed in");
    Ok(())
}
