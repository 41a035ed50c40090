//! Images as records of their own: what each workload's containers run, read from Trivy
//! Operator's vulnerability reports, next to the images themselves (kept once per digest in
//! [`crate::trivy::TrivyReports::images`]) and their packages from the SBOM reports.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::inventory::Inventory;
use crate::trivy::{ScannedImage, SbomReport};
use crate::trivy::compliance::SbomComponent;

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
