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
        // leptos_meta writes the title into the page as it is: every title is escaped here, once.
        <Title formatter=|page: String| format!("{} · Rampart", components::format::escape_html(&page)) />
        <Router>
            <header class="top">
                <A href="/" attr:class="brand">"Rampart"</A>
                <nav>
                    <A href="/">"Overview"</A>
                    <A href="/compliance">"Compliance"</A>
                    <A href="/health">"Health"</A>
                    <A href="/quotas">"Quotas"</A>
                    <A href="/gpu">"GPUs"</A>
                    <A href="/vulnerabilities">"Vulnerabilities"</A>
                    <A href="/clusters">"Clusters"</A>
                    <A href="/rules">"Rules"</A>
                    <A href="/exceptions">"Exceptions"</A>
                    <A href="/reports">"Reports"</A>
                    <A href="/alerts">"Alerts"</A>
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
                    <Route
                        path=(StaticSegment("tenants"), ParamSegment("tenant"), StaticSegment("namespaces"), ParamSegment("namespace"))
                        view=pages::namespace::NamespacePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("workloads"), ParamSegment("namespace"), ParamSegment("kind"), ParamSegment("name"))
                        view=pages::workload::WorkloadPage
                        ssr=SsrMode::Async
                    />
                    <Route path=(StaticSegment("findings"), ParamSegment("id")) view=pages::finding::FindingPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("rules") view=pages::rules::RulesPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("rules"), ParamSegment("id")) view=pages::rules::RulePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("compliance") view=pages::compliance::CompliancePage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("compliance"), ParamSegment("framework"), ParamSegment("control"))
                        view=pages::compliance::ControlPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("health") view=pages::fleet::HealthPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("vulnerabilities") view=pages::vulnerabilities::VulnerabilitiesPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("images"), ParamSegment("image")) view=pages::image::ImagePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("quotas") view=pages::fleet::QuotasPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("gpu") view=pages::fleet::GpuPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("clusters") view=pages::fleet::ClustersPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("reports") view=pages::reports::ReportsPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("alerts") view=pages::alerts::AlertsPage ssr=SsrMode::Async />
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
