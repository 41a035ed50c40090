//! `rampart collect`: the configured clusters, once (all at once) or each on its interval; and
//! the cluster targets `serve` collects too.

use std::process::ExitCode;

use domain::TenantMapping;
use domain::rules::RuleSettings;

use super::cli::{ClusterArgs, CollectArgs};
use crate::collect::{ClusterTarget, Sources, collect_once};
use crate::config::{ClusterConfig, Config};
use crate::jobs::collector::run_collector;
use crate::shutdown::on_signals;

/// Runs `rampart collect`: exit code 1 when a one-off collection of any cluster failed.
pub async fn run(pool: &db::PgPool, args: &CollectArgs, config: &Config) -> ExitCode {
    let targets = targets(&args.cluster, config);
    if args.once {
        return collect_all_once(pool, targets).await;
    }
    run_collector(pool.clone(), targets, None, on_signals()).await;
    ExitCode::SUCCESS
}

/// The clusters to collect: the configuration file's `[[clusters]]`, or else the one the
/// cluster flags describe.
pub fn targets(args: &ClusterArgs, config: &Config) -> Vec<ClusterTarget> {
    if !config.clusters.is_empty() {
        return config.clusters.iter().map(target_of).collect();
    }
    vec![ClusterTarget {
        name: args.cluster_name.clone(),
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        rules: rule_settings(TenantMapping::by_label(&args.tenant_label), &args.allowed_registries),
        interval: args.interval,
        deadlines: crate::collect::Deadlines::for_interval(args.interval),
        sources: Sources::default(),
    }]
}

fn target_of(cluster: &ClusterConfig) -> ClusterTarget {
    let mapping = cluster.tenant_mapping();
    ClusterTarget {
        name: cluster.name.clone(),
        kubeconfig: cluster.kubeconfig.clone(),
        context: cluster.context.clone(),
        rules: rule_settings(mapping, &cluster.allowed_registries),
        interval: cluster.interval(),
        deadlines: cluster.deadlines(),
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
