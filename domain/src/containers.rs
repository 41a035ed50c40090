//! A uniform view of a pod spec's containers: init, regular and ephemeral containers carry
//! the same security-relevant fields under different types and field paths.

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvFromSource, EnvVar, EphemeralContainer, Lifecycle, PodSpec, Probe,
    ResourceRequirements, SecurityContext, VolumeMount,
};

/// Which list of the pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

/// One container of a pod spec, with its field path (`spec.containers[0]`).
#[derive(Debug, Clone)]
pub struct ContainerRef<'a> {
    pub kind: ContainerKind,
    /// Index in its list.
    pub index: usize,
    pub name: &'a str,
    pub image: Option<&'a str>,
    pub security_context: Option<&'a SecurityContext>,
    pub ports: &'a [ContainerPort],
    pub liveness_probe: Option<&'a Probe>,
    pub readiness_probe: Option<&'a Probe>,
    pub startup_probe: Option<&'a Probe>,
    pub lifecycle: Option<&'a Lifecycle>,
    pub env: &'a [EnvVar],
    pub env_from: &'a [EnvFromSource],
    pub resources: Option<&'a ResourceRequirements>,
    pub volume_mounts: &'a [VolumeMount],
}

impl ContainerRef<'_> {
    /// Field path from the pod's root, e.g. `spec.initContainers[1]`.
    pub fn path(&self) -> String {
        let list = match self.kind {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        };
        format!("spec.{list}[{}]", self.index)
    }

    /// The probes that are set, with their field names.
    pub fn probes(&self) -> impl Iterator<Item = (&'static str, &Probe)> {
        [
            ("livenessProbe", self.liveness_probe),
            ("readinessProbe", self.readiness_probe),
            ("startupProbe", self.startup_probe),
        ]
        .into_iter()
        .filter_map(|(name, probe)| probe.map(|p| (name, p)))
    }
}

fn regular(kind: ContainerKind, index: usize, c: &Container) -> ContainerRef<'_> {
    ContainerRef {
        kind,
        index,
        name: &c.name,
        image: c.image.as_deref(),
        security_context: c.security_context.as_ref(),
        ports: c.ports.as_deref().unwrap_or_default(),
        liveness_probe: c.liveness_probe.as_ref(),
        readiness_probe: c.readiness_probe.as_ref(),
        startup_probe: c.startup_probe.as_ref(),
        lifecycle: c.lifecycle.as_ref(),
        env: c.env.as_deref().unwrap_or_default(),
        env_from: c.env_from.as_deref().unwrap_or_default(),
        resources: c.resources.as_ref(),
        volume_mounts: c.volume_mounts.as_deref().unwrap_or_default(),
    }
}

fn ephemeral(index: usize, c: &EphemeralContainer) -> ContainerRef<'_> {
    ContainerRef {
        kind: ContainerKind::Ephemeral,
        index,
        name: &c.name,
        image: c.image.as_deref(),
        security_context: c.security_context.as_ref(),
        ports: c.ports.as_deref().unwrap_or_default(),
        liveness_probe: c.liveness_probe.as_ref(),
        readiness_probe: c.readiness_probe.as_ref(),
        startup_probe: c.startup_probe.as_ref(),
        lifecycle: c.lifecycle.as_ref(),
        env: c.env.as_deref().unwrap_or_default(),
        env_from: c.env_from.as_deref().unwrap_or_default(),
        resources: c.resources.as_ref(),
        volume_mounts: c.volume_mounts.as_deref().unwrap_or_default(),
    }
}

/// Every container of a pod spec in Kubernetes' own visiting order: init containers, regular
/// containers, ephemeral containers.
pub fn containers(spec: &PodSpec) -> Vec<ContainerRef<'_>> {
    let init = spec.init_containers.iter().flatten().enumerate();
    let init = init.map(|(i, c)| regular(ContainerKind::Init, i, c));
    let main = spec.containers.iter().enumerate().map(|(i, c)| regular(ContainerKind::Regular, i, c));
    let eph = spec.ephemeral_containers.iter().flatten().enumerate().map(|(i, c)| ephemeral(i, c));
    init.chain(main).chain(eph).collect()
}
