//! `pawc test [PATH]`: run every `test` block and report each failure with its place and values, then the
//! docstring examples of the built fuzzy functions (see `doctest.rs`).

use std::path::Path;
use std::process::ExitCode;

use paw_runtime::RunOptions;

use crate::engine::EngineArgs;
use crate::output::Output;
use crate::pipeline::{load_and_check, plural};

pub fn run(path: Option<&Path>, filter: Option<&str>, trace: bool, engine: &EngineArgs, out: &Output) -> ExitCode {
    let loaded = match load_and_check(path, out) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let fuzzy = match crate::fuzzy::backend(&loaded, trace) {
        Ok(backend) => backend,
        Err(e) => return out.user_error(&e),
    };
    let outcomes = engine.run_tests(
        &loaded.analysis.checked.program,
        filter,
        RunOptions {
            fuzzy: fuzzy.clone(),
            ..RunOptions::default()
        },
    );
    let mut failed = 0;
    for outcome in &outcomes {
        match &outcome.result {
            Ok(()) => println!("test {} ... {}", outcome.name, out.paint_stdout("ok", "32")),
            Err(error) => {
                failed += 1;
                println!("test {} ... {}", outcome.name, out.paint_stdout("FAILED", "1;31"));
                out.runtime_error(error, &loaded.files);
            }
        }
    }
    let passed = outcomes.len() - failed;
    let verdict = if failed == 0 {
        out.paint_stdout("ok", "32")
    } else {
        out.paint_stdout("FAILED", "1;31")
    };
    println!(
        "\ntest result: {verdict}. {passed} passed; {failed} failed ({} run)",
        plural(outcomes.len(), "test")
    );
    let examples_ok = super::doctest::run(&loaded, fuzzy.as_ref(), filter, out);
    if failed == 0 && examples_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
