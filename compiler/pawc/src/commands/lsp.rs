//! `pawc lsp`: the language server on stdin/stdout (see the `paw-lsp` crate).

use std::process::ExitCode;

use crate::output::Output;

pub fn run(out: &Output) -> ExitCode {
    match paw_lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.user_error(&format!("the language server stopped: {e}")),
    }
}
