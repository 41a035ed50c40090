//! Manifest files to JSON values: YAML (several documents per file) or JSON, read strictly.
//!
//! A key given twice in one mapping is an error, as it is in Kubernetes' own strict decoding:
//! taking either value silently could hide the setting a rule should see. Nesting deeper than
//! the parsers' recursion limit (128) is an error, and files over [`MAX_MANIFEST_BYTES`] are
//! refused before they are parsed, so memory stays bounded whatever the input.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The largest manifest file read: far above any real manifest, small enough that parsing it
/// stays within a few hundred MiB.
pub const MAX_MANIFEST_BYTES: usize = 32 * 1024 * 1024;

/// How a manifest file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Why a manifest file could not be read; the caller adds the file's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("{size} bytes is more than the {MAX_MANIFEST_BYTES} bytes a manifest file may have")]
    TooLarge { size: usize },
    #[error("not valid UTF-8 text (line {line})")]
    NotUtf8 { line: usize },
    #[error("YAML error{}: {message}", .line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Yaml { line: Option<usize>, message: String },
    #[error("JSON error at line {line}: {message}")]
    Json { line: usize, message: String },
}

/// The documents of one manifest file, as JSON values (empty YAML documents are left out).
pub fn parse_manifest(bytes: &[u8], format: Format) -> Result<Vec<Value>, ManifestError> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge { size: bytes.len() });
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let line = bytes[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        ManifestError::NotUtf8 { line }
    })?;
    match format {
        Format::Json => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let value = Strict::deserialize(&mut deserializer)
                .and_then(|strict| deserializer.end().map(|()| strict.0))
                .map_err(|e| ManifestError::Json { line: e.line(), message: e.to_string() })?;
            Ok(vec![value])
        }
        Format::Yaml => {
            let mut documents = Vec::new();
            for document in serde_yaml_ng::Deserializer::from_str(text) {
                let Strict(value) = Strict::deserialize(document).map_err(|e| ManifestError::Yaml {
                    line: e.location().map(|l| l.line()),
                    message: e.to_string(),
                })?;
                if !value.is_null() {
                    documents.push(value);
                }
            }
            Ok(documents)
        }
    }
}

/// A JSON value deserialized from any format, refusing a mapping that repeats a key.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a manifest value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Strict::deserialize(deserializer).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key {key:?} in one mapping")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A mapping key as text: YAML allows numbers and booleans as keys, JSON objects need strings.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        match Strict::deserialize(deserializer)?.0 {
            Value::String(key) => Ok(key),
            Value::Null => Ok("null".into()),
            other @ (Value::Bool(_) | Value::Number(_)) => Ok(other.to_string()),
            Value::Array(_) | Value::Object(_) => Err(de::Error::custom("a mapping key must be a scalar")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_a_yaml_file_become_values() {
        let docs = parse_manifest(b"kind: Pod\n---\n---\nkind: Service\nport: 80\n", Format::Yaml).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1]["port"], 80);
    }

    #[test]
    fn a_repeated_key_is_an_error_naming_it_and_its_line() {
        let yaml = parse_manifest(b"kind: Pod\nmetadata:\n  name: a\n  name: b\n", Format::Yaml).unwrap_err();
        let ManifestError::Yaml { line, message } = &yaml else { panic!("{yaml:?}") };
        assert!(message.contains("duplicate key \"name\""), "{message}");
        assert!(line.is_some_and(|line| (3..=4).contains(&line)), "the mapping's line: {line:?}");
        let json = parse_manifest(
            br#"{"kind":"Pod",
            "kind":"Service"}"#,
            Format::Json,
        )
        .unwrap_err();
        assert!(
            matches!(&json, ManifestError::Json { line: 2, message } if message.contains("duplicate key")),
            "{json:?}"
        );
    }

    #[test]
    fn deep_nesting_invalid_text_and_huge_files_are_refused() {
        let deep = format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(parse_manifest(deep.as_bytes(), Format::Yaml), Err(ManifestError::Yaml { .. })));
        let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(parse_manifest(deep_json.as_bytes(), Format::Json), Err(ManifestError::Json { .. })));
        assert_eq!(parse_manifest(b"kind: Pod\nname: \xff\n", Format::Yaml), Err(ManifestError::NotUtf8 { line: 2 }));
        let huge = vec![b' '; MAX_MANIFEST_BYTES + 1];
        assert!(matches!(parse_manifest(&huge, Format::Yaml), Err(ManifestError::TooLarge { .. })));
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            yaml.push_str(&format!("a{level}: &a{level} [{}]\n", vec![previous; 10].join(", ")));
        }
        assert!(matches!(parse_manifest(yaml.as_bytes(), Format::Yaml), Err(ManifestError::Yaml { .. })));
    }

    #[test]
    fn trailing_text_after_a_json_document_is_an_error() {
        assert!(parse_manifest(b"{\"kind\":\"Pod\"} {", Format::Json).is_err());
    }
}
