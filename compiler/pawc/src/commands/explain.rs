//! `pawc explain CODE`: the long form of a diagnostic code.

use std::process::ExitCode;

use crate::output::Output;

pub fn run(code: &str, out: &Output) -> ExitCode {
    match paw_diagnostics::explain(code) {
        Some(e) => {
            println!("{}: {}\n\n{}", e.code, e.title, e.text.trim_end());
            ExitCode::SUCCESS
        }
        None => out.user_error(&format!(
            "no diagnostic has the code `{code}`\n  help: codes look like E0001 (syntax), E0101 (names), E0201 (types), W0101 (warnings), E0901 (runtime)"
        )),
    }
}
