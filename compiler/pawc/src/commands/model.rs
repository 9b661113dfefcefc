//! `pawc model ...` and `pawc bench model`: the model runtime's own commands, with pawc's error reporting.

use std::process::ExitCode;

use crate::output::Output;

pub fn run(result: paw_model::Result<()>, out: &Output) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.user_error(&e.to_string()),
    }
}
