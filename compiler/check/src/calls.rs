//! Paths (`module.item`, `Enum.variant`), field access, calls, method calls and struct construction.

use paw_diagnostics::{Label, Span};
use paw_syntax::ast;

use crate::body::{Expect, PathRes};
use crate::checker::{Checker, DiagnosticExt, ItemRef};
use crate::hir::{Callee, EnumId, Expr, ExprKind, StructId, Ty};
use crate::infer::instantiate;
use crate::suggest::did_you_mean;

/// A callee's signature, instantiated for this call.
struct Sig {
    name: String,
    params: Vec<Ty>,
    /// Where each parameter is declared (for user functions), for "expected because" labels.
    param_spans: Vec<Option<Span>>,
    ret: Ty,
    decl: Span,
}

fn expr(kind: ExprKind, ty: Ty, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn error_expr(span: Span) -> Expr {
    expr(ExprKind::Error, Ty::Error, span)
}

impl Checker {
    /// What a name or dotted path means when it does not start with a local; `None` for values.
    pub(crate) fn resolve_path(&mut self, e: &ast::Expr) -> Option<PathRes> {
        let module = self.body.module;
        match &e.kind {
            ast::ExprKind::Name(id) => {
                if self.has_local(&id.name) {
                    return None;
                }
                if let Some(item) = self.lookup_item(module, &id.name) {
                    return Some(PathRes::Item(item));
                }
                self.lookup_import(module, &id.name).map(PathRes::Module)
            }
            ast::ExprKind::Field { base, name } => match self.resolve_path(base)? {
                PathRes::Module(target) => match self.modules[target].items.get(&name.name) {
                    Some((item, _)) => Some(PathRes::Item(*item)),
                    None => {
                        let module_name = self.modules[target].name.clone();
                        let names: Vec<String> = self.modules[target].items.keys().cloned().collect();
                        let help = did_you_mean(&name.name, names.iter().map(String::as_str)).unwrap_or_else(|| {
                            let mut sorted = names.clone();
                            sorted.sort();
                            format!("`{module_name}` declares: {}", sorted.join(", "))
                        });
                        self.error(
                            "E0101",
                            format!("module `{module_name}` has no item `{}`", name.name),
                            name.span,
                            "not found",
                        )
                        .hint(help);
                        Some(PathRes::Error)
                    }
                },
                PathRes::Item(ItemRef::Enum(id)) => Some(self.variant(id, name)),
                PathRes::Item(ItemRef::Struct(id)) => {
                    let struct_name = self.program.struct_def(id).name.clone();
                    self.error(
                        "E0108",
                        format!("`{struct_name}` is a type; it has no member `{}`", name.name),
                        e.span,
                        "not a value",
                    )
                    .hint(format!(
                        "construct a value first, `{struct_name}(...)`, then read its fields"
                    ));
                    Some(PathRes::Error)
                }
                PathRes::Error => Some(PathRes::Error),
                PathRes::Item(_) | PathRes::Variant(..) => None,
            },
            _ => None,
        }
    }

    fn has_local(&self, name: &str) -> bool {
        self.find_local_index(name).is_some()
    }

    /// `Enum.variant`, reporting an unknown variant.
    pub(crate) fn variant(&mut self, id: EnumId, name: &ast::Ident) -> PathRes {
        match self.variant_index(id, &name.name) {
            Some(index) => PathRes::Variant(id, index),
            None => {
                self.unknown_variant(id, &name.name, name.span);
                PathRes::Error
            }
        }
    }

    pub(crate) fn variant_index(&self, id: EnumId, name: &str) -> Option<u32> {
        self.program
            .enum_def(id)
            .variants
            .iter()
            .position(|v| v.name == name)
            .map(|i| i as u32)
    }

    pub(crate) fn unknown_variant(&mut self, id: EnumId, name: &str, span: Span) {
        let def = self.program.enum_def(id);
        let enum_name = def.name.clone();
        let names: Vec<&str> = def.variants.iter().map(|v| v.name.as_str()).collect();
        let help = did_you_mean(name, names.iter().copied())
            .unwrap_or_else(|| format!("the variants of `{enum_name}` are: {}", names.join(", ")));
        self.error(
            "E0106",
            format!("enum `{enum_name}` has no variant `{name}`"),
            span,
            "unknown variant",
        )
        .hint(help);
    }

    /// A name or path used as a value (not called).
    pub(crate) fn path_value(&mut self, e: &ast::Expr) -> Expr {
        let span = e.span;
        match self.resolve_path(e) {
            Some(res) => self.path_res_value(res, span),
            None => match &e.kind {
                ast::ExprKind::Name(name) => {
                    self.unknown_name(&name.name, span);
                    error_expr(span)
                }
                _ => self.infer_expr(e, None),
            },
        }
    }

    fn unknown_name(&mut self, name: &str, span: Span) {
        let mut candidates = self.visible_item_names(self.body.module);
        candidates.extend(self.local_names());
        let help = did_you_mean(name, candidates.iter().map(String::as_str))
            .unwrap_or_else(|| "declare it with `let`, or import the module that has it with `use`".into());
        self.error(
            "E0101",
            format!("cannot find `{name}` in this scope"),
            span,
            "not found",
        )
        .hint(help);
    }

    fn path_res_value(&mut self, res: PathRes, span: Span) -> Expr {
        match res {
            PathRes::Item(ItemRef::Fn(id)) => {
                let f = self.program.function(id);
                let ty = Ty::Fn(f.params.iter().map(|p| p.ty.clone()).collect(), Box::new(f.ret.clone()));
                expr(ExprKind::FnRef(id), ty, span)
            }
            PathRes::Item(ItemRef::Native(id)) => {
                let sig = self.native_sig(id);
                expr(ExprKind::NativeRef(id), Ty::Fn(sig.params, Box::new(sig.ret)), span)
            }
            PathRes::Item(ItemRef::Fuzzy(id)) => {
                let f = self.program.fuzzy_fn(id);
                let ty = Ty::Fn(f.params.iter().map(|p| p.ty.clone()).collect(), Box::new(f.ret.clone()));
                expr(ExprKind::FuzzyRef(id), ty, span)
            }
            PathRes::Item(ItemRef::Struct(id)) => {
                let name = self.program.struct_def(id).name.clone();
                self.error(
                    "E0108",
                    format!("`{name}` is a type, not a value"),
                    span,
                    "a struct type",
                )
                .hint(format!(
                    "construct a value with labelled fields: `{name}(field: value, ...)`"
                ));
                error_expr(span)
            }
            PathRes::Item(ItemRef::Enum(id)) => {
                let def = self.program.enum_def(id);
                let example = def.variants.first().map_or("variant".to_string(), |v| v.name.clone());
                let name = def.name.clone();
                self.error(
                    "E0108",
                    format!("`{name}` is a type, not a value"),
                    span,
                    "an enum type",
                )
                .hint(format!("write one of its variants, like `{name}.{example}`"));
                error_expr(span)
            }
            PathRes::Module(m) => {
                let name = self.modules[m].name.clone();
                self.error("E0108", format!("module `{name}` is not a value"), span, "a module")
                    .hint(format!(
                        "use one of its items: `{}.name`",
                        name.rsplit('.').next().unwrap_or(&name)
                    ));
                error_expr(span)
            }
            PathRes::Variant(id, index) => expr(ExprKind::Variant { id, index }, Ty::Enum(id), span),
            PathRes::Error => error_expr(span),
        }
    }

    /// `a.b` that is not a path: a struct field.
    pub(crate) fn check_field(&mut self, e: &ast::Expr, base: &ast::Expr, name: &ast::Ident) -> Expr {
        if let Some(res) = self.resolve_path(e) {
            return self.path_res_value(res, e.span);
        }
        let base = self.check_expr(base, &Expect::Any);
        let ty = self.table.shallow(&base.ty);
        match &ty {
            Ty::Struct(id) => {
                let def = self.program.struct_def(*id);
                if let Some(index) = def.fields.iter().position(|f| f.name == name.name) {
                    let field_ty = def.fields[index].ty.clone();
                    return expr(
                        ExprKind::Field {
                            base: Box::new(base),
                            index: index as u32,
                        },
                        field_ty,
                        e.span,
                    );
                }
                let names: Vec<String> = def.fields.iter().map(|f| f.name.clone()).collect();
                let struct_name = def.name.clone();
                let help = self.field_help(&ty, &name.name, &names);
                self.error(
                    "E0105",
                    format!("struct `{struct_name}` has no field `{}`", name.name),
                    name.span,
                    "unknown field",
                )
                .hint(help);
            }
            Ty::Error | Ty::Never => {}
            Ty::Infer(_) => return self.needs_type_here(base.span),
            other => {
                let shown = self.show(other);
                let help = self.field_help(&ty, &name.name, &[]);
                self.error(
                    "E0105",
                    format!("`{shown}` has no field `{}`", name.name),
                    name.span,
                    "unknown field",
                )
                .hint(help);
            }
        }
        error_expr(e.span)
    }

    fn field_help(&self, ty: &Ty, name: &str, fields: &[String]) -> String {
        if self.find_method(ty, name).is_some() {
            return format!("`{name}` is a function: call it with `.{name}()`");
        }
        did_you_mean(name, fields.iter().map(String::as_str)).unwrap_or_else(|| match fields.len() {
            0 => "only structs have fields".into(),
            _ => format!("the fields are: {}", fields.join(", ")),
        })
    }

    pub(crate) fn needs_type_here(&mut self, span: Span) -> Expr {
        self.error(
            "E0204",
            "the type of this must be known here",
            span,
            "type unknown at this point",
        )
        .hint("add a type annotation where the value is introduced, for example `let xs: list[int] = [];`");
        error_expr(span)
    }

    /// The standard modules whose functions are methods of a built-in type. `list[str]` also gets `std.text`,
    /// whose `join` takes a list of strings.
    pub(crate) fn std_modules_of(ty: &Ty) -> &'static [&'static str] {
        match ty {
            Ty::Str => &["std.text"],
            Ty::List(inner) if **inner == Ty::Str => &["std.list", "std.text"],
            Ty::List(_) => &["std.list"],
            Ty::Dict(..) => &["std.dict"],
            Ty::Json => &["std.json"],
            Ty::Int | Ty::Float => &["std.math"],
            _ => &[],
        }
    }

    /// The modules searched for `x.name(..)`: the current one, the one declaring `x`'s type, the standard
    /// module of a built-in type, then the prelude.
    fn method_modules(&self, ty: &Ty) -> Vec<usize> {
        let mut modules = vec![self.body.module];
        match self.table.zonk(ty) {
            Ty::Struct(id) => modules.push(self.struct_modules[id.index()]),
            Ty::Enum(id) => modules.push(self.enum_modules[id.index()]),
            other => modules.extend(Self::std_modules_of(&other).iter().filter_map(|m| self.module_index(m))),
        }
        modules.push(self.prelude);
        modules
    }

    /// The functions named `name` in the method modules of `ty`, in lookup order.
    fn method_candidates(&self, ty: &Ty, name: &str) -> Vec<ItemRef> {
        self.method_modules(ty)
            .into_iter()
            .filter_map(|m| match self.modules[m].items.get(name) {
                Some((item @ (ItemRef::Fn(_) | ItemRef::Native(_) | ItemRef::Fuzzy(_)), _)) => Some(*item),
                _ => None,
            })
            .collect()
    }

    /// The method `x.name(..)` calls: the first candidate whose first parameter can take `x`.
    fn find_method(&self, ty: &Ty, name: &str) -> Option<ItemRef> {
        self.method_candidates(ty, name)
            .into_iter()
            .find(|item| self.takes_receiver(*item, ty))
    }

    /// Whether the first parameter of `item` accepts a value of type `ty` (without binding anything).
    fn takes_receiver(&self, item: ItemRef, ty: &Ty) -> bool {
        let (first, generics) = match item {
            ItemRef::Fn(id) => (self.program.function(id).params.first().map(|p| p.ty.clone()), 0),
            ItemRef::Fuzzy(id) => (self.program.fuzzy_fn(id).params.first().map(|p| p.ty.clone()), 0),
            ItemRef::Native(id) => {
                let native = self.program.native(id);
                (native.params.first().map(|p| p.ty.clone()), native.type_params.len())
            }
            ItemRef::Struct(_) | ItemRef::Enum(_) => (None, 0),
        };
        let Some(first) = first else { return false };
        let mut probe = self.table.clone();
        let vars: Vec<Ty> = (0..generics).map(|_| probe.fresh()).collect();
        let first = instantiate(&first, &vars);
        match probe.shallow(&first) {
            Ty::Optional(inner) if !matches!(probe.shallow(ty), Ty::Optional(_)) => probe.unify(&inner, ty),
            first => probe.unify(&first, ty),
        }
    }

    pub(crate) fn check_call(&mut self, callee: &ast::Expr, args: &[ast::Arg], span: Span) -> Expr {
        let path = match &callee.kind {
            ast::ExprKind::Name(_) | ast::ExprKind::Field { .. } => self.resolve_path(callee),
            _ => None,
        };
        match path {
            Some(PathRes::Item(ItemRef::Struct(id))) => self.check_struct_new(id, args, span),
            Some(PathRes::Item(item)) => {
                let (callee, sig) = self.item_sig(item).expect("structs are handled above");
                self.call_with(callee, sig, None, args, span)
            }
            Some(PathRes::Error) => self.error_call(args, span),
            Some(other) => {
                let value = self.path_res_value(other, callee.span);
                if !matches!(value.kind, ExprKind::Error) {
                    let shown = self.show(&value.ty);
                    self.error(
                        "E0215",
                        format!("`{shown}` is not a function"),
                        callee.span,
                        "called here",
                    )
                    .hint("only functions and closures can be called");
                }
                self.error_call(args, span)
            }
            None => match &callee.kind {
                ast::ExprKind::Field { base, name } => self.check_method_call(base, name, args, span),
                ast::ExprKind::Name(name) if !self.has_local(&name.name) => {
                    self.unknown_name(&name.name, callee.span);
                    self.error_call(args, span)
                }
                _ => {
                    let value = self.check_expr(callee, &Expect::Any);
                    self.call_value(value, args, span)
                }
            },
        }
    }

    /// The callee and signature of a function item (`None` for types).
    fn item_sig(&mut self, item: ItemRef) -> Option<(Callee, Sig)> {
        match item {
            ItemRef::Fn(id) => {
                let f = self.program.function(id);
                let sig = Sig {
                    name: f.name.clone(),
                    params: f.params.iter().map(|p| p.ty.clone()).collect(),
                    param_spans: f.params.iter().map(|p| Some(p.span)).collect(),
                    ret: f.ret.clone(),
                    decl: f.name_span,
                };
                Some((Callee::Fn(id), sig))
            }
            ItemRef::Fuzzy(id) => {
                let f = self.program.fuzzy_fn(id);
                let sig = Sig {
                    name: f.name.clone(),
                    params: f.params.iter().map(|p| p.ty.clone()).collect(),
                    param_spans: f.params.iter().map(|p| Some(p.span)).collect(),
                    ret: f.ret.clone(),
                    decl: f.name_span,
                };
                Some((Callee::Fuzzy(id), sig))
            }
            ItemRef::Native(id) => Some((Callee::Native(id), self.native_sig(id))),
            ItemRef::Struct(_) | ItemRef::Enum(_) => None,
        }
    }

    /// A native's signature with fresh variables for its type parameters. `panic` never returns.
    fn native_sig(&mut self, id: crate::hir::NativeId) -> Sig {
        let count = self.program.native(id).type_params.len();
        let vars: Vec<Ty> = (0..count).map(|_| self.table.fresh()).collect();
        let native = self.program.native(id);
        let ret = if native.name == "prelude.panic" {
            Ty::Never
        } else {
            instantiate(&native.ret, &vars)
        };
        Sig {
            name: native.fn_name.clone(),
            params: native.params.iter().map(|p| instantiate(&p.ty, &vars)).collect(),
            param_spans: vec![None; native.params.len()],
            ret,
            decl: native.span,
        }
    }

    /// Checks the arguments of a call whose target failed to resolve, for their own errors.
    fn error_call(&mut self, args: &[ast::Arg], span: Span) -> Expr {
        for arg in args {
            self.check_expr(&arg.value, &Expect::Any);
        }
        error_expr(span)
    }

    fn call_value(&mut self, value: Expr, args: &[ast::Arg], span: Span) -> Expr {
        match self.table.shallow(&value.ty) {
            Ty::Fn(params, ret) => {
                let sig = Sig {
                    name: "this function".into(),
                    param_spans: vec![None; params.len()],
                    params,
                    ret: *ret,
                    decl: value.span,
                };
                self.call_with(Callee::Value(Box::new(value)), sig, None, args, span)
            }
            Ty::Error | Ty::Never => self.error_call(args, span),
            Ty::Infer(_) => {
                self.needs_type_here(value.span);
                self.error_call(args, span)
            }
            other => {
                let shown = self.show(&other);
                self.error(
                    "E0215",
                    format!("`{shown}` is not a function"),
                    value.span,
                    format!("this is `{shown}`"),
                )
                .hint("only functions and closures can be called");
                self.error_call(args, span)
            }
        }
    }

    fn check_method_call(&mut self, base: &ast::Expr, name: &ast::Ident, args: &[ast::Arg], span: Span) -> Expr {
        let receiver = self.check_expr(base, &Expect::Any);
        let ty = self.table.shallow(&receiver.ty);
        match ty {
            Ty::Error | Ty::Never => return self.error_call(args, span),
            Ty::Infer(_) => {
                self.needs_type_here(receiver.span);
                return self.error_call(args, span);
            }
            _ => {}
        }
        if let Some(item) = self.find_method(&ty, &name.name) {
            let (callee, sig) = self.item_sig(item).expect("find_method returns functions");
            return self.call_with(callee, sig, Some(receiver), args, span);
        }
        if let Ty::Struct(id) = ty {
            let def = self.program.struct_def(id);
            if let Some(index) = def.fields.iter().position(|f| f.name == name.name) {
                let field_ty = def.fields[index].ty.clone();
                let field = expr(
                    ExprKind::Field {
                        base: Box::new(receiver),
                        index: index as u32,
                    },
                    field_ty,
                    base.span.to(name.span),
                );
                return self.call_value(field, args, span);
            }
        }
        let shown = self.show(&ty);
        let help = self.unknown_method_help(&ty, &name.name, &shown);
        self.error(
            "E0107",
            format!("no method `{}` on `{shown}`", name.name),
            name.span,
            "unknown method",
        )
        .hint(help);
        self.error_call(args, span)
    }

    /// Why `x.name(..)` found nothing: a function of that name that takes another type, a close name, or
    /// where methods come from.
    fn unknown_method_help(&self, ty: &Ty, name: &str, shown: &str) -> String {
        if let Some(item) = self.method_candidates(ty, name).first() {
            let first = match *item {
                ItemRef::Fn(id) => self.program.function(id).params.first().map(|p| p.ty.clone()),
                ItemRef::Fuzzy(id) => self.program.fuzzy_fn(id).params.first().map(|p| p.ty.clone()),
                ItemRef::Native(id) => self.program.native(id).params.first().map(|p| p.ty.clone()),
                ItemRef::Struct(_) | ItemRef::Enum(_) => None,
            };
            return match first {
                Some(first) => format!(
                    "`{name}` takes a `{}` first, not a `{shown}`",
                    self.show_generic(&first)
                ),
                None => format!("`{name}` takes no arguments, so it cannot be called as a method: write `{name}()`"),
            };
        }
        let mut names: Vec<String> = Vec::new();
        for m in self.method_modules(ty) {
            names.extend(
                self.modules[m]
                    .items
                    .iter()
                    .filter(|(_, (item, _))| matches!(item, ItemRef::Fn(_) | ItemRef::Native(_) | ItemRef::Fuzzy(_)))
                    .filter(|(_, (item, _))| self.takes_receiver(*item, ty))
                    .map(|(n, _)| n.clone()),
            );
        }
        let suggestion = did_you_mean(name, names.iter().map(String::as_str)).or_else(|| {
            common_name(name)
                .filter(|n| names.iter().any(|m| m == n))
                .map(|n| format!("the function is `{n}`"))
        });
        suggestion.unwrap_or_else(|| {
            format!("`x.{name}(..)` calls a function `{name}(x, ..)` declared in this module, in the module of `{shown}`, or in its standard module")
        })
    }

    /// A signature type as written, with a native's type parameters shown as `T`.
    fn show_generic(&self, ty: &Ty) -> String {
        let replaced = instantiate(ty, &[Ty::Param(0), Ty::Param(1), Ty::Param(2)]);
        match replaced {
            Ty::List(e) if matches!(*e, Ty::Param(_)) => "list".into(),
            Ty::Dict(..) => "dict".into(),
            other => self.show(&other),
        }
    }

    fn call_with(&mut self, callee: Callee, sig: Sig, receiver: Option<Expr>, args: &[ast::Arg], span: Span) -> Expr {
        for arg in args {
            if let Some(label) = &arg.label {
                self.error(
                    "E0210",
                    "labelled arguments are only for constructing structs",
                    label.span,
                    "remove this label",
                )
                .hint(format!("pass arguments to `{}` by position", sig.name));
            }
        }
        let offset = usize::from(receiver.is_some());
        let given = offset + args.len();
        if given != sig.params.len() {
            let expected = sig.params.len();
            let plural = if expected == 1 { "" } else { "s" };
            let types: Vec<String> = sig.params.iter().map(|p| self.show(p)).collect();
            self.error(
                "E0202",
                format!(
                    "`{}` takes {expected} argument{plural} but {given} {} given",
                    sig.name,
                    if given == 1 { "was" } else { "were" }
                ),
                span,
                format!("expected {expected} argument{plural}"),
            )
            .also((sig.decl, format!("`{}` is declared here", sig.name)))
            .hint(format!("call it as `{}({})`", sig.name, types.join(", ")));
        }
        let mut checked = Vec::new();
        if let Some(receiver) = receiver {
            let c = match sig.params.first() {
                Some(p) => self.coerce(receiver, p, None),
                None => receiver,
            };
            checked.push(c);
        }
        for (i, arg) in args.iter().enumerate() {
            let c = match sig.params.get(i + offset) {
                Some(p) => {
                    let origin = sig.param_spans[i + offset].map(|s| Label::new(s, "parameter declared here"));
                    self.check_expr(&arg.value, &Expect::Ty(p.clone(), origin))
                }
                None => self.check_expr(&arg.value, &Expect::Any),
            };
            checked.push(c);
        }
        expr(ExprKind::Call { callee, args: checked }, sig.ret, span)
    }

    fn check_struct_new(&mut self, id: StructId, args: &[ast::Arg], span: Span) -> Expr {
        let def = self.program.struct_def(id).clone();
        let mut slots: Vec<Option<(Expr, Span)>> = vec![None; def.fields.len()];
        let mut complete = true;
        let mut unlabelled_reported = false;
        for arg in args {
            let Some(label) = &arg.label else {
                // One report per construction: the help already shows the whole labelled form.
                if !unlabelled_reported {
                    unlabelled_reported = true;
                    let fields: Vec<String> = def.fields.iter().map(|f| format!("{}: ...", f.name)).collect();
                    self.error(
                        "E0210",
                        format!("the fields of `{}` must be labelled", def.name),
                        arg.value.span,
                        "unlabelled argument",
                    )
                    .hint(format!("write `{}({})`", def.name, fields.join(", ")));
                }
                self.check_expr(&arg.value, &Expect::Any);
                complete = false;
                continue;
            };
            let Some(index) = def.fields.iter().position(|f| f.name == label.name) else {
                let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
                let help = did_you_mean(&label.name, names.iter().copied())
                    .unwrap_or_else(|| format!("the fields of `{}` are: {}", def.name, names.join(", ")));
                self.error(
                    "E0105",
                    format!("struct `{}` has no field `{}`", def.name, label.name),
                    label.span,
                    "unknown field",
                )
                .hint(help);
                self.check_expr(&arg.value, &Expect::Any);
                complete = false;
                continue;
            };
            let field = &def.fields[index];
            let value = self.check_expr(
                &arg.value,
                &Expect::Ty(
                    field.ty.clone(),
                    Some(Label::new(field.span, "expected because of this field")),
                ),
            );
            if let Some((_, first)) = &slots[index] {
                self.error(
                    "E0104",
                    format!("field `{}` is given twice", label.name),
                    label.span,
                    "given again here",
                )
                .also((*first, "first given here"))
                .hint("give each field exactly once");
                continue;
            }
            slots[index] = Some((value, label.span));
        }
        let missing: Vec<String> = def
            .fields
            .iter()
            .zip(&slots)
            .filter(|(_, s)| s.is_none())
            .map(|(f, _)| format!("`{}`", f.name))
            .collect();
        if !missing.is_empty() && complete {
            let plural = if missing.len() == 1 { "" } else { "s" };
            self.error(
                "E0211",
                format!("missing field{plural} {} in `{}`", missing.join(", "), def.name),
                span,
                format!("missing {}", missing.join(", ")),
            )
            .also((def.name_span, format!("`{}` is declared here", def.name)))
            .hint("give every field a value: structs have no default values");
        }
        if !missing.is_empty() || !complete {
            return expr(ExprKind::Error, Ty::Struct(id), span);
        }
        let fields = slots.into_iter().flatten().map(|(e, _)| e).collect();
        expr(ExprKind::StructNew { id, fields }, Ty::Struct(id), span)
    }
}

/// The paw name of a function other languages name `name` (`length` → `len`), for E0107's help.
fn common_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "length" | "size" | "count" | "lenght" => "len",
        "append" | "add" => "push",
        "strip" => "trim",
        "to_upper" | "to_uppercase" | "toUpperCase" => "upper",
        "to_lower" | "to_lowercase" | "toLowerCase" => "lower",
        "includes" | "has" | "has_key" | "contains_key" => "contains",
        "startswith" | "startsWith" => "starts_with",
        "endswith" | "endsWith" => "ends_with",
        "index_of" | "indexOf" | "index" => "find",
        "substring" | "substr" => "slice",
        "sorted" => "sort",
        "reversed" => "reverse",
        "to_string" | "toString" | "str" => "to_str",
        _ => return None,
    })
}
