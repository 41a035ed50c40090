//! `rampart scan`: the same rules over manifests on disk, with no database.
//!
//! Reads YAML (multi-document) and JSON files, directories of them, and `kind: List` documents
//! as `kubectl get -o yaml` writes them. Findings are reported against the objects as written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use domain::intake::Intake;
use domain::manifest::{Format, MAX_MANIFEST_BYTES, ManifestError, parse_manifest};
use domain::rules::RuleSettings;
use domain::{Finding, Inventory, ObjectRef, Severity};
use serde_json::Value;

use super::cli::{ScanArgs, ScanFormat};

pub mod junit;
pub mod sarif;
pub mod table;

/// Why manifests could not be read. Each names the file and, where known, the line.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: String, source: ManifestError },
    #[error("{path}: {kind} {name:?} is not a valid {kind}: {message}")]
    Object { path: String, kind: String, name: String, message: String },
}

/// Manifests read into an inventory, with the file each object came from.
#[derive(Debug, Default)]
pub struct Manifests {
    pub inventory: Inventory,
    sources: HashMap<ObjectRef, String>,
    /// Documents of kinds no rule reads, by kind.
    pub skipped: HashMap<String, usize>,
}

impl Manifests {
    /// The file an object was read from.
    pub fn source_of(&self, object: &ObjectRef) -> Option<&str> {
        self.sources.get(object).map(String::as_str)
    }
}

/// One finding as `rampart scan --format json` prints it.
#[derive(Debug, serde::Serialize)]
pub struct ScanFinding<'a> {
    pub rule: &'a str,
    pub severity: Severity,
    pub object: &'a ObjectRef,
    pub container: Option<&'a str>,
    pub message: &'a str,
    pub controls: &'a [String],
    pub source: Option<&'a str>,
    pub evidence: &'a [String],
}

/// Reads every manifest under `paths` (files, or directories searched for .yaml/.yml/.json).
pub fn load(paths: &[PathBuf]) -> Result<Manifests, ScanError> {
    let mut manifests = Manifests::default();
    for path in paths {
        for file in files_under(path)? {
            load_file(&file, &mut manifests)?;
        }
    }
    Ok(manifests)
}

fn files_under(path: &Path) -> Result<Vec<PathBuf>, ScanError> {
    let read_error = |source| ScanError::Read { path: path.display().to_string(), source };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(read_error)?;
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(path).map_err(read_error)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            files.extend(files_under(&entry)?);
        } else if matches!(entry.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            files.push(entry);
        }
    }
    Ok(files)
}

fn load_file(file: &Path, manifests: &mut Manifests) -> Result<(), ScanError> {
    let path = file.display().to_string();
    let read_error = |source| ScanError::Read { path: path.clone(), source };
    // Refused before reading: a huge file never reaches memory.
    let size = std::fs::metadata(file).map_err(read_error)?.len();
    if size > MAX_MANIFEST_BYTES as u64 {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        return Err(ScanError::Parse { path, source: ManifestError::TooLarge { size } });
    }
    let bytes = std::fs::read(file).map_err(read_error)?;
    let format = if file.extension().and_then(|e| e.to_str()) == Some("json") { Format::Json } else { Format::Yaml };
    let documents = parse_manifest(&bytes, format).map_err(|source| ScanError::Parse { path: path.clone(), source })?;
    for value in documents {
        add_document(value, &path, manifests)?;
    }
    Ok(())
}

fn add_document(value: Value, path: &str, manifests: &mut Manifests) -> Result<(), ScanError> {
    if value.is_null() {
        return Ok(());
    }
    let intake = manifests.inventory.add_object(&value).map_err(|error| ScanError::Object {
        path: path.to_string(),
        kind: error.kind,
        name: error.name,
        message: error.message,
    })?;
    for item in intake {
        match item {
            Intake::Added(reference) => {
                manifests.sources.insert(reference, path.to_string());
            }
            Intake::Skipped(kind) => *manifests.skipped.entry(kind).or_default() += 1,
        }
    }
    Ok(())
}

/// Which findings a scan reports.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only these rules; empty means all.
    pub rules: Vec<String>,
    /// Never these rules.
    pub skip_rules: Vec<String>,
    pub min_severity: Option<Severity>,
}

/// What a scan found, after filtering.
#[derive(Debug)]
pub struct ScanResult {
    /// The most severe first.
    pub findings: Vec<Finding>,
    /// Rules that could not be assessed on these manifests, with why.
    pub not_assessable: Vec<(&'static str, String)>,
    /// The rules the filters kept.
    pub rules: Vec<&'static str>,
}

/// Runs the rules over the manifests and applies the filters. An unknown rule id in the
/// filters is an error naming it.
pub fn scan(manifests: &Manifests, settings: &RuleSettings, filters: &Filters) -> Result<ScanResult, String> {
    let catalogue = domain::rules::catalogue();
    for id in filters.rules.iter().chain(&filters.skip_rules) {
        if !catalogue.iter().any(|r| r.id == id) {
            return Err(format!("unknown rule {id:?} (see `rampart rules`)"));
        }
    }
    let kept = |id: &str| {
        (filters.rules.is_empty() || filters.rules.iter().any(|r| r == id))
            && !filters.skip_rules.iter().any(|r| r == id)
    };
    let evaluation = domain::rules::evaluate_with(&manifests.inventory, settings);
    let mut findings: Vec<Finding> = evaluation
        .findings
        .into_iter()
        .filter(|f| kept(&f.rule) && filters.min_severity.is_none_or(|min| f.severity >= min))
        .collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.object.cmp(&b.object)));
    Ok(ScanResult {
        findings,
        not_assessable: evaluation.not_assessable.into_iter().filter(|(id, _)| kept(id)).collect(),
        rules: catalogue.iter().map(|r| r.id).filter(|id| kept(id)).collect(),
    })
}

/// The findings as `{"findings": [...]}` JSON.
pub fn to_json(manifests: &Manifests, findings: &[Finding]) -> String {
    let items: Vec<ScanFinding<'_>> = findings
        .iter()
        .map(|f| ScanFinding {
            rule: &f.rule,
            severity: f.severity,
            object: &f.object,
            container: f.container.as_deref(),
            message: &f.message,
            controls: &f.controls,
            source: manifests.source_of(&f.object),
            evidence: &f.evidence,
        })
        .collect();
    #[derive(serde::Serialize)]
    struct Report<'a> {
        findings: Vec<ScanFinding<'a>>,
    }
    serde_json::to_string_pretty(&Report { findings: items }).unwrap_or_default()
}

/// The findings as an aligned text table.
pub fn to_table(manifests: &Manifests, findings: &[Finding]) -> String {
    let mut rows = vec![["SEVERITY", "RULE", "OBJECT", "CONTAINER", "MESSAGE", "SOURCE"].map(String::from).to_vec()];
    for f in findings {
        let object = f.object.to_string();
        rows.push(vec![
            f.severity.to_string(),
            f.rule.clone(),
            object,
            f.container.clone().unwrap_or_else(|| "-".into()),
            f.message.clone(),
            manifests.source_of(&f.object).unwrap_or("-").to_string(),
        ]);
    }
    let mut out = table::render(&rows);
    out.push_str(&format!("{} finding(s)\n", findings.len()));
    out
}

/// Runs `rampart scan`: 2 when the manifests cannot be read, 1 when a finding reaches
/// `--fail-on`.
pub fn run(args: &ScanArgs) -> ExitCode {
    let manifests = match load(&args.paths) {
        Ok(manifests) => manifests,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let settings = RuleSettings { allowed_registries: args.allowed_registries.clone(), ..RuleSettings::default() };
    let filters =
        Filters { rules: args.rules.clone(), skip_rules: args.skip_rules.clone(), min_severity: args.min_severity };
    let result = match scan(&manifests, &settings, &filters) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let findings = &result.findings;
    match args.format {
        ScanFormat::Json => println!("{}", to_json(&manifests, findings)),
        ScanFormat::Table => print!("{}", to_table(&manifests, findings)),
        ScanFormat::Sarif => println!("{}", sarif::render(&manifests, findings)),
        ScanFormat::Junit => {
            print!("{}", junit::render(&manifests, findings, &result.not_assessable, &result.rules))
        }
    }
    for (kind, count) in &manifests.skipped {
        eprintln!("note: {count} {kind} document(s) skipped: no rule reads that kind");
    }
    let failing = args.fail_on.is_some_and(|threshold| findings.iter().any(|f| f.severity >= threshold));
    if failing { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
