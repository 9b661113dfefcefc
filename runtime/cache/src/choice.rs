//! Which model a command uses: one of the defaults (by role) or a GGUF file, named the same way in `paw.toml`,
//! `paw.lock` and on the command line.

use std::path::PathBuf;

use crate::stamp::sha256_file;
use crate::{PawHome, Role};

/// A model: one of the defaults in paw's home, or a GGUF file.
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
    pub fn sha256(&self, home: &PawHome) -> Result<String, String> {
        let file = match self {
            ModelChoice::Default(role) => match role.source().sha256 {
                Some(sha) => return Ok(sha.to_string()),
                None => home.original_path(*role),
            },
            ModelChoice::File(path) => path.clone(),
        };
        sha256_file(&file).map_err(|e| e.to_string())
    }

    /// The loadable file if it is already here (a default model in the home, verified), without fetching.
    pub fn find(&self, home: &PawHome) -> Result<Option<PathBuf>, String> {
        match self {
            ModelChoice::File(path) => Ok(path.is_file().then(|| path.clone())),
            ModelChoice::Default(role) => home.ready(*role).map_err(|e| e.to_string()),
        }
    }
}
