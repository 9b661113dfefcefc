//! Typed decoding's textual grammar and its value check, on a type chosen by the input's first bytes and the
//! rest of the input as the model's output.
//!
//! Decoding generates tokens while `grammar::check` says the output is a prefix of a value, stops when it says
//! the output is complete, parses that text with serde_json and hands the value on as one of the type
//! (`TypeSchema::validate` is the rule for that). So, besides never panicking:
//! - every prefix of a text the grammar accepts is accepted (decoding never walks into a dead end it allowed);
//! - a complete text parses as JSON, and the value fits the type;
//! - every label of a finite type fits the type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paw_fuzz::schema_from_bytes;
use paw_model::grammar::{check, Status};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let schema = schema_from_bytes(&mut rest, 0);
    let text = rest;
    let _ = schema.format_hint();
    for (label, value) in schema.labels().unwrap_or_default() {
        assert!(schema.validate(&value), "label {label} does not fit {schema:?}");
    }
    let status = check(&schema, text);
    if status != Status::Invalid && text.len() <= 256 {
        for end in 0..text.len() {
            assert_ne!(
                check(&schema, &text[..end]),
                Status::Invalid,
                "{:?} is accepted but its prefix {:?} is not",
                String::from_utf8_lossy(text),
                String::from_utf8_lossy(&text[..end])
            );
        }
    }
    if status == Status::Complete {
        // What decoding does with a complete output.
        let text = String::from_utf8_lossy(text);
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => panic!("the grammar of {schema:?} accepts {text:?}, which is not JSON: {e}"),
        };
        assert!(
            schema.validate(&value),
            "{text:?} is complete for {schema:?} but does not fit it"
        );
    }
    // Any JSON value at all: the check answers without panicking.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(text) {
        let _ = schema.validate(&value);
    }
});
