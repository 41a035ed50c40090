//! Recognising secrets in plain configuration: by the key's name, or by the value's shape
//! (private keys, cloud access keys, tokens, high-entropy strings).
//!
//! Values are inspected in memory only. What comes out is a *reason* naming the kind of
//! secret, never the value or any part of it.

/// Key name fragments that name a secret.
const SECRET_KEY_WORDS: [&str; 11] = [
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "privatekey",
    "access_key",
    "credential",
];

/// Why a key or value looks like a secret, or `None`. `entropy_threshold` is in bits per
/// character.
pub fn secret_reason(key: &str, value: &str, entropy_threshold: f64) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() || is_reference(value) {
        return None;
    }
    value_reason(value, entropy_threshold)
        .or_else(|| key_looks_secret(key).then_some("a secret-like key name with a literal value"))
}

/// True when a key's name says it holds a secret (`DB_PASSWORD`, `apiKey`, `oauth-token`).
pub fn key_looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEY_WORDS.iter().any(|w| key.contains(w)) && !key.ends_with("_file") && !key.ends_with("_path")
}

/// Values that point at a secret rather than hold one: paths and placeholders.
fn is_reference(value: &str) -> bool {
    value.starts_with('/') || value.starts_with("${") || value.starts_with("$(") || value.starts_with("{{")
}

fn value_reason(value: &str, entropy_threshold: f64) -> Option<&'static str> {
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----") {
        return Some("a PEM private key");
    }
    let words = value.split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-');
    for word in words {
        if is_aws_access_key(word) {
            return Some("an AWS access key id");
        }
        if ["ghp_", "gho_", "ghs_", "github_pat_"].iter().any(|p| word.starts_with(p)) && word.len() >= 36 {
            return Some("a GitHub token");
        }
        if ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"].iter().any(|p| word.starts_with(p)) {
            return Some("a Slack token");
        }
    }
    let high_entropy =
        value.len() >= 20 && !value.contains(char::is_whitespace) && shannon_entropy(value) > entropy_threshold;
    high_entropy.then_some("a high-entropy string")
}

fn is_aws_access_key(word: &str) -> bool {
    word.len() == 20
        && (word.starts_with("AKIA") || word.starts_with("ASIA"))
        && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Shannon entropy of a string, in bits per character.
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in text.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: f64 = 4.2;

    #[test]
    fn secret_key_names_with_literal_values_are_secrets() {
        assert!(secret_reason("DATABASE_PASSWORD", "hunter2", T).is_some());
        assert!(secret_reason("apiKey", "abc", T).is_some());
        assert!(secret_reason("LOG_LEVEL", "info", T).is_none());
    }

    #[test]
    fn references_and_empty_values_are_not_secrets() {
        assert!(secret_reason("PASSWORD_FILE", "/run/secrets/db", T).is_none());
        assert!(secret_reason("DB_PASSWORD", "${DB_PASSWORD}", T).is_none());
        assert!(secret_reason("DB_PASSWORD", "", T).is_none());
    }

    #[test]
    fn value_shapes_are_recognised_under_any_key() {
        assert_eq!(
            secret_reason("cfg", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", T),
            Some("a PEM private key")
        );
        assert_eq!(secret_reason("id", "AKIAIOSFODNN7EXAMPLE", T), Some("an AWS access key id"));
        assert_eq!(secret_reason("blob", "q8Zr4Lm2Xv9Tn1Pw7Ks5Yb3Hc6Jd0Fg", T), Some("a high-entropy string"));
        assert_eq!(secret_reason("url", "https://models.example.com/v1", T), None);
        assert_eq!(
            secret_reason("sha", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", T),
            None,
            "hex digests are not secrets"
        );
    }
}
