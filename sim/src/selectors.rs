//! `labelSelector` and `fieldSelector` as the API server parses and applies them, so that a
//! client filtering server-side (kubectl `-l`, `--field-selector`) gets what a real cluster
//! would give it, and an unsupported field is refused as a real server refuses it.

use serde_json::Value;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed `labelSelector`: every requirement must hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct LabelSelector(Vec<LabelRequirement>);

/// The fields a field selector may name, for the kinds the simulator serves.
const FIELDS: [&str; 4] = ["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"];

/// A parsed `fieldSelector`: (field path, wanted value, equality).
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldSelector(Vec<(String, String, bool)>);

/// Splits at commas outside parentheses (`env in (a,b),tier=web`).
fn requirements(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

fn set(values: &str) -> Result<Vec<String>, String> {
    let inner = values.trim().strip_prefix('(').and_then(|v| v.strip_suffix(')')).ok_or("expected a (value, …) set")?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect())
}

impl LabelSelector {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in requirements(text) {
            let requirement = if let Some(key) = part.strip_prefix('!') {
                LabelRequirement::DoesNotExist(key.trim().to_string())
            } else if let Some((key, values)) = part.split_once(" notin ") {
                LabelRequirement::NotIn(key.trim().into(), set(values)?)
            } else if let Some((key, values)) = part.split_once(" in ") {
                LabelRequirement::In(key.trim().into(), set(values)?)
            } else if let Some((key, value)) = part.split_once("!=") {
                LabelRequirement::NotEquals(key.trim().into(), value.trim().into())
            } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
                LabelRequirement::Equals(key.trim().into(), value.trim().into())
            } else if part.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
                LabelRequirement::Exists(part.to_string())
            } else {
                return Err(format!("unable to parse requirement: {part:?}"));
            };
            out.push(requirement);
        }
        Ok(LabelSelector(out))
    }

    /// Whether the selector selects everything (no requirement).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        let labels = &object["metadata"]["labels"];
        let label = |key: &str| labels.get(key).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            LabelRequirement::Equals(k, v) => label(k) == Some(v.as_str()),
            LabelRequirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            LabelRequirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::NotIn(k, vs) => label(k).is_none_or(|l| !vs.iter().any(|v| v == l)),
            LabelRequirement::Exists(k) => label(k).is_some(),
            LabelRequirement::DoesNotExist(k) => label(k).is_none(),
        })
    }
}

impl FieldSelector {
    /// Parses `text`; a field the server does not index is an error naming it, as the API
    /// server's `field label not supported`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in requirements(text) {
            let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (f, v, true)
            } else {
                return Err(format!("invalid selector: {part:?}; needs a field and a value"));
            };
            let field = field.trim();
            if !FIELDS.contains(&field) {
                return Err(format!("field label not supported: {field}"));
            }
            out.push((field.to_string(), value.trim().to_string(), equal));
        }
        Ok(FieldSelector(out))
    }

    /// Whether the selector selects everything (no requirement).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, value, equal)| {
            let found = field.split('.').fold(object, |v, key| &v[key]).as_str().unwrap_or("");
            (found == value) == *equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors_match_as_the_api_server_matches() {
        let pod = json!({"metadata": {"labels": {"app": "web", "tier": "front"}}});
        for (selector, expected) in [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("app in (web, api)", true),
            ("app notin (web)", false),
            ("tier", true),
            ("!tier", false),
            ("env notin (prod)", true),
        ] {
            assert_eq!(LabelSelector::parse(selector).unwrap().matches(&pod), expected, "{selector}");
        }
    }

    #[test]
    fn field_selectors_take_only_indexed_fields() {
        let pod = json!({"metadata": {"name": "p", "namespace": "ns"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        assert!(FieldSelector::parse("status.phase=Running,spec.nodeName=n1").unwrap().matches(&pod));
        assert!(!FieldSelector::parse("metadata.namespace!=ns").unwrap().matches(&pod));
        assert!(FieldSelector::parse("spec.restartPolicy=Always").unwrap_err().contains("field label not supported"));
    }
}
