use crate::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// A span with a short message shown under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// A problem in user code, written for the user: what happened (`message`), where (`primary`, plus related
/// places in `secondary`), and what to do next (`help`). `code` is stable and has a long form in `pawc explain`.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, primary)
        }
    }

    pub fn with_label(mut self, label: Label) -> Diagnostic {
        self.secondary.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How many diagnostics of one file are shown, in `pawc check` and in the editor. Nobody reads past the first
/// hundred, and past them rendering costs time for nothing.
pub const SHOWN_PER_FILE: usize = 100;

/// The diagnostics to show, in their order, at most [`SHOWN_PER_FILE`] of each file; and for each file with more,
/// how many were left out.
pub fn shown_per_file(diagnostics: &[Diagnostic]) -> (Vec<&Diagnostic>, Vec<(FileId, usize)>) {
    let mut seen: Vec<(FileId, usize)> = Vec::new();
    let mut shown = Vec::new();
    for d in diagnostics {
        let file = d.primary.span.file;
        let count = match seen.iter_mut().find(|(f, _)| *f == file) {
            Some((_, n)) => n,
            None => {
                seen.push((file, 0));
                &mut seen.last_mut().expect("just pushed").1
            }
        };
        *count += 1;
        if *count <= SHOWN_PER_FILE {
            shown.push(d);
        }
    }
    let omitted = seen
        .into_iter()
        .filter(|&(_, n)| n > SHOWN_PER_FILE)
        .map(|(f, n)| (f, n - SHOWN_PER_FILE))
        .collect();
    (shown, omitted)
}
