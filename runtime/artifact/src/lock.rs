//! `paw.lock`: which program each fuzzy function of a project was built to, and with which models, so a
//! teammate with the same lock gets the same programs and `pawc run` can tell a stale build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use paw_hir::{FuzzyFn, Program};
use serde::{Deserialize, Serialize};

use crate::data::DataDigest;
use crate::id::{program_id, BuildKey, ProgramId};
use crate::spec::spec_of;
use crate::store::{ArtifactStore, LoadError, Status};

pub const LOCK_FILE: &str = "paw.lock";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PawLock {
    pub version: u32,
    pub build: BuildKey,
    pub compiler_model: String,
    pub interpreter_model: String,
    /// `module.function` → program id.
    pub functions: BTreeMap<String, ProgramId>,
    /// `module.function` → the digest of the data files it was built from (only functions with data): part
    /// of its spec, so [`resolve`] computes the id the build did without reading the files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, DataDigest>,
}

/// Why a project's `paw.lock` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{} is not a valid lock file: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl PawLock {
    pub fn read(project_root: &Path) -> Result<Option<PawLock>, LockError> {
        let path = project_root.join(LOCK_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| LockError::Invalid { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LockError::Unreadable { path, source }),
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
    Built(ProgramId),
    /// No lock, or the lock does not name the function.
    NotBuilt,
    /// The lock names `locked`, built from a spec that has changed since.
    Stale { locked: ProgramId },
    /// The function's types cannot be given to a model; the message names the type.
    Unsupported(String),
}

/// Resolves `func` of `program` against `lock` (`None`: the project has none). Reads no file and no model:
/// the current spec's id is computed with the lock's own build key and the data digest the lock records
/// (an edited data file is seen by `pawc build`, which reads the files, not here).
pub fn resolve(func: &FuzzyFn, program: &Program, lock: Option<&PawLock>) -> Resolution {
    let mut spec = match spec_of(func, program) {
        Ok(spec) => spec,
        Err(e) => return Resolution::Unsupported(e.message),
    };
    let Some(lock) = lock else { return Resolution::NotBuilt };
    let key = function_key(&func.module, &func.name);
    spec.data = lock.data.get(&key).cloned();
    match lock.functions.get(&key) {
        None => Resolution::NotBuilt,
        Some(id) if *id == program_id(&spec, &lock.build) => Resolution::Built(id.clone()),
        Some(id) => Resolution::Stale { locked: id.clone() },
    }
}

/// Why a fuzzy fn's build cannot be used now. `pawc run`, `pawc eval`, standalone executables and the editor's
/// hover all report it with this text (after "fuzzy fn `KEY`: " or "build: ") and [`NotReady::help`], each in its
/// own layout, so they never describe one state differently.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NotReady {
    #[error("never built")]
    NeverBuilt,
    #[error("stale — the spec changed since program `{locked}` was built")]
    Stale { locked: ProgramId },
    #[error("not usable — `paw.lock` names program `{id}`, but the artifact store does not hold it (no {})", dir.display())]
    Missing { id: ProgramId, dir: PathBuf },
    #[error("not usable — the artifact of program `{id}` is damaged ({reason})")]
    Damaged { id: ProgramId, reason: String },
    /// The function's types cannot be given to a model; the reason names the type.
    #[error("unavailable — {0}")]
    Unsupported(String),
}

impl NotReady {
    /// What to do about it: for a build that can be made, run `pawc build PROJECT`.
    pub fn help(&self, project: &Path) -> String {
        match self {
            NotReady::Unsupported(_) => "change its types: a model reads and writes bool, int, float, str, json, \
                 lists, optionals, enums and structs that do not contain themselves"
                .into(),
            _ => format!("run `pawc build {}`", project.display()),
        }
    }

    /// A few words, for a code lens.
    pub fn summary(&self) -> &'static str {
        match self {
            NotReady::NeverBuilt => "never built",
            NotReady::Stale { .. } => "stale",
            NotReady::Missing { .. } => "artifact missing",
            NotReady::Damaged { .. } => "artifact damaged",
            NotReady::Unsupported(_) => "unavailable",
        }
    }

    /// Why the artifact of `id` in `store`, which the lock names for the current spec, cannot be used.
    pub fn unloadable(store: &ArtifactStore, id: &ProgramId, error: LoadError) -> NotReady {
        match error {
            LoadError::Missing => NotReady::Missing {
                id: id.clone(),
                dir: store.path(id),
            },
            LoadError::Corrupt(reason) => NotReady::Damaged { id: id.clone(), reason },
        }
    }
}

impl Resolution {
    /// The program id the lock names for the current spec, or why there is none (the store is not consulted).
    pub fn built(self) -> Result<ProgramId, NotReady> {
        match self {
            Resolution::Built(id) => Ok(id),
            Resolution::NotBuilt => Err(NotReady::NeverBuilt),
            Resolution::Stale { locked } => Err(NotReady::Stale { locked }),
            Resolution::Unsupported(reason) => Err(NotReady::Unsupported(reason)),
        }
    }

    /// [`Resolution::built`], and its artifact in `store` (without hashing the prefix state while its stamp
    /// matches, see [`ArtifactStore::status`]).
    pub fn ready(self, store: &ArtifactStore) -> Result<ProgramId, NotReady> {
        let id = self.built()?;
        match store.status(&id) {
            Status::Ready => Ok(id),
            Status::Missing => Err(NotReady::unloadable(store, &id, LoadError::Missing)),
            Status::Corrupt(reason) => Err(NotReady::unloadable(store, &id, LoadError::Corrupt(reason))),
        }
    }
}
