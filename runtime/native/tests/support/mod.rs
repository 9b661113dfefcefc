//! Runs `.pw` sources under both executors, with captured streams, for differential tests.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use paw_check::{check_file, Checked, NoLoader};
use paw_diagnostics::Files;
use paw_runtime::{RunOptions, RuntimeError, TestOutcome, Unbuilt};

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

/// Parses and checks `source` as `main.pw`; panics with the rendered diagnostics if it has errors.
#[track_caller]
pub fn compile(source: &str) -> (Checked, Files) {
    let mut files = Files::new();
    let file = files.add("main.pw", source);
    let checked = check_file(&mut files, file, &NoLoader);
    assert!(!checked.has_errors(), "{}\n{source}", paw_diagnostics::render::render_all(&checked.diagnostics, &files, false));
    (checked, files)
}

fn options() -> (RunOptions, SharedOutput, SharedOutput) {
    let (out, err) = (SharedOutput::default(), SharedOutput::default());
    let options = RunOptions {
        args: Vec::new(),
        fuzzy: Arc::new(Unbuilt),
        stdout: Box::new(out.clone()),
        stderr: Box::new(err.clone()),
        stdin: Box::new(std::io::empty()),
    };
    (options, out, err)
}

/// How one run ended and what it printed.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub result: Result<(), RuntimeError>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `main` of `source` natively and in the reference executor; also returns the native report.
#[track_caller]
pub fn run_both(source: &str) -> (Run, Run, paw_native::Report, Files) {
    let (checked, files) = compile(source);
    let program = &checked.program;
    let (opts, out, err) = options();
    let (result, report) = paw_native::run_main(program, opts);
    let native = Run { result, stdout: out.text(), stderr: err.text() };
    let (opts, out, err) = options();
    let result = paw_runtime::run_main(program, opts);
    let interp = Run { result, stdout: out.text(), stderr: err.text() };
    (native, interp, report, files)
}

/// Runs the `test` blocks of `source` natively and in the reference executor: outcomes and stdout of each.
pub fn tests_both(source: &str) -> ((Vec<TestOutcome>, String), (Vec<TestOutcome>, String), paw_native::Report) {
    let (checked, _) = compile(source);
    let program = &checked.program;
    let (opts, out, _) = options();
    let (outcomes, report) = paw_native::run_tests(program, None, opts);
    let native = (outcomes, out.text());
    let (opts, out, _) = options();
    let interp = (paw_runtime::run_tests(program, None, opts), out.text());
    (native, interp, report)
}
