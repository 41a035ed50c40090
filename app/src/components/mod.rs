//! Small building blocks shared by pages.

pub mod format;
pub mod severity;
pub mod sparkline;
