//! How pawc talks to the user: diagnostics and errors on stderr, colored only for terminals.

use std::io::IsTerminal;
use std::process::ExitCode;

use paw_diagnostics::{render::render, Diagnostic, Files};

pub fn stderr_wants_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub struct Output {
    pub color: bool,
}

impl Output {
    pub fn new(color: bool) -> Output {
        Output { color }
    }

    /// Prints diagnostics and returns how many were errors.
    pub fn diagnostics(&self, diagnostics: &[Diagnostic], files: &Files) -> usize {
        for d in diagnostics {
            eprintln!("{}", render(d, files, self.color));
        }
        diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// A problem with the user's input that is not tied to a source span (a missing file, a bad manifest).
    pub fn user_error(&self, message: &str) -> ExitCode {
        eprintln!("{} {message}", self.paint("error:", "1;31"));
        ExitCode::from(1)
    }

    pub fn status(&self, verb: &str, message: &str) {
        eprintln!("{:>12} {message}", self.paint(verb, "1;32"));
    }

    pub fn paint(&self, text: &str, ansi: &str) -> String {
        if self.color {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
