//! The arguments of `rampart bench`: each measurement and its knobs.

use clap::Subcommand;

/// `rampart bench`: measurements that print their figures and end with one `key=value` line.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Scan generated workload manifests; prints objects_per_s and peak_rss_mib.
    Scan {
        /// Number of workload manifests to generate and scan.
        #[arg(long, default_value_t = 10_000)]
        objects: usize,
    },
    /// Fill a fresh database with 90 days of history (50 tenants × 40 namespaces, 100,000 pods)
    /// and time every read model of the overview and tenant pages; prints worst_p95_ms. Uses
    /// DATABASE_URL when set (it must be empty), else a throwaway embedded PostgreSQL.
    Queries {
        /// Runs of each read model.
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
    /// Typeset a compliance report of made-up data (by default 50 tenants and 1,000 findings) and
    /// print seconds, bytes and pages, ending with report_s.
    Report {
        #[arg(long, default_value_t = 50)]
        tenants: usize,
        #[arg(long, default_value_t = 1000)]
        findings: usize,
        /// Renders to time; the slowest (the first, which loads the fonts) is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Store the demo's 14 days of history, serve the dashboard with sign-in, and request every
    /// page many times at 32 concurrent connections; prints p50/p95/p99 per page and
    /// worst_p95_ms. Uses DATABASE_URL when set (it must be empty), else a throwaway embedded
    /// PostgreSQL.
    Pages {
        /// Requests per page.
        #[arg(long, default_value_t = 300)]
        requests: usize,
    },
    /// Collect a simulated cluster of --pods pods (about 2,000 namespaces, 50 tenants) through
    /// kube::Client, assess and store it, then time merely decoding the same responses; prints
    /// cycle_s, decode_s, their ratio, peak_rss_mib and the rows each collection wrote. Uses
    /// DATABASE_URL when set (it must be empty), else a throwaway embedded PostgreSQL.
    Collect {
        #[command(flatten)]
        shape: PlatformShape,
    },
    /// Internal to `bench collect`: generate and serve its simulated cluster in a process of its
    /// own, write the kubeconfig into DIR, and serve until standard input closes.
    #[command(hide = true)]
    Simulate {
        #[command(flatten)]
        shape: PlatformShape,
        #[arg(long)]
        dir: std::path::PathBuf,
    },
    /// Replay the penetration test's memory attack against the limits: oversized and maximal
    /// exception justifications from a tenant's leads, then as many reports of that tenant at
    /// once as the dashboard admits; prints RSS before and at its peak, ending with
    /// abuse_peak_rss_mib. Uses DATABASE_URL when set (it must be empty), else a throwaway
    /// embedded PostgreSQL.
    Abuse,
    /// Serve the demo's history to 64 concurrent connections cycling through every page while
    /// the simulated cluster is collected every 20 s; prints requests, errors, p99 and RSS each
    /// minute, ending with errors and rss_growth_pct. Uses DATABASE_URL when set (it must be
    /// empty), else a throwaway embedded PostgreSQL.
    Soak {
        /// How long to run.
        #[arg(long, default_value_t = 10)]
        minutes: u32,
    },
}

/// The simulated platform `bench collect` collects.
#[derive(Debug, Clone, clap::Args)]
pub struct PlatformShape {
    #[arg(long, default_value_t = 100_000)]
    pub pods: usize,
    /// Workers of the platform's PyTorchJob (its pods owned by the custom resource, each
    /// holding 4 GPUs); the simulator's default is 3.
    #[arg(long, default_value_t = 3)]
    pub training_workers: u32,
    /// A vulnerability-heavy platform: this many distinct images, each run by 1–20 of the teams'
    /// Deployments and StatefulSets, scanned by Trivy Operator; 0 keeps the teams' own images.
    #[arg(long, default_value_t = 0)]
    pub vulnerable_images: usize,
    /// CVEs per image on average, with --vulnerable-images.
    #[arg(long, default_value_t = 300)]
    pub cves_per_image: usize,
}

impl PlatformShape {
    /// The arguments that give this shape to `bench simulate`.
    pub fn args(&self) -> Vec<String> {
        vec![
            "--pods".into(),
            self.pods.to_string(),
            "--training-workers".into(),
            self.training_workers.to_string(),
            "--vulnerable-images".into(),
            self.vulnerable_images.to_string(),
            "--cves-per-image".into(),
            self.cves_per_image.to_string(),
        ]
    }

    /// How the simulated Trivy Operator scans.
    pub fn trivy(&self) -> sim::TrivySim {
        if self.vulnerable_images == 0 {
            return sim::TrivySim::default();
        }
        sim::TrivySim { cves_per_image: self.cves_per_image, image_pool: Some(self.vulnerable_images) }
    }
}
