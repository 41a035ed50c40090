//! The simulator's own model of a cluster: teams' namespaces, workloads, pods and nodes.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::rng::Rng;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Number of tenants (teams).
    pub tenants: usize,
    /// Each tenant gets between 1 and this many namespaces.
    pub max_namespaces_per_tenant: usize,
    /// Approximate number of tenant pods.
    pub pods: usize,
    pub seed: u64,
    /// Share of workloads and namespaces that start misconfigured (0.0–1.0).
    pub misconfig_rate: f64,
    /// Workers of the PyTorchJob the platform's first team trains with (besides its master);
    /// the AI workloads owned by operators (that PyTorchJob, a RayCluster, an Argo Rollout and
    /// a JobSet) are generated when this is above zero.
    pub training_workers: u32,
    /// How the dcgm-exporter pods are labelled: by NVIDIA's GPU Operator, or by dcgm-exporter's
    /// own Helm chart.
    pub exporter_chart: ExporterChart,
    /// How Trivy Operator scans the tenants' images.
    pub trivy: TrivySim,
}

/// Who deployed dcgm-exporter, which decides its pods' labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExporterChart {
    /// NVIDIA's GPU Operator: `app=nvidia-dcgm-exporter`.
    #[default]
    GpuOperator,
    /// dcgm-exporter's own chart: `app.kubernetes.io/name=dcgm-exporter` and no `app` label.
    Upstream,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            tenants: 8,
            max_namespaces_per_tenant: 4,
            pods: 400,
            seed: 42,
            misconfig_rate: 0.15,
            training_workers: 3,
            exporter_chart: ExporterChart::GpuOperator,
            trivy: TrivySim::default(),
        }
    }
}

/// GPUs on each simulated GPU node.
pub(crate) const GPUS_PER_NODE: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    /// Kubeflow's PyTorchJob: pods owned by the custom resource, a master and workers.
    PyTorchJob,
    /// KubeRay's RayCluster: a head pod without GPUs and GPU workers, of two templates.
    RayCluster,
    /// An Argo Rollout: ReplicaSets owned by the custom resource, pods by the ReplicaSet.
    Rollout,
    /// A JobSet: Jobs owned by the custom resource, one pod each.
    JobSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exposure {
    ClusterIp,
    NodePort,
    LoadBalancer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    Pending,
    Succeeded,
}

#[derive(Debug, Clone)]
pub(crate) struct PodModel {
    pub name: String,
    pub node: Option<String>,
    pub phase: Phase,
    /// A waiting reason (`CrashLoopBackOff`) on a running pod.
    pub waiting: Option<&'static str>,
    pub last_terminated: Option<&'static str>,
    /// When the last termination happened, in seconds since the epoch (its `finishedAt`).
    pub terminated_at: Option<i64>,
    /// When the pod entered its current state (running, or waiting), in seconds since the
    /// epoch: its container's `startedAt` and its `Ready` condition's `lastTransitionTime`.
    pub since: i64,
    pub restarts: u32,
    /// GPU indices on the node, with their utilisation (%) and frame-buffer use (MiB).
    pub gpus: Vec<(u32, f64, f64)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
    pub replicas: u32,
    pub image: String,
    pub cpu_millis: Option<u32>,
    pub memory_mib: Option<u32>,
    pub gpus: u32,
    pub privileged: bool,
    pub host_path: bool,
    pub service: Option<Exposure>,
    /// An Ingress, with or without TLS.
    pub ingress_tls: Option<bool>,
    pub pods: Vec<PodModel>,
    /// Platform workloads (kube-system, gpu-operator) that do not churn.
    pub system: bool,
    /// A DaemonSet that runs on GPU nodes only.
    pub gpu_nodes_only: bool,
    /// The pods' labels, when not `app: <name>`.
    pub labels: Option<Value>,
    /// Rollouts so far: a Deployment's ReplicaSet (and its image's digest) moves with each.
    pub revision: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct NamespaceModel {
    pub name: String,
    pub tenant: Option<String>,
    pub network_policy: bool,
    /// Hard limits: CPU cores, memory GiB, GPUs, pods.
    pub quota: Option<(u32, u32, u32, u32)>,
    pub limit_range: bool,
    /// A ConfigMap holding a plain-text password.
    pub plain_password: bool,
    /// A team's namespace (not the platform's own).
    pub team: bool,
}

impl NamespaceModel {
    pub(crate) fn team(name: String, tenant: String) -> Self {
        NamespaceModel {
            name,
            tenant: Some(tenant),
            network_policy: true,
            quota: None,
            limit_range: true,
            plain_password: false,
            team: true,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct NodeModel {
    pub name: String,
    pub gpus: u32,
    pub ready: bool,
    /// Tainted `nvidia.com/gpu=reserved:NoSchedule`: only DaemonSets run there, so its GPUs
    /// stay free.
    pub reserved: bool,
}

/// A simulated cluster. Its state only changes through [`Cluster::step`].
#[derive(Debug, Clone)]
pub struct Cluster {
    pub(crate) cfg: SimConfig,
    pub(crate) rng: Rng,
    pub(crate) tick: u64,
    /// The simulated wall clock, in seconds since the epoch: moved by [`Cluster::step`] (one
    /// hour) or set by [`Cluster::step_to`]. Pod state changes are stamped with it.
    pub(crate) clock: i64,
    pub(crate) namespaces: Vec<NamespaceModel>,
    pub(crate) workloads: Vec<Workload>,
    pub(crate) nodes: Vec<NodeModel>,
    /// Rendered API objects by resource plural (`pods`, `deployments`, ...).
    pub(crate) objects: BTreeMap<&'static str, Vec<Value>>,
    /// Faults the API server injects; none by default.
    pub faults: crate::faults::Faults,
    /// The GPU pods on each node, as (workload, pod) indexes into `workloads`, kept as pods are
    /// placed (pods are never removed and placement never changes).
    pub(crate) gpu_pods: BTreeMap<String, Vec<(usize, usize)>>,
    /// How many nodes, from the first, are known to have no free GPU: CPU nodes come first and
    /// are skipped, then GPU nodes as they fill.
    pub(crate) full_gpu_nodes: usize,
    /// Each object's resource version, moved when it changes.
    pub(crate) versions: crate::object::Versions,
    /// Every User-Agent the API server was sent, as an audit log would record it.
    pub user_agents: std::collections::BTreeSet<String>,
    /// Rescans of images that changed their CVEs, by image.
    pub(crate) rescans: BTreeMap<String, Rescan>,
}

/// A cluster shared between the API server and whoever steps it.
pub type SharedCluster = std::sync::Arc<std::sync::RwLock<Cluster>>;

/// How the simulated Trivy Operator scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrivySim {
    /// CVEs per image on average; at 6 or fewer each image gets 0–3 of six well-known CVEs.
    pub cves_per_image: usize,
    /// Give the tenants' Deployments and StatefulSets this many distinct images, each run by
    /// 1–20 of them (workloads past the last image are not scanned); `None` keeps the images the
    /// teams chose, a third of the workloads unscanned.
    pub image_pool: Option<usize>,
}

impl Default for TrivySim {
    fn default() -> Self {
        TrivySim { cves_per_image: 4, image_pool: None }
    }
}

/// A rescan's changes to one image: CVEs added to it and removed from the front of its list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Rescan {
    pub added: u32,
    pub removed: u32,
}
