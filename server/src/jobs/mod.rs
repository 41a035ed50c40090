//! What the server runs in the background until shutdown: the collector loop of each cluster and
//! the history maintenance ([`collector`]), alert evaluation and delivery ([`alerts`]), and
//! scheduled reports ([`report_schedule`]).

pub mod alerts;
pub mod collector;
pub mod report_schedule;
