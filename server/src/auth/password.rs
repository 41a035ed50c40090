//! Password hashing for local users: argon2id with a random salt, in PHC string form.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Shortest password accepted by `rampart user add|passwd`.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Hashes `password` for storage.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

/// How many passwords are checked at once: each check takes tens of megabytes and a core for a
/// moment, so a burst of sign-ins waits its turn instead of exhausting the server.
pub const CONCURRENT_CHECKS: usize = 2;

/// [`verify`] on a blocking thread, at most [`CONCURRENT_CHECKS`] at a time.
pub async fn verify_bounded(password: String, stored: Option<String>) -> bool {
    static CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_CHECKS);
    let Ok(_permit) = CHECKS.acquire().await else { return false };
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref())).await.unwrap_or(false)
}

/// True when `password` matches `stored`. With no stored hash (unknown user) a dummy hash is
/// checked anyway, so a wrong name takes as long as a wrong password.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a password anyone has").unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = super::hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", Some(&stored)));
        assert!(!super::verify("wrong horse battery", Some(&stored)));
        assert!(!super::verify("correct horse battery", None));
    }
}
