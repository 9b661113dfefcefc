//! A fuzzy fn's own data: the rows of the files `paw.toml` names for it (`[functions.NAME] inputs` and
//! `examples`), already read and checked against its signature by the build. Their contents, not their paths,
//! are part of the function's meaning: their digest is in the spec (so in the program id) and in `paw.lock`
//! (so `pawc run` and the editor compute the same id without reading the files). An imported function's
//! `.paw` bundle is such a file too: its digest takes the place of the rows'.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bundle::Bundle;
use crate::spec::SpecExample;

/// The rows a function is compiled from, in file order (after deterministic sampling).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionData {
    /// Unlabeled real inputs: the arguments of one call per row.
    pub inputs: Vec<Vec<Value>>,
    /// Labeled rows: arguments and the expected answer.
    pub examples: Vec<SpecExample>,
    /// An imported function's program: it is not compiled, the bundle is run.
    pub program: Option<ProgramFile>,
}

/// An imported function's `.paw` bundle (`paw.toml`'s `[functions.NAME] program`), read and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgramFile {
    /// The path as `paw.toml` gives it.
    pub path: String,
    pub bundle: Arc<Bundle>,
    /// [`Bundle::digest`], computed once.
    pub digest: String,
}

impl ProgramFile {
    pub fn new(path: String, bundle: Bundle) -> ProgramFile {
        ProgramFile {
            path,
            digest: bundle.digest(),
            bundle: Arc::new(bundle),
        }
    }
}

/// What identifies a function's data: per file, its row count and a hash of its rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataDigest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<RowsDigest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<RowsDigest>,
    /// An imported function's `.paw` bundle ([`crate::Bundle::digest`]): it stands for the compiled program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowsDigest {
    pub rows: usize,
    /// blake3 of the rows' canonical JSON, one per line: a reformatted file keeps its digest.
    pub blake3: String,
}

impl FunctionData {
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty() && self.examples.is_empty() && self.program.is_none()
    }

    /// The digest recorded in the spec and the lock; `None` for no data, so a function without data keeps the
    /// id it had before data existed.
    pub fn digest(&self) -> Option<DataDigest> {
        if self.is_empty() {
            return None;
        }
        let inputs =
            (!self.inputs.is_empty()).then(|| rows_digest(self.inputs.iter().map(|args| serde_json::json!(args))));
        let examples = (!self.examples.is_empty()).then(|| {
            rows_digest(
                self.examples
                    .iter()
                    .map(|e| serde_json::json!({"args": e.args, "expected": e.expected})),
            )
        });
        Some(DataDigest {
            inputs,
            examples,
            bundle: self.program.as_ref().map(|p| p.digest.clone()),
        })
    }
}

fn rows_digest(rows: impl Iterator<Item = Value>) -> RowsDigest {
    let mut h = blake3::Hasher::new();
    let mut count = 0;
    for row in rows {
        h.update(row.to_string().as_bytes());
        h.update(b"\n");
        count += 1;
    }
    RowsDigest {
        rows: count,
        blake3: h.finalize().to_hex().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn digest_changes_with_any_row_and_is_none_without_data() {
        assert_eq!(FunctionData::default().digest(), None);
        let data = FunctionData {
            inputs: vec![vec![json!("a")], vec![json!("b")]],
            examples: vec![],
            program: None,
        };
        let d = data.digest().unwrap();
        assert_eq!(d.inputs.as_ref().unwrap().rows, 2);
        assert!(d.examples.is_none());
        let mut edited = data.clone();
        edited.inputs[1] = vec![json!("c")];
        assert_ne!(edited.digest(), Some(d.clone()));
        let labeled = FunctionData {
            inputs: vec![],
            examples: vec![SpecExample {
                args: vec![json!("a")],
                expected: json!(true),
            }],
            program: None,
        };
        let mut relabeled = labeled.clone();
        relabeled.examples[0].expected = json!(false);
        assert_ne!(labeled.digest(), relabeled.digest());
    }
}
