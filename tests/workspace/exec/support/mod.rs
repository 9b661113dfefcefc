//! Running `.pw` sources through the real pipeline (parse, check, execute) with captured streams.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use paw_check::{check_file, Checked, NoLoader};
use paw_diagnostics::Files;
use paw_runtime::{run_main, run_tests, FuzzyBackend, RunOptions, RuntimeError, TestOutcome, Unbuilt};

/// A writer whose bytes can be read after the run.
#[derive(Clone, Default)]
pub struct SharedOutput(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedOutput {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A program that checked without errors, with its files (for spans and traces).
pub struct Compiled {
    pub checked: Checked,
    pub files: Files,
}

/// Parses and checks `source` as `main.pw`; panics with the rendered diagnostics if it has errors.
#[track_caller]
pub fn compile(source: &str) -> Compiled {
    let mut files = Files::new();
    let file = files.add("main.pw", source);
    let checked = check_file(&mut files, file, &NoLoader);
    assert!(
        !checked.has_errors(),
        "{}",
        paw_diagnostics::render::render_all(&checked.diagnostics, &files, false)
    );
    Compiled { checked, files }
}

/// What one run printed and how it ended.
pub struct Run {
    pub result: Result<(), RuntimeError>,
    pub stdout: String,
    pub stderr: String,
    pub files: Files,
}

impl Run {
    /// The error, which the run must have ended with.
    #[track_caller]
    pub fn error(&self) -> &RuntimeError {
        match &self.result {
            Err(e) => e,
            Ok(()) => panic!("the run succeeded; output:\n{}", self.stdout),
        }
    }

    /// `line:col` of the error's span.
    pub fn at(&self) -> String {
        let (line, col) = self.files.line_col(self.error().span.expect("located"));
        format!("{line}:{col}")
    }

    /// The source text under the error's span.
    pub fn snippet(&self) -> &str {
        self.files.snippet(self.error().span.expect("located"))
    }

    /// The `.pw` stack trace as `pawc` prints it.
    pub fn trace(&self) -> String {
        self.error().render_trace(&self.files)
    }
}

/// Options for a run: `stdin` as standard input, `args`, the fuzzy backend; output captured.
pub fn options(args: &[&str], stdin: &str, fuzzy: Arc<dyn FuzzyBackend>) -> (RunOptions, SharedOutput, SharedOutput) {
    let (out, err) = (SharedOutput::default(), SharedOutput::default());
    let options = RunOptions {
        args: args.iter().map(|a| a.to_string()).collect(),
        fuzzy,
        stdout: Box::new(out.clone()),
        stderr: Box::new(err.clone()),
        stdin: Box::new(std::io::Cursor::new(stdin.as_bytes().to_vec())),
    };
    (options, out, err)
}

/// Checks and runs `fn main()` of `source` with `args` and `stdin`.
#[track_caller]
pub fn run_with(source: &str, args: &[&str], stdin: &str) -> Run {
    let compiled = compile(source);
    let (options, out, err) = options(args, stdin, Arc::new(Unbuilt));
    let result = run_main(&compiled.checked.program, options);
    Run {
        result,
        stdout: out.text(),
        stderr: err.text(),
        files: compiled.files,
    }
}

#[track_caller]
pub fn run(source: &str) -> Run {
    run_with(source, &[], "")
}

/// The standard output of a run that must succeed.
#[track_caller]
pub fn output(source: &str) -> String {
    let r = run(source);
    if let Err(e) = &r.result {
        panic!("{e}\n{}\noutput:\n{}", r.trace(), r.stdout);
    }
    r.stdout
}

/// Runs the `test` blocks of `source`.
#[track_caller]
pub fn tests(source: &str, filter: Option<&str>) -> (Vec<TestOutcome>, Files) {
    let compiled = compile(source);
    let (options, _, _) = options(&[], "", Arc::new(Unbuilt));
    (run_tests(&compiled.checked.program, filter, options), compiled.files)
}
