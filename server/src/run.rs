//! Runs each `rampart` command.

use std::process::ExitCode;

use anyhow::Context;
use domain::TenantMapping;
use domain::rules::RuleSettings;

use std::sync::Arc;

use crate::auth::once::{DEMO_GROUP, OneTimeLinks};
use crate::auth::{Auth, Method};
use crate::cli::{Cli, ClusterArgs, Command, ConfigCommand, DemoArgs, ListFormat, ScanArgs, ScanFormat, ServeArgs};
use crate::collect::{ClusterTarget, collect_once};
use crate::config::Config;
use crate::database::Database;
use crate::demo;
use crate::scan::Filters;
use crate::schedule::{run_collector, run_maintenance_loop};
use crate::shutdown::on_signals;
use crate::web;

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
        Command::Config(ConfigCommand::Check) => {
            let config = Config::load(cli.config.as_deref())?;
            println!("{config:#?}");
            eprintln!("configuration is valid");
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => {
            let config = Config::load(cli.config.as_deref())?;
            let data_dir = cli.data_dir.clone();
            let open = async move || Database::open(database_url, &data_dir).await;
            crate::reports::cli::run(args, &config, open).await
        }
        Command::Backup { out } => {
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = crate::backup::backup(&database, database_url, &out).await;
            database.close().await?;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = crate::backup::restore(&database, database_url, &file).await;
            database.close().await?;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Token(command) => {
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = crate::auth::tokens::run(&database.pool, command).await;
            database.close().await?;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::User(command) => {
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = crate::auth::users::run(&database.pool, command).await;
            database.close().await?;
            result.map(|()| ExitCode::SUCCESS)
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
            let config = Config::load(cli.config.as_deref())?;
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = serve(&database, &args, &config).await;
            database.close().await?;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            std::fs::create_dir_all(&cli.data_dir)
                .with_context(|| format!("cannot create data directory {}", cli.data_dir.display()))?;
            let config = Config::load(cli.config.as_deref())?;
            let database = Database::open(database_url, &cli.data_dir).await?;
            let result = run_demo(&database, &cli.data_dir, &args, config).await;
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

async fn serve(database: &Database, args: &ServeArgs, config: &Config) -> anyhow::Result<()> {
    let auth = Arc::new(Auth::from_config(config, database.pool.clone())?);
    if matches!(auth.method, Method::Unconfigured) {
        eprintln!(
            "warning: no authentication mode is configured ([auth] mode in --config); \
             only the health probes and the login page are served"
        );
    }
    let listener = web::bind(&args.listen).await?;
    let shutdown = on_signals();
    let collector = (!args.no_collect).then(|| {
        let (pool, target) = (database.pool.clone(), target(&args.cluster));
        tokio::spawn(run_collector(pool, vec![target], args.cluster.interval, None, shutdown.clone()))
    });
    let maintenance =
        tokio::spawn(run_maintenance_loop(database.pool.clone(), args.retention.retention(), shutdown.clone()));
    let signing_key = crate::reports::signing_key(config)?;
    let schedule = tokio::spawn(crate::reports::schedule::run_report_schedule(
        database.pool.clone(),
        config.reports.schedule.clone(),
        signing_key.clone(),
        shutdown.clone(),
    ));
    let alerts =
        tokio::spawn(crate::alerts::run_alerts(database.pool.clone(), config.alerts.clone(), shutdown.clone()));
    let options = web::ServeOptions { signing_key, metrics: config.metrics.clone() };
    web::serve(database.pool.clone(), listener, auth, config.tls.clone(), options, shutdown).await?;
    let _ = maintenance.await;
    let _ = schedule.await;
    let _ = alerts.await;
    if let Some(collector) = collector {
        let _ = collector.await;
    }
    Ok(())
}

async fn run_demo(
    database: &Database,
    data_dir: &std::path::Path,
    args: &DemoArgs,
    mut config: Config,
) -> anyhow::Result<()> {
    let listener = web::bind(&args.listen).await?;
    let auth = match config.auth.mode {
        Some(_) => Arc::new(Auth::from_config(&config, database.pool.clone())?),
        None => {
            let links = OneTimeLinks::new(
                web::base_url(&listener, config.tls.as_ref())?,
                Some(data_dir.join("demo-login-link")),
            );
            config.auth.group_roles.insert(DEMO_GROUP.into(), app::viewer::Role::Admin);
            Arc::new(Auth {
                config: config.auth.clone(),
                method: Method::OneTimeLink(links),
                pool: database.pool.clone(),
                tls: config.tls.is_some(),
            })
        }
    };
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
    if let Method::OneTimeLink(links) = &auth.method {
        links.issue();
    }
    let options =
        web::ServeOptions { signing_key: crate::reports::signing_key(&config)?, metrics: config.metrics.clone() };
    web::serve(database.pool.clone(), listener, auth, config.tls.clone(), options, shutdown).await?;
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
