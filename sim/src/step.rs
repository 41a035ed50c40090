//! Simulated time: each step restarts and heals pods, moves GPU use and quota usage, and
//! fixes one misconfiguration while another appears, so trends move.

use crate::model::{Cluster, Phase};

impl Cluster {
    /// How far [`Cluster::step`] moves the simulated clock: one hour.
    pub const STEP_SECONDS: i64 = 3_600;

    /// Advances the cluster by one step and its clock by [`Cluster::STEP_SECONDS`].
    pub fn step(&mut self) {
        self.step_to(self.clock + Self::STEP_SECONDS);
    }

    /// Advances the cluster by one step that ends at `unix_seconds` (the clock never moves
    /// back): a driver in real time (the demo's collector) or replaying history (a backfill)
    /// stamps pod state changes with its own time.
    pub fn step_to(&mut self, unix_seconds: i64) {
        self.clock = unix_seconds.max(self.clock + 1);
        self.tick += 1;
        self.churn_pods();
        self.churn_misconfigurations();
        self.render();
    }

    fn churn_pods(&mut self) {
        let (rng, now) = (&mut self.rng, self.clock);
        for w in self.workloads.iter_mut().filter(|w| !w.system) {
            for pod in &mut w.pods {
                match (pod.phase, pod.waiting) {
                    (Phase::Running, Some(_)) => {
                        pod.restarts += 1;
                        pod.terminated_at = Some(now);
                        if rng.chance(0.15) {
                            pod.waiting = None;
                            pod.since = now;
                        }
                    }
                    (Phase::Running, None) if rng.chance(0.01) => {
                        pod.waiting = Some("CrashLoopBackOff");
                        pod.last_terminated = Some(if rng.chance(0.4) { "OOMKilled" } else { "Error" });
                        pod.terminated_at = Some(now);
                        pod.since = now;
                        pod.restarts += 1;
                    }
                    _ => {}
                }
                for gpu in &mut pod.gpus {
                    let idle = gpu.1 < 5.0;
                    let delta = (rng.unit() - 0.5) * if idle { 4.0 } else { 30.0 };
                    gpu.1 = (gpu.1 + delta).clamp(0.0, 100.0).round();
                    gpu.2 = (gpu.2 + (rng.unit() - 0.5) * 4096.0).clamp(1024.0, 81920.0).round();
                }
            }
        }
    }

    fn churn_misconfigurations(&mut self) {
        let tenant_workloads: Vec<usize> = (0..self.workloads.len()).filter(|&i| !self.workloads[i].system).collect();
        if tenant_workloads.is_empty() {
            return;
        }
        if self.rng.chance(0.3) {
            let misconfigured: Vec<usize> = tenant_workloads
                .iter()
                .copied()
                .filter(|&i| self.workloads[i].privileged || self.workloads[i].host_path)
                .collect();
            if !misconfigured.is_empty() {
                let w = &mut self.workloads[misconfigured[self.rng.below(misconfigured.len())]];
                if w.privileged {
                    w.privileged = false;
                } else {
                    w.host_path = false;
                }
            }
        }
        if self.rng.chance(0.25) {
            let i = tenant_workloads[self.rng.below(tenant_workloads.len())];
            if self.rng.chance(0.5) {
                self.workloads[i].privileged = true;
            } else {
                self.workloads[i].host_path = true;
            }
        }
        if self.rng.chance(0.05) {
            let tenant_ns: Vec<usize> = (0..self.namespaces.len())
                .filter(|&i| self.namespaces[i].team && self.namespaces[i].tenant.is_some())
                .collect();
            if !tenant_ns.is_empty() {
                let ns = &mut self.namespaces[tenant_ns[self.rng.below(tenant_ns.len())]];
                ns.network_policy = !ns.network_policy;
            }
        }
    }
}
