//! The inventory's slim pods (specs shared per controller, status trimmed; `domain::pod`) give
//! exactly what pods kept whole give: the same assessment, finding by finding, summary by
//! summary, on every case of every fixture file.

mod common;

use domain::inventory::Inventory;
use domain::pod::Pods;
use domain::rules::RuleSettings;
use serde_json::Value;

/// Every list of manifest objects in a fixture document: each is one case.
fn cases<'a>(value: &'a Value, into: &mut Vec<&'a [Value]>) {
    match value {
        Value::Array(items) if !items.is_empty() && items.iter().all(|i| i["kind"].is_string()) => into.push(items),
        Value::Array(items) => items.iter().for_each(|i| cases(i, into)),
        Value::Object(map) => map.values().for_each(|v| cases(v, into)),
        _ => {}
    }
}

/// The case assessed with `pods` as the inventory's pods, as JSON.
fn assessed(objects: &[Value], pods: Pods) -> Value {
    let mut inventory = Inventory { pods, ..Inventory::default() };
    for object in objects {
        // A fixture may hold objects no rule reads, or invalid ones on purpose: both forms
        // refuse them alike.
        let _ = inventory.add_manifest(object, "fixtures");
    }
    serde_json::to_value(domain::assess(&inventory, &RuleSettings::default(), Vec::new(), &[])).unwrap()
}

#[test]
fn slim_pods_give_the_assessment_whole_pods_give_on_every_fixture() {
    let mut compared = 0;
    for set in ["accuracy", "pss", "rules"] {
        let mut paths: Vec<_> = std::fs::read_dir(common::fixtures(set))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
            .collect();
        paths.sort();
        for path in paths {
            let doc = common::read_yaml(&path);
            let mut found = Vec::new();
            cases(&doc, &mut found);
            for (i, objects) in found.into_iter().enumerate() {
                let slim = assessed(objects, Pods::default());
                let whole = assessed(objects, Pods::whole());
                assert_eq!(slim, whole, "{} case {i}", path.display());
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "only {compared} cases found");
}
