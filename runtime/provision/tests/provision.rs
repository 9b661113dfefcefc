//! Provisioning without network: corrupt files are not accepted, and a missing pip explains what to do.
use std::sync::Arc;

use paw_cache::{ModelChoice, PawHome, Role};
use paw_provision::{Error, Provisioner, Quiet};

#[test]
fn corrupt_file_is_not_ready_and_missing_pip_explains_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let home = PawHome::new(dir.path());
    assert!(home.ready(Role::Compiler).unwrap().is_none());
    // A truncated / corrupt file where the model belongs is never reported as ready.
    let p = home.original_path(Role::Compiler);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, b"GGUF not really").unwrap();
    assert!(home.ready(Role::Compiler).unwrap().is_none());
    assert!(home.list().iter().all(|m| !m.present));
    // No pip: the error names what to install and where the file goes.
    let provisioner = Provisioner::new(home, "/nonexistent/python3", Arc::new(Quiet));
    let e = provisioner.ensure(Role::Compiler).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::NoPip { .. }), "{msg}");
    assert!(msg.contains("pip"), "{msg}");
    assert!(msg.contains(&p.display().to_string()), "{msg}");
    assert!(
        msg.contains("cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
        "{msg}"
    );
    // The corrupt file was removed rather than kept around.
    assert!(!p.exists());
}

#[test]
fn offline_never_fetches_and_says_how_to() {
    let dir = tempfile::tempdir().unwrap();
    let provisioner = Provisioner::new(PawHome::new(dir.path()), "/nonexistent/python3", Arc::new(Quiet));
    let msg = provisioner
        .locate(&ModelChoice::Default(Role::Interpreter), true)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("--offline forbids fetching it"), "{msg}");
    assert!(msg.contains("pawc model fetch interpreter"), "{msg}");
    let missing = dir.path().join("nope.gguf");
    let msg = provisioner
        .locate(&ModelChoice::File(missing.clone()), false)
        .unwrap_err()
        .to_string();
    assert_eq!(msg, format!("model file {} does not exist", missing.display()));
}

/// Records what the provisioner tells the user.
#[derive(Default)]
struct Notes(std::sync::Mutex<Vec<String>>);

impl paw_provision::Progress for Notes {
    fn note(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
    fn start(&self, _: u64) {}
    fn part(&self, _: &str) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Flips one byte of `path` in place, keeping its size and mtime (what a stamp's fast path compares).
fn flip_a_byte(path: &std::path::Path, at: u64) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    let mut f = std::fs::File::options().read(true).write(true).open(path).unwrap();
    let mut byte = [0u8];
    f.seek(SeekFrom::Start(at)).unwrap();
    f.read_exact(&mut byte).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[byte[0] ^ 0x40]).unwrap();
    f.set_modified(mtime).unwrap();
}

/// The smoke model's original, fetched once into the shared cache (`$PAW_HOME` or `~/.cache/paw`).
fn smoke_original() -> std::path::PathBuf {
    let shared = PawHome::from_env();
    Provisioner::new(shared.clone(), "python3", Arc::new(Quiet))
        .ensure(Role::Smoke)
        .unwrap();
    shared.original_path(Role::Smoke)
}

#[test]
fn a_changed_byte_in_either_file_is_never_used() {
    let original = smoke_original();
    let dir = tempfile::tempdir().unwrap();
    let home = PawHome::new(dir.path());
    std::fs::create_dir_all(home.model_dir(Role::Smoke)).unwrap();
    std::fs::copy(&original, home.original_path(Role::Smoke)).unwrap();
    let notes = Arc::new(Notes::default());
    let provisioner = Provisioner::new(home.clone(), "/nonexistent/python3", notes.clone());
    let loaded = provisioner.ensure(Role::Smoke).unwrap();
    let good = std::fs::read(&loaded).unwrap();

    // The converted file paw loads: found at once, converted again from the original, same bytes.
    flip_a_byte(&loaded, good.len() as u64 / 2);
    assert_eq!(home.ready(Role::Smoke).unwrap(), None);
    notes.0.lock().unwrap().clear();
    assert_eq!(provisioner.ensure(Role::Smoke).unwrap(), loaded);
    assert_eq!(std::fs::read(&loaded).unwrap(), good, "the conversion is deterministic");
    let said = notes.0.lock().unwrap().join("\n");
    assert!(said.contains("damaged"), "{said}");

    // The original: it is hashed in full before anything is converted from it; without pip it cannot be
    // fetched again, so the provisioner stops and says how to get it, instead of converting damaged bytes.
    let orig = home.original_path(Role::Smoke);
    flip_a_byte(&orig, 1000);
    std::fs::remove_file(&loaded).unwrap();
    let e = provisioner.ensure(Role::Smoke).unwrap_err();
    assert!(matches!(e, Error::NoPip { .. }), "{e}");
    assert!(!orig.exists(), "the damaged original was removed");
    assert_eq!(home.ready(Role::Smoke).unwrap(), None);
}
