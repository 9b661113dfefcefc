//! The standard library as files an editor can open. Its sources are embedded in `pawc`, so "go to definition"
//! on `print` or `text.split` needs them on disk: they are written, read-only, to
//! `$PAW_HOME/stdlib/<hash>/std/NAME.pw`, where `<hash>` names the sources' content, so `pawc` builds with
//! different standard libraries never share (or fight over) a folder. The folder appears complete or not at all
//! (written under a temporary name, then renamed).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use paw_cache::PawHome;

/// The folder holding `std/NAME.pw` for every standard module, written if it is missing or was altered.
pub fn materialize(home: &PawHome) -> io::Result<PathBuf> {
    let parent = home.stdlib_dir();
    let dir = parent.join(content_hash());
    if is_intact(&dir) {
        return Ok(dir);
    }
    fs::create_dir_all(&parent)?;
    let tmp = parent.join(format!(".tmp-{}-{}", content_hash(), std::process::id()));
    if tmp.exists() {
        remove_dir(&tmp)?;
    }
    let written = write_all(&tmp).and_then(|()| {
        if dir.exists() {
            // Altered by hand: replaced as a whole.
            let trash = parent.join(format!(".old-{}-{}", content_hash(), std::process::id()));
            fs::rename(&dir, &trash)?;
            remove_dir(&trash)?;
        }
        fs::rename(&tmp, &dir)
    });
    match written {
        Ok(()) => Ok(dir),
        // Another server wrote the same folder first.
        Err(_) if is_intact(&dir) => {
            let _ = remove_dir(&tmp);
            Ok(dir)
        }
        Err(e) => {
            let _ = remove_dir(&tmp);
            Err(e)
        }
    }
}

/// Where the standard module whose database source is named `source_name` (`std/text.pw`, as `paw-db` names
/// them) lies in a folder [`materialize`] wrote; `None` for any other source.
pub fn path_in(dir: &Path, source_name: &str) -> Option<PathBuf> {
    let module = source_name.strip_prefix("std/")?.strip_suffix(".pw")?;
    paw_stdlib::module_source(module).map(|_| file(dir, module))
}

fn content_hash() -> String {
    let mut h = blake3::Hasher::new();
    for (name, text) in paw_stdlib::MODULES {
        for part in [name, text] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
    }
    h.finalize().to_hex()[..16].to_string()
}

fn is_intact(dir: &Path) -> bool {
    paw_stdlib::MODULES
        .iter()
        .all(|(name, text)| fs::read(file(dir, name)).is_ok_and(|bytes| bytes == text.as_bytes()))
}

fn file(dir: &Path, module: &str) -> PathBuf {
    dir.join("std").join(format!("{module}.pw"))
}

fn write_all(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir.join("std"))?;
    for (name, text) in paw_stdlib::MODULES {
        let path = file(dir, name);
        fs::write(&path, text)?;
        set_readonly(&path, true)?;
    }
    Ok(())
}

/// Removes a folder of read-only files (they must be made writable first where the platform requires it).
fn remove_dir(dir: &Path) -> io::Result<()> {
    for module in paw_stdlib::MODULES.iter().map(|(name, _)| file(dir, name)) {
        if module.exists() {
            set_readonly(&module, false)?;
        }
    }
    fs::remove_dir_all(dir)
}

fn set_readonly(path: &Path, readonly: bool) -> io::Result<()> {
    let mut permissions = fs::metadata(path)?.permissions();
    #[allow(clippy::permissions_set_readonly_false)] // only ever on files this module wrote, to delete them
    permissions.set_readonly(readonly);
    fs::set_permissions(path, permissions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sources_are_written_once_read_only_and_repaired_when_altered() {
        let tmp = tempfile::tempdir().unwrap();
        let home = PawHome::new(tmp.path());
        let dir = materialize(&home).unwrap();
        let text = file(&dir, "text");
        assert_eq!(
            fs::read_to_string(&text).unwrap(),
            paw_stdlib::module_source("text").unwrap()
        );
        assert!(fs::metadata(&text).unwrap().permissions().readonly());
        assert_eq!(materialize(&home).unwrap(), dir, "the same folder for the same sources");

        set_readonly(&text, false).unwrap();
        fs::write(&text, "native fn nothing()\n").unwrap();
        assert_eq!(materialize(&home).unwrap(), dir);
        assert_eq!(
            fs::read_to_string(&text).unwrap(),
            paw_stdlib::module_source("text").unwrap()
        );
        let leftovers: Vec<_> = fs::read_dir(home.stdlib_dir())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary folders remain: {leftovers:?}");
    }

    #[test]
    fn only_standard_modules_map_to_files() {
        let dir = Path::new("/cache/stdlib/0123");
        assert_eq!(path_in(dir, "std/text.pw"), Some(dir.join("std/text.pw")));
        assert_eq!(path_in(dir, "std/nothing.pw"), None);
        assert_eq!(path_in(dir, "/home/me/src/main.pw"), None);
    }
}
