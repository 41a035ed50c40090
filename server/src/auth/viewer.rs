//! The viewer as an extractor: handlers take [`SignedIn`] and get the [`Viewer`] that
//! [`super::middleware::authenticate`] decided for the request, or answer 401 when there is none.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::access::Viewer;

use crate::error::HttpError;

/// The signed-in viewer of this request.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .map(SignedIn)
            .ok_or(HttpError::Unauthorized { message: "sign in first", challenge: "Session" })
    }
}
