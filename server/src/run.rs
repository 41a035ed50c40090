//! Runs each `rampart` command.

use std::process::ExitCode;

use anyhow::Context;
use domain::TenantMapping;
use domain::rules::RuleSettings;

use std::sync::Arc;

use crate::auth::once::{DEMO_GROUP, OneTimeLinks};
use crate::auth::{Auth, Method};
use crate::cli::{Cli, ClusterArgs, Command, ConfigCommand, DemoArgs, ListFormat, ScanArgs, ScanFormat, ServeArgs};
use crate::collect::{ClusterTarget, Sources, collect_once};
use crate::config::{ClusterConfig, Config};
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
            let config = Config::load(cli.config.as_deref())?;
            let database = Database::open(database_url, &cli.data_dir).await?;
            let targets = targets(&args.cluster, &config);
            let code = if args.once {
                collect_all_once(&database.pool, targets).await
            } else {
                run_collector(database.pool.clone(), targets, None, on_signals()).await;
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

/// The clusters to collect: the configuration file's `[[clusters]]`, or else the one the
/// cluster flags describe.
fn targets(args: &ClusterArgs, config: &Config) -> Vec<ClusterTarget> {
    if !config.clusters.is_empty() {
        return config.clusters.iter().map(target_of).collect();
    }
    vec![ClusterTarget {
        name: args.cluster_name.clone(),
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        rules: rule_settings(TenantMapping::by_label(&args.tenant_label), &args.allowed_registries),
        interval: args.interval,
        sources: Sources::default(),
    }]
}

fn target_of(cluster: &ClusterConfig) -> ClusterTarget {
    // Validated when the configuration loaded.
    let mapping = cluster.tenant_mapping().unwrap_or_else(|_| TenantMapping::by_label(&cluster.tenant_label));
    ClusterTarget {
        name: cluster.name.clone(),
        kubeconfig: cluster.kubeconfig.clone(),
        context: cluster.context.clone(),
        rules: rule_settings(mapping, &cluster.allowed_registries),
        interval: cluster.interval(),
        sources: cluster.sources(),
    }
}

fn rule_settings(tenant_mapping: TenantMapping, allowed_registries: &[String]) -> RuleSettings {
    RuleSettings { tenant_mapping, allowed_registries: allowed_registries.to_vec(), ..RuleSettings::default() }
}

/// Collects every target once, concurrently; fails when any of them failed.
async fn collect_all_once(pool: &db::PgPool, targets: Vec<ClusterTarget>) -> ExitCode {
    let mut collections = tokio::task::JoinSet::new();
    for target in targets {
        let pool = pool.clone();
        collections.spawn(async move { (collect_once(&pool, &target).await, target.name) });
    }
    let mut code = ExitCode::SUCCESS;
    while let Some(joined) = collections.join_next().await {
        match joined {
            Ok((Ok(id), name)) => eprintln!("collection {id} of cluster {name:?} stored"),
            Ok((Err(error), name)) => {
                eprintln!("error: collection of cluster {name:?} failed: {error}");
                code = ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("error: a collection task failed: {error}");
                code = ExitCode::FAILURE;
            }
        }
    }
    code
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
        let (pool, targets) = (database.pool.clone(), targets(&args.cluster, config));
        tokio::spawn(run_collector(pool, targets, None, shutdown.clone()))
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
        interval: args.interval,
        sources: Sources::default(),
    };
    let step = move || {
        if let Ok(mut cluster) = cluster.write() {
            cluster.step();
        }
    };
    let collector =
        tokio::spawn(run_collector(database.pool.clone(), vec![target], Some(Arc::new(step)), shutdown.clone()));
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
