//! Name resolution and type checking: syntax trees in, a checked program (HIR) out.
//!
//! [`check_program`] parses the given root files and every module they `use` (user modules through a
//! [`SourceLoader`], `std.*` modules from `paw-stdlib`), resolves every name, infers and checks every type, and
//! returns the [`hir::Program`] with all syntax and check diagnostics. It never fails and never panics: errors
//! are diagnostics, and the parts of the program that could not be checked become `Error` nodes.
//!
//! Modules are order-independent (import cycles are fine). The prelude is in scope everywhere; every `std`
//! module is loaded so that method calls on built-in types (`s.trim()`) work without a `use`.

mod body;
mod calls;
mod checker;
pub use paw_hir as hir;
mod fuzzy;
mod infer;
mod items;
mod load;
mod patterns;
mod suggest;

use paw_diagnostics::{Diagnostic, FileId, Files, Label, Span};

pub use load::{module_name, ParsedModule};

/// Where the checker finds user modules named by `use NAME` that are not among the roots
/// (in single-file mode: `NAME.pw` beside the file). IO stays outside the checker.
pub trait SourceLoader {
    /// `(display path, text)` of the module `name`, or `None` if there is no such module.
    fn load_user_module(&self, name: &str) -> Option<(String, String)>;
}

/// A loader that finds nothing: every module is a root (project mode with all of `src/*.pw` given).
pub struct NoLoader;

impl SourceLoader for NoLoader {
    fn load_user_module(&self, _name: &str) -> Option<(String, String)> {
        None
    }
}

/// A module given to the checker directly: its name (`main` for `main.pw` or a single file; otherwise the
/// file stem) and its file, already added to [`Files`].
#[derive(Clone, Debug)]
pub struct Root {
    pub name: String,
    pub file: FileId,
}

/// The result of checking: the program and every diagnostic (syntax and check, errors and warnings), in
/// source order per file.
#[derive(Debug)]
pub struct Checked {
    pub program: hir::Program,
    pub diagnostics: Vec<Diagnostic>,
    /// The file of the `main` module, for [`Checked::entry_point`]'s diagnostic.
    main_file: Option<FileId>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The function to run: `fn main()` of the `main` module. A separate question from checking, since a
    /// library without `main` checks fine; `pawc run` asks it.
    #[allow(
        clippy::result_large_err,
        reason = "asked once per run; the diagnostic is the whole answer"
    )]
    pub fn entry_point(&self) -> Result<hir::FnId, Diagnostic> {
        self.program.main.ok_or_else(|| {
            let span = Span::new(self.main_file.unwrap_or_default(), 0, 0);
            Diagnostic::error(
                "E0220",
                "this program has no `fn main()`",
                Label::new(span, "no `main` in this file"),
            )
            .with_help("add `fn main() { ... }`: it is where the program starts")
        })
    }
}

/// Checks a program made of `roots` and everything they `use`. Std modules and loaded user modules are
/// added to `files`.
pub fn check_program(files: &mut Files, roots: &[Root], loader: &dyn SourceLoader) -> Checked {
    let (modules, diagnostics) = load::load_modules(files, roots, loader);
    let main_file = roots.iter().find(|r| r.name == "main").map(|r| r.file);
    check_loaded(modules, diagnostics, main_file)
}

/// Checks modules that the caller parsed (an incremental driver keeps one parse per file and reuses it).
/// `modules` must hold every standard module (`std.NAME` for each of `paw_stdlib::MODULES`) and every user
/// module; a `use` of anything else is an "unknown module" error. The returned diagnostics are those of
/// checking only: the syntax diagnostics came with the caller's parses.
pub fn check_parsed(mut modules: Vec<ParsedModule>) -> Checked {
    let diagnostics = load::load_used_modules(&mut modules, |_| None);
    let main_file = modules
        .iter()
        .find(|m| m.name == "main" && !m.is_std)
        .map(|m| m.ast.span.file);
    check_loaded(modules, diagnostics, main_file)
}

fn check_loaded(modules: Vec<ParsedModule>, mut diagnostics: Vec<Diagnostic>, main_file: Option<FileId>) -> Checked {
    let mut checker = checker::Checker::new(modules);
    checker.check();
    let (program, check_diagnostics) = checker.finish();
    diagnostics.extend(check_diagnostics);
    diagnostics.sort_by_key(|d| (d.primary.span.file, d.primary.span.start));
    Checked {
        program,
        diagnostics,
        main_file,
    }
}

/// Checks one file as the module `main` (single-file mode); `use NAME` finds `NAME.pw` through `loader`.
pub fn check_file(files: &mut Files, file: FileId, loader: &dyn SourceLoader) -> Checked {
    check_program(
        files,
        &[Root {
            name: "main".into(),
            file,
        }],
        loader,
    )
}

#[cfg(test)]
mod ast_tests;

/// The standard modules whose functions are methods of a value of type `ty` (`std.text` for `str`), besides the
/// current module, the module declaring a struct or enum, and the prelude.
pub fn std_method_modules(ty: &hir::Ty) -> &'static [&'static str] {
    checker::Checker::std_modules_of(ty)
}
