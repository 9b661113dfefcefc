use std::sync::{Arc, OnceLock};

use crate::{FileId, Span};

/// One loaded source file: the name shown to users and its full text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// The byte offset where each line starts, computed on first use. Line lookups are then a binary search,
    /// so showing many diagnostics of a large file costs time in proportion to what is shown, not to the file.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The 0-based line that holds byte `offset` (the last line for offsets past the end).
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts().partition_point(|&start| start <= offset) - 1
    }

    /// The byte offset where 0-based `line` starts (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts().get(line).copied().unwrap_or(self.text.len())
    }

    /// The byte offset where 0-based `line` ends, before its newline.
    pub fn line_end(&self, line: usize) -> usize {
        match self.line_starts().get(line + 1) {
            Some(&next) => next - 1,
            None => self.text.len(),
        }
    }
}

/// Every source file of a program (the user's files and the standard library), addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    pub fn new() -> Files {
        Files::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        let text = &self.get(span.file).text;
        text.get(span.range()).unwrap_or("")
    }

    /// 1-based line and column (in chars) of a span's start, for stack traces and plain-text output.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let file = self.get(span.file);
        let start = floor_char_boundary(&file.text, (span.start as usize).min(file.text.len()));
        let line = file.line_of(start);
        let col = file.text[file.line_start(line)..start].chars().count() + 1;
        (line + 1, col)
    }
}

pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
