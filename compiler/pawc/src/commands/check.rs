//! `pawc check [PATH]`: every error and warning, without running anything.

use std::path::Path;
use std::process::ExitCode;

use crate::output::Output;
use crate::pipeline::{load_and_check, name};

pub fn run(path: Option<&Path>, out: &Output) -> ExitCode {
    match load_and_check(path, out) {
        Ok(loaded) => {
            out.status("Checked", &format!("{}: no errors", name(&loaded.project)));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
