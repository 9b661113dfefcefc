//! Runtime errors: what went wrong, where, and the `.pw` call stack that led there.

use paw_diagnostics::{Diagnostic, Files, Label, Span};

/// The kinds of runtime error, each with a stable code explained in `paw_diagnostics::codes::runtime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    DivisionByZero,
    Overflow,
    IndexOutOfRange,
    MissingKey,
    Json,
    Io,
    /// Standard output was closed by its reader (`pawc run … | head`): the program stops there, and
    /// [`crate::run_main_with`] ends successfully without a report, as Unix tools do.
    OutputClosed,
    Panic,
    AssertionFailed,
    RecursionTooDeep,
    Fuzzy,
    InvalidNumber,
    /// A value of a shape the checker should have ruled out: a bug in paw, not in the program.
    Internal,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::DivisionByZero => "E0900",
            ErrorKind::Overflow => "E0901",
            ErrorKind::IndexOutOfRange => "E0902",
            ErrorKind::MissingKey => "E0903",
            ErrorKind::Json => "E0904",
            ErrorKind::Io | ErrorKind::OutputClosed => "E0905",
            ErrorKind::Panic => "E0906",
            ErrorKind::AssertionFailed => "E0907",
            ErrorKind::RecursionTooDeep => "E0908",
            ErrorKind::Fuzzy => "E0909",
            ErrorKind::InvalidNumber => "E0910",
            ErrorKind::Internal => "E0999",
        }
    }

    /// The short text under the source span.
    fn label(self) -> &'static str {
        match self {
            ErrorKind::DivisionByZero => "divided by zero here",
            ErrorKind::Overflow => "overflowed here",
            ErrorKind::IndexOutOfRange => "index out of range",
            ErrorKind::MissingKey => "key not found",
            ErrorKind::Json => "JSON access failed here",
            ErrorKind::Io => "I/O failed here",
            ErrorKind::OutputClosed => "output closed here",
            ErrorKind::Panic => "panicked here",
            ErrorKind::AssertionFailed => "assertion failed",
            ErrorKind::RecursionTooDeep => "this call went too deep",
            ErrorKind::Fuzzy => "fuzzy call failed",
            ErrorKind::InvalidNumber => "invalid number here",
            ErrorKind::Internal => "internal error here",
        }
    }
}

/// One frame of the `.pw` stack: the function and the place in it that was executing (innermost first).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceFrame {
    pub function: String,
    pub span: Span,
}

/// An error that stopped the program (or a test).
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeError {
    pub kind: ErrorKind,
    pub message: String,
    pub help: Option<String>,
    /// Where it happened. `None` only while a native's error travels to the call that located it.
    pub span: Option<Span>,
    /// The `.pw` stack, innermost frame first; complete once the error leaves `run_main`/`run_tests`.
    pub trace: Vec<TraceFrame>,
    /// The place in the function the error is currently unwinding out of (becomes its frame's span).
    pub(crate) unwinding_at: Option<Span>,
}

impl RuntimeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError {
            kind,
            message: message.into(),
            help: None,
            span: None,
            trace: Vec::new(),
            unwinding_at: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> RuntimeError {
        self.help = Some(help.into());
        self
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub(crate) fn internal(message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(ErrorKind::Internal, format!("internal error: {}", message.into()))
            .with_help("this is a bug in paw, not in your program; please report it")
    }

    /// Gives a not yet located error the place it happened.
    pub fn locate(&mut self, span: Span) {
        if self.span.is_none() {
            self.span = Some(span);
        }
        if self.unwinding_at.is_none() {
            self.unwinding_at = Some(span);
        }
    }

    /// Records that the error left the function `name`, which was called from `call_site`.
    pub fn leave_frame(&mut self, name: &str, call_site: Option<Span>) {
        let span = self.unwinding_at.or(self.span).unwrap_or_default();
        self.trace.push(TraceFrame {
            function: name.to_owned(),
            span,
        });
        self.unwinding_at = call_site;
    }

    /// The error as a diagnostic: message, the span labelled, help.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(
            self.code(),
            &self.message,
            Label::new(self.span.unwrap_or_default(), self.kind.label()),
        );
        d.help = self.help.clone();
        d
    }

    /// The `.pw` stack as text, one `  at NAME (FILE:LINE:COL)` line per frame, innermost first. A run of
    /// identical frames (runaway recursion) is shown once, with how often it repeats.
    pub fn render_trace(&self, files: &Files) -> String {
        let mut out = String::new();
        let mut frames = self.trace.iter().peekable();
        while let Some(frame) = frames.next() {
            let (line, col) = files.line_col(frame.span);
            out.push_str(&format!(
                "  at {} ({}:{line}:{col})\n",
                frame.function,
                files.get(frame.span.file).name
            ));
            let mut repeats = 0;
            while frames.next_if(|next| *next == frame).is_some() {
                repeats += 1;
            }
            if repeats > 0 {
                out.push_str(&format!(
                    "  ... the frame above repeats {repeats} more time{}\n",
                    if repeats == 1 { "" } else { "s" }
                ));
            }
        }
        out
    }
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error[{}]: {}", self.code(), self.message)
    }
}

impl std::error::Error for RuntimeError {}

#[cfg(test)]
mod tests {
    use super::*;
    use paw_diagnostics::FileId;

    const KINDS: [ErrorKind; 12] = [
        ErrorKind::DivisionByZero,
        ErrorKind::Overflow,
        ErrorKind::IndexOutOfRange,
        ErrorKind::MissingKey,
        ErrorKind::Json,
        ErrorKind::Io,
        ErrorKind::Panic,
        ErrorKind::AssertionFailed,
        ErrorKind::RecursionTooDeep,
        ErrorKind::Fuzzy,
        ErrorKind::InvalidNumber,
        ErrorKind::Internal,
    ];

    #[test]
    fn every_code_has_a_long_explanation() {
        for kind in KINDS {
            assert!(
                paw_diagnostics::explain(kind.code()).is_some(),
                "{} is not explained",
                kind.code()
            );
        }
    }

    #[test]
    fn trace_names_each_frame_with_its_position() {
        let mut files = Files::new();
        let file = files.add(
            "src/main.pw",
            "fn f() {\n    panic(\"x\");\n}\nfn main() {\n  f();\n}\n",
        );
        let mut e = RuntimeError::new(ErrorKind::Panic, "panicked: x");
        e.locate(Span::new(file, 13, 23));
        e.leave_frame("f", Some(Span::new(file, 41, 44)));
        e.leave_frame("main", None);
        assert_eq!(
            e.render_trace(&files),
            "  at f (src/main.pw:2:5)\n  at main (src/main.pw:5:3)\n"
        );
        e.trace.insert(0, e.trace[0].clone());
        e.trace.insert(0, e.trace[0].clone());
        assert_eq!(
            e.render_trace(&files),
            "  at f (src/main.pw:2:5)\n  ... the frame above repeats 2 more times\n  at main (src/main.pw:5:3)\n"
        );
        let d = e.to_diagnostic();
        assert_eq!((d.code, d.primary.span), ("E0906", Span::new(FileId(0), 13, 23)));
    }
}
