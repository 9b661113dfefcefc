//! Stamps: `<file>.sha256` holds `<sha256>  <size>  <mtime-ns>` of a verified file, so that a downloaded original
//! whose size and mtime still match need not be hashed again at every start. A conversion's stamp adds a fourth
//! field, the sha256 of the original it was converted from, which binds the file paw loads to the pinned download.
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

fn io<T>(p: &Path, r: std::io::Result<T>) -> Result<T> {
    r.map_err(|e| Error::io(p, e))
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = io(path, std::fs::File::open(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = io(path, f.read(&mut buf))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn size_and_mtime(path: &Path) -> std::io::Result<(u64, u128)> {
    let m = std::fs::metadata(path)?;
    let mt = m.modified()?.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Ok((m.len(), mt.as_nanos()))
}

/// `<path>.sha256`.
pub fn stamp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

/// What a stamp records of a verified file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub sha256: String,
    pub size: u64,
    pub mtime_ns: u128,
    /// For a conversion: the sha256 of the original it was made from.
    pub converted_from: Option<String>,
}

/// The stamp of `path`, if it has a well-formed one.
pub fn read_stamp(path: &Path) -> Option<Stamp> {
    let s = std::fs::read_to_string(stamp_path(path)).ok()?;
    let mut it = s.split_whitespace();
    Some(Stamp {
        sha256: it.next()?.to_string(),
        size: it.next()?.parse().ok()?,
        mtime_ns: it.next()?.parse().ok()?,
        converted_from: it.next().map(str::to_string),
    })
}

/// Stamp `path` (as it is now) with its sha256 and, for a conversion, its original's, atomically.
pub fn write_stamp(path: &Path, sha: &str, converted_from: Option<&str>) -> Result<()> {
    let (size, mt) = io(path, size_and_mtime(path))?;
    let sp = stamp_path(path);
    let tmp = sp.with_extension(format!("tmp{}", std::process::id()));
    let from = converted_from.map(|f| format!("  {f}")).unwrap_or_default();
    io(&tmp, std::fs::write(&tmp, format!("{sha}  {size}  {mt}{from}\n")))?;
    io(&sp, std::fs::rename(&tmp, &sp))
}

/// Verify `path` against its stamp (and `expected` sha when given). Fast path (unless `full`): the stamp's
/// size and mtime match the file and its sha equals `expected`. Otherwise the file is hashed in full.
/// Returns the sha256 when the file is good.
pub(crate) fn verified(
    path: &Path,
    expected: Option<&str>,
    expected_size: Option<u64>,
    full: bool,
) -> Result<Option<String>> {
    let Ok((size, mt)) = size_and_mtime(path) else {
        return Ok(None);
    };
    if expected_size.is_some_and(|es| size != es) {
        return Ok(None);
    }
    if let Some(stamp) = read_stamp(path) {
        if !full && stamp.size == size && stamp.mtime_ns == mt && expected.is_none_or(|e| e == stamp.sha256) {
            return Ok(Some(stamp.sha256));
        }
    }
    let sha = sha256_file(path)?;
    let stamped = read_stamp(path).map(|s| s.sha256);
    match expected.map(str::to_string).or(stamped) {
        Some(w) if w != sha => Ok(None),
        _ => {
            write_stamp(path, &sha, None)?;
            Ok(Some(sha))
        }
    }
}
