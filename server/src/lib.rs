//! The `rampart` binary's library, grouped by role:
//!
//! - [`commands`]: the command line, one module per command (and the benchmarks);
//! - [`http`]: the one router that serves the dashboard, the API, exports, reports and metrics;
//! - [`jobs`]: what runs in the background (collector loops, maintenance, alerts, report schedule);
//! - [`auth`]: signing in and deciding each request's viewer;
//! - [`collect`]: reading a cluster, one module per source;
//! - [`config`]: the configuration file, parsed into typed values at load;
//! - [`reports`]: building, rendering and storing compliance reports;
//!
//! and the infrastructure they share: the embedded PostgreSQL, the database handle, errors,
//! metrics, shutdown, backoff, telemetry.

pub mod auth;
pub mod backoff;
pub mod collect;
pub mod commands;
pub mod config;
pub mod database;
pub mod diagnosis;
pub mod duration;
pub mod error;
pub mod form;
pub mod http;
pub mod http_client;
pub mod jobs;
pub mod metrics;
pub mod postgres;
pub mod redact;
pub mod reports;
pub mod shutdown;
pub mod sizing;
pub mod telemetry;
