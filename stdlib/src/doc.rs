//! The standard library's reference page (`docs/stdlib.md`), generated from the declarations' docstrings.

use crate::MODULES;

/// Markdown for every module: a section per module, each `native fn` with its signature and docstring.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# The standard library\n\n<!-- Generated from stdlib/std/*.pw by `PAW_UPDATE_DOCS=1 cargo test -p paw-stdlib`; do not edit. -->\n\n\
         `use std.NAME` makes a module reachable as `NAME.f(..)`. The prelude is in scope everywhere without `use`.\n\
         Functions whose first parameter is a `str`, `list`, `dict`, `json`, `int` or `float` can also be called as\n\
         methods of that value: `s.trim()`, `xs.map(f)`.\n",
    );
    for (name, source) in MODULES {
        let title = if *name == "prelude" {
            "prelude".to_string()
        } else {
            format!("std.{name}")
        };
        out.push_str(&format!("\n## {title}\n"));
        let mut docs: Vec<&str> = Vec::new();
        let mut intro: Vec<&str> = Vec::new();
        let mut seen_fn = false;
        for line in source.lines() {
            let line = line.trim();
            if let Some(doc) = line.strip_prefix("///") {
                docs.push(doc.strip_prefix(' ').unwrap_or(doc));
            } else if let Some(signature) = line.strip_prefix("native ") {
                if !seen_fn && !intro.is_empty() {
                    out.push_str(&format!("\n{}\n", intro.join(" ")));
                }
                seen_fn = true;
                out.push_str(&format!("\n### `{signature}`\n\n{}\n", docs.join("\n")));
                docs.clear();
            } else if let Some(comment) = line.strip_prefix("//") {
                if !seen_fn {
                    intro.push(comment.trim());
                }
            }
        }
    }
    out
}
