//! One file per page.

pub mod alerts;
pub mod audit;
pub mod compliance;
pub mod exceptions;
pub mod finding;
pub mod fleet;
pub mod gpu_capacity;
pub mod image;
pub mod login;
pub mod namespace;
pub mod not_found;
pub mod overview;
pub mod reports;
pub mod rules;
pub mod tenant;
pub mod vulnerabilities;
pub mod workload;

use leptos::prelude::*;

use crate::api::AppError;

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

/// A page across tenants: its title, breadcrumbs and heading, then what `load` renders for the
/// requested instant (`?at=`), with a 400 for a malformed instant and the load error otherwise.
pub fn fleet_page<F, Fut>(title: &'static str, heading: &'static str, load: F) -> impl IntoView + use<F, Fut>
where
    F: FnOnce(Option<chrono::DateTime<chrono::Utc>>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<AnyView, AppError>> + Send + 'static,
{
    use crate::components::as_of::requested_instant;
    view! {
        <leptos_meta::Title text=title />
        <crate::components::links::Breadcrumbs trail=vec![] here=title.to_string() />
        <h1>{heading}</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let at = match requested_instant() {
                    Ok(at) => at,
                    Err(error) => return view! { <BadRequest error /> }.into_any(),
                };
                match load(at).await {
                    Ok(view) => view,
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
