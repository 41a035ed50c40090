//! `oidc` mode: the authorization code flow with PKCE against an OpenID Connect provider. The
//! provider's discovery document is read on first use (and again after a failure), so a
//! provider that is down at start-up does not keep the dashboard from starting.

use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, Scope};
use serde::Deserialize;
use tower_sessions::Session;

pub mod provider;

use crate::auth::state::{Auth, ClientAddr, Method};
use crate::error::HttpError;
pub use provider::CALLBACK_PATH;
use provider::{Pending, Provider, identity};

/// Session key of a sign-in in progress.
const PENDING_KEY: &str = "oidc_pending";

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
        Ok((identity, next)) => {
            match crate::auth::session::start_session(&auth, &session, &identity, client_addr).await {
                Ok(()) => Redirect::to(&next).into_response(),
                Err(error) => HttpError::session(error).into_response(),
            }
        }
        Err(error) => {
            tracing::warn!(%error, "OIDC sign-in failed");
            Redirect::to("/login?error=sso").into_response()
        }
    }
}
