//! `oidc` mode: the authorization code flow with PKCE against an OpenID Connect provider. The
//! provider's discovery document is read on first use (and again after a failure), so a
//! provider that is down at start-up does not keep the dashboard from starting.

use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse, reqwest,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use tower_sessions::Session;

use super::identity::Identity;
use super::{Auth, ClientAddr, Method};
use crate::config::OidcConfig;
use crate::error::HttpError;

/// Session key of a sign-in in progress.
const PENDING_KEY: &str = "oidc_pending";
/// The path the provider redirects back to.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// The provider, its discovered metadata, and an HTTP client that never follows redirects.
#[derive(Debug)]
pub struct Provider {
    config: OidcConfig,
    public_url: Option<String>,
    http: reqwest::Client,
    metadata: RwLock<Option<CoreProviderMetadata>>,
}

/// What the callback must check, kept in the session between the two legs.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
    redirect: String,
    next: String,
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

    async fn metadata(&self) -> anyhow::Result<CoreProviderMetadata> {
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

    fn client(&self, metadata: CoreProviderMetadata, redirect: &str) -> anyhow::Result<DiscoveredClient> {
        let secret = self.config.client_secret.as_ref().map(|secret| ClientSecret::new(secret.expose().clone()));
        Ok(CoreClient::from_provider_metadata(metadata, ClientId::new(self.config.client_id.clone()), secret)
            .set_redirect_uri(RedirectUrl::new(redirect.to_string())?))
    }

    /// The redirect URL registered with the provider: on the public URL, else on this host.
    fn redirect_url(&self, headers: &HeaderMap, tls: bool) -> String {
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

fn provider(auth: &Auth) -> Option<&Provider> {
    match &auth.method {
        Method::Oidc(provider) => Some(provider),
        _ => None,
    }
}

/// Where to go after signing in.
#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /auth/oidc/login`: sends the browser to the provider with a PKCE challenge, a state
/// and a nonce remembered in the session.
pub async fn start(
    State(auth): State<Arc<Auth>>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(provider) = provider(&auth) else { return Redirect::to("/login").into_response() };
    let redirect = provider.redirect_url(&headers, auth.tls);
    let client = match provider.metadata().await.and_then(|m| provider.client(m, &redirect)) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot start OIDC sign-in");
            return Redirect::to("/login?error=sso").into_response();
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge);
    for scope in &provider.config.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.url();
    let next = query.next.filter(|n| domain::access::is_local_path(n)).unwrap_or_else(|| "/".into());
    let pending = Pending {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        redirect,
        next,
    };
    if let Err(error) = session.insert(PENDING_KEY, pending).await {
        return HttpError::session(error).into_response();
    }
    Redirect::to(url.as_str()).into_response()
}

/// The provider's answer.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/oidc/callback`: checks the state, redeems the code with the PKCE verifier,
/// verifies the ID token (signature, issuer, audience, expiry, nonce) and signs in.
pub async fn callback(
    State(auth): State<Arc<Auth>>,
    Extension(client_addr): Extension<ClientAddr>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(provider) = provider(&auth) else { return Redirect::to("/login").into_response() };
    let pending: Option<Pending> = session.remove(PENDING_KEY).await.ok().flatten();
    let outcome = match (pending, query) {
        (_, CallbackQuery { error: Some(error), .. }) => Err(anyhow::anyhow!("the provider refused: {error}")),
        (Some(pending), CallbackQuery { code: Some(code), state: Some(state), .. }) if state == pending.state => {
            identity(provider, &pending, code).await.map(|identity| (identity, pending.next))
        }
        _ => Err(anyhow::anyhow!("no sign-in in progress, or its state does not match")),
    };
    match outcome {
        Ok((identity, next)) => match super::session::start_session(&auth, &session, &identity, client_addr).await {
            Ok(()) => Redirect::to(&next).into_response(),
            Err(error) => HttpError::session(error).into_response(),
        },
        Err(error) => {
            tracing::warn!(%error, "OIDC sign-in failed");
            Redirect::to("/login?error=sso").into_response()
        }
    }
}

async fn identity(provider: &Provider, pending: &Pending, code: String) -> anyhow::Result<Identity> {
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
    Ok(Identity { user, groups, signed_in_at: chrono::Utc::now().timestamp() })
}

/// The groups in claim `name` of an ID token whose signature has already been verified.
fn groups_claim(jwt: &str, name: &str) -> Vec<String> {
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
