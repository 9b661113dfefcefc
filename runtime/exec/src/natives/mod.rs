//! The standard library's `native fn`s, implemented in Rust and registered under their qualified names
//! (`"text.len"`). The executor resolves each name once, at load, to a [`NativeId`]; calls go through a
//! function pointer.

mod dict;
mod io;
mod json;
mod list;
mod math;
mod prelude;
mod text;

use std::io::Write;
use std::rc::Rc;

use compact_str::CompactString;

use crate::error::RuntimeError;
use crate::value::{Dict, List, Types, Value};

/// What natives need from the program running them.
pub trait Host {
    /// Calls a function value (a plain fn, closure, native or fuzzy fn) with `args`.
    fn call(&mut self, f: &Value, args: &[Value]) -> Result<Value, RuntimeError>;
    fn types(&self) -> &Types;
    fn stdout(&mut self) -> &mut dyn Write;
    fn stderr(&mut self) -> &mut dyn Write;
    /// Every remaining line of standard input.
    fn stdin_lines(&mut self) -> Result<Vec<String>, RuntimeError>;
    /// The program's command-line arguments.
    fn args(&self) -> &[String];
}

/// A native: the arguments in declaration order, already type-checked.
pub type NativeFn = fn(&mut dyn Host, &[Value]) -> Result<Value, RuntimeError>;

/// A native's index in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NativeId(u16);

impl NativeId {
    /// The native declared as `std.MODULE`'s `NAME`, by its qualified name `"MODULE.NAME"`.
    pub fn lookup(qualified: &str) -> Option<NativeId> {
        NATIVES
            .iter()
            .position(|(name, _)| *name == qualified)
            .map(|i| NativeId(i as u16))
    }

    pub fn name(self) -> &'static str {
        NATIVES[self.0 as usize].0
    }

    pub fn func(self) -> NativeFn {
        NATIVES[self.0 as usize].1
    }
}

/// Every native, by qualified name.
static NATIVES: &[(&str, NativeFn)] = &[
    ("prelude.print", prelude::print),
    ("prelude.eprint", prelude::eprint),
    ("prelude.assert", prelude::assert),
    ("prelude.assert_eq", prelude::assert_eq),
    ("prelude.to_str", prelude::to_str),
    ("prelude.to_json", prelude::to_json),
    ("prelude.panic", prelude::panic),
    ("io.print", prelude::print),
    ("io.eprint", prelude::eprint),
    ("io.read_file", io::read_file),
    ("io.read_lines", io::read_lines),
    ("io.write_file", io::write_file),
    ("io.stdin_lines", io::stdin_lines),
    ("io.args", io::args),
    ("io.env", io::env),
    ("text.len", text::len),
    ("text.split", text::split),
    ("text.lines", text::lines),
    ("text.trim", text::trim),
    ("text.lower", text::lower),
    ("text.upper", text::upper),
    ("text.contains", text::contains),
    ("text.starts_with", text::starts_with),
    ("text.ends_with", text::ends_with),
    ("text.replace", text::replace),
    ("text.find", text::find),
    ("text.slice", text::slice),
    ("text.join", text::join),
    ("text.parse_int", text::parse_int),
    ("text.parse_float", text::parse_float),
    ("text.chars", text::chars),
    ("text.repeat", text::repeat),
    ("text.pad_right", text::pad_right),
    ("text.pad_left", text::pad_left),
    ("list.len", list::len),
    ("list.push", list::push),
    ("list.pop", list::pop),
    ("list.map", list::map),
    ("list.filter", list::filter),
    ("list.fold", list::fold),
    ("list.sort", list::sort),
    ("list.sort_by", list::sort_by),
    ("list.reverse", list::reverse),
    ("list.contains", list::contains),
    ("list.indices", list::indices),
    ("list.enumerate", list::enumerate),
    ("list.zip", list::zip),
    ("list.first", list::first),
    ("list.last", list::last),
    ("list.slice", list::slice),
    ("list.any", list::any),
    ("list.all", list::all),
    ("list.sum", list::sum),
    ("dict.new", dict::new),
    ("dict.len", dict::len),
    ("dict.get", dict::get),
    ("dict.set", dict::set),
    ("dict.contains", dict::contains),
    ("dict.remove", dict::remove),
    ("dict.keys", dict::keys),
    ("dict.values", dict::values),
    ("json.parse", json::parse),
    ("json.try_parse", json::try_parse),
    ("json.stringify", json::stringify),
    ("json.pretty", json::pretty),
    ("json.get", json::get),
    ("json.set", json::set),
    ("json.keys", json::keys),
    ("json.items", json::items),
    ("json.len", json::len),
    ("json.as_str", json::as_str),
    ("json.as_int", json::as_int),
    ("json.as_float", json::as_float),
    ("json.as_bool", json::as_bool),
    ("json.is_null", json::is_null),
    ("json.kind", json::kind),
    ("json.object", json::object),
    ("math.abs", math::abs),
    ("math.fabs", math::fabs),
    ("math.min", math::min),
    ("math.max", math::max),
    ("math.to_float", math::to_float),
    ("math.to_int", math::to_int),
    ("math.floor", math::floor),
    ("math.ceil", math::ceil),
    ("math.round", math::round),
    ("math.sqrt", math::sqrt),
    ("math.pow", math::pow),
    ("math.ln", math::ln),
    ("math.exp", math::exp),
    ("math.pi", math::pi),
];

/// `list.sum` for a `list[float]`: the executor calls it where the result type is `float`, since the sum of
/// an empty list must then be `0.0`, which the generic native cannot tell from the elements.
pub(crate) fn list_sum_float() -> NativeFn {
    list::sum_float
}

pub(crate) use json::shape_error as json_shape_error;

// Argument access. The checker guarantees the types; a mismatch is reported as an internal error, not a panic.

fn arg(args: &[Value], i: usize) -> Result<&Value, RuntimeError> {
    args.get(i)
        .ok_or_else(|| RuntimeError::internal(format!("native called without argument {i}")))
}

fn mismatch(expected: &str, found: &Value) -> RuntimeError {
    RuntimeError::internal(format!("native expected {expected}, got {}", found.kind_name()))
}

fn int(args: &[Value], i: usize) -> Result<i64, RuntimeError> {
    match arg(args, i)? {
        Value::Int(n) => Ok(*n),
        v => Err(mismatch("int", v)),
    }
}

fn float(args: &[Value], i: usize) -> Result<f64, RuntimeError> {
    match arg(args, i)? {
        Value::Float(f) => Ok(*f),
        v => Err(mismatch("float", v)),
    }
}

fn boolean(args: &[Value], i: usize) -> Result<bool, RuntimeError> {
    match arg(args, i)? {
        Value::Bool(b) => Ok(*b),
        v => Err(mismatch("bool", v)),
    }
}

fn string(args: &[Value], i: usize) -> Result<&Rc<CompactString>, RuntimeError> {
    match arg(args, i)? {
        Value::Str(s) => Ok(s),
        v => Err(mismatch("str", v)),
    }
}

fn list(args: &[Value], i: usize) -> Result<&List, RuntimeError> {
    match arg(args, i)? {
        Value::List(l) => Ok(l),
        v => Err(mismatch("list", v)),
    }
}

fn dict(args: &[Value], i: usize) -> Result<&Dict, RuntimeError> {
    match arg(args, i)? {
        Value::Dict(d) => Ok(d),
        v => Err(mismatch("dict", v)),
    }
}

fn json_arg(args: &[Value], i: usize) -> Result<&Rc<serde_json::Value>, RuntimeError> {
    match arg(args, i)? {
        Value::Json(j) => Ok(j),
        v => Err(mismatch("json", v)),
    }
}

/// Whether a callback's result is `true`.
fn truthy(v: Value) -> Result<bool, RuntimeError> {
    match v {
        Value::Bool(b) => Ok(b),
        v => Err(mismatch("bool", &v)),
    }
}

/// A test double for [`Host`]: captured output, fixed arguments, closures as Rust functions.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    pub struct TestHost {
        pub out: Vec<u8>,
        pub err: Vec<u8>,
        pub args: Vec<String>,
        pub types: Types,
        /// Callbacks: `Value::Fn(i)` calls `callbacks[i]`.
        pub callbacks: Vec<fn(&[Value]) -> Value>,
    }

    impl TestHost {
        pub fn new() -> TestHost {
            TestHost {
                out: Vec::new(),
                err: Vec::new(),
                args: Vec::new(),
                types: Types::default(),
                callbacks: Vec::new(),
            }
        }

        pub fn out(&self) -> String {
            String::from_utf8(self.out.clone()).unwrap()
        }
    }

    impl Host for TestHost {
        fn call(&mut self, f: &Value, args: &[Value]) -> Result<Value, RuntimeError> {
            match f {
                Value::Fn(i) => Ok(self.callbacks[*i as usize](args)),
                _ => Err(RuntimeError::internal("not a test callback")),
            }
        }
        fn types(&self) -> &Types {
            &self.types
        }
        fn stdout(&mut self) -> &mut dyn Write {
            &mut self.out
        }
        fn stderr(&mut self) -> &mut dyn Write {
            &mut self.err
        }
        fn stdin_lines(&mut self) -> Result<Vec<String>, RuntimeError> {
            Ok(vec!["in".into()])
        }
        fn args(&self) -> &[String] {
            &self.args
        }
    }

    /// Calls the native registered as `name`.
    pub fn call(host: &mut TestHost, name: &str, args: &[Value]) -> Result<Value, RuntimeError> {
        let id = NativeId::lookup(name).unwrap_or_else(|| panic!("no native {name}"));
        (id.func())(host, args)
    }

    pub fn s(text: &str) -> Value {
        Value::str(text)
    }

    pub fn ints(xs: &[i64]) -> Value {
        Value::list(xs.iter().map(|x| Value::Int(*x)).collect())
    }

    pub fn strs(xs: &[&str]) -> Value {
        Value::list(xs.iter().map(|x| Value::str(*x)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `native fn` declared in `stdlib/std/*.pw` has an implementation, and every registered name is
    /// declared.
    #[test]
    fn registry_matches_the_stdlib_declarations() {
        let mut declared = Vec::new();
        for (module, source) in paw_stdlib_modules() {
            for line in source.lines() {
                if let Some(rest) = line.strip_prefix("native fn ") {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    declared.push(format!("{module}.{name}"));
                }
            }
        }
        for name in &declared {
            assert!(
                NativeId::lookup(name).is_some(),
                "`{name}` is declared but not implemented"
            );
        }
        for (name, _) in NATIVES {
            assert!(declared.contains(&name.to_string()), "`{name}` is not declared");
        }
    }

    fn paw_stdlib_modules() -> Vec<(&'static str, &'static str)> {
        vec![
            ("prelude", include_str!("../../../../stdlib/std/prelude.pw")),
            ("io", include_str!("../../../../stdlib/std/io.pw")),
            ("text", include_str!("../../../../stdlib/std/text.pw")),
            ("list", include_str!("../../../../stdlib/std/list.pw")),
            ("dict", include_str!("../../../../stdlib/std/dict.pw")),
            ("json", include_str!("../../../../stdlib/std/json.pw")),
            ("math", include_str!("../../../../stdlib/std/math.pw")),
        ]
    }
}
