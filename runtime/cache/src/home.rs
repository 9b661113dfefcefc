//! [`PawHome`]: the layout of paw's home folder.
use std::path::{Path, PathBuf};

use crate::stamp::{read_stamp, sha256_file, verified};
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

    /// The loadable file for `role` if present and intact, without fetching. It is hashed in full every time
    /// (a size and mtime that match prove nothing about its bytes; ~0.4 s for the interpreter, see
    /// BENCHMARKS.md), and its stamp must say it was converted from the pinned original.
    pub fn ready(&self, role: Role) -> Result<Option<PathBuf>> {
        let p = self.model_path(role);
        let Some(stamp) = read_stamp(&p) else {
            return Ok(None);
        };
        let pinned = role.source().sha256;
        if pinned.is_some() && stamp.converted_from.as_deref() != pinned {
            return Ok(None);
        }
        match p.exists() && sha256_file(&p)? == stamp.sha256 {
            true => Ok(Some(p)),
            false => Ok(None),
        }
    }

    /// Whether the file as published is here and verified (so converting it needs no network). Trusts a
    /// stamp whose size and mtime match; [`PawHome::original_in_full`] does not.
    pub fn has_original(&self, role: Role) -> Result<bool> {
        let src = role.source();
        Ok(verified(&self.original_path(role), src.sha256, Some(src.size), self.full_verify)?.is_some())
    }

    /// The original's sha256 when it is here and its bytes, hashed in full, are the pinned ones: what a
    /// conversion may be made from.
    pub fn original_in_full(&self, role: Role) -> Result<Option<String>> {
        let src = role.source();
        verified(&self.original_path(role), src.sha256, Some(src.size), true)
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
                    size: stamp.as_ref().map(|s| s.size),
                    sha256: stamp.map(|s| s.sha256),
                    path: self.model_path(r),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stamp::write_stamp;

    const SMOKE: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

    #[test]
    fn a_conversion_is_ready_only_while_its_bytes_and_its_original_are_the_stamped_ones() {
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
        write_stamp(&p, &sha256_file(&p).unwrap(), None).unwrap();
        assert_eq!(
            home.ready(Role::Smoke).unwrap(),
            None,
            "not bound to the pinned original"
        );
        write_stamp(&p, &sha256_file(&p).unwrap(), Some("0123")).unwrap();
        assert_eq!(
            home.ready(Role::Smoke).unwrap(),
            None,
            "converted from another original"
        );
        write_stamp(&p, &sha256_file(&p).unwrap(), Some(SMOKE)).unwrap();
        assert_eq!(home.ready(Role::Smoke).unwrap(), Some(p.clone()));
        assert!(home.list().iter().any(|m| m.present));

        // One changed byte, size and mtime kept: the stamp's fast path would take it; ready() does not.
        let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
        std::fs::write(&p, b"converteD").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
        assert_eq!(home.ready(Role::Smoke).unwrap(), None, "a changed byte is found");
        assert!(home.list().iter().all(|m| !m.present));
    }
}
