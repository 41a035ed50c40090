//! Request bodies: the largest one accepted, and form bodies that do not fit answered as the
//! client's error (`400 Bad Request` naming the field, where axum's own `Form` answers 422).

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::HttpError;

/// Largest request body accepted (forms are small; nothing uploads).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A URL-encoded form body deserialized into `T`; a body that does not fit is a 400 naming why.
pub struct ValidForm<T>(pub T);

impl<T, S> FromRequest<S> for ValidForm<T>
where
    axum::Form<T>: FromRequest<S, Rejection = axum::extract::rejection::FormRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(ValidForm(value)),
            Err(rejection) => {
                let message = format!("the form could not be read: {}", rejection.body_text());
                if rejection.status() == StatusCode::UNPROCESSABLE_ENTITY {
                    return Err(HttpError::BadRequest(message).into_response());
                }
                Err((rejection.status(), message).into_response())
            }
        }
    }
}
