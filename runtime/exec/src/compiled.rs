//! The seam between the tree walker and code that runs some functions another way (the native backend,
//! `paw-native`). Whichever way a function runs, calls, depth counting and stack traces behave the same: the
//! caller checks and counts the depth of a call, and records the callee's frame when an error leaves it.

use paw_diagnostics::Span;
use paw_hir::{Closure, Expr, FnId};

use crate::error::RuntimeError;
use crate::natives::Host;
use crate::value::Value;

/// Functions that run as native code instead of through the tree walker.
pub trait CompiledCode {
    /// Whether function `id` runs as native code.
    fn is_compiled(&self, id: FnId) -> bool;

    /// Runs compiled function `id` with `args`. The call's depth was checked and counted by the caller, which
    /// also adds the function's own frame to an error's trace; `machine` runs what was not compiled.
    fn call(&self, id: FnId, args: &[Value], machine: &mut dyn Fallback) -> Result<Value, RuntimeError>;
}

/// The tree walker as compiled code sees it: it runs everything that was not compiled.
pub trait Fallback: Host {
    /// How many `.pw` calls are active (see [`crate::exec::MAX_DEPTH`]).
    fn depth(&self) -> u32;
    fn set_depth(&mut self, depth: u32);
    /// Calls plain function `id` from `call_site` as the tree walker does: depth checked and counted, the
    /// callee's frame recorded on error.
    fn call_fn(&mut self, id: FnId, args: &[Value], call_site: Span) -> Result<Value, RuntimeError>;
    /// The value of closure expression `closure` with the values it captured (in `closure.captures` order).
    fn make_closure(&mut self, closure: &Closure, captures: &[Value]) -> Result<Value, RuntimeError>;
    /// Calls a function value (a function, native, fuzzy fn or closure) from `call_site`, as the tree walker
    /// calls one.
    fn call_fn_value(&mut self, f: &Value, args: &[Value], call_site: Span) -> Result<Value, RuntimeError>;
    /// Calls the native or fuzzy fn that the call expression `call` names, with its arguments evaluated.
    fn call_target(&mut self, call: &Expr, args: &[Value]) -> Result<Value, RuntimeError>;
}
