//! Writes the seed inputs that need paw's own code into `corpus/<target>/` of the directory given (`seed.sh`
//! runs it): the tiny GGUF model, artifacts made on it (with and without a head), locks that name the current
//! ids of `paw_fuzz::LOCK_PROGRAM`'s fuzzy fns, and typed values.

use std::path::Path;

use paw_artifact::testing::ArtifactBuilder;
use paw_artifact::{spec_of, ArtifactStore, BuildKey, Head, HeadFit, PawLock, ProgramId};
use paw_fuzz::{join, lock_program, schema_bytes, tiny_model, ARTIFACT_FILES, ARTIFACT_ID};
use paw_fuzzy::LoadedProgram;
use paw_model::TypeSchema;

fn main() {
    let root = std::env::args().nth(1).expect("usage: seeds CORPUS_DIR");
    let root = Path::new(&root);
    let dir = |target: &str| {
        let d = root.join(target);
        std::fs::create_dir_all(&d).expect("a corpus directory");
        d
    };

    // gguf: the whole tiny model, and its first 4 KiB (header and metadata only).
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let model_path = tmp.path().join("tiny.gguf");
    paw_fuzz::write_tiny_model(&model_path);
    let model_bytes = std::fs::read(&model_path).expect("the tiny model");
    std::fs::write(dir("gguf").join("tiny.gguf"), &model_bytes).unwrap();
    std::fs::write(dir("gguf").join("tiny-header.gguf"), &model_bytes[..4096]).unwrap();

    // artifact: each fuzzy fn of the lock program, built for the tiny model with a real prefix state.
    let program = lock_program();
    let model = tiny_model();
    let key = BuildKey {
        compiler_version: "seed".into(),
        compiler_sha256: "0".repeat(64),
        interpreter_sha256: "1".repeat(64),
        options: "{}".into(),
    };
    let store = ArtifactStore::new(tmp.path().join("store"));
    let id = ProgramId::from(ARTIFACT_ID);
    for func in &program.fuzzy {
        let spec = spec_of(func, &program).expect("a spec");
        let labels = paw_fuzzy::schema_of(&spec.ret).labels().map_or(0, |l| l.len());
        let unbuilt = ArtifactBuilder::new(&id, spec.clone(), key.clone()).build();
        let loaded = LoadedProgram::from_template(model, spec.clone(), &unbuilt.prompt_template, vec![])
            .expect("the template prefills");
        let prefix = model.prefix_to_bytes(loaded.prefix()).expect("the prefix serializes");
        let plain = ArtifactBuilder::new(&id, spec, key.clone())
            .prefix(prefix, loaded.prefix_len())
            .build();
        let mut headed = plain.clone();
        headed.head = Some(Head {
            scale: 1.0,
            bias: vec![0.1; labels],
            weights: vec![vec![0.01; model.config.d_model]; labels],
        });
        headed.meta.head = Some(HeadFit {
            examples: 8,
            l2: Some(1.0),
            cv_accuracy: 0.9,
            prompt_accuracy: 0.8,
        });
        for (what, artifact) in [("plain", plain), ("head", headed)] {
            let path = store.write(&artifact).expect("the artifact is written");
            let files: Vec<Vec<u8>> = ARTIFACT_FILES
                .iter()
                .map(|name| std::fs::read(path.join(name)).unwrap_or_default())
                .collect();
            let parts: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
            for flags in [0u8, 1] {
                let input = [vec![flags], join(&parts)].concat();
                std::fs::write(dir("artifact").join(format!("{}-{what}-{flags}", func.name)), input).unwrap();
            }
        }
    }

    // lock: the current ids of every fuzzy fn, and a stale one.
    let mut lock = PawLock {
        version: 1,
        build: key.clone(),
        compiler_model: "compiler".into(),
        interpreter_model: "interpreter".into(),
        functions: Default::default(),
    };
    for func in &program.fuzzy {
        let spec = spec_of(func, &program).expect("a spec");
        lock.functions.insert(
            paw_artifact::function_key(&func.module, &func.name),
            paw_artifact::program_id(&spec, &key),
        );
    }
    std::fs::write(
        dir("lock").join("current.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    lock.functions
        .insert("main.urgent".into(), ProgramId::from("00000000000000000000"));
    std::fs::write(
        dir("lock").join("stale.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();

    // typed_json: a type's bytes, then a text of it.
    let e = |n: usize| TypeSchema::Enum {
        name: "E".into(),
        variants: ["low", "high", "Mid", "a b"][..n]
            .iter()
            .map(|v| (v.to_string(), None))
            .collect(),
    };
    let s = |fields: Vec<TypeSchema>| TypeSchema::Struct {
        name: "S".into(),
        fields: ["a", "b", "c", "d"].iter().map(|f| f.to_string()).zip(fields).collect(),
    };
    let list = |t: TypeSchema| TypeSchema::List(Box::new(t));
    let opt = |t: TypeSchema| TypeSchema::Optional(Box::new(t));
    let cases: Vec<(TypeSchema, &str)> = vec![
        (TypeSchema::Bool, "true"),
        (TypeSchema::Int, "-42"),
        (TypeSchema::Float, "3.5e-2"),
        (TypeSchema::Str, r#""a \"quoted\" \u00e9 line\n""#),
        (TypeSchema::Json, r#"{"a": [1, 2.5, null, true, "x"], "b": {}}"#),
        (e(3), r#""Mid""#),
        (list(TypeSchema::Int), "[1, 2, 3]"),
        (opt(e(2)), "null"),
        (
            s(vec![TypeSchema::Str, opt(TypeSchema::Float)]),
            r#"{"a": "x", "b": null}"#,
        ),
        (
            list(s(vec![e(4), list(TypeSchema::Bool), TypeSchema::Json])),
            r#"[{"a": "a b", "b": [true, false], "c": [{"k": 1e5}]}]"#,
        ),
    ];
    for (i, (schema, text)) in cases.iter().enumerate() {
        let input = [schema_bytes(schema), text.as_bytes().to_vec()].concat();
        let mut check = input.as_slice();
        assert_eq!(
            &paw_fuzz::schema_from_bytes(&mut check, 0),
            schema,
            "the type's bytes read back"
        );
        std::fs::write(dir("typed_json").join(format!("case-{i}")), input).unwrap();
    }
}
