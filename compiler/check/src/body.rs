//! Checking function, test and closure bodies: scopes and frames of locals, statements, expressions.
//!
//! Checking is bidirectional: [`Expect`] carries the type an expression must have (and where that
//! expectation came from), so mismatches are reported at the innermost expression, closures get their
//! parameter types from the call they are passed to, and `[]`/`none` get their element type.

use std::collections::HashMap;

use paw_diagnostics::{Label, Span};
use paw_syntax::ast;

use crate::checker::{Checker, DiagnosticExt, ItemRef};
use crate::hir::visit::{walk_expr_mut, VisitorMut};
use crate::hir::{
    ArithOp, BinaryOp, Block, Capture, Closure, CompareOp, Expr, ExprKind, FnId, IndexKind, LocalId, OrderedTy, Param,
    Place, Stmt, StmtKind, TestDef, Ty, UnaryOp,
};
use crate::infer::Table;

/// What the context wants of an expression's value.
#[derive(Clone, Debug)]
pub(crate) enum Expect {
    /// Anything; the expression's own type is used.
    Any,
    /// Exactly this type (with coercion `T → T?`); the label says where the expectation comes from.
    Ty(Ty, Option<Label>),
    /// The value is thrown away (statement position, or a function returning nothing).
    Discard,
}

impl Expect {
    fn hint(&self) -> Option<&Ty> {
        match self {
            Expect::Ty(t, _) => Some(t),
            _ => None,
        }
    }
}

struct Local {
    name: String,
    slot: LocalId,
    frame: usize,
    ty: Ty,
    mutable: bool,
    span: Span,
    used: bool,
}

/// The frame of a function, test or closure body.
struct Frame {
    num_locals: u32,
    captures: Vec<Capture>,
    /// Outer local (index into `Body::locals`) → its slot in this frame.
    captured: HashMap<usize, LocalId>,
    ret: Ty,
    ret_origin: Option<Span>,
    loops: u32,
}

/// The state of the body being checked.
#[derive(Default)]
pub(crate) struct Body {
    pub module: usize,
    locals: Vec<Local>,
    scopes: Vec<Vec<usize>>,
    frames: Vec<Frame>,
}

/// What a name or dotted path resolves to when it is not a local variable.
pub(crate) enum PathRes {
    Module(usize),
    Item(ItemRef),
    Variant(crate::hir::EnumId, u32),
    /// Already reported.
    Error,
}

fn expr(kind: ExprKind, ty: Ty, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn error_expr(span: Span) -> Expr {
    expr(ExprKind::Error, Ty::Error, span)
}

impl Checker {
    pub(crate) fn check_bodies(&mut self) {
        for index in 0..self.fn_sources.len() {
            let (module, item, ret_span) = {
                let source = &self.fn_sources[index];
                (source.module, source.item, source.ret_span)
            };
            let ast = self.modules[module].ast.clone();
            let ast::Item::Fn(decl) = &ast.items[item] else {
                continue;
            };
            let Some(block) = &decl.body else { continue };
            let function = &self.program.functions[index];
            let (params, ret) = (function.params.clone(), function.ret.clone());
            self.start_body(module, ret.clone(), ret_span);
            for param in &params {
                self.declare(&param.name, param.ty.clone(), false, param.span);
            }
            let expect = match ret {
                Ty::Unit => Expect::Discard,
                ret => Expect::Ty(
                    ret,
                    ret_span.map(|s| Label::new(s, "expected because of the return type")),
                ),
            };
            let body = self.check_block(block, &expect);
            let (body, num_locals) = self.finish_body(body);
            let function = &mut self.program.functions[FnId(index as u32).index()];
            function.body = body;
            function.num_locals = num_locals;
        }
        for m in 0..self.modules.len() {
            let ast = self.modules[m].ast.clone();
            for item in &ast.items {
                let ast::Item::Test(test) = item else { continue };
                self.start_body(m, Ty::Unit, None);
                let body = self.check_block(&test.body, &Expect::Discard);
                let (body, num_locals) = self.finish_body(body);
                let module = self.modules[m].name.clone();
                self.program.tests.push(TestDef {
                    name: test.name.clone(),
                    module,
                    body,
                    num_locals,
                    span: test.span,
                });
            }
        }
    }

    fn start_body(&mut self, module: usize, ret: Ty, ret_origin: Option<Span>) {
        self.table = Table::default();
        self.body = Body {
            module,
            ..Body::default()
        };
        self.push_frame(ret, ret_origin);
        self.body.scopes.push(Vec::new());
    }

    /// Closes the body's scope and frame, replaces inferred types, and returns the frame size.
    fn finish_body(&mut self, mut body: Expr) -> (Expr, u32) {
        self.pop_scope();
        let frame = self.body.frames.pop();
        Zonk {
            checker: self,
            reported: false,
        }
        .visit_expr(&mut body);
        (body, frame.map_or(0, |f| f.num_locals))
    }

    fn push_frame(&mut self, ret: Ty, ret_origin: Option<Span>) {
        self.body.frames.push(Frame {
            num_locals: 0,
            captures: Vec::new(),
            captured: HashMap::new(),
            ret,
            ret_origin,
            loops: 0,
        });
    }

    fn frame(&mut self) -> &mut Frame {
        self.body.frames.last_mut().expect("a body always has a frame")
    }

    pub(crate) fn declare(&mut self, name: &str, ty: Ty, mutable: bool, span: Span) -> LocalId {
        let frame_index = self.body.frames.len() - 1;
        let frame = self.frame();
        let slot = LocalId(frame.num_locals);
        frame.num_locals += 1;
        self.body.locals.push(Local {
            name: name.to_string(),
            slot,
            frame: frame_index,
            ty,
            mutable,
            span,
            used: false,
        });
        let index = self.body.locals.len() - 1;
        if let Some(scope) = self.body.scopes.last_mut() {
            scope.push(index);
        }
        slot
    }

    pub(crate) fn pop_scope(&mut self) {
        let Some(scope) = self.body.scopes.pop() else { return };
        for index in scope {
            let local = &self.body.locals[index];
            if local.used || local.name.is_empty() || local.name.starts_with('_') {
                continue;
            }
            let (name, span) = (local.name.clone(), local.span);
            self.warning("W0101", format!("unused variable `{name}`"), span, "never read")
                .hint(format!(
                    "if this is intentional, prefix it with an underscore: `_{name}`"
                ));
        }
    }

    pub(crate) fn find_local_index(&self, name: &str) -> Option<usize> {
        self.body
            .scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .copied()
            .find(|&i| self.body.locals[i].name == name)
    }

    /// The names of the locals in scope (for suggestions).
    pub(crate) fn local_names(&self) -> Vec<String> {
        self.body
            .scopes
            .iter()
            .flatten()
            .map(|&i| self.body.locals[i].name.clone())
            .collect()
    }

    /// The slot of local `index` in the current frame, capturing it through every closure in between.
    fn use_local(&mut self, index: usize) -> (LocalId, Ty) {
        self.body.locals[index].used = true;
        let local = &self.body.locals[index];
        let (mut slot, ty, home) = (local.slot, local.ty.clone(), local.frame);
        for f in home + 1..self.body.frames.len() {
            let frame = &mut self.body.frames[f];
            slot = match frame.captured.get(&index) {
                Some(inner) => *inner,
                None => {
                    let inner = LocalId(frame.num_locals);
                    frame.num_locals += 1;
                    frame.captures.push(Capture { outer: slot, inner });
                    frame.captured.insert(index, inner);
                    inner
                }
            };
        }
        (slot, ty)
    }

    // ---- blocks and statements ----

    fn check_block(&mut self, block: &ast::Block, expect: &Expect) -> Expr {
        self.body.scopes.push(Vec::new());
        // A final block-like statement without `;` is the block's value when there is no tail.
        let value_stmt = match (&block.tail, block.stmts.last()) {
            (
                None,
                Some(ast::Stmt {
                    kind: ast::StmtKind::Expr { expr, semi: false },
                    ..
                }),
            ) => Some(expr),
            _ => None,
        };
        let stmt_count = block.stmts.len() - usize::from(value_stmt.is_some());
        let mut stmts = Vec::new();
        let mut diverged: Option<Span> = None;
        let mut warned = false;
        for stmt in &block.stmts[..stmt_count] {
            if let (Some(at), false) = (diverged, warned) {
                self.unreachable(stmt.span, at);
                warned = true;
            }
            if let Some(checked) = self.check_stmt(stmt) {
                if diverged.is_none() && self.stmt_diverges(&checked) {
                    diverged = Some(stmt.span);
                }
                stmts.push(checked);
            }
        }
        let tail_ast = block.tail.as_deref().or(value_stmt);
        if let (Some(tail), Some(at), false) = (tail_ast, diverged, warned) {
            self.unreachable(tail.span, at);
        }
        let mut tail = tail_ast.map(|t| self.check_expr(t, expect));
        // A value that is thrown away (a function returning nothing, a statement) is a statement, so the
        // block's value really is `()`.
        if let (Expect::Discard, Some(t)) = (expect, &tail) {
            if self.table.shallow(&t.ty) != Ty::Never {
                let t = tail.take().expect("matched above");
                stmts.push(Stmt {
                    span: t.span,
                    kind: StmtKind::Expr(t),
                });
            }
        }
        let ty = match (&tail, diverged) {
            (_, Some(_)) => Ty::Never,
            (Some(t), None) => t.ty.clone(),
            (None, None) => {
                self.expect_unit_block(block, expect);
                Ty::Unit
            }
        };
        self.pop_scope();
        expr(
            ExprKind::Block(Block {
                stmts,
                tail: tail.map(Box::new),
            }),
            ty,
            block.span,
        )
    }

    /// A block without a value where a value is expected: "missing value".
    fn expect_unit_block(&mut self, block: &ast::Block, expect: &Expect) {
        let Expect::Ty(expected, origin) = expect else { return };
        if self.table.unify(expected, &Ty::Unit) {
            return;
        }
        let end = Span {
            start: block.span.end.saturating_sub(1),
            ..block.span
        };
        let shown = self.show(expected);
        let d = self.error(
            "E0213",
            format!("missing value: expected `{shown}`, but this block ends without one"),
            end,
            format!(
                "{} `{shown}` value is needed here",
                if shown.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                }
            ),
        );
        if let Some(origin) = origin {
            d.secondary.push(origin.clone());
        }
        d.hint("end the block with an expression of that type (without `;`), or `return` one");
    }

    fn unreachable(&mut self, span: Span, after: Span) {
        self.warning("W0102", "unreachable code", span, "this is never run")
            .also((after, "any code after this is unreachable"))
            .hint("remove the unreachable code, or the statement that jumps away before it");
    }

    fn stmt_diverges(&self, stmt: &Stmt) -> bool {
        match &stmt.kind {
            StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue => true,
            StmtKind::Expr(e) | StmtKind::Let { value: e, .. } => self.table.shallow(&e.ty) == Ty::Never,
            _ => false,
        }
    }

    fn check_stmt(&mut self, stmt: &ast::Stmt) -> Option<Stmt> {
        let kind = match &stmt.kind {
            ast::StmtKind::Error => return None,
            ast::StmtKind::Let {
                name,
                mutable,
                ty,
                value,
            } => {
                let annotated = ty
                    .as_ref()
                    .map(|t| (self.resolve_type(self.body.module, t, &[]), t.span()));
                let value = match &annotated {
                    Some((t, at)) => self.check_expr(
                        value,
                        &Expect::Ty(t.clone(), Some(Label::new(*at, "expected because of this annotation"))),
                    ),
                    None => self.check_expr(value, &Expect::Any),
                };
                let ty = annotated.map_or_else(|| value.ty.clone(), |(t, _)| t);
                let local = self.declare(&name.name, ty, *mutable, name.span);
                StmtKind::Let { local, value }
            }
            ast::StmtKind::Assign { target, op, value } => return self.check_assign(target, *op, value, stmt.span),
            ast::StmtKind::Expr { expr, .. } => StmtKind::Expr(self.check_expr(expr, &Expect::Discard)),
            ast::StmtKind::Return(value) => self.check_return(value.as_ref(), stmt.span),
            ast::StmtKind::Break | ast::StmtKind::Continue => {
                let is_break = matches!(stmt.kind, ast::StmtKind::Break);
                if self.frame().loops == 0 {
                    let word = if is_break { "break" } else { "continue" };
                    self.error(
                        "E0214",
                        format!("`{word}` outside of a loop"),
                        stmt.span,
                        "not inside `while` or `for`",
                    )
                    .hint("`break` and `continue` work only in the body of a `while` or `for` (not across a closure)");
                }
                if is_break {
                    StmtKind::Break
                } else {
                    StmtKind::Continue
                }
            }
            ast::StmtKind::While { cond, body } => {
                let cond = self.check_expr(cond, &Expect::Ty(Ty::Bool, None));
                let body = self.check_loop_body(body);
                StmtKind::While { cond, body }
            }
            ast::StmtKind::For { var, iter, body } => self.check_for(var, iter, body),
        };
        Some(Stmt { kind, span: stmt.span })
    }

    fn check_loop_body(&mut self, body: &ast::Block) -> Block {
        self.frame().loops += 1;
        let checked = self.check_block(body, &Expect::Discard);
        self.frame().loops -= 1;
        match checked.kind {
            ExprKind::Block(b) => b,
            _ => Block {
                stmts: Vec::new(),
                tail: None,
            },
        }
    }

    fn check_for(&mut self, var: &ast::Ident, iter: &ast::Expr, body: &ast::Block) -> StmtKind {
        if let ast::ExprKind::Range { start, end } = &iter.kind {
            let start = self.check_expr(start, &Expect::Ty(Ty::Int, None));
            let end = self.check_expr(end, &Expect::Ty(Ty::Int, None));
            self.body.scopes.push(Vec::new());
            let var = self.declare(&var.name, Ty::Int, false, var.span);
            let body = self.check_loop_body(body);
            self.pop_scope();
            return StmtKind::ForRange { var, start, end, body };
        }
        let list = self.check_expr(iter, &Expect::Any);
        let element = match self.table.shallow(&list.ty) {
            Ty::List(element) => *element,
            Ty::Error | Ty::Never => Ty::Error,
            Ty::Infer(_) => {
                let element = self.table.fresh();
                self.table.unify(&list.ty, &Ty::List(Box::new(element.clone())));
                element
            }
            other => {
                let shown = self.show(&other);
                let help = match other {
                    Ty::Str => "iterate over its characters with `.chars()` or its lines with `.lines()`",
                    Ty::Dict(..) => "iterate over `.keys()` or `.values()`",
                    Ty::Json => "iterate over the elements of a JSON array with `.items()`",
                    _ => "`for` iterates over a `list[T]` or a range `a..b`",
                };
                self.error(
                    "E0203",
                    format!("cannot iterate over `{shown}`"),
                    iter.span,
                    format!("this is `{shown}`"),
                )
                .hint(help);
                Ty::Error
            }
        };
        self.body.scopes.push(Vec::new());
        let var = self.declare(&var.name, element, false, var.span);
        let body = self.check_loop_body(body);
        self.pop_scope();
        StmtKind::ForList { var, list, body }
    }

    fn check_return(&mut self, value: Option<&ast::Expr>, span: Span) -> StmtKind {
        let (ret, origin) = {
            let frame = self.frame();
            (frame.ret.clone(), frame.ret_origin)
        };
        match value {
            Some(value) => {
                let expect = match self.table.shallow(&ret) {
                    Ty::Unit => Expect::Ty(Ty::Unit, None),
                    _ => Expect::Ty(
                        ret,
                        origin.map(|s| Label::new(s, "expected because of the return type")),
                    ),
                };
                let checked = self.check_expr(value, &expect);
                StmtKind::Return(Some(checked))
            }
            None => {
                if !self.table.unify(&ret, &Ty::Unit) {
                    let shown = self.show(&ret);
                    let d = self.error(
                        "E0213",
                        format!("missing return value: this function returns `{shown}`"),
                        span,
                        "returns nothing",
                    );
                    if let Some(origin) = origin {
                        d.secondary.push(Label::new(origin, "the return type is declared here"));
                    }
                    d.hint(format!("return a value: `return value;` of type `{shown}`"));
                }
                StmtKind::Return(None)
            }
        }
    }

    fn check_assign(&mut self, target: &ast::Expr, op: ast::AssignOp, value: &ast::Expr, span: Span) -> Option<Stmt> {
        let Some((place, target_ty)) = self.check_place(target) else {
            // The value is still checked, for its own errors and the variables it reads.
            self.check_expr(value, &Expect::Any);
            return None;
        };
        let shown = self.show(&target_ty);
        let origin = Some(Label::new(target.span, format!("this is `{shown}`")));
        let value = self.check_expr(value, &Expect::Ty(target_ty.clone(), origin));
        let op = match op {
            ast::AssignOp::Set => None,
            ast::AssignOp::Add => Some(self.arith_op(ArithOp::Add, &target_ty, "+=", span)?),
            ast::AssignOp::Sub => Some(self.arith_op(ArithOp::Sub, &target_ty, "-=", span)?),
            ast::AssignOp::Mul => Some(self.arith_op(ArithOp::Mul, &target_ty, "*=", span)?),
            ast::AssignOp::Div => Some(self.arith_op(ArithOp::Div, &target_ty, "/=", span)?),
        };
        Some(Stmt {
            kind: StmtKind::Assign { place, op, value },
            span,
        })
    }

    /// An assignable place and its type, or `None` after reporting why it is not one.
    fn check_place(&mut self, target: &ast::Expr) -> Option<(Place, Ty)> {
        match &target.kind {
            ast::ExprKind::Paren(inner) => self.check_place(inner),
            ast::ExprKind::Name(name) => {
                let Some(index) = self.find_local_index(&name.name) else {
                    let value = self.infer_expr(target, None);
                    if !matches!(value.kind, ExprKind::Error) {
                        self.error(
                            "E0221",
                            format!("cannot assign to `{}`", name.name),
                            target.span,
                            "not a variable",
                        )
                        .hint("only variables, struct fields and list or dict elements can be assigned");
                    }
                    return None;
                };
                let local = &self.body.locals[index];
                let (local_name, decl_span, mutable, home) =
                    (local.name.clone(), local.span, local.mutable, local.frame);
                if home + 1 != self.body.frames.len() {
                    self.error("E0209", format!("a closure cannot assign to the captured variable `{local_name}`"), target.span, "assigned inside a closure")
                        .also((decl_span, "declared outside the closure"))
                        .hint("closures capture values, not variables: return the new value from the closure instead, or keep it in a list or struct (those are shared)");
                    return None;
                }
                if !mutable {
                    self.error(
                        "E0208",
                        format!("cannot assign twice to immutable variable `{local_name}`"),
                        target.span,
                        "cannot assign",
                    )
                    .also((decl_span, format!("`{local_name}` is declared here without `mut`")))
                    .hint(format!("make it mutable: `let mut {local_name}`"));
                    return None;
                }
                let local = &self.body.locals[index];
                Some((Place::Local(local.slot), local.ty.clone()))
            }
            ast::ExprKind::Field { .. } | ast::ExprKind::Index { .. } => {
                let checked = self.infer_expr(target, None);
                match checked.kind {
                    ExprKind::Field { base, index } => Some((Place::Field { base: *base, index }, checked.ty)),
                    ExprKind::Index {
                        kind: IndexKind::Json, ..
                    } => {
                        self.error(
                            "E0221",
                            "a `json` value cannot be changed in place",
                            target.span,
                            "cannot assign",
                        )
                        .hint("build a changed copy with `json.set(value, key, field)` (after `use std.json`)");
                        None
                    }
                    ExprKind::Index { base, index, kind } => Some((
                        Place::Index {
                            base: *base,
                            index: *index,
                            kind,
                        },
                        checked.ty,
                    )),
                    ExprKind::Error => None,
                    _ => {
                        self.error(
                            "E0221",
                            "cannot assign to this expression",
                            target.span,
                            "not assignable",
                        )
                        .hint("only variables, struct fields and list or dict elements can be assigned");
                        None
                    }
                }
            }
            ast::ExprKind::Error => None,
            _ => {
                self.error(
                    "E0221",
                    "cannot assign to this expression",
                    target.span,
                    "not assignable",
                )
                .hint("only variables, struct fields and list or dict elements can be assigned");
                None
            }
        }
    }

    // ---- expressions ----

    pub(crate) fn check_expr(&mut self, e: &ast::Expr, expect: &Expect) -> Expr {
        match &e.kind {
            ast::ExprKind::Block(block) => self.check_block(block, expect),
            ast::ExprKind::If { cond, then, else_ } => self.check_if(cond, then, else_.as_deref(), e.span, expect),
            ast::ExprKind::Match { scrutinee, arms } => self.check_match(scrutinee, arms, e.span, expect),
            ast::ExprKind::Paren(inner) => self.check_expr(inner, expect),
            _ => {
                let checked = self.infer_expr(e, expect.hint());
                self.apply_expect(checked, expect)
            }
        }
    }

    fn apply_expect(&mut self, checked: Expr, expect: &Expect) -> Expr {
        match expect {
            Expect::Ty(t, origin) => self.coerce(checked, t, origin.clone()),
            _ => checked,
        }
    }

    /// `checked` as a value of type `expected`: equal after unification, or wrapped when `T` is used as `T?`.
    pub(crate) fn coerce(&mut self, checked: Expr, expected: &Ty, origin: Option<Label>) -> Expr {
        let actual = self.table.shallow(&checked.ty);
        let wanted = self.table.shallow(expected);
        if let Ty::Optional(inner) = &wanted {
            if !matches!(actual, Ty::Optional(_) | Ty::Infer(_) | Ty::Never | Ty::Error) {
                if self.table.unify(&actual, inner) {
                    let span = checked.span;
                    return expr(ExprKind::WrapSome(Box::new(checked)), wanted, span);
                }
                self.mismatch(&checked, expected, origin);
                return checked;
            }
        }
        if !self.table.unify(&actual, &wanted) {
            self.mismatch(&checked, expected, origin);
        }
        checked
    }

    fn mismatch(&mut self, checked: &Expr, expected: &Ty, origin: Option<Label>) {
        let (found, wanted) = (self.table.zonk(&checked.ty), self.table.zonk(expected));
        let (found_s, wanted_s) = (self.show(&found), self.show(&wanted));
        let help = match (&wanted, &found) {
            (Ty::Float, Ty::Int) => Some("convert with `.to_float()`".to_string()),
            (Ty::Int, Ty::Float) => Some("convert with `.to_int()`, `.round()`, `.floor()` or `.ceil()`".to_string()),
            (Ty::Str, _) => {
                Some("convert a value to text with `to_str(value)` or interpolation: `\"{value}\"`".to_string())
            }
            (w, Ty::Optional(inner)) if **inner == *w => Some(
                "the value may be absent: give a default with `value ?? default`, or `match` on `some(x)` / `none`"
                    .to_string(),
            ),
            (Ty::Unit, _) => Some(
                "this function returns nothing: declare a return type, like `-> int`, to return a value".to_string(),
            ),
            (_, Ty::Unit) => {
                Some("this has no value; an `if` without `else` or a block ending in `;` produces nothing".to_string())
            }
            _ => None,
        };
        let d = self.error(
            "E0201",
            format!("expected `{wanted_s}`, found `{found_s}`"),
            checked.span,
            format!("expected `{wanted_s}`, found `{found_s}`"),
        );
        if let Some(origin) = origin {
            d.secondary.push(origin);
        }
        if let Some(help) = help {
            d.hint(help);
        }
    }

    fn check_if(
        &mut self,
        cond: &ast::Expr,
        then: &ast::Block,
        else_: Option<&ast::Expr>,
        span: Span,
        expect: &Expect,
    ) -> Expr {
        let cond = self.check_expr(cond, &Expect::Ty(Ty::Bool, None));
        let Some(else_) = else_ else {
            let then = self.check_block(then, &Expect::Discard);
            let checked = expr(
                ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    else_: None,
                },
                Ty::Unit,
                span,
            );
            return self.apply_expect(checked, expect);
        };
        let then = self.check_block(then, expect);
        let else_expect = self.next_branch_expect(expect, &then, "the `if` branch");
        let else_ = self.check_expr(else_, &else_expect);
        let ty = self.branches_type(expect, &[&then, &else_]);
        expr(
            ExprKind::If {
                cond: Box::new(cond),
                then: Box::new(then),
                else_: Some(Box::new(else_)),
            },
            ty,
            span,
        )
    }

    /// The expectation of a later branch: the outer one, or under `Any` the first branch's type.
    fn next_branch_expect(&mut self, expect: &Expect, first: &Expr, what: &str) -> Expect {
        match expect {
            Expect::Any => {
                let ty = self.table.shallow(&first.ty);
                if matches!(ty, Ty::Never) {
                    return Expect::Any;
                }
                let shown = self.show(&ty);
                Expect::Ty(ty, Some(Label::new(value_span(first), format!("{what} is `{shown}`"))))
            }
            other => other.clone(),
        }
    }

    /// The type of an `if`/`match` from its branches: `Never` if all diverge.
    fn branches_type(&self, expect: &Expect, branches: &[&Expr]) -> Ty {
        if !branches.is_empty() && branches.iter().all(|b| self.table.shallow(&b.ty) == Ty::Never) {
            return Ty::Never;
        }
        match expect {
            Expect::Ty(t, _) => t.clone(),
            Expect::Discard => Ty::Unit,
            Expect::Any => branches
                .iter()
                .map(|b| self.table.shallow(&b.ty))
                .find(|t| *t != Ty::Never)
                .unwrap_or(Ty::Never),
        }
    }

    fn check_match(&mut self, scrutinee: &ast::Expr, arms: &[ast::MatchArm], span: Span, expect: &Expect) -> Expr {
        let scrutinee = self.check_expr(scrutinee, &Expect::Any);
        let mut checked_arms = Vec::new();
        let mut arm_expect = expect.clone();
        let mut patterns_ok = true;
        for arm in arms {
            self.body.scopes.push(Vec::new());
            let reported = self.diags.len();
            let pattern = self.check_pattern(&arm.pattern, &scrutinee.ty, scrutinee.span);
            patterns_ok &= self.diags.len() == reported;
            let body = self.check_expr(&arm.body, &arm_expect);
            self.pop_scope();
            if checked_arms.is_empty() {
                arm_expect = self.next_branch_expect(expect, &body, "the first arm");
            }
            checked_arms.push(crate::hir::MatchArm {
                pattern,
                body,
                span: arm.span,
            });
        }
        // A pattern in error stands for nothing: coverage would be guessed, so it is not reported.
        if patterns_ok {
            self.check_exhaustive(&scrutinee, &checked_arms, arms);
        }
        let bodies: Vec<&Expr> = checked_arms.iter().map(|a| &a.body).collect();
        let ty = if bodies.is_empty() {
            Ty::Never
        } else {
            self.branches_type(expect, &bodies)
        };
        expr(
            ExprKind::Match {
                scrutinee: Box::new(scrutinee),
                arms: checked_arms,
            },
            ty,
            span,
        )
    }

    /// The type of an expression, with `hint` (the expected type, if any) guiding closures and empty literals.
    /// The caller checks the result against the expectation.
    pub(crate) fn infer_expr(&mut self, e: &ast::Expr, hint: Option<&Ty>) -> Expr {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Error => error_expr(span),
            ast::ExprKind::Int(n) => expr(ExprKind::Int(*n), Ty::Int, span),
            ast::ExprKind::Float(x) => expr(ExprKind::Float(*x), Ty::Float, span),
            ast::ExprKind::Bool(b) => expr(ExprKind::Bool(*b), Ty::Bool, span),
            ast::ExprKind::None => {
                let inner = self.table.fresh();
                expr(ExprKind::None, Ty::Optional(Box::new(inner)), span)
            }
            ast::ExprKind::Str(parts) => self.check_string(parts, span),
            ast::ExprKind::Name(name) => match self.find_local_index(&name.name) {
                Some(index) => {
                    let (slot, ty) = self.use_local(index);
                    expr(ExprKind::Local(slot), ty, span)
                }
                None => self.path_value(e),
            },
            ast::ExprKind::List(elements) => {
                let element_ty = match hint.map(|h| self.table.shallow(h)) {
                    Some(Ty::List(t)) => *t,
                    _ => self.table.fresh(),
                };
                let mut checked = Vec::new();
                let mut origin = None;
                for element in elements {
                    let c = self.check_expr(element, &Expect::Ty(element_ty.clone(), origin.clone()));
                    if origin.is_none() {
                        let shown = self.show(&element_ty);
                        origin = Some(Label::new(c.span, format!("the first element is `{shown}`")));
                    }
                    checked.push(c);
                }
                expr(ExprKind::List(checked), Ty::List(Box::new(element_ty)), span)
            }
            ast::ExprKind::Unary { op, expr: operand } => self.check_unary(*op, operand, span),
            ast::ExprKind::Binary { op, lhs, rhs } => self.check_binary(*op, lhs, rhs, span),
            ast::ExprKind::Call { callee, args } => self.check_call(callee, args, span),
            ast::ExprKind::Field { base, name } => self.check_field(e, base, name),
            ast::ExprKind::Index { base, index } => self.check_index(base, index, span),
            ast::ExprKind::Lambda { params, body } => self.check_lambda(params, body, span, hint),
            ast::ExprKind::Range { start, end } => {
                let start = self.check_expr(start, &Expect::Ty(Ty::Int, None));
                let end = self.check_expr(end, &Expect::Ty(Ty::Int, None));
                expr(
                    ExprKind::Range {
                        start: Box::new(start),
                        end: Box::new(end),
                    },
                    Ty::List(Box::new(Ty::Int)),
                    span,
                )
            }
            ast::ExprKind::Paren(inner) => self.infer_expr(inner, hint),
            ast::ExprKind::Block(_) | ast::ExprKind::If { .. } | ast::ExprKind::Match { .. } => {
                self.check_expr(e, &Expect::Any)
            }
        }
    }

    fn check_string(&mut self, parts: &[ast::StrPart], span: Span) -> Expr {
        if parts.iter().all(|p| matches!(p, ast::StrPart::Lit(_))) {
            let text: String = parts
                .iter()
                .map(|p| if let ast::StrPart::Lit(s) = p { s.as_str() } else { "" })
                .collect();
            return expr(ExprKind::Str(text), Ty::Str, span);
        }
        let checked = parts
            .iter()
            .map(|part| match part {
                ast::StrPart::Lit(s) => expr(ExprKind::Str(s.clone()), Ty::Str, span),
                ast::StrPart::Interp(e) => self.check_expr(e, &Expect::Any),
            })
            .collect();
        expr(ExprKind::Interpolate(checked), Ty::Str, span)
    }

    fn check_unary(&mut self, op: ast::UnaryOp, operand: &ast::Expr, span: Span) -> Expr {
        if op == ast::UnaryOp::Not {
            let operand = self.check_expr(operand, &Expect::Ty(Ty::Bool, None));
            return expr(
                ExprKind::Unary {
                    op: UnaryOp::Not,
                    operand: Box::new(operand),
                },
                Ty::Bool,
                span,
            );
        }
        let operand = self.check_expr(operand, &Expect::Any);
        let ty = self.table.shallow(&operand.ty);
        let op = match ty {
            Ty::Int => UnaryOp::NegInt,
            Ty::Float => UnaryOp::NegFloat,
            Ty::Error | Ty::Never => return error_expr(span),
            Ty::Infer(_) => return self.needs_annotation(operand.span),
            other => {
                let shown = self.show(&other);
                self.error(
                    "E0203",
                    format!("cannot negate `{shown}`"),
                    span,
                    format!("this is `{shown}`"),
                )
                .hint("`-` applies to `int` and `float`");
                return error_expr(span);
            }
        };
        expr(
            ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            ty,
            span,
        )
    }

    fn needs_annotation(&mut self, span: Span) -> Expr {
        self.error(
            "E0204",
            "the type of this must be known here",
            span,
            "type unknown at this point",
        )
        .hint("add a type annotation where the value is introduced, for example `let xs: list[int] = [];`");
        error_expr(span)
    }

    fn check_binary(&mut self, op: ast::BinaryOp, lhs: &ast::Expr, rhs: &ast::Expr, span: Span) -> Expr {
        use ast::BinaryOp as B;
        match op {
            B::And | B::Or => {
                let l = self.check_expr(lhs, &Expect::Ty(Ty::Bool, None));
                let r = self.check_expr(rhs, &Expect::Ty(Ty::Bool, None));
                let kind = if op == B::And {
                    ExprKind::And(Box::new(l), Box::new(r))
                } else {
                    ExprKind::Or(Box::new(l), Box::new(r))
                };
                expr(kind, Ty::Bool, span)
            }
            B::Coalesce => {
                let l = self.check_expr(lhs, &Expect::Any);
                let inner = match self.table.shallow(&l.ty) {
                    Ty::Optional(inner) => *inner,
                    Ty::Infer(_) => {
                        let inner = self.table.fresh();
                        self.table.unify(&l.ty, &Ty::Optional(Box::new(inner.clone())));
                        inner
                    }
                    Ty::Error | Ty::Never => Ty::Error,
                    other => {
                        let shown = self.show(&other);
                        self.error(
                            "E0203",
                            format!("`??` needs an optional on its left, found `{shown}`"),
                            l.span,
                            format!("this is `{shown}`, never absent"),
                        )
                        .hint("remove `?? ...`: the value is always present");
                        other
                    }
                };
                let shown = self.show(&l.ty);
                let r = self.check_expr(
                    rhs,
                    &Expect::Ty(inner.clone(), Some(Label::new(l.span, format!("this is `{shown}`")))),
                );
                expr(ExprKind::Coalesce(Box::new(l), Box::new(r)), inner, span)
            }
            _ => {
                let l = self.check_expr(lhs, &Expect::Any);
                let shown = self.show(&l.ty);
                let origin = Some(Label::new(l.span, format!("this is `{shown}`")));
                // An operand of unknown type learns it from the right one before the operator is chosen;
                // otherwise the operator is checked first, so `true + 1` is one error, not two.
                let mut r = None;
                if matches!(self.table.shallow(&l.ty), Ty::Infer(_)) {
                    r = Some(self.check_expr(rhs, &Expect::Ty(l.ty.clone(), origin.clone())));
                }
                let operand = self.table.shallow(&l.ty);
                let (bin, ty) = match op {
                    B::Add => (self.arith_op(ArithOp::Add, &operand, "+", span), operand.clone()),
                    B::Sub => (self.arith_op(ArithOp::Sub, &operand, "-", span), operand.clone()),
                    B::Mul => (self.arith_op(ArithOp::Mul, &operand, "*", span), operand.clone()),
                    B::Div => (self.arith_op(ArithOp::Div, &operand, "/", span), operand.clone()),
                    B::Rem => (self.arith_op(ArithOp::Rem, &operand, "%", span), operand.clone()),
                    B::Eq | B::Ne => (self.equality_op(op == B::Eq, &operand, span), Ty::Bool),
                    B::Lt | B::Le | B::Gt | B::Ge => (self.compare_op(op, &operand, span), Ty::Bool),
                    B::And | B::Or | B::Coalesce => (None, Ty::Error),
                };
                // The right operand must match the left one, unless the operator was already rejected.
                let r = match (r, &bin) {
                    (Some(r), _) => r,
                    (None, Some(_)) => self.check_expr(rhs, &Expect::Ty(l.ty.clone(), origin)),
                    (None, None) => self.check_expr(rhs, &Expect::Any),
                };
                match bin {
                    Some(op) => expr(
                        ExprKind::Binary {
                            op,
                            lhs: Box::new(l),
                            rhs: Box::new(r),
                        },
                        ty,
                        span,
                    ),
                    None => error_expr(span),
                }
            }
        }
    }

    /// The arithmetic operator for operands of type `operand`, or `None` after reporting.
    fn arith_op(&mut self, op: ArithOp, operand: &Ty, symbol: &str, span: Span) -> Option<BinaryOp> {
        match self.table.shallow(operand) {
            Ty::Int => Some(BinaryOp::Int(op)),
            Ty::Float => Some(BinaryOp::Float(op)),
            Ty::Str if op == ArithOp::Add => Some(BinaryOp::StrConcat),
            Ty::List(_) if op == ArithOp::Add => Some(BinaryOp::ListConcat),
            Ty::Error | Ty::Never => None,
            Ty::Infer(_) => {
                self.needs_annotation(span);
                None
            }
            other => {
                let shown = self.show(&other);
                let help = match other {
                    Ty::Str | Ty::List(_) => "strings and lists support only `+`",
                    _ => "arithmetic works on `int` and `float`; `+` also joins strings and lists",
                };
                self.error(
                    "E0203",
                    format!("cannot apply `{symbol}` to `{shown}`"),
                    span,
                    format!("`{shown}` has no `{symbol}`"),
                )
                .hint(help);
                None
            }
        }
    }

    fn equality_op(&mut self, eq: bool, operand: &Ty, span: Span) -> Option<BinaryOp> {
        if contains_fn(&self.table.zonk(operand)) {
            self.error("E0203", "functions cannot be compared", span, "comparing functions")
                .hint("compare the results of calling them instead");
            return None;
        }
        Some(if eq { BinaryOp::Eq } else { BinaryOp::Ne })
    }

    fn compare_op(&mut self, op: ast::BinaryOp, operand: &Ty, span: Span) -> Option<BinaryOp> {
        let cmp = match op {
            ast::BinaryOp::Lt => CompareOp::Lt,
            ast::BinaryOp::Le => CompareOp::Le,
            ast::BinaryOp::Gt => CompareOp::Gt,
            _ => CompareOp::Ge,
        };
        let ordered = match self.table.shallow(operand) {
            Ty::Int => OrderedTy::Int,
            Ty::Float => OrderedTy::Float,
            Ty::Str => OrderedTy::Str,
            Ty::Error | Ty::Never => return None,
            Ty::Infer(_) => {
                self.needs_annotation(span);
                return None;
            }
            other => {
                let shown = self.show(&other);
                let help = "ordering (`<`, `<=`, `>`, `>=`) is defined on `int`, `float` and `str`";
                self.error(
                    "E0203",
                    format!("`{}` cannot order values of type `{shown}`", op.symbol()),
                    span,
                    format!("`{shown}` has no ordering"),
                )
                .hint(help);
                return None;
            }
        };
        Some(BinaryOp::Compare(cmp, ordered))
    }

    fn check_index(&mut self, base: &ast::Expr, index: &ast::Expr, span: Span) -> Expr {
        let base = self.check_expr(base, &Expect::Any);
        let (kind, index, ty) = match self.table.shallow(&base.ty) {
            Ty::List(element) => (
                IndexKind::List,
                self.check_expr(index, &Expect::Ty(Ty::Int, None)),
                *element,
            ),
            Ty::Dict(key, value) => (IndexKind::Dict, self.check_expr(index, &Expect::Ty(*key, None)), *value),
            Ty::Json => {
                let index = self.check_expr(index, &Expect::Any);
                match self.table.shallow(&index.ty) {
                    Ty::Str | Ty::Int | Ty::Error | Ty::Never => {}
                    other => {
                        let shown = self.show(&other);
                        self.error(
                            "E0201",
                            format!("a `json` value is indexed by `str` or `int`, found `{shown}`"),
                            index.span,
                            "not a key or position",
                        )
                        .hint("use a field name (`j[\"name\"]`) or an array position (`j[0]`)");
                    }
                }
                (IndexKind::Json, index, Ty::Json)
            }
            Ty::Error | Ty::Never => return error_expr(span),
            Ty::Infer(_) => return self.needs_annotation(base.span),
            other => {
                let shown = self.show(&other);
                let help = match other {
                    Ty::Str => "use `s.slice(i, i + 1)` for one character, or `s.chars()` for all of them",
                    _ => "indexing works on `list`, `dict` and `json` values",
                };
                self.error(
                    "E0203",
                    format!("`{shown}` cannot be indexed"),
                    base.span,
                    format!("this is `{shown}`"),
                )
                .hint(help);
                return error_expr(span);
            }
        };
        expr(
            ExprKind::Index {
                base: Box::new(base),
                index: Box::new(index),
                kind,
            },
            ty,
            span,
        )
    }

    fn check_lambda(&mut self, params: &[ast::LambdaParam], body: &ast::Expr, span: Span, hint: Option<&Ty>) -> Expr {
        let hinted = match hint.map(|h| self.table.shallow(h)) {
            Some(Ty::Fn(ps, r)) if ps.len() == params.len() => Some((ps, *r)),
            _ => None,
        };
        let ret = hinted.as_ref().map_or_else(|| self.table.fresh(), |(_, r)| r.clone());
        self.push_frame(ret.clone(), None);
        self.body.scopes.push(Vec::new());
        let mut checked_params = Vec::new();
        for (i, param) in params.iter().enumerate() {
            let from_hint = hinted.as_ref().map(|(ps, _)| ps[i].clone());
            let ty = match (&param.ty, from_hint) {
                (Some(t), hinted) => {
                    let ty = self.resolve_type(self.body.module, t, &[]);
                    if let Some(h) = hinted {
                        if !self.table.unify(&ty, &h) {
                            let (a, b) = (self.show(&ty), self.show(&h));
                            self.error(
                                "E0201",
                                format!("expected `{b}`, found `{a}`"),
                                t.span(),
                                format!("this parameter is passed a `{b}`"),
                            )
                            .hint(format!("change the annotation to `{b}`, or remove it"));
                        }
                    }
                    ty
                }
                (None, Some(h)) => h,
                (None, None) => self.table.fresh(),
            };
            self.declare(&param.name.name, ty.clone(), false, param.name.span);
            checked_params.push(Param {
                name: param.name.name.clone(),
                ty,
                span: param.name.span,
            });
        }
        let expect = match self.table.shallow(&ret) {
            Ty::Unit => Expect::Discard,
            _ => Expect::Ty(ret.clone(), None),
        };
        let body = self.check_expr(body, &expect);
        self.pop_scope();
        let frame = self.body.frames.pop().expect("pushed above");
        let ty = Ty::Fn(checked_params.iter().map(|p| p.ty.clone()).collect(), Box::new(ret));
        let closure = Closure {
            params: checked_params,
            captures: frame.captures,
            body,
            num_locals: frame.num_locals,
        };
        expr(ExprKind::Closure(Box::new(closure)), ty, span)
    }
}

/// Replaces inference variables by their solutions in a finished body; reports the first unsolved one.
struct Zonk<'c> {
    checker: &'c mut Checker,
    reported: bool,
}

impl VisitorMut<'_> for Zonk<'_> {
    fn visit_expr(&mut self, e: &mut Expr) {
        let checker = &mut *self.checker;
        e.ty = checker.table.zonk(&e.ty);
        if checker.table.has_unknowns(&e.ty) {
            if !self.reported {
                self.reported = true;
                let shown = checker.show(&e.ty);
                checker
                    .error(
                        "E0204",
                        format!("cannot infer the type of this (`{shown}`)"),
                        e.span,
                        "type unknown",
                    )
                    .hint("add a type annotation, for example `let xs: list[str] = [];` or `let x: int? = none;`");
            }
            e.ty = replace_unknowns(&e.ty);
        }
        if let ExprKind::Closure(c) = &mut e.kind {
            for p in &mut c.params {
                p.ty = replace_unknowns(&checker.table.zonk(&p.ty));
            }
        }
        walk_expr_mut(self, e);
    }
}

/// The span of the value an expression produces: a block's tail, or the expression itself.
fn value_span(e: &Expr) -> Span {
    match &e.kind {
        ExprKind::Block(Block { tail: Some(tail), .. }) => value_span(tail),
        _ => e.span,
    }
}

fn contains_fn(t: &Ty) -> bool {
    match t {
        Ty::Fn(..) => true,
        Ty::List(e) | Ty::Optional(e) => contains_fn(e),
        Ty::Dict(k, v) => contains_fn(k) || contains_fn(v),
        _ => false,
    }
}

/// An unsolved variable (already reported) becomes `Error`.
fn replace_unknowns(t: &Ty) -> Ty {
    match t {
        Ty::Infer(_) => Ty::Error,
        Ty::List(e) => Ty::List(Box::new(replace_unknowns(e))),
        Ty::Optional(e) => Ty::Optional(Box::new(replace_unknowns(e))),
        Ty::Dict(k, v) => Ty::Dict(Box::new(replace_unknowns(k)), Box::new(replace_unknowns(v))),
        Ty::Fn(ps, r) => Ty::Fn(ps.iter().map(replace_unknowns).collect(), Box::new(replace_unknowns(r))),
        other => other.clone(),
    }
}
