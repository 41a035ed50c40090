//! `rampart demo`'s sign-in: a one-time link printed on the console (and written to
//! `<data-dir>/demo-login-link`). Each link signs in once, within 15 minutes; redeeming one
//! prints the next.

pub mod links;

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::auth::identity::Identity;
use crate::auth::session::start_session;
use crate::auth::state::{Auth, ClientAddr, Method};
use crate::error::HttpError;
pub use links::{DEMO_GROUP, LINK_LIFETIME, OneTimeLinks};

/// `GET /auth/once/{token}`: signs in as the demo administrator.
pub async fn redeem(
    State(auth): State<Arc<Auth>>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
    Path(token): Path<String>,
) -> Response {
    let Method::OneTimeLink(links) = &auth.method else { return Redirect::to("/login").into_response() };
    if !links.redeem(&token) {
        return Redirect::to("/login?error=link").into_response();
    }
    let identity = Identity::signed_in_now("demo".into(), vec![DEMO_GROUP.into()]);
    if let Err(error) = start_session(&auth, &session, &identity, client).await {
        return HttpError::session(error).into_response();
    }
    links.issue();
    Redirect::to("/").into_response()
}
