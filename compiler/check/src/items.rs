//! Top-level items: give every declaration an id, register names (reporting duplicates), resolve imports,
//! and resolve the types in signatures, struct fields and fuzzy fns.

use paw_diagnostics::Span;
use paw_syntax::ast;

use crate::checker::{Checker, DiagnosticExt, FnSource, Import, ItemRef};
use crate::hir::{
    EnumDef, EnumId, Expr, ExprKind, FieldDef, FnId, Function, FuzzyFn, FuzzyId, NativeFn, NativeId, Param, StructDef,
    StructId, Ty, VariantDef,
};
use crate::load::module_name;
use crate::suggest::did_you_mean;

const BUILTIN_TYPES: &[&str] = &["int", "float", "bool", "str", "json", "list", "dict"];

impl Checker {
    /// Allocates ids for every item and fills each module's name table and imports.
    pub(crate) fn collect_items(&mut self) {
        for m in 0..self.modules.len() {
            let ast = self.modules[m].ast.clone();
            let module = self.modules[m].name.clone();
            let module_short = module.strip_prefix("std.").unwrap_or(&module).to_string();
            for (index, item) in ast.items.iter().enumerate() {
                match item {
                    ast::Item::Use(decl) => self.add_import(m, decl),
                    ast::Item::Fn(decl) if decl.is_native => {
                        let id = NativeId(self.program.natives.len() as u32);
                        self.program.natives.push(NativeFn {
                            name: format!("{module_short}.{}", decl.name.name),
                            module: module_short.clone(),
                            fn_name: decl.name.name.clone(),
                            type_params: decl.type_params.iter().map(|t| t.name.clone()).collect(),
                            params: Vec::new(),
                            ret: Ty::Unit,
                            docs: decl.docs.text(),
                            span: decl.span,
                        });
                        self.define(m, &decl.name, ItemRef::Native(id));
                    }
                    ast::Item::Fn(decl) => {
                        let id = FnId(self.program.functions.len() as u32);
                        self.program.functions.push(Function {
                            name: decl.name.name.clone(),
                            module: module.clone(),
                            params: Vec::new(),
                            ret: Ty::Unit,
                            body: Expr {
                                kind: ExprKind::Error,
                                ty: Ty::Error,
                                span: decl.span,
                            },
                            num_locals: 0,
                            docs: decl.docs.text(),
                            span: decl.span,
                            name_span: decl.name.span,
                        });
                        let ret_span = decl.ret.as_ref().map(ast::TypeExpr::span);
                        self.fn_sources.push(FnSource {
                            module: m,
                            item: index,
                            ret_span,
                        });
                        self.define(m, &decl.name, ItemRef::Fn(id));
                    }
                    ast::Item::Fuzzy(decl) => {
                        let id = FuzzyId(self.program.fuzzy.len() as u32);
                        self.program.fuzzy.push(FuzzyFn {
                            name: decl.name.name.clone(),
                            module: module.clone(),
                            params: Vec::new(),
                            ret: Ty::Error,
                            docs: decl.docs.text(),
                            description: decl.description.clone(),
                            examples: Vec::new(),
                            span: decl.span,
                            name_span: decl.name.span,
                        });
                        self.fuzzy_sources.push((m, index));
                        self.define(m, &decl.name, ItemRef::Fuzzy(id));
                    }
                    ast::Item::Struct(decl) => {
                        let id = StructId(self.program.structs.len() as u32);
                        self.program.structs.push(StructDef {
                            name: decl.name.name.clone(),
                            module: module.clone(),
                            docs: decl.docs.text(),
                            fields: Vec::new(),
                            span: decl.span,
                            name_span: decl.name.span,
                        });
                        self.struct_modules.push(m);
                        self.define(m, &decl.name, ItemRef::Struct(id));
                    }
                    ast::Item::Enum(decl) => {
                        let id = EnumId(self.program.enums.len() as u32);
                        let variants = unique_members(self, decl.variants.iter().map(|v| &v.name), "variant");
                        self.program.enums.push(EnumDef {
                            name: decl.name.name.clone(),
                            module: module.clone(),
                            docs: decl.docs.text(),
                            variants: decl
                                .variants
                                .iter()
                                .zip(variants)
                                .filter(|(_, keep)| *keep)
                                .map(|(v, _)| VariantDef {
                                    name: v.name.name.clone(),
                                    docs: v.docs.text(),
                                    span: v.span,
                                })
                                .collect(),
                            span: decl.span,
                            name_span: decl.name.span,
                        });
                        self.enum_modules.push(m);
                        self.define(m, &decl.name, ItemRef::Enum(id));
                    }
                    ast::Item::Test(_) | ast::Item::Error(_) => {}
                }
            }
        }
    }

    fn define(&mut self, module: usize, name: &ast::Ident, item: ItemRef) {
        if let Some((_, first)) = self.modules[module].items.get(&name.name) {
            let first = *first;
            self.error(
                "E0104",
                format!("`{}` is defined twice", name.name),
                name.span,
                "defined again here",
            )
            .also((first, "first defined here"))
            .hint("rename one of them");
            return;
        }
        self.modules[module].items.insert(name.name.clone(), (item, name.span));
    }

    fn add_import(&mut self, module: usize, decl: &ast::UseDecl) {
        let (Some(name), Some(alias)) = (module_name(decl), decl.path.last()) else {
            return;
        };
        // An unknown module was reported while loading.
        let Some(target) = self.module_index(&name) else { return };
        let span = decl.span;
        if let Some(first) = self.modules[module].imports.get(&alias.name) {
            let first = first.span;
            self.error(
                "E0104",
                format!("`{}` is imported twice", alias.name),
                span,
                "imported again here",
            )
            .also((first, "first imported here"))
            .hint("remove one of the `use` lines");
            return;
        }
        self.modules[module].imports.insert(
            alias.name.clone(),
            Import {
                module: target,
                span,
                used: false,
            },
        );
    }

    /// Resolves the types of every signature and struct field (after all names are known).
    pub(crate) fn resolve_signatures(&mut self) {
        let mut next_fn = 0;
        for m in 0..self.modules.len() {
            let ast = self.modules[m].ast.clone();
            for item in &ast.items {
                match item {
                    ast::Item::Fn(decl) => {
                        let params = self.resolve_params(m, &decl.params, &decl.type_params);
                        let ret = decl
                            .ret
                            .as_ref()
                            .map_or(Ty::Unit, |t| self.resolve_type(m, t, &decl.type_params));
                        // Functions got their ids in this same order; one defined twice keeps its own
                        // signature, so its body checks normally.
                        if !decl.is_native {
                            let function = &mut self.program.functions[next_fn];
                            next_fn += 1;
                            function.params = params;
                            function.ret = ret;
                        } else if let Some((ItemRef::Native(id), span)) = self.modules[m].items.get(&decl.name.name) {
                            if *span == decl.name.span {
                                let native = &mut self.program.natives[id.index()];
                                native.params = params;
                                native.ret = ret;
                            }
                        }
                    }
                    ast::Item::Struct(decl) => {
                        let Some((ItemRef::Struct(id), span)) = self.modules[m].items.get(&decl.name.name).copied()
                        else {
                            continue;
                        };
                        if span != decl.name.span {
                            continue;
                        }
                        let keep = unique_members(self, decl.fields.iter().map(|f| &f.name), "field");
                        let fields = decl
                            .fields
                            .iter()
                            .zip(keep)
                            .filter(|(_, keep)| *keep)
                            .map(|(f, _)| FieldDef {
                                name: f.name.name.clone(),
                                ty: self.resolve_type(m, &f.ty, &[]),
                                docs: f.docs.text(),
                                span: f.span,
                            })
                            .collect();
                        self.program.structs[id.index()].fields = fields;
                    }
                    _ => {}
                }
            }
        }
        for id in 0..self.fuzzy_sources.len() {
            self.resolve_fuzzy_signature(FuzzyId(id as u32));
        }
    }

    fn resolve_params(&mut self, module: usize, params: &[ast::Param], type_params: &[ast::Ident]) -> Vec<Param> {
        let keep = unique_members(self, params.iter().map(|p| &p.name), "parameter");
        params
            .iter()
            .zip(keep)
            .map(|(p, keep)| Param {
                // A duplicate parameter keeps its slot (so arity stays as written) under an unusable name.
                name: if keep { p.name.name.clone() } else { String::new() },
                ty: self.resolve_type(module, &p.ty, type_params),
                span: p.span,
            })
            .collect()
    }

    fn resolve_fuzzy_signature(&mut self, id: FuzzyId) {
        let (m, index) = self.fuzzy_sources[id.index()];
        let ast = self.modules[m].ast.clone();
        let ast::Item::Fuzzy(decl) = &ast.items[index] else {
            return;
        };
        let params = self.resolve_params(m, &decl.params, &[]);
        for (param, decl_param) in params.iter().zip(&decl.params) {
            if let Some(bad) = non_data_type(&param.ty) {
                let shown = self.show(&param.ty);
                self.error("E0216", format!("a fuzzy fn cannot take {bad}"), decl_param.ty.span(), format!("`{shown}` is not data"))
                    .hint("fuzzy fn parameters are data: `str`, `int`, `float`, `bool`, `json`, lists, optionals, enums and structs");
            }
        }
        let ret = match &decl.ret {
            None => {
                self.error(
                    "E0216",
                    format!("fuzzy fn `{}` has no return type", decl.name.name),
                    decl.name.span,
                    "declare what it returns",
                )
                .hint(format!(
                    "add one, for example `fuzzy fn {}(...) -> bool`: the model's answer is constrained to it",
                    decl.name.name
                ));
                Ty::Error
            }
            Some(t) => {
                let ty = self.resolve_type(m, t, &[]);
                if let Some(bad) = non_data_type(&ty) {
                    let shown = self.show(&ty);
                    self.error(
                        "E0216",
                        format!("a fuzzy fn cannot return {bad}"),
                        t.span(),
                        format!("`{shown}` is not data"),
                    )
                    .hint("return data: `bool`, `int`, `float`, `str`, `json`, an enum, a struct, `list[T]` or `T?`");
                }
                ty
            }
        };
        let fuzzy = &mut self.program.fuzzy[id.index()];
        fuzzy.params = params;
        fuzzy.ret = ret;
    }

    /// The type a type expression names, in `module`, where `type_params` (of a native) are in scope.
    pub(crate) fn resolve_type(&mut self, module: usize, t: &ast::TypeExpr, type_params: &[ast::Ident]) -> Ty {
        match t {
            ast::TypeExpr::Error(_) => Ty::Error,
            ast::TypeExpr::Optional { inner, span } => {
                let inner_ty = self.resolve_type(module, inner, type_params);
                if matches!(inner_ty, Ty::Optional(_)) {
                    self.error(
                        "E0206",
                        "nested optionals are not allowed",
                        *span,
                        "an optional of an optional",
                    )
                    .hint("one `?` is enough: a value of `T` is accepted wherever `T?` is expected");
                    return inner_ty;
                }
                Ty::Optional(Box::new(inner_ty))
            }
            ast::TypeExpr::Fn { params, ret, .. } => {
                let params = params
                    .iter()
                    .map(|p| self.resolve_type(module, p, type_params))
                    .collect();
                let ret = ret
                    .as_ref()
                    .map_or(Ty::Unit, |r| self.resolve_type(module, r, type_params));
                Ty::Fn(params, Box::new(ret))
            }
            ast::TypeExpr::Named { path, args, span } => {
                self.resolve_named_type(module, path, args, *span, type_params)
            }
        }
    }

    fn resolve_named_type(
        &mut self,
        module: usize,
        path: &[ast::Ident],
        args: &[ast::TypeExpr],
        span: Span,
        type_params: &[ast::Ident],
    ) -> Ty {
        let resolved_args: Vec<Ty> = args.iter().map(|a| self.resolve_type(module, a, type_params)).collect();
        let Some(last) = path.last() else { return Ty::Error };
        let (expected_args, ty) = match path {
            [name] => match name.name.as_str() {
                "int" => (0, Ty::Int),
                "float" => (0, Ty::Float),
                "bool" => (0, Ty::Bool),
                "str" => (0, Ty::Str),
                "json" => (0, Ty::Json),
                // The return type of natives that never return (`panic`); not a type users can write.
                "never" if self.modules[module].is_std => (0, Ty::Never),
                "list" if resolved_args.len() == 1 => (1, Ty::List(Box::new(resolved_args[0].clone()))),
                "list" => (1, Ty::Error),
                "dict" if resolved_args.len() == 2 => {
                    let key = &resolved_args[0];
                    if !matches!(key, Ty::Str | Ty::Int | Ty::Param(_) | Ty::Error) {
                        let shown = self.show(key);
                        self.error(
                            "E0207",
                            format!("`{shown}` cannot be a dict key"),
                            args[0].span(),
                            "keys must be `str` or `int`",
                        )
                        .hint("use `str` or `int` keys, for example by converting with `to_str(..)`");
                    }
                    (2, Ty::Dict(Box::new(key.clone()), Box::new(resolved_args[1].clone())))
                }
                "dict" => (2, Ty::Error),
                other => match type_params.iter().position(|p| p.name == other) {
                    Some(i) => (0, Ty::Param(i as u32)),
                    None => (0, self.user_type(module, module, name)),
                },
            },
            [module_alias, name] => match self.lookup_import(module, &module_alias.name) {
                Some(target) => (0, self.user_type(module, target, name)),
                None => {
                    self.unknown_module_in_path(module, module_alias);
                    (0, Ty::Error)
                }
            },
            _ => {
                self.error("E0102", "type paths have at most two parts", span, "not a type")
                    .hint("write `Name` or `module.Name`");
                return Ty::Error;
            }
        };
        if resolved_args.len() != expected_args && ty != Ty::Error || (ty == Ty::Error && expected_args > 0) {
            let (what, help) = match expected_args {
                0 => (
                    format!("`{}` takes no type arguments", last.name),
                    format!("write just `{}`", last.name),
                ),
                1 => (
                    "`list` takes one type argument".to_string(),
                    "write the element type: `list[str]`".to_string(),
                ),
                _ => (
                    "`dict` takes two type arguments".to_string(),
                    "write the key and value types: `dict[str, int]`".to_string(),
                ),
            };
            let given = resolved_args.len();
            self.error(
                "E0205",
                what,
                span,
                format!("{given} type argument{} given", if given == 1 { "" } else { "s" }),
            )
            .hint(help);
            return Ty::Error;
        }
        ty
    }

    /// A struct or enum named `name` declared in `target` (looked up from `module`).
    fn user_type(&mut self, module: usize, target: usize, name: &ast::Ident) -> Ty {
        let found = if target == module {
            self.lookup_item(module, &name.name)
        } else {
            self.modules[target].items.get(&name.name).map(|(item, _)| *item)
        };
        match found {
            Some(ItemRef::Struct(id)) => Ty::Struct(id),
            Some(ItemRef::Enum(id)) => Ty::Enum(id),
            Some(_) => {
                self.error(
                    "E0102",
                    format!("`{}` is a function, not a type", name.name),
                    name.span,
                    "not a type",
                )
                .hint(
                    "types are `int`, `float`, `bool`, `str`, `json`, `list[T]`, `dict[K, V]`, `T?`, structs and enums",
                );
                Ty::Error
            }
            None => {
                let mut candidates: Vec<String> = BUILTIN_TYPES.iter().map(|s| s.to_string()).collect();
                candidates.extend(
                    self.modules[target]
                        .items
                        .iter()
                        .filter(|(_, (item, _))| matches!(item, ItemRef::Struct(_) | ItemRef::Enum(_)))
                        .map(|(n, _)| n.clone()),
                );
                let help = did_you_mean(&name.name, candidates.iter().map(String::as_str)).unwrap_or_else(|| {
                    "declare it with `struct` or `enum`, or import the module that declares it".into()
                });
                self.error("E0102", format!("unknown type `{}`", name.name), name.span, "not found")
                    .hint(help);
                Ty::Error
            }
        }
    }

    pub(crate) fn unknown_module_in_path(&mut self, module: usize, alias: &ast::Ident) {
        let names: Vec<String> = self.modules[module].imports.keys().cloned().collect();
        let help = did_you_mean(&alias.name, names.iter().map(String::as_str))
            .unwrap_or_else(|| format!("import it first: `use {}` (or `use std.{}`)", alias.name, alias.name));
        self.error(
            "E0103",
            format!("unknown module `{}`", alias.name),
            alias.span,
            "not imported",
        )
        .hint(help);
    }
}

/// Reports names declared twice in one list (fields, variants, parameters); `true` for the ones to keep.
fn unique_members<'a>(checker: &mut Checker, names: impl Iterator<Item = &'a ast::Ident>, what: &str) -> Vec<bool> {
    let mut seen: Vec<&ast::Ident> = Vec::new();
    let mut keep = Vec::new();
    for name in names {
        if let Some(first) = seen.iter().find(|s| s.name == name.name) {
            checker
                .error(
                    "E0104",
                    format!("{what} `{}` is declared twice", name.name),
                    name.span,
                    "declared again here",
                )
                .also((first.span, "first declared here"))
                .hint(format!("rename or remove one of the two {what}s"));
            keep.push(false);
        } else {
            seen.push(name);
            keep.push(true);
        }
    }
    keep
}

/// Why `ty` is not a data type a fuzzy fn can take or return, if it is not.
fn non_data_type(ty: &Ty) -> Option<&'static str> {
    match ty {
        Ty::Fn(..) => Some("a function"),
        Ty::Unit => Some("nothing"),
        Ty::List(e) | Ty::Optional(e) => non_data_type(e),
        Ty::Dict(..) => Some("a dict (use `json` or a struct)"),
        _ => None,
    }
}
