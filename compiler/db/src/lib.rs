//! The incremental front end, shared by `pawc` and the language server.
//!
//! The inputs are file texts ([`Source`]) and the module list of a program ([`Workspace`]); everything else is a
//! salsa query computed from them and memoized until an input it read changes:
//!
//! - [`parse`] (per file): the syntax tree and syntax diagnostics. An edit re-parses only the edited file; the
//!   standard library is parsed once per process.
//! - [`module_items`] (per file): the module's items with their signatures as written, docs and spans (outline,
//!   workspace symbols, completion). Recomputed only when that file's syntax tree changes.
//! - [`check`] (per workspace): the checked program and every diagnostic, over the memoized syntax trees. The
//!   checker is whole-program, so it runs again when any module's syntax tree changes; an edit that leaves every
//!   tree equal (nothing in practice but re-saving the same text) reuses the previous result.
//!
//! Hosts (the CLI, the server) own IO: they read files, call [`Database::set_text`] and ask the queries.

mod items;

use std::sync::Arc;

use paw_check::{Checked, ParsedModule, SourceLoader};
use paw_diagnostics::{Diagnostic, FileId, Files};
use paw_syntax::ast;
use salsa::Setter;

pub use items::{module_items, ItemKind, ItemSummary};

/// One source file: its id (its index in [`Database::files`]), the name shown to users, and its text.
#[salsa::input(debug)]
pub struct Source {
    #[returns(copy)]
    pub id: FileId,
    #[returns(ref)]
    pub name: String,
    #[returns(ref)]
    pub text: Arc<str>,
}

/// A module of a program: `main`, `helpers`, `std.text`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Module {
    pub name: String,
    pub source: Source,
    pub is_std: bool,
}

/// A program: every standard module and every user module.
#[salsa::input(debug)]
pub struct Workspace {
    #[returns(ref)]
    pub modules: Vec<Module>,
}

/// A parsed file. Equal trees compare equal, so queries that read an unchanged tree are not re-run.
#[derive(Debug, PartialEq)]
pub struct Parsed {
    pub ast: Arc<ast::SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The syntax tree of one file.
#[salsa::tracked]
pub fn parse(db: &dyn salsa::Database, source: Source) -> Arc<Parsed> {
    let (ast, diagnostics) = paw_syntax::parse(source.id(db), source.text(db));
    Arc::new(Parsed {
        ast: Arc::new(ast),
        diagnostics,
    })
}

/// A checked workspace: the checker's result and every diagnostic of the program (syntax and check), in source
/// order per file, exactly as `paw_check::check_program` would report them.
#[derive(Debug)]
pub struct Analysis {
    pub checked: Checked,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks the whole program of `workspace` over the memoized parses.
#[salsa::tracked(no_eq)]
pub fn check(db: &dyn salsa::Database, workspace: Workspace) -> Arc<Analysis> {
    let mut diagnostics = Vec::new();
    let mut modules = Vec::new();
    for module in workspace.modules(db) {
        let parsed = parse(db, module.source);
        diagnostics.extend(parsed.diagnostics.iter().cloned());
        modules.push(ParsedModule {
            name: module.name.clone(),
            ast: parsed.ast.clone(),
            is_std: module.is_std,
        });
    }
    let checked = paw_check::check_parsed(modules);
    diagnostics.extend(checked.diagnostics.iter().cloned());
    diagnostics.sort_by_key(|d| (d.primary.span.file, d.primary.span.start));
    Arc::new(Analysis { checked, diagnostics })
}

/// The salsa database with the registry of sources (append-only: a file keeps its id for the process's life).
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    sources: Vec<Source>,
    std_modules: Vec<Module>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Default for Database {
    fn default() -> Database {
        Database::with_files(&Files::new())
    }
}

impl Database {
    pub fn new() -> Database {
        Database::default()
    }

    /// A database whose first sources are `files`, with the same ids; the standard library comes after them.
    pub fn with_files(files: &Files) -> Database {
        Database::with_storage(files, salsa::Storage::default())
    }

    fn with_storage(files: &Files, storage: salsa::Storage<Database>) -> Database {
        let mut db = Database {
            storage,
            sources: Vec::new(),
            std_modules: Vec::new(),
        };
        for (_, file) in files.iter() {
            db.add_source(file.name.clone(), file.text.clone());
        }
        for (name, text) in paw_stdlib::MODULES {
            let source = db.add_source(format!("std/{name}.pw"), *text);
            db.std_modules.push(Module {
                name: format!("std.{name}"),
                source,
                is_std: true,
            });
        }
        db
    }

    /// Registers a new file.
    pub fn add_source(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> Source {
        let id = FileId(self.sources.len() as u32);
        let source = Source::new(self, id, name.into(), text.into());
        self.sources.push(source);
        source
    }

    /// Replaces a file's text (an edit): the queries that read it are recomputed when next asked.
    pub fn set_text(&mut self, source: Source, text: impl Into<Arc<str>>) {
        source.set_text(self).to(text.into());
    }

    pub fn source(&self, id: FileId) -> Source {
        self.sources[id.0 as usize]
    }

    /// The source that has `name`, if one was registered.
    pub fn source_named(&self, name: &str) -> Option<Source> {
        self.sources.iter().copied().find(|s| s.name(self) == name)
    }

    /// A program of the standard library plus `user_modules` (`(module name, source)`).
    pub fn workspace(&mut self, user_modules: impl IntoIterator<Item = (String, Source)>) -> Workspace {
        let modules = self.modules_with_std(user_modules);
        Workspace::new(self, modules)
    }

    /// Replaces a workspace's user modules (a file was created, deleted or renamed).
    pub fn set_user_modules(&mut self, workspace: Workspace, user_modules: impl IntoIterator<Item = (String, Source)>) {
        let modules = self.modules_with_std(user_modules);
        if *workspace.modules(self) != modules {
            workspace.set_modules(self).to(modules);
        }
    }

    fn modules_with_std(&self, user_modules: impl IntoIterator<Item = (String, Source)>) -> Vec<Module> {
        let mut modules = self.std_modules.clone();
        modules.extend(user_modules.into_iter().map(|(name, source)| Module {
            name,
            source,
            is_std: false,
        }));
        modules
    }

    /// Adds to `workspace` (transitively) every user module its modules `use` that `loader` finds (single-file
    /// mode: `NAME.pw` beside the file). A module already registered under the loader's name is reused.
    pub fn load_used_modules(&mut self, workspace: Workspace, loader: &dyn SourceLoader) {
        let mut modules: Vec<Module> = workspace.modules(self).clone();
        let mut next = 0;
        while next < modules.len() {
            let module = modules[next].clone();
            next += 1;
            if module.is_std {
                continue;
            }
            let ast = parse(self, module.source).ast.clone();
            for item in &ast.items {
                let ast::Item::Use(decl) = item else { continue };
                let Some(name) = paw_check::module_name(decl) else {
                    continue;
                };
                if name.starts_with("std.") || modules.iter().any(|m| m.name == name) {
                    continue;
                }
                let Some((path, text)) = loader.load_user_module(&name) else {
                    continue;
                };
                let source = match self.source_named(&path) {
                    Some(source) => {
                        if **source.text(self) != *text {
                            self.set_text(source, text);
                        }
                        source
                    }
                    None => self.add_source(path, text),
                };
                modules.push(Module {
                    name,
                    source,
                    is_std: false,
                });
            }
        }
        if *workspace.modules(self) != modules {
            workspace.set_modules(self).to(modules);
        }
    }

    /// Every registered file, for rendering diagnostics and mapping spans.
    pub fn files(&self) -> Files {
        let mut files = Files::new();
        for source in &self.sources {
            files.add(source.name(self).clone(), source.text(self).clone());
        }
        files
    }
}

/// One program checked once, as `pawc` and standalone executables do: the analysis, every file (for rendering
/// diagnostics), and the user modules checked (`(module name, file)`, those the loader found included).
pub struct CheckedOnce {
    pub analysis: Arc<Analysis>,
    pub files: Files,
    pub user_modules: Vec<(String, FileId)>,
}

/// Checks the program of `modules` (`(module name, file in files)`) plus every module they use that `loader`
/// finds.
pub fn check_once(files: &Files, modules: Vec<(String, FileId)>, loader: &dyn SourceLoader) -> CheckedOnce {
    let mut db = Database::with_files(files);
    let modules: Vec<_> = modules
        .into_iter()
        .map(|(name, file)| (name, db.source(file)))
        .collect();
    let workspace = db.workspace(modules);
    db.load_used_modules(workspace, loader);
    let analysis = check(&db, workspace).clone();
    let user_modules = workspace
        .modules(&db)
        .iter()
        .filter(|m| !m.is_std)
        .map(|m| (m.name.clone(), m.source.id(&db)))
        .collect();
    CheckedOnce {
        analysis,
        files: db.files(),
        user_modules,
    }
}

#[cfg(test)]
mod tests;
