//! The checker's shared state: the modules with their item tables, the program being built, diagnostics.

use std::collections::HashMap;
use std::sync::Arc;

use paw_diagnostics::{Diagnostic, Label, Span};
use paw_syntax::ast;

use crate::body::Body;
use crate::hir::{EnumId, FnId, FuzzyId, NativeId, Program, StructId, Ty};
use crate::infer::Table;
use crate::load::ParsedModule;

/// A top-level item, as a name resolves to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemRef {
    Fn(FnId),
    Native(NativeId),
    Fuzzy(FuzzyId),
    Struct(StructId),
    Enum(EnumId),
}

pub(crate) struct Module {
    pub name: String,
    pub ast: Arc<ast::SourceFile>,
    pub is_std: bool,
    /// Top-level items by name, with the span of their name (for duplicate and "declared here" labels).
    pub items: HashMap<String, (ItemRef, Span)>,
    /// `use` aliases (the path's last segment).
    pub imports: HashMap<String, Import>,
}

pub(crate) struct Import {
    pub module: usize,
    pub span: Span,
    pub used: bool,
}

/// Where a function's declaration is, for checking its body later.
pub(crate) struct FnSource {
    pub module: usize,
    pub item: usize,
    /// The declared return type's span, for "expected because of the return type" labels.
    pub ret_span: Option<Span>,
}

pub(crate) struct Checker {
    pub modules: Vec<Module>,
    pub program: Program,
    pub diags: Vec<Diagnostic>,
    pub prelude: usize,
    pub fn_sources: Vec<FnSource>,
    /// The module of each fuzzy fn, by [`FuzzyId`], and its declaration's item index.
    pub fuzzy_sources: Vec<(usize, usize)>,
    /// Module index of each struct and enum, for method lookup.
    pub struct_modules: Vec<usize>,
    pub enum_modules: Vec<usize>,
    /// Inference variables of the body being checked.
    pub table: Table,
    /// Scopes and frames of the body being checked.
    pub body: Body,
}

impl Checker {
    pub fn new(parsed: Vec<ParsedModule>) -> Checker {
        let modules: Vec<Module> = parsed
            .into_iter()
            .map(|m| Module {
                name: m.name,
                ast: m.ast,
                is_std: m.is_std,
                items: HashMap::new(),
                imports: HashMap::new(),
            })
            .collect();
        let prelude = modules.iter().position(|m| m.name == "std.prelude").unwrap_or(0);
        Checker {
            modules,
            program: Program::default(),
            diags: Vec::new(),
            prelude,
            fn_sources: Vec::new(),
            fuzzy_sources: Vec::new(),
            struct_modules: Vec::new(),
            enum_modules: Vec::new(),
            table: Table::default(),
            body: Body::default(),
        }
    }

    pub fn check(&mut self) {
        self.collect_items();
        self.resolve_signatures();
        self.check_bodies();
        self.check_fuzzy_examples();
        self.find_main();
        self.warn_unused_imports();
    }

    pub fn finish(self) -> (Program, Vec<Diagnostic>) {
        (self.program, self.diags)
    }

    /// Records an error; the returned reference adds labels and help.
    pub fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(code, message, Label::new(span, label)));
        self.diags.last_mut().expect("just pushed")
    }

    pub fn warning(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::warning(code, message, Label::new(span, label)));
        self.diags.last_mut().expect("just pushed")
    }

    /// A type as users write it, with what inference knows so far.
    pub fn show(&self, ty: &Ty) -> String {
        let program = &self.program;
        self.table.zonk(ty).display_with(
            &|id| program.structs.get(id.index()).map_or("?".into(), |s| s.name.clone()),
            &|id| program.enums.get(id.index()).map_or("?".into(), |e| e.name.clone()),
        )
    }

    /// A name at the top level of `module`, or in the prelude.
    pub fn lookup_item(&self, module: usize, name: &str) -> Option<ItemRef> {
        self.modules[module]
            .items
            .get(name)
            .or_else(|| self.modules[self.prelude].items.get(name))
            .map(|(item, _)| *item)
    }

    /// A module imported into `module` under `alias`, marking the import used.
    pub fn lookup_import(&mut self, module: usize, alias: &str) -> Option<usize> {
        let import = self.modules[module].imports.get_mut(alias)?;
        import.used = true;
        Some(import.module)
    }

    /// Every name visible unqualified in `module` (for suggestions).
    pub fn visible_item_names(&self, module: usize) -> Vec<String> {
        let mut names: Vec<String> = self.modules[module].items.keys().cloned().collect();
        names.extend(self.modules[self.prelude].items.keys().cloned());
        names.extend(self.modules[module].imports.keys().cloned());
        names
    }

    pub fn module_index(&self, name: &str) -> Option<usize> {
        self.modules.iter().position(|m| m.name == name)
    }

    fn find_main(&mut self) {
        let Some(main_module) = self.module_index("main") else {
            return;
        };
        let Some(&(ItemRef::Fn(id), _)) = self.modules[main_module].items.get("main") else {
            return;
        };
        let function = self.program.function(id);
        if let Some(param) = function.params.first() {
            let span = param.span.to(function.params[function.params.len() - 1].span);
            self.error("E0219", "`main` takes no parameters", span, "remove these parameters")
                .hint("read command-line arguments with `io.args()` (after `use std.io`)");
            return;
        }
        if function.ret != Ty::Unit {
            let span = self.fn_sources[id.index()].ret_span.unwrap_or(function.name_span);
            self.error("E0219", "`main` returns nothing", span, "remove the return type")
                .hint("to stop with an error, call `panic(\"...\")`");
            return;
        }
        self.program.main = Some(id);
    }

    fn warn_unused_imports(&mut self) {
        let mut unused: Vec<(String, Span)> = Vec::new();
        for module in self.modules.iter().filter(|m| !m.is_std) {
            for (alias, import) in &module.imports {
                if !import.used {
                    unused.push((alias.clone(), import.span));
                }
            }
        }
        unused.sort_by_key(|(_, span)| (span.file, span.start));
        for (alias, span) in unused {
            self.warning("W0104", format!("unused import `{alias}`"), span, "never used")
                .hint("remove this `use`: methods of built-in values (`s.trim()`, `xs.len()`) need no import");
        }
    }
}

/// Builder methods on a diagnostic already recorded (the `Diagnostic::with_*` ones take it by value).
pub(crate) trait DiagnosticExt {
    /// Adds a secondary label.
    fn also(&mut self, at: (Span, impl Into<String>)) -> &mut Self;
    fn hint(&mut self, help: impl Into<String>) -> &mut Self;
}

impl DiagnosticExt for Diagnostic {
    fn also(&mut self, (span, message): (Span, impl Into<String>)) -> &mut Self {
        self.secondary.push(Label::new(span, message));
        self
    }

    fn hint(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}
