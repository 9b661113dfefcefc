//! Showing diagnostics to people, through miette's graphical report.

use std::fmt;

use std::ops::Range;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use crate::files::{floor_char_boundary, SourceFile};
use crate::{Diagnostic, Files, Severity};

/// Lines shown around the labels of a diagnostic (miette shows one before and one after; two leave room).
const CONTEXT_LINES: usize = 2;

/// Bytes shown on each side of the labels at most: a megabyte-long line is cut around what it points at, while
/// lines of ordinary source are shown whole.
const LINE_CONTEXT_BYTES: usize = 1024;

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
    source: Snippet,
    labels: Vec<LabeledSpan>,
}

impl Report {
    fn new(d: &Diagnostic, files: &Files) -> Report {
        let file = files.get(d.primary.span.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            non_empty(&d.primary.message),
            to_source_span(file, d.primary.span.range()),
        )];
        let mut notes = d.notes.clone();
        for label in &d.secondary {
            if label.span.file == d.primary.span.file {
                labels.push(LabeledSpan::new_with_span(
                    non_empty(&label.message),
                    to_source_span(file, label.span.range()),
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
            source: Snippet::around(file, &labels),
            labels,
        }
    }
}

/// The part of a file a report shows: the lines around its labels, cut short on very long lines. miette reads
/// sources by scanning from their first byte, so handing it the whole file made every report cost time in
/// proportion to the file, and thousands of them quadratic time.
struct Snippet {
    name: String,
    text: std::sync::Arc<str>,
    /// The bytes of `text` miette sees.
    window: Range<usize>,
    /// 0-based line of `window.start`, and its byte column when the window starts inside a long line.
    line: usize,
    column: usize,
}

impl Snippet {
    fn around(file: &SourceFile, labels: &[LabeledSpan]) -> Snippet {
        let text = &file.text;
        let first = labels.iter().map(|l| l.offset()).min().unwrap_or(0).min(text.len());
        let last = labels
            .iter()
            .map(|l| l.offset() + l.len())
            .max()
            .unwrap_or(0)
            .min(text.len());
        let first_line = file.line_of(first).saturating_sub(CONTEXT_LINES);
        let last_line = file.line_of(last) + CONTEXT_LINES;
        let start = file
            .line_start(first_line)
            .max(floor_char_boundary(text, first.saturating_sub(LINE_CONTEXT_BYTES)));
        let end = file
            .line_end(last_line)
            .min(ceil_char_boundary(text, last + LINE_CONTEXT_BYTES));
        let line = file.line_of(start);
        Snippet {
            name: file.name.clone(),
            text: text.clone(),
            window: start..end,
            line,
            column: start - file.line_start(line),
        }
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span
            .offset()
            .checked_sub(self.window.start)
            .ok_or(MietteError::OutOfBounds)?;
        let window = self.text[self.window.clone()].as_bytes();
        let inner = window.read_span(
            &SourceSpan::new(start.into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        let column = match inner.line() {
            0 => inner.column() + self.column,
            _ => inner.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + self.window.start).into(), inner.span().len()),
            inner.line() + self.line,
            column,
            inner.line_count() + self.line,
        )))
    }
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn non_empty(message: &str) -> Option<String> {
    (!message.is_empty()).then(|| message.to_string())
}

/// The span miette underlines. One over [`LINE_CONTEXT_BYTES`] (an unterminated string in a megabyte-long line)
/// is cut to the end of its first line within that bound: its start is what the message is about.
fn to_source_span(file: &SourceFile, range: Range<usize>) -> SourceSpan {
    let end = match range.len() > LINE_CONTEXT_BYTES {
        true => {
            let line_end = file.line_end(file.line_of(range.start));
            floor_char_boundary(&file.text, line_end.min(range.start + LINE_CONTEXT_BYTES)).max(range.start)
        }
        false => range.end,
    };
    SourceSpan::new(range.start.into(), end - range.start)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{shown_per_file, Label, Span, SHOWN_PER_FILE};

    fn error_at(file: crate::FileId, start: u32, end: u32) -> Diagnostic {
        Diagnostic::error("E0001", "bad", Label::new(Span { file, start, end }, "here"))
    }

    #[test]
    fn a_report_in_a_long_file_shows_the_right_line_and_only_its_neighbours() {
        let mut files = Files::new();
        let text: String = (1..=5000).map(|i| format!("line {i}\n")).collect();
        let offset = text.find("line 4000\n").unwrap() as u32;
        let file = files.add("big.pw", text);
        let shown = render(&error_at(file, offset, offset + 4), &files, false);
        assert!(shown.contains("big.pw:4000:1"), "{shown}");
        assert!(shown.contains("line 3999") && shown.contains("line 4000") && shown.contains("line 4001"));
        assert!(!shown.contains("line 3997") && !shown.contains("line 4003"), "{shown}");
    }

    #[test]
    fn a_megabyte_line_is_cut_around_the_label() {
        let mut files = Files::new();
        let text = format!("{}\"unterminated {}", "x".repeat(500_000), "y".repeat(500_000));
        let file = files.add("line.pw", text);
        let shown = render(&error_at(file, 500_000, 1_000_014), &files, false);
        assert!(shown.contains("line.pw:1:500001"), "{}", &shown[..300.min(shown.len())]);
        assert!(shown.contains("\"unterminated"));
        assert!(shown.len() < 4 * 3 * LINE_CONTEXT_BYTES, "{} bytes", shown.len());
    }

    #[test]
    fn at_most_a_hundred_diagnostics_of_a_file_are_shown() {
        let mut files = Files::new();
        let a = files.add("a.pw", "x".repeat(1000));
        let b = files.add("b.pw", "x".repeat(1000));
        let mut all: Vec<Diagnostic> = (0..250).map(|i| error_at(a, i, i + 1)).collect();
        all.extend((0..3).map(|i| error_at(b, i, i + 1)));
        let (shown, omitted) = shown_per_file(&all);
        assert_eq!(shown.len(), SHOWN_PER_FILE + 3);
        assert_eq!(shown[SHOWN_PER_FILE - 1].primary.span.start, SHOWN_PER_FILE as u32 - 1);
        assert_eq!(omitted, vec![(a, 150)]);
    }
}
