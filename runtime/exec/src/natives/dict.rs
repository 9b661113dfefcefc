//! `std.dict`: insertion-ordered maps with `str` or `int` keys.

use std::cell::RefCell;
use std::rc::Rc;

use super::{arg, dict, mismatch, Host};
use crate::error::RuntimeError;
use crate::value::{dict_set, DictMap, Key, KeyRef, Value};

fn key(args: &[Value], i: usize) -> Result<KeyRef<'_>, RuntimeError> {
    let v = arg(args, i)?;
    KeyRef::from_value(v).ok_or_else(|| mismatch("a str or int key", v))
}

pub fn new(_: &mut dyn Host, _: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Dict(Rc::new(RefCell::new(DictMap::default()))))
}

pub fn len(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Int(dict(args, 0)?.borrow().len() as i64))
}

pub fn get(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(dict(args, 0)?.borrow().get(&key(args, 1)?).cloned()))
}

pub fn set(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    dict_set(&mut dict(args, 0)?.borrow_mut(), key(args, 1)?, arg(args, 2)?.clone());
    Ok(Value::Unit)
}

pub fn contains(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Bool(dict(args, 0)?.borrow().contains_key(&key(args, 1)?)))
}

/// Keeps the remaining entries in insertion order.
pub fn remove(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(dict(args, 0)?.borrow_mut().shift_remove(&key(args, 1)?)))
}

pub fn keys(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::list(dict(args, 0)?.borrow().keys().map(Key::to_value).collect()))
}

pub fn values(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::list(dict(args, 0)?.borrow().values().cloned().collect()))
}

#[cfg(test)]
mod tests {
    use crate::natives::testing::{call, ints, s, strs, TestHost};
    use crate::value::Value;

    #[test]
    fn entries_keep_insertion_order() {
        let mut h = TestHost::new();
        let d = call(&mut h, "dict.new", &[]).unwrap();
        for (k, v) in [("b", 1), ("a", 2), ("c", 3)] {
            call(&mut h, "dict.set", &[d.clone(), s(k), Value::Int(v)]).unwrap();
        }
        call(&mut h, "dict.set", &[d.clone(), s("b"), Value::Int(10)]).unwrap();
        assert_eq!(
            call(&mut h, "dict.len", std::slice::from_ref(&d)).unwrap(),
            Value::Int(3)
        );
        assert_eq!(call(&mut h, "dict.get", &[d.clone(), s("b")]).unwrap(), Value::Int(10));
        assert_eq!(call(&mut h, "dict.get", &[d.clone(), s("z")]).unwrap(), Value::None);
        assert_eq!(
            call(&mut h, "dict.contains", &[d.clone(), s("a")]).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            call(&mut h, "dict.remove", &[d.clone(), s("a")]).unwrap(),
            Value::Int(2)
        );
        assert_eq!(call(&mut h, "dict.remove", &[d.clone(), s("a")]).unwrap(), Value::None);
        assert_eq!(
            call(&mut h, "dict.keys", std::slice::from_ref(&d)).unwrap(),
            strs(&["b", "c"])
        );
        assert_eq!(call(&mut h, "dict.values", &[d]).unwrap(), ints(&[10, 3]));
    }

    #[test]
    fn int_keys() {
        let mut h = TestHost::new();
        let d = call(&mut h, "dict.new", &[]).unwrap();
        call(&mut h, "dict.set", &[d.clone(), Value::Int(7), s("x")]).unwrap();
        assert_eq!(call(&mut h, "dict.keys", std::slice::from_ref(&d)).unwrap(), ints(&[7]));
        assert_eq!(call(&mut h, "dict.get", &[d, Value::Int(7)]).unwrap(), s("x"));
    }
}
