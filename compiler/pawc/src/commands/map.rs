//! `pawc map FUNCTION INPUT [--out FILE] [--project PATH]`: one built fuzzy fn over every row of a file, one
//! JSON result per row, in input order. Rows are read by the rules of `paw.toml` data files
//! (`paw_build::input_row`: JSON Lines `{"args": [...]}`, or text for a function of one `str` parameter) and
//! answered as `pawc eval` answers them. Each result is appended and flushed as it is made, so a run that
//! stops (a crash, Ctrl-C) is continued by running the same command again: rows whose lines the `--out` file
//! already holds are skipped and a torn last line is dropped. A bad row is an `{"line": N, "error": ...}`
//! result and a message on stderr; the run goes on and exits 1 at the end.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use paw_artifact::function_key;
use paw_build::{input_row, Format};
use paw_fuzzy::{each_answer, ReadyProgram, CALLS_PER_BATCH};
use serde_json::{json, Value};

use crate::built::{find, Builds, RemoteArgs};
use crate::output::Output;
use crate::pipeline::{load_and_check, plural};

pub struct MapArgs<'a> {
    pub function: &'a str,
    pub input: &'a Path,
    pub out: Option<&'a Path>,
    pub project: Option<&'a Path>,
    pub remote: &'a RemoteArgs,
}

pub fn run(args: MapArgs, out: &Output) -> ExitCode {
    match map(&args, out) {
        Ok(code) => code,
        Err(message) => out.user_error(&message),
    }
}

fn map(args: &MapArgs, out: &Output) -> Result<ExitCode, String> {
    let loaded = match load_and_check(args.project, out) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let program = &loaded.analysis.checked.program;
    let f = find(program, args.function)?;
    let key = function_key(&f.module, &f.name);
    let builds = Builds::open(&loaded, args.remote)?;
    let (_, artifact) = builds.artifact(f, program).map_err(|e| e.to_string())?;
    let spec = &artifact.meta.spec;
    let input = args.input.display().to_string();
    let format =
        Format::of_inputs(args.input, &input, spec).map_err(|e| format!("{}\n  help: {}", e.message, e.help))?;

    let lines: HashSet<usize> = rows(args.input)?
        .map(|row| row.map(|(n, _)| n))
        .collect::<Result<_, _>>()?;
    let mut results = Results::open(args.out)?;
    if let Some(n) = results.done.iter().find(|n| !lines.contains(*n)) {
        return Err(format!(
            "{} has a result for line {n}, which is not a row of {input}: it was made from another input\n  help: \
             pass another --out, or remove the file to start over",
            args.out.map(|p| p.display().to_string()).unwrap_or_default()
        ));
    }
    if !results.done.is_empty() {
        out.status(
            "Resuming",
            &format!(
                "{} of {} already answered",
                results.done.len(),
                plural(lines.len(), "row")
            ),
        );
    }
    let mut failed = results.errors;
    if results.done.len() < lines.len() {
        let interpreter = builds.load_interpreter(builds.interpreter())?;
        let program = interpreter
            .program(&artifact)
            .map_err(|e| format!("fuzzy fn `{key}`: {e}"))?;
        if let Some(caveat) = program.caveat() {
            out.warning(&format!("fuzzy fn `{key}`: {caveat}"));
        }
        let bar = ProgressBar::new(lines.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("  Mapping [{bar:30}] {pos}/{len} rows, {per_sec}, ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_position(results.done.len() as u64);
        bar.reset_eta();
        let started = Instant::now();
        let mut answered = 0;
        // Rows are answered side by side, a batch at a time; their results are written in input order.
        let mut batch = Vec::with_capacity(CALLS_PER_BATCH);
        let mut rows = rows(args.input)?.peekable();
        while let Some(row) = rows.next() {
            let (n, text) = row?;
            if !results.done.contains(&n) {
                let call = text
                    .ok_or_else(|| ("not valid UTF-8".to_string(), "save the file as UTF-8".to_string()))
                    .and_then(|line| input_row(format, &line, &key, spec).map_err(|e| (e.message, e.help)));
                batch.push((n, call));
            }
            if batch.len() < CALLS_PER_BATCH && rows.peek().is_some() {
                continue;
            }
            for result in answer_rows(&program, std::mem::take(&mut batch), &key, &input, out, &bar) {
                failed += result.get("error").is_some() as usize;
                results.write(&result)?;
                answered += 1;
                bar.inc(1);
            }
        }
        bar.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        out.status(
            "Finished",
            &format!(
                "{} in {seconds:.1}s ({:.1} rows/s)",
                plural(answered, "row"),
                answered as f64 / seconds.max(1e-9)
            ),
        );
    }
    if failed > 0 {
        let whole = match args.out {
            Some(path) => format!(
                " (their results in {} are `{{\"line\": N, \"error\": ...}}`)",
                path.display()
            ),
            None => String::new(),
        };
        eprintln!(
            "{} {} of {} could not be answered{whole}",
            out.paint("error:", "1;31"),
            plural(failed, "row"),
            lines.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Why a row cannot be called: the message and what to do.
type BadRow = (String, String);

/// The results of a batch of rows (line number, and the call's arguments or why the row is bad), in order; each
/// bad row and failed call is also reported on stderr.
fn answer_rows(
    program: &ReadyProgram,
    batch: Vec<(usize, Result<Vec<Value>, BadRow>)>,
    key: &str,
    input: &str,
    out: &Output,
    bar: &ProgressBar,
) -> Vec<Value> {
    let calls: Vec<Vec<Value>> = batch
        .iter()
        .filter_map(|(_, call)| call.as_ref().ok().cloned())
        .collect();
    let mut answers = each_answer(program.call_many(&calls), calls.len()).into_iter();
    let report = |n: usize, message: &str, help: Option<&str>| {
        let help = help.map(|h| format!("\n  help: {h}")).unwrap_or_default();
        bar.suspend(|| eprintln!("{} line {n} of {input}: {message}{help}", out.paint("error:", "1;31")));
        json!({"line": n, "error": message})
    };
    batch
        .into_iter()
        .map(|(n, call)| match call {
            Ok(_) => match answers.next().expect("one answer per call") {
                Ok(answer) => json!({"line": n, "value": answer.value, "confidence": answer.confidence}),
                Err(e) => report(n, &format!("fuzzy fn `{key}`: {e}"), None),
            },
            Err((message, help)) => report(n, &message, Some(&help)),
        })
        .collect()
}

/// The non-blank lines of `path` with their 1-based line numbers; `None` for a line that is not UTF-8. Read as
/// a stream, so an input of any size is never held in memory at once.
fn rows(path: &Path) -> Result<impl Iterator<Item = Result<(usize, Option<String>), String>> + '_, String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lines = BufReader::new(file).split(b'\n').enumerate();
    Ok(lines.filter_map(move |(i, line)| match line {
        Err(e) => Some(Err(format!("cannot read {}: {e}", path.display()))),
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some(Ok((i + 1, Some(text)))),
            Err(_) => Some(Ok((i + 1, None))),
        },
    }))
}

/// Where results go: stdout, or a file that a later run continues.
struct Results {
    sink: Box<dyn Write>,
    /// The line numbers the file already has results for.
    done: HashSet<usize>,
    /// How many of those are errors.
    errors: usize,
}

impl Results {
    /// Stdout without a path. A file is created, or continued: its complete lines are kept (each must be a
    /// result of `pawc map`), a torn last line is cut off, and new results are appended.
    fn open(path: Option<&Path>) -> Result<Results, String> {
        let Some(path) = path else {
            return Ok(Results {
                sink: Box::new(std::io::stdout()),
                done: HashSet::new(),
                errors: 0,
            });
        };
        let shown = path.display();
        let existing = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("cannot read {shown}: {e}")),
        };
        let complete = existing.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let (mut done, mut errors) = (HashSet::new(), 0);
        for (i, line) in existing[..complete].split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let result: Option<Value> = serde_json::from_slice(line).ok();
            let n = result.as_ref().and_then(|r| r.get("line")).and_then(Value::as_u64);
            let Some(n) = n else {
                return Err(format!(
                    "line {} of {shown} is not a result of `pawc map`, so the file cannot be continued\n  help: \
                     pass another --out, or remove the file to start over",
                    i + 1
                ));
            };
            done.insert(n as usize);
            errors += result.is_some_and(|r| r.get("error").is_some()) as usize;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot write {shown}: {e}"))?;
        file.set_len(complete as u64)
            .map_err(|e| format!("cannot write {shown}: {e}"))?;
        Ok(Results {
            sink: Box::new(file),
            done,
            errors,
        })
    }

    /// Writes one result as a whole line and flushes it, so that it survives the process.
    fn write(&mut self, result: &Value) -> Result<(), String> {
        let line = format!("{result}\n");
        self.sink
            .write_all(line.as_bytes())
            .and_then(|()| self.sink.flush())
            .map_err(|e| format!("cannot write a result: {e}"))
    }
}
