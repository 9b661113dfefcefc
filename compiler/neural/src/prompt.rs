//! The texts models read: the spec as the compiler model sees it, the compiled program the interpreter
//! sees, and the uncompiled baseline prompt (`pawc eval --baseline prompt`).

use paw_artifact::{Example, Spec, TypeSpec, INPUT_PLACEHOLDER};
use paw_fuzzy::{render_input, render_value};

/// The spec written out for the compiler model: signature, description, declared types with their docs,
/// and the user's examples.
pub fn describe_spec(spec: &Spec) -> String {
    let mut out = format!("Function: {}\n\nDescription:\n{}\n", spec.signature(), spec.doc);
    let mut declared = Vec::new();
    collect_declared(&spec.ret, &mut declared);
    for p in &spec.params {
        collect_declared(&p.ty, &mut declared);
    }
    for ty in declared {
        out.push('\n');
        out.push_str(&declaration(ty));
    }
    if !spec.examples.is_empty() {
        out.push_str("\nExamples:\n");
        for e in &spec.examples {
            let input = render_input(spec, &e.args).unwrap_or_default();
            out.push_str(&format!(
                "input: {input}\noutput: {}\n",
                render_value(&e.expected, &spec.ret)
            ));
        }
    }
    out
}

/// How the interpreter must answer, e.g. the labels of an enum with their meanings.
pub fn answer_format(ty: &TypeSpec) -> String {
    match ty {
        TypeSpec::Bool => "Answer with true or false.".into(),
        TypeSpec::Int => "Answer with an integer.".into(),
        TypeSpec::Float => "Answer with a number.".into(),
        TypeSpec::Str => "Answer with the text only.".into(),
        TypeSpec::Json => "Answer with JSON only.".into(),
        TypeSpec::Enum { variants, .. } => {
            let mut s = String::from("Answer with exactly one of these labels:\n");
            for v in variants {
                if v.doc.is_empty() {
                    s.push_str(&format!("- {}\n", v.name));
                } else {
                    s.push_str(&format!("- {}: {}\n", v.name, v.doc.replace('\n', " ")));
                }
            }
            s.trim_end().to_string()
        }
        TypeSpec::Struct { fields, .. } => {
            let mut s = String::from("Answer with a JSON object with these fields:\n");
            for f in fields {
                let doc = if f.doc.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", f.doc.replace('\n', " "))
                };
                s.push_str(&format!("- \"{}\" ({}){doc}\n", f.name, f.ty.name()));
            }
            s.trim_end().to_string()
        }
        TypeSpec::List { item } => format!("Answer with a JSON array of {}.", item.name()),
        TypeSpec::Optional { inner } => format!("{} Answer null when there is no answer.", answer_format(inner)),
    }
}

/// The pseudo-program: the task paragraph (the docstring's prose; the signature when there is none), the
/// answer format, then the examples in the same framing the call's input will have.
pub fn pseudo_program(spec: &Spec, examples: &[Example]) -> String {
    let task = match spec.doc.trim() {
        "" => format!("Compute `{}`.", spec.signature()),
        doc => doc.to_string(),
    };
    let mut out = format!("{task}\n\n{}\n", answer_format(&spec.ret));
    if !examples.is_empty() {
        out.push_str("\nExamples:\n");
        for e in examples {
            let input = render_input(spec, &e.args).unwrap_or_default();
            out.push_str(&format!(
                "\n[INPUT]\n{input}\n[END_INPUT]\n{}\n",
                render_value(&e.output, &spec.ret)
            ));
        }
    }
    out
}

/// The interpreter's user turn around a call's input (PAW's framing).
pub fn program_template(pseudo_program: &str) -> String {
    format!(
        "{}\n\n[INPUT]\n{INPUT_PLACEHOLDER}\n[END_INPUT]",
        pseudo_program.trim_end()
    )
}

/// The uncompiled baseline: the declaration as the user wrote it (docstring with its examples, signature,
/// the declared types), then the call's input.
pub fn baseline_template(spec: &Spec) -> String {
    let mut out = String::new();
    for line in spec.doc.lines() {
        out.push_str(&if line.is_empty() {
            "///\n".to_string()
        } else {
            format!("/// {line}\n")
        });
    }
    if !spec.examples.is_empty() {
        out.push_str("///\n");
        for e in &spec.examples {
            let args: Vec<String> = e
                .args
                .iter()
                .map(|a| serde_json::to_string(a).unwrap_or_default())
                .collect();
            out.push_str(&format!(
                "/// >>> {}({})\n/// {}\n",
                spec.name,
                args.join(", "),
                literal(&e.expected, &spec.ret)
            ));
        }
    }
    out.push_str(&format!("fuzzy fn {}\n", spec.signature()));
    let mut declared = Vec::new();
    collect_declared(&spec.ret, &mut declared);
    for ty in declared {
        out.push('\n');
        out.push_str(&declaration(ty));
    }
    format!("{out}\n{}\n\nInput:\n{INPUT_PLACEHOLDER}", answer_format(&spec.ret))
}

/// A docstring literal: enum variants bare, everything else JSON.
fn literal(v: &serde_json::Value, ty: &TypeSpec) -> String {
    match (ty, v) {
        (TypeSpec::Enum { .. }, serde_json::Value::String(s)) => s.clone(),
        _ => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn collect_declared<'a>(ty: &'a TypeSpec, out: &mut Vec<&'a TypeSpec>) {
    match ty {
        TypeSpec::Enum { name, .. } | TypeSpec::Struct { name, .. } => {
            if out.iter().any(|t| t.name() == *name) {
                return;
            }
            out.push(ty);
            if let TypeSpec::Struct { fields, .. } = ty {
                for f in fields {
                    collect_declared(&f.ty, out);
                }
            }
        }
        TypeSpec::List { item } => collect_declared(item, out),
        TypeSpec::Optional { inner } => collect_declared(inner, out),
        _ => {}
    }
}

/// An enum or struct as `.pw` source with its docs.
fn declaration(ty: &TypeSpec) -> String {
    let doc_lines = |doc: &str, indent: &str| -> String { doc.lines().map(|l| format!("{indent}/// {l}\n")).collect() };
    match ty {
        TypeSpec::Enum { name, doc, variants } => {
            let mut s = format!("{}enum {name} {{\n", doc_lines(doc, ""));
            for v in variants {
                s.push_str(&format!("{}    {},\n", doc_lines(&v.doc, "    "), v.name));
            }
            s + "}\n"
        }
        TypeSpec::Struct { name, doc, fields } => {
            let mut s = format!("{}struct {name} {{\n", doc_lines(doc, ""));
            for f in fields {
                s.push_str(&format!(
                    "{}    {}: {},\n",
                    doc_lines(&f.doc, "    "),
                    f.name,
                    f.ty.name()
                ));
            }
            s + "}\n"
        }
        _ => String::new(),
    }
}
