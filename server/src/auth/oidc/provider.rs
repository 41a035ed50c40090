//! The OpenID Connect provider: its discovered metadata (read on first use, and again after a
//! failure), the client registration, and the ID token turned into an [`Identity`].

use axum::http::{HeaderMap, header};
use base64::Engine;
use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, IssuerUrl, Nonce, PkceCodeVerifier, RedirectUrl, TokenResponse, reqwest,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::auth::identity::Identity;
use crate::config::OidcConfig;

/// The path the provider redirects back to.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// The provider, its discovered metadata, and an HTTP client that never follows redirects.
#[derive(Debug)]
pub struct Provider {
    pub(super) config: OidcConfig,
    public_url: Option<String>,
    http: reqwest::Client,
    metadata: RwLock<Option<CoreProviderMetadata>>,
}

/// What the callback must check, kept in the session between the two legs.
#[derive(Serialize, Deserialize)]
pub(super) struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub redirect: String,
    pub next: String,
}

impl Provider {
    pub fn new(config: OidcConfig, public_url: Option<String>) -> anyhow::Result<Provider> {
        IssuerUrl::new(config.issuer.clone()).map_err(|e| anyhow::anyhow!("auth.oidc.issuer: {e}"))?;
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Provider { config, public_url, http, metadata: RwLock::new(None) })
    }

    pub(super) async fn metadata(&self) -> anyhow::Result<CoreProviderMetadata> {
        if let Some(metadata) = self.metadata.read().await.clone() {
            return Ok(metadata);
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| anyhow::anyhow!("OIDC discovery at {} failed: {e}", self.config.issuer))?;
        *self.metadata.write().await = Some(metadata.clone());
        Ok(metadata)
    }

    pub(super) fn client(&self, metadata: CoreProviderMetadata, redirect: &str) -> anyhow::Result<DiscoveredClient> {
        let secret = self.config.client_secret.as_ref().map(|secret| ClientSecret::new(secret.expose().clone()));
        Ok(CoreClient::from_provider_metadata(metadata, ClientId::new(self.config.client_id.clone()), secret)
            .set_redirect_uri(RedirectUrl::new(redirect.to_string())?))
    }

    /// The redirect URL registered with the provider: on the public URL, else on this host.
    pub(super) fn redirect_url(&self, headers: &HeaderMap, tls: bool) -> String {
        let base = self.public_url.clone().unwrap_or_else(|| {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
            format!("{}://{host}", if tls { "https" } else { "http" })
        });
        format!("{}{CALLBACK_PATH}", base.trim_end_matches('/'))
    }
}

/// The client type `from_provider_metadata` gives: discovered auth URL, maybe token and
/// userinfo URLs.
type DiscoveredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

pub(super) async fn identity(provider: &Provider, pending: &Pending, code: String) -> anyhow::Result<Identity> {
    let client = provider.client(provider.metadata().await?, &pending.redirect)?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
        .request_async(&provider.http)
        .await
        .map_err(|e| anyhow::anyhow!("token request failed: {e}"))?;
    let id_token = tokens.id_token().ok_or_else(|| anyhow::anyhow!("the provider returned no ID token"))?;
    let claims = id_token.claims(&client.id_token_verifier(), &Nonce::new(pending.nonce.clone()))?;
    let user = claims
        .preferred_username()
        .map(|name| name.as_str().to_string())
        .or_else(|| claims.email().map(|email| email.as_str().to_string()))
        .unwrap_or_else(|| claims.subject().as_str().to_string());
    let groups = groups_claim(&id_token.to_string(), &provider.config.groups_claim);
    Ok(Identity::signed_in_now(user, groups))
}

/// The groups in claim `name` of an ID token whose signature has already been verified.
pub(super) fn groups_claim(jwt: &str, name: &str) -> Vec<String> {
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
        return Vec::new();
    };
    let claims: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    match &claims[name] {
        serde_json::Value::Array(items) => items.iter().filter_map(|g| g.as_str().map(str::to_owned)).collect(),
        serde_json::Value::String(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    #[test]
    fn groups_are_read_from_the_configured_claim() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"1","teams":["a","b"]}"#);
        let jwt = format!("h.{payload}.s");
        assert_eq!(super::groups_claim(&jwt, "teams"), vec!["a".to_string(), "b".to_string()]);
        assert!(super::groups_claim(&jwt, "groups").is_empty());
    }
}
