//! Reading a fuzzy fn's data files (`paw.toml`: `[functions.NAME] inputs = "…"`, `examples = "…"`) into
//! checked rows. Every problem is a diagnostic with the file and line (or the `paw.toml` value that names the
//! file), and a file with any error gives no rows at all: nothing is built from a half-read file.
//!
//! Formats: JSON Lines, one object per non-blank line, `{"args": [...]}` for inputs and `{"args": [...],
//! "expected": VALUE}` for examples (an `"expected"` in an inputs file is not read), in a `.jsonl` (or
//! `.ndjson`) file; a row may carry `"fn"`, which must then name this function. Any other file (`.txt`, a
//! `.log`, …) is text: an inputs file of one input per non-blank line, for a function of one `str` parameter.
//! Files over [`MAX_DATA_FILE_BYTES`] are refused; of larger row counts than the function's budget (`sample`,
//! by default [`DEFAULT_INPUTS_SAMPLE`] and [`DEFAULT_EXAMPLES_SAMPLE`]), a
//! deterministic sample is kept (the rows whose blake3 hashes are smallest, in file
//! order), so appending rows changes the sample little.

use std::path::{Path, PathBuf};

use paw_artifact::{FunctionData, Spec, SpecExample, TypeSpec};
use paw_diagnostics::{Diagnostic, FileId, Files, Label, Span};
use paw_fuzzy::fits;
use serde_json::Value;

/// The largest data file read.
pub const MAX_DATA_FILE_BYTES: u64 = 64 << 20;
/// Labeled rows used from an `examples` file when `paw.toml` sets no `sample`.
pub const DEFAULT_EXAMPLES_SAMPLE: usize = 200;
/// Unlabeled rows used from an `inputs` file when `paw.toml` sets no `sample`: each is read by the compiler
/// model (1.5B) to label it, the bulk of such a build (~0.6 s a row on 2 AVX2 cores), and 100 rows train as good
/// a program as 200 did on the dev suite (BENCHMARKS.md, "Compiling from data").
pub const DEFAULT_INPUTS_SAMPLE: usize = 100;

/// One data file named in `paw.toml`: where, and the span of its name there (for diagnostics).
pub struct DataFile {
    pub path: PathBuf,
    /// The file's name as shown to the user.
    pub display: String,
    pub named_at: Span,
}

/// A function's data files and its row budget (`None`: the defaults).
pub struct DataDecl<'a> {
    /// The function's key (`module.name`) and bare name: a row's `"fn"` may give either.
    pub key: &'a str,
    pub inputs: Option<DataFile>,
    pub examples: Option<DataFile>,
    pub sample: Option<usize>,
}

/// Reads and checks `decl`'s files against `spec`; the files are added to `files` so that diagnostics can
/// show their lines. Returns the rows (`None` if there was an error) and every diagnostic, warnings included.
pub fn read_data(decl: &DataDecl, spec: &Spec, files: &mut Files) -> (Option<FunctionData>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut data = FunctionData::default();
    if let Some(file) = &decl.inputs {
        if let Some(rows) = read_rows(file, decl, spec, Kind::Inputs, files, &mut diagnostics) {
            let budget = decl.sample.unwrap_or(DEFAULT_INPUTS_SAMPLE);
            data.inputs = sample(rows, budget).into_iter().map(|e| e.args).collect();
        }
    }
    if let Some(file) = &decl.examples {
        if let Some(rows) = read_rows(file, decl, spec, Kind::Examples, files, &mut diagnostics) {
            data.examples = sample(rows, decl.sample.unwrap_or(DEFAULT_EXAMPLES_SAMPLE));
        }
    }
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    (ok.then_some(data), diagnostics)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Inputs,
    Examples,
}

/// The rows of one file (examples without `expected` for inputs), or `None` after reporting its errors.
fn read_rows(
    file: &DataFile,
    decl: &DataDecl,
    spec: &Spec,
    kind: Kind,
    files: &mut Files,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<SpecExample>> {
    let named = |code, message: String, label: &str, help: String| {
        Diagnostic::error(code, message, Label::new(file.named_at, label)).with_help(help)
    };
    let size = match std::fs::metadata(&file.path) {
        Ok(m) => m.len(),
        Err(e) => {
            diagnostics.push(named(
                "E0501",
                format!("cannot read the data file {}: {e}", file.display),
                "named here",
                "check the path: it is relative to the project's root (the folder of paw.toml)".into(),
            ));
            return None;
        }
    };
    if size > MAX_DATA_FILE_BYTES {
        diagnostics.push(named(
            "E0502",
            format!(
                "the data file {} is {} MiB; paw reads data files of up to {} MiB",
                file.display,
                size >> 20,
                MAX_DATA_FILE_BYTES >> 20
            ),
            "named here",
            "keep a representative part of it: paw uses at most `sample` rows of it anyway (by default 100 inputs, 200 examples)".into(),
        ));
        return None;
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => {
            diagnostics.push(named(
                "E0501",
                format!("cannot read the data file {}: {e}", file.display),
                "named here",
                "check that the file is readable".into(),
            ));
            return None;
        }
    };
    let format = match Format::of(&file.path, &file.display, spec, kind) {
        Ok(format) => format,
        Err(e) => {
            diagnostics.push(named(e.problem.code(), e.message, "named here", e.help));
            return None;
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let id = files.add(file.display.clone(), text);
    let before = diagnostics.len();
    let mut rows = Vec::new();
    let mut offset = 0;
    for (n, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = Line {
            file: id,
            start: offset,
            // The lossy text has the same line breaks; a line with invalid UTF-8 is marked as a whole.
            end: offset + String::from_utf8_lossy(raw).len(),
        };
        offset = line.end + 1;
        let Ok(content) = std::str::from_utf8(raw) else {
            diagnostics.push(line.error(
                RowProblem::Malformed.code(),
                format!("line {} of {} is not valid UTF-8", n + 1, file.display),
                "here",
                "save the file as UTF-8",
            ));
            continue;
        };
        if content.trim().is_empty() {
            continue;
        }
        let row = match kind {
            Kind::Inputs => input_row(format, content, decl.key, spec).map(|args| SpecExample {
                args,
                expected: Value::Null,
            }),
            Kind::Examples => parse_row(content, decl.key, spec, kind),
        };
        match row {
            Ok(row) => rows.push((row, line.span())),
            Err(e) => diagnostics.push(line.error(
                e.problem.code(),
                format!("line {} of {}: {}", n + 1, file.display, e.message),
                "this row",
                &e.help,
            )),
        }
    }
    // Rows that repeat a docstring example are reported and dropped: they are already in the prompt.
    rows.retain(|(row, span)| {
        let repeats = spec.examples.iter().any(|e| {
            e.args.len() == row.args.len()
                && spec
                    .params
                    .iter()
                    .zip(e.args.iter().zip(&row.args))
                    .all(|(p, (a, b))| p.ty.same_value(a, b))
        });
        if repeats {
            diagnostics.push(
                Diagnostic::warning(
                    "W0501",
                    format!(
                        "a row of {} repeats a docstring example of `{}`; it is not used again",
                        file.display, spec.name
                    ),
                    Label::new(*span, "this row"),
                )
                .with_help("remove the row, or the example from the docstring"),
            );
        }
        !repeats
    });
    (diagnostics[before..].iter().all(|d| !d.is_error())).then(|| rows.into_iter().map(|(row, _)| row).collect())
}

/// A line of a data file, for diagnostics.
struct Line {
    file: FileId,
    start: usize,
    end: usize,
}

impl Line {
    fn span(&self) -> Span {
        Span::new(self.file, self.start, self.end)
    }

    fn error(&self, code: &'static str, message: String, label: &str, help: &str) -> Diagnostic {
        Diagnostic::error(code, message, Label::new(self.span(), label)).with_help(help)
    }
}

/// How the lines of a data file (or of `pawc map`'s input) are read, by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    /// `.jsonl` or `.ndjson`: one JSON object per line.
    JsonLines,
    /// Anything else: one `str` input per line.
    Text,
}

impl Format {
    /// The format of `path` (shown as `display`) for rows of `kind`, or why it cannot hold them: text holds
    /// only the inputs of a function of one `str` parameter.
    fn of(path: &Path, display: &str, spec: &Spec, kind: Kind) -> Result<Format, RowError> {
        if path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson") {
            return Ok(Format::JsonLines);
        }
        if kind == Kind::Inputs && matches!(spec.params.as_slice(), [p] if p.ty == TypeSpec::Str) {
            return Ok(Format::Text);
        }
        Err(RowError {
            problem: RowProblem::TextFile,
            message: format!(
                "{display} is read as text (one input per line: it is not .jsonl), which can only hold the inputs \
                 of a function of one `str` parameter"
            ),
            help: format!(
                "write it as JSON Lines (.jsonl), one {} per line",
                if kind == Kind::Examples {
                    "{\"args\": [...], \"expected\": ...}"
                } else {
                    "{\"args\": [...]}"
                }
            ),
        })
    }

    /// The format of an inputs file at `path` (shown as `display`) for `spec`.
    pub fn of_inputs(path: &Path, display: &str, spec: &Spec) -> Result<Format, RowError> {
        Format::of(path, display, spec, Kind::Inputs)
    }
}

/// What is wrong with a row, a request body or a data file's format; each has its diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RowProblem {
    /// Not JSON, not an object, an unknown key, no `args` list, or not UTF-8.
    Malformed,
    /// The arguments (or the expected answer) do not fit the signature.
    Mismatch,
    /// The row's `fn` names another function.
    OtherFunction,
    /// A text file for rows that text cannot hold.
    TextFile,
}

impl RowProblem {
    pub fn code(self) -> &'static str {
        match self {
            RowProblem::Malformed => "E0503",
            RowProblem::Mismatch => "E0504",
            RowProblem::OtherFunction => "E0505",
            RowProblem::TextFile => "E0507",
        }
    }
}

/// Why a row cannot be used: the message says what is wrong, `help` what to write instead.
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    pub problem: RowProblem,
    pub message: String,
    pub help: String,
}

impl RowError {
    fn new(problem: RowProblem, message: impl Into<String>, help: impl Into<String>) -> RowError {
        RowError {
            problem,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// One non-blank line of an inputs file in `format` as the arguments of a call of `spec` (whose key, as a
/// row's `"fn"` may give it, is `key`): the rule for `paw.toml` inputs, `pawc map`'s rows and `pawc serve`'s
/// request bodies alike. A text line is the one `str` argument, without a trailing `\r`.
pub fn input_row(format: Format, line: &str, key: &str, spec: &Spec) -> Result<Vec<Value>, RowError> {
    match format {
        Format::Text => Ok(vec![Value::String(line.trim_end_matches('\r').to_string())]),
        Format::JsonLines => parse_row(line, key, spec, Kind::Inputs).map(|row| row.args),
    }
}

/// One JSON Lines row, checked against the signature.
fn parse_row(content: &str, key: &str, spec: &Spec, kind: Kind) -> Result<SpecExample, RowError> {
    let value: Value = serde_json::from_str(content).map_err(|e| {
        RowError::new(
            RowProblem::Malformed,
            format!("invalid JSON: {e}"),
            "each line holds one JSON object, such as {\"args\": [\"…\"]}",
        )
    })?;
    let Value::Object(mut object) = value else {
        return Err(RowError::new(
            RowProblem::Malformed,
            "a row must be a JSON object",
            "write {\"args\": [...]} on each line",
        ));
    };
    if let Some(unknown) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "args" | "expected" | "fn"))
    {
        return Err(RowError::new(
            RowProblem::Malformed,
            format!("unknown key `{unknown}`"),
            "a row has `args`, `expected` (examples) and optionally `fn`",
        ));
    }
    if let Some(f) = object.get("fn") {
        let name = f.as_str().unwrap_or_default();
        if name != spec.name && name != key {
            return Err(RowError::new(
                RowProblem::OtherFunction,
                format!(
                    "the row is for `{}`, not `{}`",
                    f.as_str().map_or(f.to_string(), str::to_string),
                    spec.name
                ),
                "give each function its own file, or remove the row",
            ));
        }
    }
    let Some(Value::Array(args)) = object.remove("args") else {
        return Err(RowError::new(
            RowProblem::Malformed,
            "the row has no `args` list",
            format!(
                "write the arguments of one call as a list: {{\"args\": [...]}} for `{}`",
                spec.signature()
            ),
        ));
    };
    if args.len() != spec.params.len() {
        return Err(RowError::new(
            RowProblem::Mismatch,
            format!(
                "{} arguments, but `{}` takes {}",
                args.len(),
                spec.signature(),
                spec.params.len()
            ),
            "give one value per parameter, in order",
        ));
    }
    for (p, a) in spec.params.iter().zip(&args) {
        if !fits(a, &p.ty) {
            return Err(RowError::new(
                RowProblem::Mismatch,
                format!("argument `{}` is {a}, which is not a `{}`", p.name, p.ty.name()),
                format!("`{}` takes `{}: {}`", spec.name, p.name, p.ty.name()),
            ));
        }
    }
    let expected = match (kind, object.remove("expected")) {
        (Kind::Inputs, _) => Value::Null,
        (Kind::Examples, None) => {
            return Err(RowError::new(
                RowProblem::Mismatch,
                "the row has no `expected` answer",
                "an examples file holds labeled rows; name unlabeled ones in `inputs` instead",
            ))
        }
        (Kind::Examples, Some(v)) if !fits(&v, &spec.ret) => {
            return Err(RowError::new(
                RowProblem::Mismatch,
                format!("`expected` is {v}, which is not a `{}`", spec.ret.name()),
                format!("`{}` returns `{}`", spec.name, spec.ret.name()),
            ))
        }
        (Kind::Examples, Some(v)) => v,
    };
    Ok(SpecExample { args, expected })
}

/// At most `budget` rows: those whose canonical JSON hashes smallest, kept in file order.
fn sample(rows: Vec<SpecExample>, budget: usize) -> Vec<SpecExample> {
    if rows.len() <= budget {
        return rows;
    }
    let mut ranked: Vec<(blake3::Hash, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                blake3::hash(serde_json::json!([r.args, r.expected]).to_string().as_bytes()),
                i,
            )
        })
        .collect();
    ranked.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(a.1.cmp(&b.1)));
    let mut keep: Vec<usize> = ranked.into_iter().take(budget).map(|(_, i)| i).collect();
    keep.sort_unstable();
    let mut rows: Vec<Option<SpecExample>> = rows.into_iter().map(Some).collect();
    keep.into_iter().filter_map(|i| rows[i].take()).collect()
}
