//! Arbitrary bytes as a model file: the GGUF header and metadata, then the model built from them (tokenizer,
//! configuration, tensors). A hostile file must be refused with an error, never a panic, and its sizes and counts
//! must not make the loader allocate more than the file could hold: run with `-malloc_limit_mb`.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use paw_model::{LoadOptions, Model};

fuzz_target!(|data: &[u8]| {
    let _ = Model::from_reader(&mut Cursor::new(data), &LoadOptions::default());
});
