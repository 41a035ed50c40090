//! Runs each `rampart` command.

use std::process::ExitCode;

use anyhow::Context;
use domain::TenantMapping;
use domain::rules::RuleSettings;

use crate::cli::{Cli, ClusterArgs, Command, DemoArgs, ListFormat, ScanArgs, ScanFormat, ServeArgs};
use crate::collect::{ClusterTarget, collect_once};
use crate::database::Database;
use crate::demo;
use crate::scan::Filters;
use crate::schedule::{run_collector, run_maintenance_loop};
use crate::shutdown::{Shutdown, on_signals};

/// Runs the command `cli` names and returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let database_url = cli.database_url.as_deref();
    match cli.command {
        Command::Scan(args) => Ok(scan(&args)),
        Command::Rules(args) => {
            match args.format {
                ListFormat::Table => print!("{}", crate::output::catalogue::rules_table()),
                ListFormat::Json => println!("{}", crate::output::catalogue::rules_json()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Frameworks(args) => {
            match args.format {
                ListFormat::Table => print!("{}", crate::output::catalogue::frameworks_table()),
                ListFormat::Json => println!("{}", crate::output::catalogue::frameworks_json()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(bench) => crate::bench::run(bench, database_url).await.map(|()| ExitCode::SUCCESS),
        Command::Migrate => {
            let database = Database::open(database_url, &cli.data_dir).await?;
            eprintln!("database schema is up to date");
            database.close().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Collect(args) => {
            let database = Database::open(database_url, &cli.data_dir).await?;
            let target = target(&args.cluster);
            let code = if args.once {
                match collect_once(&database.pool, &target).await {
                    Ok(id) => {
                        eprintln!("collection {id} of cluster {:?} stored", target.name);
                        ExitCode::SUCCESS
                    }
                    Err(error) => {
                        eprintln!("error: collection of cluster {:?} failed: {error}", target.name);
                        ExitCode::FAILURE
                    }
                }
            } else {
                let shutdown = on_signals();
                run_collector(database.pool.clone(), vec![target], args.cluster.interval, None, shutdown).await;
                ExitCode::SUCCESS
            };
            database.close().await?;
            Ok(code)
        }
        Command::Serve(args) => {
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = serve(&database, &args).await;
            database.close().await?;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            std::fs::create_dir_all(&cli.data_dir)
                .with_context(|| format!("cannot create data directory {}", cli.data_dir.display()))?;
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = run_demo(&database, &cli.data_dir, &args).await;
            database.close().await?;
            result.map(|()| ExitCode::SUCCESS)
        }
    }
}

fn target(args: &ClusterArgs) -> ClusterTarget {
    ClusterTarget {
        name: args.cluster_name.clone(),
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        rules: RuleSettings {
            tenant_mapping: TenantMapping { label_key: args.tenant_label.clone() },
            allowed_registries: args.allowed_registries.clone(),
            ..RuleSettings::default()
        },
    }
}

async fn serve(database: &Database, args: &ServeArgs) -> anyhow::Result<()> {
    let shutdown = on_signals();
    let collector = (!args.no_collect).then(|| {
        let (pool, target) = (database.pool.clone(), target(&args.cluster));
        tokio::spawn(run_collector(pool, vec![target], args.cluster.interval, None, shutdown.clone()))
    });
    let maintenance =
        tokio::spawn(run_maintenance_loop(database.pool.clone(), args.retention.retention(), shutdown.clone()));
    serve_http(database.pool.clone(), &args.listen, shutdown).await?;
    let _ = maintenance.await;
    if let Some(collector) = collector {
        let _ = collector.await;
    }
    Ok(())
}

/// Serves the dashboard on `listen` until shutdown; in-flight requests finish first.
pub async fn serve_http(pool: db::PgPool, listen: &str, shutdown: Shutdown) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    eprintln!("Rampart is serving http://{addr}");
    let router = crate::http::app(app::AppState::new(pool));
    axum::serve(listener, router).with_graceful_shutdown(shutdown.requested()).await.context("HTTP server failed")
}

async fn run_demo(database: &Database, data_dir: &std::path::Path, args: &DemoArgs) -> anyhow::Result<()> {
    let shutdown = on_signals();
    let cluster = demo::shared_cluster(sim::SimConfig {
        tenants: args.tenants,
        pods: args.pods,
        seed: args.seed,
        ..sim::SimConfig::default()
    });
    eprintln!("demo: backfilling {} days of simulated history", args.backfill_days);
    demo::backfill(&database.pool, &cluster, args.backfill_days.saturating_mul(24)).await?;
    let (sim_server, kubeconfig) = demo::start_simulator(cluster.clone(), data_dir).await?;
    eprintln!("demo: simulated cluster API at {} (kubeconfig {})", sim_server.url(), kubeconfig.display());
    let target = ClusterTarget {
        name: demo::DEMO_CLUSTER.to_string(),
        kubeconfig: Some(kubeconfig),
        context: None,
        rules: RuleSettings::default(),
    };
    let step = move || {
        if let Ok(mut cluster) = cluster.write() {
            cluster.step();
        }
    };
    let collector = tokio::spawn(run_collector(
        database.pool.clone(),
        vec![target],
        args.interval,
        Some(Box::new(step)),
        shutdown.clone(),
    ));
    let maintenance =
        tokio::spawn(run_maintenance_loop(database.pool.clone(), args.retention.retention(), shutdown.clone()));
    serve_http(database.pool.clone(), &args.listen, shutdown).await?;
    let _ = collector.await;
    let _ = maintenance.await;
    drop(sim_server);
    Ok(())
}

fn scan(args: &ScanArgs) -> ExitCode {
    let manifests = match crate::scan::load(&args.paths) {
        Ok(manifests) => manifests,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let settings = RuleSettings { allowed_registries: args.allowed_registries.clone(), ..RuleSettings::default() };
    let filters =
        Filters { rules: args.rules.clone(), skip_rules: args.skip_rules.clone(), min_severity: args.min_severity };
    let result = match crate::scan::scan(&manifests, &settings, &filters) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let findings = &result.findings;
    match args.format {
        ScanFormat::Json => println!("{}", crate::scan::to_json(&manifests, findings)),
        ScanFormat::Table => print!("{}", crate::scan::to_table(&manifests, findings)),
        ScanFormat::Sarif => println!("{}", crate::output::sarif::render(&manifests, findings)),
        ScanFormat::Junit => {
            print!("{}", crate::output::junit::render(&manifests, findings, &result.not_assessable, &result.rules))
        }
    }
    for (kind, count) in &manifests.skipped {
        eprintln!("note: {count} {kind} document(s) skipped: no rule reads that kind");
    }
    let failing = args.fail_on.is_some_and(|threshold| findings.iter().any(|f| f.severity >= threshold));
    if failing { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
