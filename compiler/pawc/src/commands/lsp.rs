//! `pawc lsp`: the language server on stdin/stdout (see the `paw-lsp` crate).

use std::process::ExitCode;

use paw_cache::PawHome;
use paw_lsp::server::Config;

use crate::output::Output;

/// `offline`: builds started from the editor never fetch models.
pub fn run(offline: bool, out: &Output) -> ExitCode {
    // Builds run this very executable, so the editor builds with the pawc it talks to.
    let pawc = match std::env::current_exe() {
        Ok(path) => path,
        Err(e) => return out.user_error(&format!("cannot find the pawc executable to build with: {e}")),
    };
    let config = Config {
        paw_home: PawHome::from_env(),
        pawc,
        offline,
    };
    match paw_lsp::run_stdio(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.user_error(&format!("the language server stopped: {e}")),
    }
}
