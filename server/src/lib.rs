//! The `rampart` binary's library: configuration, the embedded PostgreSQL, HTTP serving,
//! collection from clusters, scheduling, manifest scanning and the demo.

pub mod alerts;
pub mod api_v1;
pub mod auth;
pub mod backoff;
pub mod backup;
pub mod bench;
pub mod cli;
pub mod collect;
pub mod config;
pub mod database;
pub mod demo;
pub mod duration;
pub mod export;
pub mod form;
pub mod http;
pub mod metrics;
pub mod output;
pub mod postgres;
pub mod reports;
pub mod run;
pub mod scan;
pub mod schedule;
pub mod shutdown;
pub mod telemetry;
pub mod web;
