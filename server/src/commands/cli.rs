//! Command-line interface: `rampart <command>`, with flags that fall back to `RAMPART_*`
//! environment variables and then to defaults that work with nothing configured.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::{parse_duration, parse_instant};

/// Rampart: security posture and workload health of multi-tenant Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "rampart", version, about, long_about = None)]
pub struct Cli {
    /// Where the embedded PostgreSQL and other state live.
    #[arg(long, env = "RAMPART_DATA_DIR", default_value = ".rampart", global = true)]
    pub data_dir: PathBuf,
    /// An external PostgreSQL (`postgres://user:password@host/db`); without it Rampart runs
    /// its own embedded PostgreSQL under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The configuration file (TOML): authentication, role and tenant mappings, TLS. Its keys
    /// can also be set as `RAMPART_AUTH__MODE=local` and the like.
    #[arg(long, env = "RAMPART_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// What `rampart` does.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard, and collect the configured clusters, each on its interval.
    Serve(ServeArgs),
    /// Collect the configured clusters into the database (once, or each on its interval).
    Collect(CollectArgs),
    /// Check manifests on disk against the rules; no database needed.
    Scan(ScanArgs),
    /// Run everything on a simulated cluster: embedded database, history, collector, dashboard.
    Demo(DemoArgs),
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// List the rule catalogue: id, severity, category, title and controls.
    Rules(ListArgs),
    /// List each framework's controls with their assessment kind and rules, and coverage counts.
    Frameworks(ListArgs),
    /// Generate a PDF compliance report (`--tenant T` or `--all`, `--out FILE`), or `verify` one.
    Report(ReportArgs),
    /// Back the database up with pg_dump (custom format) to `--out FILE`.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Replace the database's contents with a backup made by `rampart backup`, then migrate it.
    Restore { file: PathBuf },
    /// Manage API tokens for automation (`/api/v1`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the users of the `local` authentication mode.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the configuration file and print what it resolves to.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run a benchmark and print its figures.
    #[command(subcommand)]
    Bench(super::bench_cli::BenchCommand),
}

/// Which cluster to collect and how to map its namespaces to tenants, when the configuration
/// file lists no `[[clusters]]`.
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// Kubeconfig file; without it the usual inference applies (KUBECONFIG,
    /// ~/.kube/config, or the in-cluster service account).
    #[arg(long, env = "RAMPART_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current context).
    #[arg(long, env = "RAMPART_CONTEXT")]
    pub context: Option<String>,
    /// The name the cluster is stored and shown under.
    #[arg(long, env = "RAMPART_CLUSTER_NAME", default_value = "default")]
    pub cluster_name: String,
    /// The namespace label naming a namespace's tenant.
    #[arg(long, env = "RAMPART_TENANT_LABEL", default_value = domain::tenancy::DEFAULT_TENANT_LABEL)]
    pub tenant_label: String,
    /// Image registries workloads may pull from (repeatable, or comma-separated in the
    /// environment); without any, the registry rule stays silent.
    #[arg(long = "allowed-registry", env = "RAMPART_ALLOWED_REGISTRIES", value_delimiter = ',')]
    pub allowed_registries: Vec<String>,
    /// Time between collections (e.g. 30s, 5m, 1h).
    #[arg(long, env = "RAMPART_INTERVAL", default_value = "5m", value_parser = parse_duration)]
    pub interval: Duration,
}

/// `rampart serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RAMPART_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: String,
    /// Serve the dashboard only; another process collects.
    #[arg(long)]
    pub no_collect: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub retention: RetentionArgs,
}

/// How long history is kept; the maintenance task (hourly, in `serve` and `demo`) enforces it.
#[derive(Debug, Clone, Args)]
pub struct RetentionArgs {
    /// Per-collection samples (daily partitions, dropped whole once past it).
    #[arg(long, env = "RAMPART_RETENTION_RAW", default_value = "14d", value_parser = parse_duration)]
    pub retention_raw: Duration,
    /// Hourly rollups.
    #[arg(long, env = "RAMPART_RETENTION_HOURLY", default_value = "90d", value_parser = parse_duration)]
    pub retention_hourly: Duration,
    /// Daily rollups.
    #[arg(long, env = "RAMPART_RETENTION_DAILY", default_value = "730d", value_parser = parse_duration)]
    pub retention_daily: Duration,
}

impl RetentionArgs {
    /// The retention these flags describe.
    pub fn retention(&self) -> db::maintenance::Retention {
        let days = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        db::maintenance::Retention {
            raw: days(self.retention_raw),
            hourly: days(self.retention_hourly),
            daily: days(self.retention_daily),
        }
    }
}

/// `rampart collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Collect once and exit (exit code 1 when the collection failed).
    #[arg(long)]
    pub once: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// Output formats of `rampart scan`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    /// SARIF 2.1.0, for code scanning dashboards.
    Sarif,
    /// JUnit XML: one test per rule, failed when the rule has findings.
    Junit,
}

/// `rampart scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Manifest files or directories (YAML, multi-document YAML, JSON, `kind: List`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The namespace of objects that name none, as `kubectl apply --namespace` would use.
    #[arg(long, short = 'n', default_value = "default")]
    pub namespace: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ScanFormat,
    /// Exit with code 1 when any reported finding is at least this severe.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<domain::Severity>,
    /// Report only these rules (repeatable).
    #[arg(long = "rule")]
    pub rules: Vec<String>,
    /// Leave these rules out (repeatable).
    #[arg(long = "skip-rule")]
    pub skip_rules: Vec<String>,
    /// Report only findings at least this severe.
    #[arg(long, value_parser = parse_severity)]
    pub min_severity: Option<domain::Severity>,
    /// Image registries workloads may pull from (repeatable); without any, the registry rule
    /// stays silent.
    #[arg(long = "allowed-registry", env = "RAMPART_ALLOWED_REGISTRIES", value_delimiter = ',')]
    pub allowed_registries: Vec<String>,
}

/// Output formats of `rampart rules` and `rampart frameworks`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// `rampart rules` and `rampart frameworks`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

fn parse_severity(text: &str) -> Result<domain::Severity, String> {
    text.parse()
}

/// `rampart demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to serve the dashboard on.
    #[arg(long, env = "RAMPART_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: String,
    /// Days of hourly history to simulate before serving.
    #[arg(long, default_value_t = 14)]
    pub backfill_days: u32,
    /// Time between live collections of the simulated cluster.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Simulated tenants (teams).
    #[arg(long, default_value_t = 8)]
    pub tenants: usize,
    /// Approximate number of simulated tenant pods.
    #[arg(long, default_value_t = 400)]
    pub pods: usize,
    /// Seed of the simulated cluster; the same seed gives the same cluster.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub retention: RetentionArgs,
}

/// `rampart user`: passwords are read from the terminal without echo, or from one line of
/// standard input, never from the command line.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; their groups decide their role and tenants through the configured mappings.
    Add {
        name: String,
        /// A group (repeatable).
        #[arg(long = "group", required = true)]
        groups: Vec<String>,
    },
    /// Remove a user; their sessions stop working at their next request.
    Remove { name: String },
    /// Change a user's password.
    Passwd { name: String },
    /// List users and their groups.
    List,
}

/// `rampart config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration (file and environment) and print what it resolved to. With a
    /// DATABASE_URL, also warn when a cluster's last collection would need more memory than
    /// the collector's limit.
    Check {
        /// The collector's memory limit, in MiB [default: this process' cgroup limit].
        #[arg(long, value_name = "MIB")]
        memory_limit_mib: Option<u64>,
    },
}

/// `rampart report`: generate (the default), `verify` or `keygen`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub action: Option<ReportAction>,
    #[command(flatten)]
    pub generate: GenerateReportArgs,
}

/// What to report on and where to write it.
#[derive(Debug, Args)]
pub struct GenerateReportArgs {
    /// A tenant to cover (repeatable).
    #[arg(long = "tenant")]
    pub tenants: Vec<String>,
    /// Cover every tenant.
    #[arg(long, conflicts_with = "tenants")]
    pub all: bool,
    /// A framework to cover: pss, cis or nsa (repeatable; default all three).
    #[arg(long = "framework")]
    pub frameworks: Vec<String>,
    /// Start of the period: a date (2026-11-01, midnight UTC) or an RFC 3339 time; default 30
    /// days before --to.
    #[arg(long, value_parser = parse_instant)]
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// End of the period, whose state the report shows; default now.
    #[arg(long, value_parser = parse_instant)]
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// The PDF file to write (written only when the report succeeds).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Who the report says generated it (default: cli:$USER).
    #[arg(long)]
    pub by: Option<String>,
}

/// `rampart report verify|keygen`.
#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// Check a report file: its Ed25519 signature, and whether it is a stored report.
    Verify {
        file: PathBuf,
        /// The hex public key it must be signed with (default: the configured signing key's).
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Write a new Ed25519 signing key (PKCS#8 PEM) and print its public key.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
}

/// `rampart token`: API tokens; a token is printed once, at creation.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token with a role (admin, security, auditor, tenant-lead) and, for tenant-lead,
    /// its tenants.
    Create {
        name: String,
        #[arg(long)]
        role: String,
        /// A tenant the token may read (repeatable; tenant-lead tokens only).
        #[arg(long = "tenant")]
        tenants: Vec<String>,
    },
    /// Revoke a token; its next request is refused.
    Revoke { name: String },
    /// List tokens (never their values).
    List,
}
