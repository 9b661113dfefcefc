//! The data files `paw.toml` names for fuzzy fns (`[functions.NAME]`), and the `.paw` bundles of imported ones
//! (`program`), read and checked for `pawc build`.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use paw_artifact::{function_key, spec_of, FunctionData};
use paw_build::{read_data, read_program, DataDecl, DataFile};
use paw_diagnostics::{Diagnostic, Label, Span};

use crate::output::Output;
use crate::pipeline::{fuzzy_named, plural, Loaded, NotOne};

/// Every function's rows by key. Diagnostics are shown; any error stops the build (exit code 1), so nothing
/// is compiled from a half-read file.
pub fn read_project_data(loaded: &mut Loaded, out: &Output) -> Result<BTreeMap<String, Arc<FunctionData>>, ExitCode> {
    let mut data = BTreeMap::new();
    let Some(manifest) = &loaded.project.manifest else {
        return Ok(data);
    };
    if manifest.functions.is_empty() {
        return Ok(data);
    }
    let manifest_path = loaded.project.root.join("paw.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| out.user_error(&format!("cannot read {}: {e}", manifest_path.display())))?;
    let toml_file = loaded.files.add("paw.toml", text);
    let span = |range: std::ops::Range<usize>| Span::new(toml_file, range.start, range.end);
    let program = &loaded.analysis.checked.program;
    let mut diagnostics = Vec::new();
    for (name, section) in &manifest.functions {
        let func = match fuzzy_named(program, name.get_ref()) {
            Ok(f) => f,
            Err(why) => {
                let (message, label) = match &why {
                    NotOne::None(_) => (
                        format!(
                            "paw.toml has data for `{}`, but the project has no fuzzy fn of that name",
                            name.get_ref()
                        ),
                        "no such fuzzy fn",
                    ),
                    NotOne::Several(fns) => (
                        format!("`{}` names {}", name.get_ref(), plural(fns.len(), "fuzzy fn")),
                        "ambiguous",
                    ),
                };
                diagnostics.push(
                    Diagnostic::error("E0506", message, Label::new(span(name.span()), label)).with_help(why.help()),
                );
                continue;
            }
        };
        // A function whose types a model cannot take is reported by the build plan.
        let Ok(spec) = spec_of(func, program) else {
            continue;
        };
        let key = function_key(&func.module, &func.name);
        let file = |path: &toml::Spanned<String>| DataFile {
            path: loaded.project.root.join(path.get_ref()),
            display: path.get_ref().clone(),
            named_at: span(path.span()),
        };
        if let Some(program) = &section.program {
            if section.inputs.is_some() || section.examples.is_some() || section.sample.is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        "E0604",
                        format!("`{key}` runs the program {} and is not compiled: it has no use for data", program.get_ref()),
                        Label::new(span(program.span()), "the program it runs"),
                    )
                    .with_help("remove `inputs`, `examples` and `sample`, or remove `program` to compile the function from its data"),
                );
                continue;
            }
            match read_program(&file(program)) {
                Ok(program) => {
                    let imported = FunctionData {
                        program: Some(program),
                        ..FunctionData::default()
                    };
                    data.insert(key, Arc::new(imported));
                }
                Err(diagnostic) => diagnostics.push(*diagnostic),
            }
            continue;
        }
        let decl = DataDecl {
            key: &key,
            inputs: section.inputs.as_ref().map(file),
            examples: section.examples.as_ref().map(file),
            sample: section.sample,
        };
        let (rows, found) = read_data(&decl, &spec, &mut loaded.files);
        diagnostics.extend(found);
        if let Some(rows) = rows.filter(|r| !r.is_empty()) {
            data.insert(key, Arc::new(rows));
        }
    }
    let errors = out.diagnostics(&diagnostics, &loaded.files);
    if errors > 0 {
        eprintln!(
            "{} {} in the `[functions]` data of paw.toml; nothing was built",
            out.paint("error:", "1;31"),
            plural(errors, "error")
        );
        return Err(ExitCode::from(1));
    }
    Ok(data)
}
