//! Arbitrary text as `paw.toml`: the manifest parser refuses it with a message or returns a manifest, never
//! panics.
//!
//! The parser lives in the `pawc` binary crate, which no library exposes, so its source file is compiled into
//! this target as a module: the code fuzzed is the code `pawc` runs.
#![no_main]

#[allow(dead_code, reason = "the target calls only `Manifest::parse`")]
#[path = "../../compiler/pawc/src/manifest.rs"]
mod manifest;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = manifest::Manifest::parse(text) {
        if let Some(min) = m.test.min_accuracy {
            assert!((0.0..=1.0).contains(&min), "min_accuracy {min} accepted");
        }
    }
});
