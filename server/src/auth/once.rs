//! `rampart demo`'s sign-in: a one-time link printed on the console (and written to
//! `<data-dir>/demo-login-link`). Each link signs in once, within 15 minutes; redeeming one
//! prints the next.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::identity::Identity;
use super::session::{random_token, start_session};
use super::{Auth, ClientAddr, Method};
use crate::error::HttpError;

/// How long an unused link stays valid.
pub const LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The group a one-time link signs into; the demo maps it to the admin role.
pub const DEMO_GROUP: &str = "rampart-demo";

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Outstanding links, by the digest of their token, and where to announce new ones.
#[derive(Debug)]
pub struct OneTimeLinks {
    pending: Mutex<HashMap<[u8; 32], Instant>>,
    base_url: String,
    announce_file: Option<std::path::PathBuf>,
}

impl OneTimeLinks {
    /// Links on `base_url` (`http://127.0.0.1:3000`), each also written to `announce_file`.
    pub fn new(base_url: String, announce_file: Option<std::path::PathBuf>) -> Arc<Self> {
        Arc::new(OneTimeLinks { pending: Mutex::new(HashMap::new()), base_url, announce_file })
    }

    /// Makes a new link, prints it and writes it to the announce file.
    pub fn issue(&self) -> String {
        let token = random_token();
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|_, issued| issued.elapsed() < LINK_LIFETIME);
            pending.insert(digest(&token), Instant::now());
        }
        let link = format!("{}/auth/once/{token}", self.base_url);
        eprintln!("demo: sign in with this one-time link (valid 15 minutes): {link}");
        if let Some(file) = &self.announce_file
            && let Err(error) = write_private(file, &link)
        {
            eprintln!("demo: cannot write the sign-in link to {}: {error}", file.display());
        }
        link
    }

    /// Uses up `token`; true when it was outstanding and fresh.
    fn redeem(&self, token: &str) -> bool {
        let Ok(mut pending) = self.pending.lock() else { return false };
        pending.remove(&digest(token)).is_some_and(|issued| issued.elapsed() < LINK_LIFETIME)
    }
}

fn write_private(file: &std::path::Path, link: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut out = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(file)?;
    writeln!(out, "{link}")
}

/// `GET /auth/once/{token}`: signs in as the demo administrator.
pub async fn redeem(
    State(auth): State<Arc<Auth>>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
    Path(token): Path<String>,
) -> Response {
    let Method::OneTimeLink(links) = &auth.method else { return Redirect::to("/login").into_response() };
    if !links.redeem(&token) {
        return Redirect::to("/login?error=link").into_response();
    }
    let identity =
        Identity { user: "demo".into(), groups: vec![DEMO_GROUP.into()], signed_in_at: chrono::Utc::now().timestamp() };
    if let Err(error) = start_session(&auth, &session, &identity, client).await {
        return HttpError::session(error).into_response();
    }
    links.issue();
    Redirect::to("/").into_response()
}
