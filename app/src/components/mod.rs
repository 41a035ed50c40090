//! Small building blocks shared by pages.

pub mod as_of;
pub mod format;
pub mod severity;
pub mod sparkline;
