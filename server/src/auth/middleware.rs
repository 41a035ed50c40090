//! The one place a request's viewer is decided.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method as HttpMethod, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::{CsrfToken, Viewer};
use tower_sessions::Session;

use super::identity::{Identity, viewer_for};
use super::proxy::ProxiedIdentity;
use super::session::{CSRF_KEY, IDENTITY_KEY, login_token, login_token_cookie, start_session};
use super::state::{Auth, ClientAddr, Method};
use super::tokens::random_token;
use crate::error::HttpError;

/// Paths served without a session: probes, the stylesheet, the ways to sign in, the API's
/// description, and `/metrics` (which answers to its own bearer token).
pub fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/login" | "/favicon.ico" | "/api/v1/openapi.json" | "/metrics")
        || path.starts_with("/style/")
        || path.starts_with("/auth/")
}

/// Decides the viewer of `request` and lets it through only when it has one (or the path is
/// public). Puts the [`Viewer`], the session's [`CsrfToken`] and the [`ClientAddr`] into the
/// request's extensions for everything after it.
pub async fn authenticate(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let client = ClientAddr(client_addr(&auth, peer, &request));
    request.extensions_mut().insert(client);
    let path = request.uri().path().to_owned();
    if path.starts_with("/api/v1/")
        && let Some(token) = bearer_token(request.headers())
    {
        // Automation: the token alone decides the viewer; no session, no cookie.
        return match super::tokens::viewer_for_token(&auth.pool, &token).await {
            Ok(Some(viewer)) => {
                request.extensions_mut().insert::<Viewer>(viewer);
                next.run(request).await
            }
            Ok(None) => {
                HttpError::Unauthorized { message: "unknown or revoked token", challenge: "Bearer" }.into_response()
            }
            Err(error) => HttpError::session(error).into_response(),
        };
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "session layer missing").into_response();
    };
    let headers = request.headers().clone();
    let identity = match signed_in_identity(&auth, &session, peer, &headers, client).await {
        Ok(identity) => identity,
        Err(response) => return response,
    };
    let viewer = identity.as_ref().and_then(|identity| viewer_for(identity, &auth.config));
    if identity.is_some() && viewer.is_none() && !is_public(&path) {
        tracing::info!(user = identity.as_ref().map(|i| i.user.as_str()), "signed in but no group maps to a role");
        if !matches!(auth.method, Method::Proxy(_)) {
            let _ = session.flush().await;
            return Redirect::to("/login?error=role").into_response();
        }
        return HttpError::Forbidden("none of your groups maps to a Rampart role".into()).into_response();
    }
    if viewer.is_some() {
        match csrf_token(&session).await {
            Ok(token) => {
                request.extensions_mut().insert(CsrfToken(token));
            }
            Err(error) => return error,
        }
    }
    // A visitor's sign-in form: its token lives in a cookie, so the page stores no session.
    let new_login_token = (viewer.is_none() && path == "/login").then(|| {
        let existing = login_token(request.headers());
        let token = existing.clone().unwrap_or_else(random_token);
        request.extensions_mut().insert(CsrfToken(token.clone()));
        existing.is_none().then_some(token)
    });
    match viewer {
        Some(viewer) => {
            request.extensions_mut().insert::<Viewer>(viewer);
        }
        None if is_public(&path) => {}
        None => return sign_in_first(&request),
    }
    let mut response = next.run(request).await;
    if let Some(Some(token)) = new_login_token
        && let Ok(cookie) = HeaderValue::from_str(&login_token_cookie(&token, auth.tls))
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The identity of this request: from the proxy headers in proxy mode, else from the session.
/// Ends a session past its absolute lifetime.
async fn signed_in_identity(
    auth: &Auth,
    session: &Session,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    client: ClientAddr,
) -> Result<Option<Identity>, Response> {
    let stored: Option<Identity> =
        session.get(IDENTITY_KEY).await.map_err(|e| HttpError::session(e).into_response())?;
    if let Method::Proxy(proxies) = &auth.method {
        return match proxies.identity(peer, headers) {
            ProxiedIdentity::Forged => {
                tracing::warn!(peer = ?peer, "identity headers from an address that is not a trusted proxy");
                let message = "identity headers are accepted only from the configured proxies";
                Err(HttpError::Unauthorized { message, challenge: "Session" }.into_response())
            }
            ProxiedIdentity::Absent => Ok(None),
            ProxiedIdentity::Vouched { user, groups } => {
                let same = stored.as_ref().is_some_and(|s| s.user == user && s.groups == groups);
                if same {
                    return Ok(stored);
                }
                let identity = Identity::signed_in_now(user, groups);
                start_session(auth, session, &identity, client)
                    .await
                    .map_err(|e| HttpError::session(e).into_response())?;
                Ok(Some(identity))
            }
        };
    }
    let Some(mut identity) = stored else { return Ok(None) };
    let lifetime = i64::from(auth.config.absolute_timeout_hours) * 3600;
    if (chrono::Utc::now() - identity.signed_in_at).num_seconds() > lifetime {
        session.flush().await.map_err(|e| HttpError::session(e).into_response())?;
        return Err(Redirect::to("/login?error=expired").into_response());
    }
    if matches!(auth.method, Method::Local) {
        // A local user's standing is re-read on every request: removing a user or changing
        // their password ends their sessions, and group changes apply at once.
        let user =
            db::users::find(&auth.pool, &identity.user).await.map_err(|e| HttpError::session(e).into_response())?;
        match user {
            Some(user) if !identity.predates_password_change(user.password_changed_at) => identity.groups = user.groups,
            _ => {
                session.flush().await.map_err(|e| HttpError::session(e).into_response())?;
                return Err(Redirect::to("/login?error=expired").into_response());
            }
        }
    }
    Ok(Some(identity))
}

/// The session's anti-forgery token, created on first use.
async fn csrf_token(session: &Session) -> Result<String, Response> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await.map_err(|e| HttpError::session(e).into_response())? {
        return Ok(token);
    }
    let token = random_token();
    session.insert(CSRF_KEY, &token).await.map_err(|e| HttpError::session(e).into_response())?;
    Ok(token)
}

/// The token of an `Authorization: Bearer …` header.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// The client address: the peer, or the last `X-Forwarded-For` hop when the peer is a trusted
/// proxy.
fn client_addr(auth: &Auth, peer: Option<IpAddr>, request: &Request) -> Option<IpAddr> {
    let Method::Proxy(proxies) = &auth.method else { return peer };
    if !proxies.trusts(peer) {
        return peer;
    }
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    forwarded.and_then(|v| v.rsplit(',').next()).and_then(|hop| hop.trim().parse().ok()).or(peer)
}

/// Browsers are sent to the login page (and back afterwards); anything else gets a 401.
fn sign_in_first(request: &Request) -> Response {
    let is_page =
        matches!(*request.method(), HttpMethod::GET | HttpMethod::HEAD) && !request.uri().path().starts_with("/api/");
    if !is_page {
        return HttpError::Unauthorized { message: "sign in first", challenge: "Session" }.into_response();
    }
    let next = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/login?next={encoded}")).into_response()
}
