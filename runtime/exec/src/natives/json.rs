//! `std.json`: dynamically shaped data.

use serde_json::Value as J;

use super::{json_arg, string, Host};
use crate::error::{ErrorKind, RuntimeError};
use crate::value::Value;

/// The JSON type's name, as `json.kind` returns it.
pub(crate) fn kind_of(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

/// "a string `"abc"`": the kind with an article, then the value (shortened if long).
pub(crate) fn describe(j: &J) -> String {
    let article = match j {
        J::Array(_) | J::Object(_) => "an",
        _ => "a",
    };
    let kind = if matches!(j, J::Null) {
        "null".to_string()
    } else {
        format!("{article} {}", kind_of(j))
    };
    let mut text = j.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "...";
    }
    format!("{kind} `{text}`")
}

/// The error for a JSON value of the wrong shape: "expected a JSON number, found a string `"abc"`".
pub(crate) fn shape_error(expected: &str, found: &J) -> RuntimeError {
    RuntimeError::new(
        ErrorKind::Json,
        format!("expected a JSON {expected}, found {}", describe(found)),
    )
    .with_help("check the data's shape with `json.kind(value)` before converting it")
}

fn parse_text(text: &str) -> Result<J, serde_json::Error> {
    serde_json::from_str(text)
}

pub fn parse(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    parse_text(string(args, 0)?).map(Value::json).map_err(|e| {
        RuntimeError::new(ErrorKind::Json, format!("malformed JSON: {e}"))
            .with_help("use `json.try_parse` to get `none` instead of an error for malformed text")
    })
}

pub fn try_parse(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(parse_text(string(args, 0)?).ok().map(Value::json)))
}

pub fn stringify(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::str(json_arg(args, 0)?.to_string()))
}

pub fn pretty(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let j = json_arg(args, 0)?;
    Ok(Value::str(
        serde_json::to_string_pretty(&**j).unwrap_or_else(|_| j.to_string()),
    ))
}

pub fn get(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let field = json_arg(args, 0)?.get(string(args, 1)?.as_str());
    Ok(Value::opt(field.map(|f| Value::json(f.clone()))))
}

pub fn set(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut object = (**json_arg(args, 0)?).clone();
    let J::Object(fields) = &mut object else {
        return Err(shape_error("object", &object));
    };
    fields.insert(string(args, 1)?.as_str().to_owned(), (**json_arg(args, 2)?).clone());
    Ok(Value::json(object))
}

pub fn keys(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    match &**json_arg(args, 0)? {
        J::Object(fields) => Ok(Value::list(fields.keys().map(|k| Value::str(k.as_str())).collect())),
        other => Err(shape_error("object", other)),
    }
}

pub fn items(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    match &**json_arg(args, 0)? {
        J::Array(items) => Ok(Value::list(items.iter().map(|j| Value::json(j.clone())).collect())),
        other => Err(shape_error("array", other)),
    }
}

pub fn len(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let n = match &**json_arg(args, 0)? {
        J::Array(items) => items.len(),
        J::Object(fields) => fields.len(),
        J::String(s) => s.chars().count(),
        other => return Err(shape_error("array, object or string", other)),
    };
    Ok(Value::Int(n as i64))
}

pub fn as_str(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    match &**json_arg(args, 0)? {
        J::String(s) => Ok(Value::str(s.as_str())),
        other => Err(shape_error("string", other)),
    }
}

pub fn as_int(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let j = &**json_arg(args, 0)?;
    let J::Number(n) = j else {
        return Err(shape_error("number", j));
    };
    if let Some(i) = n.as_i64() {
        return Ok(Value::Int(i));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63) => Ok(Value::Int(f as i64)),
        _ => Err(RuntimeError::new(
            ErrorKind::Json,
            format!("expected a JSON integer, found the number `{n}`"),
        )
        .with_help("use `as_float` for numbers with a fractional part")),
    }
}

pub fn as_float(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let j = &**json_arg(args, 0)?;
    match j {
        J::Number(n) => Ok(Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        other => Err(shape_error("number", other)),
    }
}

pub fn as_bool(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    match &**json_arg(args, 0)? {
        J::Bool(b) => Ok(Value::Bool(*b)),
        other => Err(shape_error("bool", other)),
    }
}

pub fn is_null(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Bool(json_arg(args, 0)?.is_null()))
}

pub fn kind(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::str(kind_of(json_arg(args, 0)?)))
}

pub fn object(_: &mut dyn Host, _: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::json(J::Object(Default::default())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::error::ErrorKind;
    use crate::natives::testing::{call, s, strs, TestHost};
    use crate::value::Value;

    fn j(name: &str, args: &[Value]) -> Result<Value, crate::error::RuntimeError> {
        call(&mut TestHost::new(), &format!("json.{name}"), args)
    }

    fn jv(v: serde_json::Value) -> Value {
        Value::json(v)
    }

    #[test]
    fn parsing_and_printing() {
        assert_eq!(j("parse", &[s(r#"{"a": [1, 2]}"#)]).unwrap(), jv(json!({"a": [1, 2]})));
        let e = j("parse", &[s("{\"a\": }")]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Json);
        assert!(e.message.contains("line 1 column 7"), "{}", e.message);
        assert_eq!(j("try_parse", &[s("nope")]).unwrap(), Value::None);
        assert_eq!(
            j("stringify", &[jv(json!({"b": 1, "a": [true]}))]).unwrap(),
            s(r#"{"b":1,"a":[true]}"#)
        );
        assert_eq!(j("pretty", &[jv(json!([1]))]).unwrap(), s("[\n  1\n]"));
    }

    #[test]
    fn objects_and_arrays() {
        let obj = jv(json!({"a": 1, "b": null}));
        assert_eq!(j("get", &[obj.clone(), s("a")]).unwrap(), jv(json!(1)));
        assert_eq!(j("get", &[obj.clone(), s("z")]).unwrap(), Value::None);
        assert_eq!(j("get", &[jv(json!([1])), s("a")]).unwrap(), Value::None);
        assert_eq!(
            j("set", &[obj.clone(), s("c"), jv(json!("x"))]).unwrap(),
            jv(json!({"a": 1, "b": null, "c": "x"}))
        );
        assert_eq!(
            j("set", &[jv(json!(3)), s("c"), jv(json!(1))]).unwrap_err().kind,
            ErrorKind::Json
        );
        assert_eq!(j("keys", std::slice::from_ref(&obj)).unwrap(), strs(&["a", "b"]));
        assert_eq!(
            j("items", &[jv(json!([1, "a"]))]).unwrap(),
            Value::list(vec![jv(json!(1)), jv(json!("a"))])
        );
        assert_eq!(j("len", &[obj]).unwrap(), Value::Int(2));
        assert_eq!(j("len", &[jv(json!("héllo"))]).unwrap(), Value::Int(5));
        assert_eq!(j("object", &[]).unwrap(), jv(json!({})));
    }

    #[test]
    fn conversions_name_the_actual_type() {
        assert_eq!(j("as_int", &[jv(json!(3))]).unwrap(), Value::Int(3));
        assert_eq!(j("as_int", &[jv(json!(3.0))]).unwrap(), Value::Int(3));
        assert_eq!(
            j("as_int", &[jv(json!(3.5))]).unwrap_err().message,
            "expected a JSON integer, found the number `3.5`"
        );
        assert_eq!(
            j("as_int", &[jv(json!("abc"))]).unwrap_err().message,
            "expected a JSON number, found a string `\"abc\"`"
        );
        assert_eq!(j("as_float", &[jv(json!(2))]).unwrap(), Value::Float(2.0));
        assert_eq!(j("as_str", &[jv(json!("x"))]).unwrap(), s("x"));
        assert_eq!(
            j("as_str", &[jv(json!(null))]).unwrap_err().message,
            "expected a JSON string, found null `null`"
        );
        assert_eq!(
            j("as_bool", &[jv(json!([1]))]).unwrap_err().message,
            "expected a JSON bool, found an array `[1]`"
        );
        assert_eq!(j("is_null", &[jv(json!(null))]).unwrap(), Value::Bool(true));
        assert_eq!(j("kind", &[jv(json!({}))]).unwrap(), s("object"));
    }
}
