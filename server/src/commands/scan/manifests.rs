//! Reading manifests from disk: YAML (multi-document) and JSON files, directories of them, and
//! `kind: List` documents, into an inventory that remembers which file each object came from.
//!
//! A document that cannot be read is an error naming its file, its number and its line; the
//! other documents and files are still read, so one bad document costs only itself.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use domain::intake::Intake;
use domain::manifest::{Document, Format, MAX_MANIFEST_BYTES, ManifestError, parse_documents};
use domain::{Inventory, ObjectRef};

/// Why a file, or one document of it, could not be read. Each names the file and, where known,
/// the document and line.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    File { path: String, source: ManifestError },
    #[error("{path}: document {number} (line {line}): {message}")]
    Document { path: String, number: usize, line: usize, message: String },
}

/// Manifests read into an inventory, with the file each object came from.
#[derive(Debug, Default)]
pub struct Manifests {
    pub inventory: Inventory,
    sources: HashMap<ObjectRef, String>,
    /// Documents of kinds no rule reads, by kind.
    pub skipped: HashMap<String, usize>,
    /// What could not be read, in the order met; everything else was read.
    pub errors: Vec<ScanError>,
}

impl Manifests {
    /// The file an object was read from.
    pub fn source_of(&self, object: &ObjectRef) -> Option<&str> {
        self.sources.get(object).map(String::as_str)
    }
}

/// Reads every manifest under `paths` (files, or directories searched for .yaml/.yml/.json).
/// An object without a namespace is in `namespace`, as `kubectl apply --namespace` would put
/// it.
pub fn load(paths: &[PathBuf], namespace: &str) -> Manifests {
    let mut manifests = Manifests::default();
    for path in paths {
        match files_under(path) {
            Ok(files) => {
                for file in files {
                    load_file(&file, namespace, &mut manifests);
                }
            }
            Err(error) => manifests.errors.push(error),
        }
    }
    manifests
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

fn load_file(file: &Path, namespace: &str, manifests: &mut Manifests) {
    let path = file.display().to_string();
    match read_documents(file, &path) {
        Ok(documents) => {
            for document in documents {
                if let Err(error) = add_document(document, namespace, &path, manifests) {
                    manifests.errors.push(error);
                }
            }
        }
        Err(error) => manifests.errors.push(error),
    }
}

fn read_documents(file: &Path, path: &str) -> Result<Vec<Document>, ScanError> {
    let read_error = |source| ScanError::Read { path: path.to_string(), source };
    // Refused before reading: a huge file never reaches memory.
    let size = std::fs::metadata(file).map_err(read_error)?.len();
    if size > MAX_MANIFEST_BYTES as u64 {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        return Err(ScanError::File { path: path.to_string(), source: ManifestError::TooLarge { size } });
    }
    let bytes = std::fs::read(file).map_err(read_error)?;
    let format = if file.extension().and_then(|e| e.to_str()) == Some("json") { Format::Json } else { Format::Yaml };
    parse_documents(&bytes, format).map_err(|source| ScanError::File { path: path.to_string(), source })
}

fn add_document(document: Document, namespace: &str, path: &str, manifests: &mut Manifests) -> Result<(), ScanError> {
    let Document { number, line, value } = document;
    let document_error = |message: String| ScanError::Document { path: path.to_string(), number, line, message };
    let value = value.map_err(|error| document_error(error.to_string()))?;
    let outdated_before = manifests.inventory.outdated_apis.len();
    let intake =
        manifests.inventory.add_manifest(&value, namespace).map_err(|error| document_error(error.to_string()))?;
    for outdated in &manifests.inventory.outdated_apis[outdated_before..] {
        manifests.sources.insert(outdated.object.clone(), path.to_string());
    }
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
