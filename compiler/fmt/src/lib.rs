//! `pawc fmt`: one canonical layout for `.pw` source.
//!
//! The layout is fixed (4-space indents, one blank line between items, `use` lines grouped) except where the
//! user's line breaks carry meaning: a call, list or method chain written across several lines stays one element
//! per line, and up to one blank line between statements is kept. Literals are printed exactly as written, and
//! every comment and docstring is kept. Formatting is idempotent: formatting formatted code changes nothing.

use paw_diagnostics::{Diagnostic, FileId};
use paw_syntax::ast::*;

const INDENT: &str = "    ";

/// Formats one file. A file with syntax errors is not formatted: its diagnostics are returned instead.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (tree, diagnostics) = paw_syntax::parse(file, text);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let mut printer = Printer {
        src: text,
        out: String::new(),
        comments: &tree.comments,
        next_comment: 0,
    };
    printer.file(&tree);
    Ok(printer.out)
}

struct Printer<'a> {
    src: &'a str,
    out: String,
    comments: &'a [Comment],
    /// Comments before this index have been printed.
    next_comment: usize,
}

impl Printer<'_> {
    // ---- layout primitives -------------------------------------------------------------------------------

    /// The indentation level of the line being written.
    fn line_indent(&self) -> usize {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        (line.len() - line.trim_start_matches(' ').len()) / INDENT.len()
    }

    fn newline(&mut self, indent: usize) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn source(&self, span: paw_diagnostics::Span) -> &str {
        &self.src[span.range()]
    }

    fn has_newline(&self, from: usize, to: usize) -> bool {
        from < to && self.src.get(from..to).is_some_and(|s| s.contains('\n'))
    }

    /// Whether the source between two offsets holds an empty line.
    fn has_blank_line(&self, from: usize, to: usize) -> bool {
        from < to && self.src.get(from..to).is_some_and(|s| s.matches('\n').count() >= 2)
    }

    fn line_of(&self, offset: usize) -> usize {
        self.src[..offset.min(self.src.len())].matches('\n').count()
    }

    // ---- comments ----------------------------------------------------------------------------------------

    /// Prints, each on its own line at `indent`, the comments that start before `pos`.
    fn comments_before(&mut self, pos: usize, indent: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start as usize >= pos {
                break;
            }
            let line = self.out.rsplit('\n').next().unwrap_or("");
            if !line.trim().is_empty() {
                self.newline(indent);
            }
            self.push(c.text.trim_end());
            self.newline(indent);
            self.next_comment += 1;
            let next = self
                .comments
                .get(self.next_comment)
                .map_or(pos, |n| (n.span.start as usize).min(pos));
            if self.has_blank_line(c.span.end as usize, next) {
                self.newline(indent);
            }
        }
    }

    /// Appends a comment that starts on the same source line as `end` (a trailing `// note`).
    fn trailing_comment(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next_comment) {
            let start = c.span.start as usize;
            if start >= end && self.line_of(start) == self.line_of(end) {
                self.push(" ");
                self.push(c.text.trim_end());
                self.next_comment += 1;
            }
        }
    }

    fn docs(&mut self, docs: &Docs, indent: usize) {
        for line in &docs.lines {
            if line.text.is_empty() {
                self.push("///");
            } else {
                self.push("/// ");
                self.push(&line.text);
            }
            self.newline(indent);
        }
    }

    // ---- items -------------------------------------------------------------------------------------------

    fn file(&mut self, file: &SourceFile) {
        let mut previous: Option<&Item> = None;
        for item in &file.items {
            let start = item_start(item);
            if let Some(prev) = previous {
                let both_use = matches!((prev, item), (Item::Use(_), Item::Use(_)));
                let blank = !both_use || self.has_blank_line(prev.span().end as usize, start);
                self.newline(0);
                if blank {
                    self.newline(0);
                }
            }
            self.comments_before(start, 0);
            self.item(item);
            self.trailing_comment(item.span().end as usize);
            previous = Some(item);
        }
        self.comments_before(usize::MAX, 0);
        while self.out.ends_with('\n') || self.out.ends_with(' ') {
            self.out.pop();
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(u) => {
                self.push("use ");
                self.push(&join_idents(&u.path));
            }
            Item::Fn(f) => {
                self.docs(&f.docs, 0);
                if f.is_native {
                    self.push("native ");
                }
                self.push("fn ");
                self.push(&f.name.name);
                if !f.type_params.is_empty() {
                    self.push(&format!(
                        "[{}]",
                        f.type_params
                            .iter()
                            .map(|t| t.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                self.params(&f.params);
                if let Some(ret) = &f.ret {
                    self.push(" -> ");
                    self.ty(ret);
                }
                if let Some(body) = &f.body {
                    self.push(" ");
                    self.block(body, true);
                }
            }
            Item::Fuzzy(f) => {
                self.docs(&f.docs, 0);
                self.push("fuzzy fn ");
                self.push(&f.name.name);
                self.params(&f.params);
                if let Some(ret) = &f.ret {
                    self.push(" -> ");
                    self.ty(ret);
                }
            }
            Item::Struct(s) => {
                self.docs(&s.docs, 0);
                self.push("struct ");
                self.push(&s.name.name);
                self.push(" {");
                for field in &s.fields {
                    self.member(&field.docs, field.span, |p| {
                        p.push(&field.name.name);
                        p.push(": ");
                        p.ty(&field.ty);
                    });
                }
                self.close_members(s.span);
            }
            Item::Enum(e) => {
                self.docs(&e.docs, 0);
                self.push("enum ");
                self.push(&e.name.name);
                self.push(" {");
                for variant in &e.variants {
                    self.member(&variant.docs, variant.span, |p| p.push(&variant.name.name));
                }
                self.close_members(e.span);
            }
            Item::Test(t) => {
                self.push("test ");
                let name = self.source(t.name_span).to_string();
                self.push(&name);
                self.push(" ");
                self.block(&t.body, true);
            }
            Item::Error(span) => {
                let text = self.source(*span).to_string();
                self.push(&text);
            }
        }
    }

    /// One field or variant: its comments and docs, itself, a comma, and a trailing comment.
    fn member(&mut self, docs: &Docs, span: paw_diagnostics::Span, body: impl FnOnce(&mut Self)) {
        self.newline(1);
        let start = docs.lines.first().map_or(span.start, |l| l.span.start.min(span.start)) as usize;
        self.comments_before(start, 1);
        self.docs(docs, 1);
        body(self);
        self.push(",");
        self.trailing_comment(span.end as usize);
    }

    fn close_members(&mut self, span: paw_diagnostics::Span) {
        self.comments_before(span.end as usize, 1);
        self.newline(0);
        self.push("}");
    }

    fn params(&mut self, params: &[Param]) {
        self.push("(");
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push(&p.name.name);
            self.push(": ");
            self.ty(&p.ty);
        }
        self.push(")");
    }

    fn ty(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::Named { path, args, .. } => {
                self.push(&join_idents(path));
                if !args.is_empty() {
                    self.push("[");
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            self.push(", ");
                        }
                        self.ty(a);
                    }
                    self.push("]");
                }
            }
            TypeExpr::Optional { inner, .. } => {
                self.ty(inner);
                self.push("?");
            }
            TypeExpr::Fn { params, ret, .. } => {
                self.push("fn(");
                for (i, p) in params.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.ty(p);
                }
                self.push(")");
                if let Some(ret) = ret {
                    self.push(" -> ");
                    self.ty(ret);
                }
            }
            TypeExpr::Error(span) => {
                let text = self.source(*span).to_string();
                self.push(&text);
            }
        }
    }

    // ---- statements --------------------------------------------------------------------------------------

    /// A block. `force_break` puts its content on separate lines even when it is short (function bodies).
    fn block(&mut self, block: &Block, force_break: bool) {
        let (start, end) = (block.span.start as usize, block.span.end as usize);
        let has_comment = self
            .comments
            .get(self.next_comment)
            .is_some_and(|c| (c.span.start as usize) < end);
        let inline = !force_break && block.stmts.is_empty() && !has_comment && !self.has_newline(start, end);
        if inline {
            match &block.tail {
                Some(tail) => {
                    self.push("{ ");
                    self.expr(tail);
                    self.push(" }");
                }
                None => self.push("{}"),
            }
            return;
        }
        if block.stmts.is_empty() && block.tail.is_none() && !has_comment {
            self.push("{}");
            return;
        }
        let indent = self.line_indent() + 1;
        self.push("{");
        let mut last_end = start + 1;
        for stmt in &block.stmts {
            self.block_line(indent, last_end, stmt.span.start as usize);
            self.stmt(stmt);
            self.trailing_comment(stmt.span.end as usize);
            last_end = stmt.span.end as usize;
        }
        if let Some(tail) = &block.tail {
            self.block_line(indent, last_end, tail.span.start as usize);
            self.expr(tail);
            self.trailing_comment(tail.span.end as usize);
        }
        self.comments_before(end, indent);
        self.newline(indent - 1);
        self.push("}");
    }

    /// Starts a new line in a block for something at `start`, keeping one blank line if the source had one.
    fn block_line(&mut self, indent: usize, last_end: usize, start: usize) {
        let first = self.out.ends_with('{');
        let next = self
            .comments
            .get(self.next_comment)
            .map_or(start, |c| (c.span.start as usize).min(start));
        if !first && self.has_blank_line(last_end, next) {
            self.newline(indent);
        }
        self.newline(indent);
        self.comments_before(start, indent);
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Let {
                name,
                mutable,
                ty,
                value,
            } => {
                self.push(if *mutable { "let mut " } else { "let " });
                self.push(&name.name);
                if let Some(ty) = ty {
                    self.push(": ");
                    self.ty(ty);
                }
                self.push(" = ");
                self.expr(value);
                self.push(";");
            }
            StmtKind::Assign { target, op, value } => {
                self.expr(target);
                self.push(match op {
                    AssignOp::Set => " = ",
                    AssignOp::Add => " += ",
                    AssignOp::Sub => " -= ",
                    AssignOp::Mul => " *= ",
                    AssignOp::Div => " /= ",
                });
                self.expr(value);
                self.push(";");
            }
            StmtKind::Expr { expr, semi } => {
                self.expr(expr);
                if *semi {
                    self.push(";");
                }
            }
            StmtKind::Return(value) => {
                self.push("return");
                if let Some(v) = value {
                    self.push(" ");
                    self.expr(v);
                }
                self.push(";");
            }
            StmtKind::Break => self.push("break;"),
            StmtKind::Continue => self.push("continue;"),
            StmtKind::While { cond, body } => {
                self.push("while ");
                self.expr(cond);
                self.push(" ");
                self.block(body, true);
            }
            StmtKind::For { var, iter, body } => {
                self.push("for ");
                self.push(&var.name);
                self.push(" in ");
                self.expr(iter);
                self.push(" ");
                self.block(body, true);
            }
            StmtKind::Error => {
                let text = self.source(stmt.span).to_string();
                self.push(&text);
            }
        }
    }

    // ---- expressions -------------------------------------------------------------------------------------

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            // Literals exactly as written: `1_000`, `1e-3` and escapes keep the user's spelling.
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Error => {
                let text = self.source(expr.span).to_string();
                self.push(&text);
            }
            ExprKind::Bool(b) => self.push(if *b { "true" } else { "false" }),
            ExprKind::None => self.push("none"),
            ExprKind::Name(id) => self.push(&id.name),
            ExprKind::List(items) => {
                self.push("[");
                self.sequence(
                    items.iter().map(|e| (None, e)).collect(),
                    expr.span.start as usize,
                    expr.span.end as usize,
                );
                self.push("]");
            }
            ExprKind::Unary { op, expr: inner } => {
                self.push(match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "!",
                });
                self.expr(inner);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.expr(lhs);
                self.push(" ");
                self.push(op.symbol());
                self.push(" ");
                self.expr(rhs);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                self.push("(");
                let items = args.iter().map(|a| (a.label.as_ref(), &a.value)).collect();
                self.sequence(items, callee.span.end as usize, expr.span.end as usize);
                self.push(")");
            }
            ExprKind::Field { base, name } => {
                self.expr(base);
                if self.has_newline(base.span.end as usize, name.span.start as usize) {
                    let indent = self.chain_indent();
                    self.newline(indent);
                }
                self.push(".");
                self.push(&name.name);
            }
            ExprKind::Index { base, index } => {
                self.expr(base);
                self.push("[");
                self.expr(index);
                self.push("]");
            }
            ExprKind::Lambda { params, body } => {
                self.push("|");
                for (i, p) in params.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.push(&p.name.name);
                    if let Some(ty) = &p.ty {
                        self.push(": ");
                        self.ty(ty);
                    }
                }
                self.push("| ");
                self.expr(body);
            }
            ExprKind::If { cond, then, else_ } => {
                self.push("if ");
                self.expr(cond);
                self.push(" ");
                self.block(then, false);
                if let Some(e) = else_ {
                    self.push(" else ");
                    self.expr(e);
                }
            }
            ExprKind::Match { scrutinee, arms } => self.match_expr(scrutinee, arms, expr.span.end as usize),
            ExprKind::Block(block) => self.block(block, false),
            ExprKind::Range { start, end } => {
                self.expr(start);
                self.push("..");
                self.expr(end);
            }
            ExprKind::Paren(inner) => {
                self.push("(");
                self.expr(inner);
                self.push(")");
            }
        }
    }

    /// The indentation of a method-chain link written on its own line: one level deeper than the line the
    /// chain started on (every link of a chain lines up).
    fn chain_indent(&self) -> usize {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        if line.trim_start().starts_with('.') {
            self.line_indent()
        } else {
            self.line_indent() + 1
        }
    }

    /// Call arguments or list elements: on one line, or one per line with a trailing comma when the source
    /// spread them over several lines.
    fn sequence(&mut self, items: Vec<(Option<&Ident>, &Expr)>, open: usize, close: usize) {
        if items.is_empty() {
            return;
        }
        let multiline = self.has_newline(open, close);
        let indent = self.line_indent() + 1;
        for (i, (label, value)) in items.iter().enumerate() {
            if multiline {
                self.newline(indent);
                let start = label.map_or(value.span.start, |l| l.span.start) as usize;
                self.comments_before(start, indent);
            } else if i > 0 {
                self.push(", ");
            }
            if let Some(label) = label {
                self.push(&label.name);
                self.push(": ");
            }
            self.expr(value);
            if multiline {
                self.push(",");
                self.trailing_comment(value.span.end as usize);
            }
        }
        if multiline {
            self.comments_before(close, indent);
            self.newline(indent - 1);
        }
    }

    fn match_expr(&mut self, scrutinee: &Expr, arms: &[MatchArm], end: usize) {
        self.push("match ");
        self.expr(scrutinee);
        self.push(" {");
        let indent = self.line_indent() + 1;
        for arm in arms {
            self.newline(indent);
            self.comments_before(arm.span.start as usize, indent);
            self.pattern(&arm.pattern);
            self.push(" => ");
            self.expr(&arm.body);
            if !matches!(arm.body.kind, ExprKind::Block(_)) {
                self.push(",");
            }
            self.trailing_comment(arm.span.end as usize);
        }
        self.comments_before(end, indent);
        self.newline(indent - 1);
        self.push("}");
    }

    fn pattern(&mut self, pattern: &Pattern) {
        match &pattern.kind {
            PatternKind::Wildcard => self.push("_"),
            PatternKind::Name(id) => self.push(&id.name),
            PatternKind::Path(path) => self.push(&join_idents(path)),
            PatternKind::Some(inner) => {
                self.push("some(");
                self.pattern(inner);
                self.push(")");
            }
            PatternKind::None => self.push("none"),
            PatternKind::Bool(b) => self.push(if *b { "true" } else { "false" }),
            PatternKind::Int(_) | PatternKind::Float(_) | PatternKind::Str(_) | PatternKind::Error => {
                let text = self.source(pattern.span).to_string();
                self.push(&text);
            }
        }
    }
}

/// Where an item's text begins: its first doc line, or the item itself.
fn item_start(item: &Item) -> usize {
    let docs = match item {
        Item::Fn(f) => Some(&f.docs),
        Item::Fuzzy(f) => Some(&f.docs),
        Item::Struct(s) => Some(&s.docs),
        Item::Enum(e) => Some(&e.docs),
        Item::Use(_) | Item::Test(_) | Item::Error(_) => None,
    };
    let span = item.span();
    docs.and_then(|d| d.lines.first())
        .map_or(span.start, |l| l.span.start.min(span.start)) as usize
}

fn join_idents(path: &[Ident]) -> String {
    path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(".")
}
