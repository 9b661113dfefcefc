//! Checking `.pw` text: single files, projects of several modules, and what the checker reports.
#![allow(dead_code)]

use std::collections::HashMap;

use paw_check::{check_file, check_program, Checked, Root, SourceLoader};
use paw_diagnostics::{Diagnostic, Files};

/// Modules found by name, as `pawc` finds `NAME.pw` beside a single file.
pub struct MapLoader(pub HashMap<String, String>);

impl SourceLoader for MapLoader {
    fn load_user_module(&self, name: &str) -> Option<(String, String)> {
        self.0.get(name).map(|text| (format!("{name}.pw"), text.clone()))
    }
}

/// Checks `source` as the single file `main.pw`; `others` are the modules `use` can load beside it.
pub fn check_with(source: &str, others: &[(&str, &str)]) -> (Checked, Files) {
    let mut files = Files::new();
    let file = files.add("main.pw", source);
    let loader = MapLoader(others.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect());
    let checked = check_file(&mut files, file, &loader);
    (checked, files)
}

pub fn check(source: &str) -> (Checked, Files) {
    check_with(source, &[])
}

/// Checks a project whose `src/` holds `modules` (name, text); every one of them is a root.
pub fn check_project(modules: &[(&str, &str)]) -> (Checked, Files) {
    let mut files = Files::new();
    let roots: Vec<Root> = modules
        .iter()
        .map(|(name, text)| Root {
            name: name.to_string(),
            file: files.add(format!("src/{name}.pw"), *text),
        })
        .collect();
    let checked = check_program(&mut files, &roots, &paw_check::NoLoader);
    (checked, files)
}

/// The codes of every diagnostic of `source`, in source order.
pub fn codes(source: &str) -> Vec<&'static str> {
    check(source).0.diagnostics.iter().map(|d| d.code).collect()
}

/// Asserts `source` checks without any diagnostic, showing them if not.
#[track_caller]
pub fn assert_clean(source: &str) {
    let (checked, files) = check(source);
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        paw_diagnostics::render::render_all(&checked.diagnostics, &files, false)
    );
}

/// The only diagnostic of `source`, which must have `code`; shows all of them if not.
#[track_caller]
pub fn only(source: &str, code: &str) -> (Diagnostic, Files) {
    let (checked, files) = check(source);
    let shown = paw_diagnostics::render::render_all(&checked.diagnostics, &files, false);
    assert_eq!(checked.diagnostics.len(), 1, "{shown}");
    assert_eq!(checked.diagnostics[0].code, code, "{shown}");
    (checked.diagnostics.into_iter().next().unwrap(), files)
}

/// The source text under the diagnostic's primary label.
pub fn primary_text<'a>(d: &Diagnostic, files: &'a Files) -> &'a str {
    files.snippet(d.primary.span)
}
