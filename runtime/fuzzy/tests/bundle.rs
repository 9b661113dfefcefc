//! Programs with LoRA adapters and `.paw` bundles on the tiny generated model: an artifact's adapter is applied
//! for its prefix and every call (the answers are the engine's with that adapter applied directly), and a
//! built program exported as a bundle and imported into another function answers the same.

use std::sync::{Arc, OnceLock};

use paw_artifact::artifact::split_template;
use paw_artifact::spec::Member;
use paw_artifact::testing::{stand_in_key, ArtifactBuilder};
use paw_artifact::{
    Artifact, ArtifactStore, Bundle, ParamSpec, ProgramFile, ProgramId, Spec, TypeSpec, INPUT_PLACEHOLDER,
};
use paw_fuzzy::{export_bundle, import_bundle, schema_of, LoadedProgram};
use paw_model::testing::{random_adapter, write_tiny_model};
use paw_model::{Adapter, Arch, DecodeOptions, KvState, Model, StoredAs};
use serde_json::{json, Value};

fn model() -> Arc<Model> {
    static M: OnceLock<Arc<Model>> = OnceLock::new();
    M.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.gguf");
        write_tiny_model(&path, Arch::Qwen2, 42).unwrap();
        Arc::new(Model::load(&path).unwrap())
    })
    .clone()
}

fn spec(ret: TypeSpec) -> Spec {
    Spec {
        name: "f".into(),
        params: vec![ParamSpec {
            name: "text".into(),
            ty: TypeSpec::Str,
        }],
        ret,
        doc: "Answer about the text.".into(),
        examples: vec![],
        data: None,
    }
}

/// A label-scored type and a generated one (the random tiny model never closes a string: its answers run to
/// the end of the context).
fn return_types() -> [TypeSpec; 3] {
    let member = |name: &str| Member {
        name: name.into(),
        doc: String::new(),
    };
    [
        TypeSpec::Bool,
        TypeSpec::Enum {
            name: "Colour".into(),
            doc: String::new(),
            // Labels of equal length that the tiny vocabulary has no merges for: comparable scores.
            variants: vec![member("red"), member("tan"), member("sky")],
        },
        TypeSpec::Int,
    ]
}

/// ±0.1 for `B` keeps the tiny model's outputs smooth enough that a prefix plus a call equals the whole prompt
/// to 1e-3 (see the runtime's LoRA tests), while moving the logits by several units.
fn adapter_bytes() -> Vec<u8> {
    random_adapter(&model().config, 8, 0.1, 11)
        .unwrap()
        .to_bytes(StoredAs::F32)
        .unwrap()
}

/// A built artifact of `spec` whose prefix state was computed with `adapter` (none: without one), as the
/// compiler would store it.
fn artifact(spec: Spec, adapter: Option<Vec<u8>>) -> Artifact {
    let m = model();
    let template = format!("{}\n[INPUT]\n{INPUT_PLACEHOLDER}\n[END_INPUT]", spec.doc);
    let (before, _) = split_template(&template).unwrap();
    let mut builder =
        ArtifactBuilder::new(&ProgramId::from("p1"), spec, stand_in_key()).prompt_template(template.clone());
    let mut tokens = m.tokenizer.chat_user_start(None).unwrap();
    tokens.extend(m.tokenizer.encode_plain(before).unwrap());
    let loaded = adapter.as_deref().map(|b| Arc::new(Adapter::from_bytes(b).unwrap()));
    let prefix = m.prefill_with(&tokens, loaded.as_ref()).unwrap();
    builder = builder.prefix(m.prefix_to_bytes(&prefix).unwrap(), tokens.len());
    if let Some(bytes) = adapter {
        builder = builder.adapter(bytes);
    }
    builder.build()
}

/// Stored and loaded back through a store, so every file is checked as at run time.
fn stored(artifact: &Artifact) -> (tempfile::TempDir, Artifact) {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    store.write(artifact).unwrap();
    let loaded = store.load(&artifact.meta.id).unwrap();
    (dir, loaded)
}

const INPUTS: [&str; 3] = ["hello there", "true or false?", "{\"a\": 12}"];

#[test]
fn an_artifacts_adapter_gives_the_engines_answers_with_that_adapter() {
    let m = model();
    let bytes = adapter_bytes();
    let adapter = Arc::new(Adapter::from_bytes(&bytes).unwrap());
    for ret in return_types() {
        let (_dir, with) = stored(&artifact(spec(ret.clone()), Some(bytes.clone())));
        assert_eq!(with.adapter.as_deref(), Some(&bytes[..]));
        let program = LoadedProgram::from_artifact(&m, &with).unwrap();
        let (_dir2, without) = stored(&artifact(spec(ret.clone()), None));
        let plain = LoadedProgram::from_artifact(&m, &without).unwrap();
        let (before, after) = with.template_parts();
        let schema = schema_of(&ret);
        let mut changed = false;
        for input in INPUTS {
            let got = program.call(&m, &[json!(input)]).unwrap();
            // The engine directly: the whole prompt, from an empty state carrying the adapter.
            let mut tokens = m.tokenizer.chat_user_start(None).unwrap();
            for text in [before, input, after] {
                tokens.extend(m.tokenizer.encode_plain(text).unwrap());
            }
            tokens.extend(m.tokenizer.chat_assistant_start().unwrap());
            let options = DecodeOptions {
                max_tokens: 384,
                ..DecodeOptions::default()
            };
            let want = m
                .decode_typed(&KvState::with_adapter(adapter.clone()), &tokens, &schema, &options)
                .unwrap();
            assert_eq!(got.value, want.value, "{ret:?} on {input:?}");
            assert!((got.confidence - want.confidence).abs() < 1e-3, "{ret:?} on {input:?}");
            let base = plain.call(&m, &[json!(input)]).unwrap();
            let moved = |a: f64, b: f64| (a - b).abs() > 1e-2;
            changed |= base.value != got.value
                || moved(base.confidence, got.confidence)
                || base
                    .probabilities
                    .iter()
                    .zip(&got.probabilities)
                    .any(|(a, b)| moved(a.1, b.1));
        }
        assert!(changed, "{ret:?}: the adapter changes the answers");
    }
}

#[test]
fn a_prefix_without_its_adapter_is_refused() {
    let m = model();
    let mut a = artifact(spec(TypeSpec::Bool), Some(adapter_bytes()));
    a.adapter = None;
    let err = LoadedProgram::from_artifact(&m, &a).err().expect("refused");
    assert!(err.to_string().contains("adapter"), "{err}");
    // An adapter.gguf that is not an adapter (the store's checksums passed: it was written so).
    let mut b = artifact(spec(TypeSpec::Bool), Some(adapter_bytes()));
    b.adapter = Some(b"GGUF but not really".to_vec());
    let err = LoadedProgram::from_artifact(&m, &b).err().expect("refused");
    assert!(err.to_string().contains("adapter.gguf"), "{err}");
}

fn answers(m: &Model, program: &LoadedProgram) -> Vec<(Value, f64)> {
    INPUTS
        .iter()
        .map(|input| {
            let a = program.call(m, &[json!(input)]).unwrap();
            (a.value, a.confidence)
        })
        .collect()
}

#[test]
fn exported_bundles_import_to_the_same_answers_and_are_deterministic() {
    let m = model();
    for ret in return_types() {
        for adapter in [Some(adapter_bytes()), None] {
            let (_dir, built) = stored(&artifact(spec(ret.clone()), adapter.clone()));
            let bundle = export_bundle(&m, &built).unwrap();
            let zip = bundle.to_zip();
            assert_eq!(
                zip,
                export_bundle(&m, &built).unwrap().to_zip(),
                "same bytes every time"
            );
            // The template is the whole prompt: paw's chat markup around the program's user turn.
            let (before, after) = split_template(&bundle.prompt_template).unwrap();
            assert!(
                before.starts_with("<|im_start|>") && before.contains("user\n"),
                "{before:?}"
            );
            assert!(after.ends_with("<|im_start|>assistant\n"), "{after:?}");
            assert_eq!(bundle.meta["program_id"], json!(built.meta.id));
            assert_eq!(bundle.meta["interpreter"], json!("interpreter"));

            let read = Bundle::from_zip(&zip).unwrap();
            assert_eq!(read, bundle);
            let file = ProgramFile::new("vendor/f.paw".into(), read);
            let id = ProgramId::from("p2");
            let imported = import_bundle(&m, "tiny", &built.meta.spec, &file, &id, &stand_in_key()).unwrap();
            assert!(imported.template_is_complete());
            assert_eq!(
                imported.meta.prefix_tokens, built.meta.prefix_tokens,
                "the same prefix tokens"
            );
            assert_eq!(imported.prefix, built.prefix, "the same prefix state");
            let (_dir2, imported) = stored(&imported);
            let original = LoadedProgram::from_artifact(&m, &built).unwrap();
            let again = LoadedProgram::from_artifact(&m, &imported).unwrap();
            assert_eq!(
                answers(&m, &again),
                answers(&m, &original),
                "{ret:?}, adapter {}",
                adapter.is_some()
            );
            // Exported again, an imported program keeps its complete template as it is.
            assert_eq!(
                export_bundle(&m, &imported).unwrap().prompt_template,
                bundle.prompt_template
            );
        }
    }
}

#[test]
fn an_adapter_for_another_model_is_refused_on_import() {
    let m = model();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny-qwen3.gguf");
    write_tiny_model(&path, Arch::Qwen3, 42).unwrap();
    let qwen3 = Model::load(&path).unwrap();
    let (_dir, built) = stored(&artifact(spec(TypeSpec::Bool), None));
    let mut bundle = export_bundle(&m, &built).unwrap();
    bundle.adapter = Some(
        random_adapter(&qwen3.config, 2, 0.1, 1)
            .unwrap()
            .to_bytes(StoredAs::F16)
            .unwrap(),
    );
    let file = ProgramFile::new("vendor/f.paw".into(), bundle);
    let err = import_bundle(
        &m,
        "tiny",
        &built.meta.spec,
        &file,
        &ProgramId::from("p3"),
        &stand_in_key(),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("qwen3"), "{err}");
}
