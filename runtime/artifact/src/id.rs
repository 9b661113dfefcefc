//! Program ids: a program is named by the hash of everything that determines its bytes.

use std::fmt;

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
    /// The version of how the neural compiler uses a function's data rows: part of the id of functions with
    /// data only, so that changing it rebuilds them and leaves every other id as it was.
    #[serde(default)]
    pub data_pipeline: String,
}

/// A program id: hex digits naming one compiled program in `paw.lock`, `meta.json` and the store's directory
/// names. A type of its own so it is never confused with a function key or a path; serialized as the bare string,
/// so those files are unchanged.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProgramId(String);

impl ProgramId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProgramId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ProgramId {
    fn from(id: &str) -> ProgramId {
        ProgramId(id.to_string())
    }
}

/// The program id: the first 20 hex digits of blake3 over the canonical spec and the build key (its data
/// pipeline only when the spec has data).
pub fn program_id(spec: &Spec, key: &BuildKey) -> ProgramId {
    let mut h = blake3::Hasher::new();
    let data_pipeline = spec.data.as_ref().map(|_| key.data_pipeline.as_str());
    for part in [
        Some(spec.canonical_json().as_str()),
        Some(key.compiler_version.as_str()),
        Some(key.compiler_sha256.as_str()),
        Some(key.interpreter_sha256.as_str()),
        Some(key.options.as_str()),
        data_pipeline,
    ]
    .into_iter()
    .flatten()
    {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    ProgramId(h.finalize().to_hex()[..20].to_string())
}
