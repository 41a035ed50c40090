//! [`AppError`]: what a server function answers when it cannot, typed, with its own HTTP status.
//! Arguments that cannot be decoded are the caller's mistake (400), not the server's (500); a
//! database failure is logged in full and answered with a safe message (503). A plain form post
//! is redirected back to its page with the message either way; an API client gets the status.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why a server function could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request is malformed (arguments that do not decode, an unknown rule).
    #[error("{0}")]
    BadRequest(String),
    /// Nobody is signed in.
    #[error("{0}")]
    Unauthorized(String),
    /// The viewer may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing the viewer may see is there.
    #[error("{0}")]
    NotFound(String),
    /// The database could not answer; the cause is in the server log.
    #[error("the dashboard could not read its database; see the server log")]
    Unavailable,
    /// The server function machinery itself failed.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The HTTP status an API client is answered with.
    pub fn status(&self) -> http::StatusCode {
        match self {
            AppError::BadRequest(_) => http::StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => http::StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => http::StatusCode::FORBIDDEN,
            AppError::NotFound(_) => http::StatusCode::NOT_FOUND,
            AppError::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// This error, with its status set on the response being made (unless it answers a plain
    /// form post, which is redirected back to its page with the message).
    pub fn respond(self) -> Self {
        #[cfg(feature = "ssr")]
        set_status(self.status());
        self
    }

    /// A parameter that failed its check (`db::query::check_*`): a 400 naming it.
    pub fn invalid(message: String) -> Self {
        AppError::BadRequest(message).respond()
    }

    /// A database failure: logged in full, answered with a safe message.
    pub fn store(error: db::Error) -> Self {
        tracing::error!(error = %error, "read model failed");
        AppError::Unavailable.respond()
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::BadRequest(format!("the request's arguments could not be read: {message}")).respond()
            }
            other => AppError::Internal(other.to_string()).respond(),
        }
    }
}

#[cfg(feature = "ssr")]
fn set_status(status: http::StatusCode) {
    use leptos::prelude::use_context;
    let from_form = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    });
    if !from_form && let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}
