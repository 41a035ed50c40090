//! Images as records of their own: what each workload's containers run, read from Trivy
//! Operator's vulnerability reports, next to the images themselves (kept once per digest in
//! [`crate::trivy::TrivyReports::images`]) and their packages from the SBOM reports.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::inventory::Inventory;
use crate::trivy::compliance::SbomComponent;
use crate::trivy::{SbomReport, ScannedImage};

/// One container of one workload and the image it runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorkloadImage {
    pub namespace: String,
    /// The workload's kind and name (a ReplicaSet's Deployment, a Job's CronJob).
    pub kind: String,
    pub name: String,
    pub container: String,
    /// The image's [`ScannedImage::key`].
    pub image: String,
}

/// Every container's image, once per workload, container and image.
pub fn workload_images(inv: &Inventory) -> Vec<WorkloadImage> {
    let Some(trivy) = inv.trivy.as_ref() else { return Vec::new() };
    let controllers = inv.controllers();
    let mut out = BTreeSet::new();
    for reference in &trivy.image_references {
        let Some((kind, Some(namespace), name)) = reference.metadata.owner() else { continue };
        let (kind, name) = controllers.top_owner(&kind, &namespace, &name);
        out.insert(WorkloadImage {
            kind: kind.to_string(),
            name: name.to_string(),
            container: reference.metadata.container().unwrap_or_default().to_string(),
            image: reference.image.clone(),
            namespace,
        });
    }
    out.into_iter().collect()
}

/// Every scanned image, once.
pub fn scanned_images(inv: &Inventory) -> Vec<Arc<ScannedImage>> {
    inv.trivy.as_ref().map(|t| t.images.values().cloned().collect()).unwrap_or_default()
}

/// The packages of each scanned image, from its SBOM report, each package once. Images
/// without a vulnerability report are left out: their packages have nothing to be stored with.
pub fn image_packages(inv: &Inventory) -> BTreeMap<String, Vec<SbomComponent>> {
    let Some(trivy) = inv.trivy.as_ref() else { return BTreeMap::new() };
    let mut out: BTreeMap<String, Vec<SbomComponent>> = BTreeMap::new();
    for report in &trivy.sbom_reports {
        let key = SbomReport::image_key(report);
        if !trivy.images.contains_key(&key) || out.contains_key(&key) {
            continue;
        }
        let mut seen = BTreeSet::new();
        let packages = report
            .report
            .components
            .components
            .iter()
            .filter(|c| !c.name.is_empty() && seen.insert((c.name.clone(), c.version.clone())))
            .cloned()
            .collect();
        out.insert(key, packages);
    }
    out
}

/// Whether the image a pod spec names (`nginx:1.27`, `ghcr.io/team/api@sha256:…`) is of the
/// repository a report names with its registry (`index.docker.io/library/nginx`): Docker Hub is
/// written `docker.io` by the runtime and `index.docker.io` by Trivy, and its official images
/// live under `library/`.
pub fn same_repository(spec_image: &str, qualified_repository: &str) -> bool {
    fn hub(registry: &str) -> &str {
        if registry == "index.docker.io" || registry == "registry-1.docker.io" { "docker.io" } else { registry }
    }
    let spec = crate::rules::images::parse_image(spec_image);
    let (registry, repository) = match qualified_repository.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => (first, rest),
        _ => ("docker.io", qualified_repository),
    };
    let official = |r: &str| r.strip_prefix("library/").unwrap_or(r).to_string();
    hub(spec.registry) == hub(registry) && official(spec.repository) == official(repository)
}

#[cfg(test)]
mod tests {
    use super::same_repository;

    #[test]
    fn a_spec_image_matches_the_repository_trivy_names_whatever_the_registrys_spelling() {
        assert!(same_repository("nginx:1.27", "index.docker.io/library/nginx"));
        assert!(same_repository("ghcr.io/team/api@sha256:abc", "ghcr.io/team/api"));
        assert!(same_repository("registry.example.com/ml/infer:1.0", "registry.example.com/ml/infer"));
        assert!(!same_repository("registry.example.com/ml/infer:1.0", "registry.example.com/ml/train"));
        assert!(!same_repository("ghcr.io/team/api:1", "docker.io/team/api"));
    }
}
