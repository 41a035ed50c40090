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
