//! Which model a command uses: one of the store's defaults (by role) or a GGUF file, named the same way in
//! `paw.toml`, `paw.lock` and on the command line.

use std::path::{Path, PathBuf};

use crate::store::{ModelStore, Progress, Role};

/// A model: one of the store's defaults, or a GGUF file.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelChoice {
    Default(Role),
    File(PathBuf),
}

impl ModelChoice {
    /// `interpreter`, `compiler`, `smoke`, or a path to a `.gguf` file.
    pub fn parse(text: &str) -> ModelChoice {
        match Role::parse(text) {
            Ok(role) => ModelChoice::Default(role),
            Err(_) => ModelChoice::File(PathBuf::from(text)),
        }
    }

    /// The name recorded in artifacts and `paw.lock`, readable back by [`ModelChoice::parse`].
    pub fn name(&self) -> String {
        match self {
            ModelChoice::Default(role) => role.name().to_string(),
            ModelChoice::File(path) => path.display().to_string(),
        }
    }

    /// The model's sha256: pinned for the defaults (no file is read), hashed for other files.
    pub fn sha256(&self, store: &ModelStore) -> Result<String, String> {
        match self {
            ModelChoice::Default(role) => match role.source().sha256 {
                Some(sha) => Ok(sha.to_string()),
                None => file_sha(&store.original_path(*role)),
            },
            ModelChoice::File(path) => file_sha(path),
        }
    }

    /// The loadable file if it is already here (a default model in the store, verified), without fetching.
    pub fn find(&self, store: &ModelStore) -> Result<Option<PathBuf>, String> {
        match self {
            ModelChoice::File(path) => Ok(path.is_file().then(|| path.clone())),
            ModelChoice::Default(role) => store.ready(*role).map_err(|e| e.to_string()),
        }
    }

    /// The loadable file, fetching a default model unless `offline` (converting one already fetched is not
    /// fetching).
    pub fn locate(&self, store: &ModelStore, offline: bool) -> Result<PathBuf, String> {
        match self {
            ModelChoice::Default(role) if !offline || store.has_original(*role).map_err(|e| e.to_string())? => {
                store.ensure(*role, &Progress::Bar).map_err(|e| e.to_string())
            }
            _ => self.find(store)?.ok_or_else(|| self.absent(store)),
        }
    }

    fn absent(&self, store: &ModelStore) -> String {
        match self {
            ModelChoice::File(path) => format!("model file {} does not exist", path.display()),
            ModelChoice::Default(role) => format!(
                "the {} model is not in {} and --offline forbids fetching it\n  help: run `pawc model fetch {}` once with network access",
                role.name(),
                store.home().display(),
                role.name()
            ),
        }
    }
}

fn file_sha(path: &Path) -> Result<String, String> {
    crate::store::sha256_file(path).map_err(|e| e.to_string())
}
