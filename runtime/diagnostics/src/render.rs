//! Showing diagnostics to people, through miette's graphical report.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::{Diagnostic, Files, Severity};

/// Renders one diagnostic as miette's report. `color` chooses ANSI colors (for terminals) or plain text
/// (for pipes, files and snapshot tests).
pub fn render(diagnostic: &Diagnostic, files: &Files, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    let report = Report::new(diagnostic, files);
    // Writing into a String cannot fail.
    let _ = handler.render_report(&mut out, &report);
    out
}

/// Renders many diagnostics, one after another.
pub fn render_all(diagnostics: &[Diagnostic], files: &Files, color: bool) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render(d, files, color));
        out.push('\n');
    }
    out
}

/// A diagnostic bound to its source, in the shape miette wants. Labels in other files than the primary
/// label's become notes naming the file and line, since a miette report shows one source.
struct Report {
    message: String,
    code: &'static str,
    severity: Severity,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
}

impl Report {
    fn new(d: &Diagnostic, files: &Files) -> Report {
        let file = files.get(d.primary.span.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            non_empty(&d.primary.message),
            to_source_span(d.primary.span.range()),
        )];
        let mut notes = d.notes.clone();
        for label in &d.secondary {
            if label.span.file == d.primary.span.file {
                labels.push(LabeledSpan::new_with_span(
                    non_empty(&label.message),
                    to_source_span(label.span.range()),
                ));
            } else {
                let (line, col) = files.line_col(label.span);
                notes.push(format!(
                    "{}:{line}:{col}: {}",
                    files.get(label.span.file).name,
                    label.message
                ));
            }
        }
        let help = match (&d.help, notes.is_empty()) {
            (Some(h), true) => Some(h.clone()),
            (h, false) => {
                let mut text = notes
                    .iter()
                    .map(|n| format!("note: {n}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                if let Some(h) = h {
                    text = format!("{h}\n{text}");
                }
                Some(text)
            }
            (None, true) => None,
        };
        Report {
            message: d.message.clone(),
            code: d.code,
            severity: d.severity,
            help,
            source: NamedSource::new(file.name.clone(), file.text.to_string()),
            labels,
        }
    }
}

fn non_empty(message: &str) -> Option<String> {
    (!message.is_empty()).then(|| message.to_string())
}

fn to_source_span(range: std::ops::Range<usize>) -> SourceSpan {
    SourceSpan::new(range.start.into(), range.end - range.start)
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
