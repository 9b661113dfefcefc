//! The canonical spec of a fuzzy function: everything that gives it meaning (name, parameters, resolved
//! types with their variants, fields and docs, the docstring prose, the examples) and nothing that does not
//! (source layout, spans, the module it lives in, trailing spaces, runs of blank doc lines). Its JSON form
//! is hashed into the program id, so equal meaning gives equal ids.

use paw_hir::{ConstValue, FuzzyFn, Program, Ty};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::data::DataDigest;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub name: String,
    pub params: Vec<ParamSpec>,
    pub ret: TypeSpec,
    /// The docstring without its examples, normalized (see [`normalize_doc`]).
    pub doc: String,
    /// The docstring examples, arguments and expected values as JSON of their types.
    pub examples: Vec<SpecExample>,
    /// The function's data files (`paw.toml`), by digest; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataDigest>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    pub name: String,
    pub ty: TypeSpec,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecExample {
    pub args: Vec<Value>,
    pub expected: Value,
}

/// A resolved type as the model side sees it; declared types carry their docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeSpec {
    Bool,
    Int,
    Float,
    Str,
    Json,
    List {
        item: Box<TypeSpec>,
    },
    Optional {
        inner: Box<TypeSpec>,
    },
    Enum {
        name: String,
        doc: String,
        variants: Vec<Member>,
    },
    Struct {
        name: String,
        doc: String,
        fields: Vec<Field>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub doc: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub doc: String,
    pub ty: TypeSpec,
}

/// A fuzzy fn whose types the model side cannot express.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub function: String,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fuzzy fn `{}`: {}", self.function, self.message)
    }
}

impl Spec {
    /// The canonical JSON text (fields in declaration order, no whitespace): the bytes hashed into ids.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a spec is always serializable")
    }

    /// The signature as written in source, e.g. `sms_is_spam(message: str) -> bool`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.ty.name()))
            .collect();
        format!("{}({}) -> {}", self.name, params.join(", "), self.ret.name())
    }
}

impl TypeSpec {
    /// The type as written in `.pw` source.
    pub fn name(&self) -> String {
        match self {
            TypeSpec::Bool => "bool".into(),
            TypeSpec::Int => "int".into(),
            TypeSpec::Float => "float".into(),
            TypeSpec::Str => "str".into(),
            TypeSpec::Json => "json".into(),
            TypeSpec::List { item } => format!("list[{}]", item.name()),
            TypeSpec::Optional { inner } => format!("{}?", inner.name()),
            TypeSpec::Enum { name, .. } | TypeSpec::Struct { name, .. } => name.clone(),
        }
    }

    /// Whether two values of this type are equal by the evaluation contract: enum by name, numbers
    /// numerically, strings after trimming, JSON and structs structurally (object key order ignored).
    pub fn same_value(&self, a: &Value, b: &Value) -> bool {
        match (self, a, b) {
            (TypeSpec::Str, Value::String(x), Value::String(y)) => x.trim() == y.trim(),
            (TypeSpec::Int | TypeSpec::Float, Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
            (TypeSpec::Optional { inner }, a, b) if !a.is_null() && !b.is_null() => inner.same_value(a, b),
            (TypeSpec::List { item }, Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| item.same_value(a, b))
            }
            (TypeSpec::Struct { fields, .. }, Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && fields.iter().all(|f| match (x.get(&f.name), y.get(&f.name)) {
                        (Some(a), Some(b)) => f.ty.same_value(a, b),
                        _ => false,
                    })
            }
            _ => json_equal(a, b),
        }
    }
}

/// Structural JSON equality: objects ignore key order, numbers compare numerically.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b)),
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// The canonical spec of `func`, or why its types cannot be given to a model.
pub fn spec_of(func: &FuzzyFn, program: &Program) -> Result<Spec, SpecError> {
    let err = |message: String| SpecError {
        function: func.name.clone(),
        message,
    };
    let mut params = Vec::new();
    for p in &func.params {
        let ty = type_spec(&p.ty, program, &mut Vec::new()).map_err(|m| err(format!("parameter `{}`: {m}", p.name)))?;
        params.push(ParamSpec {
            name: p.name.clone(),
            ty,
        });
    }
    let ret = type_spec(&func.ret, program, &mut Vec::new()).map_err(|m| err(format!("return type: {m}")))?;
    let examples = func
        .examples
        .iter()
        .map(|e| SpecExample {
            args: e.args.iter().map(|a| const_json(a, program)).collect(),
            expected: const_json(&e.expected, program),
        })
        .collect();
    Ok(Spec {
        name: func.name.clone(),
        params,
        ret,
        doc: normalize_doc(&func.description),
        examples,
        data: None,
    })
}

/// Doc text without layout noise: trailing spaces dropped, blank lines at the ends dropped, runs of blank
/// lines collapsed to one. Everything else (words, line breaks, leading indentation) is meaning.
pub fn normalize_doc(doc: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in doc.lines().map(str::trim_end) {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

fn type_spec(ty: &Ty, program: &Program, open: &mut Vec<String>) -> Result<TypeSpec, String> {
    Ok(match ty {
        Ty::Bool => TypeSpec::Bool,
        Ty::Int => TypeSpec::Int,
        Ty::Float => TypeSpec::Float,
        Ty::Str => TypeSpec::Str,
        Ty::Json => TypeSpec::Json,
        Ty::List(item) => TypeSpec::List {
            item: Box::new(type_spec(item, program, open)?),
        },
        Ty::Optional(inner) => TypeSpec::Optional {
            inner: Box::new(type_spec(inner, program, open)?),
        },
        Ty::Enum(id) => {
            let def = program.enum_def(*id);
            TypeSpec::Enum {
                name: def.name.clone(),
                doc: normalize_doc(&def.docs),
                variants: def
                    .variants
                    .iter()
                    .map(|v| Member {
                        name: v.name.clone(),
                        doc: normalize_doc(&v.docs),
                    })
                    .collect(),
            }
        }
        Ty::Struct(id) => {
            let def = program.struct_def(*id);
            if open.contains(&def.name) {
                return Err(format!(
                    "struct `{}` contains itself; a model cannot write a value of unbounded depth",
                    def.name
                ));
            }
            open.push(def.name.clone());
            let fields = def
                .fields
                .iter()
                .map(|f| {
                    Ok(Field {
                        name: f.name.clone(),
                        doc: normalize_doc(&f.docs),
                        ty: type_spec(&f.ty, program, open)?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            open.pop();
            TypeSpec::Struct {
                name: def.name.clone(),
                doc: normalize_doc(&def.docs),
                fields,
            }
        }
        other => {
            return Err(format!(
                "type `{}` cannot cross the model boundary",
                other.display(program)
            ))
        }
    })
}

/// A docstring constant as JSON of its type (enum variants as their names, structs as objects).
pub fn const_json(c: &ConstValue, program: &Program) -> Value {
    match c {
        ConstValue::Int(i) => Value::from(*i),
        ConstValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        ConstValue::Bool(b) => Value::Bool(*b),
        ConstValue::Str(s) => Value::String(s.clone()),
        ConstValue::None => Value::Null,
        ConstValue::Variant(id, index) => Value::String(program.enum_def(*id).variants[*index as usize].name.clone()),
        ConstValue::List(items) => Value::Array(items.iter().map(|i| const_json(i, program)).collect()),
        ConstValue::Struct(id, values) => Value::Object(
            program
                .struct_def(*id)
                .fields
                .iter()
                .zip(values)
                .map(|(f, v)| (f.name.clone(), const_json(v, program)))
                .collect(),
        ),
        ConstValue::Json(j) => j.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_normalization_ignores_layout_only() {
        assert_eq!(
            normalize_doc("\nDecide.  \n\n\n  Spam: ads.\n\n"),
            "Decide.\n\n  Spam: ads."
        );
        assert_ne!(normalize_doc("Decide spam."), normalize_doc("Decide ham."));
    }

    #[test]
    fn values_compare_by_type() {
        let s = TypeSpec::Str;
        assert!(s.same_value(&Value::from(" Paris\n"), &Value::from("Paris")));
        assert!(TypeSpec::Float.same_value(&serde_json::json!(2), &serde_json::json!(2.0)));
        assert!(TypeSpec::Json.same_value(
            &serde_json::json!({"a": 1, "b": [1]}),
            &serde_json::json!({"b": [1], "a": 1})
        ));
        assert!(!TypeSpec::Json.same_value(&serde_json::json!([1, 2]), &serde_json::json!([2, 1])));
    }
}
