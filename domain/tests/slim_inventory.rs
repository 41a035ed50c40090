//! The inventory's slim form (pods' specs shared per controller and their status trimmed,
//! `domain::pod`; the templates of controlled ReplicaSets and Jobs dropped, as the collector
//! reads them) gives exactly what objects kept whole give: the same assessment, finding by
//! finding, summary by summary, on every case of every fixture file.

mod common;

use domain::inventory::{Inventory, trim_controlled_job, trim_controlled_replica_set};
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

/// The case assessed with `pods` as the inventory's pods, and trimmed as the collector trims
/// what it lists when `slim`, as JSON.
fn assessed(objects: &[Value], pods: Pods, slim: bool) -> Value {
    let mut inventory = Inventory { pods, ..Inventory::default() };
    for object in objects {
        // A fixture may hold objects no rule reads, or invalid ones on purpose: both forms
        // refuse them alike.
        let _ = inventory.add_manifest(object, "fixtures");
    }
    if slim {
        inventory.replica_sets.iter_mut().for_each(trim_controlled_replica_set);
        inventory.jobs.iter_mut().for_each(trim_controlled_job);
    }
    serde_json::to_value(domain::assess(&inventory, &RuleSettings::default(), Vec::new(), &[])).unwrap()
}

#[test]
fn the_slim_inventory_gives_the_assessment_whole_objects_give_on_every_fixture() {
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
                let slim = assessed(objects, Pods::default(), true);
                let whole = assessed(objects, Pods::whole(), false);
                assert_eq!(slim, whole, "{} case {i}", path.display());
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "only {compared} cases found");
}
