//! Reading manifests from disk: YAML (multi-document) and JSON files, directories of them, and
//! `kind: List` documents, into an inventory that remembers which file each object came from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use domain::intake::Intake;
use domain::manifest::{Format, MAX_MANIFEST_BYTES, ManifestError, parse_manifest};
use domain::{Inventory, ObjectRef};
use serde_json::Value;

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
