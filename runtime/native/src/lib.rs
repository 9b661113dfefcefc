//! Native code for the normal functions of a checked program.
//!
//! [`compile`] lowers each function to the backend's IR ([`ir`], by [`lower`]) and then to machine code with
//! Cranelift ([`codegen`], JIT into memory). A function the backend does not support yet stays with the
//! reference executor (`paw-runtime`), per function: the two call each other freely, count call depth
//! together and build the same `.pw` stack traces, so a program's output does not depend on where each
//! function ran. [`Report`] says which ran where.

pub mod codegen;
pub mod ir;
pub mod lower;
pub mod rt;

use std::fmt;

use paw_check::hir::{FnId, Program};
use paw_runtime::exec::frame_name;
use paw_runtime::{CompiledCode, Fallback, RunOptions, RuntimeError, TestOutcome, Value};

use crate::codegen::Code;
use crate::ir::{Rep, Site};
use crate::lower::Lowerer;

/// Where one function runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    Native,
    /// In the reference executor, and why.
    Interpreted(String),
}

/// Which functions run as native code, and why the others do not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `(frame name, placement)` of every function of the program, standard library included.
    pub functions: Vec<(String, Placement)>,
}

impl Report {
    pub fn native_count(&self) -> usize {
        self.functions.iter().filter(|(_, p)| *p == Placement::Native).count()
    }
}

impl fmt::Display for Report {
    /// One line per function: `native  NAME` or `interp  NAME: REASON`, then a count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, placement) in &self.functions {
            match placement {
                Placement::Native => writeln!(f, "native  {name}")?,
                Placement::Interpreted(why) => writeln!(f, "interp  {name}: {why}")?,
            }
        }
        write!(f, "{} of {} functions native", self.native_count(), self.functions.len())
    }
}

/// A program's native code: what [`compile`] made, usable as the reference executor's [`CompiledCode`].
pub struct NativeProgram<'p> {
    program: &'p Program,
    sites: Vec<Site<'p>>,
    constants: Vec<Value>,
    /// The parameter and result representations of each compiled function, by function index.
    signatures: Vec<Option<(Vec<Rep>, Rep)>>,
    code: Option<Code>,
    report: Report,
}

/// Compiles every function the backend supports. Never fails: what cannot be compiled runs in the reference
/// executor, and the report says why.
pub fn compile(program: &Program) -> NativeProgram<'_> {
    let mut lowerer = Lowerer::new(program);
    let mut placements: Vec<Placement> = Vec::with_capacity(program.functions.len());
    let mut funcs = Vec::with_capacity(program.functions.len());
    for f in &program.functions {
        match lowerer.function(f) {
            Ok(func) => {
                funcs.push(Some(func));
                placements.push(Placement::Native);
            }
            Err(why) => {
                funcs.push(None);
                placements.push(Placement::Interpreted(why));
            }
        }
    }
    let signatures = funcs.iter().map(|f| f.as_ref().map(|f| (f.params.clone(), f.ret))).collect();
    let (sites, constants) = (lowerer.sites, lowerer.constants);
    // A function that Cranelift rejects (a bug in the backend) is left out and the rest compiled again.
    let code = loop {
        match codegen::compile(&funcs, &sites) {
            Ok(code) => break Some(code),
            Err(e) => match e.function {
                Some(i) => {
                    funcs[i] = None;
                    placements[i] = Placement::Interpreted(format!("code generation failed: {}", e.message));
                }
                None => {
                    for (f, p) in funcs.iter_mut().zip(placements.iter_mut()) {
                        if f.take().is_some() {
                            *p = Placement::Interpreted(format!("the native backend is unavailable: {}", e.message));
                        }
                    }
                    break None;
                }
            },
        }
    };
    let report = Report {
        functions: program.functions.iter().zip(placements).map(|(f, p)| (frame_name(f), p)).collect(),
    };
    NativeProgram { program, sites, constants, signatures, code, report }
}

impl NativeProgram<'_> {
    pub fn report(&self) -> &Report {
        &self.report
    }
}

impl CompiledCode for NativeProgram<'_> {
    fn is_compiled(&self, id: FnId) -> bool {
        self.code.as_ref().is_some_and(|c| c.entries.get(id.index()).is_some_and(Option::is_some))
    }

    fn call(&self, id: FnId, args: &[Value], machine: &mut dyn Fallback) -> Result<Value, RuntimeError> {
        let entry = self
            .code
            .as_ref()
            .and_then(|c| c.entries.get(id.index()).copied().flatten())
            .ok_or_else(|| rt::internal("called a function that was not compiled as native code"))?;
        let (params, ret) = self.signatures[id.index()].as_ref().ok_or_else(|| rt::internal("a compiled function without a signature"))?;
        // A `Value` argument is passed as its address: the callee clones what it keeps.
        let bits = args
            .iter()
            .zip(params)
            .map(|(a, rep)| if *rep == Rep::Ref { Ok(a as *const Value as i64) } else { rt::to_bits(a) })
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Value::Unit;
        let mut ctx = rt::Ctx::new(machine, self.program, &self.sites, &self.constants);
        // SAFETY: the entry takes one i64 per parameter, `args` and `out` outlive the call, and so does `ctx`.
        let result = unsafe { entry(&mut ctx, bits.as_ptr(), &mut out) };
        match ctx.error.take() {
            Some(e) => Err(e),
            None if *ret == Rep::Ref => Ok(out),
            None => Ok(rt::from_bits(result, &self.program.function(id).ret)),
        }
    }
}

/// Runs `fn main()` with every function it can compile as native code, the rest in the reference executor.
pub fn run_main(program: &Program, options: RunOptions) -> (Result<(), RuntimeError>, Report) {
    paw_runtime::on_big_stack(move || {
        let native = compile(program);
        let result = paw_runtime::run_main_with(program, options, Some(&native));
        (result, native.report)
    })
}

/// Runs the `test` blocks like [`paw_runtime::run_tests`], with the functions they call compiled.
pub fn run_tests(program: &Program, filter: Option<&str>, options: RunOptions) -> (Vec<TestOutcome>, Report) {
    paw_runtime::on_big_stack(move || {
        let native = compile(program);
        let outcomes = paw_runtime::run_tests_with(program, filter, options, Some(&native));
        (outcomes, native.report)
    })
}
