//! Arbitrary bytes as a project's `paw.lock`, read from disk as `pawc run` and the editor read it, then a fuzzy
//! fn resolved against it and looked up in an (empty) artifact store. Besides never panicking: a lock that
//! reads back serializes and reads back equal (`pawc build` rewrites locks it read).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use paw_artifact::{resolve, ArtifactStore, PawLock, LOCK_FILE};
use paw_check::hir::Program;

struct Fixture {
    _dir: tempfile::TempDir,
    project: std::path::PathBuf,
    store: ArtifactStore,
    program: Program,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).expect("a project directory");
        let store = ArtifactStore::new(dir.path().join("store"));
        let program = paw_fuzz::lock_program();
        Fixture {
            _dir: dir,
            project,
            store,
            program,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    std::fs::write(f.project.join(LOCK_FILE), data).expect("the lock is written");
    let lock = match PawLock::read(&f.project) {
        Ok(lock) => lock.expect("the lock file exists"),
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let text = serde_json::to_string_pretty(&lock).expect("a lock serializes");
    let back: PawLock = serde_json::from_str(&text).expect("a written lock reads back");
    assert_eq!(back, lock);
    for func in &f.program.fuzzy {
        let resolution = resolve(func, &f.program, Some(&lock));
        if let Err(why) = resolution.ready(&f.store) {
            let _ = (why.to_string(), why.help(&f.project), why.summary());
        }
    }
});
