//! Who is looking, for the page being rendered: the server's authentication layer decides the
//! [`Viewer`] once per request and puts it in the request's extensions; pages and server
//! functions read it here and never take a scope from request parameters. Without a viewer the
//! scope is empty: reads fail closed. The vocabulary itself lives in [`domain::access`].

pub use domain::access::{CsrfToken, Permission, Role, Scope, Viewer};

/// The viewer of the request being rendered or served, if signed in.
pub fn current_viewer() -> Option<Viewer> {
    request_extension::<Viewer>()
}

/// The scope of the current viewer; nothing at all when no one is signed in.
pub fn current_scope() -> Scope {
    current_viewer().map_or(Scope::Tenants(Vec::new()), |viewer| viewer.scope())
}

/// The current session's anti-forgery token, for hidden form fields.
pub fn csrf_token() -> String {
    request_extension::<CsrfToken>().map(|token| token.0).unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn request_extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<T>().cloned())
}

#[cfg(not(feature = "ssr"))]
fn request_extension<T>() -> Option<T> {
    None
}
