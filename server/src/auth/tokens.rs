//! Random tokens (sessions' anti-forgery tokens, one-time links, API tokens), and the viewer an
//! API token stands for. An API token is `rpt_` and 256 random bits (`rampart token create`
//! makes one); only its SHA-256 is stored.

use base64::Engine;
use domain::access::{Role, Viewer};
use rand::RngCore;

/// A random URL-safe token with 256 bits of entropy.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The digest a token is stored and looked up by: SHA-256, in hex.
pub fn digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The viewer an API token stands for; `None` when unknown or revoked.
pub async fn viewer_for_token(pool: &db::PgPool, token: &str) -> db::Result<Option<Viewer>> {
    let Some(row) = db::tokens::find_active(pool, &digest(token)).await? else { return Ok(None) };
    let Ok(role) = row.role.parse::<Role>() else { return Ok(None) };
    let tenants = if role == Role::TenantLead { row.tenants } else { Vec::new() };
    Ok(Some(Viewer { user: format!("token:{}", row.name), role, tenants }))
}
