//! The server's integration tests, linked into one binary: every module below used to be its
//! own test crate, and each of those linked the whole server (Typst, Leptos, kube) again.

mod common;

mod access;
mod ai_platform;
mod alerts;
mod api;
mod backup;
mod chart_scales;
mod cluster_tls;
mod collect;
mod collect_gpu;
mod collectors;
mod counts;
mod deadlines;
mod deploy;
mod embedded_postgres;
mod exceptions;
mod faults;
mod health_truth;
mod hostile;
mod http;
mod inherited;
mod kubectl;
mod metrics;
mod page_truth;
mod pages;
mod prometheus;
mod proxies;
mod report_period;
mod reports;
mod scan;
mod sign_in;
mod tls;
mod vulnerabilities;
