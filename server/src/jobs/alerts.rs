//! Alerts: after each check, the configured rules (a new critical finding, a tenant's score
//! rising by more than N within a day, a stale cluster, a quota at or above P%) raise alerts.
//! Each is recorded once per deduplication key and sent to every webhook — generic JSON,
//! Slack-compatible or Microsoft Teams-compatible — with retries and exponential backoff; each
//! delivery's outcome is recorded and shown on the Alerts page.

use std::time::Duration;

use chrono::Utc;
use db::Scope;
use serde_json::{Value, json};

use crate::config::{AlertsConfig, WebhookConfig, WebhookFormat};
use crate::shutdown::Shutdown;

/// How often the rules are evaluated.
pub const CHECK_EVERY: Duration = Duration::from_secs(60);
/// Delivery attempts per webhook before an alert is recorded as failed.
pub const ATTEMPTS: u32 = 4;

/// An alert the rules call for.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub key: String,
    pub kind: &'static str,
    pub tenant: Option<String>,
    pub summary: String,
}

/// What the configured rules call for now.
pub async fn evaluate(pool: &db::PgPool, config: &AlertsConfig) -> db::Result<Vec<Candidate>> {
    let now = Utc::now();
    let day = now.format("%Y-%m-%d").to_string();
    let mut out = Vec::new();
    if config.new_critical {
        for f in db::alerts::new_criticals(pool, now - chrono::Duration::days(1)).await? {
            let object = domain::ObjectRef { kind: f.object_kind, namespace: f.object_namespace, name: f.object_name };
            out.push(Candidate {
                key: format!("new-critical:{}", f.finding_id),
                kind: "new-critical",
                summary: format!("New critical finding {} on {object} (tenant {})", f.rule_id, f.tenant),
                tenant: Some(f.tenant),
            });
        }
    }
    if let Some(rise) = config.score_rise {
        let before =
            db::query::tenant_overview(pool, &Scope::AllTenants, Some(now - chrono::Duration::days(1))).await?;
        for t in db::query::tenant_overview(pool, &Scope::AllTenants, None).await? {
            if let Some(b) = before.iter().find(|b| b.tenant == t.tenant)
                && t.score - b.score > rise
            {
                out.push(Candidate {
                    key: format!("score-rise:{}:{day}", t.tenant),
                    kind: "score-rise",
                    summary: format!(
                        "Risk score of {} rose from {:.1} to {:.1} within a day",
                        t.tenant, b.score, t.score
                    ),
                    tenant: Some(t.tenant),
                });
            }
        }
    }
    if config.stale_clusters {
        for c in db::system::clusters(pool).await?.into_iter().filter(|c| c.is_stale(now)) {
            let last = c.last_finished_at.map_or_else(|| "never".to_string(), |t| t.to_rfc3339());
            out.push(Candidate {
                key: format!("cluster-stale:{}:{last}", c.name),
                kind: "cluster-stale",
                summary: format!("Cluster {} is stale: last good collection {last}", c.name),
                tenant: None,
            });
        }
    }
    if let Some(limit) = config.quota_percent {
        for q in
            db::query::quotas(pool, &Scope::AllTenants, None, None).await?.into_iter().filter(|q| q.used_pct() >= limit)
        {
            out.push(Candidate {
                key: format!("quota-high:{}/{}/{}:{day}", q.namespace, q.quota, q.resource),
                kind: "quota-high",
                summary: format!(
                    "Quota {} in {} ({}) is {:.0}% used: {} of {}",
                    q.quota,
                    q.namespace,
                    q.resource,
                    q.used_pct(),
                    q.used,
                    q.hard
                ),
                tenant: Some(q.tenant),
            });
        }
    }
    Ok(out)
}

/// The body a webhook of `format` receives.
pub fn payload(format: WebhookFormat, alert: &Candidate) -> Value {
    let text = format!("[Rampart] {}", alert.summary);
    match format {
        WebhookFormat::Json => json!({
            "source": "rampart", "kind": alert.kind, "tenant": alert.tenant, "summary": alert.summary,
            "key": alert.key, "at": Utc::now().to_rfc3339(),
        }),
        WebhookFormat::Slack => json!({ "text": text }),
        WebhookFormat::Teams => json!({
            "@type": "MessageCard", "@context": "https://schema.org/extensions",
            "summary": alert.summary, "themeColor": "B3132B", "title": "Rampart alert", "text": alert.summary,
        }),
    }
}

/// Sends `body` to `webhook`, retrying failures with exponential backoff and jitter; returns
/// the attempts made and the last error, if every attempt failed.
pub async fn deliver(
    client: &reqwest::Client,
    webhook: &WebhookConfig,
    body: &Value,
    base_delay: Duration,
) -> (u32, Option<String>) {
    let mut last_error = None;
    for attempt in 1..=ATTEMPTS {
        let request =
            client.post(webhook.url.expose()).header("content-type", "application/json").body(body.to_string());
        match request.send().await {
            Ok(response) if response.status().is_success() => return (attempt, None),
            Ok(response) => last_error = Some(format!("HTTP {}", response.status())),
            // Without the URL: a webhook URL is a credential, and this text is logged and stored.
            Err(error) => last_error = Some(error.without_url().to_string()),
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(crate::backoff::backoff(base_delay, attempt, Duration::MAX)).await;
        }
    }
    (ATTEMPTS, last_error)
}

/// Evaluates the rules once: records each new alert and delivers it to every webhook. Returns the
/// ids of the alerts raised.
pub async fn check_once(pool: &db::PgPool, config: &AlertsConfig, base_delay: Duration) -> anyhow::Result<Vec<i64>> {
    let client = crate::http_client::builder(Duration::from_secs(10)).build()?;
    let mut raised = Vec::new();
    for candidate in evaluate(pool, config).await? {
        let Some(id) =
            db::alerts::raise(pool, &candidate.key, candidate.kind, candidate.tenant.as_deref(), &candidate.summary)
                .await?
        else {
            continue; // already raised: deduplicated
        };
        for webhook in &config.webhook {
            let (attempts, error) = deliver(&client, webhook, &payload(webhook.format, &candidate), base_delay).await;
            if let Some(error) = &error {
                tracing::warn!(webhook = webhook.name, alert = id, error, "alert delivery failed");
            }
            let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
            db::alerts::record_delivery(pool, id, &webhook.name, error.is_none(), attempts, error.as_deref()).await?;
        }
        raised.push(id);
    }
    Ok(raised)
}

/// Checks every [`CHECK_EVERY`] until shutdown.
pub async fn run_alerts(pool: db::PgPool, config: AlertsConfig, shutdown: Shutdown) {
    if !config.enabled() {
        return;
    }
    let mut ticker = tokio::time::interval(CHECK_EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => {},
            _ = shutdown.clone().requested() => return,
        }
        if let Err(error) = check_once(&pool, &config, Duration::from_secs(1)).await {
            tracing::warn!(%error, "alert check failed; retried at the next check");
        }
    }
}
