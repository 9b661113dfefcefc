//! `.paw` bundles and paw's artifacts. Export: a built program as other engines run it, its template made the
//! complete prompt (paw's chat opening and the tokens that open the answer written out as text), so that plain
//! llama.cpp with the base GGUF and the adapter reproduces paw's free-text answers. Import: a bundle as a
//! function's program, its prefix state computed on paw's interpreter with the bundle's adapter.

use paw_artifact::artifact::{split_template, FORMAT};
use paw_artifact::{Artifact, BuildKey, Bundle, Imported, Meta, ProgramFile, ProgramId, SelfTest, Spec, Timings};
use paw_model::{Error as ModelError, Model, PawTokenizer};
use serde_json::json;

use crate::error::Error;
use crate::program::{prefix_tokens, read_adapter};

/// `meta.json`'s `format` in the bundles paw writes.
pub const BUNDLE_FORMAT: &str = "paw-bundle-v1";

/// The `.paw` bundle of `artifact`, built for the interpreter `model`. `meta.json` holds the keys PAW's SDK
/// reads (`program_id`, `interpreter`, `compiler`, `spec`) and paw's whole `meta.json` under `paw`.
pub fn export_bundle(model: &Model, artifact: &Artifact) -> Result<Bundle, Error> {
    let prompt_template = complete_prompt(
        &model.tokenizer,
        &artifact.prompt_template,
        artifact.template_is_complete(),
    )?;
    let meta = &artifact.meta;
    Ok(Bundle {
        meta: json!({
            "format": BUNDLE_FORMAT,
            "program_id": meta.id,
            "spec": meta.spec.doc,
            "compiler": meta.compiler_model,
            "interpreter": meta.interpreter_model,
            "interpreter_sha256": meta.build.interpreter_sha256,
            "paw": meta,
        }),
        prompt_template,
        pseudo_program: Some(artifact.pseudo_program.clone()),
        adapter: artifact.adapter.clone(),
    })
}

/// A program's complete prompt as text, placeholder kept: paw's chat opening, the template, and the tokens that
/// open the answer, unless the template is already `complete` (an imported bundle's). What other engines run.
pub fn complete_prompt(tokenizer: &PawTokenizer, template: &str, complete: bool) -> Result<String, Error> {
    if complete {
        return Ok(template.to_string());
    }
    Ok(format!(
        "{}{template}{}",
        tokenizer.decode(&tokenizer.chat_user_start(None)?),
        tokenizer.decode(&tokenizer.chat_assistant_start()?)
    ))
}

/// The artifact of a function imported from `program`: the bundle's template and adapter, the prefix state
/// computed on `model` (named `interpreter` for people), no head or calibration (the bundle has none).
pub fn import_bundle(
    model: &Model,
    interpreter: &str,
    spec: &Spec,
    program: &ProgramFile,
    id: &ProgramId,
    build: &BuildKey,
) -> Result<Artifact, Error> {
    let bundle = &program.bundle;
    let adapter = read_adapter(bundle.adapter.as_deref())?;
    let (before, _) = split_template(&bundle.prompt_template).ok_or(Error::Template)?;
    let tokens = prefix_tokens(model, before, true)?;
    let prefix = model.prefill_with(&tokens, adapter.as_ref()).map_err(|e| match e {
        ModelError::AdapterMismatch(_) => Error::Adapter(e),
        other => Error::Model(other),
    })?;
    Ok(Artifact {
        meta: Meta {
            format: FORMAT.into(),
            id: id.clone(),
            spec: spec.clone(),
            build: build.clone(),
            compiler_model: "imported".into(),
            interpreter_model: interpreter.into(),
            examples: vec![],
            dropped_examples: 0,
            calibration: vec![],
            head: None,
            held_out: None,
            prefix_tokens: tokens.len(),
            self_test: SelfTest::default(),
            data: None,
            imported: Some(Imported {
                bundle: program.path.clone(),
                meta: bundle.meta.clone(),
            }),
            adapter: None,
        },
        prompt_template: bundle.prompt_template.clone(),
        pseudo_program: bundle.pseudo_program.clone().unwrap_or_default(),
        prefix: model.prefix_to_bytes(&prefix)?,
        head: None,
        adapter: bundle.adapter.clone(),
        timings: Timings::default(),
    })
}
