//! The artifact store `$PAW_HOME/artifacts/`, shared by every project of a user.
//!
//! * An artifact is a directory `<id>/` that appears only complete: it is written as `.tmp-<id>-<pid>-<n>/`
//!   and renamed into place, so an interrupted build leaves at most a temporary directory (removed by the
//!   next build that takes a lock while no build holds that id's), never a half artifact.
//! * `checksums.json`, written last, records every file's size and blake3. [`ArtifactStore::load`]
//!   verifies all of them; a mismatch is [`LoadError::Corrupt`] and the artifact is never used.
//! * [`ArtifactStore::status`] is the cheap check a no-op build relies on: small files are hashed; the large
//!   prefix state is trusted while its size and modification time equal `stamp.json`'s record of them
//!   (an edit changes them; a load that finds damage deletes the stamp), else hashed too.
//! * Builds take the per-id [`StoreLock`] before compiling, so two processes never write the same id and
//!   the second finds the first's artifact ready.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use fs4::fs_std::FileExt;
use paw_cache::PawHome;
use serde::{Deserialize, Serialize};

use crate::artifact::{self, split_template, Artifact, Meta, Timings, CHECKSUMS, FORMAT};
use crate::id::ProgramId;

#[derive(Clone, Debug)]
pub struct ArtifactStore {
    root: PathBuf,
}

/// Why an artifact could not be loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    Missing,
    /// Present but damaged; the reason names the file.
    Corrupt(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Missing => f.write_str("the artifact is missing"),
            LoadError::Corrupt(why) => write!(f, "the artifact is corrupt: {why}"),
        }
    }
}

/// What [`ArtifactStore::status`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Ready,
    Missing,
    Corrupt(String),
}

#[derive(Serialize, Deserialize)]
struct FileSum {
    size: u64,
    blake3: String,
}

/// An exclusive lock on one program id in the store, released on drop.
pub struct StoreLock {
    file: File,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = FileExt::unlock(&self.file);
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl ArtifactStore {
    pub fn new(root: impl Into<PathBuf>) -> ArtifactStore {
        ArtifactStore { root: root.into() }
    }

    /// The store of paw's home (`artifacts/`).
    pub fn in_home(home: &PawHome) -> ArtifactStore {
        ArtifactStore::new(home.artifacts_dir())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, id: &ProgramId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// Waits for and takes the exclusive lock of `id`; removes the temporary directories that interrupted
    /// builds left behind: those of `id`, and those of every other id whose lock is free (an interrupted
    /// build of a function that changed since is never built again to clean up after itself).
    pub fn lock(&self, id: &ProgramId) -> std::io::Result<StoreLock> {
        let file = self.lock_file(id.as_str())?;
        file.lock_exclusive()?;
        for entry in fs::read_dir(&self.root)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some((owner, _)) = name.strip_prefix(".tmp-").and_then(|rest| rest.split_once('-')) else {
                continue;
            };
            // Another id's lock is held while removing, so no build of it starts writing meanwhile.
            let _other = if owner == id.as_str() {
                None
            } else {
                match self.lock_file(owner) {
                    Ok(other) if other.try_lock_exclusive().unwrap_or(false) => Some(StoreLock { file: other }),
                    _ => continue,
                }
            };
            let _ = fs::remove_dir_all(entry.path());
        }
        Ok(StoreLock { file })
    }

    /// The file whose lock guards `id` (not locked yet).
    fn lock_file(&self, id: &str) -> std::io::Result<File> {
        let locks = self.root.join(".locks");
        fs::create_dir_all(&locks)?;
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(locks.join(format!("{id}.lock")))
    }

    /// Cheap up-to-date check (see the module docs): small files are hashed, large ones are trusted when
    /// their size and modification time equal the stamp taken when they were written (else hashed).
    pub fn status(&self, id: &ProgramId) -> Status {
        let dir = self.path(id);
        let Ok(sums) = read_checksums(&dir) else {
            return if dir.exists() {
                Status::Corrupt(format!("{CHECKSUMS} is missing or unreadable"))
            } else {
                Status::Missing
            };
        };
        let stamps: BTreeMap<String, (u64, u128)> = fs::read(dir.join(STAMP))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for (name, sum) in &sums {
            let path = dir.join(name);
            let stamped = sum.size > SMALL_FILE && file_stamp(&path).is_some_and(|s| stamps.get(name) == Some(&s));
            if stamped && name != artifact::META {
                continue;
            }
            let bytes = match fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) => return Status::Corrupt(format!("{name}: {e}")),
            };
            if let Err(why) = check(name, &bytes, sum) {
                return Status::Corrupt(why);
            }
            // Intact but unreadable by this version (an older or newer layout of `meta.json`): as unusable as
            // a damaged one, so a build replaces it instead of calling it up to date.
            if name == artifact::META {
                if let Err(why) = parse_meta(&bytes, id) {
                    return Status::Corrupt(why);
                }
            }
        }
        Status::Ready
    }

    /// Reads and fully verifies an artifact.
    pub fn load(&self, id: &ProgramId) -> Result<Artifact, LoadError> {
        let dir = self.path(id);
        if !dir.exists() {
            return Err(LoadError::Missing);
        }
        let sums = read_checksums(&dir).map_err(LoadError::Corrupt)?;
        let mut files = BTreeMap::new();
        for (name, sum) in &sums {
            let bytes = fs::read(dir.join(name)).map_err(|e| LoadError::Corrupt(format!("{name}: {e}")))?;
            if let Err(why) = check(name, &bytes, sum) {
                // The next status check must not trust the stamp of a file found damaged.
                let _ = fs::remove_file(dir.join(STAMP));
                return Err(LoadError::Corrupt(why));
            }
            files.insert(name.as_str(), bytes);
        }
        let mut take = |name: &str| {
            files
                .remove(name)
                .ok_or_else(|| LoadError::Corrupt(format!("{name} is missing")))
        };
        let text = |name: &str, bytes: Vec<u8>| {
            String::from_utf8(bytes).map_err(|_| LoadError::Corrupt(format!("{name} is not UTF-8")))
        };
        let meta = parse_meta(&take(artifact::META)?, id).map_err(LoadError::Corrupt)?;
        let prompt_template = text(artifact::PROMPT_TEMPLATE, take(artifact::PROMPT_TEMPLATE)?)?;
        if split_template(&prompt_template).is_none() {
            return Err(LoadError::Corrupt(format!(
                "{} must hold exactly one placeholder",
                artifact::PROMPT_TEMPLATE
            )));
        }
        let pseudo_program = text(artifact::PSEUDO_PROGRAM, take(artifact::PSEUDO_PROGRAM)?)?;
        let prefix = take(artifact::PREFIX)?;
        let timings: Timings = serde_json::from_slice(&take(artifact::TIMINGS)?).unwrap_or_default();
        let head = match files.remove(artifact::HEAD) {
            Some(bytes) => Some(
                serde_json::from_slice(&bytes).map_err(|e| LoadError::Corrupt(format!("{}: {e}", artifact::HEAD)))?,
            ),
            None => None,
        };
        let adapter = files.remove(artifact::ADAPTER);
        if meta.head.is_some() != head.is_some() {
            return Err(LoadError::Corrupt(format!(
                "{} and {} disagree about the program's head",
                artifact::META,
                artifact::HEAD
            )));
        }
        Ok(Artifact {
            meta,
            prompt_template,
            pseudo_program,
            prefix,
            head,
            adapter,
            timings,
        })
    }

    /// What an artifact is, without reading its large prefix state: its meta and its pseudo-program, for
    /// showing (an editor's hover). The whole artifact is checked as [`ArtifactStore::status`] checks it, so
    /// an artifact described here is one `pawc run` would load.
    pub fn describe(&self, id: &ProgramId) -> Result<(Meta, String), LoadError> {
        match self.status(id) {
            Status::Ready => {}
            Status::Missing => return Err(LoadError::Missing),
            Status::Corrupt(why) => return Err(LoadError::Corrupt(why)),
        }
        let dir = self.path(id);
        let sums = read_checksums(&dir).map_err(LoadError::Corrupt)?;
        let read = |name: &str| {
            let bytes = fs::read(dir.join(name)).map_err(|e| LoadError::Corrupt(format!("{name}: {e}")))?;
            check(name, &bytes, &sums[name]).map_err(LoadError::Corrupt)?;
            Ok(bytes)
        };
        let meta = parse_meta(&read(artifact::META)?, id).map_err(LoadError::Corrupt)?;
        let pseudo_program = String::from_utf8(read(artifact::PSEUDO_PROGRAM)?)
            .map_err(|_| LoadError::Corrupt(format!("{} is not UTF-8", artifact::PSEUDO_PROGRAM)))?;
        Ok((meta, pseudo_program))
    }

    /// Writes `artifact` under its id: all files into a temporary directory, then one rename. A damaged
    /// artifact already there is replaced. The caller holds [`ArtifactStore::lock`] for the id.
    pub fn write(&self, artifact: &Artifact) -> std::io::Result<PathBuf> {
        let id = &artifact.meta.id;
        assert!(
            split_template(&artifact.prompt_template).is_some(),
            "a prompt template has exactly one placeholder"
        );
        fs::create_dir_all(&self.root)?;
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.root.join(format!(".tmp-{id}-{}-{n}", std::process::id()));
        fs::create_dir_all(&tmp)?;
        let result = (|| {
            let meta = serde_json::to_vec_pretty(&artifact.meta).map_err(std::io::Error::other)?;
            let timings = serde_json::to_vec_pretty(&artifact.timings).map_err(std::io::Error::other)?;
            let head = artifact
                .head
                .as_ref()
                .map(serde_json::to_vec)
                .transpose()
                .map_err(std::io::Error::other)?;
            let mut files: Vec<(&str, &[u8])> = vec![
                (artifact::META, &meta),
                (artifact::PROMPT_TEMPLATE, artifact.prompt_template.as_bytes()),
                (artifact::PSEUDO_PROGRAM, artifact.pseudo_program.as_bytes()),
                (artifact::PREFIX, &artifact.prefix),
                (artifact::TIMINGS, &timings),
            ];
            if let Some(head) = &head {
                files.push((artifact::HEAD, head));
            }
            if let Some(adapter) = &artifact.adapter {
                files.push((artifact::ADAPTER, adapter));
            }
            let mut sums = BTreeMap::new();
            for &(name, bytes) in &files {
                write_synced(&tmp.join(name), bytes)?;
                sums.insert(
                    name.to_string(),
                    FileSum {
                        size: bytes.len() as u64,
                        blake3: blake3::hash(bytes).to_hex().to_string(),
                    },
                );
            }
            write_synced(
                &tmp.join(CHECKSUMS),
                &serde_json::to_vec_pretty(&sums).map_err(std::io::Error::other)?,
            )?;
            let stamps: BTreeMap<&str, (u64, u128)> = files
                .iter()
                .filter_map(|(name, _)| Some((*name, file_stamp(&tmp.join(name))?)))
                .collect();
            write_synced(
                &tmp.join(STAMP),
                &serde_json::to_vec(&stamps).map_err(std::io::Error::other)?,
            )?;
            let dest = self.path(id);
            if dest.exists() {
                let trash = self.root.join(format!(".tmp-{id}-{}-{n}-old", std::process::id()));
                fs::rename(&dest, &trash)?;
                fs::remove_dir_all(&trash)?;
            }
            fs::rename(&tmp, &dest)?;
            Ok(dest)
        })();
        if result.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        result
    }
}

/// `meta.json` of artifact `id`, which must name that id and this format.
fn parse_meta(bytes: &[u8], id: &ProgramId) -> Result<Meta, String> {
    let meta: Meta = serde_json::from_slice(bytes).map_err(|e| format!("{}: {e}", artifact::META))?;
    if meta.format != FORMAT || meta.id != *id {
        return Err(format!(
            "{} names format {} and id {}",
            artifact::META,
            meta.format,
            meta.id
        ));
    }
    Ok(meta)
}

/// Files up to this size are always hashed by [`ArtifactStore::status`].
const SMALL_FILE: u64 = 64 * 1024;
/// Sizes and modification times of the files as written (not part of the checksummed content).
const STAMP: &str = "stamp.json";

fn file_stamp(path: &Path) -> Option<(u64, u128)> {
    let m = fs::metadata(path).ok()?;
    Some((
        m.len(),
        m.modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos(),
    ))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn read_checksums(dir: &Path) -> Result<BTreeMap<String, FileSum>, String> {
    let bytes = fs::read(dir.join(CHECKSUMS)).map_err(|e| format!("{CHECKSUMS}: {e}"))?;
    let sums: BTreeMap<String, FileSum> = serde_json::from_slice(&bytes).map_err(|e| format!("{CHECKSUMS}: {e}"))?;
    for required in [
        artifact::META,
        artifact::PROMPT_TEMPLATE,
        artifact::PSEUDO_PROGRAM,
        artifact::PREFIX,
        artifact::TIMINGS,
    ] {
        if !sums.contains_key(required) {
            return Err(format!("{CHECKSUMS} does not list {required}"));
        }
    }
    if sums
        .keys()
        .any(|k| k.contains('/') || k.contains('\\') || k.starts_with('.'))
    {
        return Err(format!("{CHECKSUMS} names a file outside the artifact"));
    }
    Ok(sums)
}

fn check(name: &str, bytes: &[u8], sum: &FileSum) -> Result<(), String> {
    if bytes.len() as u64 != sum.size {
        return Err(format!("{name} has {} bytes, expected {}", bytes.len(), sum.size));
    }
    if blake3::hash(bytes).to_hex().as_str() != sum.blake3 {
        return Err(format!("{name} does not match its checksum"));
    }
    Ok(())
}
