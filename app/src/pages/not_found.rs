//! The page for paths and tenants that do not exist (or are not the viewer's to see).

use leptos::prelude::*;
use leptos_meta::Title;

/// A 404 page.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <h1>"Not found"</h1>
        <p>"There is nothing here, or nothing you may see. " <a href="/">"Back to the overview"</a></p>
    }
}
