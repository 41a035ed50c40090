//! A simulated multi-tenant AI platform cluster.
//!
//! [`Cluster::generate`] builds a deterministic (seeded) cluster of teams, their namespaces and
//! workloads, with misconfigurations at configurable rates; [`Cluster::step`] advances simulated
//! time (pods restart, misconfigurations are fixed and introduced, GPU use moves).
//! [`api::serve`] publishes it over HTTP in the Kubernetes API's own shapes, so the real
//! `kube::Client` can collect it, together with a dcgm-exporter `/metrics` endpoint.
//!
//! Used by `rampart demo`, tests and benchmarks; never by production code paths.

pub mod api;
mod dcgm;
mod discovery;
pub mod faults;
mod generate;
mod model;
mod object;
mod operators;
mod platform;
mod pods;
mod render;
mod reports;
mod rng;
mod selectors;
mod server;
mod step;
mod storage;
pub mod tls;
mod trivy_cluster;

pub use dcgm::GpuCounts;
pub use faults::Faults;
pub use model::{Cluster, ExporterChart, SharedCluster, SimConfig, TrivySim};
pub use server::{SimServer, kubeconfig_with, kubeconfig_yaml, serve, serve_with};
