//! [`PawHome`]: the layout of paw's home folder.
use std::path::{Path, PathBuf};

use crate::stamp::{read_stamp, verified};
use crate::{Result, Role};

/// paw's home folder (`$PAW_HOME`) and how thoroughly models in it are verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PawHome {
    root: PathBuf,
    /// Hash model files at every check instead of trusting a stamp whose size and mtime match.
    full_verify: bool,
}

/// One entry of [`PawHome::list`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub description: String,
    /// The file paw loads (the Q8_0 conversion).
    pub path: PathBuf,
    pub present: bool,
    pub size: Option<u64>,
    pub sha256: Option<String>,
}

impl PawHome {
    /// The home at `root`; model files are trusted when their stamps match.
    pub fn new(root: impl Into<PathBuf>) -> PawHome {
        PawHome {
            root: root.into(),
            full_verify: false,
        }
    }

    /// The user's home, as the environment says: `$PAW_HOME`, else `$XDG_CACHE_HOME/paw`, else
    /// `~/.cache/paw`; `PAW_VERIFY=full` hashes model files at every check. Only the programs' entry points
    /// (`pawc`, standalone executables) and tests call this; libraries take a `PawHome`.
    pub fn from_env() -> PawHome {
        let root = std::env::var_os("PAW_HOME").map(PathBuf::from).unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from(".cache"));
            cache.join("paw")
        });
        PawHome {
            root,
            full_verify: std::env::var("PAW_VERIFY").is_ok_and(|v| v == "full"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `models/`: every model's files and locks (what a scratch home may share with the user's).
    pub fn models_dir(&self) -> PathBuf {
        self.root.join("models")
    }

    /// `models/<role>/`: the role's model files.
    pub fn model_dir(&self, role: Role) -> PathBuf {
        self.models_dir().join(role.name())
    }

    /// `models/<role>.lock`: held while the role's model is fetched or converted.
    pub fn lock_path(&self, role: Role) -> PathBuf {
        self.models_dir().join(format!("{}.lock", role.name()))
    }

    /// The file as published.
    pub fn original_path(&self, role: Role) -> PathBuf {
        self.model_dir(role).join("model.gguf")
    }

    /// Where a fetch reassembles the published file before it is verified and renamed into place.
    pub fn partial_path(&self, role: Role) -> PathBuf {
        self.model_dir(role).join("model.gguf.partial")
    }

    /// A scratch folder of this process for downloading the role's packages.
    pub fn fetch_dir(&self, role: Role) -> PathBuf {
        self.model_dir(role).join(format!("fetch.{}", std::process::id()))
    }

    /// The file paw loads for `role` (whether or not it is present yet): the Q8_0 conversion.
    pub fn model_path(&self, role: Role) -> PathBuf {
        self.model_dir(role).join("model.q8_0.gguf")
    }

    /// `artifacts/`: the artifact store, shared by every project of the user.
    pub fn artifacts_dir(&self) -> PathBuf {
        self.root.join("artifacts")
    }

    /// `stdlib/`: the standard library's sources written for editors, one folder per content hash.
    pub fn stdlib_dir(&self) -> PathBuf {
        self.root.join("stdlib")
    }

    /// The loadable file for `role` if present and verified, without fetching.
    pub fn ready(&self, role: Role) -> Result<Option<PathBuf>> {
        let p = self.model_path(role);
        // The converted file is verified against its own recorded sha256.
        let Some((sha, _, _)) = read_stamp(&p) else {
            return Ok(None);
        };
        Ok(verified(&p, Some(&sha), None, self.full_verify)?.map(|_| p))
    }

    /// Whether the file as published is here and verified (so converting it needs no network).
    pub fn has_original(&self, role: Role) -> Result<bool> {
        let src = role.source();
        Ok(verified(&self.original_path(role), src.sha256, Some(src.size), self.full_verify)?.is_some())
    }

    /// All roles with their state (does not hash files that have a matching stamp).
    pub fn list(&self) -> Vec<ModelInfo> {
        Role::ALL
            .iter()
            .map(|&r| {
                let ready = self.ready(r).ok().flatten();
                let stamp = ready.as_ref().and_then(|p| read_stamp(p));
                ModelInfo {
                    name: r.name().to_string(),
                    description: r.source().description.to_string(),
                    present: ready.is_some(),
                    size: stamp.as_ref().map(|s| s.1),
                    sha256: stamp.map(|s| s.0),
                    path: self.model_path(r),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stamp::{sha256_file, write_stamp};

    #[test]
    fn a_stamped_model_is_ready_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let home = PawHome::new(dir.path());
        assert_eq!(home.ready(Role::Smoke).unwrap(), None);
        std::fs::create_dir_all(home.model_dir(Role::Smoke)).unwrap();
        let p = home.model_path(Role::Smoke);
        std::fs::write(&p, b"converted").unwrap();
        assert_eq!(
            home.ready(Role::Smoke).unwrap(),
            None,
            "never stamped: not a finished conversion"
        );
        write_stamp(&p, &sha256_file(&p).unwrap()).unwrap();
        assert_eq!(home.ready(Role::Smoke).unwrap(), Some(p.clone()));
        std::fs::write(&p, b"converted, then damaged").unwrap();
        assert_eq!(home.ready(Role::Smoke).unwrap(), None, "a changed file is hashed again");
        assert!(home.list().iter().all(|m| !m.present));
    }
}
