//! What every sign-in method shares: the session keys, the random tokens sessions and links are
//! made of, and [`start_session`], which every method (password, OIDC, proxy, one-time link)
//! ends in.

use base64::Engine;
use rand::RngCore;
use tower_sessions::Session;

use super::identity::Identity;
use super::{Auth, ClientAddr};

/// Session key of the signed-in [`Identity`].
pub const IDENTITY_KEY: &str = "identity";
/// Session key of the anti-forgery token.
pub const CSRF_KEY: &str = "csrf";

/// A random URL-safe token with 256 bits of entropy.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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
