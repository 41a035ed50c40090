//! Rule evaluation over arbitrary objects: whatever manifests parse into an inventory are
//! assessed by every rule, tenancy, scoring and compliance. Must never panic.
#![no_main]

use domain::Inventory;
use domain::manifest::{Format, parse_documents};
use domain::rules::RuleSettings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(documents) = parse_documents(bytes, Format::Yaml) else { return };
    let mut inventory = Inventory::default();
    for document in documents.iter().filter_map(|d| d.value.as_ref().ok()) {
        let _ = inventory.add_manifest(document, "default");
    }
    let settings = RuleSettings { allowed_registries: vec!["registry.example.com".into()], ..RuleSettings::default() };
    let _ = domain::assess(&inventory, &settings, Vec::new(), &[]);
});
