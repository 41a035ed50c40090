//! Optional Ed25519 signatures. The signature of the PDF's bytes and the signer's public key are
//! appended after the PDF as one comment line, which PDF readers ignore; [`verify`] splits it
//! off and checks it, so any change to the document fails verification.

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use crate::Error;

const MARKER: &[u8] = b"\n%rampart-signature ed25519 ";

/// A new Ed25519 private key, as a PKCS#8 PEM file's text.
pub fn generate_key_pem() -> Result<String, Error> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| Error::Signature("cannot generate a key".into()))?;
    let body = base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref());
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    Ok(format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n")))
}

fn key_pair(pem: &str) -> Result<Ed25519KeyPair, Error> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| Error::Signature("the signing key is not a PEM file".into()))?;
    Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
        .map_err(|_| Error::Signature("the signing key is not an Ed25519 PKCS#8 key".into()))
}

/// The hex public key of a PEM private key: what verifiers should trust.
pub fn public_key_hex(pem: &str) -> Result<String, Error> {
    Ok(hex(key_pair(pem)?.public_key().as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (text.len() % 2 == 0)
        .then(|| (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect())
        .flatten()
}

/// `pdf` with its signature by `key_pem` appended.
pub fn seal(pdf: &[u8], key_pem: &str) -> Result<Vec<u8>, Error> {
    let pair = key_pair(key_pem)?;
    let signature = pair.sign(pdf);
    let mut out = pdf.to_vec();
    out.extend_from_slice(MARKER);
    out.extend_from_slice(format!("{} {}\n", hex(signature.as_ref()), hex(pair.public_key().as_ref())).as_bytes());
    Ok(out)
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The hex public key the document is signed with.
    pub public_key: String,
    /// SHA-256 of the PDF itself (without the signature line).
    pub pdf_sha256: String,
}

/// The PDF part of a file, and its signature line's fields when it has one.
pub fn split(file: &[u8]) -> (&[u8], Option<(String, String)>) {
    let Some(at) = file.windows(MARKER.len()).rposition(|w| w == MARKER) else { return (file, None) };
    let line = String::from_utf8_lossy(&file[at + MARKER.len()..]).trim().to_string();
    let mut fields = line.split(' ');
    match (fields.next(), fields.next()) {
        (Some(signature), Some(key)) => (&file[..at], Some((signature.to_string(), key.to_string()))),
        _ => (file, None),
    }
}

/// Checks a signed file; with `trusted_key` (hex), also that it was signed by that key.
pub fn verify(file: &[u8], trusted_key: Option<&str>) -> Result<Verified, Error> {
    let (pdf, seal) = split(file);
    let Some((signature, key)) = seal else { return Err(Error::Signature("the file carries no signature".into())) };
    if let Some(trusted) = trusted_key
        && !trusted.trim().eq_ignore_ascii_case(&key)
    {
        return Err(Error::Signature(format!("signed by key {key}, not by the trusted key {}", trusted.trim())));
    }
    let (signature, public) = match (unhex(&signature), unhex(&key)) {
        (Some(s), Some(k)) => (s, k),
        _ => return Err(Error::Signature("the signature line is malformed".into())),
    };
    UnparsedPublicKey::new(&ED25519, &public)
        .verify(pdf, &signature)
        .map_err(|_| Error::Signature("the signature does not match: the document was changed".into()))?;
    Ok(Verified { public_key: key, pdf_sha256: crate::sha256_hex(pdf) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_verifies_and_any_change_fails() {
        let key = generate_key_pem().unwrap();
        let sealed = seal(b"%PDF-1.7 body %%EOF", &key).unwrap();
        let public = public_key_hex(&key).unwrap();
        assert_eq!(verify(&sealed, Some(&public)).unwrap().public_key, public);
        let mut tampered = sealed.clone();
        tampered[9] ^= 1;
        assert!(verify(&tampered, None).unwrap_err().to_string().contains("was changed"));
        let other = public_key_hex(&generate_key_pem().unwrap()).unwrap();
        assert!(verify(&sealed, Some(&other)).is_err(), "another key is refused");
        assert!(verify(b"%PDF-1.7 plain", None).is_err(), "an unsigned file does not verify");
    }
}
