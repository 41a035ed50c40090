//! Where pod specs are declared: the templates of workload controllers, bare Pods, and the pods
//! of workloads Rampart does not list (an operator's PyTorchJob, RayCluster, JobSet). Those are
//! grouped by their top owner and by the pod template they come from, each group assessed once
//! through one representative pod: 64 replicas of a PyTorchJob's worker are one spec; a
//! RayCluster's head and workers are two.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};

use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::finding::ObjectRef;
use crate::inventory::Inventory;
use crate::owners::{Controllers, controller, is_controlled, kind_name, operator_kind, workload_kind};
use crate::pod::{InventoryPod, TOKEN_VOLUME_PREFIX};

/// A pod specification found in the inventory, with the object that declares it: a bare Pod,
/// the pod template of a workload controller (reported against the workload as written), or,
/// for a workload whose top owner Rampart does not list (an operator's custom resource), one
/// pod standing for all of that owner's pods with the same spec.
#[derive(Debug, Clone)]
pub struct PodSpecSite<'a> {
    /// The workload's kind: `Deployment`, `Pod`, or an operator's (`PyTorchJob`,
    /// `Foo.example.com`; see [`crate::owners::workload_kind`]).
    pub kind: Cow<'a, str>,
    /// The declaring object's metadata; for pods standing for an operator's workload, the
    /// representative pod's.
    pub meta: &'a ObjectMeta,
    /// The pod's own metadata: the Pod's, or the template's (labels, annotations).
    pub pod_meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
    /// Field path from the object's root to the pod's root: `""` for a Pod,
    /// `spec.template.` for a Deployment, `spec.jobTemplate.spec.template.` for a CronJob;
    /// for an operator's pods, `""` or the pod template they come from
    /// (`pods(ray.io/group=headgroup).`).
    pub prefix: Cow<'a, str>,
    /// For an operator's workload read from its pods: which pods this site stands for.
    pub owned: Option<OwnedPods<'a>>,
}

/// The pods of a workload Rampart does not list that one [`PodSpecSite`] stands for.
#[derive(Debug, Clone)]
pub struct OwnedPods<'a> {
    /// The top owner's name (the workload's).
    pub owner: &'a str,
    /// Pods of the owner with this spec.
    pub pods: u32,
}

impl PodSpecSite<'_> {
    /// The object that declares this pod spec: for an operator's pods, their top owner.
    pub fn object(&self) -> ObjectRef {
        ObjectRef { kind: self.kind.to_string(), namespace: self.meta.namespace.clone(), name: self.name().to_string() }
    }

    /// The workload's name.
    pub fn name(&self) -> &str {
        match &self.owned {
            Some(owned) => owned.owner,
            None => self.meta.name.as_deref().unwrap_or_default(),
        }
    }

    /// A field path from the pod's root (`spec.containers[0].image`) as a path from the
    /// declaring object's root (`spec.template.spec.containers[0].image`).
    pub fn path(&self, from_pod_root: &str) -> String {
        format!("{}{from_pod_root}", self.prefix)
    }

    /// The namespace the pod runs in.
    pub fn namespace(&self) -> Option<&str> {
        self.meta.namespace.as_deref()
    }

    /// The service account the pods run as (`default` when none is named).
    pub fn service_account(&self) -> &str {
        self.spec.service_account_name.as_deref().filter(|n| !n.is_empty()).unwrap_or("default")
    }

    /// For an operator's pods, which pod was read and how many it stands for, as findings on
    /// it say.
    pub fn representative_note(&self) -> Option<String> {
        let owned = self.owned.as_ref()?;
        let pod = self.meta.name.as_deref().unwrap_or_default();
        Some(match owned.pods {
            1 => format!("read from its pod {pod}"),
            n => format!("read from its pod {pod}, one of {n} with this spec"),
        })
    }
}

static NO_METADATA: std::sync::LazyLock<ObjectMeta> = std::sync::LazyLock::new(ObjectMeta::default);

impl Inventory {
    /// Every pod spec in the inventory: the templates of workload controllers nothing controls,
    /// Pods that no controller owns, and, for workloads whose top owner Rampart does not list,
    /// one representative pod per distinct spec (see [`operator_pod_sites`]). A Pod, ReplicaSet or
    /// Job a listed controller owns is reported through that controller's template instead.
    pub fn pod_specs(&self) -> Vec<PodSpecSite<'_>> {
        const TEMPLATE: &str = "spec.template.";
        let mut sites = Vec::new();
        fn template_site<'a>(
            sites: &mut Vec<PodSpecSite<'a>>,
            kind: &'static str,
            meta: &'a ObjectMeta,
            template: Option<&'a PodTemplateSpec>,
            prefix: &'static str,
        ) {
            if is_controlled(meta) {
                return;
            }
            if let Some(spec) = template.and_then(|t| t.spec.as_ref()) {
                let pod_meta = template.and_then(|t| t.metadata.as_ref()).unwrap_or(&NO_METADATA);
                let (kind, prefix) = (Cow::Borrowed(kind), Cow::Borrowed(prefix));
                sites.push(PodSpecSite { kind, meta, pod_meta, spec, prefix, owned: None });
            }
        }
        let mut add = |kind, meta, template, prefix| template_site(&mut sites, kind, meta, template, prefix);
        for o in &self.deployments {
            add("Deployment", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in &self.stateful_sets {
            add("StatefulSet", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in &self.daemon_sets {
            add("DaemonSet", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in &self.replica_sets {
            add("ReplicaSet", &o.metadata, o.spec.as_ref().and_then(|s| s.template.as_ref()), TEMPLATE);
        }
        for o in &self.jobs {
            add("Job", &o.metadata, o.spec.as_ref().map(|s| &s.template), TEMPLATE);
        }
        for o in &self.cron_jobs {
            let template = o.spec.as_ref().and_then(|s| s.job_template.spec.as_ref()).map(|s| &s.template);
            add("CronJob", &o.metadata, template, "spec.jobTemplate.spec.template.");
        }
        for o in &self.replication_controllers {
            add("ReplicationController", &o.metadata, o.spec.as_ref().and_then(|s| s.template.as_ref()), TEMPLATE);
        }
        for custom in self.custom_workloads.iter().filter(|c| !is_controlled(&c.metadata)) {
            let kind = kind_name(&custom.api_version, &custom.kind);
            for t in &custom.templates {
                let Some(spec) = t.template.spec.as_ref() else { continue };
                let pod_meta = t.template.metadata.as_ref().unwrap_or(&NO_METADATA);
                let (meta, prefix) = (&custom.metadata, Cow::Borrowed(t.prefix.as_str()));
                sites.push(PodSpecSite { kind: kind.clone(), meta, pod_meta, spec, prefix, owned: None });
            }
        }
        for p in self.pods.iter().filter(|p| !is_controlled(&p.metadata)) {
            if let Some(spec) = &p.spec {
                let (kind, prefix) = (Cow::Borrowed("Pod"), Cow::Borrowed(""));
                sites.push(PodSpecSite { kind, meta: &p.metadata, pod_meta: &p.metadata, spec, prefix, owned: None });
            }
        }
        let listed: HashSet<(String, String, String)> = sites
            .iter()
            .map(|s| (s.kind.to_string(), s.namespace().unwrap_or_default().to_string(), s.name().to_string()))
            .collect();
        let controllers = self.controllers();
        sites.extend(operator_pod_sites(self, &controllers, &listed));
        sites
    }
}

impl Inventory {
    /// Workloads per namespace: controllers nothing controls, uncontrolled Pods, and the
    /// operators' workloads read from their pods, each once. The unit the risk score is
    /// normalised by.
    pub fn workloads_per_namespace(&self) -> std::collections::HashMap<String, u32> {
        let mut workloads = HashSet::new();
        for site in self.pod_specs() {
            if let Some(ns) = site.namespace() {
                workloads.insert((ns.to_string(), site.kind.to_string(), site.name().to_string()));
            }
        }
        let mut counts = std::collections::HashMap::new();
        for (ns, _, _) in workloads {
            *counts.entry(ns).or_insert(0) += 1;
        }
        counts
    }
}

/// One site per (top owner, pod template) of the pods whose top owner is not among `listed`
/// (kind, namespace, name): the pod with the first name stands for the group.
fn operator_pod_sites<'a>(
    inv: &'a Inventory,
    controllers: &Controllers<'a>,
    listed: &HashSet<(String, String, String)>,
) -> Vec<PodSpecSite<'a>> {
    type Group<'a> = (&'a str, Cow<'a, str>, &'a str, Template);
    let mut groups: BTreeMap<Group<'a>, Vec<&'a InventoryPod>> = BTreeMap::new();
    for pod in &inv.pods {
        let Some(owner) = controller(&pod.metadata) else { continue };
        let (Some(namespace), Some(spec)) = (pod.metadata.namespace.as_deref(), pod.spec.as_ref()) else { continue };
        let top = controllers.top_reference(owner, namespace);
        let kind = workload_kind(top);
        if listed.contains(&(kind.to_string(), namespace.to_string(), top.name.clone())) {
            continue;
        }
        let labels = pod.metadata.labels.as_ref();
        let role =
            operator_kind(top).and_then(|k| k.role_label).and_then(|label| Some((label, labels?.get(label)?.clone())));
        let template = match role {
            Some((label, value)) => Template::Role(label, value),
            None => Template::Spec(spec_digest(spec)),
        };
        groups.entry((namespace, kind, top.name.as_str(), template)).or_default().push(pod);
    }
    let mut sites = Vec::with_capacity(groups.len());
    for ((_, kind, owner, template), pods) in groups {
        let Some(representative) = pods.iter().min_by_key(|p| p.metadata.name.as_deref()) else { continue };
        let Some(spec) = representative.spec.as_ref() else { continue };
        let prefix = match template {
            Template::Role(label, value) => Cow::Owned(format!("pods({label}={value}).")),
            Template::Spec(_) => Cow::Borrowed(""),
        };
        let meta = &representative.metadata;
        let owned = Some(OwnedPods { owner, pods: u32::try_from(pods.len()).unwrap_or(u32::MAX) });
        sites.push(PodSpecSite { kind, meta, pod_meta: meta, spec, prefix, owned });
    }
    sites
}

/// Which of an owner's pod templates a pod comes from: the operator's role label, or else a
/// digest of its spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Template {
    Role(&'static str, String),
    Spec(u64),
}

/// A digest of what a pod's template decides, leaving out what differs from pod to pod of one
/// template: the node and hostname, the token volume the API server names per pod, and
/// environment values (operators inject a rank or an index into each).
fn spec_digest(spec: &PodSpec) -> u64 {
    let mut spec = spec.clone();
    spec.node_name = None;
    spec.hostname = None;
    spec.subdomain = None;
    if let Some(volumes) = spec.volumes.as_mut() {
        volumes.retain(|v| !v.name.starts_with(TOKEN_VOLUME_PREFIX));
    }
    let containers = spec.init_containers.iter_mut().flatten().chain(spec.containers.iter_mut());
    for container in containers {
        if let Some(mounts) = container.volume_mounts.as_mut() {
            mounts.retain(|m| !m.name.starts_with(TOKEN_VOLUME_PREFIX));
        }
        for variable in container.env.iter_mut().flatten() {
            variable.value = None;
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(&spec).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}
