//! Deterministic generation of a simulated cluster: teams, namespaces, workloads placed on
//! nodes with capacity, and platform components.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{
    Cluster, Exposure, GPUS_PER_NODE, Kind, NamespaceModel, NodeModel, Phase, PodModel, SimConfig, Workload,
};
use crate::rng::Rng;

const TEAM_NAMES: [&str; 16] = [
    "vision",
    "nlp",
    "speech",
    "recsys",
    "search",
    "fraud",
    "robotics",
    "genomics",
    "ads",
    "forecast",
    "maps",
    "safety",
    "translate",
    "pricing",
    "health",
    "music",
];
const STAGES: [&str; 4] = ["prod", "staging", "dev", "research"];

fn team_name(i: usize) -> String {
    match TEAM_NAMES.get(i) {
        Some(name) => name.to_string(),
        None => format!("team{i:03}"),
    }
}

impl Cluster {
    /// Builds the cluster that `cfg` describes; the same config always yields the same cluster.
    pub fn generate(cfg: SimConfig) -> Cluster {
        let mut rng = Rng::new(cfg.seed);
        let mut namespaces = crate::platform::platform_namespaces();
        for t in 0..cfg.tenants {
            let tenant = team_name(t);
            let count = rng.range(1, cfg.max_namespaces_per_tenant.max(1) as u32) as usize;
            for s in 0..count {
                let stage = STAGES.get(s).map(|s| s.to_string()).unwrap_or(format!("env{s}"));
                let mut ns = NamespaceModel::team(format!("{tenant}-{stage}"), tenant.clone());
                ns.network_policy = !rng.chance(cfg.misconfig_rate * 2.0);
                // Sized to the namespace's usage once its workloads exist.
                ns.quota = (!rng.chance(cfg.misconfig_rate)).then_some((0, 0, 0, 0));
                ns.limit_range = !rng.chance(cfg.misconfig_rate);
                namespaces.push(ns);
            }
        }
        namespaces.push(NamespaceModel {
            tenant: None,
            network_policy: false,
            limit_range: false,
            ..NamespaceModel::team("sandbox".into(), String::new())
        });
        if let Some(first) = namespaces.iter_mut().find(|n| n.team && n.tenant.is_some()) {
            first.plain_password = true;
        }

        let tenant_ns = namespaces.iter().filter(|n| n.team && n.tenant.is_some()).count().max(1);
        let gpu_nodes = (cfg.pods / 14).max(2);
        let cpu_nodes = (cfg.pods / 40).max(3);
        let mut nodes: Vec<NodeModel> = (0..cpu_nodes)
            .map(|i| NodeModel { name: format!("node-cpu-{i}"), gpus: 0, ready: true, reserved: false })
            .chain((0..gpu_nodes).map(|i| NodeModel {
                name: format!("node-gpu-{i}"),
                gpus: GPUS_PER_NODE,
                ready: true,
                reserved: false,
            }))
            .chain(std::iter::once(NodeModel {
                name: "node-gpu-reserved".into(),
                gpus: GPUS_PER_NODE,
                ready: true,
                reserved: true,
            }))
            .collect();
        if let Some(last) = nodes.get_mut(cpu_nodes.saturating_sub(1)) {
            last.ready = cpu_nodes < 4;
        }

        let mut cluster = Cluster {
            cfg: cfg.clone(),
            rng,
            tick: 0,
            clock: crate::object::GENERATED_AT,
            workloads: Vec::new(),
            namespaces,
            nodes,
            objects: BTreeMap::new(),
            faults: crate::faults::Faults::default(),
            gpu_pods: BTreeMap::new(),
            full_gpu_nodes: 0,
            user_agents: Default::default(),
            versions: Default::default(),
            rescans: BTreeMap::new(),
        };
        cluster.add_platform_workloads();
        // Placed first, as the platform's flagship jobs: they hold GPUs, the teams' fill the rest.
        if cfg.training_workers > 0 {
            cluster.add_operator_workloads();
        }
        let pods_per_ns = (cfg.pods / tenant_ns).max(1);
        let tenant_namespaces: Vec<String> =
            cluster.namespaces.iter().filter(|n| n.team && n.tenant.is_some()).map(|n| n.name.clone()).collect();
        for ns in tenant_namespaces {
            let mut budget = pods_per_ns;
            while budget > 0 {
                let workload = cluster.tenant_workload(&ns);
                budget = budget.saturating_sub(workload.replicas as usize);
                cluster.add_workload(workload);
            }
        }
        cluster.size_quotas();
        cluster.assign_image_pool();
        cluster.render();
        cluster
    }

    /// Gives every team quota a hard limit between 5% and 60% above what its namespace uses.
    fn size_quotas(&mut self) {
        for i in 0..self.namespaces.len() {
            if !self.namespaces[i].team || self.namespaces[i].quota.is_none() {
                continue;
            }
            let name = self.namespaces[i].name.clone();
            let (mut cpu, mut mem, mut gpu, mut pods) = (0u32, 0u32, 0u32, 0u32);
            for w in self.workloads.iter().filter(|w| w.namespace == name) {
                let n = w.pods.len() as u32;
                pods += n;
                cpu += n * w.cpu_millis.unwrap_or(0);
                mem += n * w.memory_mib.unwrap_or(0);
                gpu += w
                    .pods
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.node.is_some())
                    .map(|(i, _)| crate::operators::pod_gpus(w, i))
                    .sum::<u32>();
            }
            let mut headroom = |used: u32, min: u32| {
                let factor = 1.05 + self.rng.unit() * 0.55;
                ((f64::from(used) * factor).ceil() as u32).max(min)
            };
            let quota = (
                headroom(cpu.div_ceil(1000), 4),
                headroom(mem.div_ceil(1024), 8),
                headroom(gpu, 1),
                headroom(pods, 10),
            );
            self.namespaces[i].quota = Some(quota);
        }
    }

    /// Simulated time steps taken since generation.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// The simulated clock, in seconds since the epoch.
    pub fn clock(&self) -> i64 {
        self.clock
    }

    /// The resource version clients see: the newest of any object's, so it moves whenever an
    /// object changes.
    pub fn resource_version(&self) -> u64 {
        self.versions.latest
    }

    /// The rendered objects of one resource (`pods`, `deployments`, ...), in a stable order.
    pub fn objects(&self, plural: &str) -> &[Value] {
        self.objects.get(plural).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every resource plural with its rendered objects.
    pub fn resources(&self) -> impl Iterator<Item = (&'static str, &[Value])> {
        self.objects.iter().map(|(plural, objects)| (*plural, objects.as_slice()))
    }

    /// Number of Pods in the cluster.
    pub fn pod_count(&self) -> usize {
        self.objects("pods").len()
    }

    fn tenant_workload(&mut self, ns: &str) -> Workload {
        let rng = &mut self.rng;
        let rate = self.cfg.misconfig_rate;
        let roll = rng.unit();
        let (kind, prefix, replicas) = if roll < 0.45 {
            (Kind::Deployment, "inference", rng.range(1, 4))
        } else if roll < 0.6 {
            (Kind::StatefulSet, "vectordb", rng.range(1, 3))
        } else if roll < 0.85 {
            (Kind::Job, "train", rng.range(1, 2))
        } else {
            (Kind::CronJob, "eval", 1)
        };
        let gpu_kind = matches!(kind, Kind::Job | Kind::CronJob) || (kind == Kind::Deployment && rng.chance(0.4));
        let name = format!("{prefix}-{}", rng.suffix());
        let tag =
            if rng.chance(rate) { "latest".to_string() } else { format!("1.{}.{}", rng.range(0, 9), rng.range(0, 20)) };
        let team = ns.split('-').next().unwrap_or(ns);
        Workload {
            kind,
            namespace: ns.to_string(),
            image: format!("registry.example.com/{team}/{prefix}:{tag}"),
            cpu_millis: (!rng.chance(rate)).then(|| rng.range(1, 8) * 250),
            memory_mib: (!rng.chance(rate)).then(|| rng.range(1, 16) * 512),
            gpus: if gpu_kind { rng.range(1, 2) } else { 0 },
            privileged: rng.chance(rate / 3.0),
            host_path: rng.chance(rate / 3.0),
            service: match kind {
                Kind::Deployment | Kind::StatefulSet => Some(match rng.unit() {
                    x if x < rate / 2.0 => Exposure::LoadBalancer,
                    x if x < rate => Exposure::NodePort,
                    _ => Exposure::ClusterIp,
                }),
                _ => None,
            },
            ingress_tls: (kind == Kind::Deployment && rng.chance(0.5)).then(|| !rng.chance(rate * 2.0)),
            name,
            replicas,
            pods: Vec::new(),
            system: false,
            gpu_nodes_only: false,
            labels: None,
            revision: 0,
        }
    }

    /// Adds a workload and creates its pods, placed on nodes with capacity.
    pub(crate) fn add_workload(&mut self, workload: Workload) {
        let daemon_nodes: Vec<String> =
            self.nodes.iter().filter(|n| !workload.gpu_nodes_only || n.gpus > 0).map(|n| n.name.clone()).collect();
        let count = match workload.kind {
            Kind::DaemonSet => daemon_nodes.len() as u32,
            _ => workload.replicas,
        };
        let (kind, system, base) = (workload.kind, workload.system, workload.name.clone());
        self.workloads.push(workload);
        let index = self.workloads.len() - 1;
        for i in 0..count {
            let name = match kind {
                Kind::StatefulSet => format!("{base}-{i}"),
                Kind::Deployment | Kind::DaemonSet | Kind::Job | Kind::CronJob => {
                    format!("{base}-{}", self.rng.suffix())
                }
                _ => crate::operators::pod_name(&self.workloads[index], i, &self.rng.suffix()),
            };
            let gpus = crate::operators::pod_gpus(&self.workloads[index], i as usize);
            let daemon_node = (kind == Kind::DaemonSet).then(|| daemon_nodes[i as usize].clone());
            let pod = self.place_pod(name, gpus, system, daemon_node);
            if let Some(node) = pod.node.clone().filter(|_| !pod.gpus.is_empty()) {
                self.gpu_pods.entry(node).or_default().push((index, self.workloads[index].pods.len()));
            }
            self.workloads[index].pods.push(pod);
        }
    }

    pub(crate) fn place_pod(&mut self, name: String, gpus: u32, system: bool, node: Option<String>) -> PodModel {
        let mut pod = PodModel {
            name,
            node: None,
            phase: Phase::Pending,
            waiting: None,
            last_terminated: None,
            terminated_at: None,
            since: self.clock - i64::from(self.rng.range(3_600, 20 * 86_400)),
            restarts: 0,
            gpus: Vec::new(),
        };
        let node = node.or_else(|| self.node_with_capacity(gpus));
        let Some(node) = node else { return pod };
        if gpus > 0 {
            let used = self.gpus_in_use(&node);
            let free: Vec<u32> = (0..GPUS_PER_NODE).filter(|g| !used.contains(g)).take(gpus as usize).collect();
            let idle = self.rng.chance(0.25);
            pod.gpus = free
                .into_iter()
                .map(|g| {
                    let util = if idle { self.rng.unit() * 4.0 } else { 30.0 + self.rng.unit() * 70.0 };
                    (g, util.round(), (8192.0 + self.rng.unit() * 65536.0).round())
                })
                .collect();
        }
        pod.node = Some(node);
        pod.phase = Phase::Running;
        if !system {
            if self.rng.chance(0.06) {
                pod.waiting = Some("CrashLoopBackOff");
                pod.last_terminated = Some(if self.rng.chance(0.5) { "OOMKilled" } else { "Error" });
                pod.restarts = self.rng.range(3, 40);
                pod.since = self.clock - i64::from(self.rng.range(10, 300));
                pod.terminated_at = Some(pod.since);
            } else if self.rng.chance(0.05) {
                // Killed once, from minutes to ten days ago: only some within a day.
                pod.last_terminated = Some("OOMKilled");
                pod.restarts = self.rng.range(1, 3);
                pod.terminated_at = Some(self.clock - i64::from(self.rng.range(600, 10 * 86_400)));
                pod.since = pod.terminated_at.unwrap_or(pod.since);
            }
        }
        pod
    }

    fn gpus_in_use(&self, node: &str) -> Vec<u32> {
        self.gpu_pods_on(node).flat_map(|(_, pod)| pod.gpus.iter().map(|g| g.0)).collect()
    }

    /// A ready node for a new pod: a random CPU node, or the first GPU node with enough free
    /// GPUs. Nothing is collected per placement: clusters of 100,000 pods place quickly.
    fn node_with_capacity(&mut self, gpus: u32) -> Option<String> {
        let fits = |n: &NodeModel| n.ready && !n.reserved && if gpus > 0 { n.gpus > 0 } else { n.gpus == 0 };
        if gpus == 0 {
            let count = self.nodes.iter().filter(|n| fits(n)).count();
            let pick = (count > 0).then(|| self.rng.below(count))?;
            return self.nodes.iter().filter(|n| fits(n)).nth(pick).map(|n| n.name.clone());
        }
        // Pods are never removed, so a full node stays full: the search starts past them.
        let mut from = self.full_gpu_nodes;
        while self.nodes.get(from).is_some_and(|n| self.free_gpus(n) == 0) {
            from += 1;
        }
        self.full_gpu_nodes = from;
        self.nodes[from.min(self.nodes.len())..]
            .iter()
            .filter(|n| fits(n))
            .find(|n| self.free_gpus(n) >= gpus)
            .map(|n| n.name.clone())
    }

    fn free_gpus(&self, node: &NodeModel) -> u32 {
        let taken: usize = self.gpu_pods_on(&node.name).map(|(_, pod)| pod.gpus.len()).sum();
        node.gpus.saturating_sub(taken as u32)
    }

    /// The GPU pods placed on a node, with their namespace.
    pub(crate) fn gpu_pods_on<'a>(&'a self, node: &str) -> impl Iterator<Item = (&'a str, &'a PodModel)> + 'a {
        let placed = self.gpu_pods.get(node).map(Vec::as_slice).unwrap_or_default();
        placed.iter().map(|&(w, p)| (self.workloads[w].namespace.as_str(), &self.workloads[w].pods[p]))
    }
}
