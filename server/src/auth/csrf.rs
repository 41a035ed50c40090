//! Cross-site request forgery protection for every state-changing request: the session cookie
//! is `SameSite=Lax`, the request's `Origin` (or `Referer`) must be this site, and the session's
//! anti-forgery token must come back in the `csrf` form field or the `X-CSRF-Token` header.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::session::{CSRF_KEY, login_token};
use super::state::Auth;
use crate::error::HttpError;

/// Refuses a state-changing request that is not provably from this site's own pages.
pub async fn verify(State(auth): State<Arc<Auth>>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), HttpMethod::GET | HttpMethod::HEAD | HttpMethod::OPTIONS) {
        return next.run(request).await;
    }
    let expected = expected_origin(&auth, request.headers());
    let origin = request_origin(request.headers());
    if origin.as_deref() != Some(expected.as_str()) {
        tracing::warn!(origin = ?origin, expected, path = request.uri().path(), "cross-site request refused");
        return refuse("the request did not come from this site (Origin check)");
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return refuse("no session");
    };
    let stored: Option<String> = match session.get(CSRF_KEY).await {
        Ok(stored) => stored,
        Err(error) => return HttpError::session(error).into_response(),
    };
    // Before sign-in there is no session token: the sign-in form's is in its own cookie.
    let stored =
        stored.or_else(|| (request.uri().path() == "/login").then(|| login_token(request.headers())).flatten());
    let Some(stored) = stored else { return refuse("no anti-forgery token in this session; reload the page") };
    let header_token = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (request, sent) = match header_token {
        Some(token) => (request, Some(token)),
        None => match form_token(request).await {
            Ok(pair) => pair,
            Err(response) => return response,
        },
    };
    let matches = sent.is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(stored.as_bytes())));
    if !matches {
        return refuse("the anti-forgery token is missing or wrong; reload the page and try again");
    }
    next.run(request).await
}

/// The origin this site is reached at: the configured public URL's, else this request's host.
fn expected_origin(auth: &Auth, headers: &HeaderMap) -> String {
    if let Some(url) = &auth.config.public_url {
        return origin_of(url.as_str()).unwrap_or_default();
    }
    let scheme = if auth.tls { "https" } else { "http" };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    format!("{scheme}://{}", host.to_ascii_lowercase())
}

/// The `Origin` header, or the origin of the `Referer` when a browser sent no `Origin`.
fn request_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return Some(origin.trim_end_matches('/').to_ascii_lowercase());
    }
    headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(origin_of)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// Reads the `csrf` field of a URL-encoded form and puts the body back for the handler.
async fn form_token(request: Request) -> Result<(Request, Option<String>), Response> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, crate::form::MAX_BODY_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response())?;
    let token = form_urlencoded::parse(&bytes).find(|(key, _)| key == "csrf").map(|(_, value)| value.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn refuse(reason: &str) -> Response {
    HttpError::Forbidden(format!("cross-site request refused: {reason}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_keep_scheme_host_and_port_only() {
        assert_eq!(origin_of("https://Rampart.example.com/x?y").as_deref(), Some("https://rampart.example.com"));
        assert_eq!(origin_of("http://127.0.0.1:3000").as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(origin_of("no scheme"), None);
    }
}
