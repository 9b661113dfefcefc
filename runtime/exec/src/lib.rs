//! Runs checked programs: values, the tree-walking reference executor, natives, and the fuzzy-call boundary.
//!
//! [`run_main`] and [`run_tests`] are the entry points. Both run on a thread of their own with a large stack,
//! so deep (but bounded, see [`exec::MAX_DEPTH`]) `.pw` recursion never overflows the caller's stack.

pub mod compiled;
pub mod error;
pub mod exec;
pub mod fuzzy;
pub mod natives;
pub mod value;

use std::io::{BufReader, BufWriter, Write};
use std::sync::Arc;

use paw_diagnostics::Span;
use paw_hir::Program;

pub use compiled::{CompiledCode, Fallback};
pub use error::{ErrorKind, RuntimeError, TraceFrame};
pub use fuzzy::{FuzzyBackend, FuzzyCallError, Unbuilt};
pub use value::Value;

use exec::{Io, Machine};

/// The stack of the thread that runs a program: enough for [`exec::MAX_DEPTH`] nested calls.
const STACK_BYTES: usize = 512 << 20;

/// Where a run reads and writes, and who answers fuzzy calls.
pub struct RunOptions {
    /// What `std.io.args()` returns.
    pub args: Vec<String>,
    pub fuzzy: Arc<dyn FuzzyBackend>,
    /// Standard output (buffered by the run; flushed before `eprint` and at the end).
    pub stdout: Box<dyn Write + Send>,
    pub stderr: Box<dyn Write + Send>,
    pub stdin: Box<dyn std::io::Read + Send>,
}

impl Default for RunOptions {
    /// The process's own streams, no arguments, and no built fuzzy functions.
    fn default() -> RunOptions {
        RunOptions {
            args: Vec::new(),
            fuzzy: Arc::new(Unbuilt),
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
            stdin: Box::new(std::io::stdin()),
        }
    }
}

impl RunOptions {
    fn into_io(self) -> Io {
        Io {
            out: BufWriter::with_capacity(64 * 1024, self.stdout),
            err: self.stderr,
            stdin: Box::new(BufReader::new(self.stdin)),
            args: self.args,
            fuzzy: self.fuzzy,
        }
    }
}

/// The result of one `test` block.
#[derive(Clone, Debug, PartialEq)]
pub struct TestOutcome {
    pub name: String,
    /// The `test` item.
    pub span: Span,
    pub result: Result<(), RuntimeError>,
}

/// Runs `fn main()` of a program checked without errors.
pub fn run_main(program: &Program, options: RunOptions) -> Result<(), RuntimeError> {
    on_big_stack(move || run_main_with(program, options, None))
}

/// Runs `fn main()` on this thread, the functions that `compiled` compiled as its native code. Run it on a
/// thread with a big stack (see [`on_big_stack`]). A program whose standard output's reader went away stops
/// there and has ended successfully ([`ErrorKind::OutputClosed`]).
pub fn run_main_with(
    program: &Program,
    options: RunOptions,
    compiled: Option<&dyn CompiledCode>,
) -> Result<(), RuntimeError> {
    let main = program.main.ok_or_else(|| {
        RuntimeError::new(ErrorKind::Internal, "the program has no `fn main()`")
            .with_help("add `fn main() { ... }` to `src/main.pw`")
    })?;
    let mut machine = Machine::load(program, options.into_io(), compiled)?;
    let result = match machine.run_main_fn(main) {
        Err(e) if e.kind == ErrorKind::OutputClosed => Ok(()),
        result => result.map(drop),
    };
    let _ = machine.io.out.flush();
    result
}

/// Runs every `test` block whose name contains `filter` (all of them for `None`), each in a fresh frame;
/// a failing test does not stop the others. Outcomes are in declaration order.
pub fn run_tests(program: &Program, filter: Option<&str>, options: RunOptions) -> Vec<TestOutcome> {
    on_big_stack(move || run_tests_with(program, filter, options, None))
}

/// Like [`run_tests`], on this thread, the functions that `compiled` compiled running as its native code.
pub fn run_tests_with(
    program: &Program,
    filter: Option<&str>,
    options: RunOptions,
    compiled: Option<&dyn CompiledCode>,
) -> Vec<TestOutcome> {
    let mut machine = match Machine::load(program, options.into_io(), compiled) {
        Ok(m) => m,
        Err(e) => {
            return program
                .tests
                .iter()
                .map(|t| TestOutcome {
                    name: t.name.clone(),
                    span: t.span,
                    result: Err(e.clone()),
                })
                .collect()
        }
    };
    let mut outcomes = Vec::new();
    for test in program
        .tests
        .iter()
        .filter(|t| filter.is_none_or(|f| t.name.contains(f)))
    {
        let label = format!("test \"{}\"", test.name);
        let result = machine.run_body(&test.body, test.num_locals, &label).map(drop);
        let _ = machine.io.out.flush();
        outcomes.push(TestOutcome {
            name: test.name.clone(),
            span: test.span,
            result,
        });
    }
    outcomes
}

/// Runs `f` on a thread with a [`STACK_BYTES`] stack (on this thread if no such thread can be made).
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(f));
    let run = || {
        let f = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        f.map(|f| f())
    };
    let result = std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("paw-run".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, run)
        {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        }
    });
    // `None` only when the thread could not be started: run here instead.
    result.or_else(run).expect("the program runs exactly once")
}
