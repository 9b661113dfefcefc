//! `std.math`: numbers. Conversions to `int` check their range instead of saturating.

use super::{float, int, Host};
use crate::error::{ErrorKind, RuntimeError};
use crate::value::Value;

/// `f` as an int, if it is a number within the int range (it must already be integral).
fn float_to_int(f: f64, what: &str) -> Result<Value, RuntimeError> {
    // 2^63 is exactly representable; every float below it and at least -2^63 fits.
    if f.is_nan() || f < -(2f64.powi(63)) || f >= 2f64.powi(63) {
        return Err(RuntimeError::new(
            ErrorKind::InvalidNumber,
            format!("cannot convert {f:?} to an int ({what})"),
        )
        .with_help("an int holds whole numbers from -9223372036854775808 to 9223372036854775807"));
    }
    Ok(Value::Int(f as i64))
}

pub fn abs(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    let x = int(args, 0)?;
    x.checked_abs().map(Value::Int).ok_or_else(|| {
        RuntimeError::new(
            ErrorKind::Overflow,
            format!("the absolute value of {x} overflows an int"),
        )
    })
}

pub fn fabs(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Float(float(args, 0)?.abs()))
}

pub fn min(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Int(int(args, 0)?.min(int(args, 1)?)))
}

pub fn max(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Int(int(args, 0)?.max(int(args, 1)?)))
}

pub fn to_float(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Float(int(args, 0)? as f64))
}

pub fn to_int(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    float_to_int(float(args, 0)?.trunc(), "to_int")
}

pub fn floor(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    float_to_int(float(args, 0)?.floor(), "floor")
}

pub fn ceil(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    float_to_int(float(args, 0)?.ceil(), "ceil")
}

pub fn round(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    float_to_int(float(args, 0)?.round(), "round")
}

pub fn sqrt(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Float(float(args, 0)?.sqrt()))
}

pub fn pow(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Float(float(args, 0)?.powf(float(args, 1)?)))
}

pub fn ln(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Float(float(args, 0)?.ln()))
}

pub fn exp(_: &mut dyn Host, args: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Float(float(args, 0)?.exp()))
}

pub fn pi(_: &mut dyn Host, _: &[Value]) -> Result<Value, RuntimeError> {
    Ok(Value::Float(std::f64::consts::PI))
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::natives::testing::{call, TestHost};
    use crate::value::Value;

    fn m(name: &str, args: &[Value]) -> Result<Value, crate::error::RuntimeError> {
        call(&mut TestHost::new(), &format!("math.{name}"), args)
    }

    #[test]
    fn integers() {
        assert_eq!(m("abs", &[Value::Int(-3)]).unwrap(), Value::Int(3));
        assert_eq!(m("abs", &[Value::Int(i64::MIN)]).unwrap_err().kind, ErrorKind::Overflow);
        assert_eq!(m("min", &[Value::Int(2), Value::Int(-1)]).unwrap(), Value::Int(-1));
        assert_eq!(m("max", &[Value::Int(2), Value::Int(-1)]).unwrap(), Value::Int(2));
        assert_eq!(m("to_float", &[Value::Int(2)]).unwrap(), Value::Float(2.0));
    }

    #[test]
    fn float_to_int_conversions_round_as_documented() {
        let f = |x: f64| [Value::Float(x)];
        assert_eq!(m("to_int", &f(-2.7)).unwrap(), Value::Int(-2));
        assert_eq!(m("floor", &f(-2.5)).unwrap(), Value::Int(-3));
        assert_eq!(m("ceil", &f(2.1)).unwrap(), Value::Int(3));
        assert_eq!(m("round", &f(2.5)).unwrap(), Value::Int(3));
        assert_eq!(m("round", &f(-2.5)).unwrap(), Value::Int(-3));
        assert_eq!(m("to_int", &f(f64::NAN)).unwrap_err().kind, ErrorKind::InvalidNumber);
        assert_eq!(m("to_int", &f(1e19)).unwrap_err().kind, ErrorKind::InvalidNumber);
    }

    #[test]
    fn float_functions() {
        assert_eq!(m("fabs", &[Value::Float(-1.5)]).unwrap(), Value::Float(1.5));
        assert_eq!(m("sqrt", &[Value::Float(9.0)]).unwrap(), Value::Float(3.0));
        assert_eq!(
            m("pow", &[Value::Float(2.0), Value::Float(10.0)]).unwrap(),
            Value::Float(1024.0)
        );
        assert_eq!(m("ln", &[Value::Float(1.0)]).unwrap(), Value::Float(0.0));
        assert_eq!(m("exp", &[Value::Float(0.0)]).unwrap(), Value::Float(1.0));
        assert_eq!(m("pi", &[]).unwrap(), Value::Float(std::f64::consts::PI));
    }
}
