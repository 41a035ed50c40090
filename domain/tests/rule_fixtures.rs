//! Every rule against its fixtures: each rule fires on every failing fixture and on no passing
//! one. Pod Security Standards rules are covered by `tests/fixtures/pss` (see `pss_fixtures.rs`);
//! every other rule has `tests/fixtures/rules/<rule-id>.yaml`.

mod common;

use domain::inventory::Inventory;
use domain::rules::{RuleCheck, RuleSettings, catalogue, evaluate_with};
use serde_json::Value;

fn inventory(objects: &Value) -> Inventory {
    let mut inventory = Inventory::default();
    for object in objects.as_array().expect("a fixture case is a list of objects") {
        inventory.add_object(object).unwrap_or_else(|e| panic!("fixture object: {e}"));
    }
    inventory
}

fn settings(doc: &Value) -> RuleSettings {
    let mut settings = RuleSettings::default();
    if let Some(registries) = doc["settings"]["allowed_registries"].as_array() {
        settings.allowed_registries = registries.iter().map(|r| r.as_str().unwrap().to_string()).collect();
    }
    settings
}

/// Values a fixture plants in ConfigMaps and env vars: none may reach a finding.
fn planted_values(objects: &Value) -> Vec<String> {
    let mut values = Vec::new();
    for object in objects.as_array().unwrap() {
        for value in object["data"].as_object().into_iter().flat_map(|d| d.values()) {
            values.extend(value.as_str().map(str::to_string));
        }
        let text = object.to_string();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("\"value\":\"") {
            rest = &rest[i + 9..];
            values.push(rest[..rest.find('"').unwrap_or(0)].to_string());
        }
    }
    values.retain(|v| v.len() >= 12);
    values
}

#[test]
fn every_rule_fires_on_its_failing_fixtures_and_not_on_its_passing_ones() {
    let mut checked = 0;
    for rule in catalogue() {
        if matches!(rule.check, RuleCheck::Pss(_)) {
            continue;
        }
        let path = common::fixtures("rules").join(format!("{}.yaml", rule.id));
        assert!(path.exists(), "rule {} has no fixture file {}", rule.id, path.display());
        let doc = common::read_yaml(&path);
        let settings = settings(&doc);
        let fails = doc["fail"].as_array().unwrap_or_else(|| panic!("{}: no fail cases", rule.id));
        let passes = doc["pass"].as_array().unwrap_or_else(|| panic!("{}: no pass cases", rule.id));
        assert!(!fails.is_empty() && !passes.is_empty(), "{} needs failing and passing fixtures", rule.id);
        for (i, case) in fails.iter().enumerate() {
            let findings = evaluate_with(&inventory(case), &settings).findings;
            let hits: Vec<_> = findings.iter().filter(|f| f.rule == rule.id).collect();
            assert!(!hits.is_empty(), "{} does not fire on failing fixture {i}", rule.id);
            assert!(hits.iter().all(|f| !f.message.is_empty()), "{}", rule.id);
            let shown = format!("{findings:?}");
            for planted in planted_values(case) {
                assert!(!shown.contains(&planted), "{}: a finding quotes the planted value {planted:?}", rule.id);
            }
        }
        for (i, case) in passes.iter().enumerate() {
            let findings = evaluate_with(&inventory(case), &settings).findings;
            let hits: Vec<_> = findings.iter().filter(|f| f.rule == rule.id).collect();
            assert!(hits.is_empty(), "{} fires on passing fixture {i}: {hits:#?}", rule.id);
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} rules checked");
}

#[test]
fn no_fixture_file_names_an_unknown_rule() {
    let known: Vec<&str> = catalogue().iter().map(|r| r.id).collect();
    for entry in std::fs::read_dir(common::fixtures("rules")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let id = name.trim_end_matches(".yaml");
        assert!(known.contains(&id), "fixture {name} names no rule");
    }
}
