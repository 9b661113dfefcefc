//! `paw.lock`: which program each fuzzy function of a project was built to, and with which models, so a
//! teammate with the same lock gets the same programs and `pawc run` can tell a stale build.

use std::collections::BTreeMap;
use std::path::Path;

use paw_hir::{FuzzyFn, Program};
use serde::{Deserialize, Serialize};

use crate::id::{program_id, BuildKey};
use crate::spec::spec_of;

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
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{} is not a valid lock file: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes the lock atomically (a temporary file, then a rename); unchanged content leaves the file
    /// untouched. Temporary files of writers that were killed before their rename are removed.
    pub fn write(&self, project_root: &Path) -> std::io::Result<()> {
        remove_abandoned_temps(project_root);
        let path = project_root.join(LOCK_FILE);
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            return Ok(());
        }
        let tmp = project_root.join(format!("{TEMP_PREFIX}{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &path)
    }
}

/// `paw.lock` is written as `<TEMP_PREFIX><pid>` first.
const TEMP_PREFIX: &str = ".paw.lock.tmp";

/// Removes the temporary lock files whose writer is no longer running, so a build killed between writing and
/// renaming leaves nothing in the project (a live writer's file is its own to rename).
fn remove_abandoned_temps(project_root: &Path) {
    let Ok(entries) = std::fs::read_dir(project_root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(TEMP_PREFIX))
            .and_then(|p| p.parse::<libc::pid_t>().ok())
            .filter(|&pid| pid > 0)
        else {
            continue;
        };
        // SAFETY: signal 0 is never delivered; `kill` only reports whether the process exists.
        let gone =
            unsafe { libc::kill(pid, 0) } == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The key of a fuzzy fn in a lock and in build reports.
pub fn function_key(module: &str, name: &str) -> String {
    format!("{module}.{name}")
}

/// Where a fuzzy fn stands against a project's lock. `pawc run` and the editor both decide with [`resolve`],
/// so they never disagree about whether a function is built.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// The lock names the program id of the function's current spec (its artifact may still be missing).
    Built(String),
    /// No lock, or the lock does not name the function.
    NotBuilt,
    /// The lock names `locked`, built from a spec that has changed since.
    Stale { locked: String },
    /// The function's types cannot be given to a model; the message says why.
    Unsupported(String),
}

/// Resolves `func` of `program` against `lock` (`None`: the project has none). Reads no file and no model:
/// the current spec's id is computed with the lock's own build key.
pub fn resolve(func: &FuzzyFn, program: &Program, lock: Option<&PawLock>) -> Resolution {
    let spec = match spec_of(func, program) {
        Ok(spec) => spec,
        Err(e) => return Resolution::Unsupported(e.to_string()),
    };
    let Some(lock) = lock else { return Resolution::NotBuilt };
    match lock.functions.get(&function_key(&func.module, &func.name)) {
        None => Resolution::NotBuilt,
        Some(id) if *id == program_id(&spec, &lock.build) => Resolution::Built(id.clone()),
        Some(id) => Resolution::Stale { locked: id.clone() },
    }
}
