//! Verdicts checked against Kubernetes' own semantics: every file of `tests/fixtures/accuracy`
//! (see its README) is read the way `rampart scan` reads manifests, and each of its checks must
//! fire on every failing case, stay silent on every passing one, and report itself not
//! assessable where the file says so.

mod common;

use domain::inventory::Inventory;
use domain::rules::{Evaluation, RuleSettings, evaluate_with, rule};
use domain::secret_like::{SECRET_NAME_PATTERNS, SECRET_VALUE_SHAPES, name_pattern_matches};
use serde_json::Value;

/// The objects of one case, read as `rampart scan --namespace <namespace>` would read them.
fn evaluate(case: &Value, namespace: &str) -> Evaluation {
    let mut inventory = Inventory::default();
    for object in case.as_array().expect("a case is a list of objects") {
        inventory.add_manifest(object, namespace).unwrap_or_else(|e| panic!("fixture object: {e}"));
    }
    evaluate_with(&inventory, &RuleSettings::default())
}

fn cases<'a>(check: &'a Value, key: &str) -> &'a [Value] {
    check[key].as_array().map(Vec::as_slice).unwrap_or_default()
}

fn files() -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(common::fixtures("accuracy"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), common::read_yaml(&path)))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

#[test]
fn every_accuracy_fixture_gives_kubernetes_verdict() {
    let mut checked = 0;
    for (name, doc) in files() {
        let namespace = doc["namespace"].as_str().unwrap_or("default");
        let checks = doc["checks"].as_array().unwrap_or_else(|| panic!("{name}: no checks"));
        for check in checks {
            let id = check["rule"].as_str().unwrap_or_else(|| panic!("{name}: a check names no rule"));
            assert!(rule(id).is_some(), "{name}: unknown rule {id}");
            let (fails, passes) = (cases(check, "fail"), cases(check, "pass"));
            assert!(!fails.is_empty() && !passes.is_empty(), "{name}: {id} needs failing and passing cases");
            for (i, case) in fails.iter().enumerate() {
                let evaluation = evaluate(case, namespace);
                let hits: Vec<_> = evaluation.findings.iter().filter(|f| f.rule == id).collect();
                assert!(!hits.is_empty(), "{name}: {id} does not fire on failing case {i}: {evaluation:#?}");
                if let Some(text) = check["message"].as_str() {
                    assert!(hits.iter().all(|f| f.message.contains(text)), "{name}: {id} case {i} says {hits:#?}");
                }
            }
            for (i, case) in passes.iter().enumerate() {
                let evaluation = evaluate(case, namespace);
                let hits: Vec<_> = evaluation.findings.iter().filter(|f| f.rule == id).collect();
                assert!(hits.is_empty(), "{name}: {id} fires on passing case {i}: {hits:#?}");
                assert!(!evaluation.not_assessable.iter().any(|(r, _)| *r == id), "{name}: {id} case {i}");
            }
            for (i, case) in cases(check, "not_assessable").iter().enumerate() {
                let evaluation = evaluate(case, namespace);
                assert!(evaluation.findings.iter().all(|f| f.rule != id), "{name}: {id} not-assessable case {i}");
                assert!(
                    evaluation.not_assessable.iter().any(|(r, _)| *r == id),
                    "{name}: {id} is assessed on case {i}: {:?}",
                    evaluation.not_assessable
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} checks");
}

#[test]
fn every_item_of_the_accuracy_review_has_a_fixture() {
    let items: std::collections::BTreeSet<u64> = files().iter().filter_map(|(_, doc)| doc["item"].as_u64()).collect();
    assert_eq!(items, (1..=12).collect(), "items with fixtures");
}

/// Every entry of the secret-name and secret-value catalogues is exercised by a failing case of
/// item 5's fixture, so an entry cannot be added without one.
#[test]
fn every_secret_catalogue_entry_has_a_failing_fixture() {
    let doc = common::read_yaml(&common::fixtures("accuracy").join("05-secret-names-and-values.yaml"));
    let env: Vec<(String, String)> = cases(&doc["checks"][0], "fail")
        .iter()
        .flat_map(|case| case[0]["spec"]["containers"][0]["env"].as_array().cloned().unwrap_or_default())
        .map(|var| (var["name"].as_str().unwrap().to_string(), var["value"].as_str().unwrap().to_string()))
        .collect();
    for pattern in SECRET_NAME_PATTERNS {
        assert!(env.iter().any(|(key, _)| name_pattern_matches(pattern, key)), "no fixture for name pattern {pattern}");
    }
    for shape in SECRET_VALUE_SHAPES {
        assert!(env.iter().any(|(_, value)| (shape.matches)(value)), "no fixture for value shape {:?}", shape.reason);
    }
}
