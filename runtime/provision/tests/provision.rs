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
