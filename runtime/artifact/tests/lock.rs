//! `paw.lock` is replaced atomically, and a writer killed before its rename leaves no file behind.

use std::collections::BTreeMap;

use paw_artifact::{BuildKey, PawLock, ProgramId};

fn lock() -> PawLock {
    PawLock {
        version: 1,
        build: BuildKey {
            compiler_version: "1".into(),
            compiler_sha256: "c".into(),
            interpreter_sha256: "i".into(),
            options: "{}".into(),
            data_pipeline: String::new(),
        },
        compiler_model: "compiler".into(),
        interpreter_model: "interpreter".into(),
        functions: BTreeMap::from([("main.f".to_string(), ProgramId::from("abc"))]),
        data: BTreeMap::new(),
    }
}

#[test]
fn temporary_files_of_killed_writers_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    // A process that has ended, like a build killed between writing its temporary file and renaming it.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let alive = std::os::unix::process::parent_id();
    let (dead, alive) = (
        dir.path().join(format!(".paw.lock.tmp{dead}")),
        dir.path().join(format!(".paw.lock.tmp{alive}")),
    );
    std::fs::write(&dead, "{\"half\":").unwrap();
    std::fs::write(&alive, "{\"being written").unwrap();
    lock().write(dir.path()).unwrap();
    assert_eq!(PawLock::read(dir.path()).unwrap(), Some(lock()));
    assert!(!dead.exists());
    assert!(alive.exists());
    // Also when the lock is unchanged and not written again.
    std::fs::write(&dead, "{\"half\":").unwrap();
    lock().write(dir.path()).unwrap();
    assert!(!dead.exists());
}
