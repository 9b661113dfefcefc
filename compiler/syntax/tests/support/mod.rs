//! Helpers shared by the syntax tests: parsing with a file map, and a compact dump of the tree.
#![allow(dead_code)]

use paw_diagnostics::{render, Diagnostic, Files};
use paw_syntax::ast::*;

pub fn parse(src: &str) -> (SourceFile, Vec<Diagnostic>) {
    let mut files = Files::new();
    let id = files.add("test.pw", src);
    paw_syntax::parse(id, src)
}

/// Parses a file that must have no diagnostics.
pub fn parse_ok(src: &str) -> SourceFile {
    let (file, diagnostics) = parse(src);
    assert!(
        diagnostics.is_empty(),
        "unexpected diagnostics for {src:?}: {diagnostics:#?}"
    );
    file
}

pub fn codes(src: &str) -> Vec<&'static str> {
    parse(src).1.iter().map(|d| d.code).collect()
}

/// The rendered diagnostics of a file, as a user sees them (no colors).
pub fn rendered(name: &str, src: &str) -> String {
    let mut files = Files::new();
    let id = files.add(name, src);
    let (_, diagnostics) = paw_syntax::parse(id, src);
    assert!(!diagnostics.is_empty(), "expected diagnostics for {src:?}");
    render::render_all(&diagnostics, &files, false)
}

/// The body of `fn main() { .. }` wrapped around `body`, dumped.
pub fn body(body: &str) -> String {
    let file = parse_ok(&format!("fn main() {{ {body} }}"));
    match &file.items[0] {
        Item::Fn(f) => block(f.body.as_ref().unwrap()),
        other => panic!("not a fn: {other:?}"),
    }
}

/// The dump of one expression (parsed as the value of a `let`).
pub fn expr_of(src: &str) -> String {
    let file = parse_ok(&format!("fn main() {{ let it = {src}; }}"));
    match &file.items[0] {
        Item::Fn(f) => match &f.body.as_ref().unwrap().stmts[0].kind {
            StmtKind::Let { value, .. } => expr(value),
            other => panic!("not a let: {other:?}"),
        },
        other => panic!("not a fn: {other:?}"),
    }
}

pub fn items(file: &SourceFile) -> String {
    file.items.iter().map(item).collect::<Vec<_>>().join("\n")
}

fn docs(d: &Docs) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!("#[doc {:?}] ", d.text())
    }
}

pub fn item(i: &Item) -> String {
    match i {
        Item::Use(u) => format!("use {}", path(&u.path)),
        Item::Fn(f) => format!(
            "{}{}fn {}{}({}){}{}",
            docs(&f.docs),
            if f.is_native { "native " } else { "" },
            f.name.name,
            if f.type_params.is_empty() {
                String::new()
            } else {
                format!("[{}]", path_list(&f.type_params))
            },
            params(&f.params),
            f.ret.as_ref().map(|t| format!(" -> {}", ty(t))).unwrap_or_default(),
            f.body.as_ref().map(|b| format!(" {}", block(b))).unwrap_or_default(),
        ),
        Item::Fuzzy(f) => format!(
            "{}fuzzy fn {}({}){}",
            docs(&f.docs),
            f.name.name,
            params(&f.params),
            f.ret.as_ref().map(|t| format!(" -> {}", ty(t))).unwrap_or_default()
        ),
        Item::Struct(s) => format!(
            "{}struct {} {{ {} }}",
            docs(&s.docs),
            s.name.name,
            s.fields
                .iter()
                .map(|f| format!("{}{}: {}", docs(&f.docs), f.name.name, ty(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Item::Enum(e) => format!(
            "{}enum {} {{ {} }}",
            docs(&e.docs),
            e.name.name,
            e.variants
                .iter()
                .map(|v| format!("{}{}", docs(&v.docs), v.name.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Item::Test(t) => format!("test {:?} {}", t.name, block(&t.body)),
        Item::Error(_) => "<error item>".to_string(),
    }
}

fn path(p: &[Ident]) -> String {
    p.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(".")
}

fn path_list(p: &[Ident]) -> String {
    p.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn params(ps: &[Param]) -> String {
    ps.iter()
        .map(|p| format!("{}: {}", p.name.name, ty(&p.ty)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn ty(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named { path: p, args, .. } if args.is_empty() => path(p),
        TypeExpr::Named { path: p, args, .. } => {
            format!("{}[{}]", path(p), args.iter().map(ty).collect::<Vec<_>>().join(", "))
        }
        TypeExpr::Optional { inner, .. } => format!("{}?", ty(inner)),
        TypeExpr::Fn { params, ret, .. } => format!(
            "fn({}){}",
            params.iter().map(ty).collect::<Vec<_>>().join(", "),
            ret.as_ref().map(|r| format!(" -> {}", ty(r))).unwrap_or_default()
        ),
        TypeExpr::Error(_) => "<error type>".to_string(),
    }
}

pub fn block(b: &Block) -> String {
    let mut parts: Vec<String> = b.stmts.iter().map(stmt).collect();
    if let Some(t) = &b.tail {
        parts.push(format!("tail {}", expr(t)));
    }
    format!("{{{}}}", parts.join(" "))
}

pub fn stmt(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Let {
            name,
            mutable,
            ty: t,
            value,
        } => format!(
            "(let{} {}{} {})",
            if *mutable { " mut" } else { "" },
            name.name,
            t.as_ref().map(|t| format!(": {}", ty(t))).unwrap_or_default(),
            expr(value)
        ),
        StmtKind::Assign { target, op, value } => {
            format!("({op:?} {} {})", expr(target), expr(value))
        }
        StmtKind::Expr { expr: e, semi } => format!("{}{}", expr(e), if *semi { ";" } else { "" }),
        StmtKind::Return(v) => format!(
            "(return{})",
            v.as_ref().map(|v| format!(" {}", expr(v))).unwrap_or_default()
        ),
        StmtKind::Break => "break;".to_string(),
        StmtKind::Continue => "continue;".to_string(),
        StmtKind::While { cond, body } => format!("(while {} {})", expr(cond), block(body)),
        StmtKind::For { var, iter, body } => {
            format!("(for {} {} {})", var.name, expr(iter), block(body))
        }
        StmtKind::Error => "<error stmt>".to_string(),
    }
}

pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::None => "none".to_string(),
        ExprKind::Str(parts) => format!(
            "(str{})",
            parts
                .iter()
                .map(|p| match p {
                    StrPart::Lit(s) => format!(" {s:?}"),
                    StrPart::Interp(e) => format!(" {{{}}}", expr(e)),
                })
                .collect::<String>()
        ),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::List(items) => {
            format!("[{}]", items.iter().map(expr).collect::<Vec<_>>().join(" "))
        }
        ExprKind::Unary { op, expr: inner } => {
            format!("({} {})", if *op == UnaryOp::Neg { "-" } else { "!" }, expr(inner))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), expr(lhs), expr(rhs))
        }
        ExprKind::Call { callee, args } => format!(
            "(call {}{})",
            expr(callee),
            args.iter()
                .map(|a| match &a.label {
                    Some(l) => format!(" {}:{}", l.name, expr(&a.value)),
                    None => format!(" {}", expr(&a.value)),
                })
                .collect::<String>()
        ),
        ExprKind::Field { base, name } => format!("(. {} {})", expr(base), name.name),
        ExprKind::Index { base, index } => format!("(idx {} {})", expr(base), expr(index)),
        ExprKind::Lambda { params, body } => format!(
            "(|{}| {})",
            params
                .iter()
                .map(|p| match &p.ty {
                    Some(t) => format!("{}: {}", p.name.name, ty(t)),
                    None => p.name.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            expr(body)
        ),
        ExprKind::If { cond, then, else_ } => format!(
            "(if {} {}{})",
            expr(cond),
            block(then),
            else_.as_ref().map(|e| format!(" else {}", expr(e))).unwrap_or_default()
        ),
        ExprKind::Match { scrutinee, arms } => format!(
            "(match {}{})",
            expr(scrutinee),
            arms.iter()
                .map(|a| format!(" ({} => {})", pattern(&a.pattern), expr(&a.body)))
                .collect::<String>()
        ),
        ExprKind::Block(b) => block(b),
        ExprKind::Range { start, end } => format!("(.. {} {})", expr(start), expr(end)),
        ExprKind::Paren(inner) => format!("(paren {})", expr(inner)),
        ExprKind::Error => "<error>".to_string(),
    }
}

pub fn pattern(p: &Pattern) -> String {
    match &p.kind {
        PatternKind::Wildcard => "_".to_string(),
        PatternKind::Name(n) => n.name.clone(),
        PatternKind::Path(p) => path(p),
        PatternKind::Some(inner) => format!("some({})", pattern(inner)),
        PatternKind::None => "none".to_string(),
        PatternKind::Int(i) => i.to_string(),
        PatternKind::Float(f) => format!("{f:?}"),
        PatternKind::Str(s) => format!("{s:?}"),
        PatternKind::Bool(b) => b.to_string(),
        PatternKind::Error => "<error pattern>".to_string(),
    }
}

/// The deepest nesting of expressions, statements, types and patterns in a file (iterative, so it can measure
/// any tree).
pub fn max_depth(file: &SourceFile) -> usize {
    enum Node<'a> {
        E(&'a Expr),
        S(&'a Stmt),
        B(&'a Block),
        T(&'a TypeExpr),
        P(&'a Pattern),
    }
    let mut stack: Vec<(Node, usize)> = Vec::new();
    for i in &file.items {
        match i {
            Item::Fn(f) => {
                if let Some(b) = &f.body {
                    stack.push((Node::B(b), 0));
                }
                stack.extend(f.params.iter().map(|p| (Node::T(&p.ty), 0)));
            }
            Item::Test(t) => stack.push((Node::B(&t.body), 0)),
            _ => {}
        }
    }
    let mut max = 0;
    while let Some((node, d)) = stack.pop() {
        max = max.max(d);
        match node {
            Node::B(b) => {
                stack.extend(b.stmts.iter().map(|s| (Node::S(s), d + 1)));
                stack.extend(b.tail.iter().map(|t| (Node::E(t), d + 1)));
            }
            Node::S(s) => match &s.kind {
                StmtKind::Let { value, ty, .. } => {
                    stack.push((Node::E(value), d + 1));
                    stack.extend(ty.iter().map(|t| (Node::T(t), d + 1)));
                }
                StmtKind::Assign { target, value, .. } => {
                    stack.push((Node::E(target), d + 1));
                    stack.push((Node::E(value), d + 1));
                }
                StmtKind::Expr { expr, .. } => stack.push((Node::E(expr), d + 1)),
                StmtKind::Return(v) => stack.extend(v.iter().map(|v| (Node::E(v), d + 1))),
                StmtKind::While { cond, body } => {
                    stack.push((Node::E(cond), d + 1));
                    stack.push((Node::B(body), d));
                }
                StmtKind::For { iter, body, .. } => {
                    stack.push((Node::E(iter), d + 1));
                    stack.push((Node::B(body), d));
                }
                StmtKind::Break | StmtKind::Continue | StmtKind::Error => {}
            },
            Node::E(e) => match &e.kind {
                ExprKind::Str(parts) => stack.extend(parts.iter().filter_map(|p| match p {
                    StrPart::Interp(e) => Some((Node::E(e), d + 1)),
                    StrPart::Lit(_) => None,
                })),
                ExprKind::List(items) => stack.extend(items.iter().map(|e| (Node::E(e), d + 1))),
                ExprKind::Unary { expr, .. } | ExprKind::Paren(expr) => stack.push((Node::E(expr), d + 1)),
                ExprKind::Binary { lhs, rhs, .. } => stack.extend([(Node::E(lhs), d + 1), (Node::E(rhs), d + 1)]),
                ExprKind::Range { start, end } => stack.extend([(Node::E(start), d + 1), (Node::E(end), d + 1)]),
                ExprKind::Call { callee, args } => {
                    stack.push((Node::E(callee), d + 1));
                    stack.extend(args.iter().map(|a| (Node::E(&a.value), d + 1)));
                }
                ExprKind::Field { base, .. } => stack.push((Node::E(base), d + 1)),
                ExprKind::Index { base, index } => stack.extend([(Node::E(base), d + 1), (Node::E(index), d + 1)]),
                ExprKind::Lambda { body, .. } => stack.push((Node::E(body), d + 1)),
                ExprKind::If { cond, then, else_ } => {
                    stack.push((Node::E(cond), d + 1));
                    stack.push((Node::B(then), d));
                    stack.extend(else_.iter().map(|e| (Node::E(e), d + 1)));
                }
                ExprKind::Match { scrutinee, arms } => {
                    stack.push((Node::E(scrutinee), d + 1));
                    for a in arms {
                        stack.push((Node::P(&a.pattern), d + 1));
                        stack.push((Node::E(&a.body), d + 1));
                    }
                }
                ExprKind::Block(b) => stack.push((Node::B(b), d)),
                _ => {}
            },
            Node::T(t) => match t {
                TypeExpr::Named { args, .. } => stack.extend(args.iter().map(|t| (Node::T(t), d + 1))),
                TypeExpr::Optional { inner, .. } => stack.push((Node::T(inner), d + 1)),
                TypeExpr::Fn { params, ret, .. } => {
                    stack.extend(params.iter().map(|t| (Node::T(t), d + 1)));
                    stack.extend(ret.iter().map(|t| (Node::T(t), d + 1)));
                }
                TypeExpr::Error(_) => {}
            },
            Node::P(p) => {
                if let PatternKind::Some(inner) = &p.kind {
                    stack.push((Node::P(inner), d + 1));
                }
            }
        }
    }
    max
}
