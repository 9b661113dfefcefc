//! Reading source files into a [`Files`] map. Bytes that are not UTF-8 are a diagnostic, not a crash.

use std::path::Path;

use paw_diagnostics::{Diagnostic, FileId, Files, Label, Span};

/// Reads one source file. Invalid UTF-8 is replaced (so the rest of the file can still be checked) and reported
/// at the first bad byte. An unreadable file is an `Err` with a message for the user.
pub fn read_source(files: &mut Files, path: &Path, display: String) -> Result<(FileId, Option<Diagnostic>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((files.add(display, text), None)),
        Err(e) => {
            let valid_up_to = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The lossy text has a replacement character where the first bad byte was.
            let file = files.add(display, text);
            let span = Span::new(file, valid_up_to, valid_up_to + '\u{FFFD}'.len_utf8());
            let diagnostic = Diagnostic::error(
                "E0090",
                "this file is not valid UTF-8",
                Label::new(span, format!("invalid byte at offset {valid_up_to}")),
            )
            .with_help("save the file as UTF-8 (most editors offer this under \"encoding\")");
            Ok((file, Some(diagnostic)))
        }
    }
}

/// Writes `content` to `path` atomically: a reader sees the old file or the new one, never half of it.
pub fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.pawc-tmp-{}", std::process::id()));
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
