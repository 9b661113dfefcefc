//! Which executor runs a program: native code (`paw-native`, the default) or the reference executor
//! (`--interp`).

use paw_check::hir::Program;
use paw_runtime::{RunOptions, RuntimeError, TestOutcome};

#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct EngineArgs {
    /// Run every function in the reference executor (a tree walk) instead of as native code.
    #[arg(long)]
    interp: bool,
    /// Print to stderr which functions ran as native code and why the others did not (also: PAW_NATIVE_REPORT=1).
    #[arg(long, conflicts_with = "interp")]
    native_report: bool,
}

impl EngineArgs {
    fn wants_report(&self) -> bool {
        self.native_report || std::env::var_os("PAW_NATIVE_REPORT").is_some_and(|v| v == "1")
    }

    fn show(&self, report: &paw_native::Report) {
        if self.wants_report() {
            eprintln!("{report}");
        }
    }

    pub fn run_main(&self, program: &Program, options: RunOptions) -> Result<(), RuntimeError> {
        if self.interp {
            return paw_runtime::run_main(program, options);
        }
        let (result, report) = paw_native::run_main(program, options);
        self.show(&report);
        result
    }

    pub fn run_tests(&self, program: &Program, filter: Option<&str>, options: RunOptions) -> Vec<TestOutcome> {
        if self.interp {
            return paw_runtime::run_tests(program, filter, options);
        }
        let (outcomes, report) = paw_native::run_tests(program, filter, options);
        self.show(&report);
        outcomes
    }
}
