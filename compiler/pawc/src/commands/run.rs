//! `pawc run [PATH] [-- ARGS]`: check, then run `main`.

use std::path::Path;
use std::process::ExitCode;

use paw_runtime::RunOptions;

use crate::built::RemoteArgs;
use crate::engine::EngineArgs;
use crate::output::Output;
use crate::pipeline::load_runnable;

pub fn run(
    path: Option<&Path>,
    args: Vec<String>,
    trace: bool,
    remote: &RemoteArgs,
    engine: &EngineArgs,
    out: &Output,
) -> ExitCode {
    let loaded = match load_runnable(path, out) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let fuzzy = match crate::fuzzy::backend(&loaded, trace, remote) {
        Ok(backend) => backend,
        Err(e) => return out.user_error(&e),
    };
    match engine.run_main(
        &loaded.analysis.checked.program,
        RunOptions {
            args,
            fuzzy,
            ..RunOptions::default()
        },
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            out.runtime_error(&error, &loaded.files);
            ExitCode::from(1)
        }
    }
}
