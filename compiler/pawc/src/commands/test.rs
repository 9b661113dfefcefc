//! `pawc test [PATH]`: run every `test` block and report each failure with its place and values, then the
//! docstring examples of the built fuzzy functions (see `doctest.rs`). A fuzzy fn with examples that is not
//! built fails the run (so CI cannot pass with nothing built) unless `--skip-unbuilt` skips it explicitly.

use std::path::Path;
use std::process::ExitCode;

use paw_runtime::RunOptions;

use crate::built::RemoteArgs;
use crate::engine::EngineArgs;
use crate::output::Output;
use crate::pipeline::{load_and_check, plural};

pub struct TestArgs<'a> {
    pub path: Option<&'a Path>,
    pub filter: Option<&'a str>,
    pub trace: bool,
    pub skip_unbuilt: bool,
}

pub fn run(args: TestArgs, engine: &EngineArgs, out: &Output) -> ExitCode {
    let TestArgs {
        path,
        filter,
        trace,
        skip_unbuilt,
    } = args;
    let loaded = match load_and_check(path, out) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let fuzzy = match crate::fuzzy::backend(&loaded, trace, &RemoteArgs::default()) {
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
    let examples = super::doctest::run(&loaded, fuzzy.as_ref(), filter, skip_unbuilt, out);
    if !examples.unbuilt.is_empty() && !skip_unbuilt {
        let names: Vec<_> = examples.unbuilt.iter().map(|name| format!("`{name}`")).collect();
        let path = path.map(|p| format!(" {}", p.display())).unwrap_or_default();
        return out.user_error(&format!(
            "{} with examples not built, or changed since the last build: {}\n  help: run `pawc build{path}` to \
             compile them, or `pawc test{path} --skip-unbuilt` to test without them",
            plural(names.len(), "fuzzy function"),
            names.join(", ")
        ));
    }
    if failed == 0 && examples.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
