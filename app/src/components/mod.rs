//! Small building blocks shared by pages.

pub mod as_of;
pub mod format;
pub mod links;
pub mod query;
pub mod severity;
