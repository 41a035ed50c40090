//! [`HttpError`]: how every handler and middleware of the server answers a failure. One
//! `IntoResponse` decides the status and the safe message; a failure of something the server
//! depends on (the database, the session store) logs its whole cause chain and tells the user
//! only what failed. Under `/api/v1` the body is `{"error": message}` ([`api_errors_as_json`]),
//! elsewhere plain text.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A request that could not be answered as asked.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request itself is wrong (a malformed parameter, an unknown framework).
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that name nobody; `challenge` is the `WWW-Authenticate`
    /// scheme (`Bearer`, `Session`).
    #[error("{message}")]
    Unauthorized { message: &'static str, challenge: &'static str },
    /// The viewer is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing the viewer may see is there.
    #[error("{0}")]
    NotFound(String),
    /// Too many attempts, or too much work asked at once: try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// Something the server depends on failed: `message` is what the user is told, `cause`
    /// goes to the log.
    #[error("{message}")]
    Unavailable { message: &'static str, cause: String },
}

impl HttpError {
    /// The database could not answer `what` (a read model, the report store).
    pub fn store(message: &'static str, cause: impl std::fmt::Display) -> Self {
        HttpError::Unavailable { message, cause: format!("{cause:#}") }
    }

    /// The session store failed while signing in or checking a session.
    pub fn session(cause: impl std::fmt::Display) -> Self {
        HttpError::store("the session store is unavailable; try again shortly", cause)
    }

    /// The status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            HttpError::Forbidden(_) => StatusCode::FORBIDDEN,
            HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            HttpError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The message an error response carried, kept so [`api_errors_as_json`] can re-encode it.
#[derive(Debug, Clone)]
struct ErrorMessage(String);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if let HttpError::Unavailable { message, cause } = &self {
            tracing::error!(error = %cause, "{message}");
        }
        let status = self.status();
        let message = self.to_string();
        let mut response = (status, message.clone()).into_response();
        match self {
            HttpError::Unauthorized { challenge, .. } => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            HttpError::TooManyRequests { retry_after_secs, .. } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response.extensions_mut().insert(ErrorMessage(message));
        response
    }
}

/// The JSON body of an error under `/api/v1`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiError {
    pub error: String,
}

/// Middleware: an [`HttpError`] answered under `/api/v1` has `{"error": message}` as its body.
pub async fn api_errors_as_json(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/v1/");
    let response = next.run(request).await;
    let Some(ErrorMessage(message)) = response.extensions().get::<ErrorMessage>().cloned() else { return response };
    if !is_api {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&ApiError { error: message }).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dependency_failure_answers_503_with_the_safe_message_only() {
        let error = HttpError::store("the export could not read its database", "password authentication failed");
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let message = response.extensions().get::<ErrorMessage>().unwrap();
        assert_eq!(message.0, "the export could not read its database");
    }

    #[test]
    fn an_unauthorized_answer_names_its_challenge() {
        let response = HttpError::Unauthorized { message: "sign in first", challenge: "Session" }.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Session");
    }
}
