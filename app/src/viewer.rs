//! The one place a request's viewer scope is decided. Handlers and server functions never take
//! a scope from request parameters.

use db::Scope;

/// The scope of the current viewer. Until authentication exists every viewer is the
/// all-tenants security view; this function is where sessions will narrow it.
pub fn current_scope() -> Scope {
    Scope::AllTenants
}
