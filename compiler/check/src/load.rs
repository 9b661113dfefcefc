//! Loading: parse the roots, the standard modules and every user module reached through `use`.

use std::collections::VecDeque;
use std::sync::Arc;

use paw_diagnostics::{Diagnostic, Files, Label};
use paw_syntax::ast;

use crate::suggest::did_you_mean;
use crate::{Root, SourceLoader};

/// One parsed module: `main`, `helpers`, or `std.text`.
pub struct ParsedModule {
    pub name: String,
    pub ast: Arc<ast::SourceFile>,
    pub is_std: bool,
}

/// Parses every standard module, then the roots, then (transitively) every user module they `use`.
/// Unknown modules in `use` are reported here.
pub(crate) fn load_modules(
    files: &mut Files,
    roots: &[Root],
    loader: &dyn SourceLoader,
) -> (Vec<ParsedModule>, Vec<Diagnostic>) {
    let mut modules = Vec::new();
    let mut diagnostics = Vec::new();
    for (name, source) in paw_stdlib::MODULES {
        let file = files.add(format!("std/{name}.pw"), *source);
        let (ast, diags) = paw_syntax::parse(file, source);
        diagnostics.extend(diags);
        modules.push(ParsedModule {
            name: format!("std.{name}"),
            ast: Arc::new(ast),
            is_std: true,
        });
    }
    for root in roots {
        let text = files.get(root.file).text.clone();
        let (ast, diags) = paw_syntax::parse(root.file, &text);
        diagnostics.extend(diags);
        modules.push(ParsedModule {
            name: root.name.clone(),
            ast: Arc::new(ast),
            is_std: false,
        });
    }
    diagnostics.extend(load_used_modules(&mut modules, |name| {
        let (path, text) = loader.load_user_module(name)?;
        let file = files.add(path, text.as_str());
        let (ast, diags) = paw_syntax::parse(file, &text);
        Some((
            ParsedModule {
                name: name.to_string(),
                ast: Arc::new(ast),
                is_std: false,
            },
            diags,
        ))
    }));
    (modules, diagnostics)
}

/// Adds (transitively) every user module that the user modules in `modules` `use` and that `load` finds;
/// returns the diagnostics of loading them, and an "unknown module" error for each `use` nothing answers.
pub(crate) fn load_used_modules(
    modules: &mut Vec<ParsedModule>,
    mut load: impl FnMut(&str) -> Option<(ParsedModule, Vec<Diagnostic>)>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut queue: VecDeque<usize> = (0..modules.len()).filter(|&i| !modules[i].is_std).collect();
    while let Some(index) = queue.pop_front() {
        let ast = modules[index].ast.clone();
        for item in &ast.items {
            let ast::Item::Use(decl) = item else { continue };
            let Some(name) = module_name(decl) else { continue };
            if modules.iter().any(|m| m.name == name) {
                continue;
            }
            match (!name.starts_with("std.")).then(|| load(&name)).flatten() {
                Some((module, diags)) => {
                    diagnostics.extend(diags);
                    queue.push_back(modules.len());
                    modules.push(module);
                }
                None => diagnostics.push(unknown_module(decl, &name, modules)),
            }
        }
    }
    diagnostics
}

/// The module a `use` names (`std.text` or `helpers`), or `None` for a path that was not parsed.
pub fn module_name(decl: &ast::UseDecl) -> Option<String> {
    if decl.path.is_empty() {
        return None;
    }
    Some(decl.path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join("."))
}

fn unknown_module(decl: &ast::UseDecl, name: &str, modules: &[ParsedModule]) -> Diagnostic {
    let span = decl.path[0].span.to(decl.path[decl.path.len() - 1].span);
    let known = modules.iter().map(|m| m.name.as_str()).filter(|n| *n != "std.prelude");
    let help = did_you_mean(name, known).unwrap_or_else(|| {
        if name.starts_with("std.") {
            let std: Vec<_> = paw_stdlib::MODULES
                .iter()
                .filter(|(n, _)| *n != "prelude")
                .map(|(n, _)| *n)
                .collect();
            format!("the standard modules are std.{}", std.join(", std."))
        } else {
            format!(
                "a module `{name}` would be the file `{}.pw` beside this one (or in `src/`)",
                name.replace('.', "/")
            )
        }
    });
    Diagnostic::error(
        "E0103",
        format!("unknown module `{name}`"),
        Label::new(span, "no such module"),
    )
    .with_help(help)
}
