//! One file per page.

pub mod audit;
pub mod compliance;
pub mod exceptions;
pub mod finding;
pub mod fleet;
pub mod login;
pub mod namespace;
pub mod not_found;
pub mod overview;
pub mod reports;
pub mod rules;
pub mod tenant;
pub mod workload;

use leptos::prelude::*;

/// The message shown when a page's data could not be read.
#[component]
pub fn LoadError(error: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
    }
    view! { <p class="error" role="alert">{error}</p> }
}

/// The message shown for a malformed request (a bad `?at=`), with status 400.
#[component]
pub fn BadRequest(error: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::BAD_REQUEST);
    }
    view! { <p class="error" role="alert">{error}</p> }
}

/// The message shown when the viewer's role does not allow the page, with status 403.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    view! { <p class="error" role="alert">"Your role does not allow this page."</p> }
}
