//! Values as the interpreter reads and writes them, and return types as decoding schemas.
//!
//! A call's input is rendered once, the same way at compile time (examples, self-test) and at run time:
//! a single `str` parameter is its raw text (what the model would see in a chat); any other single
//! parameter is its JSON; several parameters are one `name: value` line each, values as JSON.

use paw_artifact::{Spec, TypeSpec};
use paw_model::TypeSchema;
use serde_json::Value;

use crate::error::Error;

/// Whether `v` is a value of type `ty`: the model's own check ([`TypeSchema::validate`], which its typed decoding
/// satisfies by construction), so examples, eval cases and answers are judged by one rule.
pub fn fits(v: &Value, ty: &TypeSpec) -> bool {
    schema_of(ty).validate(v)
}

pub fn schema_of(ty: &TypeSpec) -> TypeSchema {
    match ty {
        TypeSpec::Bool => TypeSchema::Bool,
        TypeSpec::Int => TypeSchema::Int,
        TypeSpec::Float => TypeSchema::Float,
        TypeSpec::Str => TypeSchema::Str,
        TypeSpec::Json => TypeSchema::Json,
        TypeSpec::List { item } => TypeSchema::List(Box::new(schema_of(item))),
        TypeSpec::Optional { inner } => TypeSchema::Optional(Box::new(schema_of(inner))),
        TypeSpec::Enum { name, variants, .. } => TypeSchema::Enum {
            name: name.clone(),
            variants: variants
                .iter()
                .map(|v| (v.name.clone(), (!v.doc.is_empty()).then(|| v.doc.clone())))
                .collect(),
        },
        TypeSpec::Struct { name, fields, .. } => TypeSchema::Struct {
            name: name.clone(),
            fields: fields.iter().map(|f| (f.name.clone(), schema_of(&f.ty))).collect(),
        },
    }
}

/// The text of a call's input.
pub fn render_input(spec: &Spec, args: &[Value]) -> Result<String, Error> {
    if args.len() != spec.params.len() {
        return Err(Error::Arity {
            function: spec.name.clone(),
            expected: spec.params.len(),
            got: args.len(),
        });
    }
    if let ([param], [arg]) = (spec.params.as_slice(), args) {
        return Ok(render_value(arg, &param.ty));
    }
    let lines: Vec<String> = spec
        .params
        .iter()
        .zip(args)
        .map(|(p, a)| format!("{}: {}", p.name, compact(a)))
        .collect();
    Ok(lines.join("\n"))
}

/// A value as the model writes it: strings raw at the top level, enum variants bare, the rest as JSON.
pub fn render_value(v: &Value, ty: &TypeSpec) -> String {
    match (ty, v) {
        (TypeSpec::Str | TypeSpec::Enum { .. }, Value::String(s)) => s.clone(),
        (TypeSpec::Optional { inner }, v) if !v.is_null() => render_value(v, inner),
        _ => compact(v),
    }
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).expect("JSON values always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use paw_artifact::ParamSpec;
    use serde_json::json;

    fn spec(params: &[(&str, TypeSpec)]) -> Spec {
        Spec {
            name: "f".into(),
            params: params
                .iter()
                .map(|(n, t)| ParamSpec {
                    name: n.to_string(),
                    ty: t.clone(),
                })
                .collect(),
            ret: TypeSpec::Bool,
            doc: String::new(),
            examples: vec![],
            data: None,
        }
    }

    #[test]
    fn inputs_render_by_arity_and_type() {
        assert_eq!(
            render_input(&spec(&[("text", TypeSpec::Str)]), &[json!("hi \"you\"")]).unwrap(),
            "hi \"you\""
        );
        assert_eq!(render_input(&spec(&[("n", TypeSpec::Int)]), &[json!(3)]).unwrap(), "3");
        let two = spec(&[("text", TypeSpec::Str), ("limit", TypeSpec::Int)]);
        assert_eq!(
            render_input(&two, &[json!("a\nb"), json!(2)]).unwrap(),
            "text: \"a\\nb\"\nlimit: 2"
        );
        assert!(render_input(&two, &[json!("a")]).is_err());
    }
}
