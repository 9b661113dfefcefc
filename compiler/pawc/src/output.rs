//! How pawc talks to the user: diagnostics and errors on stderr, colored only for terminals.

use std::io::IsTerminal;
use std::process::ExitCode;

use paw_diagnostics::{render::render, shown_per_file, Diagnostic, Files, SHOWN_PER_FILE};
use paw_runtime::RuntimeError;

/// Whether each stream should be colored under `--color auto`: only terminals, and only without NO_COLOR.
pub fn streams_want_color() -> (bool, bool) {
    let allowed = std::env::var_os("NO_COLOR").is_none();
    (
        allowed && std::io::stderr().is_terminal(),
        allowed && std::io::stdout().is_terminal(),
    )
}

pub struct Output {
    /// Color on stderr, where diagnostics and statuses go.
    pub color: bool,
    /// Color on stdout, where test results go.
    pub color_stdout: bool,
}

impl Output {
    pub fn new(color: bool, color_stdout: bool) -> Output {
        Output { color, color_stdout }
    }

    /// Prints diagnostics, at most [`SHOWN_PER_FILE`] of each file, and returns how many were errors.
    pub fn diagnostics(&self, diagnostics: &[Diagnostic], files: &Files) -> usize {
        let (shown, omitted) = shown_per_file(diagnostics);
        for d in shown {
            eprintln!("{}", render(d, files, self.color));
        }
        for (file, n) in omitted {
            eprintln!(
                "{} {n} more in {} not shown (the first {SHOWN_PER_FILE} of each file are); fix these and check again\n",
                self.paint("note:", "1;36"),
                files.get(file).name,
            );
        }
        diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// A problem with the user's input that is not tied to a source span (a missing file, a bad manifest).
    pub fn user_error(&self, message: &str) -> ExitCode {
        eprintln!("{} {message}", self.paint("error:", "1;31"));
        ExitCode::from(1)
    }

    /// Something the user should know that does not stop the command.
    pub fn warning(&self, message: &str) {
        eprintln!("{} {message}", self.paint("warning:", "1;33"));
    }

    pub fn status(&self, verb: &str, message: &str) {
        eprintln!("{:>12} {message}", self.paint(verb, "1;32"));
    }

    /// A runtime error: the diagnostic at the place it happened, then the `.pw` stack.
    pub fn runtime_error(&self, error: &RuntimeError, files: &Files) {
        eprint!("{}", render(&error.to_diagnostic(), files, self.color));
        eprintln!("{}", error.render_trace(files));
    }

    pub fn paint(&self, text: &str, ansi: &str) -> String {
        paint(text, ansi, self.color)
    }

    pub fn paint_stdout(&self, text: &str, ansi: &str) -> String {
        paint(text, ansi, self.color_stdout)
    }
}

fn paint(text: &str, ansi: &str, color: bool) -> String {
    if color {
        format!("\x1b[{ansi}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}
