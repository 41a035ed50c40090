//! Why a request to a cluster failed, in words a person can act on. A transport error from
//! kube reads `client error (Connect)` at its top; the cause (a certificate the kubeconfig's CA
//! did not sign, a name the certificate does not carry, a timeout) is further down its chain,
//! and is what gets stored and logged.

use std::error::Error as StdError;

use rustls::{CertificateError, Error as TlsError};

/// The failure of a TLS handshake with the API server, named from the TLS stack.
pub fn tls_cause(error: &(dyn StdError + 'static)) -> Option<String> {
    find_tls(error).map(describe_tls)
}

/// The TLS error in `error`'s chain. An `io::Error` does not name the error it wraps as its
/// source, and connectors wrap one `io::Error` in another: both are looked through.
fn find_tls<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a TlsError> {
    chain(error).find_map(|e| {
        e.downcast_ref::<TlsError>().or_else(|| {
            let inner = e.downcast_ref::<std::io::Error>()?.get_ref()?;
            find_tls(inner as &(dyn StdError + 'static))
        })
    })
}

/// True when the failure is the server's certificate: repeating the request cannot help.
pub fn is_certificate_error(error: &(dyn StdError + 'static)) -> bool {
    tls_cause(error).is_some()
}

/// A kube error with its whole cause chain, each distinct message once; a TLS failure named
/// for what it is.
pub fn describe(error: &kube::Error) -> String {
    if let Some(tls) = tls_cause(error) {
        return format!("TLS handshake failed: {tls}");
    }
    let mut messages: Vec<String> = Vec::new();
    for e in chain(error) {
        let message = e.to_string();
        if !messages.iter().any(|m| m.contains(&message)) {
            messages.push(message);
        }
    }
    messages.join(": ")
}

fn chain<'a>(error: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(error);
    std::iter::from_fn(move || {
        let current = next?;
        next = current.source();
        Some(current)
    })
}

fn describe_tls(error: &TlsError) -> String {
    match error {
        TlsError::InvalidCertificate(certificate) => match certificate {
            CertificateError::UnknownIssuer => "the server's certificate has an unknown issuer: it is not signed by \
                 the kubeconfig's certificate-authority (certificate-authority-data)"
                .into(),
            CertificateError::NotValidForName => "the server's certificate is not valid for the server's name".into(),
            CertificateError::NotValidForNameContext { expected, presented } => format!(
                "the server's certificate is not valid for {expected:?}: it carries the names {}",
                presented.join(", ")
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet (check the clocks)".into()
            }
            CertificateError::BadSignature => "the server's certificate is not signed by the kubeconfig's \
                 certificate-authority: it names an issuer of the same name with another key (another \
                 cluster's CA?)"
                .into(),
            CertificateError::Revoked => "the server's certificate is revoked".into(),
            other => format!("the server's certificate was refused: {other:?}"),
        },
        TlsError::AlertReceived(alert) => format!("the server refused the handshake ({alert:?})"),
        other => format!("the handshake failed: {other}"),
    }
}
