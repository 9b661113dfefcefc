//! Damaged and hostile model files are refused with an error: never a panic, an overflow, or an allocation that
//! the file's length does not bound. The cases are the tiny generated model with one thing changed; several were
//! found by fuzzing (`fuzz/`, target `gguf`).
use std::io::Cursor;

use candle_core::quantized::gguf_file::{self, Value};
use candle_core::quantized::QTensor;
use candle_core::Device;
use paw_model::testing::write_tiny_model;
use paw_model::{Arch, Kernels, LoadOptions, Model};

fn tiny_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.gguf");
    write_tiny_model(&path, Arch::Qwen2, 42).unwrap();
    std::fs::read(path).unwrap()
}

/// The tiny model written again after `edit` changed its metadata or tensors.
fn rewritten(edit: impl FnOnce(&mut Vec<(String, Value)>, &mut Vec<(String, QTensor)>)) -> Vec<u8> {
    let bytes = tiny_bytes();
    let mut r = Cursor::new(&bytes);
    let ct = gguf_file::Content::read(&mut r).unwrap();
    let mut md: Vec<(String, Value)> = ct.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    md.sort_by(|a, b| a.0.cmp(&b.0));
    let mut names: Vec<&String> = ct.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(String, QTensor)> = names
        .into_iter()
        .map(|n| (n.clone(), ct.tensor(&mut r, n, &Device::Cpu).unwrap()))
        .collect();
    edit(&mut md, &mut tensors);
    let mut out = Cursor::new(Vec::new());
    let md_refs: Vec<(&str, &Value)> = md.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let t_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    gguf_file::write(&mut out, &md_refs, &t_refs).unwrap();
    out.into_inner()
}

fn set(md: &mut [(String, Value)], key: &str, value: Value) {
    md.iter_mut().find(|(k, _)| k == key).unwrap().1 = value;
}

/// Loads `bytes` as a model; the error's text.
fn refused(bytes: &[u8]) -> String {
    let opts = LoadOptions {
        kernels: Kernels::Candle,
    };
    match Model::from_reader(&mut Cursor::new(bytes), &opts) {
        Ok(_) => panic!("a damaged model loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_tiny_model_loads_from_memory() {
    let opts = LoadOptions {
        kernels: Kernels::Candle,
    };
    Model::from_reader(&mut Cursor::new(tiny_bytes()), &opts).unwrap();
}

#[test]
fn an_alignment_of_zero_is_refused() {
    // candle's reader divides by it.
    let bytes = rewritten(|md, _| md.push(("general.alignment".into(), Value::U32(0))));
    assert!(refused(&bytes).contains("`general.alignment` is 0"));
}

#[test]
fn sizes_the_tensors_contradict_are_refused() {
    // Each would index, divide by zero or allocate by the metadata's word.
    for (key, value, says) in [
        ("qwen2.attention.head_count", 0, "0 attention heads"),
        ("qwen2.attention.head_count_kv", 3, "(3 for keys and values)"),
        ("qwen2.attention.key_length", 1 << 30, "of 1073741824"),
        // Layers are not reserved by the count: loading stops at the first one missing.
        (
            "qwen2.block_count",
            u32::MAX,
            "cannot find tensor info for blk.2.attn_q.weight",
        ),
        ("qwen2.embedding_length", 32, ", 64], expected [any, 32]"),
        (
            "qwen2.feed_forward_length",
            64,
            "`blk.0.ffn_gate.weight` has shape [128, 64], expected [64, 64]",
        ),
    ] {
        let bytes = rewritten(|md, _| set(md, key, Value::U32(value)));
        let message = refused(&bytes);
        assert!(message.contains(says), "{key} = {value}: {message}");
    }
}

#[test]
fn a_tensor_larger_than_the_file_is_refused() {
    // `output_norm.weight`'s one dimension, 64, made 2^62: its size in bytes overflows.
    let mut bytes = tiny_bytes();
    let name = b"output_norm.weight";
    let at = bytes.windows(name.len()).position(|w| w == name).unwrap() + name.len();
    assert_eq!(bytes[at..at + 12], [1, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0]);
    bytes[at + 4..at + 12].copy_from_slice(&(1u64 << 62).to_le_bytes());
    assert!(refused(&bytes).contains("tensor `output_norm.weight` ([4611686018427387904] of F32) does not fit"));
    // Within usize, but past the end of the file.
    bytes[at + 4..at + 12].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(refused(&bytes).contains("does not fit in the file"));
}
