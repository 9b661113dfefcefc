//! `paw.lock`: which program each fuzzy function of a project was built to, and with which models, so a
//! teammate with the same lock gets the same programs and `pawc run` can tell a stale build.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::id::BuildKey;

pub const LOCK_FILE: &str = "paw.lock";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PawLock {
    pub version: u32,
    pub build: BuildKey,
    pub compiler_model: String,
    pub interpreter_model: String,
    /// `module.function` → program id.
    pub functions: BTreeMap<String, String>,
}

impl PawLock {
    pub fn read(project_root: &Path) -> Result<Option<PawLock>, String> {
        let path = project_root.join(LOCK_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| format!("{} is not a valid lock file: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes the lock atomically; unchanged content leaves the file untouched.
    pub fn write(&self, project_root: &Path) -> std::io::Result<()> {
        let path = project_root.join(LOCK_FILE);
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            return Ok(());
        }
        let tmp = project_root.join(format!(".{LOCK_FILE}.tmp{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &path)
    }
}

/// The key of a fuzzy fn in a lock and in build reports.
pub fn function_key(module: &str, name: &str) -> String {
    format!("{module}.{name}")
}
