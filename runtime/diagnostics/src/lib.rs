//! Source files, spans and diagnostics: the vocabulary every phase of paw uses to talk about user code.
//!
//! Phases never print. They return [`Diagnostic`]s that point into a [`Files`] map; only the CLI and the
//! language server decide how to show them (see [`render`]).

mod codes;
mod diagnostic;
mod files;
pub mod render;
mod span;

pub use codes::{explain, Explanation, ALL_CODES};
pub use diagnostic::{shown_per_file, Diagnostic, Label, Severity, SHOWN_PER_FILE};
pub use files::{Files, SourceFile};
pub use span::{FileId, Span};
