//! What each name in a file refers to: the join of the syntax tree (where names are written) and the checked
//! program (what they resolved to, and the types).
//!
//! The checked program keeps the resolution of every call, field, variant and item reference on the expression
//! with the same span as the syntax node; locals are frame slots there, so they are resolved here by lexical scope,
//! the same rule the checker applies.

use std::collections::HashMap;
use std::sync::Arc;

use paw_check::hir::visit::{walk_expr, walk_stmt, Visitor};
use paw_check::hir::{self, EnumId, FnId, FuzzyId, NativeId, StructId, Ty};
use paw_db::Analysis;
use paw_diagnostics::Span;
use paw_syntax::ast;

/// What a name refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Def {
    /// A local variable or parameter, by the span of its declaring name.
    Local(Span),
    Fn(FnId),
    Native(NativeId),
    Fuzzy(FuzzyId),
    Struct(StructId),
    Enum(EnumId),
    Field(StructId, u32),
    Variant(EnumId, u32),
    /// A module, by name (`std.text`, `helpers`).
    Module(String),
}

/// One written name and what it refers to.
#[derive(Clone, Debug)]
pub struct Ref {
    pub span: Span,
    pub def: Def,
    /// The name is the declaration itself.
    pub is_decl: bool,
}

/// A local's declaration and the byte range of the file where it is in scope.
#[derive(Clone, Debug)]
pub struct LocalDecl {
    pub name: String,
    pub decl: Span,
    pub visible: (u32, u32),
    pub ty: Option<Ty>,
}

/// Everything resolved in one file.
#[derive(Default)]
pub struct FileRefs {
    pub refs: Vec<Ref>,
    pub locals: Vec<LocalDecl>,
}

impl FileRefs {
    /// The innermost name at `offset`.
    pub fn at(&self, offset: usize) -> Option<&Ref> {
        self.refs
            .iter()
            .filter(|r| r.span.contains(offset))
            .min_by_key(|r| r.span.len())
    }

    pub fn local(&self, decl: Span) -> Option<&LocalDecl> {
        self.locals.iter().find(|l| l.decl == decl)
    }

    /// The locals in scope at `offset`, innermost last (a later one with the same name shadows an earlier one).
    pub fn locals_at(&self, offset: usize) -> Vec<&LocalDecl> {
        let offset = offset as u32;
        let mut visible: Vec<&LocalDecl> = self
            .locals
            .iter()
            .filter(|l| l.visible.0 <= offset && offset <= l.visible.1)
            .collect();
        visible.sort_by_key(|l| l.decl.start);
        visible
    }
}

/// What the checked program says about the expressions with one span.
#[derive(Clone, Debug)]
struct ExprFacts {
    ty: Ty,
    target: Option<Def>,
}

/// The checked program of a workspace, indexed for name lookups.
pub struct Index {
    pub analysis: Arc<Analysis>,
    /// Module name → item name → item (the first declaration wins, as in the checker).
    items: HashMap<String, HashMap<String, Def>>,
    exprs: HashMap<Span, Vec<ExprFacts>>,
    let_types: HashMap<Span, Ty>,
}

impl Index {
    pub fn new(analysis: Arc<Analysis>) -> Index {
        let mut index = Index {
            analysis: analysis.clone(),
            items: HashMap::new(),
            exprs: HashMap::new(),
            let_types: HashMap::new(),
        };
        let program = &analysis.checked.program;
        let mut add = |module: String, name: &str, def: Def| {
            index
                .items
                .entry(module)
                .or_default()
                .entry(name.to_string())
                .or_insert(def);
        };
        for (i, f) in program.functions.iter().enumerate() {
            add(f.module.clone(), &f.name, Def::Fn(FnId(i as u32)));
        }
        for (i, f) in program.natives.iter().enumerate() {
            add(format!("std.{}", f.module), &f.fn_name, Def::Native(NativeId(i as u32)));
        }
        for (i, f) in program.fuzzy.iter().enumerate() {
            add(f.module.clone(), &f.name, Def::Fuzzy(FuzzyId(i as u32)));
        }
        for (i, s) in program.structs.iter().enumerate() {
            add(s.module.clone(), &s.name, Def::Struct(StructId(i as u32)));
        }
        for (i, e) in program.enums.iter().enumerate() {
            add(e.module.clone(), &e.name, Def::Enum(EnumId(i as u32)));
        }
        for f in &program.functions {
            index.visit_expr(&f.body);
        }
        for t in &program.tests {
            index.visit_expr(&t.body);
        }
        index
    }

    pub fn program(&self) -> &hir::Program {
        &self.analysis.checked.program
    }

    /// The items of a module by name.
    pub fn module_items(&self, module: &str) -> impl Iterator<Item = (&String, &Def)> {
        self.items.get(module).into_iter().flatten()
    }

    pub fn module_names(&self) -> impl Iterator<Item = &String> {
        self.items.keys()
    }

    /// `name` at the top level of `module`, or in the prelude.
    pub fn lookup(&self, module: &str, name: &str) -> Option<Def> {
        [module, "std.prelude"]
            .iter()
            .find_map(|m| self.items.get(*m)?.get(name).cloned())
    }

    pub fn type_of(&self, span: Span) -> Option<&Ty> {
        self.exprs.get(&span)?.last().map(|f| &f.ty)
    }

    fn target_of(&self, span: Span) -> Option<Def> {
        self.exprs.get(&span)?.iter().find_map(|f| f.target.clone())
    }

    fn record(&mut self, span: Span, ty: &Ty, target: Option<Def>) {
        self.exprs
            .entry(span)
            .or_default()
            .push(ExprFacts { ty: ty.clone(), target });
    }

    /// Resolves every name of one module's syntax tree.
    pub fn resolve_file(&self, module: &str, ast: &ast::SourceFile) -> FileRefs {
        let mut walker = Walker {
            index: self,
            module: module.to_string(),
            imports: HashMap::new(),
            scopes: Vec::new(),
            out: FileRefs::default(),
        };
        for item in &ast.items {
            if let ast::Item::Use(decl) = item {
                if let (Some(name), Some(alias)) = (paw_check::module_name(decl), decl.path.last()) {
                    walker.imports.insert(alias.name.clone(), name.clone());
                    walker.push(alias.span, Def::Module(name), false);
                }
            }
        }
        for item in &ast.items {
            walker.item(item);
        }
        walker.out
    }

    /// Where a definition is written: its name (or the whole declaration of a native).
    pub fn def_span(&self, def: &Def) -> Option<Span> {
        let p = self.program();
        Some(match def {
            Def::Local(span) => *span,
            Def::Fn(id) => p.function(*id).name_span,
            Def::Native(id) => p.native(*id).span,
            Def::Fuzzy(id) => p.fuzzy_fn(*id).name_span,
            Def::Struct(id) => p.struct_def(*id).name_span,
            Def::Enum(id) => p.enum_def(*id).name_span,
            Def::Field(id, i) => p.struct_def(*id).fields.get(*i as usize)?.span,
            Def::Variant(id, i) => p.enum_def(*id).variants.get(*i as usize)?.span,
            Def::Module(_) => return None,
        })
    }

    /// The functions callable as methods on a value of type `ty` from `module`, as the checker searches them.
    pub fn methods(&self, module: &str, ty: &Ty) -> Vec<(&String, &Def)> {
        let p = self.program();
        let mut modules: Vec<String> = vec![module.to_string()];
        match ty {
            Ty::Struct(id) => modules.push(p.struct_def(*id).module.clone()),
            Ty::Enum(id) => modules.push(p.enum_def(*id).module.clone()),
            other => modules.extend(paw_check::std_method_modules(other).iter().map(|m| m.to_string())),
        }
        let mut out = Vec::new();
        for m in &modules {
            for (name, def) in self.module_items(m) {
                let first_param = match def {
                    Def::Fn(id) => p.function(*id).params.first().map(|p| &p.ty),
                    Def::Native(id) => p.native(*id).params.first().map(|p| &p.ty),
                    _ => continue,
                };
                // In the user's own module only functions taking the value first are offered as its methods.
                let fits = m.starts_with("std.") || first_param == Some(ty);
                if fits && !out.iter().any(|(n, _)| *n == name) {
                    out.push((name, def));
                }
            }
        }
        out
    }
}

/// Records the type and target of every expression, and the type of every `let`.
impl Visitor<'_> for Index {
    fn visit_expr(&mut self, e: &hir::Expr) {
        use hir::ExprKind as K;
        let target = match &e.kind {
            K::FnRef(id)
            | K::Call {
                callee: hir::Callee::Fn(id),
                ..
            } => Some(Def::Fn(*id)),
            K::NativeRef(id)
            | K::Call {
                callee: hir::Callee::Native(id),
                ..
            } => Some(Def::Native(*id)),
            K::FuzzyRef(id)
            | K::Call {
                callee: hir::Callee::Fuzzy(id),
                ..
            } => Some(Def::Fuzzy(*id)),
            K::StructNew { id, .. } => Some(Def::Struct(*id)),
            K::Variant { id, index } => Some(Def::Variant(*id, *index)),
            K::Field { base, index } => match base.ty {
                Ty::Struct(id) => Some(Def::Field(id, *index)),
                _ => None,
            },
            _ => None,
        };
        self.record(e.span, &e.ty, target);
        walk_expr(self, e);
    }

    fn visit_stmt(&mut self, s: &hir::Stmt) {
        if let hir::StmtKind::Let { value, .. } = &s.kind {
            self.let_types.insert(s.span, value.ty.clone());
        }
        walk_stmt(self, s);
    }
}

struct Walker<'a> {
    index: &'a Index,
    module: String,
    imports: HashMap<String, String>,
    /// Innermost last: the end of the scope's range, and its locals (name, declaring span).
    scopes: Vec<(u32, Vec<(String, Span)>)>,
    out: FileRefs,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, def: Def, is_decl: bool) {
        self.out.refs.push(Ref { span, def, is_decl });
    }

    fn declare(&mut self, name: &ast::Ident, ty: Option<Ty>) {
        let Some((end, locals)) = self.scopes.last_mut() else {
            return;
        };
        locals.push((name.name.clone(), name.span));
        let visible = (name.span.end, *end);
        self.out.locals.push(LocalDecl {
            name: name.name.clone(),
            decl: name.span,
            visible,
            ty,
        });
        self.push(name.span, Def::Local(name.span), true);
    }

    fn local(&self, name: &str) -> Option<Span> {
        self.scopes
            .iter()
            .rev()
            .find_map(|(_, locals)| locals.iter().rev().find(|(n, _)| n == name).map(|(_, s)| *s))
    }

    fn scoped(&mut self, end: u32, f: impl FnOnce(&mut Self)) {
        self.scopes.push((end, Vec::new()));
        f(self);
        self.scopes.pop();
    }

    fn item(&mut self, item: &ast::Item) {
        let p = self.index.program();
        match item {
            ast::Item::Use(_) | ast::Item::Error(_) => {}
            ast::Item::Fn(d) => {
                let def = if d.is_native {
                    p.natives
                        .iter()
                        .position(|n| n.span == d.span)
                        .map(|i| Def::Native(NativeId(i as u32)))
                } else {
                    p.functions
                        .iter()
                        .position(|f| f.name_span == d.name.span)
                        .map(|i| Def::Fn(FnId(i as u32)))
                };
                if let Some(def) = def {
                    self.push(d.name.span, def, true);
                }
                let end = d.body.as_ref().map_or(d.span.end, |b| b.span.end);
                self.scoped(end, |w| {
                    for param in &d.params {
                        w.type_expr(&param.ty);
                        let ty = w.index.type_of_param(&d.name, param);
                        w.declare(&param.name, ty);
                    }
                    if let Some(ret) = &d.ret {
                        w.type_expr(ret);
                    }
                    if let Some(body) = &d.body {
                        w.block(body);
                    }
                });
            }
            ast::Item::Fuzzy(d) => {
                let id = p
                    .fuzzy
                    .iter()
                    .position(|f| f.name_span == d.name.span)
                    .map(|i| FuzzyId(i as u32));
                if let Some(id) = id {
                    self.push(d.name.span, Def::Fuzzy(id), true);
                    for example in &d.examples {
                        if example.callee.name == d.name.name {
                            self.push(example.callee.span, Def::Fuzzy(id), false);
                        }
                    }
                }
                for param in &d.params {
                    self.type_expr(&param.ty);
                }
                if let Some(ret) = &d.ret {
                    self.type_expr(ret);
                }
            }
            ast::Item::Struct(d) => {
                let Some(i) = p.structs.iter().position(|s| s.name_span == d.name.span) else {
                    return;
                };
                let id = StructId(i as u32);
                self.push(d.name.span, Def::Struct(id), true);
                for f in &d.fields {
                    if let Some(fi) = p.struct_def(id).fields.iter().position(|x| x.span == f.span) {
                        self.push(f.name.span, Def::Field(id, fi as u32), true);
                    }
                    self.type_expr(&f.ty);
                }
            }
            ast::Item::Enum(d) => {
                let Some(i) = p.enums.iter().position(|e| e.name_span == d.name.span) else {
                    return;
                };
                let id = EnumId(i as u32);
                self.push(d.name.span, Def::Enum(id), true);
                for v in &d.variants {
                    if let Some(vi) = p.enum_def(id).variants.iter().position(|x| x.span == v.span) {
                        self.push(v.name.span, Def::Variant(id, vi as u32), true);
                    }
                }
            }
            ast::Item::Test(d) => self.scoped(d.body.span.end, |w| w.block(&d.body)),
        }
    }

    fn type_expr(&mut self, t: &ast::TypeExpr) {
        match t {
            ast::TypeExpr::Named { path, args, .. } => {
                match path.as_slice() {
                    [name] => {
                        if let Some(def @ (Def::Struct(_) | Def::Enum(_))) = self.index.lookup(&self.module, &name.name)
                        {
                            self.push(name.span, def, false);
                        }
                    }
                    [alias, name] => {
                        if let Some(module) = self.imports.get(&alias.name).cloned() {
                            self.push(alias.span, Def::Module(module.clone()), false);
                            if let Some(def) = self.index.items.get(&module).and_then(|m| m.get(&name.name)) {
                                self.push(name.span, def.clone(), false);
                            }
                        }
                    }
                    _ => {}
                }
                args.iter().for_each(|a| self.type_expr(a));
            }
            ast::TypeExpr::Optional { inner, .. } => self.type_expr(inner),
            ast::TypeExpr::Fn { params, ret, .. } => {
                params.iter().for_each(|p| self.type_expr(p));
                if let Some(r) = ret {
                    self.type_expr(r);
                }
            }
            ast::TypeExpr::Error(_) => {}
        }
    }

    fn block(&mut self, b: &ast::Block) {
        self.scoped(b.span.end, |w| {
            for s in &b.stmts {
                w.stmt(s);
            }
            if let Some(t) = &b.tail {
                w.expr(t);
            }
        });
    }

    fn stmt(&mut self, s: &ast::Stmt) {
        match &s.kind {
            ast::StmtKind::Let { name, ty, value, .. } => {
                self.expr(value);
                if let Some(t) = ty {
                    self.type_expr(t);
                }
                let ty = self.index.let_types.get(&s.span).cloned();
                self.declare(name, ty);
            }
            ast::StmtKind::Assign { target, value, .. } => {
                self.expr(target);
                self.expr(value);
            }
            ast::StmtKind::Expr { expr, .. } | ast::StmtKind::Return(Some(expr)) => self.expr(expr),
            ast::StmtKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            ast::StmtKind::For { var, iter, body } => {
                self.expr(iter);
                let ty = match (&iter.kind, self.index.type_of(iter.span)) {
                    (ast::ExprKind::Range { .. }, _) => Some(Ty::Int),
                    (_, Some(Ty::List(elem))) => Some((**elem).clone()),
                    _ => None,
                };
                self.scoped(body.span.end, |w| {
                    w.declare(var, ty);
                    w.block(body);
                });
            }
            ast::StmtKind::Return(None) | ast::StmtKind::Break | ast::StmtKind::Continue | ast::StmtKind::Error => {}
        }
    }

    /// A bare name in an expression: a local, else an item or a module.
    fn name(&mut self, ident: &ast::Ident, expr_span: Span) {
        if let Some(decl) = self.local(&ident.name) {
            self.push(ident.span, Def::Local(decl), false);
        } else if let Some(def) = self.index.target_of(expr_span) {
            self.push(ident.span, def, false);
        } else if let Some(module) = self.imports.get(&ident.name) {
            self.push(ident.span, Def::Module(module.clone()), false);
        } else if let Some(def) = self.index.lookup(&self.module, &ident.name) {
            self.push(ident.span, def, false);
        }
    }

    fn expr(&mut self, e: &ast::Expr) {
        use ast::ExprKind as K;
        match &e.kind {
            K::Name(ident) => self.name(ident, e.span),
            K::Call { callee, args } => {
                let target = self.index.target_of(e.span);
                match &callee.kind {
                    K::Name(ident) if self.local(&ident.name).is_none() && target.is_some() => {
                        self.push(ident.span, target.clone().expect("checked"), false);
                    }
                    K::Field { base, name } if target.is_some() && self.index.target_of(callee.span).is_none() => {
                        self.push(name.span, target.clone().expect("checked"), false);
                        self.expr(base);
                    }
                    _ => self.expr(callee),
                }
                for arg in args {
                    if let (Some(label), Some(Def::Struct(id))) = (&arg.label, &target) {
                        let fields = &self.index.program().struct_def(*id).fields;
                        if let Some(i) = fields.iter().position(|f| f.name == label.name) {
                            self.push(label.span, Def::Field(*id, i as u32), false);
                        }
                    }
                    self.expr(&arg.value);
                }
            }
            K::Field { base, name } => {
                if let Some(def) = self.index.target_of(e.span) {
                    self.push(name.span, def, false);
                }
                self.expr(base);
            }
            K::Lambda { params, body } => self.scoped(body.span.end, |w| {
                for param in params {
                    if let Some(t) = &param.ty {
                        w.type_expr(t);
                    }
                    w.declare(&param.name, None);
                }
                w.expr(body);
            }),
            K::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                let ty = self.index.type_of(scrutinee.span).cloned();
                for arm in arms {
                    self.scoped(arm.span.end, |w| {
                        w.pattern(&arm.pattern, ty.as_ref());
                        w.expr(&arm.body);
                    });
                }
            }
            K::If { cond, then, else_ } => {
                self.expr(cond);
                self.block(then);
                if let Some(x) = else_ {
                    self.expr(x);
                }
            }
            K::Block(b) => self.block(b),
            K::Str(parts) => {
                for part in parts {
                    if let ast::StrPart::Interp(x) = part {
                        self.expr(x);
                    }
                }
            }
            K::List(xs) => xs.iter().for_each(|x| self.expr(x)),
            K::Unary { expr: x, .. } | K::Paren(x) => self.expr(x),
            K::Binary { lhs: a, rhs: b, .. } | K::Index { base: a, index: b } | K::Range { start: a, end: b } => {
                self.expr(a);
                self.expr(b);
            }
            K::Int(_) | K::Float(_) | K::Bool(_) | K::None | K::Error => {}
        }
    }

    /// A match pattern, against the scrutinee's type when known: a bare name is a variant of that enum if it has
    /// one by that name, otherwise a new binding.
    fn pattern(&mut self, pat: &ast::Pattern, ty: Option<&Ty>) {
        let p = self.index.program();
        match &pat.kind {
            ast::PatternKind::Name(ident) => {
                let variant = match ty {
                    Some(Ty::Enum(id)) => p
                        .enum_def(*id)
                        .variants
                        .iter()
                        .position(|v| v.name == ident.name)
                        .map(|i| (*id, i)),
                    _ => None,
                };
                match variant {
                    Some((id, i)) => self.push(ident.span, Def::Variant(id, i as u32), false),
                    None => self.declare(ident, ty.cloned()),
                }
            }
            ast::PatternKind::Path(path) => {
                if let Some(Ty::Enum(id)) = ty {
                    if let [.., enum_name, variant] = path.as_slice() {
                        self.push(enum_name.span, Def::Enum(*id), false);
                        if let Some(i) = p.enum_def(*id).variants.iter().position(|v| v.name == variant.name) {
                            self.push(variant.span, Def::Variant(*id, i as u32), false);
                        }
                    }
                }
            }
            ast::PatternKind::Some(inner) => {
                let inner_ty = match ty {
                    Some(Ty::Optional(t)) => Some(&**t),
                    _ => None,
                };
                self.pattern(inner, inner_ty);
            }
            _ => {}
        }
    }
}

impl Index {
    /// The checked type of a function parameter (by the function's name span and the parameter's span).
    fn type_of_param(&self, fn_name: &ast::Ident, param: &ast::Param) -> Option<Ty> {
        let p = self.program();
        let function = p.functions.iter().find(|f| f.name_span == fn_name.span)?;
        function
            .params
            .iter()
            .find(|x| x.span == param.span)
            .map(|x| x.ty.clone())
    }
}
