//! The simulated API server's credentials, made fresh for each server as a cluster's are: a
//! certificate authority, a serving certificate it signs for the server's addresses, and a
//! bearer token. The kubeconfig carries the CA and the token, as a real one does.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// What a client needs to trust the server, and what the server serves.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The CA certificate (PEM) the kubeconfig trusts.
    pub ca_pem: String,
    /// The serving certificate (PEM), signed by the CA, for `localhost`, `127.0.0.1` and the
    /// address served on.
    pub cert_pem: String,
    pub key_pem: String,
    /// The bearer token every request must carry.
    pub token: String,
}

impl Credentials {
    /// Fresh credentials for a server reached at `names` (host names or IP addresses).
    pub fn generate(names: &[String]) -> Result<Self, rcgen::Error> {
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Each server's CA is its own, by name too, as distinct clusters' CAs usually are.
        let token = random_token();
        ca.distinguished_name.push(DnType::CommonName, format!("rampart-sim-ca-{}", &token[..8]));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate()?;
        let mut serving = CertificateParams::new(names.to_vec())?;
        serving.distinguished_name.push(DnType::CommonName, "kube-apiserver");
        let cert = serving.signed_by(&key, &issuer)?;
        Ok(Credentials { ca_pem: ca_cert.pem(), cert_pem: cert.pem(), key_pem: key.serialize_pem(), token })
    }
}

/// 32 hex digits from the process' random hasher keys: unguessable enough for a test server.
fn random_token() -> String {
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    format!("{:016x}{:016x}", state.hash_one("rampart-sim"), state.hash_one(std::time::SystemTime::now()))
}

/// A self-signed serving certificate (PEM certificate and key) with no CA of its own, as some
/// clusters' kubeconfigs trust directly (`certificate-authority-data` is the server's own
/// certificate); marked `CA:TRUE` when `ca` is set, as some tools make them.
pub fn self_signed(names: &[String], ca: bool) -> Result<(String, String), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names.to_vec())?;
    params.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}
