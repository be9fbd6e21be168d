//! Any bytes read as a text notice: a clear error or a validated document, never a panic or a hang.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use notice_ingest::{Format, Source};
use notice_ingest::{convert_source, Config};

fuzz_target!(|data: &[u8]| {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    let config = CONFIG.get_or_init(Config::default);
    // Read the bytes as text whatever they look like: the fuzzer's bytes rarely sniff as text.
    let source = Source { path: "fuzz.text".into(), bytes: data.to_vec(), sha256: "0".repeat(64), format: Format::Text };
    let _ = convert_source(&source, config);
});
