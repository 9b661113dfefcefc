//! Run-time values: their representation, text form, equality, ordering and conversion to JSON.
//!
//! A [`Value`] is 16 bytes: scalars inline, everything else behind one thin `Rc`. Lists, dicts and structs are
//! shared and mutable (the language's reference semantics); strings and JSON are immutable and shared, except
//! that a string nobody else holds may be grown in place (`s += x` in a loop stays linear).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use compact_str::CompactString;
use indexmap::{Equivalent, IndexMap};

use crate::natives::NativeId;

pub type List = Rc<RefCell<Vec<Value>>>;
pub type Dict = Rc<RefCell<DictMap>>;

#[derive(Clone, Debug)]
pub enum Value {
    Unit,
    /// The empty optional. A present optional is its inner value itself (`T??` does not exist).
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text. A [`CompactString`] keeps up to 24 bytes inline, so a short string (a word, a key) is a single
    /// allocation, and it grows like a `String` when `s += x` holds the only reference.
    Str(Rc<CompactString>),
    List(List),
    Dict(Dict),
    Struct(Rc<StructObj>),
    /// A variant of an enum: `(enum index, variant index)` into [`Types`].
    Enum(u32, u32),
    Json(Rc<serde_json::Value>),
    /// A plain function of the program, by index.
    Fn(u32),
    /// A standard-library native.
    Native(NativeId),
    /// A fuzzy function of the program, by index.
    Fuzzy(u32),
    Closure(Rc<Closure>),
}

/// A struct instance: its type (index into [`Types::structs`]) and its fields in declaration order.
#[derive(Debug)]
pub struct StructObj {
    pub ty: u32,
    pub fields: RefCell<Box<[Value]>>,
}

/// A closure: the lambda's body (an index the executor understands) and the values it captured.
#[derive(Debug)]
pub struct Closure {
    pub lambda: u32,
    pub captures: Box<[Value]>,
}

/// A dict key (`str` or `int`). A short string key keeps its bytes in the dict's entry itself (no allocation,
/// and a lookup compares it without following a pointer); a longer one keeps them next to its reference count.
/// A string that fits is always [`Key::Short`], so each key has exactly one form.
#[derive(Clone, Debug)]
pub enum Key {
    Int(i64),
    /// The first `len` bytes of the array, copied from a `str` of at most [`SHORT_KEY`] bytes.
    Short {
        len: u8,
        bytes: [u8; SHORT_KEY],
    },
    Str(Rc<str>),
}

/// The longest string key kept inline: it makes [`Key`] three words, like a `Key::Str`.
pub const SHORT_KEY: usize = 22;

/// A borrowed dict key, for lookups that allocate nothing. Hashes exactly like the [`Key`] it equals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRef<'a> {
    Int(i64),
    Str(&'a str),
}

/// The one form that both [`Key`] and [`KeyRef`] hash and compare by.
#[derive(PartialEq, Eq, Hash)]
enum KeyBytes<'a> {
    Int(i64),
    Str(&'a [u8]),
}

/// The map inside a `dict`: insertion-ordered, with a fast non-cryptographic hash (dict keys come from the
/// program's own data, and SipHash's resistance to flooding costs a quarter of a word count).
pub type DictMap = IndexMap<Key, Value, foldhash::fast::RandomState>;

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes().hash(state)
    }
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes().hash(state)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for Key {}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.bytes() == key.bytes()
    }
}

impl Key {
    fn bytes(&self) -> KeyBytes<'_> {
        match self {
            Key::Int(i) => KeyBytes::Int(*i),
            Key::Short { len, bytes } => KeyBytes::Str(&bytes[..*len as usize]),
            Key::Str(s) => KeyBytes::Str(s.as_bytes()),
        }
    }

    pub fn as_key_ref(&self) -> KeyRef<'_> {
        match self {
            Key::Int(i) => KeyRef::Int(*i),
            Key::Short { len, bytes } => KeyRef::Str(
                std::str::from_utf8(&bytes[..*len as usize]).expect("a short key is copied whole from a str"),
            ),
            Key::Str(s) => KeyRef::Str(s),
        }
    }

    pub fn to_value(&self) -> Value {
        match self.as_key_ref() {
            KeyRef::Int(i) => Value::Int(i),
            KeyRef::Str(s) => Value::str(s),
        }
    }
}

impl<'a> KeyRef<'a> {
    /// The key a value stands for, if it is a `str` or an `int`.
    pub fn from_value(v: &'a Value) -> Option<KeyRef<'a>> {
        match v {
            Value::Int(i) => Some(KeyRef::Int(*i)),
            Value::Str(s) => Some(KeyRef::Str(s)),
            _ => None,
        }
    }

    fn bytes(&self) -> KeyBytes<'a> {
        match *self {
            KeyRef::Int(i) => KeyBytes::Int(i),
            KeyRef::Str(s) => KeyBytes::Str(s.as_bytes()),
        }
    }

    pub fn to_key(self) -> Key {
        match self {
            KeyRef::Int(i) => Key::Int(i),
            KeyRef::Str(s) if s.len() <= SHORT_KEY => {
                let mut bytes = [0; SHORT_KEY];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                Key::Short {
                    len: s.len() as u8,
                    bytes,
                }
            }
            KeyRef::Str(s) => Key::Str(Rc::from(s)),
        }
    }
}

/// Sets `map[key] = value`, allocating a key only when it is new.
pub fn dict_set(map: &mut DictMap, key: KeyRef<'_>, value: Value) {
    match map.get_mut(&key) {
        Some(slot) => *slot = value,
        None => {
            map.insert(key.to_key(), value);
        }
    }
}

/// Names of the program's structs and enums, for text forms and JSON conversion.
#[derive(Clone, Debug, Default)]
pub struct Types {
    pub structs: Vec<StructInfo>,
    pub enums: Vec<EnumInfo>,
}

#[derive(Clone, Debug)]
pub struct StructInfo {
    pub name: String,
    pub fields: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct EnumInfo {
    pub name: String,
    pub variants: Vec<String>,
}

impl Value {
    pub fn str(s: impl Into<CompactString>) -> Value {
        Value::Str(Rc::new(s.into()))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn json(j: serde_json::Value) -> Value {
        Value::Json(Rc::new(j))
    }

    /// An optional from a Rust option: the value itself or `none`.
    pub fn opt(v: Option<Value>) -> Value {
        v.unwrap_or(Value::None)
    }

    /// The value's text form, as `to_str` and string interpolation show it.
    pub fn to_text(&self, types: &Types) -> String {
        match self {
            Value::Str(s) => s.as_str().to_owned(),
            _ => {
                let mut out = String::new();
                self.write_text(types, &mut out, false);
                out
            }
        }
    }

    /// Appends the text form to `out`. Strings nested inside containers are quoted, so `["a, b"]` differs
    /// from `["a", "b"]`; a top-level string is written as is.
    pub fn write_text(&self, types: &Types, out: &mut String, quote_strings: bool) {
        match self {
            Value::Unit => out.push_str("()"),
            Value::None => out.push_str("none"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => write_float(*f, out),
            Value::Str(s) if quote_strings => write_quoted(s, out),
            Value::Str(s) => out.push_str(s),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_text(types, out, true);
                }
                out.push(']');
            }
            Value::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.to_value().write_text(types, out, true);
                    out.push_str(": ");
                    v.write_text(types, out, true);
                }
                out.push('}');
            }
            Value::Struct(obj) => {
                let info = &types.structs[obj.ty as usize];
                out.push_str(&info.name);
                out.push('(');
                for (i, (name, v)) in info.fields.iter().zip(obj.fields.borrow().iter()).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                    out.push_str(": ");
                    v.write_text(types, out, true);
                }
                out.push(')');
            }
            Value::Enum(e, v) => out.push_str(&types.enums[*e as usize].variants[*v as usize]),
            Value::Json(j) => {
                let _ = write!(out, "{j}");
            }
            Value::Fn(_) | Value::Native(_) | Value::Fuzzy(_) | Value::Closure(_) => out.push_str("<fn>"),
        }
    }

    /// Any value as JSON: structs become objects, lists arrays, enum variants strings, `none` null.
    pub fn to_json(&self, types: &Types) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Unit | Value::None => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.as_str().to_owned()),
            Value::List(items) => J::Array(items.borrow().iter().map(|v| v.to_json(types)).collect()),
            Value::Dict(d) => J::Object(
                d.borrow()
                    .iter()
                    .map(|(k, v)| {
                        let key = match k.as_key_ref() {
                            KeyRef::Int(i) => i.to_string(),
                            KeyRef::Str(s) => s.to_owned(),
                        };
                        (key, v.to_json(types))
                    })
                    .collect(),
            ),
            Value::Struct(obj) => {
                let info = &types.structs[obj.ty as usize];
                J::Object(
                    info.fields
                        .iter()
                        .cloned()
                        .zip(obj.fields.borrow().iter().map(|v| v.to_json(types)))
                        .collect(),
                )
            }
            Value::Enum(e, v) => J::String(types.enums[*e as usize].variants[*v as usize].clone()),
            Value::Json(j) => (**j).clone(),
            Value::Fn(_) | Value::Native(_) | Value::Fuzzy(_) | Value::Closure(_) => J::String("<fn>".into()),
        }
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Unit => "unit",
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Struct(_) => "struct",
            Value::Enum(..) => "enum",
            Value::Json(_) => "json",
            Value::Fn(_) | Value::Native(_) | Value::Fuzzy(_) | Value::Closure(_) => "fn",
        }
    }
}

/// Floats always show a fractional part or exponent, so `2.0` never reads as the int `2`.
fn write_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
    } else {
        let _ = write!(out, "{f:?}");
    }
}

fn write_quoted(s: &str, out: &mut String) {
    // serde_json's string escaping is the documented literal form for strings in examples.
    let _ = write!(out, "{}", serde_json::Value::String(s.to_owned()));
}

/// Structural equality, as `==`, `assert_eq` and `list.contains` use it. Floats compare as IEEE numbers
/// (`NaN != NaN`); functions are equal only to themselves.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Unit, Value::Unit) | (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow(),
            (Value::Dict(a), Value::Dict(b)) => Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow(),
            (Value::Struct(a), Value::Struct(b)) => {
                Rc::ptr_eq(a, b) || (a.ty == b.ty && *a.fields.borrow() == *b.fields.borrow())
            }
            (Value::Enum(e1, v1), Value::Enum(e2, v2)) => e1 == e2 && v1 == v2,
            (Value::Json(a), Value::Json(b)) => a == b,
            (Value::Fn(a), Value::Fn(b)) | (Value::Fuzzy(a), Value::Fuzzy(b)) => a == b,
            (Value::Native(a), Value::Native(b)) => a == b,
            (Value::Closure(a), Value::Closure(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// The order of `<`, `sort` and `sort_by` keys: numbers numerically (NaN after every other float), strings by
/// code point, bools false first, lists lexicographically, enum variants by declaration order. Values that
/// have no order compare equal, which keeps sorting stable.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).unwrap_or_else(|| x.is_nan().cmp(&y.is_nan())),
        (Value::Str(x), Value::Str(y)) => x.as_str().cmp(y.as_str()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Enum(_, x), Value::Enum(_, y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            for (a, b) in x.iter().zip(y.iter()) {
                let o = compare(a, b);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::None, Value::None) => Ordering::Equal,
        (Value::None, _) => Ordering::Less,
        (_, Value::None) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Types {
        Types {
            structs: vec![StructInfo {
                name: "Point".into(),
                fields: vec!["x".into(), "y".into()],
            }],
            enums: vec![EnumInfo {
                name: "Team".into(),
                variants: vec!["billing".into(), "sales".into()],
            }],
        }
    }

    fn point(x: i64, y: i64) -> Value {
        Value::Struct(Rc::new(StructObj {
            ty: 0,
            fields: RefCell::new(vec![Value::Int(x), Value::Int(y)].into()),
        }))
    }

    #[test]
    fn value_is_two_words() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn text_forms_follow_the_prelude_doc() {
        let t = types();
        assert_eq!(Value::Int(42).to_text(&t), "42");
        assert_eq!(Value::Float(0.5).to_text(&t), "0.5");
        assert_eq!(Value::Float(2.0).to_text(&t), "2.0");
        assert_eq!(Value::Bool(true).to_text(&t), "true");
        assert_eq!(Value::str("hello").to_text(&t), "hello");
        assert_eq!(Value::list(vec![Value::Int(1), Value::Int(2)]).to_text(&t), "[1, 2]");
        assert_eq!(Value::list(vec![Value::str("a\"b")]).to_text(&t), r#"["a\"b"]"#);
        assert_eq!(point(1, 2).to_text(&t), "Point(x: 1, y: 2)");
        assert_eq!(Value::Enum(0, 1).to_text(&t), "sales");
        assert_eq!(Value::None.to_text(&t), "none");
        let mut d = DictMap::default();
        d.insert(KeyRef::Str("b").to_key(), Value::Int(1));
        d.insert(Key::Int(3), Value::None);
        assert_eq!(
            Value::Dict(Rc::new(RefCell::new(d))).to_text(&t),
            r#"{"b": 1, 3: none}"#
        );
    }

    #[test]
    fn json_conversion_names_fields_and_variants() {
        let t = types();
        let v = Value::list(vec![point(1, 2), Value::Enum(0, 0), Value::None, Value::Float(1.5)]);
        assert_eq!(v.to_json(&t).to_string(), r#"[{"x":1,"y":2},"billing",null,1.5]"#);
    }

    #[test]
    fn equality_is_structural_and_ordering_total() {
        assert_eq!(point(1, 2), point(1, 2));
        assert_ne!(point(1, 2), point(2, 1));
        assert_eq!(Value::list(vec![Value::str("a")]), Value::list(vec![Value::str("a")]));
        assert_ne!(Value::Float(f64::NAN), Value::Float(f64::NAN));
        assert_eq!(compare(&Value::str("a"), &Value::str("b")), Ordering::Less);
        assert_eq!(compare(&Value::Float(f64::NAN), &Value::Float(1.0)), Ordering::Greater);
        assert_eq!(compare(&Value::Int(3), &Value::Int(-1)), Ordering::Greater);
    }
}
