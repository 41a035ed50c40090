//! Form bodies that do not fit are the client's error: `400 Bad Request` with a message
//! naming the field, where axum's own `Form` answers 422.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

/// A URL-encoded form body deserialized into `T`; a body that does not fit is a 400 naming why.
pub struct ValidForm<T>(pub T);

impl<T, S> FromRequest<S> for ValidForm<T>
where
    axum::Form<T>: FromRequest<S, Rejection = axum::extract::rejection::FormRejection>,
    S: Send + Sync,
{
    type Rejection = (StatusCode, String);

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(ValidForm(value)),
            Err(rejection) => {
                let status = if rejection.status() == StatusCode::UNPROCESSABLE_ENTITY {
                    StatusCode::BAD_REQUEST
                } else {
                    rejection.status()
                };
                Err((status, format!("the form could not be read: {}", rejection.body_text())))
            }
        }
    }
}
