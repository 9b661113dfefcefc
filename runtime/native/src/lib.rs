//! Native code for the normal functions of a checked program.
//!
//! [`compile`] lowers each function to the backend's IR ([`ir`], by [`lower`]) and then to machine code with
//! Cranelift ([`codegen`], JIT into memory). [`compile_object`] makes the same code into an object file for a
//! standalone executable (`pawc build --bin`), whose runtime finds it again with [`link`]. A function the backend does not support yet stays with the
//! reference executor (`paw-runtime`), per function: the two call each other freely, count call depth
//! together and build the same `.pw` stack traces, so a program's output does not depend on where each
//! function ran. [`Report`] says which ran where.

pub mod codegen;
pub mod ir;
pub mod lower;
pub mod rt;

use std::fmt;

use paw_hir::{FnId, Program};
use paw_runtime::exec::frame_name;
use paw_runtime::{CompiledCode, Fallback, RunOptions, RuntimeError, TestOutcome, Value};

use crate::codegen::Code;
pub use crate::codegen::Entry;
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
        write!(
            f,
            "{} of {} functions native",
            self.native_count(),
            self.functions.len()
        )
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

/// A program lowered to the backend's IR, before code generation.
struct Lowered<'p> {
    funcs: Vec<Option<ir::Func>>,
    placements: Vec<Placement>,
    sites: Vec<Site<'p>>,
    constants: Vec<Value>,
}

fn lower_program(program: &Program) -> Lowered<'_> {
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
    Lowered {
        funcs,
        placements,
        sites: lowerer.sites,
        constants: lowerer.constants,
    }
}

impl<'p> Lowered<'p> {
    /// Names the lowered program: its functions, sites and constants, and this version of paw. A standalone
    /// executable carries the id of the program its code was made from and lowers again at start: equal ids
    /// mean the same sites, constants and signatures, so the linked code fits them.
    fn code_id(&self) -> String {
        let sites: Vec<_> = self.sites.iter().map(|s| (s.span, &s.args)).collect();
        let text = format!(
            "{}\n{:?}\n{:?}\n{:?}",
            env!("CARGO_PKG_VERSION"),
            self.funcs,
            sites,
            self.constants
        );
        blake3::hash(text.as_bytes()).to_hex().to_string()
    }

    /// Runs `codegen` over the functions until it succeeds: a function that Cranelift rejects (a bug in the
    /// backend) is left to the reference executor and the rest compiled again. `None`: the backend is
    /// unavailable on this host, and nothing is compiled.
    fn generate<T>(
        &mut self,
        codegen: impl Fn(&[Option<ir::Func>], &[Site<'p>]) -> Result<T, codegen::CodegenError>,
    ) -> Option<T> {
        loop {
            match codegen(&self.funcs, &self.sites) {
                Ok(code) => return Some(code),
                Err(e) => match e.function {
                    Some(i) => {
                        self.funcs[i] = None;
                        self.placements[i] = Placement::Interpreted(format!("code generation failed: {}", e.message));
                    }
                    None => {
                        for (f, p) in self.funcs.iter_mut().zip(self.placements.iter_mut()) {
                            if f.take().is_some() {
                                *p =
                                    Placement::Interpreted(format!("the native backend is unavailable: {}", e.message));
                            }
                        }
                        return None;
                    }
                },
            }
        }
    }

    fn into_program(self, program: &'p Program, code: Option<Code>) -> NativeProgram<'p> {
        let signatures = self
            .funcs
            .iter()
            .map(|f| f.as_ref().map(|f| (f.params.clone(), f.ret)))
            .collect();
        let report = Report {
            functions: program
                .functions
                .iter()
                .zip(self.placements)
                .map(|(f, p)| (frame_name(f), p))
                .collect(),
        };
        NativeProgram {
            program,
            sites: self.sites,
            constants: self.constants,
            signatures,
            code,
            report,
        }
    }
}

/// Compiles every function the backend supports into memory (JIT). Never fails: what cannot be compiled runs
/// in the reference executor, and the report says why.
pub fn compile(program: &Program) -> NativeProgram<'_> {
    let mut lowered = lower_program(program);
    let code = lowered.generate(codegen::compile);
    lowered.into_program(program, code)
}

/// An object file for a standalone executable (see [`codegen::compile_object`]): the program's native code,
/// a C `main`, and `image` (what the executable needs at start, for [`link`]) as data. Also returns where each
/// function will run.
pub fn compile_object(program: &Program, image: &[u8]) -> Result<(Vec<u8>, Report), String> {
    let mut lowered = lower_program(program);
    let code_id = lowered.code_id();
    let object = lowered
        .generate(|funcs, sites| codegen::compile_object(funcs, sites, image, code_id.as_bytes()))
        .ok_or_else(|| "the native backend does not support this machine".to_string())?;
    Ok((object, lowered.into_program(program, None).report))
}

/// The native program of an executable made by [`compile_object`]: `program` lowered again (it must be the
/// program the object was compiled from: `code_id` is checked), running the linked `entries`.
pub fn link<'p>(program: &'p Program, entries: Vec<Option<Entry>>, code_id: &str) -> Result<NativeProgram<'p>, String> {
    let mut lowered = lower_program(program);
    if lowered.code_id() != code_id || entries.len() != program.functions.len() {
        return Err(
            "the executable's native code does not match its program (made by another version of paw?)".to_string(),
        );
    }
    for (entry, (f, placement)) in entries
        .iter()
        .zip(lowered.funcs.iter_mut().zip(lowered.placements.iter_mut()))
    {
        if entry.is_none() && f.take().is_some() {
            *placement = Placement::Interpreted("code generation failed when the executable was built".to_string());
        }
    }
    Ok(lowered.into_program(program, Some(Code::linked(entries))))
}

impl NativeProgram<'_> {
    pub fn report(&self) -> &Report {
        &self.report
    }
}

impl CompiledCode for NativeProgram<'_> {
    fn is_compiled(&self, id: FnId) -> bool {
        self.code
            .as_ref()
            .is_some_and(|c| c.entries.get(id.index()).is_some_and(Option::is_some))
    }

    fn call(&self, id: FnId, args: &[Value], machine: &mut dyn Fallback) -> Result<Value, RuntimeError> {
        let entry = self
            .code
            .as_ref()
            .and_then(|c| c.entries.get(id.index()).copied().flatten())
            .ok_or_else(|| rt::internal("called a function that was not compiled as native code"))?;
        let (params, ret) = self.signatures[id.index()]
            .as_ref()
            .ok_or_else(|| rt::internal("a compiled function without a signature"))?;
        // A `Value` argument is passed as its address: the callee clones what it keeps.
        let bits = args
            .iter()
            .zip(params)
            .map(|(a, rep)| {
                if *rep == Rep::Ref {
                    Ok(a as *const Value as i64)
                } else {
                    rt::to_bits(a)
                }
            })
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
