//! The reference executor: a tree walk over the checked program.
//!
//! Locals live in one value stack, addressed as `base + slot` (no name lookups); natives are resolved to
//! function pointers when the program is loaded; `break`, `continue` and `return` travel as [`Ctrl`] results.
//! A runtime error collects the `.pw` stack as it unwinds through calls, so the happy path pays nothing for
//! stack traces.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::rc::Rc;
use std::sync::Arc;

use paw_diagnostics::Span;
use paw_hir::visit::{walk_expr, Visitor};
use paw_hir::{
    self as hir, ArithOp, BinaryOp, Callee, CompareOp, ExprKind, IndexKind, OrderedTy, Pattern, Place, Program,
    StmtKind, Ty, UnaryOp,
};

use crate::compiled::{CompiledCode, Fallback};
use crate::error::{ErrorKind, RuntimeError};
use crate::fuzzy::{value_from_json, FuzzyBackend, FuzzyCallError};
use crate::natives::{Host, NativeFn, NativeId};
use crate::value::{compare, dict_set, Closure, EnumInfo, KeyRef, StructInfo, StructObj, Types, Value};

/// Calls deeper than this are a "recursion too deep" error rather than a stack overflow.
pub const MAX_DEPTH: u32 = 10_000;

/// How evaluation leaves an expression other than by producing a value.
pub(crate) enum Ctrl {
    Break,
    Continue,
    Return(Value),
    Error(Box<RuntimeError>),
}

impl From<RuntimeError> for Ctrl {
    fn from(e: RuntimeError) -> Ctrl {
        Ctrl::Error(Box::new(e))
    }
}

type Eval = Result<Value, Ctrl>;

fn error_at(kind: ErrorKind, message: impl Into<String>, span: Span) -> Ctrl {
    let mut e = RuntimeError::new(kind, message);
    e.locate(span);
    e.into()
}

/// Where a running program reads and writes.
pub(crate) struct Io {
    pub out: BufWriter<Box<dyn Write + Send>>,
    pub err: Box<dyn Write + Send>,
    pub stdin: Box<dyn BufRead + Send>,
    pub args: Vec<String>,
    pub fuzzy: Arc<dyn FuzzyBackend>,
}

pub(crate) struct Machine<'p> {
    program: &'p Program,
    /// `natives[hir id]`: the implementation of each native the program declares.
    natives: Vec<NativeId>,
    /// `list.sum`, whose result type (int or float) the native cannot see for an empty list.
    list_sum: Option<hir::NativeId>,
    /// Every closure expression of the program, by the index a [`Closure`] value carries.
    lambdas: Vec<&'p hir::Closure>,
    lambda_ids: HashMap<*const hir::Closure, u32>,
    types: Types,
    stack: Vec<Value>,
    base: usize,
    depth: u32,
    /// Functions that run as native code instead of being walked.
    compiled: Option<&'p dyn CompiledCode>,
    pub io: Io,
}

impl<'p> Machine<'p> {
    /// Prepares `program` to run: resolves natives and indexes closures. Functions that `compiled` has
    /// compiled run as its native code.
    pub fn load(
        program: &'p Program,
        io: Io,
        compiled: Option<&'p dyn CompiledCode>,
    ) -> Result<Machine<'p>, RuntimeError> {
        let natives = program
            .natives
            .iter()
            .map(|n| {
                NativeId::lookup(&n.name)
                    .ok_or_else(|| RuntimeError::internal(format!("native fn `{}` has no implementation", n.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let list_sum = program
            .natives
            .iter()
            .position(|n| n.name == "list.sum")
            .map(|i| hir::NativeId(i as u32));
        let mut collect = Lambdas(Vec::new());
        for f in &program.functions {
            collect.visit_expr(&f.body);
        }
        for t in &program.tests {
            collect.visit_expr(&t.body);
        }
        let lambdas = collect.0;
        let lambda_ids = lambdas
            .iter()
            .enumerate()
            .map(|(i, c)| (*c as *const hir::Closure, i as u32))
            .collect();
        let types = Types {
            structs: program
                .structs
                .iter()
                .map(|s| StructInfo {
                    name: s.name.clone(),
                    fields: s.fields.iter().map(|f| f.name.clone()).collect(),
                })
                .collect(),
            enums: program
                .enums
                .iter()
                .map(|e| EnumInfo {
                    name: e.name.clone(),
                    variants: e.variants.iter().map(|v| v.name.clone()).collect(),
                })
                .collect(),
        };
        Ok(Machine {
            program,
            natives,
            list_sum,
            lambdas,
            lambda_ids,
            types,
            stack: Vec::with_capacity(1024),
            base: 0,
            depth: 0,
            compiled,
            io,
        })
    }

    /// Runs a body with no parameters (`main` or a test) in a fresh frame; `name` labels its stack frame.
    pub fn run_body(&mut self, body: &'p hir::Expr, num_locals: u32, name: &str) -> Result<Value, RuntimeError> {
        self.stack.clear();
        self.base = 0;
        self.depth = 0;
        self.stack.resize(num_locals as usize, Value::Unit);
        let result = match self.eval(body) {
            Ok(v) | Err(Ctrl::Return(v)) => Ok(v),
            Err(Ctrl::Error(mut e)) => {
                e.leave_frame(name, None);
                Err(*e)
            }
            Err(Ctrl::Break | Ctrl::Continue) => Err(RuntimeError::internal("`break` outside a loop")),
        };
        self.stack.clear();
        result
    }

    fn function_name(&self, id: hir::FnId) -> String {
        frame_name(self.program.function(id))
    }

    // Calls. Arguments are pushed on the value stack, which then becomes the callee's frame.

    /// Runs function `id` whose arguments are the top `nargs` values of the stack.
    fn enter_fn(&mut self, id: hir::FnId, nargs: usize, call_site: Option<Span>) -> Eval {
        if let Some(code) = self.compiled.filter(|c| c.is_compiled(id)) {
            return self.enter_compiled(code, id, nargs, call_site);
        }
        let f = self.program.function(id);
        let body = &f.body;
        self.enter(nargs, f.num_locals, body, call_site, |m| m.function_name(id))
    }

    fn enter(
        &mut self,
        nargs: usize,
        num_locals: u32,
        body: &'p hir::Expr,
        call_site: Option<Span>,
        name: impl FnOnce(&Self) -> String,
    ) -> Eval {
        let frame = self.stack.len() - nargs;
        if self.depth >= MAX_DEPTH {
            self.stack.truncate(frame);
            return Err(recursion_too_deep(call_site.unwrap_or(body.span)));
        }
        self.stack.resize(frame + num_locals as usize, Value::Unit);
        let saved = std::mem::replace(&mut self.base, frame);
        self.depth += 1;
        let result = self.eval(body);
        self.depth -= 1;
        self.base = saved;
        self.stack.truncate(frame);
        match result {
            Ok(v) | Err(Ctrl::Return(v)) => Ok(v),
            Err(Ctrl::Error(mut e)) => {
                e.leave_frame(&name(self), call_site);
                Err(Ctrl::Error(e))
            }
            Err(Ctrl::Break | Ctrl::Continue) => Err(RuntimeError::internal("`break` outside a loop").into()),
        }
    }

    /// Runs compiled function `id` like [`Self::enter`] runs a body: depth checked and counted, its frame
    /// recorded on error.
    #[inline(never)]
    fn enter_compiled(
        &mut self,
        code: &'p dyn CompiledCode,
        id: hir::FnId,
        nargs: usize,
        call_site: Option<Span>,
    ) -> Eval {
        let frame = self.stack.len() - nargs;
        let args: Vec<Value> = self.stack.drain(frame..).collect();
        if self.depth >= MAX_DEPTH {
            return Err(recursion_too_deep(
                call_site.unwrap_or(self.program.function(id).body.span),
            ));
        }
        self.depth += 1;
        let result = code.call(id, &args, self);
        self.depth -= 1;
        result.map_err(|mut e| {
            e.leave_frame(&self.function_name(id), call_site);
            Ctrl::from(e)
        })
    }

    /// Runs `main` (compiled or walked) as the outermost frame.
    pub fn run_main_fn(&mut self, id: hir::FnId) -> Result<Value, RuntimeError> {
        let f = self.program.function(id);
        match self.compiled.filter(|c| c.is_compiled(id)) {
            Some(code) => {
                self.stack.clear();
                self.base = 0;
                self.depth = 0;
                code.call(id, &[], self).map_err(|mut e| {
                    e.leave_frame(&f.name, None);
                    e
                })
            }
            None => self.run_body(&f.body, f.num_locals, &f.name),
        }
    }

    /// Calls a function value with arguments already evaluated.
    fn call_value(&mut self, f: &Value, args: &[Value], call_site: Option<Span>) -> Eval {
        match f {
            Value::Fn(id) => {
                self.stack.extend_from_slice(args);
                self.enter_fn(hir::FnId(*id), args.len(), call_site)
            }
            Value::Closure(c) => {
                let lambda = self.lambdas[c.lambda as usize];
                let frame = self.stack.len();
                self.stack.extend_from_slice(args);
                self.stack.resize(frame + lambda.num_locals as usize, Value::Unit);
                for (capture, value) in lambda.captures.iter().zip(c.captures.iter()) {
                    self.stack[frame + capture.inner.index()] = value.clone();
                }
                let n = self.stack.len() - frame;
                self.enter(n, lambda.num_locals, &lambda.body, call_site, |_| {
                    "<closure>".to_string()
                })
            }
            Value::Native(id) => {
                let mut r = (id.func())(self, args);
                if let (Err(e), Some(span)) = (&mut r, call_site) {
                    e.locate(span);
                }
                r.map_err(Ctrl::from)
            }
            Value::Fuzzy(id) => self.call_fuzzy(hir::FuzzyId(*id), args, call_site.unwrap_or_default()),
            other => Err(RuntimeError::internal(format!("called a {}", other.kind_name())).into()),
        }
    }

    /// The value of closure expression `c` with the values it captured.
    fn closure_value(&self, c: &hir::Closure, captures: Box<[Value]>) -> Result<Value, RuntimeError> {
        let lambda = *self
            .lambda_ids
            .get(&(c as *const hir::Closure))
            .ok_or_else(|| RuntimeError::internal("unknown closure"))?;
        Ok(Value::Closure(Rc::new(Closure { lambda, captures })))
    }

    fn call_native(&mut self, id: hir::NativeId, args: &[Value], e: &hir::Expr) -> Eval {
        let f: NativeFn = if Some(id) == self.list_sum && e.ty == Ty::Float {
            crate::natives::list_sum_float()
        } else {
            self.natives[id.index()].func()
        };
        f(self, args).map_err(|mut err| {
            err.locate(e.span);
            Ctrl::from(err)
        })
    }

    fn call_fuzzy(&mut self, id: hir::FuzzyId, args: &[Value], span: Span) -> Eval {
        let func = self.program.fuzzy_fn(id);
        let json_args: Vec<_> = args.iter().map(|a| a.to_json(&self.types)).collect();
        let answer = self.io.fuzzy.call(func, &json_args).map_err(|err| {
            let help = match &err {
                FuzzyCallError::NotBuilt { .. } => "run `pawc build` to compile the project's fuzzy functions",
                FuzzyCallError::NotReady { help, .. } => help.as_str(),
                FuzzyCallError::Failed { .. } => "run `pawc build` again; if it persists, check the model files",
            };
            let mut e = RuntimeError::new(ErrorKind::Fuzzy, format!("{err}")).with_help(help);
            e.locate(span);
            Ctrl::from(e)
        })?;
        value_from_json(&answer, &func.ret, self.program).map_err(|why| {
            error_at(
                ErrorKind::Fuzzy,
                format!("fuzzy fn `{}` returned a value of the wrong type: {why}", func.name),
                span,
            )
        })
    }

    // Expressions.

    fn local(&self, id: hir::LocalId) -> &Value {
        &self.stack[self.base + id.index()]
    }

    fn set_local(&mut self, id: hir::LocalId, v: Value) {
        let i = self.base + id.index();
        self.stack[i] = v;
    }

    fn eval(&mut self, e: &'p hir::Expr) -> Eval {
        match &e.kind {
            ExprKind::Local(id) => Ok(self.local(*id).clone()),
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.eval(lhs)?;
                let b = self.eval(rhs)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    if let Some(v) = int_binary_fast(*op, *x, *y) {
                        return Ok(v);
                    }
                }
                binary(*op, a, b, e.span)
            }
            ExprKind::Call { callee, args } => self.eval_call(callee, args, e),
            ExprKind::If { cond, then, else_ } => {
                if self.eval_bool(cond)? {
                    self.eval(then)
                } else if let Some(else_) = else_ {
                    self.eval(else_)
                } else {
                    Ok(Value::Unit)
                }
            }
            ExprKind::Block(block) => self.eval_block(block),
            _ => self.eval_other(e),
        }
    }

    /// The expression kinds that [`Self::eval`] does not handle itself. They live apart so that `eval`, which
    /// recurses for every node, keeps a small stack frame.
    #[inline(never)]
    fn eval_other(&mut self, e: &'p hir::Expr) -> Eval {
        match &e.kind {
            ExprKind::Local(_)
            | ExprKind::Int(_)
            | ExprKind::Binary { .. }
            | ExprKind::Call { .. }
            | ExprKind::If { .. }
            | ExprKind::Block(_) => self.eval(e),
            ExprKind::Unit => Ok(Value::Unit),
            ExprKind::Float(f) => Ok(Value::Float(*f)),
            ExprKind::Bool(b) => Ok(Value::Bool(*b)),
            ExprKind::Str(s) => Ok(Value::str(s.as_str())),
            ExprKind::None => Ok(Value::None),
            ExprKind::WrapSome(inner) => self.eval(inner),
            ExprKind::FnRef(id) => Ok(Value::Fn(id.0)),
            ExprKind::NativeRef(id) => Ok(Value::Native(self.natives[id.index()])),
            ExprKind::FuzzyRef(id) => Ok(Value::Fuzzy(id.0)),
            ExprKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item)?);
                }
                Ok(Value::list(out))
            }
            ExprKind::Range { start, end } => {
                let (start, end) = (self.eval_int(start)?, self.eval_int(end)?);
                Ok(Value::list((start..end).map(Value::Int).collect()))
            }
            ExprKind::Interpolate(parts) => {
                let mut out = String::new();
                for part in parts {
                    match self.eval(part)? {
                        Value::Str(s) => out.push_str(&s),
                        v => v.write_text(&self.types, &mut out, false),
                    }
                }
                Ok(Value::str(out))
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand)?;
                unary(*op, v, e.span)
            }
            ExprKind::And(a, b) => Ok(Value::Bool(self.eval_bool(a)? && self.eval_bool(b)?)),
            ExprKind::Or(a, b) => Ok(Value::Bool(self.eval_bool(a)? || self.eval_bool(b)?)),
            ExprKind::Coalesce(opt, default) => match self.eval(opt)? {
                Value::None => self.eval(default),
                v => Ok(v),
            },
            ExprKind::StructNew { id, fields } => {
                let mut values = Vec::with_capacity(fields.len());
                for f in fields {
                    values.push(self.eval(f)?);
                }
                Ok(Value::Struct(Rc::new(StructObj {
                    ty: id.0,
                    fields: RefCell::new(values.into()),
                })))
            }
            ExprKind::Variant { id, index } => Ok(Value::Enum(id.0, *index)),
            ExprKind::Field { base, index } => match self.eval(base)? {
                Value::Struct(obj) => Ok(obj.fields.borrow()[*index as usize].clone()),
                v => Err(RuntimeError::internal(format!("field of a {}", v.kind_name())).into()),
            },
            ExprKind::Index { base, index, kind } => {
                let base = self.eval(base)?;
                let index = self.eval(index)?;
                read_index(*kind, &base, &index, &self.types, e.span)
            }
            ExprKind::Closure(c) => {
                let captures = c.captures.iter().map(|cap| self.local(cap.outer).clone()).collect();
                Ok(self.closure_value(c, captures)?)
            }
            ExprKind::Match { scrutinee, arms } => {
                let v = self.eval(scrutinee)?;
                for arm in arms {
                    if self.bind_pattern(&arm.pattern, &v) {
                        return self.eval(&arm.body);
                    }
                }
                Err(RuntimeError::internal("no match arm matched").into())
            }
            ExprKind::Error => Err(RuntimeError::internal("ran a program with errors").into()),
        }
    }

    fn eval_bool(&mut self, e: &'p hir::Expr) -> Result<bool, Ctrl> {
        match self.eval(e)? {
            Value::Bool(b) => Ok(b),
            v => Err(RuntimeError::internal(format!("expected a bool, got a {}", v.kind_name())).into()),
        }
    }

    fn eval_int(&mut self, e: &'p hir::Expr) -> Result<i64, Ctrl> {
        match self.eval(e)? {
            Value::Int(i) => Ok(i),
            v => Err(RuntimeError::internal(format!("expected an int, got a {}", v.kind_name())).into()),
        }
    }

    fn eval_call(&mut self, callee: &'p Callee, args: &'p [hir::Expr], e: &'p hir::Expr) -> Eval {
        match callee {
            Callee::Fn(id) => {
                for arg in args {
                    let v = self.eval(arg)?;
                    self.stack.push(v);
                }
                self.enter_fn(*id, args.len(), Some(e.span))
            }
            Callee::Native(id) => self.eval_native_call(*id, args, e),
            Callee::Fuzzy(id) => {
                let values = self.eval_all(args)?;
                self.call_fuzzy(*id, &values, e.span)
            }
            Callee::Value(f) => {
                let f = self.eval(f)?;
                let values = self.eval_all(args)?;
                self.call_value(&f, &values, Some(e.span))
            }
        }
    }

    /// Calls a native with up to two arguments without a heap-allocated argument list.
    #[inline(never)]
    fn eval_native_call(&mut self, id: hir::NativeId, args: &'p [hir::Expr], e: &'p hir::Expr) -> Eval {
        match args {
            [] => self.call_native(id, &[], e),
            [a] => {
                let a = self.eval(a)?;
                self.call_native(id, &[a], e)
            }
            [a, b] => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                self.call_native(id, &[a, b], e)
            }
            _ => {
                let values = self.eval_all(args)?;
                self.call_native(id, &values, e)
            }
        }
    }

    fn eval_all(&mut self, args: &'p [hir::Expr]) -> Result<Vec<Value>, Ctrl> {
        args.iter().map(|a| self.eval(a)).collect()
    }

    fn eval_block(&mut self, block: &'p hir::Block) -> Eval {
        for stmt in &block.stmts {
            self.exec(stmt)?;
        }
        match &block.tail {
            Some(tail) => self.eval(tail),
            None => Ok(Value::Unit),
        }
    }

    /// Matches `v` against `p`, storing bindings in their slots.
    fn bind_pattern(&mut self, p: &Pattern, v: &Value) -> bool {
        match (p, v) {
            (Pattern::Wildcard, _) => true,
            (Pattern::Bind(slot), _) => {
                self.set_local(*slot, v.clone());
                true
            }
            (Pattern::Variant { id, index }, Value::Enum(e, i)) => id.0 == *e && index == i,
            (Pattern::Int(a), Value::Int(b)) => a == b,
            (Pattern::Float(a), Value::Float(b)) => a == b,
            (Pattern::Str(a), Value::Str(b)) => a.as_str() == b.as_str(),
            (Pattern::Bool(a), Value::Bool(b)) => a == b,
            (Pattern::None, Value::None) => true,
            (Pattern::Some(_), Value::None) => false,
            (Pattern::Some(inner), v) => self.bind_pattern(inner, v),
            _ => false,
        }
    }

    // Statements.

    fn exec(&mut self, stmt: &'p hir::Stmt) -> Result<(), Ctrl> {
        match &stmt.kind {
            StmtKind::Expr(e) => self.eval(e).map(drop),
            StmtKind::Let { local, value } => {
                let v = self.eval(value)?;
                self.set_local(*local, v);
                Ok(())
            }
            StmtKind::Assign { place, op, value } => self.assign(place, *op, value, stmt.span),
            StmtKind::While { cond, body } => {
                while self.eval_bool(cond)? {
                    if self.loop_body(body)? {
                        break;
                    }
                }
                Ok(())
            }
            StmtKind::ForRange { var, start, end, body } => {
                let (start, end) = (self.eval_int(start)?, self.eval_int(end)?);
                for i in start..end {
                    self.set_local(*var, Value::Int(i));
                    if self.loop_body(body)? {
                        break;
                    }
                }
                Ok(())
            }
            StmtKind::ForList { var, list, body } => {
                // The loop walks a snapshot, so its body may change the list. A list nobody else holds (the
                // result of `line.split(" ")`, say) is its own snapshot and is not copied.
                let items = match self.eval(list)? {
                    Value::List(l) => {
                        Rc::try_unwrap(l).map_or_else(|shared| shared.borrow().clone(), RefCell::into_inner)
                    }
                    v => return Err(RuntimeError::internal(format!("for over a {}", v.kind_name())).into()),
                };
                for item in items {
                    self.set_local(*var, item);
                    if self.loop_body(body)? {
                        break;
                    }
                }
                Ok(())
            }
            StmtKind::Return(value) => {
                let v = match value {
                    Some(e) => self.eval(e)?,
                    None => Value::Unit,
                };
                Err(Ctrl::Return(v))
            }
            StmtKind::Break => Err(Ctrl::Break),
            StmtKind::Continue => Err(Ctrl::Continue),
        }
    }

    /// Runs one iteration; `Ok(true)` means the loop was broken out of.
    fn loop_body(&mut self, body: &'p hir::Block) -> Result<bool, Ctrl> {
        match self.eval_block(body) {
            Ok(_) | Err(Ctrl::Continue) => Ok(false),
            Err(Ctrl::Break) => Ok(true),
            Err(other) => Err(other),
        }
    }

    fn assign(&mut self, place: &'p Place, op: Option<BinaryOp>, value: &'p hir::Expr, span: Span) -> Result<(), Ctrl> {
        match place {
            Place::Local(slot) => {
                let rhs = self.eval(value)?;
                let new = match op {
                    None => rhs,
                    Some(BinaryOp::StrConcat) => {
                        let i = self.base + slot.index();
                        return append_str(&mut self.stack[i], rhs, span).map_err(Ctrl::from);
                    }
                    Some(op) => binary(op, self.local(*slot).clone(), rhs, span)?,
                };
                self.set_local(*slot, new);
            }
            Place::Field { base, index } => {
                let Value::Struct(obj) = self.eval(base)? else {
                    return Err(RuntimeError::internal("field assignment on a non-struct").into());
                };
                let rhs = self.eval(value)?;
                let new = match op {
                    None => rhs,
                    Some(op) => binary(op, obj.fields.borrow()[*index as usize].clone(), rhs, span)?,
                };
                obj.fields.borrow_mut()[*index as usize] = new;
            }
            Place::Index { base, index, kind } => {
                let container = self.eval(base)?;
                let key = self.eval(index)?;
                let rhs = self.eval(value)?;
                let new = match op {
                    None => rhs,
                    Some(op) => binary(op, read_index(*kind, &container, &key, &self.types, span)?, rhs, span)?,
                };
                set_index(&container, &key, new, span).map_err(Ctrl::from)?;
            }
        }
        Ok(())
    }
}

/// `target += rhs` on strings. The string grows in place when `target` holds the only reference, so `s += x`
/// in a loop stays linear.
pub fn append_str(target: &mut Value, rhs: Value, span: Span) -> Result<(), RuntimeError> {
    if let (Value::Str(s), Value::Str(r)) = (&mut *target, &rhs) {
        Rc::make_mut(s).push_str(r);
        return Ok(());
    }
    let old = std::mem::replace(target, Value::Unit);
    *target = binary_op(BinaryOp::StrConcat, old, rhs, span)?;
    Ok(())
}

/// `container[key] = value` on a list (out of range is an error located at `span`) or a dict.
pub fn set_index(container: &Value, key: &Value, value: Value, span: Span) -> Result<(), RuntimeError> {
    match (container, key) {
        (Value::List(l), Value::Int(i)) => {
            let mut l = l.borrow_mut();
            let len = l.len();
            let slot = list_slot(*i, len, span).map_err(into_error)?;
            l[slot] = value;
        }
        (Value::Dict(d), _) => {
            let key = KeyRef::from_value(key).ok_or_else(|| RuntimeError::internal("bad dict key"))?;
            dict_set(&mut d.borrow_mut(), key, value);
        }
        _ => {
            return Err(RuntimeError::internal(format!(
                "cannot assign into a {}",
                container.kind_name()
            )))
        }
    }
    Ok(())
}

/// `base[index]` of the given kind, with the tree walker's errors (out of range, missing key, JSON shape)
/// located at `span`.
pub fn index_op(
    kind: IndexKind,
    base: &Value,
    index: &Value,
    types: &Types,
    span: Span,
) -> Result<Value, RuntimeError> {
    read_index(kind, base, index, types, span).map_err(into_error)
}

/// The error for a call nested deeper than [`MAX_DEPTH`]; apart from [`Machine::enter`], which runs for every
/// call, so that its frame stays small.
#[cold]
fn recursion_too_deep(span: Span) -> Ctrl {
    recursion_too_deep_error(span).into()
}

/// The name of a function's frames in a `.pw` stack trace: qualified by its module outside `main`.
pub fn frame_name(f: &hir::Function) -> String {
    if f.module == "main" {
        f.name.clone()
    } else {
        format!("{}.{}", f.module, f.name)
    }
}

/// The error for a call at `span` nested deeper than [`MAX_DEPTH`].
#[cold]
pub fn recursion_too_deep_error(span: Span) -> RuntimeError {
    let mut e = RuntimeError::new(
        ErrorKind::RecursionTooDeep,
        format!("recursion too deep: more than {MAX_DEPTH} nested calls"),
    )
    .with_help("check that the recursion reaches its base case, or rewrite it as a loop");
    e.locate(span);
    e
}

/// An error out of an expression: control flow never escapes one outside a loop or function.
fn into_error(c: Ctrl) -> RuntimeError {
    match c {
        Ctrl::Error(e) => *e,
        _ => RuntimeError::internal("control flow escaped a call"),
    }
}

/// Binary operator `op` on two values, with the tree walker's errors (overflow, division by zero) located
/// at `span`.
pub fn binary_op(op: BinaryOp, a: Value, b: Value, span: Span) -> Result<Value, RuntimeError> {
    binary(op, a, b, span).map_err(into_error)
}

/// Unary operator `op` on a value, with the tree walker's errors located at `span`.
pub fn unary_op(op: UnaryOp, v: Value, span: Span) -> Result<Value, RuntimeError> {
    unary(op, v, span).map_err(into_error)
}

fn unary(op: UnaryOp, v: Value, span: Span) -> Eval {
    match (op, v) {
        (UnaryOp::NegInt, Value::Int(i)) => i
            .checked_neg()
            .map(Value::Int)
            .ok_or_else(|| error_at(ErrorKind::Overflow, format!("negating {i} overflows an int"), span)),
        (UnaryOp::NegFloat, Value::Float(f)) => Ok(Value::Float(-f)),
        (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
        (_, v) => Err(RuntimeError::internal(format!("unary {op:?} on a {}", v.kind_name())).into()),
    }
}

/// The position `i` in a list of `len` elements, or an out-of-range error.
fn list_slot(i: i64, len: usize, span: Span) -> Result<usize, Ctrl> {
    if i >= 0 && (i as u64) < len as u64 {
        Ok(i as usize)
    } else {
        let mut e = RuntimeError::new(
            ErrorKind::IndexOutOfRange,
            format!("index {i} is out of range for a list of length {len}"),
        )
        .with_help("check the index against `xs.len()`, or use `xs.first()`/`xs.last()`, which return optionals");
        e.locate(span);
        Err(e.into())
    }
}

fn read_index(kind: IndexKind, base: &Value, index: &Value, types: &Types, span: Span) -> Eval {
    match (kind, base, index) {
        (IndexKind::List, Value::List(l), Value::Int(i)) => {
            let l = l.borrow();
            Ok(l[list_slot(*i, l.len(), span)?].clone())
        }
        (IndexKind::Dict, Value::Dict(d), k) => {
            let key = KeyRef::from_value(k).ok_or_else(|| RuntimeError::internal("bad dict key"))?;
            d.borrow().get(&key).cloned().ok_or_else(|| {
                let mut shown = String::new();
                k.write_text(types, &mut shown, true);
                let mut e = RuntimeError::new(ErrorKind::MissingKey, format!("key {shown} is not in the dict"))
                    .with_help("use `d.get(key)` for an optional, or check with `d.contains(key)` first");
                e.locate(span);
                e.into()
            })
        }
        (IndexKind::Json, Value::Json(j), Value::Str(field)) => {
            match &**j {
                serde_json::Value::Object(fields) => fields
                    .get(field.as_str())
                    .map(|f| Value::json(f.clone()))
                    .ok_or_else(|| {
                        let mut e =
                            RuntimeError::new(ErrorKind::Json, format!("the JSON object has no field \"{field}\""))
                                .with_help("use `j.get(\"field\")` for an optional");
                        e.locate(span);
                        e.into()
                    }),
                other => {
                    let mut e = crate::natives::json_shape_error("object", other);
                    e.locate(span);
                    Err(e.into())
                }
            }
        }
        (IndexKind::Json, Value::Json(j), Value::Int(i)) => match &**j {
            serde_json::Value::Array(items) => Ok(Value::json(items[list_slot(*i, items.len(), span)?].clone())),
            other => {
                let mut e = crate::natives::json_shape_error("array", other);
                e.locate(span);
                Err(e.into())
            }
        },
        _ => {
            Err(RuntimeError::internal(format!("indexing a {} with a {}", base.kind_name(), index.kind_name())).into())
        }
    }
}

fn overflow(op: &str, a: i64, b: i64, span: Span) -> Ctrl {
    error_at(
        ErrorKind::Overflow,
        format!("integer overflow: {a} {op} {b} does not fit in 64 bits"),
        span,
    )
}

/// The common case of [`binary`] on two ints, without its moves and error paths: `None` where the result
/// needs more than a plain operation (overflow, division, an operator that is not for ints), and then
/// `binary` computes it or the error.
#[inline]
fn int_binary_fast(op: BinaryOp, a: i64, b: i64) -> Option<Value> {
    Some(match op {
        BinaryOp::Int(ArithOp::Add) => Value::Int(a.checked_add(b)?),
        BinaryOp::Int(ArithOp::Sub) => Value::Int(a.checked_sub(b)?),
        BinaryOp::Int(ArithOp::Mul) => Value::Int(a.checked_mul(b)?),
        BinaryOp::Eq => Value::Bool(a == b),
        BinaryOp::Ne => Value::Bool(a != b),
        BinaryOp::Compare(op, OrderedTy::Int) => Value::Bool(match op {
            CompareOp::Lt => a < b,
            CompareOp::Le => a <= b,
            CompareOp::Gt => a > b,
            CompareOp::Ge => a >= b,
        }),
        _ => return None,
    })
}

fn binary(op: BinaryOp, a: Value, b: Value, span: Span) -> Eval {
    Ok(match (op, a, b) {
        (BinaryOp::Int(op), Value::Int(a), Value::Int(b)) => Value::Int(match op {
            ArithOp::Add => a.checked_add(b).ok_or_else(|| overflow("+", a, b, span))?,
            ArithOp::Sub => a.checked_sub(b).ok_or_else(|| overflow("-", a, b, span))?,
            ArithOp::Mul => a.checked_mul(b).ok_or_else(|| overflow("*", a, b, span))?,
            ArithOp::Div | ArithOp::Rem if b == 0 => {
                let what = if op == ArithOp::Div { "division" } else { "remainder" };
                return Err(error_at(
                    ErrorKind::DivisionByZero,
                    format!("{what} by zero: {a} {} 0", if op == ArithOp::Div { "/" } else { "%" }),
                    span,
                ));
            }
            ArithOp::Div => a.checked_div(b).ok_or_else(|| overflow("/", a, b, span))?,
            ArithOp::Rem => a.checked_rem(b).ok_or_else(|| overflow("%", a, b, span))?,
        }),
        (BinaryOp::Float(op), Value::Float(a), Value::Float(b)) => Value::Float(match op {
            ArithOp::Add => a + b,
            ArithOp::Sub => a - b,
            ArithOp::Mul => a * b,
            ArithOp::Div | ArithOp::Rem if b == 0.0 => {
                let what = if op == ArithOp::Div { "division" } else { "remainder" };
                return Err(error_at(
                    ErrorKind::DivisionByZero,
                    format!(
                        "{what} by zero: {a:?} {} 0.0",
                        if op == ArithOp::Div { "/" } else { "%" }
                    ),
                    span,
                ));
            }
            ArithOp::Div => a / b,
            ArithOp::Rem => a % b,
        }),
        (BinaryOp::StrConcat, Value::Str(a), Value::Str(b)) => {
            let mut s = String::with_capacity(a.len() + b.len());
            s.push_str(&a);
            s.push_str(&b);
            Value::str(s)
        }
        (BinaryOp::ListConcat, Value::List(a), Value::List(b)) => {
            let mut items = a.borrow().clone();
            items.extend(b.borrow().iter().cloned());
            Value::list(items)
        }
        (op @ (BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Compare(..)), a, b) => Value::Bool(relation(op, &a, &b)?),
        (op, a, b) => {
            return Err(RuntimeError::internal(format!("{op:?} on a {} and a {}", a.kind_name(), b.kind_name())).into())
        }
    })
}

/// `==`, `!=` and the orderings: comparing borrows both values.
pub fn relation(op: BinaryOp, a: &Value, b: &Value) -> Result<bool, RuntimeError> {
    let (op, ty) = match op {
        BinaryOp::Eq => return Ok(a == b),
        BinaryOp::Ne => return Ok(a != b),
        BinaryOp::Compare(op, ty) => (op, ty),
        op => return Err(RuntimeError::internal(format!("{op:?} is not a comparison"))),
    };
    let ord = match (ty, a, b) {
        (OrderedTy::Int, Value::Int(x), Value::Int(y)) => x.cmp(y),
        (OrderedTy::Float, Value::Float(x), Value::Float(y)) => match x.partial_cmp(y) {
            Some(o) => o,
            // Every comparison with NaN is false.
            None => return Ok(false),
        },
        (OrderedTy::Str, Value::Str(_), Value::Str(_)) => compare(a, b),
        _ => {
            return Err(RuntimeError::internal(format!(
                "comparing a {} with a {}",
                a.kind_name(),
                b.kind_name()
            )))
        }
    };
    Ok(match op {
        CompareOp::Lt => ord.is_lt(),
        CompareOp::Le => ord.is_le(),
        CompareOp::Gt => ord.is_gt(),
        CompareOp::Ge => ord.is_ge(),
    })
}

/// Collects every closure expression of a program, in a fixed order (the walk's pre-order).
struct Lambdas<'p>(Vec<&'p hir::Closure>);

impl<'p> Visitor<'p> for Lambdas<'p> {
    fn visit_expr(&mut self, e: &'p hir::Expr) {
        if let ExprKind::Closure(c) = &e.kind {
            self.0.push(c);
        }
        walk_expr(self, e);
    }
}

impl Fallback for Machine<'_> {
    fn depth(&self) -> u32 {
        self.depth
    }

    fn set_depth(&mut self, depth: u32) {
        self.depth = depth;
    }

    fn call_fn(&mut self, id: hir::FnId, args: &[Value], call_site: Span) -> Result<Value, RuntimeError> {
        self.stack.extend_from_slice(args);
        self.enter_fn(id, args.len(), Some(call_site)).map_err(into_error)
    }

    fn make_closure(&mut self, closure: &hir::Closure, captures: &[Value]) -> Result<Value, RuntimeError> {
        self.closure_value(closure, captures.into())
    }

    fn call_fn_value(&mut self, f: &Value, args: &[Value], call_site: Span) -> Result<Value, RuntimeError> {
        self.call_value(f, args, Some(call_site)).map_err(into_error)
    }

    fn call_target(&mut self, call: &hir::Expr, args: &[Value]) -> Result<Value, RuntimeError> {
        let result = match &call.kind {
            ExprKind::Call {
                callee: Callee::Native(id),
                ..
            } => self.call_native(*id, args, call),
            ExprKind::Call {
                callee: Callee::Fuzzy(id),
                ..
            } => self.call_fuzzy(*id, args, call.span),
            _ => Err(RuntimeError::internal("compiled code called a target that is not a native or fuzzy fn").into()),
        };
        result.map_err(into_error)
    }
}

impl Host for Machine<'_> {
    fn call(&mut self, f: &Value, args: &[Value]) -> Result<Value, RuntimeError> {
        self.call_value(f, args, None).map_err(into_error)
    }

    fn types(&self) -> &Types {
        &self.types
    }

    fn stdout(&mut self) -> &mut dyn Write {
        &mut self.io.out
    }

    fn stderr(&mut self) -> &mut dyn Write {
        &mut self.io.err
    }

    fn stdin_lines(&mut self) -> Result<Vec<String>, RuntimeError> {
        let mut lines = Vec::new();
        for line in (&mut self.io.stdin).lines() {
            lines.push(line.map_err(|e| RuntimeError::new(ErrorKind::Io, format!("cannot read standard input: {e}")))?);
        }
        Ok(lines)
    }

    fn args(&self) -> &[String] {
        &self.io.args
    }
}
