//! Program ids: a program is named by the hash of everything that determines its bytes.

use serde::{Deserialize, Serialize};

use crate::spec::Spec;

/// Everything besides the spec that determines a compiled program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildKey {
    /// The neural compiler's version (bumped when its pipeline changes its output).
    pub compiler_version: String,
    /// sha256 of the compiler model file.
    pub compiler_sha256: String,
    /// sha256 of the interpreter model file.
    pub interpreter_sha256: String,
    /// The compile options, as canonical JSON text.
    pub options: String,
}

/// The program id: the first 20 hex digits of blake3 over the canonical spec and the build key.
pub fn program_id(spec: &Spec, key: &BuildKey) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        spec.canonical_json().as_str(),
        &key.compiler_version,
        &key.compiler_sha256,
        &key.interpreter_sha256,
        &key.options,
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_hex()[..20].to_string()
}
