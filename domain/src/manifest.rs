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

/// One document of a manifest file: where it starts, and its value or why it could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its position among the file's documents, from 1 (empty documents are not counted).
    pub number: usize,
    /// The line it starts on, from 1 (its marker `---` when it has one). A YAML error names
    /// its own line, in the whole file.
    pub line: usize,
    pub value: Result<Value, ManifestError>,
}

/// The documents of one manifest file (empty YAML documents are left out). Each document is
/// read on its own, so one that cannot be read does not hide the others; only what makes the
/// whole file unreadable (its size, invalid UTF-8) is an error of the file.
pub fn parse_documents(bytes: &[u8], format: Format) -> Result<Vec<Document>, ManifestError> {
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
                .map_err(|e| ManifestError::Json { line: e.line(), message: e.to_string() });
            Ok(vec![Document { number: 1, line: 1, value }])
        }
        Format::Yaml => {
            let mut documents = Vec::new();
            for (first_line, chunk) in yaml_chunks(text) {
                for document in serde_yaml_ng::Deserializer::from_str(chunk) {
                    let value = Strict::deserialize(document).map(|strict| strict.0);
                    if matches!(value, Ok(Value::Null)) {
                        continue;
                    }
                    let line = first_line;
                    let value = value.map_err(|e| ManifestError::Yaml {
                        line: e.location().map(|l| first_line + l.line() - 1),
                        message: shift_lines(&e.to_string(), first_line - 1),
                    });
                    let failed = value.is_err();
                    documents.push(Document { number: documents.len() + 1, line, value });
                    // After a syntax error the parser cannot find the rest of this chunk.
                    if failed {
                        break;
                    }
                }
            }
            Ok(documents)
        }
    }
}

/// A parser message about one piece of the file with its `line N` mentions moved by `offset`,
/// so that they count lines of the whole file.
fn shift_lines(message: &str, offset: usize) -> String {
    if offset == 0 {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(line) => out.push_str(&(line + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// The text of a YAML file cut at its `---` document markers, each piece with the line it
/// starts on: a document the parser cannot read then costs only itself. Directive lines
/// (`%YAML`) stay with the document they introduce.
fn yaml_chunks(text: &str) -> Vec<(usize, &str)> {
    let mut chunks = Vec::new();
    let (mut start, mut start_line, mut offset) = (0, 1, 0);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let marker =
            line.strip_prefix("---").is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
        let only_directives = text[start..offset].lines().all(|l| l.starts_with('%') || l.trim().is_empty());
        if marker && offset > start && !only_directives {
            chunks.push((start_line, &text[start..offset]));
            (start, start_line) = (offset, i + 1);
        }
        offset += line.len();
    }
    if start < text.len() {
        chunks.push((start_line, &text[start..]));
    }
    chunks
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

    /// Every document's value, or the first error (of the file or of a document).
    fn parse_manifest(bytes: &[u8], format: Format) -> Result<Vec<Value>, ManifestError> {
        parse_documents(bytes, format)?.into_iter().map(|d| d.value).collect()
    }

    #[test]
    fn documents_of_a_yaml_file_become_values() {
        let docs = parse_manifest(b"kind: Pod\n---\n---\nkind: Service\nport: 80\n", Format::Yaml).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1]["port"], 80);
    }

    #[test]
    fn a_broken_document_is_an_error_of_its_own_with_its_number_and_line() {
        let yaml = b"%YAML 1.2\n---\nkind: Pod\n---\nkind: [unclosed\n---\nkind: Service\n...\n---\nkind: Job\n";
        let docs = parse_documents(yaml, Format::Yaml).unwrap();
        let shown: Vec<(usize, usize, bool)> = docs.iter().map(|d| (d.number, d.line, d.value.is_ok())).collect();
        assert_eq!(shown, [(1, 1, true), (2, 4, false), (3, 6, true), (4, 9, true)]);
        let Err(ManifestError::Yaml { line: Some(6), message }) = &docs[1].value else { panic!("{:?}", docs[1].value) };
        assert!(message.contains("at line 6 column 1"), "lines of the whole file: {message}");
        assert_eq!(docs[3].value.as_ref().unwrap()["kind"], "Job");
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
