//! Runs `.pw` sources under both executors, with captured streams, for differential tests. Checking and
//! capturing are the reference executor's test support, shared.
#![allow(dead_code)]

#[path = "../../exec/support/mod.rs"]
mod exec_support;

use std::sync::Arc;

use paw_diagnostics::Files;
use paw_runtime::{RuntimeError, TestOutcome, Unbuilt};

pub use exec_support::compile;
use exec_support::options;

/// How one run ended and what it printed.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    pub result: Result<(), RuntimeError>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `main` of `source` natively and in the reference executor; also returns the native report.
#[track_caller]
pub fn run_both(source: &str) -> (Outcome, Outcome, paw_native::Report, Files) {
    let compiled = compile(source);
    let program = &compiled.checked.program;
    let (opts, out, err) = options(&[], "", Arc::new(Unbuilt));
    let (result, report) = paw_native::run_main(program, opts);
    let native = Outcome {
        result,
        stdout: out.text(),
        stderr: err.text(),
    };
    let (opts, out, err) = options(&[], "", Arc::new(Unbuilt));
    let result = paw_runtime::run_main(program, opts);
    let interp = Outcome {
        result,
        stdout: out.text(),
        stderr: err.text(),
    };
    (native, interp, report, compiled.files)
}

/// What one executor made of a program's `test` blocks: the outcomes and what the tests printed.
pub type TestRun = (Vec<TestOutcome>, String);

/// Runs the `test` blocks of `source` natively and in the reference executor: outcomes and stdout of each.
#[track_caller]
pub fn tests_both(source: &str) -> (TestRun, TestRun, paw_native::Report) {
    let compiled = compile(source);
    let program = &compiled.checked.program;
    let (opts, out, _) = options(&[], "", Arc::new(Unbuilt));
    let (outcomes, report) = paw_native::run_tests(program, None, opts);
    let native = (outcomes, out.text());
    let (opts, out, _) = options(&[], "", Arc::new(Unbuilt));
    let interp = (paw_runtime::run_tests(program, None, opts), out.text());
    (native, interp, report)
}
