//! Rampart's web frontend: Leptos, server-rendered only (`SsrMode::Async`), so every page is
//! complete HTML that needs no JavaScript. Pages call thin server functions in [`api`], which
//! derive the viewer's scope and call one `db::query` read model each.

pub mod api;
pub mod charts;
pub mod components;
pub mod pages;
pub mod state;
pub mod viewer;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};
use viewer::{Permission, Viewer};

pub use state::{AppState, SignIn};

/// The HTML document around every page.
pub fn shell(_options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="stylesheet" href="/style/rampart.css" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The routed application: a header and the page the path selects.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let viewer = viewer::current_viewer();
    view! {
        <Title formatter=|page: String| format!("{page} · Rampart") />
        <Router>
            <header class="top">
                <A href="/" attr:class="brand">"Rampart"</A>
                <nav>
                    <A href="/">"Overview"</A>
                    <A href="/exceptions">"Exceptions"</A>
                    {viewer.as_ref().filter(|v| v.can(Permission::ReadAuditLog)).map(|_| view! { <A href="/audit">"Audit log"</A> })}
                </nav>
                {viewer.map(|viewer| view! { <SignedIn viewer /> })}
            </header>
            <main>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=StaticSegment("") view=pages::overview::OverviewPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("login") view=pages::login::LoginPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("audit") view=pages::audit::AuditPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("exceptions") view=pages::exceptions::ExceptionsPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("tenants"), ParamSegment("tenant"))
                        view=pages::tenant::TenantPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// Who is signed in, with their role, and the sign-out button (a CSRF-protected POST).
#[component]
fn SignedIn(viewer: Viewer) -> impl IntoView {
    view! {
        <form class="signed-in" method="post" action="/logout">
            <span class="user">{viewer.user}</span>
            <span class="role">{viewer.role.name()}</span>
            <input type="hidden" name="csrf" value=viewer::csrf_token() />
            <button type="submit">"Sign out"</button>
        </form>
    }
}
