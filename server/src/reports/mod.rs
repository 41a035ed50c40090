//! Compliance reports: what to report on ([`ReportRequest`]), reading it through the viewer's
//! scope ([`build`]), typesetting and sealing it (`report` crate), and storing it so the same
//! bytes can be downloaded again. The CLI, the web routes and the schedule all go through
//! [`generate_and_store`].

pub mod build;
mod request;
mod store;

pub use request::{ReportError, ReportRequest, Requester, Stored};
pub use store::{generate_and_store, signing_key};
