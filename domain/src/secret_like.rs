//! Recognising secrets in plain configuration: by the key's name, or by the value's shape
//! (private keys, cloud access keys, tokens, high-entropy strings).
//!
//! Values are inspected in memory only. What comes out is a *reason* naming the kind of
//! secret, never the value or any part of it.

/// Key names that say they hold a secret, as case-insensitive glob patterns (`*` is any run of
/// characters). The catalogue is data: each entry has a failing fixture in
/// `tests/fixtures/accuracy/05-secret-names-and-values.yaml`, which a test checks.
pub const SECRET_NAME_PATTERNS: &[&str] = &[
    "*password*",
    "*passwd*",
    "*secret*",
    "*token*",
    "*apikey*",
    "*api_key*",
    "*api-key*",
    "*private_key*",
    "*privatekey*",
    "*access_key*",
    "*credential*",
    // Cloud providers' own variable names, and key material, that carry none of the words above.
    "azure_*key",
    "oci_cli_key_content",
    "*connection_string*",
    "*_signing_key",
    "*_encryption_key",
];

/// Key name endings that point at a file holding the secret rather than the secret itself.
const REFERENCE_SUFFIXES: [&str; 2] = ["_file", "_path"];

/// A value shape that is a secret whatever the key is called.
#[derive(Debug, Clone, Copy)]
pub struct ValueShape {
    /// What the value is, as findings say it (never the value).
    pub reason: &'static str,
    pub matches: fn(&str) -> bool,
}

/// The value shapes recognised, most specific first. Like [`SECRET_NAME_PATTERNS`], each has a
/// failing fixture.
pub const SECRET_VALUE_SHAPES: &[ValueShape] = &[
    ValueShape { reason: "a PEM private key", matches: is_pem_private_key },
    ValueShape { reason: "an AWS access key id", matches: |v| words(v).any(is_aws_access_key) },
    ValueShape { reason: "a GitHub token", matches: |v| words(v).any(is_github_token) },
    ValueShape { reason: "a Slack token", matches: |v| words(v).any(is_slack_token) },
    ValueShape { reason: "an HTTP Bearer credential", matches: is_bearer_credential },
    ValueShape { reason: "an HTTP Basic credential", matches: is_basic_credential },
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

/// True when a key's name says it holds a secret (`DB_PASSWORD`, `apiKey`, `AZURE_STORAGE_KEY`).
pub fn key_looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_NAME_PATTERNS.iter().any(|pattern| name_pattern_matches(pattern, &key))
        && !REFERENCE_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
}

/// True when `name` matches the glob `pattern` of [`SECRET_NAME_PATTERNS`], ignoring case.
pub fn name_pattern_matches(pattern: &str, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Values that point at a secret rather than hold one: paths and placeholders.
fn is_reference(value: &str) -> bool {
    value.starts_with('/') || value.starts_with("${") || value.starts_with("$(") || value.starts_with("{{")
}

fn value_reason(value: &str, entropy_threshold: f64) -> Option<&'static str> {
    if let Some(shape) = SECRET_VALUE_SHAPES.iter().find(|shape| (shape.matches)(value)) {
        return Some(shape.reason);
    }
    let high_entropy =
        value.len() >= 20 && !value.contains(char::is_whitespace) && shannon_entropy(value) > entropy_threshold;
    high_entropy.then_some("a high-entropy string")
}

fn words(value: &str) -> impl Iterator<Item = &str> {
    value.split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
}

fn is_pem_private_key(value: &str) -> bool {
    value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----")
}

fn is_aws_access_key(word: &str) -> bool {
    word.len() == 20
        && (word.starts_with("AKIA") || word.starts_with("ASIA"))
        && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_github_token(word: &str) -> bool {
    ["ghp_", "gho_", "ghs_", "github_pat_"].iter().any(|p| word.starts_with(p)) && word.len() >= 36
}

fn is_slack_token(word: &str) -> bool {
    ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"].iter().any(|p| word.starts_with(p))
}

/// The credential after an HTTP authentication scheme (`Bearer x`, `Authorization: Basic x`),
/// wherever it stands in the value.
fn credential_after<'a>(value: &'a str, scheme: &str) -> impl Iterator<Item = &'a str> {
    let mut words = value.split_whitespace().peekable();
    std::iter::from_fn(move || {
        while let Some(word) = words.next() {
            if word.eq_ignore_ascii_case(scheme) {
                return words.peek().copied().or(Some(""));
            }
        }
        None
    })
}

/// `Bearer <token>`: an RFC 6750 token of at least 16 characters.
fn is_bearer_credential(value: &str) -> bool {
    let token_char = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
    credential_after(value, "Bearer").any(|token| {
        let body = token.trim_end_matches('=');
        body.len() >= 16 && body.chars().all(token_char)
    })
}

/// `Basic <base64>`: a padded base64 string of at least 8 characters.
fn is_basic_credential(value: &str) -> bool {
    let base64_char = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
    credential_after(value, "Basic").any(|encoded| {
        encoded.len() >= 8 && encoded.len() % 4 == 0 && encoded.trim_end_matches('=').chars().all(base64_char)
    })
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
    fn cloud_credential_names_match_and_their_file_variants_do_not() {
        for key in ["AZURE_STORAGE_KEY", "azure_batch_key", "OCI_CLI_KEY_CONTENT", "AZURE_CLIENT_SECRET"] {
            assert!(key_looks_secret(key), "{key}");
        }
        for key in ["AZURE_CLIENT_ID", "AZURE_STORAGE_KEY_FILE", "OCI_CLI_KEY_FILE", "KEY_VAULT_NAME"] {
            assert!(!key_looks_secret(key), "{key}");
        }
        assert!(name_pattern_matches("azure_*key", "azure_key"), "* may be empty");
        assert!(!name_pattern_matches("azure_*key", "azure_keys"));
    }

    #[test]
    fn authorization_header_values_are_secrets_and_their_words_alone_are_not() {
        assert_eq!(secret_reason("h", "Bearer eyJhbGciOiJIUzI1NiJ9.c3Vi.Zm9v", T), Some("an HTTP Bearer credential"));
        assert_eq!(secret_reason("h", "Authorization: Basic dXNlcjpodW50ZXIy", T), Some("an HTTP Basic credential"));
        assert_eq!(secret_reason("mode", "Bearer", T), None);
        assert_eq!(secret_reason("mode", "Basic auth is disabled", T), None);
        assert_eq!(secret_reason("mode", "Bearer ${TOKEN}", T), None);
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
