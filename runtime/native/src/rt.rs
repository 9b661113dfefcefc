//! What native code calls into: the run's context, the slow paths of operators, calls that leave native code,
//! the operations on `Value`s, and the conversions between registers and `paw_runtime::Value`s.
//!
//! Native code holds scalars in registers (see [`crate::ir::Rep`]); every other value is a reference-counted
//! `Value`, the executor's own, in a slot of the native function's frame (or the program's table of constants):
//! native code only passes addresses, and these functions clone, store and drop the values, so there is exactly
//! one ownership scheme.
//! Errors are `RuntimeError`s made by the reference executor's own functions, so messages and spans are
//! identical; native code learns of one through [`Ctx::failed`] and unwinds by returning, each caller adding the
//! callee's frame.

use std::borrow::Cow;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use paw_hir::{self as hir, BinaryOp, Ty};
use paw_runtime::exec::{
    append_str, binary_op, frame_name, index_op, recursion_too_deep_error, relation, set_index, unary_op,
};
use paw_runtime::value::StructObj;
use paw_runtime::{ErrorKind, Fallback, RuntimeError, Value};

use crate::ir::{Operand, Site, SiteKind};

/// The state of one entry into native code, passed to every native function as its first argument. The
/// two counters and the constants come first, at fixed offsets that generated code reads and writes.
#[repr(C)]
pub struct Ctx<'a> {
    /// Active `.pw` calls, shared with the reference executor at every crossing.
    pub depth: u32,
    /// Non-zero once `error` is set: native code then returns up to where it was entered.
    pub failed: u32,
    /// The program's constants ([`crate::ir::Node::Constant`]), which native code borrows by address.
    constants: *const Value,
    machine: *mut (dyn Fallback + 'a),
    program: &'a hir::Program,
    sites: &'a [Site<'a>],
    pub error: Option<RuntimeError>,
}

/// Byte offsets of [`Ctx`]'s first fields, for generated code.
pub const DEPTH_OFFSET: i32 = 0;
pub const FAILED_OFFSET: i32 = 4;
pub const CONSTANTS_OFFSET: i32 = 8;

const _: () = {
    assert!(std::mem::offset_of!(Ctx<'static>, depth) == DEPTH_OFFSET as usize);
    assert!(std::mem::offset_of!(Ctx<'static>, failed) == FAILED_OFFSET as usize);
    assert!(std::mem::offset_of!(Ctx<'static>, constants) == CONSTANTS_OFFSET as usize);
};

impl<'a> Ctx<'a> {
    pub fn new(
        machine: &'a mut dyn Fallback,
        program: &'a hir::Program,
        sites: &'a [Site<'a>],
        constants: &'a [Value],
    ) -> Ctx<'a> {
        Ctx {
            depth: machine.depth(),
            failed: 0,
            constants: constants.as_ptr(),
            machine,
            program,
            sites,
            error: None,
        }
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
    RuntimeError::new(ErrorKind::Internal, format!("internal error: {message}")).with_help(
        "this is a bug in paw, not in your program; please report it (`pawc run --interp` avoids native code)",
    )
}

/// A scalar value as register bits: ints and enum variant indices as is, floats by their bits, bools 0 or 1.
#[inline]
pub fn to_bits(v: &Value) -> Result<i64, RuntimeError> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(f.to_bits() as i64),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Enum(_, variant) => Ok(i64::from(*variant)),
        Value::Unit => Ok(0),
        other => Err(internal(&format!(
            "native code expected a scalar, got a {}",
            other.kind_name()
        ))),
    }
}

/// Register bits of scalar type `ty` as a value.
pub fn from_bits(bits: i64, ty: &Ty) -> Value {
    match ty {
        Ty::Int => Value::Int(bits),
        Ty::Float => Value::Float(f64::from_bits(bits as u64)),
        Ty::Bool => Value::Bool(bits != 0),
        Ty::Enum(id) => Value::Enum(id.0, bits as u32),
        _ => Value::Unit,
    }
}

/// An operand passed as `bits`: borrowed when native code holds it as a `Value` (then `bits` is the address of
/// its slot), made from the register bits otherwise.
///
/// # Safety
/// When `operand.by_ref`, `bits` is the address of a `Value` that stays live and unmodified for `'v`.
#[inline]
unsafe fn operand<'v>(bits: i64, operand: &Operand) -> Cow<'v, Value> {
    if operand.by_ref {
        // SAFETY: the caller guarantees that a by-reference operand's bits are the address of a live `Value`.
        Cow::Borrowed(unsafe { &*(bits as *const Value) })
    } else {
        Cow::Owned(from_bits(bits, &operand.ty))
    }
}

/// Calls `f` with the `n` values `get` makes, without allocating for the few arguments most calls have.
fn with_values<R>(n: usize, get: impl Fn(usize) -> Value, f: impl FnOnce(&[Value]) -> R) -> R {
    match n {
        0 => f(&[]),
        1 => f(&[get(0)]),
        2 => f(&[get(0), get(1)]),
        3 => f(&[get(0), get(1), get(2)]),
        _ => f(&(0..n).map(get).collect::<Vec<_>>()),
    }
}

/// A result: written to `out` when native code holds it as a `Value` (`out` is then its slot), returned as
/// register bits otherwise.
///
/// # Safety
/// `out` is null or a live, initialized slot that nothing else borrows.
unsafe fn finish(value: Value, out: *mut Value) -> Result<i64, RuntimeError> {
    if out.is_null() {
        to_bits(&value)
    } else {
        // SAFETY: the caller guarantees that a non-null `out` is a live slot that nothing else borrows.
        unsafe { *out = value };
        Ok(0)
    }
}

fn arith_operand(bits: i64, op: BinaryOp) -> Value {
    match op {
        BinaryOp::Float(_) => Value::Float(f64::from_bits(bits as u64)),
        _ => Value::Int(bits),
    }
}

/// The slow path of an arithmetic operator (overflow, division by zero): the reference executor's operator
/// makes the error.
#[export_name = "paw_rt_binary_error"]
pub extern "C" fn rt_binary_error(ctx: &mut Ctx<'_>, site: u32, a: i64, b: i64) {
    ctx.guard(|ctx| {
        let site = &ctx.sites[site as usize];
        match site.kind {
            SiteKind::Binary(op) => match binary_op(op, arith_operand(a, op), arith_operand(b, op), site.span) {
                Err(e) => Err(e),
                Ok(_) => Err(internal("native code took the error path of an operator that succeeds")),
            },
            _ => Err(internal("operator error at a site that is not an operator")),
        }
    });
}

#[export_name = "paw_rt_unary_error"]
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
#[export_name = "paw_rt_too_deep"]
pub extern "C" fn rt_too_deep(ctx: &mut Ctx<'_>, site: u32) {
    let span = ctx.sites[site as usize].span;
    ctx.fail(recursion_too_deep_error(span));
}

/// An error left the native function called at `site`: records its frame, as the reference executor does.
#[export_name = "paw_rt_leave_frame"]
pub extern "C" fn rt_leave_frame(ctx: &mut Ctx<'_>, site: u32) {
    let site = &ctx.sites[site as usize];
    if let (SiteKind::Call(callee), Some(error)) = (&site.kind, ctx.error.as_mut()) {
        error.leave_frame(&frame_name(ctx.program.function(*callee)), Some(site.span));
    }
}

/// Everything at a site that leaves native code: a call of a plain function that was not compiled, of a native
/// or fuzzy fn, or an operation on `Value`s. `args` holds one operand per type of the site (see [`operand`]);
/// the result goes to `out` or is returned (see [`finish`]).
///
/// # Safety
/// `ctx` is the context of the running entry into native code, whose machine nothing else uses during the call.
/// `args` points to one initialized `i64` per operand of site `site`; an operand passed by reference is the
/// address of a live `Value` (a slot of the caller's frame or a constant), and the operands that the site
/// writes or moves out of (`AppendStr`, an owned `Snapshot`, `Clear`) are slots of the caller's frame that
/// nothing else borrows. `out` is null when the site's result is a scalar, and otherwise a live slot of the
/// caller's frame.
#[export_name = "paw_rt_call"]
pub unsafe extern "C" fn rt_call(ctx: &mut Ctx<'_>, site: u32, args: *const i64, out: *mut Value) -> i64 {
    ctx.guard(|ctx| {
        let site = &ctx.sites[site as usize];
        // SAFETY: generated code passes one initialized i64 per operand of the site.
        let bits = unsafe { std::slice::from_raw_parts(args, site.args.len()) };
        // SAFETY: a by-reference operand is the address of a live slot or constant (this function's contract),
        // which outlives this call.
        let arg = |i: usize| unsafe { operand(bits[i], &site.args[i]) };
        // SAFETY: the machine outlives this entry into native code, and nothing else uses it meanwhile.
        let machine = unsafe { &mut *ctx.machine };
        let result = match &site.kind {
            SiteKind::Call(callee) => with_values(
                bits.len(),
                |i| arg(i).into_owned(),
                |values| leave_native(machine, ctx.depth, |m| m.call_fn(*callee, values, site.span)),
            )?,
            SiteKind::Target(call) => with_values(
                bits.len(),
                |i| arg(i).into_owned(),
                |values| leave_native(machine, ctx.depth, |m| m.call_target(call, values)),
            )?,
            SiteKind::CallValue => {
                let f = arg(0).into_owned();
                with_values(
                    bits.len().saturating_sub(1),
                    |i| arg(i + 1).into_owned(),
                    |values| leave_native(machine, ctx.depth, |m| m.call_fn_value(&f, values, site.span)),
                )?
            }
            SiteKind::Closure(closure) => with_values(
                bits.len(),
                |i| arg(i).into_owned(),
                |captures| machine.make_closure(closure, captures),
            )?,
            SiteKind::ValueBinary(op @ (BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Compare(..))) => {
                Value::Bool(relation(*op, &arg(0), &arg(1))?)
            }
            SiteKind::ValueBinary(op) => binary_op(*op, arg(0).into_owned(), arg(1).into_owned(), site.span)?,
            SiteKind::Wrap | SiteKind::Unwrap => arg(0).into_owned(),
            SiteKind::IsNone => Value::Bool(matches!(*arg(0), Value::None)),
            SiteKind::Coalesce => match &*arg(0) {
                Value::None => arg(1).into_owned(),
                present => present.clone(),
            },
            SiteKind::Interpolate => {
                let mut text = String::new();
                for i in 0..bits.len() {
                    match &*arg(i) {
                        Value::Str(s) => text.push_str(s),
                        v => v.write_text(machine.types(), &mut text, false),
                    }
                }
                Value::str(text)
            }
            SiteKind::List => Value::list((0..bits.len()).map(|i| arg(i).into_owned()).collect()),
            SiteKind::Range => match (&*arg(0), &*arg(1)) {
                (Value::Int(start), Value::Int(end)) => Value::list((*start..*end).map(Value::Int).collect()),
                _ => return Err(internal("a range of values that are not ints")),
            },
            SiteKind::Struct(id) => {
                let fields: Vec<Value> = (0..bits.len()).map(|i| arg(i).into_owned()).collect();
                Value::Struct(Rc::new(StructObj {
                    ty: id.0,
                    fields: RefCell::new(fields.into()),
                }))
            }
            SiteKind::Field(index) => match &*arg(0) {
                Value::Struct(obj) => obj.fields.borrow()[*index as usize].clone(),
                v => return Err(internal(&format!("field of a {}", v.kind_name()))),
            },
            SiteKind::Index(kind) => index_op(*kind, &arg(0), &arg(1), machine.types(), site.span)?,
            SiteKind::SetField(index) => match &*arg(0) {
                Value::Struct(obj) => {
                    obj.fields.borrow_mut()[*index as usize] = arg(1).into_owned();
                    Value::Unit
                }
                v => return Err(internal(&format!("field assignment on a {}", v.kind_name()))),
            },
            SiteKind::SetIndex => {
                set_index(&arg(0), &arg(1), arg(2).into_owned(), site.span)?;
                Value::Unit
            }
            SiteKind::AppendStr => {
                let rhs = arg(1).into_owned();
                // SAFETY: the target is the slot of a local of the calling frame; the operand borrowed from it
                // above was cloned and is no longer used.
                append_str(unsafe { &mut *(bits[0] as *mut Value) }, rhs, site.span)?;
                Value::Unit
            }
            SiteKind::Snapshot { owned } => {
                let list = if *owned {
                    // SAFETY: an owned operand is a temporary of the calling frame that nothing else reads.
                    std::mem::replace(unsafe { &mut *(bits[0] as *mut Value) }, Value::Unit)
                } else {
                    arg(0).into_owned()
                };
                match list {
                    Value::List(l) if Rc::strong_count(&l) == 1 => Value::List(l),
                    Value::List(l) => Value::list(l.borrow().clone()),
                    v => return Err(internal(&format!("for over a {}", v.kind_name()))),
                }
            }
            SiteKind::ListLen => match &*arg(0) {
                Value::List(l) => Value::Int(l.borrow().len() as i64),
                v => return Err(internal(&format!("length of a {}", v.kind_name()))),
            },
            SiteKind::TakeItem => match (&*arg(0), &*arg(1)) {
                (Value::List(l), Value::Int(i)) => {
                    let mut items = l.borrow_mut();
                    let item = items
                        .get_mut(*i as usize)
                        .ok_or_else(|| internal("a `for` loop ran past its snapshot"))?;
                    std::mem::replace(item, Value::Unit)
                }
                _ => return Err(internal("took an element of a value that is not a list")),
            },
            SiteKind::Clear => {
                // SAFETY: the operand is a temporary of the calling frame that nothing else reads.
                unsafe { *(bits[0] as *mut Value) = Value::Unit };
                Value::Unit
            }
            SiteKind::Binary(_) | SiteKind::Unary(_) => return Err(internal("an operator site used as a call")),
        };
        // SAFETY: `out` is null or a live slot of the caller's frame (this function's contract).
        unsafe { finish(result, out) }
    })
}

/// Runs `call` in the reference executor, which counts from native code's `depth` during the call and from
/// its own after it.
fn leave_native(
    machine: &mut dyn Fallback,
    depth: u32,
    call: impl FnOnce(&mut dyn Fallback) -> Result<Value, RuntimeError>,
) -> Result<Value, RuntimeError> {
    let saved = machine.depth();
    machine.set_depth(depth);
    let result = call(machine);
    machine.set_depth(saved);
    result
}

/// `a % b` on floats, which Cranelift has no instruction for.
#[export_name = "paw_rt_frem"]
pub extern "C" fn rt_frem(a: f64, b: f64) -> f64 {
    a % b
}

/// Makes the `n` slots of a frame at `slots` hold unit, so that every slot always holds a valid `Value`.
///
/// # Safety
/// `slots` points to `n` writable, uninitialized (or already dropped) slots of `Value` size and alignment.
#[export_name = "paw_rt_frame_init"]
pub unsafe extern "C" fn rt_frame_init(slots: *mut Value, n: u32) {
    for i in 0..n as usize {
        // SAFETY: the frame has `n` slots of `Value` size and alignment; they are uninitialized, so written
        // without dropping.
        unsafe { slots.add(i).write(Value::Unit) };
    }
}

/// Drops the values of a frame's `n` slots when the function returns or unwinds.
///
/// # Safety
/// `slots` points to `n` slots initialized by [`rt_frame_init`], which nothing uses afterwards (until they are
/// initialized again).
#[export_name = "paw_rt_frame_drop"]
pub unsafe extern "C" fn rt_frame_drop(slots: *mut Value, n: u32) {
    // SAFETY: the slots were initialized by `rt_frame_init` and are not used after this.
    unsafe { std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(slots, n as usize)) };
}

/// `*dest = (*src).clone()`; `dest` and `src` may be the same slot.
///
/// # Safety
/// `dest` and `src` are live, initialized `Value`s (slots of native frames or constants; `dest` never a
/// constant) that nothing else borrows during the call.
#[export_name = "paw_rt_clone_into"]
pub unsafe extern "C" fn rt_clone_into(dest: *mut Value, src: *const Value) {
    // SAFETY: both are live slots of native frames; the clone is made before the store.
    unsafe {
        let value = (*src).clone();
        *dest = value;
    }
}

/// Moves the value of temporary `src` to `dest`, leaving unit behind.
///
/// # Safety
/// `dest` and `src` are live, initialized slots of native frames that nothing else borrows during the call.
#[export_name = "paw_rt_move_into"]
pub unsafe extern "C" fn rt_move_into(dest: *mut Value, src: *mut Value) {
    // SAFETY: both are live slots of native frames.
    unsafe {
        let value = std::mem::replace(&mut *src, Value::Unit);
        *dest = value;
    }
}
