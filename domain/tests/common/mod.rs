//! Fixture helpers shared by the domain's integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The fixture directory `name` under `domain/tests/fixtures`.
pub fn fixtures(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Reads a YAML fixture into JSON.
pub fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Merges `patch` into `base`: maps key by key, lists of maps element by element, anything
/// else replaced; `null` removes the key.
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    base.remove(key);
                } else {
                    merge(base.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (Value::Array(base), Value::Array(patch))
            if patch.iter().all(Value::is_object) && base.iter().all(Value::is_object) =>
        {
            for (i, value) in patch.iter().enumerate() {
                match base.get_mut(i) {
                    Some(existing) => merge(existing, value),
                    None => base.push(value.clone()),
                }
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}
