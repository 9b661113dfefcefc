//! Arbitrary artifact files in a store, through the loader and verifier `pawc run` uses (`ArtifactStore::status`,
//! `describe`, `load`), then restored on a model as a fuzzy call restores them (`LoadedProgram::from_artifact`:
//! the prefix state, the template, the head) and called once.
//!
//! The input is a flags byte, then the files of `paw_fuzz::ARTIFACT_FILES` separated by `paw_fuzz::SEPARATOR`
//! (missing ones are not written). Flags: bit 0, `checksums.json` is the input's own (else it is computed from the
//! files, so that most inputs get past the checksums to the parsers); bit 1, `head.json` is not written.
//! Besides never panicking: an artifact that loads is `Ready` to the cheap status check.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use paw_artifact::{ArtifactStore, ProgramId, Status, TypeSpec};
use paw_fuzz::{sections, tiny_model, ARTIFACT_FILES, ARTIFACT_ID};
use paw_fuzzy::LoadedProgram;
use serde_json::{json, Value};

struct Fixture {
    _dir: tempfile::TempDir,
    store: ArtifactStore,
    id: ProgramId,
    artifact_dir: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = ArtifactStore::new(dir.path().join("store"));
        let id = ProgramId::from(ARTIFACT_ID);
        let artifact_dir = store.path(&id);
        Fixture {
            _dir: dir,
            store,
            id,
            artifact_dir,
        }
    })
}

/// A value of type `ty`, for calling the program.
fn value_of(ty: &TypeSpec) -> Value {
    match ty {
        TypeSpec::Bool => json!(true),
        TypeSpec::Int => json!(3),
        TypeSpec::Float => json!(0.5),
        TypeSpec::Str => json!("some text"),
        TypeSpec::Json => json!({"a": [1]}),
        TypeSpec::List { item } => json!([value_of(item)]),
        TypeSpec::Optional { .. } => Value::Null,
        TypeSpec::Enum { variants, .. } => variants.first().map_or(Value::Null, |v| json!(v.name)),
        TypeSpec::Struct { fields, .. } => {
            Value::Object(fields.iter().map(|f| (f.name.clone(), value_of(&f.ty))).collect())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let parts = sections(rest);
    let _ = std::fs::remove_dir_all(&f.artifact_dir);
    std::fs::create_dir_all(&f.artifact_dir).expect("the artifact directory");
    let mut sums = BTreeMap::new();
    for (name, bytes) in ARTIFACT_FILES.iter().zip(&parts) {
        let own_sums = flags & 1 != 0;
        if (*name == "checksums.json" && !own_sums) || (*name == "head.json" && flags & 2 != 0) {
            continue;
        }
        std::fs::write(f.artifact_dir.join(name), bytes).expect("an artifact file is written");
        sums.insert(*name, json!({"size": bytes.len(), "blake3": blake3_hex(bytes)}));
    }
    if flags & 1 == 0 {
        std::fs::write(f.artifact_dir.join("checksums.json"), json!(sums).to_string()).expect("checksums are written");
    }

    let status = f.store.status(&f.id);
    let _ = f.store.describe(&f.id);
    let Ok(artifact) = f.store.load(&f.id) else { return };
    assert_eq!(status, Status::Ready, "an artifact that loads is ready");
    let model = tiny_model();
    let Ok(program) = LoadedProgram::from_artifact(model, &artifact) else {
        return;
    };
    let args: Vec<Value> = artifact.meta.spec.params.iter().map(|p| value_of(&p.ty)).collect();
    let _ = program.call(model, &args);
});

fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}
