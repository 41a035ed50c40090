//! Rampart's pure domain: the typed inventory of one cluster, the rules evaluated over it,
//! namespace-to-tenant mapping, pod health, quota and GPU read-outs, and the risk score.
//!
//! Nothing here does I/O: every function takes values and returns values, so every rule and
//! formula is unit-testable with literals.

pub mod access;
pub mod api_versions;
pub mod assessment;
pub mod authorization;
pub mod compliance;
pub mod containers;
pub mod custom_workloads;
pub mod exceptions;
pub mod exposure;
pub mod finding;
pub mod frameworks;
pub mod gpu;
pub mod gpu_capacity;
pub mod health;
pub mod images;
pub mod intake;
pub mod inventory;
pub mod manifest;
pub mod owners;
pub mod pod;
pub mod quantity;
pub mod quota;
pub mod rules;
pub mod score;
pub mod secret_like;
pub mod selector;
pub mod sites;
pub mod tenancy;
pub mod trivy;
pub mod usage;
pub mod workload;

pub use assessment::{Assessment, KindCoverage, NamespaceSummary, TenantScore, assess};
pub use exceptions::Exception;
pub use finding::{Finding, ObjectRef, Severity, SeverityCounts, TenantFinding};
pub use inventory::Inventory;
pub use tenancy::TenantMapping;
