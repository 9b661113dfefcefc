//! The front half every command shares: find the project, read its files, check it, show the diagnostics.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::sync::Arc;

use paw_artifact::function_key;
use paw_check::hir::{FuzzyFn, Program};
use paw_check::SourceLoader;
use paw_db::{Analysis, CheckedOnce};
use paw_diagnostics::{Diagnostic, FileId, Files};

use crate::output::Output;
use crate::project::Project;
use crate::sources::read_source;

/// A checked program, ready to run (no errors; warnings have been shown).
pub struct Loaded {
    pub project: Project,
    pub files: Files,
    pub analysis: Arc<Analysis>,
    /// Every user module checked: `(module name, file)`.
    pub user_modules: Vec<(String, FileId)>,
}

/// Finds, reads and checks the program at `path`, printing every diagnostic. `Err` carries the exit code when
/// there were errors.
pub fn load_and_check(path: Option<&Path>, out: &Output) -> Result<Loaded, ExitCode> {
    let project = Project::locate(path).map_err(|e| out.user_error(&e))?;
    let mut files = Files::new();
    let mut modules = Vec::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for module in &project.modules {
        let display = project.display_path(&module.path);
        let (file, utf8_error) = read_source(&mut files, &module.path, display).map_err(|e| out.user_error(&e))?;
        diagnostics.extend(utf8_error);
        modules.push((module.name.clone(), file));
    }
    // The same incremental database as the language server, used once.
    // A project gives every module; a single file finds the modules it uses beside it.
    let loader = SiblingLoader {
        dir: (project.manifest.is_none()).then(|| project.root.clone()),
    };
    let CheckedOnce {
        analysis,
        files,
        user_modules,
    } = paw_db::check_once(&files, modules, &loader);
    diagnostics.extend(analysis.diagnostics.iter().cloned());
    let errors = out.diagnostics(&diagnostics, &files);
    let warnings = diagnostics.len() - errors;
    if errors > 0 {
        let what = plural(errors, "error");
        let also = if warnings > 0 {
            format!(" and {}", plural(warnings, "warning"))
        } else {
            String::new()
        };
        eprintln!(
            "{} could not compile {} due to {what}{also}",
            out.paint("error:", "1;31"),
            name(&project)
        );
        return Err(ExitCode::from(1));
    }
    Ok(Loaded {
        project,
        files,
        analysis,
        user_modules,
    })
}

/// [`load_and_check`] for a program that must have a `fn main()`.
pub fn load_runnable(path: Option<&Path>, out: &Output) -> Result<Loaded, ExitCode> {
    let loaded = load_and_check(path, out)?;
    if let Err(d) = loaded.analysis.checked.entry_point() {
        out.diagnostics(&[d], &loaded.files);
        return Err(ExitCode::from(1));
    }
    Ok(loaded)
}

pub fn name(project: &Project) -> String {
    match &project.manifest {
        Some(m) => format!("{} v{}", m.package.name, m.package.version),
        None => project.modules[0]
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// The fuzzy fn `name` names: its bare name, or `module.name` where two modules have one of that name (as in
/// `paw.toml`'s `[functions.NAME]` and `pawc export`).
pub fn fuzzy_named<'a>(program: &'a Program, name: &str) -> Result<&'a FuzzyFn, NotOne<'a>> {
    let matching: Vec<_> = program
        .fuzzy
        .iter()
        .filter(|f| f.name == name || function_key(&f.module, &f.name) == name)
        .collect();
    match matching.as_slice() {
        [f] => Ok(*f),
        [] => Err(NotOne::None(program.fuzzy.iter().collect())),
        _ => Err(NotOne::Several(matching)),
    }
}

/// Why a name does not give one fuzzy fn.
pub enum NotOne<'a> {
    /// No fuzzy fn has the name; all of the program's.
    None(Vec<&'a FuzzyFn>),
    /// Several modules have one of that name.
    Several(Vec<&'a FuzzyFn>),
}

impl NotOne<'_> {
    /// What to write instead.
    pub fn help(&self) -> String {
        let keys = |fns: &[&FuzzyFn], key: fn(&FuzzyFn) -> String| -> Vec<String> {
            fns.iter().map(|f| format!("`{}`", key(f))).collect()
        };
        match self {
            NotOne::None(known) if known.is_empty() => "the project declares no fuzzy fn".into(),
            NotOne::None(known) => format!("its fuzzy fns are {}", keys(known, |f| f.name.clone()).join(", ")),
            NotOne::Several(fns) => format!(
                "name one with its module: {}",
                keys(fns, |f| function_key(&f.module, &f.name)).join(" or ")
            ),
        }
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Single-file mode: `use NAME` reads `NAME.pw` from the file's directory.
struct SiblingLoader {
    dir: Option<PathBuf>,
}

impl SourceLoader for SiblingLoader {
    fn load_user_module(&self, name: &str) -> Option<(String, String)> {
        let path = self.dir.as_ref()?.join(format!("{name}.pw"));
        let bytes = std::fs::read(&path).ok()?;
        Some((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()))
    }
}
