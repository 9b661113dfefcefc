//! An imported function's program (`paw.toml`: `[functions.NAME] program = "vendor/f.paw"`): the `.paw` bundle
//! read and checked for the build, its contents (not its path) standing for the program in the function's id.
//! A missing, oversized or damaged bundle is a diagnostic at the value that names it; nothing is extracted to
//! disk (see `paw_artifact::bundle` for what a bundle may hold).

use paw_artifact::bundle::{Bundle, MAX_BUNDLE_BYTES};
use paw_artifact::ProgramFile;
use paw_diagnostics::{Diagnostic, Label};
use paw_model::Adapter;

use crate::data::DataFile;

/// Reads and checks the bundle `file` names, its adapter included (that it fits the interpreter is checked
/// when the build computes its prefix state).
pub fn read_program(file: &DataFile) -> Result<ProgramFile, Box<Diagnostic>> {
    let named = |code, message: String, help: &str| {
        Box::new(Diagnostic::error(code, message, Label::new(file.named_at, "named here")).with_help(help.to_string()))
    };
    let unreadable = |e: std::io::Error| {
        named(
            "E0601",
            format!("cannot read the program bundle {}: {e}", file.display),
            "check the path: it is relative to the project's root (the folder of paw.toml)",
        )
    };
    let too_large = |why: String| {
        named(
            "E0602",
            format!("the program bundle {} is too large: {why}", file.display),
            "a bundle holds a prompt and a LoRA adapter; export the program again (its adapter quantized, as \
             PAW's are)",
        )
    };
    let size = std::fs::metadata(&file.path).map_err(unreadable)?.len();
    if size > MAX_BUNDLE_BYTES {
        return Err(too_large(format!(
            "{} MiB, paw reads bundles of up to {} MiB",
            size >> 20,
            MAX_BUNDLE_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(&file.path).map_err(unreadable)?;
    let damaged = |why: String| {
        named(
            "E0603",
            format!("{} is not a usable .paw bundle: {why}", file.display),
            "export it again (`pawc export PROJECT FUNCTION --out FILE.paw`, or PAW's own tools)",
        )
    };
    let bundle = Bundle::from_zip(&bytes).map_err(|e| match e.is_size() {
        true => too_large(e.to_string()),
        false => damaged(e.to_string()),
    })?;
    if let Some(adapter) = &bundle.adapter {
        Adapter::from_bytes(adapter).map_err(|e| damaged(format!("its adapter.gguf: {e}")))?;
    }
    Ok(ProgramFile::new(file.display.clone(), bundle))
}
