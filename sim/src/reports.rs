//! Trivy Operator's reports (`aquasecurity.github.io/v1alpha1`) of the tenant workloads, at the
//! shapes and scale a real cluster has: one VulnerabilityReport, ConfigAuditReport and
//! SbomReport per scanned container, named after the ReplicaSet (so a rollout renames them),
//! images shared by many workloads, hundreds of CVEs per image when configured, rescans that add
//! and remove CVEs, and names too long for a label carried in an annotation, as Trivy Operator
//! writes them. Deterministic per image and workload, so they do not consume the simulator's
//! random stream. The cluster-scoped reports are in [`crate::trivy_cluster`].

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::{Cluster, Kind, Rescan, Workload};
use crate::object::meta;

/// CVEs every real image seems to carry: id, package, installed, fixed, severity.
const KNOWN_CVES: [(&str, &str, &str, &str, &str); 6] = [
    ("CVE-2024-3094", "xz-utils", "5.6.0-0.1", "5.6.1+really5.4.5-1", "CRITICAL"),
    ("CVE-2023-44487", "golang.org/x/net", "v0.15.0", "0.17.0", "HIGH"),
    ("CVE-2024-6387", "openssh-client", "1:9.2p1-2", "1:9.2p1-2+deb12u3", "HIGH"),
    ("CVE-2023-4863", "libwebp7", "1.2.4-0.2", "1.2.4-0.2+deb12u1", "HIGH"),
    ("CVE-2024-45490", "libexpat1", "2.5.0-1", "2.5.0-1+deb12u1", "MEDIUM"),
    ("CVE-2023-5678", "libssl3", "3.0.11-1", "", "LOW"),
];

/// Packages of the synthetic CVEs.
const PACKAGES: [&str; 24] = [
    "libssl3",
    "libc6",
    "zlib1g",
    "libcurl4",
    "libxml2",
    "python3.11",
    "numpy",
    "torch",
    "pillow",
    "urllib3",
    "requests",
    "protobuf",
    "grpcio",
    "libtiff6",
    "libpng16-16",
    "openssl",
    "tar",
    "perl-base",
    "libsqlite3-0",
    "golang.org/x/crypto",
    "golang.org/x/net",
    "jinja2",
    "werkzeug",
    "setuptools",
];

/// Distinct synthetic CVE ids: small enough that images share them, as real images do.
const CVE_POOL: u64 = 5_000;

/// The registry of the pooled images.
pub(crate) const POOLED_IMAGE_PREFIX: &str = "registry.example.com/models/image-";

pub(crate) fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Cluster {
    /// Rolls a Deployment out: a new ReplicaSet (its pod-template hash moves), so Trivy's reports
    /// of it are renamed, and its image is rebuilt (a new digest with the same CVEs). False when
    /// there is no such workload.
    pub fn roll_out(&mut self, namespace: &str, name: &str) -> bool {
        let Some(w) = self.workloads.iter_mut().find(|w| w.namespace == namespace && w.name == name) else {
            return false;
        };
        w.revision += 1;
        self.render();
        true
    }

    /// Rescans `image`: `added` CVEs appear in it and its first `removed` CVEs go.
    pub fn rescan_image(&mut self, image: &str, added: u32, removed: u32) {
        let rescan = self.rescans.entry(image.to_string()).or_default();
        rescan.added += added;
        rescan.removed += removed;
        self.render();
    }

    /// Gives the tenants' Deployments and StatefulSets the pool's images (see [`TrivySim`]).
    pub(crate) fn assign_image_pool(&mut self) {
        let Some(images) = self.cfg.trivy.image_pool else { return };
        let mut scanned =
            self.workloads.iter_mut().filter(|w| !w.system && matches!(w.kind, Kind::Deployment | Kind::StatefulSet));
        'images: for i in 0..images {
            let users = 1 + name_hash(&format!("pool-{i}")) % 20;
            for _ in 0..users {
                let Some(w) = scanned.next() else { break 'images };
                w.image = format!("{POOLED_IMAGE_PREFIX}{i:04}:1.0");
            }
        }
    }
}

/// The ReplicaSet of a Deployment at its revision: the pod-template hash moves with it.
pub(crate) fn replica_set_name(w: &Workload) -> String {
    if w.revision == 0 {
        return format!("{}-7d9f8c6b5", w.name);
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h = name_hash(&format!("{}#{}", w.name, w.revision));
    let hash: String = (0..10)
        .map(|_| {
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize];
            h /= ALPHABET.len() as u64;
            char::from(c)
        })
        .collect();
    format!("{}-{hash}", w.name)
}

/// Whether Trivy Operator has scanned the workload's container.
fn scanned(w: &Workload, pooled: bool) -> bool {
    if w.system || !matches!(w.kind, Kind::Deployment | Kind::StatefulSet) {
        return false;
    }
    if pooled {
        w.image.starts_with(POOLED_IMAGE_PREFIX)
    } else {
        w.name.len() > 50 || !name_hash(&w.name).is_multiple_of(3)
    }
}

/// `registry/repository:tag` as Trivy's report splits it.
fn split_image(image: &str) -> (&str, &str, &str) {
    let (name, tag) = image.rsplit_once(':').filter(|(_, t)| !t.contains('/')).unwrap_or((image, "latest"));
    let (registry, repository) =
        name.split_once('/').filter(|(r, _)| r.contains('.')).unwrap_or(("index.docker.io", name));
    (registry, repository, tag)
}

fn digest(image: &str, revision: u32) -> String {
    let a = name_hash(&format!("{image}@{revision}"));
    let b = name_hash(&format!("{revision}@{image}"));
    format!("sha256:{a:016x}{b:016x}{:016x}{:016x}", a.rotate_left(17), b.rotate_left(29))
}

/// The CVEs of `image` after its rescans.
fn image_cves(image: &str, cves_per_image: usize, rescan: Rescan) -> Vec<Value> {
    let h = name_hash(image);
    let count = if cves_per_image <= KNOWN_CVES.len() {
        (h % 4) as usize
    } else {
        cves_per_image / 2 + (h % cves_per_image as u64) as usize
    };
    let end = count + rescan.added as usize;
    (rescan.removed as usize..end)
        .map(|k| {
            if k >= count {
                // A rescan finds CVEs disclosed since: ids no image had before.
                let id = format!("CVE-2026-{}", 90_000 + (h % 900) * 100 + (k - count) as u64);
                return cve(&id, "libssl3", "3.0.11-1", "3.0.15-1", "CRITICAL");
            }
            if cves_per_image <= KNOWN_CVES.len() {
                let (id, package, installed, fixed, severity) = KNOWN_CVES[(h as usize + k * 5) % KNOWN_CVES.len()];
                return cve(id, package, installed, fixed, severity);
            }
            synthetic_cve(h, k)
        })
        .collect()
}

/// The `k`th synthetic CVE of an image: its id from a shared pool, its package, severity and fix
/// from the id (the same CVE is the same everywhere), its installed version from the image.
fn synthetic_cve(image_hash: u64, k: usize) -> Value {
    let n = image_hash.wrapping_add((k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) % CVE_POOL;
    let id = format!("CVE-{}-{}", 2021 + n % 5, 10_000 + n);
    let package = PACKAGES[(n % PACKAGES.len() as u64) as usize];
    let severity = match (n / 7) % 20 {
        0 => "CRITICAL",
        1..=4 => "HIGH",
        5..=12 => "MEDIUM",
        _ => "LOW",
    };
    let minor = (image_hash >> 8) % 10;
    let installed = format!("1.{minor}.{}", n % 9);
    let fixed = if (n / 3) % 5 < 3 { format!("1.{minor}.{}", n % 9 + 1) } else { String::new() };
    cve(&id, package, &installed, &fixed, severity)
}

fn cve(id: &str, package: &str, installed: &str, fixed: &str, severity: &str) -> Value {
    let score = match severity {
        "CRITICAL" => 9.8,
        "HIGH" => 7.5,
        "MEDIUM" => 5.3,
        _ => 3.1,
    };
    let n = name_hash(id);
    json!({
        "vulnerabilityID": id, "resource": package, "installedVersion": installed, "fixedVersion": fixed,
        "severity": severity, "title": format!("{package}: {id}"), "score": score,
        "primaryLink": format!("https://avd.aquasec.com/nvd/{}", id.to_lowercase()),
        "publishedDate": format!("20{}-{:02}-{:02}T00:00:00Z", 21 + n % 5, 1 + n % 12, 1 + n % 28),
        "cvss": {"nvd": {"V3Score": score, "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}
    })
}

/// Labels (and annotations) naming the report's object, as Trivy Operator writes them: a name
/// too long for a label value goes into an annotation, with its hash as the label.
fn owner_metadata(m: &mut Value, kind: &str, name: &str, namespace: &str, container: &str) {
    m["labels"] = json!({"trivy-operator.resource.kind": kind, "trivy-operator.resource.namespace": namespace,
                         "trivy-operator.container.name": container});
    if name.len() > 63 {
        m["labels"]["trivy-operator.resource.name-hash"] = json!(format!("{:x}", name_hash(name) & 0xff_ffff_ffff));
        m["annotations"] = json!({"trivy-operator.resource.name": name});
    } else {
        m["labels"]["trivy-operator.resource.name"] = json!(name);
    }
}

/// Renders the reports of every scanned tenant workload.
pub(crate) fn render_trivy_reports(cluster: &Cluster, out: &mut BTreeMap<&'static str, Vec<Value>>) {
    let trivy = &cluster.cfg.trivy;
    let mut secret_reported = false;
    for w in cluster.workloads.iter().filter(|w| scanned(w, trivy.image_pool.is_some())) {
        let hash = name_hash(&w.name);
        let (owner_kind, owner_name) = match w.kind {
            Kind::Deployment => ("ReplicaSet", replica_set_name(w)),
            _ => ("StatefulSet", w.name.clone()),
        };
        // Trivy shortens a long report name to a hash; the object stays named in its labels.
        let mut report_name = format!("{}-{}-main", owner_kind.to_lowercase(), owner_name);
        if report_name.len() > 63 {
            report_name = format!("{}-{:x}", owner_kind.to_lowercase(), name_hash(&report_name));
        }
        let mut m = meta(&report_name, Some(&w.namespace), &format!("uid-report-{}-{report_name}", w.namespace));
        owner_metadata(&mut m, owner_kind, &owner_name, &w.namespace, "main");
        let (registry, repository, tag) = split_image(&w.image);
        let rescan = cluster.rescans.get(&w.image).copied().unwrap_or_default();
        let vulnerabilities = image_cves(&w.image, trivy.cves_per_image, rescan);
        let artifact = json!({"repository": repository, "tag": tag, "digest": digest(&w.image, w.revision)});
        let packages: std::collections::BTreeSet<(String, String)> = vulnerabilities
            .iter()
            .map(|v| {
                (
                    v["resource"].as_str().unwrap_or_default().to_string(),
                    v["installedVersion"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let components: Vec<Value> = packages
            .into_iter()
            .map(|(name, version)| json!({"name": name, "version": version, "type": "library", "purl": format!("pkg:generic/{name}@{version}")}))
            .collect();
        let report = |kind: &str, report: Value| json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": kind, "metadata": m, "report": report});
        out.entry("vulnerabilityreports").or_default().push(report(
            "VulnerabilityReport",
            json!({
            "registry": {"server": registry}, "artifact": artifact, "updateTimestamp": "2026-11-30T06:00:00Z",
            "scanner": {"name": "Trivy", "vendor": "Aqua Security", "version": "0.58.1"},
            "summary": {"criticalCount": 0}, "vulnerabilities": vulnerabilities}),
        ));
        out.entry("sbomreports").or_default().push(report(
            "SbomReport",
            json!({
            "registry": {"server": registry}, "artifact": artifact, "updateTimestamp": "2026-11-30T06:00:00Z",
            "components": {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components}}),
        ));
        out.entry("configauditreports").or_default().push(report("ConfigAuditReport", json!({"checks": [
            {"checkID": "KSV011", "title": "CPU not limited", "severity": "LOW", "success": hash.is_multiple_of(2),
             "scope": {"type": "Container", "value": "main"}},
            {"checkID": "KSV014", "title": "Root file system is not read-only", "severity": "HIGH", "success": false,
             "scope": {"type": "Container", "value": "main"}},
            {"checkID": "KSV020", "title": "", "severity": "MEDIUM", "success": false, "scope": {"type": "Container", "value": "main"},
             "messages": [format!("Container 'main' of {} '{}' should set 'securityContext.runAsUser' > 10000", if w.kind == Kind::Deployment { "Deployment" } else { "StatefulSet" }, w.name)]}
        ]})));
        if !secret_reported && hash % 5 == 1 {
            secret_reported = true;
            out.entry("exposedsecretreports").or_default().push(report(
                "ExposedSecretReport",
                json!({"secrets": [
                {"ruleID": "aws-access-key-id", "category": "AWS", "severity": "CRITICAL", "title": "AWS Access Key ID",
                 "target": "/app/.env", "match": "AWS_ACCESS_KEY_ID=********************"}]}),
            ));
        }
    }
    crate::trivy_cluster::render_cluster_reports(cluster, out);
}
