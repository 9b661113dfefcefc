//! What native code calls into: the run's context, the slow paths of operators, calls that leave native code,
//! and the conversions between registers and `paw_runtime::Value`s.
//!
//! Native code holds only scalars (see [`crate::ir::Rep`]); every other value stays a reference-counted
//! `Value` inside the reference executor, so there is exactly one ownership scheme. Errors are
//! `RuntimeError`s made by the reference executor's own functions, so messages and spans are identical; native
//! code learns of one through [`Ctx::failed`] and unwinds by returning, each caller adding the callee's frame.

use std::panic::{catch_unwind, AssertUnwindSafe};

use paw_check::hir::{self, BinaryOp, Ty};
use paw_runtime::exec::{binary_op, frame_name, recursion_too_deep_error, unary_op};
use paw_runtime::{ErrorKind, Fallback, RuntimeError, Value};

use crate::ir::{Site, SiteKind};

/// The state of one entry into native code, passed to every native function as its first argument. The
/// two counters come first, at fixed offsets that generated code reads and writes.
#[repr(C)]
pub struct Ctx<'a> {
    /// Active `.pw` calls, shared with the reference executor at every crossing.
    pub depth: u32,
    /// Non-zero once `error` is set: native code then returns up to where it was entered.
    pub failed: u32,
    machine: *mut (dyn Fallback + 'a),
    program: &'a hir::Program,
    sites: &'a [Site<'a>],
    pub error: Option<RuntimeError>,
}

/// Byte offsets of [`Ctx`]'s counters, for generated code.
pub const DEPTH_OFFSET: i32 = 0;
pub const FAILED_OFFSET: i32 = 4;

impl<'a> Ctx<'a> {
    pub fn new(machine: &'a mut dyn Fallback, program: &'a hir::Program, sites: &'a [Site<'a>]) -> Ctx<'a> {
        Ctx { depth: machine.depth(), failed: 0, machine, program, sites, error: None }
    }

    fn fail(&mut self, error: RuntimeError) {
        self.error = Some(error);
        self.failed = 1;
    }

    /// Runs a helper's body, turning an error, or a panic (a bug in paw), into the failed state.
    fn guard(&mut self, body: impl FnOnce(&mut Ctx<'a>) -> Result<i64, RuntimeError>) -> i64 {
        match catch_unwind(AssertUnwindSafe(|| body(self))) {
            Ok(Ok(bits)) => bits,
            Ok(Err(e)) => {
                self.fail(e);
                0
            }
            Err(_) => {
                self.fail(internal("a runtime call of native code panicked"));
                0
            }
        }
    }
}

pub fn internal(message: &str) -> RuntimeError {
    RuntimeError::new(ErrorKind::Internal, format!("internal error: {message}"))
        .with_help("this is a bug in paw, not in your program; please report it (`pawc run --interp` avoids native code)")
}

/// A value as register bits: ints and enum variant indices as is, floats by their bits, bools 0 or 1.
pub fn to_bits(v: &Value) -> Result<i64, RuntimeError> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(f.to_bits() as i64),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Enum(_, variant) => Ok(i64::from(*variant)),
        Value::Unit => Ok(0),
        other => Err(internal(&format!("native code was passed a {}", other.kind_name()))),
    }
}

/// Register bits of type `ty` as a value.
pub fn from_bits(bits: i64, ty: &Ty) -> Value {
    match ty {
        Ty::Int => Value::Int(bits),
        Ty::Float => Value::Float(f64::from_bits(bits as u64)),
        Ty::Bool => Value::Bool(bits != 0),
        Ty::Enum(id) => Value::Enum(id.0, bits as u32),
        _ => Value::Unit,
    }
}

fn operand(bits: i64, op: BinaryOp) -> Value {
    match op {
        BinaryOp::Float(_) => Value::Float(f64::from_bits(bits as u64)),
        _ => Value::Int(bits),
    }
}

/// The slow path of an arithmetic operator (overflow, division by zero): the reference executor's operator
/// makes the error.
pub extern "C" fn rt_binary_error(ctx: &mut Ctx<'_>, site: u32, a: i64, b: i64) {
    ctx.guard(|ctx| {
        let site = &ctx.sites[site as usize];
        match site.kind {
            SiteKind::Binary(op) => match binary_op(op, operand(a, op), operand(b, op), site.span) {
                Err(e) => Err(e),
                Ok(_) => Err(internal("native code took the error path of an operator that succeeds")),
            },
            _ => Err(internal("operator error at a site that is not an operator")),
        }
    });
}

pub extern "C" fn rt_unary_error(ctx: &mut Ctx<'_>, site: u32, a: i64) {
    ctx.guard(|ctx| {
        let site = &ctx.sites[site as usize];
        match site.kind {
            SiteKind::Unary(op) => match unary_op(op, Value::Int(a), site.span) {
                Err(e) => Err(e),
                Ok(_) => Err(internal("native code took the error path of an operator that succeeds")),
            },
            _ => Err(internal("operator error at a site that is not an operator")),
        }
    });
}

/// A call at `site` would nest deeper than the reference executor allows.
pub extern "C" fn rt_too_deep(ctx: &mut Ctx<'_>, site: u32) {
    let span = ctx.sites[site as usize].span;
    ctx.fail(recursion_too_deep_error(span));
}

/// An error left the native function called at `site`: records its frame, as the reference executor does.
pub extern "C" fn rt_leave_frame(ctx: &mut Ctx<'_>, site: u32) {
    let site = &ctx.sites[site as usize];
    if let (SiteKind::Call { callee, .. }, Some(error)) = (&site.kind, ctx.error.as_mut()) {
        error.leave_frame(&frame_name(ctx.program.function(*callee)), Some(site.span));
    }
}

/// A call that leaves native code: a plain function that was not compiled, or a native or fuzzy fn. The
/// arguments are register bits; so is the result.
pub extern "C" fn rt_call(ctx: &mut Ctx<'_>, site: u32, args: *const i64) -> i64 {
    ctx.guard(|ctx| {
        let site = &ctx.sites[site as usize];
        let values = |tys: &[Ty]| -> Vec<Value> {
            // SAFETY: generated code passes one initialized i64 per argument of the site.
            let bits = unsafe { std::slice::from_raw_parts(args, tys.len()) };
            bits.iter().zip(tys).map(|(b, t)| from_bits(*b, t)).collect()
        };
        // SAFETY: the machine outlives this entry into native code, and nothing else uses it meanwhile.
        let machine = unsafe { &mut *ctx.machine };
        // The machine counts from native code's depth during the call, and from its own after it.
        let saved = machine.depth();
        machine.set_depth(ctx.depth);
        let result = match &site.kind {
            SiteKind::Call { callee, args, .. } => machine.call_fn(*callee, &values(args), site.span),
            SiteKind::Target { call, args, .. } => machine.call_target(call, &values(args)),
            _ => Err(internal("a call at a site that is not a call")),
        };
        machine.set_depth(saved);
        let result = result?;
        // `panic(..)` never returns, and a unit result has no bits.
        match result {
            Value::Unit => Ok(0),
            v => to_bits(&v),
        }
    })
}

/// `a % b` on floats, which Cranelift has no instruction for.
pub extern "C" fn rt_frem(a: f64, b: f64) -> f64 {
    a % b
}
