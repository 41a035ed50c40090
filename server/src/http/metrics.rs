//! `GET /metrics` in the Prometheus text format: each tenant's posture (risk score, open findings
//! by severity and by category, compliance per framework, tightest quota headroom, GPUs
//! allocated and idle), each cluster's freshness and coverage, and Rampart's own HTTP latency and
//! collection timings. Labels are tenants, clusters, frameworks, severities, categories, routes
//! and methods, never object names, so their number stays bounded. Off unless
//! `[metrics] enabled = true`; with `bearer_token`, a scrape must present it.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use db::Scope;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use subtle::ConstantTimeEq;

use super::state::ServeOptions;
use crate::error::HttpError;

type Labels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// `GET /metrics`.
pub async fn metrics(
    State(pool): State<db::PgPool>,
    State(options): State<Arc<ServeOptions>>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    if let Some(token) = &options.metrics.bearer_token {
        let sent =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if !sent.is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(token.expose().as_bytes()))) {
            return Err(HttpError::Unauthorized { message: "bearer token required", challenge: "Bearer" });
        }
    }
    let text = render(&pool).await.map_err(|error| HttpError::store("metrics unavailable", error))?;
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    Ok(([(header::CONTENT_TYPE, content_type)], text).into_response())
}

fn gauge_family(registry: &mut Registry, name: &str, help: &str) -> Family<Labels, FloatGauge> {
    let family = Family::<Labels, FloatGauge>::default();
    registry.register(name, help, family.clone());
    family
}

fn set(family: &Family<Labels, FloatGauge>, labels: Labels, value: f64) {
    family.get_or_create(&labels).set(value);
}

/// The exposition text, read fresh from the store.
pub async fn render(pool: &db::PgPool) -> db::Result<String> {
    let all = Scope::AllTenants;
    let mut registry = Registry::with_prefix("rampart");
    let score = gauge_family(&mut registry, "tenant_risk_score", "Risk score 0-100, higher is riskier");
    let by_severity = gauge_family(&mut registry, "tenant_open_findings", "Open findings by severity");
    let by_category = gauge_family(&mut registry, "tenant_open_findings_by_category", "Open findings by rule category");
    let compliance = gauge_family(&mut registry, "tenant_compliance_ratio", "Passed over assessable controls (0-1)");
    let headroom = gauge_family(&mut registry, "tenant_quota_headroom_ratio", "Smallest remaining share of any quota");
    let gpus = gauge_family(&mut registry, "tenant_gpus_allocated", "GPUs allocated to running pods");
    let idle = gauge_family(&mut registry, "tenant_gpus_idle", "Allocated GPUs on workloads under 5% utilisation");
    let unhealthy = gauge_family(
        &mut registry,
        "tenant_unhealthy_pods",
        "Pods unhealthy by Rampart's one definition (see the README's Pod health)",
    );
    let node_gpus = gauge_family(
        &mut registry,
        "gpu_node_gpus",
        "GPUs of a node by state: capacity, allocatable, allocated, in_use (reporting), idle (now), free",
    );
    let pending_gpus = gauge_family(
        &mut registry,
        "tenant_gpus_pending",
        "GPUs that pending pods wait for (Insufficient nvidia.com/gpu)",
    );
    let age = gauge_family(&mut registry, "cluster_last_collection_age_seconds", "Seconds since the last collection");
    let took =
        gauge_family(&mut registry, "cluster_last_collection_duration_seconds", "Duration of the last collection");
    let objects = gauge_family(&mut registry, "cluster_objects", "Objects in the last collection");
    let gaps =
        gauge_family(&mut registry, "cluster_rules_not_assessable", "Rules the last collection could not assess");
    let stale = gauge_family(&mut registry, "cluster_stale", "1 when no good collection for three intervals");
    crate::metrics::register_timings(&mut registry);

    for t in db::query::tenant_overview(pool, &all, None).await? {
        let tenant = || vec![("tenant", t.tenant.clone())];
        set(&score, tenant(), t.score);
        set(&unhealthy, tenant(), t.unhealthy_pods as f64);
        for (severity, count) in [("critical", t.critical), ("high", t.high), ("medium", t.medium), ("low", t.low)] {
            set(&by_severity, vec![("tenant", t.tenant.clone()), ("severity", severity.into())], count as f64);
        }
        if let Some(pct) = t.tightest_quota_headroom_pct {
            set(&headroom, tenant(), pct / 100.0);
        }
        if t.gpus_allocated > 0.0 {
            set(&gpus, tenant(), t.gpus_allocated);
            set(&idle, tenant(), t.gpus_idle);
        }
    }
    let mut categories: std::collections::BTreeMap<(String, &'static str), f64> = Default::default();
    for (tenant, rule_id, count) in db::query::open_finding_counts(pool, &all).await? {
        let category = domain::rules::rule(&rule_id).map_or("other", |r| r.category.as_str());
        *categories.entry((tenant, category)).or_default() += count as f64;
    }
    for ((tenant, category), count) in categories {
        set(&by_category, vec![("tenant", tenant), ("category", category.to_string())], count);
    }
    for row in db::query::compliance_summary(pool, &all, None, None).await? {
        if let Some(pct) = row.percent() {
            set(&compliance, vec![("tenant", row.tenant.clone()), ("framework", row.framework.clone())], pct / 100.0);
        }
    }
    for n in db::query::gpu_nodes(pool, None).await? {
        let states = [
            ("capacity", n.capacity),
            ("allocatable", n.allocatable),
            ("allocated", n.allocated),
            ("in_use", n.metered),
        ];
        for (state, value) in states.into_iter().chain([("idle", n.idle), ("free", n.free())]) {
            let labels = vec![("cluster", n.cluster.clone()), ("node", n.node.clone()), ("state", state.to_string())];
            set(&node_gpus, labels, value);
        }
    }
    let mut pending: std::collections::BTreeMap<String, f64> = Default::default();
    for p in db::query::pending_gpus(pool, &all, None).await? {
        *pending.entry(p.tenant).or_default() += p.gpus;
    }
    for (tenant, gpus) in pending {
        set(&pending_gpus, vec![("tenant", tenant)], gpus);
    }
    let now = chrono::Utc::now();
    for c in db::system::clusters(pool).await? {
        let cluster = || vec![("cluster", c.name.clone())];
        if let Some(last) = c.last_finished_at {
            set(&age, cluster(), (now - last).num_milliseconds() as f64 / 1000.0);
        }
        if let Some(duration) = c.duration_s {
            set(&took, cluster(), duration);
        }
        set(&objects, cluster(), f64::from(c.object_count.unwrap_or(0)));
        set(&gaps, cluster(), c.not_assessable as f64);
        set(&stale, cluster(), if c.is_stale(now) { 1.0 } else { 0.0 });
    }
    let mut text = String::new();
    encode(&mut text, &registry).map_err(|e| db::Error::Invalid(format!("cannot encode metrics: {e}")))?;
    Ok(text)
}
