//! `rampart bench pages`: the demo's dataset (14 days of a simulated cluster), the real HTTP
//! server with sign-in, and every page requested many times at 32 concurrent connections;
//! prints p50/p95/p99 per route and ends with `worst_p95_ms=N`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use db::Scope;

use super::measure::quantile;
use crate::auth::Auth;
use crate::config::{AuthMode, Config};

/// Concurrent connections.
pub const CONCURRENCY: usize = 32;
const USER: &str = "bench";
const PASSWORD: &str = "bench password, not secret";

/// Stores the demo's history, serves it, and requests every page `requests` times.
pub(super) async fn measure(pool: &db::PgPool, requests: usize) -> anyhow::Result<()> {
    anyhow::ensure!(requests > 0, "--requests must be at least 1");
    let started = Instant::now();
    let cluster = crate::commands::demo::shared_cluster(sim::SimConfig::default());
    crate::commands::demo::backfill(pool, &cluster, 14 * 24).await?;
    println!("demo dataset: 14 days of hourly collections stored in {:.1} s", started.elapsed().as_secs_f64());

    let served = Served::start(pool, CONCURRENCY).await?;
    println!("{} pages × {requests} requests at {CONCURRENCY} concurrent connections", served.paths.len());
    let mut worst: f64 = 0.0;
    let mut total_errors = 0;
    for path in &served.paths {
        let (samples, errors) =
            hammer(&served.client, &format!("{}{path}", served.base), &served.cookie, requests).await;
        let (p50, p95, p99) = (quantile(&samples, 0.5), quantile(&samples, 0.95), quantile(&samples, 0.99));
        println!("{path:<56} p50 {p50:>7.2} ms  p95 {p95:>7.2} ms  p99 {p99:>7.2} ms  errors {errors}");
        worst = worst.max(p95);
        total_errors += errors;
    }
    served.stop().await;
    println!("worst_p95_ms={worst:.1} errors={total_errors}");
    Ok(())
}

/// The real HTTP server over `pool`, a signed-in client, and every page's concrete path.
pub(super) struct Served {
    pub client: reqwest::Client,
    pub base: String,
    pub cookie: String,
    pub paths: Vec<String>,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Served {
    /// Starts the server with local sign-in for a security-role user and signs in.
    pub async fn start(pool: &db::PgPool, connections: usize) -> anyhow::Result<Served> {
        let mut config = Config::default();
        config.auth.mode = Some(AuthMode::Local);
        config.auth.group_roles.insert("bench".into(), domain::access::Role::Security);
        db::users::add(pool, "bench", USER, &crate::auth::password::hash(PASSWORD)?, &["bench".into()]).await?;
        let auth = Arc::new(Auth::from_config(&config, pool.clone())?);
        let routes = crate::http::route_inventory(crate::http::ServerState::new(auth.clone(), Default::default()));
        let listener = crate::http::serve::bind("127.0.0.1:0").await?;
        let base = crate::http::serve::base_url(&listener, None)?;
        let (stop, shutdown) = crate::shutdown::channel();
        let server = tokio::spawn(crate::http::serve::serve(listener, auth, None, Default::default(), shutdown));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(connections)
            .build()?;
        let cookie = sign_in(&client, &base).await?;
        let paths = concrete_paths(pool, &routes).await?;
        Ok(Served { client, base, cookie, paths, stop, server })
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
    }
}

/// Signs in through the login form, as a browser does; returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let login = client.get(format!("{base}/login")).send().await?;
    let cookie = session_cookie(&login).context("the login page set no session cookie")?;
    let body = login.text().await?;
    let token = body.split("name=\"csrf\" value=\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or_default();
    let form = [("user", USER), ("password", PASSWORD), ("csrf", token), ("next", "/")];
    let answer =
        client.post(format!("{base}/login")).header("cookie", cookie).header("origin", base).form(&form).send().await?;
    anyhow::ensure!(answer.status() == 303, "sign-in failed with {}", answer.status());
    session_cookie(&answer).context("sign-in set no session cookie")
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    let set = response.headers().get("set-cookie")?.to_str().ok()?;
    Some(set.split(';').next()?.to_string())
}

/// Every page route with its parameters filled from the dataset: the riskiest tenant, one of
/// its workloads with findings, one of those findings, its rule, a CIS control.
async fn concrete_paths(pool: &db::PgPool, routes: &[crate::http::RouteEntry]) -> anyhow::Result<Vec<String>> {
    let all = Scope::AllTenants;
    let tenant = db::query::tenant_overview(pool, &all, None).await?.into_iter().next().context("no tenant")?.tenant;
    let workloads = db::query::workloads(pool, &all, None, db::query::WorkloadFilter::All, None).await?;
    let workload = workloads.into_iter().find(|w| w.tenant == tenant && w.findings > 0).context("no workload")?;
    let detail = db::query::workload_detail(pool, &all, &workload.namespace, &workload.kind, &workload.name, None)
        .await?
        .context("no workload detail")?;
    let finding = detail.findings.first().context("no finding")?;
    let values: BTreeMap<&str, String> = [
        ("tenant", tenant.clone()),
        ("namespace", workload.namespace.clone()),
        ("kind", workload.kind.clone()),
        ("name", workload.name.clone()),
        ("framework", "cis".into()),
        ("control", "5.2.2".into()),
    ]
    .into_iter()
    .collect();
    let mut paths: Vec<String> = routes
        .iter()
        .filter(|r| r.kind == "page" && r.method == "GET")
        .map(|r| {
            let id = if r.path.starts_with("/rules/") {
                finding.finding.rule_id.clone()
            } else {
                finding.finding_id.to_string()
            };
            r.path
                .split('/')
                .map(|segment| {
                    let name = segment.trim_start_matches(':').trim_start_matches('{').trim_end_matches('}');
                    match (segment.starts_with(':') || segment.starts_with('{'), name) {
                        (false, _) => segment.to_string(),
                        (true, "id") => id.clone(),
                        (true, name) => values.get(name).cloned().unwrap_or_default(),
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    paths.extend([format!("/tenants/{tenant}?severity=high&sort=newest&page=2"), "/compliance?framework=nsa".into()]);
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// `requests` GETs of `url` over [`CONCURRENCY`] connections: latencies in ms, and non-200s.
async fn hammer(client: &reqwest::Client, url: &str, cookie: &str, requests: usize) -> (Vec<f64>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let workers = (0..CONCURRENCY).map(|_| {
        let (client, url, cookie, next) = (client.clone(), url.to_string(), cookie.to_string(), next.clone());
        tokio::spawn(async move {
            let (mut samples, mut errors) = (Vec::new(), 0);
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let started = Instant::now();
                let ok = match client.get(&url).header("cookie", &cookie).send().await {
                    Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                    Err(_) => false,
                };
                samples.push(started.elapsed().as_secs_f64() * 1000.0);
                errors += usize::from(!ok);
            }
            (samples, errors)
        })
    });
    let mut samples = Vec::with_capacity(requests);
    let mut errors = 0;
    for worker in join_all(workers).await {
        let (s, e) = worker;
        samples.extend(s);
        errors += e;
    }
    (samples, errors)
}

async fn join_all<T: Send + 'static>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles {
        if let Ok(value) = handle.await {
            out.push(value);
        }
    }
    out
}
