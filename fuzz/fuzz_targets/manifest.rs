//! Manifest parsing: any bytes, read as YAML and as JSON, then taken into an inventory. Errors
//! are fine; a panic, a hang or unbounded memory is a bug.
#![no_main]

use domain::Inventory;
use domain::manifest::{Format, parse_documents};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for format in [Format::Yaml, Format::Json] {
        let Ok(documents) = parse_documents(bytes, format) else { continue };
        let mut inventory = Inventory::default();
        for document in documents.iter().filter_map(|d| d.value.as_ref().ok()) {
            let _ = inventory.add_manifest(document, "default");
        }
    }
});
