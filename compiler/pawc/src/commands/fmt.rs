//! `pawc fmt [PATH] [--check]`: rewrite source files in the canonical layout, or report which are not.

use std::path::Path;
use std::process::ExitCode;

use paw_diagnostics::Files;

use crate::output::Output;
use crate::project::Project;
use crate::sources::{read_source, write_atomically};

pub fn run(path: Option<&Path>, check: bool, out: &Output) -> ExitCode {
    let project = match Project::locate(path) {
        Ok(p) => p,
        Err(e) => return out.user_error(&e),
    };
    let mut files = Files::new();
    let mut failed = false;
    let mut unformatted = Vec::new();
    for module in &project.modules {
        let display = project.display_path(&module.path);
        let (file, utf8_error) = match read_source(&mut files, &module.path, display.clone()) {
            Ok(read) => read,
            Err(e) => return out.user_error(&e),
        };
        if let Some(d) = utf8_error {
            out.diagnostics(&[d], &files);
            failed = true;
            continue;
        }
        let text = files.get(file).text.clone();
        match paw_fmt::format_source(file, &text) {
            Ok(formatted) if formatted == *text => {}
            Ok(_) if check => unformatted.push(display),
            Ok(formatted) => {
                if let Err(e) = write_atomically(&module.path, &formatted) {
                    return out.user_error(&format!("cannot write {display}: {e}"));
                }
                out.status("Formatted", &display);
            }
            Err(diagnostics) => {
                out.diagnostics(&diagnostics, &files);
                eprintln!(
                    "{} {display} was not formatted: fix its syntax errors first",
                    out.paint("error:", "1;31")
                );
                failed = true;
            }
        }
    }
    for display in &unformatted {
        eprintln!(
            "{} {display} is not formatted (run `pawc fmt` to fix it)",
            out.paint("error:", "1;31")
        );
    }
    if failed || !unformatted.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
