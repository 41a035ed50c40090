//! `rampart serve`: the dashboard, the collector loop, maintenance, scheduled reports and
//! alerts, until a signal stops them.

use std::sync::Arc;

use super::cli::ServeArgs;
use super::collect::targets;
use crate::auth::{Auth, Method};
use crate::config::Config;
use crate::database::Database;
use crate::http::serve::{ServeOptions, bind, serve};
use crate::jobs::collector::{run_collector, run_maintenance_loop};
use crate::shutdown::on_signals;

/// Runs `rampart serve` on `database` until shutdown.
pub async fn run(database: &Database, args: &ServeArgs, config: &Config) -> anyhow::Result<()> {
    let auth = Arc::new(Auth::from_config(config, database.pool.clone())?);
    if matches!(auth.method, Method::Unconfigured) {
        eprintln!(
            "warning: no authentication mode is configured ([auth] mode in --config); \
             only the health probes and the login page are served"
        );
    }
    let listener = bind(&args.listen).await?;
    let shutdown = on_signals();
    let collector = (!args.no_collect).then(|| {
        let (pool, targets) = (database.pool.clone(), targets(&args.cluster, config));
        tokio::spawn(run_collector(pool, targets, None, shutdown.clone()))
    });
    let maintenance =
        tokio::spawn(run_maintenance_loop(database.pool.clone(), args.retention.retention(), shutdown.clone()));
    let signing_key = crate::reports::signing_key(config)?;
    let schedule = tokio::spawn(crate::jobs::report_schedule::run_report_schedule(
        database.pool.clone(),
        config.reports.schedule.clone(),
        signing_key.clone(),
        shutdown.clone(),
    ));
    let alerts =
        tokio::spawn(crate::jobs::alerts::run_alerts(database.pool.clone(), config.alerts.clone(), shutdown.clone()));
    let options = ServeOptions::from_config(config, signing_key);
    serve(listener, auth, config.tls.clone(), options, shutdown).await?;
    let _ = maintenance.await;
    let _ = schedule.await;
    let _ = alerts.await;
    if let Some(collector) = collector {
        let _ = collector.await;
    }
    Ok(())
}
