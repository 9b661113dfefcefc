//! `pawc export [PATH] FUNCTION --out FILE`: a built fuzzy fn as other engines run it. `.paw` (PAW's bundle:
//! the complete prompt, the adapter, `meta.json`) by default; `--format peft` writes a PEFT adapter directory
//! (`adapter_config.json`, `adapter_model.safetensors`) for vLLM and mistral.rs. See `docs/formats.md`.

use std::path::Path;
use std::process::ExitCode;

use paw_artifact::function_key;
use paw_fuzzy::{export_bundle, present};
use paw_model::peft::{to_peft, PEFT_CONFIG, PEFT_WEIGHTS};
use paw_model::{Adapter, Model};

use crate::built::{self, Builds, RemoteArgs};
use crate::models::load_options;
use crate::output::Output;
use crate::pipeline::{load_and_check, Loaded};

#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum ExportFormat {
    /// A `.paw` bundle (zip): `meta.json`, `prompt_template.txt`, `adapter.gguf` when the program has one.
    #[default]
    Paw,
    /// A PEFT adapter directory: `adapter_config.json` and `adapter_model.safetensors`.
    Peft,
}

pub fn run(path: Option<&Path>, function: &str, dest: &Path, format: ExportFormat, out: &Output) -> ExitCode {
    let loaded = match load_and_check(path, out) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    match export(&loaded, function, dest, format) {
        Ok(what) => {
            out.status("Exported", &format!("{what} to {}", dest.display()));
            ExitCode::SUCCESS
        }
        Err(message) => out.user_error(&message),
    }
}

/// Writes the export; says what was written, or what is wrong in the user's words.
fn export(loaded: &Loaded, function: &str, dest: &Path, format: ExportFormat) -> Result<String, String> {
    let program = &loaded.analysis.checked.program;
    let func = built::find(program, function)?;
    let key = function_key(&func.module, &func.name);
    let builds = Builds::open(loaded, &RemoteArgs::default())?;
    let (id, artifact) = builds
        .artifact(func, program)
        .map_err(|unusable| unusable.to_string())?;
    let interpreter = present(builds.interpreter(), builds.home())
        .map_err(|why| format!("{why}\n  help: run `pawc model fetch interpreter`"))?;
    let model = Model::load_with(&interpreter, &load_options()?)
        .map_err(|e| format!("cannot load the interpreter model {}: {e}", interpreter.display()))?;
    let unwritable = |p: &Path, e: std::io::Error| {
        format!(
            "cannot write {}: {e}\n  help: choose an --out path in a folder you can write to",
            p.display()
        )
    };
    match format {
        ExportFormat::Paw => {
            let bundle = export_bundle(&model, &artifact).map_err(|e| format!("fuzzy fn `{key}`: {e}"))?;
            write_atomically(dest, &bundle.to_zip()).map_err(|e| unwritable(dest, e))?;
            Ok(format!(
                "`{key}` (program {id}{})",
                if bundle.adapter.is_some() {
                    ", with its adapter"
                } else {
                    ""
                }
            ))
        }
        ExportFormat::Peft => {
            let bytes = artifact.adapter.as_deref().ok_or_else(|| {
                format!(
                    "fuzzy fn `{key}` has no adapter: its program is a prompt and a prefix state, which PEFT cannot \
                     hold\n  help: export it as a .paw bundle (without --format peft)"
                )
            })?;
            let adapter = Adapter::from_bytes(bytes).map_err(|e| format!("fuzzy fn `{key}`: its adapter: {e}"))?;
            let files = to_peft(&adapter, &model.config, &artifact.meta.interpreter_model)
                .map_err(|e| format!("fuzzy fn `{key}`: {e}"))?;
            std::fs::create_dir_all(dest).map_err(|e| unwritable(dest, e))?;
            for (name, bytes) in [(PEFT_CONFIG, files.config.as_bytes()), (PEFT_WEIGHTS, &files.weights)] {
                let file = dest.join(name);
                write_atomically(&file, bytes).map_err(|e| unwritable(&file, e))?;
            }
            Ok(format!("the adapter of `{key}` (program {id}) in PEFT format"))
        }
    }
}

/// A temporary file beside `dest`, then a rename: an interrupted export leaves no half file.
fn write_atomically(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = dest
        .file_name()
        .map_or("export".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dest.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dest).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
