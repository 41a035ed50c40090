//! Small building blocks shared by pages.

pub mod as_of;
pub mod format;
pub mod health;
pub mod links;
pub mod quantity;
pub mod query;
pub mod severity;
