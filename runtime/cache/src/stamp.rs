//! Stamps: `<file>.sha256` holds `<sha256>  <size>  <mtime-ns>` of a verified file, so that a file whose size
//! and mtime still match need not be hashed again at every start.
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

/// The stamp of `path`: `(sha256, size, mtime-ns)`.
pub fn read_stamp(path: &Path) -> Option<(String, u64, u128)> {
    let s = std::fs::read_to_string(stamp_path(path)).ok()?;
    let mut it = s.split_whitespace();
    Some((
        it.next()?.to_string(),
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    ))
}

/// Stamp `path` (as it is now) with its sha256, atomically.
pub fn write_stamp(path: &Path, sha: &str) -> Result<()> {
    let (size, mt) = io(path, size_and_mtime(path))?;
    let sp = stamp_path(path);
    let tmp = sp.with_extension(format!("tmp{}", std::process::id()));
    io(&tmp, std::fs::write(&tmp, format!("{sha}  {size}  {mt}\n")))?;
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
    if let Some((sha, ssize, smt)) = read_stamp(path) {
        if !full && ssize == size && smt == mt && expected.is_none_or(|e| e == sha) {
            return Ok(Some(sha));
        }
    }
    let sha = sha256_file(path)?;
    let stamped = read_stamp(path).map(|s| s.0);
    match expected.map(str::to_string).or(stamped) {
        Some(w) if w != sha => Ok(None),
        _ => {
            write_stamp(path, &sha)?;
            Ok(Some(sha))
        }
    }
}
