//! `std.list`. Callbacks run through [`Host::call`]; no borrow of a list is held across a callback, so a
//! callback may read or change the list being walked (elements added during the walk are not visited).

use super::{arg, int, list, mismatch, truthy, Host};
use crate::error::{ErrorKind, RuntimeError};
use crate::value::{compare, List, Value};

/// The element at `i`, if the list (which callbacks may have shortened) still has one.
fn nth(xs: &List, i: usize) -> Option<Value> {
    xs.borrow().get(i).cloned()
}

/// Calls `f(element)` for each element present at the start, stopping when `visit` says so.
fn walk(
    host: &mut dyn Host,
    xs: &List,
    f: &Value,
    mut visit: impl FnMut(Value, Value) -> Result<bool, RuntimeError>,
) -> Result<(), RuntimeError> {
    let n = xs.borrow().len();
    for i in 0..n {
        let Some(x) = nth(xs, i) else { break };
        let r = host.call(f, std::slice::from_ref(&x))?;
        if !visit(x, r)? {
            break;
        }
    }
    Ok(())
}

pub fn len(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Int(list(args, 0)?.borrow().len() as i64))
}

pub fn push(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    list(args, 0)?.borrow_mut().push(arg(args, 1)?.clone());
    Ok(Value::Unit)
}

pub fn pop(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(list(args, 0)?.borrow_mut().pop()))
}

pub fn map(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut out = Vec::with_capacity(list(args, 0)?.borrow().len());
    walk(host, list(args, 0)?, arg(args, 1)?, |_, r| {
        out.push(r);
        Ok(true)
    })?;
    Ok(Value::list(out))
}

pub fn filter(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut out = Vec::new();
    walk(host, list(args, 0)?, arg(args, 1)?, |x, keep| {
        if truthy(keep)? {
            out.push(x);
        }
        Ok(true)
    })?;
    Ok(Value::list(out))
}

pub fn fold(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let (xs, f) = (list(args, 0)?, arg(args, 2)?);
    let mut acc = arg(args, 1)?.clone();
    let n = xs.borrow().len();
    for i in 0..n {
        let Some(x) = nth(xs, i) else { break };
        acc = host.call(f, &[acc, x])?;
    }
    Ok(acc)
}

pub fn sort(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut items = list(args, 0)?.borrow().clone();
    if items.iter().all(|v| matches!(v, Value::Int(_))) {
        // The common case, without the general comparison's dispatch.
        items.sort_unstable_by_key(|v| if let Value::Int(i) = v { *i } else { 0 });
    } else {
        items.sort_by(compare);
    }
    Ok(Value::list(items))
}

pub fn sort_by(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut keyed = Vec::new();
    walk(host, list(args, 0)?, arg(args, 1)?, |x, key| {
        keyed.push((key, x));
        Ok(true)
    })?;
    keyed.sort_by(|a, b| compare(&a.0, &b.0));
    Ok(Value::list(keyed.into_iter().map(|(_, x)| x).collect()))
}

pub fn reverse(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::list(list(args, 0)?.borrow().iter().rev().cloned().collect()))
}

pub fn contains(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let x = arg(args, 1)?;
    Ok(Value::Bool(list(args, 0)?.borrow().iter().any(|y| y == x)))
}

pub fn indices(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::list(
        (0..list(args, 0)?.borrow().len() as i64).map(Value::Int).collect(),
    ))
}

pub fn enumerate(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let (xs, f) = (list(args, 0)?, arg(args, 1)?);
    let n = xs.borrow().len();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let Some(x) = nth(xs, i) else { break };
        out.push(host.call(f, &[Value::Int(i as i64), x])?);
    }
    Ok(Value::list(out))
}

pub fn zip(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let (a, b, f) = (list(args, 0)?, list(args, 1)?, arg(args, 2)?);
    let n = a.borrow().len().min(b.borrow().len());
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (Some(x), Some(y)) = (nth(a, i), nth(b, i)) else {
            break;
        };
        out.push(host.call(f, &[x, y])?);
    }
    Ok(Value::list(out))
}

pub fn first(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(list(args, 0)?.borrow().first().cloned()))
}

pub fn last(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::opt(list(args, 0)?.borrow().last().cloned()))
}

pub fn slice(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let xs = list(args, 0)?.borrow();
    let clamp = |i: i64| (i.max(0) as usize).min(xs.len());
    let (start, end) = (clamp(int(args, 1)?), clamp(int(args, 2)?));
    Ok(Value::list(if start < end {
        xs[start..end].to_vec()
    } else {
        Vec::new()
    }))
}

pub fn any(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut found = false;
    walk(host, list(args, 0)?, arg(args, 1)?, |_, r| {
        found = truthy(r)?;
        Ok(!found)
    })?;
    Ok(Value::Bool(found))
}

pub fn all(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut every = true;
    walk(host, list(args, 0)?, arg(args, 1)?, |_, r| {
        every = truthy(r)?;
        Ok(every)
    })?;
    Ok(Value::Bool(every))
}

pub fn sum(host: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let xs = list(args, 0)?.borrow();
    if matches!(xs.first(), Some(Value::Float(_))) {
        drop(xs);
        return sum_float(host, args);
    }
    let mut total: i64 = 0;
    for x in xs.iter() {
        let Value::Int(i) = x else {
            return Err(mismatch("int", x));
        };
        total = total
            .checked_add(*i)
            .ok_or_else(|| RuntimeError::new(ErrorKind::Overflow, "the sum overflows a 64-bit int"))?;
    }
    Ok(Value::Int(total))
}

pub fn sum_float(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let mut total = 0.0;
    for x in list(args, 0)?.borrow().iter() {
        let Value::Float(f) = x else {
            return Err(mismatch("float", x));
        };
        total += f;
    }
    Ok(Value::Float(total))
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::natives::testing::{call, ints, s, strs, TestHost};
    use crate::value::Value;

    fn host() -> TestHost {
        let mut h = TestHost::new();
        h.callbacks = vec![
            |a| match a[0] {
                Value::Int(x) => Value::Int(x * 10),
                _ => Value::Unit,
            },
            |a| Value::Bool(matches!(a[0], Value::Int(x) if x % 2 == 0)),
            |a| match (&a[0], &a[1]) {
                (Value::Int(x), Value::Int(y)) => Value::Int(x - y),
                _ => Value::Unit,
            },
            |a| match a[0] {
                Value::Int(x) => Value::Int(-x),
                _ => Value::Unit,
            },
        ];
        h
    }
    const TIMES_TEN: Value = Value::Fn(0);
    const IS_EVEN: Value = Value::Fn(1);
    const MINUS: Value = Value::Fn(2);
    const NEGATE: Value = Value::Fn(3);

    fn l(name: &str, args: &[Value]) -> Value {
        call(&mut host(), &format!("list.{name}"), args).unwrap()
    }

    #[test]
    fn push_pop_len_share_the_list() {
        let mut h = host();
        let xs = ints(&[1]);
        call(&mut h, "list.push", &[xs.clone(), Value::Int(2)]).unwrap();
        assert_eq!(
            call(&mut h, "list.len", std::slice::from_ref(&xs)).unwrap(),
            Value::Int(2)
        );
        assert_eq!(
            call(&mut h, "list.pop", std::slice::from_ref(&xs)).unwrap(),
            Value::Int(2)
        );
        assert_eq!(
            call(&mut h, "list.pop", std::slice::from_ref(&xs)).unwrap(),
            Value::Int(1)
        );
        assert_eq!(call(&mut h, "list.pop", &[xs]).unwrap(), Value::None);
    }

    #[test]
    fn higher_order_functions_call_back() {
        assert_eq!(l("map", &[ints(&[1, 2]), TIMES_TEN]), ints(&[10, 20]));
        assert_eq!(l("filter", &[ints(&[1, 2, 3, 4]), IS_EVEN]), ints(&[2, 4]));
        assert_eq!(l("fold", &[ints(&[1, 2, 3]), Value::Int(10), MINUS]), Value::Int(4));
        assert_eq!(l("any", &[ints(&[1, 3]), IS_EVEN]), Value::Bool(false));
        assert_eq!(l("any", &[ints(&[1, 2]), IS_EVEN]), Value::Bool(true));
        assert_eq!(l("all", &[ints(&[2, 4]), IS_EVEN]), Value::Bool(true));
        assert_eq!(l("all", &[ints(&[]), IS_EVEN]), Value::Bool(true));
        assert_eq!(l("enumerate", &[ints(&[5, 5]), MINUS]), ints(&[-5, -4]));
        assert_eq!(l("zip", &[ints(&[5, 6, 7]), ints(&[1, 1]), MINUS]), ints(&[4, 5]));
        assert_eq!(l("sort_by", &[ints(&[1, 3, 2]), NEGATE]), ints(&[3, 2, 1]));
    }

    #[test]
    fn sorting_and_ordering() {
        assert_eq!(l("sort", &[ints(&[3, -1, 2])]), ints(&[-1, 2, 3]));
        assert_eq!(l("sort", &[strs(&["b", "a", "C"])]), strs(&["C", "a", "b"]));
        assert_eq!(
            l("sort", &[Value::list(vec![Value::Float(2.5), Value::Float(-1.0)])]),
            Value::list(vec![Value::Float(-1.0), Value::Float(2.5)])
        );
        assert_eq!(l("reverse", &[ints(&[1, 2, 3])]), ints(&[3, 2, 1]));
    }

    #[test]
    fn access_and_slicing() {
        assert_eq!(l("contains", &[strs(&["a"]), s("a")]), Value::Bool(true));
        assert_eq!(l("indices", &[strs(&["a", "b"])]), ints(&[0, 1]));
        assert_eq!(l("first", &[ints(&[])]), Value::None);
        assert_eq!(l("last", &[ints(&[1, 2])]), Value::Int(2));
        assert_eq!(
            l("slice", &[ints(&[1, 2, 3, 4]), Value::Int(1), Value::Int(3)]),
            ints(&[2, 3])
        );
        assert_eq!(
            l("slice", &[ints(&[1, 2]), Value::Int(-3), Value::Int(10)]),
            ints(&[1, 2])
        );
    }

    #[test]
    fn sums() {
        assert_eq!(l("sum", &[ints(&[1, 2, 3])]), Value::Int(6));
        assert_eq!(
            l("sum", &[Value::list(vec![Value::Float(0.5), Value::Float(1.0)])]),
            Value::Float(1.5)
        );
        assert_eq!(
            crate::natives::list_sum_float()(&mut host(), &[ints(&[])]).unwrap(),
            Value::Float(0.0)
        );
        let e = call(&mut host(), "list.sum", &[ints(&[i64::MAX, 1])]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Overflow);
    }
}
