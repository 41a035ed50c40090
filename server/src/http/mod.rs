//! The HTTP edge: one router ([`app`]) mounts everything the server answers (Leptos pages and
//! server functions, static files, health probes, sign-in, reports, CSV exports, the JSON API
//! and `/metrics`) and the layers every response passes through (sign-in, CSRF checks, security
//! headers, compression, body limit, request tracing). Handlers reach what they need through
//! [`ServerState`]'s sub-states and answer failures with [`crate::error::HttpError`].

pub mod api_v1;
pub mod export;
mod files;
pub mod metrics;
pub mod reports;
mod router;
pub mod serve;
mod state;

pub use files::{static_dir, style_dir};
pub use router::{CONTENT_SECURITY_POLICY, RouteEntry, app, route_inventory};
pub use state::{ServeOptions, ServerState};
