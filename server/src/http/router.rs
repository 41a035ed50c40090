//! The router: every route the server answers and the layers every response passes through
//! (sign-in, CSRF checks, security headers, compression, body limit, request tracing).

use app::{App, AppState, shell};
use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::state::ServerState;
use super::{api_v1, export, metrics, reports};
use crate::error::HttpError;
use crate::form::MAX_BODY_BYTES;

/// The Content-Security-Policy of every response: only our own origin, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One route the application serves: its method and path pattern (`/tenants/{tenant}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: String,
    pub path: String,
    /// Where it comes from: `handler`, `page` or `server-fn`.
    pub kind: &'static str,
}

/// The whole router for `state`: what `rampart serve` serves, and what tests drive with
/// `oneshot`.
pub fn app(state: ServerState) -> Router {
    build(state).0
}

/// Every route `app` serves, read off the router as it is built, so a new route is listed
/// (and covered by the isolation tests) without anyone remembering to add it.
pub fn route_inventory(state: ServerState) -> Vec<RouteEntry> {
    build(state).1
}

fn build(state: ServerState) -> (Router, Vec<RouteEntry>) {
    let auth = state.auth.clone();
    let page_routes = generate_route_list(App);
    let mut inventory: Vec<RouteEntry> = page_routes
        .iter()
        .flat_map(|route| {
            route.methods().map(|method| RouteEntry {
                method: format!("{method:?}").to_uppercase(),
                path: route.path().to_string(),
                kind: "page",
            })
        })
        .collect();
    inventory.extend(leptos::server_fn::axum::server_fn_paths().map(|(path, method)| RouteEntry {
        method: method.to_string(),
        path: path.to_string(),
        kind: "server-fn",
    }));
    let options = state.app.leptos_options.clone();
    let mut handlers = Handlers::default();
    handlers.add("GET", "/healthz", get(healthz));
    handlers.add("GET", "/readyz", get(readyz));
    crate::auth::routes(&mut |method, path, route| handlers.add(method, path, route));
    reports::routes(&mut |method, path, route| handlers.add(method, path, route));
    export::routes(&mut |method, path, route| handlers.add(method, path, route));
    api_v1::routes(&mut |method, path, route| handlers.add(method, path, route));
    if state.options.metrics.enabled {
        // Scraped without a session: it answers to its own bearer token, not to sign-in.
        handlers.add("GET", "/metrics", get(metrics::metrics));
    }
    inventory.extend(handlers.entries.iter().cloned());
    let pages: Router = Router::<AppState>::new()
        .nest_service("/style", ServeDir::new(state.app.leptos_options.site_root.as_ref()))
        .leptos_routes(&state.app, page_routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state.app.clone());
    let router = handlers.router.with_state(state).merge(pages);
    let router = router.layer(axum::middleware::from_fn(crate::error::api_errors_as_json));
    let mut router = crate::auth::protect(router, auth.clone());
    let mut headers = vec![
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    if auth.tls {
        headers.push((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"));
    }
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    let router = router.layer(axum::middleware::from_fn(record_latency));
    let router = router.layer(CompressionLayer::new()).layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES)).layer(
        TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
            tracing::info_span!("request", method = %request.method(), route)
        }),
    );
    (router, inventory)
}

/// Plain axum routes, recorded as they are added.
struct Handlers<S> {
    router: Router<S>,
    entries: Vec<RouteEntry>,
}

impl<S: Clone + Send + Sync + 'static> Default for Handlers<S> {
    fn default() -> Self {
        Handlers { router: Router::new(), entries: Vec::new() }
    }
}

impl<S: Clone + Send + Sync + 'static> Handlers<S> {
    fn add(&mut self, method: &str, path: &str, route: MethodRouter<S>) {
        self.router = std::mem::take(&mut self.router).route(path, route);
        self.entries.push(RouteEntry { method: method.to_string(), path: path.to_string(), kind: "handler" });
    }
}

/// Records each request's latency by method, matched route and status class for `/metrics`.
async fn record_latency(request: axum::extract::Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let response = next.run(request).await;
    crate::metrics::observe_request(&method, &route, response.status(), started.elapsed().as_secs_f64());
    response
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
async fn readyz(State(pool): State<db::PgPool>) -> Result<&'static str, HttpError> {
    db::ping(&pool).await.map_err(|error| HttpError::store("database unreachable", error))?;
    Ok("ready")
}
