//! The store's guarantees: round trip, corruption detected (never loaded), no half artifacts, concurrent
//! writers of one id never corrupt it.

use paw_artifact::artifact::{ADAPTER, HEAD, PREFIX, PSEUDO_PROGRAM};
use paw_artifact::testing::ArtifactBuilder;
use paw_artifact::{
    Artifact, ArtifactStore, BuildKey, Head, HeadFit, LabelScope, LoadError, ProgramId, Spec, Status, TypeSpec,
};

fn artifact(id: &str, program: &str) -> Artifact {
    let spec = Spec {
        name: "f".into(),
        params: vec![],
        ret: TypeSpec::Bool,
        doc: "Decide.".into(),
        examples: vec![],
        data: None,
    };
    let build = BuildKey {
        compiler_version: "1".into(),
        compiler_sha256: "c".into(),
        interpreter_sha256: "i".into(),
        options: "{}".into(),
        data_pipeline: String::new(),
    };
    ArtifactBuilder::new(&ProgramId::from(id), spec, build)
        .pseudo_program(program)
        .prefix(vec![7; 100_000], 3)
        .build()
}

#[test]
fn written_artifacts_load_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    assert_eq!(store.status(&"abc".into()), Status::Missing);
    assert_eq!(store.load(&"abc".into()), Err(LoadError::Missing));
    let a = artifact("abc", "Say true.");
    let _lock = store.lock(&"abc".into()).unwrap();
    store.write(&a).unwrap();
    assert_eq!(store.status(&"abc".into()), Status::Ready);
    assert_eq!(store.load(&"abc".into()).unwrap(), a);
}

/// A `meta.json` that matches its checksum but that this version cannot read (written by another layout) makes
/// the artifact unusable, so `pawc build` replaces it rather than calling it up to date.
#[test]
fn an_intact_meta_json_this_version_cannot_read_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    store.write(&artifact("abc", "Say true.")).unwrap();
    let art = dir.path().join("abc");
    let mut meta: serde_json::Value = serde_json::from_slice(&std::fs::read(art.join("meta.json")).unwrap()).unwrap();
    meta.as_object_mut().unwrap().remove("prefix_tokens");
    let bytes = serde_json::to_vec(&meta).unwrap();
    std::fs::write(art.join("meta.json"), &bytes).unwrap();
    let sums_path = art.join("checksums.json");
    let mut sums: serde_json::Value = serde_json::from_slice(&std::fs::read(&sums_path).unwrap()).unwrap();
    sums["meta.json"] = serde_json::json!({"size": bytes.len(), "blake3": blake3::hash(&bytes).to_hex().as_str()});
    std::fs::write(&sums_path, serde_json::to_vec(&sums).unwrap()).unwrap();
    assert!(
        matches!(store.status(&"abc".into()), Status::Corrupt(why) if why.contains("prefix_tokens")),
        "{:?}",
        store.status(&"abc".into())
    );
}

#[test]
fn a_head_is_stored_beside_the_program_and_checked_like_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    let mut a = artifact("abc", "Say true.");
    a.head = Some(Head {
        scale: 0.5,
        bias: vec![0.25, -0.25],
        weights: vec![vec![0.1, -2.5e-7], vec![3.0, 0.0]],
        label_scope: LabelScope::Whole,
    });
    a.meta.head = Some(HeadFit {
        examples: 12,
        l2: Some(0.1),
        cv_accuracy: 0.75,
        prompt_accuracy: 0.5,
    });
    store.write(&a).unwrap();
    assert_eq!(store.load(&"abc".into()).unwrap(), a);
    std::fs::write(store.path(&"abc".into()).join(HEAD), "{}").unwrap();
    assert!(matches!(store.status(&"abc".into()), Status::Corrupt(why) if why.contains(HEAD)));
    assert!(matches!(store.load(&"abc".into()), Err(LoadError::Corrupt(_))));
    // A head that meta.json does not announce (or the reverse) is damage too.
    a.meta.head = None;
    store.write(&a).unwrap();
    assert!(matches!(store.load(&"abc".into()), Err(LoadError::Corrupt(why)) if why.contains("head")));
}

#[test]
fn an_adapter_is_stored_beside_the_program_and_a_flipped_byte_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    let id = ProgramId::from("abc");
    // Large enough that `status` trusts its stamp (as it does the prefix's) until a load finds the damage.
    let adapter: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut a = artifact("abc", "Say true.");
    a.adapter = Some(adapter.clone());
    store.write(&a).unwrap();
    assert_eq!(store.load(&id).unwrap(), a);
    assert_eq!(std::fs::read(store.path(&id).join(ADAPTER)).unwrap(), adapter);

    let path = store.path(&id).join(ADAPTER);
    let mut bytes = adapter;
    bytes[123_456] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(store.load(&id), Err(LoadError::Corrupt(why)) if why.contains(ADAPTER)));
    // The load removed the stamp, so the cheap check now hashes the adapter too.
    assert!(matches!(store.status(&id), Status::Corrupt(why) if why.contains(ADAPTER)));
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(store.load(&id), Err(LoadError::Corrupt(why)) if why.contains(ADAPTER)));
}

#[test]
fn corrupt_or_truncated_files_are_detected_and_never_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    store.write(&artifact("abc", "Say true.")).unwrap();
    // Same size, different bytes.
    std::fs::write(store.path(&"abc".into()).join(PSEUDO_PROGRAM), "Say fals.").unwrap();
    assert!(matches!(store.status(&"abc".into()), Status::Corrupt(why) if why.contains(PSEUDO_PROGRAM)));
    assert!(matches!(store.load(&"abc".into()), Err(LoadError::Corrupt(_))));
    // Rewriting replaces the damaged artifact.
    store.write(&artifact("abc", "Say true.")).unwrap();
    assert_eq!(store.status(&"abc".into()), Status::Ready);
    // Truncated.
    let prefix = store.path(&"abc".into()).join(PREFIX);
    std::fs::write(&prefix, vec![7; 100]).unwrap();
    assert!(matches!(store.status(&"abc".into()), Status::Corrupt(_)));
    assert!(matches!(store.load(&"abc".into()), Err(LoadError::Corrupt(_))));
}

#[test]
fn interrupted_writes_leave_no_artifact_and_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    // What a build killed mid-write leaves behind: a temporary directory only.
    std::fs::create_dir_all(dir.path().join(".tmp-abc-999-0")).unwrap();
    std::fs::write(dir.path().join(".tmp-abc-999-0").join("meta.json"), "{").unwrap();
    assert_eq!(store.status(&"abc".into()), Status::Missing);
    drop(store.lock(&"abc".into()).unwrap());
    assert!(!dir.path().join(".tmp-abc-999-0").exists());
}

#[test]
fn interrupted_writes_of_other_ids_are_cleaned_unless_a_build_holds_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    // A build killed while writing `old`, whose function changed since, and a build now writing `busy`.
    let busy = ArtifactStore::new(dir.path()).lock(&"busy".into()).unwrap();
    for name in [".tmp-old-999-0", ".tmp-old-999-1-old", ".tmp-busy-998-0"] {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
    }
    drop(store.lock(&"abc".into()).unwrap());
    assert!(!dir.path().join(".tmp-old-999-0").exists());
    assert!(!dir.path().join(".tmp-old-999-1-old").exists());
    assert!(dir.path().join(".tmp-busy-998-0").exists());
    // The lock of `old` was only borrowed: a build of it is not kept waiting.
    drop(store.lock(&"old".into()).unwrap());
    drop(busy);
}

#[test]
fn concurrent_writers_of_one_id_leave_a_valid_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                let store = ArtifactStore::new(root);
                for _ in 0..10 {
                    let _lock = store.lock(&"abc".into()).unwrap();
                    store.write(&artifact("abc", "Say true.")).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = ArtifactStore::new(&root);
    assert_eq!(store.load(&"abc".into()).unwrap(), artifact("abc", "Say true."));
    let leftovers: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn describing_reads_meta_and_program_only_from_an_intact_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    assert_eq!(store.describe(&"abc".into()), Err(LoadError::Missing));
    let a = artifact("abc", "Say true.");
    store.write(&a).unwrap();
    assert_eq!(
        store.describe(&"abc".into()).unwrap(),
        (a.meta.clone(), "Say true.".to_string())
    );
    // A damaged prefix state makes the artifact unusable, so it is not described as usable either.
    std::fs::write(store.path(&"abc".into()).join(PREFIX), vec![7; 100]).unwrap();
    assert!(matches!(store.describe(&"abc".into()), Err(LoadError::Corrupt(why)) if why.contains(PREFIX)));
}
