//! The outstanding one-time links of `rampart demo`: each signs in once, within 15 minutes;
//! only a digest of its token is kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::auth::tokens::random_token;

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
    pub fn redeem(&self, token: &str) -> bool {
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
