//! What the fuzz targets and the seed writer share: the layout of multi-file inputs, the tiny model the artifact
//! target restores prefix states on, and how a typed-JSON input chooses its type.

use std::path::Path;
use std::sync::OnceLock;

use paw_model::{Arch, Model, TypeSchema};

/// Separates the files of one input (an artifact's files; a type and a text). Chosen to be rare in real files,
/// so a seed made of real files splits back into them.
pub const SEPARATOR: &[u8] = b"\n--paw-fuzz--\n";

/// The input split at every [`SEPARATOR`].
pub fn sections(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        out.push(&rest[..at]);
        rest = &rest[at + SEPARATOR.len()..];
    }
    out.push(rest);
    out
}

/// The inverse of [`sections`].
pub fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(SEPARATOR)
}

/// The id of the artifact the `artifact` target loads (its seeds' `meta.json` names it).
pub const ARTIFACT_ID: &str = "0123456789abcdef0123";

/// An artifact input: a flags byte, then these files in this order (see `fuzz_targets/artifact.rs`).
pub const ARTIFACT_FILES: [&str; 7] = [
    "meta.json",
    "prompt_template.txt",
    "pseudo_program.txt",
    "prefix.safetensors",
    "timings.json",
    "head.json",
    "checksums.json",
];

/// The tiny generated qwen2 model (random weights, byte-level vocabulary), written once per process; seeds and
/// targets make it with the same seed, so the seeds' prefix states fit it.
pub fn tiny_model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("tiny.gguf");
        write_tiny_model(&path);
        Model::load(&path).expect("the tiny model loads")
    })
}

pub fn write_tiny_model(path: &Path) {
    paw_model::testing::write_tiny_model(path, Arch::Qwen2, 7).expect("the tiny model is written");
}

/// A type chosen by the input's leading bytes (one byte per node, nesting at most 4 deep); the bytes used are
/// removed from `data`. Enum variants and struct fields have fixed names, so the text can name them.
pub fn schema_from_bytes(data: &mut &[u8], depth: usize) -> TypeSchema {
    let Some((&b, rest)) = data.split_first() else {
        return TypeSchema::Json;
    };
    *data = rest;
    let kind = if depth >= 4 { b % 6 } else { b % 9 };
    let n = usize::from(b >> 4) % 4;
    match kind {
        0 => TypeSchema::Bool,
        1 => TypeSchema::Int,
        2 => TypeSchema::Float,
        3 => TypeSchema::Str,
        4 => TypeSchema::Json,
        5 => TypeSchema::Enum {
            name: "E".into(),
            variants: ["low", "high", "Mid", "a b"][..=n]
                .iter()
                .map(|v| (v.to_string(), None))
                .collect(),
        },
        6 => TypeSchema::List(Box::new(schema_from_bytes(data, depth + 1))),
        7 => TypeSchema::Optional(Box::new(schema_from_bytes(data, depth + 1))),
        _ => TypeSchema::Struct {
            name: "S".into(),
            fields: ["a", "b", "c", "d"][..=n]
                .iter()
                .map(|f| (f.to_string(), schema_from_bytes(data, depth + 1)))
                .collect(),
        },
    }
}

/// The leading bytes that [`schema_from_bytes`] reads back as `schema` (for seeds).
pub fn schema_bytes(schema: &TypeSchema) -> Vec<u8> {
    match schema {
        TypeSchema::Bool => vec![0],
        TypeSchema::Int => vec![1],
        TypeSchema::Float => vec![2],
        TypeSchema::Str => vec![3],
        TypeSchema::Json => vec![4],
        TypeSchema::Enum { variants, .. } => vec![node_byte(5, variants.len() - 1)],
        TypeSchema::List(t) => [vec![6], schema_bytes(t)].concat(),
        TypeSchema::Optional(t) => [vec![7], schema_bytes(t)].concat(),
        TypeSchema::Struct { fields, .. } => {
            let mut out = vec![node_byte(8, fields.len() - 1)];
            for (_, t) in fields {
                out.extend(schema_bytes(t));
            }
            out
        }
    }
}

/// A byte that [`schema_from_bytes`] reads as node `kind` with `n + 1` variants or fields.
fn node_byte(kind: u8, n: usize) -> u8 {
    (0..=255u8)
        .find(|b| b % 9 == kind && usize::from(b >> 4) % 4 == n)
        .expect("every kind and count has a byte")
}

/// The program whose fuzzy fns the `lock` target resolves (its seeds lock them).
pub const LOCK_PROGRAM: &str = r#"
enum Level {
    low,
    high,
}

/// Is it urgent?
fuzzy fn urgent(text: str) -> bool

/// How bad is it?
fuzzy fn level(text: str, n: int) -> Level?
"#;

/// [`LOCK_PROGRAM`], checked.
pub fn lock_program() -> paw_check::hir::Program {
    let mut files = paw_diagnostics::Files::new();
    let file = files.add("main.pw", LOCK_PROGRAM);
    let checked = paw_check::check_file(&mut files, file, &paw_check::NoLoader);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.program
}
